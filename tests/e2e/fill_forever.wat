;; fill_forever.wat: _start fills its 64 MiB memory again and again. Each
;; memory.fill is one instruction but costs a reduction per 64 bytes and
;; runs in chunks that check the budget (vm/memory.c), so the process is
;; preempted inside it and one signal stops the run cleanly (before,
;; a slice here lasted minutes and only a second signal ended it).
(module
  (memory (export "memory") 1024)
  (func (export "_start")
    (local $v i32)
    (loop $fill
      (memory.fill (i32.const 0) (local.get $v) (i32.const 0x4000000))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $fill))))
