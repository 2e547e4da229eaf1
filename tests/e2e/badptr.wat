;; badptr.wat: calls WASI functions with wild pointers and overflowing
;; lengths. Each must return EFAULT (21) or EBADF (8) and the runtime must
;; stay up; the exit code is the number of the first check that failed,
;; 0 if all passed.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get"
    (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; exit with `step` unless `got` == `want`
  (func $expect (param $step i32) (param $got i32) (param $want i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (local.get $step)))))
  ;; store the iovec {ptr, len} at address 0
  (func $iovec (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len)))
  (func (export "_start")
    ;; 1: the iovec array itself is outside memory (and wraps in 32 bits)
    (call $expect (i32.const 1)
      (call $fd_write (i32.const 1) (i32.const 0xfffffff8) (i32.const 2)
                      (i32.const 16)) (i32.const 21))
    ;; 2: an iovec whose buffer is outside memory
    (call $iovec (i32.const 0xfffffff0) (i32.const 0x100))
    (call $expect (i32.const 2)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                      (i32.const 16)) (i32.const 21))
    ;; 3: an iovec with a length that runs off the end
    (call $iovec (i32.const 8) (i32.const 0xffffffff))
    (call $expect (i32.const 3)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                      (i32.const 16)) (i32.const 21))
    ;; 4: a huge iovec count
    (call $expect (i32.const 4)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff)
                      (i32.const 16)) (i32.const 21))
    ;; 5: a good iovec but the nwritten pointer is outside memory
    (call $iovec (i32.const 8) (i32.const 1))
    (call $expect (i32.const 5)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                      (i32.const 0xfffffffe)) (i32.const 21))
    ;; 6: a bad fd
    (call $expect (i32.const 6)
      (call $fd_write (i32.const 9) (i32.const 0) (i32.const 1)
                      (i32.const 16)) (i32.const 8))
    ;; 7..12: other functions with wild result pointers
    (call $expect (i32.const 7)
      (call $args_get (i32.const 0xfffffffc) (i32.const 0)) (i32.const 21))
    (call $expect (i32.const 8)
      (call $args_sizes_get (i32.const 0) (i32.const 65535)) (i32.const 21))
    (call $expect (i32.const 9)
      (call $environ_sizes_get (i32.const 65536) (i32.const 0))
      (i32.const 21))
    (call $expect (i32.const 10)
      (call $random_get (i32.const 0xffffff00) (i32.const 0x1000))
      (i32.const 21))
    (call $expect (i32.const 11)
      (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 65529))
      (i32.const 21))
    (call $expect (i32.const 12)
      (call $fd_fdstat_get (i32.const 1) (i32.const 65520)) (i32.const 21))
    ;; 13: and good calls still work afterwards
    (call $expect (i32.const 13)
      (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 64))
      (i32.const 0))))
