;; simd.wat: v128 values through the compiler's frame layout (two slots
;; each), for test_simd.c: locals beside i64 ones, calls, block results,
;; br_table merges, loops, select, globals and a host import.
(module
  (import "host" "swap_halves" (func $swap (param v128 i32) (result i32 v128)))
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))

  ;; i64 locals on both sides of v128 ones: each must keep its own slots.
  (func (export "mixed_locals") (param $a i64) (param $v v128) (param $b i64)
        (result i64 v128 i64)
    (local $x i64) (local $w v128) (local $y i64)
    (local.set $x (i64.add (local.get $a) (i64.const 10)))
    (local.set $w (i32x4.add (local.get $v) (v128.const i32x4 1 1 1 1)))
    (local.set $y (i64.add (local.get $b) (i64.const 20)))
    (local.get $x) (local.get $w) (local.get $y))

  ;; v128 params and results across a call, with scalars between them.
  (func $callee (param $k i32) (param $v v128) (param $s i64) (result v128 i64)
    (i32x4.mul (local.get $v) (i32x4.splat (local.get $k)))
    (i64.mul (local.get $s) (i64.const 3)))
  (func (export "call_mixed") (param $v v128) (result v128 i64)
    (call $callee (i32.const 2) (local.get $v) (i64.const 7)))

  ;; block results and br_table: each target gets an (i64, v128) pair
  ;; from a different place; the merge must read the same slots.
  (func (export "br_table_merge") (param $i i32) (param $v v128) (result i64 v128)
    (block $b0 (result i64 v128)
      (block $b1 (result i64 v128)
        (block $b2 (result i64 v128)
          (i64.const 100)
          (i8x16.add (local.get $v) (local.get $v))
          (local.get $i)
          (br_table $b0 $b1 $b2))
        ;; from $b2: add 1 to the i64, negate the vector
        (local.set $v)
        (i64.add (i64.const 1))
        (i32x4.neg (local.get $v))
        (br $b0))
      ;; from $b1: keep the i64, splat 9 over the vector
      (drop)
      (i8x16.splat (i32.const 9))))

  ;; a loop whose parameters are (v128, i32): the back edge moves both.
  (func (export "loop_params") (param $v v128) (param $n i32) (result v128)
    (local.get $v) (local.get $n)
    (loop $l (param v128 i32) (result v128)
      (local.set $n)
      (i32x4.add (v128.const i32x4 1 2 3 4))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.get $n)
      (br_if $l (local.get $n))
      (drop)))

  (func (export "select_v128") (param $a v128) (param $b v128) (param $c i32)
        (result v128 v128)
    (local.get $a) (local.get $b) (local.get $c) (select)
    (local.get $b) (local.get $a) (local.get $c) (select (result v128)))

  (func (export "global_rw") (param $v v128) (result v128)
    (global.get $g)
    (global.set $g (local.get $v))
    (i64x2.add (global.get $g)))

  (func (export "host_roundtrip") (param $v v128) (result i32 v128)
    (call $swap (local.get $v) (i32.const 5)))

  ;; out of bounds: v128.load at the end of the one-page memory traps
  (memory 1)
  (func (export "load_at") (param $p i32) (result v128)
    (v128.load (local.get $p)))

  ;; locals start at zero however many slots they take: $fill leaves
  ;; non-zero slots where $read's three v128 locals (six slots) will be
  (func $fill (local v128 v128 v128)
    (local.set 0 (v128.const i32x4 -1 -1 -1 -1))
    (local.set 1 (v128.const i32x4 -1 -1 -1 -1))
    (local.set 2 (v128.const i32x4 -1 -1 -1 -1)))
  (func $read (result i32) (local v128 v128 v128)
    (v128.any_true (v128.or (v128.or (local.get 0) (local.get 1))
                            (local.get 2))))
  (func (export "v128_locals_start_zero") (result i32)
    (call $fill)
    (call $read)))
