;; trap_deep.wat: _start calls three functions deep, and the innermost
;; divides by zero: the trap report must list the wasm call stack,
;; innermost first, with the names of the name section (the Makefile
;; builds the e2e fixtures with wat2wasm --debug-names).
(module
  (func $divide (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $compute (param i32) (result i32)
    (i32.add (call $divide (local.get 0)) (i32.const 1)))
  (func $handle_request (result i32)
    (call $compute (i32.const 0)))
  (func $main (export "_start")
    (drop (call $handle_request))))
