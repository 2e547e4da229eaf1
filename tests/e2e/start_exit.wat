;; start_exit.wat: the start function calls proc_exit(7), so _start (which
;; would exit with 1) must never run.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func $init (call $proc_exit (i32.const 7)))
  (start $init)
  (func (export "_start") (call $proc_exit (i32.const 1))))
