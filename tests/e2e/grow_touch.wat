;; grow_touch.wat: _start grows its memory by 16 pages (1 MiB) at a time,
;; forever, and writes over all of it after each grow, so each step takes
;; longer than the last. Growing is charged per page and the fills are
;; preempted between chunks: one signal stops the run cleanly.
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
