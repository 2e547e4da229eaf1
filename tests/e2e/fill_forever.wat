;; fill_forever.wat: _start fills its 64 MiB memory again and again. A
;; memory.fill is one instruction, and the scheduler counts reductions on
;; branches and calls, so a time slice of 20,000 reductions here lasts
;; minutes: the clean stop of a first signal waits on this worker, and
;; only a second signal ends the run (status 128 + the signal number).
(module
  (memory (export "memory") 1024)
  (func (export "_start")
    (local $v i32)
    (loop $fill
      (memory.fill (i32.const 0) (local.get $v) (i32.const 0x4000000))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $fill))))
