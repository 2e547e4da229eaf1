;; FIXED (issue 15): config_preopen_dir grants only directories inside the caller's preopens: exit 141.
;; make sandbox-e2e runs it as a regression test.
;; Was known, open (issue 15, item 4; generator flag preopen_host_path): a
;; process with no directory at all (no --dir) creates a config that
;; preopens the host's "/", spawns a child with it, and the child opens
;; /etc/passwd and prints "ABIFUZZ-ESCAPE". The runtime should accept
;; only directories inside the creating process's own preopens
;; (config_preopen_dir traps or the spawn fails): nothing is printed.
(module
  (import "lunatic::process" "create_config" (func $cfg (result i64)))
  (import "lunatic::wasi" "config_preopen_dir" (func $pre (param i64 i32 i32)))
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "lunatic::process" "sleep_ms" (func $sleep (param i64)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "/")
  (data (i32.const 8) "child")
  (data (i32.const 16) "etc/passwd")
  (data (i32.const 32) "ABIFUZZ-ESCAPE\n")
  (func (export "child")
    (if (i32.eqz (call $open (i32.const 3) (i32.const 0) (i32.const 16)
          (i32.const 10) (i32.const 0) (i64.const 2) (i64.const 2)
          (i32.const 0) (i32.const 64)))
      (then (i32.store (i32.const 72) (i32.const 32))
        (i32.store (i32.const 76) (i32.const 15))
        (drop (call $write (i32.const 1) (i32.const 72) (i32.const 1)
          (i32.const 80))))))
  (func (export "_start") (local $c i64)
    (local.set $c (call $cfg))
    (call $pre (local.get $c) (i32.const 0) (i32.const 1))
    (drop (call $spawn (i64.const 1) (local.get $c) (i64.const -1)
      (i32.const 8) (i32.const 5) (i32.const 0) (i32.const 0) (i32.const 96)))
    (call $sleep (i64.const 300))))
