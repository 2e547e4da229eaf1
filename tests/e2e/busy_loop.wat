;; busy_loop.wat: _start spins forever without a host call. The scheduler
;; preempts it by counting reductions, so one SIGINT or SIGTERM still ends
;; the run cleanly (status 0).
(module
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $spin))))
