;; Found by make fuzz-diff-long (seeds 1029759 and 1029978: a memory hash
;; that differed, no call result): f64.max(-255, a NaN with a payload)
;; stored to memory. The spec lets min and max give a canonical NaN of
;; either sign or one derived from the operands' payloads; V8 gives
;; x86's default NaN (canonical, sign set) and the interpreter gave the
;; operand's payload. It now gives what V8 gives, so memory that holds
;; such results compares exactly. (wasm-opt --denan could not explain
;; it: the denanned module did not load.)
(module
  (memory (export "memory") 1)
  (func $nan64 (result f64) (f64.const -nan:0xfffffffffff9b))
  (func $nan32 (result f32) (f32.const nan:0x200001))
  (func (export "max_min_stored")
    (f64.store (i32.const 0) (f64.max (f64.const -255) (call $nan64)))
    (f64.store (i32.const 8) (f64.min (call $nan64) (f64.const 1.5)))
    (f32.store (i32.const 16) (f32.max (call $nan32) (f32.const -0)))
    (f32.store (i32.const 20) (f32.min (f32.const 2) (call $nan32))))
  (func (export "max_bits") (result i64)
    (i64.reinterpret_f64 (f64.max (call $nan64) (f64.const 0)))))
