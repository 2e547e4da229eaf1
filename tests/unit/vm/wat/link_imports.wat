;; link_imports.wat: every kind of import, interleaved, for instances made
;; through a vm_link (functions shared, the others linked per instance).
(module
  (import "host" "seven" (func $seven (result i32)))
  (import "host" "mem" (memory 1))
  (import "host" "g" (global $g i32))
  (import "host" "eight" (func $eight (result i32)))
  (import "host" "tab" (table 2 funcref))
  (func (export "sum") (result i32)
    (i32.add (i32.add (call $seven) (call $eight))
             (i32.add (global.get $g) (i32.load (i32.const 16)))))
  (func (export "tab_size") (result i32) (table.size 0)))
