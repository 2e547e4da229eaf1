;; grow_touch.wat: _start grows its memory by 16 pages (1 MiB) at a time,
;; forever, and writes over all of it after each grow, so each step takes
;; longer than the last: a worker busy growing memory, which the clean
;; stop of a first signal waits on until a second signal ends the run.
(module
  (memory (export "memory") 16)
  (func (export "_start")
    (local $pages i32)
    (loop $grow
      (local.set $pages (memory.grow (i32.const 16)))
      (if (i32.ge_s (local.get $pages) (i32.const 0))
        (then
          (memory.fill (i32.const 0) (local.get $pages)
                       (i32.mul (i32.add (local.get $pages) (i32.const 16))
                                (i32.const 65536)))))
      (br $grow))))
