;; A load whose address is x + i32.load(p), right after an unrelated i32.and:
;; the fused address once read a stale operand (the and's) instead of the
;; inner load. Must exit with mem[100 + 8] = 7, as node and wasm3 do.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\64\00\00\00\08\00\00\00")
  (data (i32.const 108) "\07\00\00\00")
  (func $f (param $p i32) (param $x i32) (param $y i32) (result i32)
    (local $t i32)
    local.get $x  local.get $y  i32.and  local.set $t
    local.get $p  i32.load offset=4
    local.get $p  i32.load
    i32.add
    i32.load)
  (func (export "_start")
    (call $exit (call $f (i32.const 0) (i32.const 3) (i32.const 1000)))))
