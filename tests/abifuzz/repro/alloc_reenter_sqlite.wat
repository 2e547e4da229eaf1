;; FIXED (issue 15): the allocator traps its process at the nesting limit (sched/nested.c): exit 141.
;; make sandbox-e2e runs it as a regression test.
;; Was known, open (issue 15, item 1; generator flag alloc_reenter_sqlite):
;; sched/api_sqlite.c runs the guest's lunatic_alloc on a nested vm_run
;; with no depth guard, and this lunatic_alloc calls lunatic::sqlite
;; again, which allocates again: unbounded native recursion, SIGSEGV, the
;; whole runtime lost. The runtime should refuse the re-entry past a fixed
;; depth and trap this process only ("lunatic_alloc re-entered too
;; deeply"); other processes go on, the exit status is the trap's.
;; The fuzzer also reached it through trap::catch (release long run, seeds
;; 100108 and 100124: lunatic_alloc -> trap::catch -> a script ->
;; sqlite::last_error / column_names -> lunatic_alloc ..., SIGSEGV a few
;; levels down, in h_preopen_dir's and wasi__sock_recv's large stack frames,
;; so the worker threads' stacks are small too). Allocator variants
;; reenter_sqlite, reenter_sqlite_bounded and reenter_catch_script.
(module
  (import "lunatic::sqlite" "open" (func $open (param i32 i32 i32) (result i64)))
  (import "lunatic::sqlite" "last_error" (func $last_error (param i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) ":memory:")
  (func (export "lunatic_alloc") (param i32) (result i32)
    (drop (call $last_error (i64.load (i32.const 16)) (i32.const 32)))
    (i32.const 64))
  (func (export "_start")
    (drop (call $open (i32.const 0) (i32.const 8) (i32.const 16)))
    (drop (call $last_error (i64.load (i32.const 16)) (i32.const 32)))))
