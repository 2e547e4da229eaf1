;; start_registry.wat: a module whose start function uses the registry.
;; sandbox.c's start_registry case get_or_spawns it twice: the start
;; function runs inside the first get_or_spawn, which once held the
;; registry's write lock across the spawn (the start function's put then
;; re-locked it on the same thread, and the runtime hung).
(module
  (import "lunatic::registry" "put" (func $put (param i32 i32 i64 i64)))
  (import "lunatic::process" "process_id" (func $self (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "started")
  (func $start
    (call $put (i32.const 0) (i32.const 7) (i64.const 0) (call $self)))
  (start $start)
  (func (export "entry")))
