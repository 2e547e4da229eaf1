;; tables.wat: planned tables (vm_int.h, struct vm_table). The active
;; segments have constant offsets and function items, so the module loads
;; with a plan; each export exercises one way of reading or writing the
;; table, which must see the segments' entries as if they were written at
;; instantiation.
(module
  (import "host" "seven" (func $seven (result i32)))
  (type $r (func (result i32)))
  (table $t (export "t") 6 8 funcref)
  (elem (table $t) (i32.const 1) func $one $two $seven)
  (elem (table $t) (i32.const 4) funcref (ref.null func) (ref.func $one))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type $r) (local.get 0)))
  ;; table.get then call it through a second table slot
  (func (export "get_is_null") (param i32) (result i32)
    (ref.is_null (table.get $t (local.get 0))))
  (func (export "set_null") (param i32)
    (table.set $t (local.get 0) (ref.null func)))
  (func (export "copy") (param i32 i32 i32)
    (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_null") (param i32 i32)
    (table.fill $t (local.get 0) (ref.null func) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size $t)))
