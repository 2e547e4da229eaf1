;; yield_write.wat: sched_yield (a host VM_YIELD) in a loop, random_get and
;; fd_write to stderr, then _start returns: exit 0 and "yield ok" on stderr.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "yield ok\n")
  (func (export "_start") (local $i i32)
    (loop $again
      (if (call $yield) (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1000))))
    (if (call $random_get (i32.const 200) (i32.const 64)) (then unreachable))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 9))
    (if (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1)
                        (i32.const 8))
      (then unreachable))
    (if (i32.ne (i32.load (i32.const 8)) (i32.const 9)) (then unreachable))))
