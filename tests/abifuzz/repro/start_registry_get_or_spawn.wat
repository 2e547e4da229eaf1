;; Known, open (issue 15, item 2; generator flag
;; start_registry_get_or_spawn): get_or_spawn holds the registry's write
;; lock while the child is instantiated, and the child's start function
;; (this module's $start, run for every instance) calls registry::put on
;; the same thread: the rwlock is re-locked (EDEADLK, unchecked), the
;; child's unlock releases the parent's lock and the parent then unlocks
;; an unlocked lock. The second get_or_spawn hangs, and SIGTERM no longer
;; stops the run. The runtime should not hold a host lock while guest code
;; runs: both calls (two names) return 0, the run ends with status 0.
(module
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::process" "get_or_spawn"
    (func $get_or_spawn (param i32 i32 i64 i64 i64 i32 i32 i32 i32 i32 i32)
      (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "other")
  (data (i32.const 8) "child")
  (data (i32.const 16) "main")
  (func $start (call $put (i32.const 0) (i32.const 5) (i64.const 0)
    (i64.const 1)))
  (start $start)
  (func (export "main"))
  (func (export "_start")
    (drop (call $get_or_spawn (i32.const 8) (i32.const 5) (i64.const 0)
      (i64.const -1) (i64.const -1) (i32.const 16) (i32.const 4)
      (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 40)))
    (drop (call $get_or_spawn (i32.const 0) (i32.const 5) (i64.const 0)
      (i64.const -1) (i64.const -1) (i32.const 16) (i32.const 4)
      (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 40)))))
