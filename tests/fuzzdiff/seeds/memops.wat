;; memops.wat: loops shaped like compiled C, the code the interpreter's
;; superinstructions (vm/compile.c) are made for; plain `wasm-opt -ttf`
;; code masks nearly every address with `& 15` and seldom reaches them.
;; fuzzdiff.py uses this module two ways:
;;  - as initial content (`-ttf -if`): -ttf keeps these functions, mutates
;;    some of their expressions, adds its own functions and data segments
;;    over bytes 0..63, and a hang limit that stops a call after 10 loop
;;    iterations and calls in all (the runners reset it before each
;;    export call), so most loops here run at most 6 times;
;;  - intact, its data segment at 0 replaced by 64 random bytes; there the
;;    loops of k_loop_branch run until the bytes they read say stop.
;; Indices are masked to stay inside the first 64 KiB where it matters.
(module
  (memory (export "memory") 1 1)
  (data (i32.const 0) "\04\00\00\00\08\00\00\00\2a\00\00\00\07\00\00\00\10\20\30\40")

  ;; x + load(p) as an address; p[i + j]; (i << 2) + base
  (func (export "k_sum_load") (result i32)
    (local $i i32) (local $x i32) (local $acc i32) (local $j i32)
    (local.set $x (i32.const 4))
    (loop $l
      (local.set $j (i32.and (i32.load8_u (local.get $i)) (i32.const 31)))
      (local.set $acc (i32.add (local.get $acc)
        (i32.load8_u (i32.add (local.get $x)
          (i32.and (i32.load (local.get $i)) (i32.const 4095))))))
      (local.set $acc (i32.xor (local.get $acc)
        (i32.load (i32.add (local.get $i) (local.get $j)))))
      (local.set $acc (i32.add (local.get $acc)
        (i32.load offset=4 (i32.add (i32.shl (local.get $j) (i32.const 2))
                                    (local.get $x)))))
      (local.set $i (i32.add (local.get $i) (i32.const 9)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 48))))
    (local.get $acc))

  ;; an address x + load(p) with nothing masking it: first a table of
  ;; small offsets at 2048 made from the random bytes
  (func (export "k_raw_sum_load") (result i32)
    (local $i i32) (local $x i32) (local $acc i32)
    (loop $fill
      (i32.store offset=2048 (local.get $i)
        (i32.and (i32.load (local.get $i)) (i32.const 1020)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 64))))
    (local.set $i (i32.const 2048))
    (local.set $x (i32.const 8))
    (loop $use
      (local.set $acc (i32.add (local.get $acc)
        (i32.load (i32.add (local.get $x) (i32.load (local.get $i))))))
      (local.set $acc (i32.xor (local.get $acc)
        (i32.load8_u offset=1 (i32.add (i32.load (local.get $i)) (local.get $x)))))
      (block $skip
        (br_if $skip (i32.and (local.get $acc) (i32.load (local.get $i))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 1000))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $use (i32.lt_u (local.get $i) (i32.const 2112))))
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $acc (i32.add (local.get $acc)
        (i32.load (i32.add (local.get $x) (i32.load8_u (local.get $i))))))
      (local.set $acc (i32.add (local.get $acc)
        (i32.load16_u offset=2 (i32.add (i32.load8_u (local.get $i)) (local.get $x)))))
      (local.set $i (i32.add (local.get $i) (i32.const 31)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 60))))
    (local.get $acc))

  ;; br_if on (x & load(p)), on compares with a load, on a counter step
  (func (export "k_branch_load") (result i32)
    (local $i i32) (local $x i32) (local $n i32)
    (local.set $x (i32.const 0x55))
    (loop $l
      (block $skip
        (br_if $skip (i32.and (local.get $x) (i32.load8_u (local.get $i))))
        (local.set $n (i32.add (local.get $n) (i32.const 1))))
      (block $skip2
        (br_if $skip2 (i32.lt_s (local.get $x) (i32.load (local.get $i))))
        (local.set $n (i32.add (local.get $n) (i32.const 16))))
      (if (i32.eq (i32.load8_s (local.get $i)) (local.get $i))
        (then (local.set $n (i32.add (local.get $n) (i32.const 256)))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 7)))
                        (i32.const 42))))
    (local.get $n))

  ;; loops closed by a branch on a load: (x & load(p)), compares, eqz
  (func (export "k_loop_branch") (result i32)
    (local $i i32) (local $n i32) (local $x i32)
    (local.set $x (i32.or (i32.load8_u (i32.const 3)) (i32.const 6)))
    (loop $a
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $a (i32.and (local.get $x) (i32.load (local.get $i)))))
    (loop $b
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 3)))
      (br_if $b (i32.and (local.get $x) (i32.load8_u offset=1 (local.get $i)))))
    (loop $c
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 5)))
      (br_if $c (i32.gt_u (i32.load16_u (local.get $i)) (local.get $x))))
    (loop $d
      (local.set $n (i32.add (local.get $n) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $d (i32.eqz (i32.and (i32.load8_u (local.get $i)) (local.get $x)))))
    (i32.add (local.get $n) (i32.mul (local.get $i) (i32.const 1000))))

  ;; a op load(p), both orders, for each i32/i64 op
  (func (export "k_load_operand") (result i64)
    (local $i i32) (local $a i32) (local $b i64)
    (local.set $a (i32.const 0x12345))
    (local.set $b (i64.const 0x123456789))
    (loop $l
      (local.set $a (i32.add (local.get $a) (i32.load (local.get $i))))
      (local.set $a (i32.sub (local.get $a) (i32.load offset=1 (local.get $i))))
      (local.set $a (i32.sub (i32.load offset=2 (local.get $i)) (local.get $a)))
      (local.set $a (i32.mul (local.get $a) (i32.or (i32.load (local.get $i)) (i32.const 1))))
      (local.set $a (i32.and (i32.load offset=3 (local.get $i)) (local.get $a)))
      (local.set $a (i32.or (local.get $a) (i32.load16_s (local.get $i))))
      (local.set $a (i32.xor (local.get $a) (i32.load8_s offset=5 (local.get $i))))
      (local.set $a (i32.shl (local.get $a) (i32.load8_u (local.get $i))))
      (local.set $a (i32.shr_s (local.get $a) (i32.load8_u offset=1 (local.get $i))))
      (local.set $a (i32.shr_u (local.get $a) (i32.load8_u offset=2 (local.get $i))))
      (local.set $a (i32.rotl (local.get $a) (i32.load (local.get $i))))
      (local.set $b (i64.add (local.get $b) (i64.load (local.get $i))))
      (local.set $b (i64.sub (i64.load offset=3 (local.get $i)) (local.get $b)))
      (local.set $b (i64.xor (local.get $b) (i64.load32_u (local.get $i))))
      (local.set $b (i64.mul (local.get $b) (i64.or (i64.load8_u (local.get $i)) (i64.const 1))))
      (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 7)))
      (br_if $l (i32.le_u (local.get $i) (i32.const 40))))
    (local.get $b))

  ;; *p = a op *p (read-modify-write), *q = *p (moves), *p = a op b
  (func (export "k_rmw_move") (result i32)
    (local $i i32) (local $p i32) (local $q i32) (local $a i32)
    (local.set $a (i32.const 3))
    (loop $l
      (local.set $p (i32.add (i32.const 1024) (i32.shl (i32.and (local.get $i) (i32.const 15)) (i32.const 2))))
      (local.set $q (i32.add (local.get $p) (i32.const 64)))
      (i32.store (local.get $p) (i32.add (local.get $a) (i32.load (local.get $p))))
      (i32.store (local.get $p) (i32.xor (i32.load (local.get $p)) (i32.load (local.get $i))))
      (i32.store offset=4 (local.get $q) (i32.load (local.get $i)))
      (i64.store offset=8 (local.get $q) (i64.load offset=2 (local.get $i)))
      (i32.store16 (local.get $q) (i32.load16_u offset=1 (local.get $i)))
      (i32.store8 offset=3 (local.get $q) (i32.load8_u (local.get $i)))
      (i32.store offset=12 (local.get $p) (i32.mul (local.get $a) (local.get $i)))
      (i32.store (local.get $q) (i32.sub (local.get $a) (local.get $i)))
      (local.set $a (i32.add (i32.load (local.get $p)) (i32.load offset=4 (local.get $q))))
      (local.set $i (i32.add (local.get $i) (i32.const 7)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 40))))
    (local.get $a))

  ;; byte hashes: h = (h op p[i]) * k; bit fields (x >> k) & mask; base + (x >> k)
  (func (export "k_bytes_bits") (result i32)
    (local $i i32) (local $h i32) (local $j i32) (local $t i32)
    (local.set $h (i32.const 2166136261))
    (loop $l
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 16777619)))
      (local.set $h (i32.add (local.get $h) (i32.load8_u offset=3 (local.get $i))))
      (local.set $j (i32.and (local.get $h) (i32.const 15)))
      (local.set $h (i32.xor (local.get $h) (i32.load8_u (i32.add (local.get $i) (local.get $j)))))
      (local.set $t (i32.and (i32.shr_u (local.get $h) (i32.const 7)) (i32.const 0xff)))
      (local.set $t (i32.add (local.get $t) (i32.shr_u (local.get $h) (i32.const 29))))
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (i32.const 7)))
      (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 3)) (i32.const -9)))
      (local.set $h (i32.add (i32.and (local.get $h) (i32.const 0xffff)) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 9)))
      (br_if $l (i32.lt_s (i32.add (local.get $i) (i32.const 2)) (i32.const 50))))
    (local.get $h))

  ;; f64 chains (a op b) op c, with loads
  (func (export "k_f64") (result f64)
    (local $i i32) (local $x f64) (local $y f64) (local $z f64)
    (local.set $x (f64.const 1.5))
    (local.set $y (f64.const -0.25))
    (loop $l
      (local.set $z (f64.convert_i32_s (i32.load8_s (local.get $i))))
      (local.set $x (f64.add (f64.mul (local.get $x) (local.get $y)) (local.get $z)))
      (local.set $y (f64.sub (local.get $z) (f64.mul (local.get $y) (local.get $x))))
      (local.set $x (f64.div (f64.add (local.get $x) (local.get $z)) (f64.const 3)))
      (local.set $y (f64.mul (f64.load (local.get $i)) (f64.add (local.get $y) (local.get $y))))
      (if (f64.lt (local.get $x) (local.get $y)) (then (local.set $x (f64.neg (local.get $x)))))
      (local.set $i (i32.add (local.get $i) (i32.const 5)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 30))))
    (f64.add (local.get $x) (local.get $y)))
)
