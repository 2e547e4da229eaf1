;; FIXED (issue 15): SQL runs on the offload pool, not on a worker: exit 0.
;; make sandbox-e2e runs it as a regression test.
;; Was known, open (issue 15, item 3; generator flag sql_hog): sqlite3_exec
;; runs to completion on the worker with no budget. Two processes each
;; running a long statement hold both workers of --threads 2, so the root,
;; which only sleeps 10 ms and prints, prints its line seconds late:
;;   lunatic --threads 2 sql_hog.wasm   (the gap between "tick" lines)
;; The runtime should run SQL under a progress handler that yields the
;; worker (or interrupts at the fuel limit): ticks stay ~10 ms apart.
(module
  (import "lunatic::sqlite" "open" (func $open (param i32 i32 i32) (result i64)))
  (import "lunatic::sqlite" "execute" (func $exec (param i64 i32 i32) (result i32)))
  (import "lunatic::process" "spawn"
    (func $spawn (param i64 i64 i64 i32 i32 i32 i32 i32) (result i32)))
  (import "lunatic::process" "sleep_ms" (func $sleep (param i64)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) ":memory:")
  (data (i32.const 16) "hog")
  (data (i32.const 24) "tick\n")
  (data (i32.const 64) "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000000) SELECT count(*) FROM c")
  (func (export "hog")
    (drop (call $open (i32.const 0) (i32.const 8) (i32.const 200)))
    (drop (call $exec (i64.load (i32.const 200)) (i32.const 64) (i32.const 106))))
  (func (export "_start") (local $i i32)
    (drop (call $spawn (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 16)
      (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 208)))
    (drop (call $spawn (i64.const 0) (i64.const -1) (i64.const -1) (i32.const 16)
      (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 208)))
    (i32.store (i32.const 232) (i32.const 24))
    (i32.store (i32.const 236) (i32.const 5))
    (loop
      (call $sleep (i64.const 10))
      (drop (call $write (i32.const 1) (i32.const 232) (i32.const 1) (i32.const 240)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 20))))))
