;; image.wat: data segments for tests/unit/vm/test_image.c: overlapping
;; active segments (the later wins), zeros at both ends of the extent, an
;; empty one, a passive one, and one at the very end of the initial
;; memory; functions that touch the memory in different ways first.
(module
  (memory (export "memory") 2 4)
  (data (i32.const 1024) "\00\00abcdefghij\00")
  (data (i32.const 1030) "XYZ")               ;; overwrites "efg"
  (data (i32.const 5000) "")                   ;; empty: no extent
  (data $p "passive bytes")
  (data (i32.const 131068) "\01\02\03\04")     ;; the last 4 bytes
  (data (i32.const 70000) "\00\00\00")         ;; zeros only
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "store32") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "init_passive") (param i32)
    (memory.init $p (local.get 0) (i32.const 0) (i32.const 13)))
  ;; an active segment is dropped by instantiation: n > 0 traps
  (func (export "init_active") (param i32 i32)
    (memory.init 0 (local.get 0) (i32.const 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "oob") (result i32)
    (i32.load (i32.const 131070)))
)
