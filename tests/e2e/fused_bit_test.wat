;; br_if on (x & i32.load(p)) after an i32.and of a constant: the fused
;; jump once became a bit test against that old constant (8) instead of the
;; loaded value (1). Must exit with 0.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $bits (param $x i32) (param $p i32) (result i32)
    (local $y i32)
    (local.set $y (i32.and (local.get $x) (i32.const 8)))
    (block
      (br_if 0 (i32.and (local.get $x) (i32.load (local.get $p))))
      (return (i32.const 1)))
    (i32.const 2))
  (func (export "_start")
    (i32.store (i32.const 16) (i32.const 1))
    (call $exit (i32.ne (call $bits (i32.const 1) (i32.const 16)) (i32.const 2)))))
