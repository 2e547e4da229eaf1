;; Found by make fuzz-diff (groups k_loop_branch and k_sum_load: loops
;; closed by `br_if (i32.and x (i32.load p))`), then cut down by hand; no
;; loop is needed. x = 6, the i32 at 4 is 3: 6 & 3 = 2, so the branch is
;; taken and $i stays 4.
;; V8: 4. The interpreter at b2ff8a1: 99 (branch not taken), with fusion
;; on and off.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\04\00\00\00\03\00\00\00")
  (func (export "block_and") (result i32) (local $i i32) (local $x i32)
    (local.set $x (i32.const 6))
    (block $l
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $l (i32.and (local.get $x) (i32.load (local.get $i))))
      (local.set $i (i32.const 99)))
    (local.get $i)))
