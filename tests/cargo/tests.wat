;; tests.wat: a module shaped like a lunatic-rs test binary, for the cargo
;; test mode (tools/cargo_test.c): #lunatic_test_* exports that pass, fail,
;; are ignored, or should panic (with and without the expected message).
;; A "panic" prints Rust's panic line on stderr and traps, as Rust's does.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; iovec at 0, written count at 8; strings from 16
  (data (i32.const 16) "some output\n")                                 ;; 12
  (data (i32.const 32) "thread 'main' panicked at 'a boom#1 here', src/lib.rs:1:1\n") ;; 58
  (data (i32.const 96) "thread '<unnamed>' panicked at 'boom', src/lib.rs:2:2\n")    ;; 54
  (data (i32.const 160) "should not run\n")                             ;; 15
  (data (i32.const 176) "hello from exit_zero\n")                       ;; 21
  (func $say (param $fd i32) (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start"))
  (func (export "#lunatic_test_ok_one"))
  (func (export "#lunatic_test_fails")
    (call $say (i32.const 1) (i32.const 16) (i32.const 12))
    unreachable)
  (func (export "#lunatic_test_exit_zero")
    (call $say (i32.const 1) (i32.const 176) (i32.const 21))
    (call $proc_exit (i32.const 0)))
  (func (export "#lunatic_test_exit_three")
    (call $proc_exit (i32.const 3)))
  (func (export "#lunatic_test_#ignore_skipped")
    (call $say (i32.const 1) (i32.const 160) (i32.const 15)))
  (func (export "#lunatic_test_#panic_boom\\#1#panics")
    (call $say (i32.const 2) (i32.const 32) (i32.const 58))
    unreachable)
  (func (export "#lunatic_test_#panic_other#wrong_panic")
    (call $say (i32.const 2) (i32.const 96) (i32.const 54))
    unreachable)
  (func (export "#lunatic_test_#panic_#killed_any")
    unreachable)
  (func (export "#lunatic_test_#panic_x#no_panic"))
)
