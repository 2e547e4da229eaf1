;; badptr_fs.wat: wild pointers, overflowing lengths, bad fds and fds of
;; the wrong kind passed to the file, poll and socket functions. Each
;; must return its errno (EFAULT 21, EBADF 8, EINVAL 28, ENOTSOCK 57,
;; ENOTCAPABLE 76) with the runtime staying up; the exit code is the
;; number of the first check that failed, 0 if all passed. fd 3 is a
;; preopened directory (tests/e2e/run.sh passes --dir).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close"
    (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread"
    (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept"
    (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber"
    (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise"
    (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get"
    (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get"
    (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv"
    (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send"
    (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown"
    (func $sock_shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "file")
  (func $expect (param $step i32) (param $got i32) (param $want i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $proc_exit (local.get $step)))))
  (func (export "_start")
    ;; 1-3: path_open with a path outside memory, a path length that runs
    ;; off the end, a result pointer outside memory
    (call $expect (i32.const 1)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0xfffffff0)
        (i32.const 16) (i32.const 0) (i64.const -1) (i64.const -1)
        (i32.const 0) (i32.const 16)) (i32.const 21))
    (call $expect (i32.const 2)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0)
        (i32.const 0x7fffffff) (i32.const 0) (i64.const -1) (i64.const -1)
        (i32.const 0) (i32.const 16)) (i32.const 21))
    (call $expect (i32.const 3)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 100)
        (i32.const 4) (i32.const 1) (i64.const -1) (i64.const -1)
        (i32.const 0) (i32.const 0xfffffffc)) (i32.const 21))
    ;; 4-5: fd_read with the iovec array or its buffer outside memory
    (call $expect (i32.const 4)
      (call $fd_read (i32.const 0) (i32.const 0xfffffff8) (i32.const 2)
        (i32.const 16)) (i32.const 21))
    (i32.store (i32.const 0) (i32.const 8))
    (i32.store (i32.const 4) (i32.const 0xffffffff))
    (call $expect (i32.const 5)
      (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.const 16)) (i32.const 21))
    ;; 6: fd_readdir whose buffer runs off the end
    (call $expect (i32.const 6)
      (call $fd_readdir (i32.const 3) (i32.const 65530) (i32.const 100)
        (i64.const 0) (i32.const 16)) (i32.const 21))
    ;; 7-8: poll_oneoff with a huge count, and with none
    (call $expect (i32.const 7)
      (call $poll_oneoff (i32.const 0) (i32.const 100) (i32.const 0x10000000)
        (i32.const 16)) (i32.const 21))
    (call $expect (i32.const 8)
      (call $poll_oneoff (i32.const 0) (i32.const 100) (i32.const 0)
        (i32.const 16)) (i32.const 28))
    ;; 9-13: bad fds and fds of the wrong kind
    (call $expect (i32.const 9) (call $fd_close (i32.const 99)) (i32.const 8))
    (call $expect (i32.const 10)
      (call $fd_pread (i32.const 3) (i32.const 0) (i32.const 0) (i64.const 0)
        (i32.const 16)) (i32.const 8))
    (call $expect (i32.const 11)
      (call $sock_accept (i32.const 1) (i32.const 0) (i32.const 16))
      (i32.const 57))
    (call $expect (i32.const 12)
      (call $fd_renumber (i32.const 1) (i32.const 99)) (i32.const 8))
    (call $expect (i32.const 13) (call $proc_raise (i32.const 99))
      (i32.const 28))
    ;; 14-16: more result buffers outside memory, a missing fd
    (call $expect (i32.const 14)
      (call $fd_prestat_dir_name (i32.const 3) (i32.const 0xffffff00)
        (i32.const 0x1000)) (i32.const 21))
    (call $expect (i32.const 15)
      (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 100)
        (i32.const 4) (i32.const 65500)) (i32.const 21))
    (call $expect (i32.const 16)
      (call $fd_filestat_get (i32.const 77) (i32.const 16)) (i32.const 8))
    ;; 17: path_open relative to stdout, which is no directory
    (call $expect (i32.const 17)
      (call $path_open (i32.const 1) (i32.const 0) (i32.const 100)
        (i32.const 4) (i32.const 0) (i64.const 0) (i64.const 0)
        (i32.const 0) (i32.const 16)) (i32.const 76))
    ;; 18: a symlink text outside memory
    (call $expect (i32.const 18)
      (call $path_symlink (i32.const 65535) (i32.const 2) (i32.const 3)
        (i32.const 100) (i32.const 4)) (i32.const 21))
    ;; 20-23: the socket data calls on stdio (no socket) and bad fds,
    ;; with wild pointers that must not be reached first
    (call $expect (i32.const 20)
      (call $sock_recv (i32.const 0) (i32.const 0xfffffff0) (i32.const 4)
        (i32.const 0) (i32.const 16) (i32.const 20)) (i32.const 57))
    (call $expect (i32.const 21)
      (call $sock_send (i32.const 99) (i32.const 0xfffffff0) (i32.const 4)
        (i32.const 0) (i32.const 16)) (i32.const 8))
    (call $expect (i32.const 22)
      (call $sock_shutdown (i32.const 1) (i32.const 2)) (i32.const 57))
    (call $expect (i32.const 23)
      (call $sock_shutdown (i32.const 99) (i32.const 2)) (i32.const 8))
    ;; 19: and good calls still work afterwards
    (call $expect (i32.const 19)
      (call $fd_prestat_get (i32.const 3) (i32.const 16)) (i32.const 0))))
