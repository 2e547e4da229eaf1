;; FIXED (issue 15): a metric name over 1 KiB traps the caller before any copy: exit 141.
;; make sandbox-e2e runs it as a regression test.
;; Found by the ABI fuzzer (seeds 8, 11 with huge_guest_buffers): a
;; metric name is as long as the guest says. With memory grown to 1 GiB,
;; one increment_counter makes sched/api_misc.c metric() calloc and
;; memcpy a 1 GiB name while it holds the runtime-wide metrics_lock; the
;; name is kept until exit (host memory charged to nobody), and every
;; other process that touches a metric waits for the copy (seconds).
;; The runtime should bound a metric name (say 1 KiB: longer traps the
;; caller, as bad UTF-8 would) and never copy guest data under a global
;; lock.
;;   lunatic metrics_huge_name.wasm   (LUNATIC_METRICS=1 to see it kept)
(module
  (import "lunatic::metrics" "increment_counter" (func $inc (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (drop (memory.grow (i32.const 16384)))
    (loop
      ;; each distinct 1 GiB name is another 1 GiB of host memory
      (i32.store8 (local.get $i) (i32.add (local.get $i) (i32.const 65)))
      (call $inc (i32.const 0) (i32.const 0x40000000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 3)))))
)
