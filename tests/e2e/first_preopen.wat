;; first_preopen.wat: exits with what fd_prestat_get says about fd 3, the
;; first fd after stdio: 0 when a directory is preopened there, 8 (EBADF)
;; when none is. No directory is granted without --dir.
(module
  (import "wasi_snapshot_preview1" "fd_prestat_get"
    (func $prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (call $prestat_get (i32.const 3) (i32.const 16)))))
