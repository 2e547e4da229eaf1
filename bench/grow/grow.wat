;; grow.wat: memory.grow one 64 KiB page at a time from 1 page to 1 GiB
;; (16384 pages), writing one byte into each 4 KiB host page of every new
;; wasm page so that the memory is really committed, as a program filling
;; its heap would. No imports: the same module runs on lunatic (with and
;; without the scheduler) and on node (bench/grow/node_grow.mjs).
;; A failed grow or a lost byte traps (unreachable): a nonzero exit.
(module
  (memory 1)
  (global $target i32 (i32.const 16384))
  (func $touch (param $page i32)
    (local $a i32) (local $end i32)
    (local.set $a (i32.shl (local.get $page) (i32.const 16)))
    (local.set $end (i32.add (local.get $a) (i32.const 65536)))
    (loop $l
      (i32.store8 (local.get $a) (i32.const 1))
      (local.set $a (i32.add (local.get $a) (i32.const 4096)))
      (br_if $l (i32.lt_u (local.get $a) (local.get $end)))))
  (func (export "_start")
    (local $page i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
      (call $touch (local.get $page))
      (br_if $grow (i32.lt_u (i32.add (local.get $page) (i32.const 1))
                             (global.get $target))))
    ;; the first byte written survived every grow
    (if (i32.ne (i32.load8_u (i32.const 65536)) (i32.const 1))
      (then unreachable))))
