;; start_registry.wat: a module whose start function uses the registry,
;; and whose _start calls get_or_spawn twice on itself (issue #15's case
;; 2). The start function runs inside the first get_or_spawn, which once
;; held the registry's write lock across the spawn: the start function's
;; put re-locked it on the same thread, unlocked it, and the second call
;; hung (SIGTERM no longer stopped the run). Exits 0 when both calls give
;; the same pid; traps otherwise. sandbox.c's start_registry case also
;; compiles it and get_or_spawns it from another module.
(module
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::process" "process_id" (func $self (result i64)))
  (import "lunatic::process" "get_or_spawn"
    (func $get_or_spawn (param i32 i32 i64 i64 i64 i32 i32 i32 i32 i32 i32)
                        (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "started")
  (data (i32.const 16) "svc")
  (data (i32.const 32) "entry")
  (func $start
    (call $put (i32.const 0) (i32.const 7) (i64.const 0) (call $self)))
  (start $start)
  (func (export "entry"))
  ;; get_or_spawn "svc" of this module, entry(); its pid at 72.
  (func $spawn_svc (result i32)
    (call $get_or_spawn (i32.const 16) (i32.const 3) (i64.const 0)
          (i64.const -1) (i64.const -1) (i32.const 32) (i32.const 5)
          (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 72)))
  (func (export "_start") (local $first i64)
    (if (i32.ne (call $spawn_svc) (i32.const 0)) (then unreachable))
    (local.set $first (i64.load (i32.const 72)))
    (if (i32.ne (call $spawn_svc) (i32.const 2)) (then unreachable))
    (if (i64.ne (i64.load (i32.const 72)) (local.get $first))
      (then unreachable))))
