;; Found by make fuzz-diff (group k_raw_sum_load; wasm-reduce's output for
;; seed 16 of the first runs was a loop with
;; `br_if (i32.load (i32.add (i32.load p) x))`), then cut down by hand:
;; a load whose address is `x + i32.load(p)`.
;; V8: 7 (the i32 at 8 + 4 = 12). The interpreter at b2ff8a1: 42 (the i32
;; at 8, as if the inner load were 0), with fusion on and off.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\04\00\00\00\00\00\00\00\2a\00\00\00\07\00\00\00")
  (func (export "load_sum") (result i32) (local $p i32) (local $x i32)
    (local.set $x (i32.const 8))
    (i32.load (i32.add (local.get $x) (i32.load (local.get $p))))))
