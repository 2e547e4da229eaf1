;; FIXED (issue 15): get_or_spawn reserves the name instead of holding the lock: exit 0.
;; make sandbox-e2e runs it as a regression test.
;; Was known, open (issue 15, item 2; generator flag
;; start_registry_get_or_spawn; the fuzzer's seed 305 with that flag hung
;; with a worker in pthread_rwlock_wrlock from h_get_or_put_later, and the
;; runtime stuck joining it at exit): get_or_spawn holds the registry's
;; write lock while the child is instantiated, and the child's start
;; function (this module's $start, run for every instance) calls
;; registry::put on the same thread: the rwlock is re-locked (EDEADLK,
;; unchecked), the child's unlock releases the parent's lock and the
;; parent then unlocks an unlocked lock. Any later registry call from
;; another thread ("again", then the root's put) waits forever and SIGTERM
;; no longer stops the run:
;;   timeout -k 2 -s TERM 5 lunatic --threads 2 start_registry_get_or_spawn.wasm
;;   (status 137: SIGTERM was ignored, SIGKILL needed)
;; The runtime should hold no host lock while guest code runs: the run
;; ends by itself with status 0.
(module
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::process" "get_or_spawn"
    (func $get_or_spawn (param i32 i32 i64 i64 i64 i32 i32 i32 i32 i32 i32)
      (result i32)))
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::process" "sleep_ms" (func $sleep (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "other")
  (data (i32.const 8) "child")
  (data (i32.const 16) "main")
  (data (i32.const 24) "again")
  (func $start (call $put (i32.const 0) (i32.const 5) (i64.const 0)
    (i64.const 1)))
  (start $start)
  (func (export "main"))
  (func (export "again") (call $put (i32.const 0) (i32.const 5) (i64.const 0) (i64.const 1)))
  (func (export "_start")
    (drop (call $get_or_spawn (i32.const 8) (i32.const 5) (i64.const 0)
      (i64.const -1) (i64.const -1) (i32.const 16) (i32.const 4)
      (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 40)))
    (drop (call $spawn (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 24) (i32.const 5) (i32.const 0) (i32.const 0) (i32.const 48)))
    (call $sleep (i64.const 100))
    (call $put (i32.const 0) (i32.const 5) (i64.const 0) (i64.const 1))))
