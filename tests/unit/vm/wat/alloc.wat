;; alloc.wat: a module that makes the vm allocate at every kind of point:
;; imports (a host function, a global), types, several functions (compiled
;; on first call), a memory with data, a table with an element segment,
;; globals, many exports, a name section (wat2wasm --debug-names), and a
;; run that grows memory and calls through the table.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "add" (func $host_add (type $binop)))
  (import "env" "base" (global $base i32))
  (memory (export "mem") 1 4)
  (table (export "tab") 4 funcref)
  (global $counter (mut i32) (i32.const 0))
  (data (i32.const 16) "hello allocator")
  (elem (i32.const 0) $sub $mul $host_add)
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func $sum_bytes (param $from i32) (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (i32.add (local.get $acc) (i32.load8_u (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  ;; sum of "hello allocator" bytes, + 7*6 (through the table), + host add
  (func (export "run") (result i32)
    (drop (memory.grow (i32.const 1)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $host_add
      (i32.add
        (call $sum_bytes (i32.const 16) (i32.const 15))
        (call_indirect (type $binop) (i32.const 7) (i32.const 6) (i32.const 1)))
      (global.get $base)))
  (func (export "sub") (type $binop) (call $sub (local.get 0) (local.get 1)))
  (export "counter" (global $counter)))
