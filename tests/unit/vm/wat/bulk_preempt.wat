;; bulk_preempt.wat: memory.copy and memory.fill long enough to be done in
;; chunks, for test_bulk_preempt.c (run with a small budget, they yield
;; between chunks and resume; the bytes must come out as in one go).
(module
  (memory (export "memory") 64)
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  ;; a fill of a constant length, through a superinstruction
  (func (export "fill_const") (param i32 i32)
    (memory.fill (local.get 0) (local.get 1) (i32.const 1000000)))
  ;; out of bounds: traps before writing anything, however long
  (func (export "fill_oob") (param i32)
    (memory.fill (local.get 0) (i32.const 7) (i32.const 4000000))))
