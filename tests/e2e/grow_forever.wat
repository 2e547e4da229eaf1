;; grow_forever.wat: _start grows its memory by one page at a time,
;; forever. Each grow copies the whole memory, so after a moment one
;; time slice lasts far longer than any test waits: the clean stop of a
;; first signal waits on that worker, and only a second signal ends the
;; run (status 128 + the signal number).
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $grow
      (drop (memory.grow (i32.const 1)))
      (br $grow))))
