;; The scheduler alone (test_alone.c): a WASI command that exits with
;; what the test's own host function "test::env" "seven" returns, and a
;; lunatic import that a runtime without the lunatic ABI must refuse.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "test::env" "seven" (func $seven (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (call $seven))))
