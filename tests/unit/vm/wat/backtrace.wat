;; backtrace.wat: call chains for tests/unit/vm/test_backtrace.c (built
;; with the name section: wat2wasm --debug-names).
(module
  (import "host" "fail" (func $fail))
  (import "host" "pause" (func $pause))
  (func $inner (param i32) (result i32)
    unreachable)
  (func $middle (param i32) (result i32)
    (i32.add (call $inner (local.get 0)) (i32.const 1)))
  (func $outer (export "three_deep") (param i32) (result i32)
    (i32.mul (call $middle (local.get 0)) (i32.const 2)))
  ;; a host function's trap is reported in the function that called it
  (func $calls_host (export "host_trap") (call $fail))
  ;; a pause (VM_YIELD from the host) leaves a stack to walk as well
  (func $pauser (export "pause_two_deep") (call $pause_inner))
  (func $pause_inner (call $pause))
  ;; endless recursion: call stack exhausted, depth = max_call_depth
  (func $recurse (export "recurse") (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1)))))
