;; Fixtures for tests/unit/vm/test_exec.c: each export exercises one
;; interpreter or compiler behaviour.
(module
  (import "host" "block_once" (func $block_once (param i32) (result i32)))
  (import "host" "yield_after" (func $yield_after (param i32) (result i32)))
  (import "host" "exit" (func $exit (param i32)))
  (import "host" "fail" (func $fail))
  (import "host" "catch" (func $catch (param i32 i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $fib)

  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib i32.add
    end)

  ;; sum of 1..n with an i64 accumulator: a long loop, many backward branches
  (func (export "sum") (param i32) (result i64) (local i64)
    block loop
      local.get 0 i32.eqz br_if 1
      local.get 1 local.get 0 i64.extend_i32_u i64.add local.set 1
      local.get 0 i32.const 1 i32.sub local.set 0
      br 0
    end end
    local.get 1)

  (func (export "spin") loop br 0 end)

  ;; the old value of a local stays on the stack across a local.set of it
  (func (export "old_value") (param i32) (result i32)
    local.get 0
    local.get 0 i32.const 100 i32.add local.set 0
    local.get 0 i32.sub)   ;; x - (x + 100) = -100

  ;; a lazy local.get below a loop whose body overwrites that local
  (func (export "lazy_across_loop") (param i32) (result i32) (local i32)
    local.get 0
    loop
      local.get 0 i32.const 1 i32.add local.set 0
      local.get 1 i32.const 1 i32.add local.tee 1
      i32.const 3 i32.lt_u br_if 0
    end)                   ;; returns the original x

  ;; multi-value: results taken from params in swapped order
  (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0)

  ;; a loop with a parameter carried on the stack
  (func (export "loop_param") (param i32) (result i32)
    i32.const 0
    loop (param i32) (result i32)
      local.get 0 i32.add
      local.get 0 i32.const 1 i32.sub local.tee 0
      br_if 0
    end)

  ;; br_table carrying a value to different blocks
  (func (export "table") (param i32) (result i32)
    block (result i32) block (result i32) block (result i32)
      i32.const 10 local.get 0 br_table 0 1 2
    end i32.const 1 i32.add end i32.const 2 i32.add end)

  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "oob") (param i32) (result i32) local.get 0 i32.load offset=8)
  (func $recurse (export "recurse") (param i32) (result i32) local.get 0 call $recurse)
  (func (export "call_null") i32.const 5 i32.const 1 call_indirect (param i32) (result i32) drop)
  (func (export "call_bad_type") i64.const 5 i32.const 0 call_indirect (param i64) (result i32) drop)

  ;; memory grown by a callee is visible to the caller right after the call
  (func $grow (result i32) i32.const 1 memory.grow)
  (func (export "grow_then_store") (result i32)
    call $grow drop
    i32.const 65536 i32.const 7 i32.store
    i32.const 65536 i32.load)

  (func (export "block_once") (param i32) (result i32) local.get 0 call $block_once i32.const 1 i32.add)
  (func (export "yield_after") (param i32) (result i32) local.get 0 call $yield_after)
  (func (export "exit") i32.const 3 call $exit unreachable)
  (func (export "fail") call $fail)
;; the host's catch calls back into this: x = 0 traps, else 2x
  (func (export "catch_target") (param i32 i32) (result i32)
    local.get 0 i32.eqz if unreachable end
    local.get 0 i32.const 2 i32.mul)
  (func (export "try") (param i32) (result i32)
    local.get 0 i32.const 0 call $catch i32.const 1000 i32.add)

  ;; recursion deeper than the initial stack: the stack grows on demand
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0
    if (result i32) local.get 0 i32.const 1 i32.sub call $deep i32.const 1 i32.add
    else i32.const 0 end)
;; known-constant locals: a set may only be skipped when the value is
  ;; certainly unchanged
  (func (export "known_after_loop") (result i32) (local i32)
    i32.const 0 local.set 0
    loop
      local.get 0 i32.const 1 i32.add local.set 0
      local.get 0 i32.const 5 i32.lt_u br_if 0
    end
    i32.const 0 local.set 0
    local.get 0)
  (func (export "known_after_block") (param i32) (result i32) (local i32)
    i32.const 7 local.set 1
    block
      local.get 0 br_if 0
      i32.const 3 local.set 1
    end
    i32.const 3 local.set 1
    local.get 1)

  ;; an address computed by i32.add wraps at 32 bits before the offset
  (func (export "wrapped_load") (param i32) (result i32)
    local.get 0 i32.const 8 i32.add i32.load)
  (func (export "wrapped_store") (param i32 i32)
    local.get 0 i32.const 8 i32.add local.get 1 i32.store)
  ;; fused memory forms trap like the instructions they replace
  (func (export "add_load_f64") (param i32 f64) (result f64)
    local.get 1 local.get 0 f64.load f64.add)
  (func (export "mul_store_f64") (param i32)
    local.get 0 f64.const 2 f64.const 3 f64.mul f64.store)
  (func (export "const_store") (param i32) (result i32)
    local.get 0 i32.const 77 i32.store8 local.get 0 i32.load8_u)
;; memcpy and memset of a known size: the length, and a fill's value, are
;; immediates (MEM_COPY_N, MEM_FILL_N, MEM_FILL_VN)
  (func (export "fill_n") (param i32 i32) (result i64)
    local.get 0 i64.const -1 i64.store
    local.get 0 local.get 1 i32.const 3 memory.fill
    local.get 0 i64.load)
  (func (export "fill_vn") (param i32) (result i64)
    local.get 0 i64.const -1 i64.store
    local.get 0 i32.const 0x1ab i32.const 2 memory.fill
    local.get 0 i64.load)
  (func (export "copy_n") (param i32 i32) (result i64)
    i32.const 300 i64.const 0x0807060504030201 i64.store
    local.get 0 local.get 1 i32.const 4 memory.copy
    i32.const 300 i64.load)
  (func (export "fill_n_at") (param i32)
    local.get 0 i32.const 9 i32.const 3 memory.fill)
  (func (export "copy_n_at") (param i32 i32)
    local.get 0 local.get 1 i32.const 4 memory.copy)
  (func (export "fill_none_at") (param i32)
    local.get 0 i32.const 1 i32.const 0 memory.fill)
;; constant addresses, memory-to-memory moves, float immediates
  (func (export "abs_store_load") (param i32) (result i32)
    i32.const 200 local.get 0 i32.store offset=4
    i32.const 204 i32.load)
  (func (export "abs_load_oob") (result i32) i32.const 65535 i32.load offset=1)
  (func (export "move8") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.load8_u i32.store8
    local.get 0 i32.load8_u)
  (func (export "move64_addi") (param i32 i32) (result i64)
    local.get 0 local.get 1 i32.const 3 i32.add i64.load i64.store
    local.get 0 i64.load)
  (func (export "fmul_imm") (param f64) (result f64) local.get 0 f64.const 2.5 f64.mul)
  (func (export "fsub_imm") (param f32) (result f32) local.get 0 f32.const 0.5 f32.sub)
;; read-modify-write: *p = x - *p
  (func (export "rmw_sub") (param i32 i32) (result i32)
    local.get 0 local.get 1 local.get 0 i32.load i32.sub i32.store
    local.get 0 i32.load)
;; chained f64 ops must round in between, like two instructions
  (func (export "chain_add_sub") (param f64 f64 f64) (result f64)
    local.get 0 local.get 1 f64.add local.get 2 f64.sub)
  (func (export "chain_mul_add") (param f64 f64 f64) (result f64)
    local.get 0 local.get 1 f64.mul local.get 2 f64.add)
;; calls: locals start at zero whatever the stack held (4 locals: CALL's
;; unconditional stores; 6: CALL_L), a no-local callee's zero stores spare
;; the caller's live values, and a trap names the callee it happened in
  (func $dirty4 (param i32) (result i32) (local i32 i32 i32 i32)
    local.get 1 local.get 2 i32.add local.get 3 i32.add local.get 4 i32.add
    local.get 0 local.set 1 local.get 0 local.set 2 local.get 0 local.set 3
    local.get 0 local.set 4)
  (func $dirty6 (param i32) (result i32) (local i32 i32 i32 i32 i32 i32)
    local.get 1 local.get 2 i32.add local.get 3 i32.add local.get 4 i32.add
    local.get 5 i32.add local.get 6 i32.add
    local.get 0 local.set 1 local.get 0 local.set 2 local.get 0 local.set 3
    local.get 0 local.set 4 local.get 0 local.set 5 local.get 0 local.set 6)
  (func (export "locals_zeroed") (param i32) (result i32)
    local.get 0 call $dirty4 drop local.get 0 call $dirty4
    local.get 0 call $dirty6 drop local.get 0 call $dirty6 i32.add)
  (func $no_locals (result i32) i32.const 1)
  (func (export "live_across_call") (param i32) (result i32)
    local.get 0 i32.const 3 i32.add local.get 0 i32.const 5 i32.mul
    call $no_locals i32.add i32.add)
  (func $inner_trap (param i32) (result i32) local.get 0 i32.load offset=8)
  (func (export "outer_trap") (param i32) (result i32)
    local.get 0 call $no_locals i32.add call $inner_trap)

;; a counter's step and test fuse (BR_ADDI_*): against a slot, an
;; immediate, with 32-bit wrap, in an if (negated), with the compare reading
;; the counter's own slot, and not across a label between the two
  (func (export "addi_count") (param i32) (result i32) (local i32)
    loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_u br_if 0 end
    local.get 1)
  (func (export "addi_wrap") (param i32) (result i32) (local i32)
    loop
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 0 i32.const 1 i32.add local.tee 0 i32.const 0 i32.ne br_if 0
    end
    local.get 1)
  (func (export "addi_if") (param i32) (result i32)
    local.get 0 i32.const 5 i32.add local.tee 0 i32.const 10 i32.lt_s
    if (result i32) i32.const 1 else i32.const 2 end
    local.get 0 i32.add)
  (func (export "addi_same_slot") (param i32) (result i32)
    block
      local.get 0 i32.const 1 i32.add local.tee 0 local.get 0 i32.eq br_if 0
      i32.const -1 return
    end
    local.get 0)
  (func (export "addi_label_between") (param i32) (result i32)
    block
      local.get 0 i32.eqz br_if 0
      local.get 0 i32.const 100 i32.add local.set 0
    end
    block
      local.get 0 i32.const 50 i32.lt_s br_if 0
      i32.const 1 return
    end
    i32.const 0)
;; a returned sum is one instruction (I32_ADD_RET), from the entry function
;; and from a callee, also where a branch lands on it
  (func $add_ret (export "add_ret") (param i32 i32) (result i32)
    block local.get 0 i32.eqz br_if 0 local.get 1 i32.const 1 i32.add local.set 1 end
    local.get 0 local.get 1 i32.add)
  (func (export "call_add_ret") (param i32 i32) (result i32)
    local.get 1 local.get 0 local.get 1 call $add_ret i32.sub)
;; bit fields (I32_SHR_U_AND): shift counts taken mod 32, a mask with the
;; sign bit, the mask on either side
  (func (export "bitfield") (param i32) (result i32)
    local.get 0 i32.const 4 i32.shr_u i32.const 0xffff i32.and)
  (func (export "bitfield_shift32") (param i32) (result i32)
    local.get 0 i32.const 32 i32.shr_u i32.const 0x80000001 i32.and)
  (func (export "bitfield_shift33") (param i32) (result i32)
    local.get 0 i32.const 33 i32.shr_u i32.const 0x80000001 i32.and)
  (func (export "bitfield_mask_left") (param i32) (result i32)
    i32.const 0xff local.get 0 i32.const 8 i32.shr_u i32.and)
;; an op of an immediate then an added constant (I32_MUL_ADDI and the other
;; _ADDI forms): wrapping, the constant on either side of the add, a sub of
;; a constant, shift counts mod 32, and an intermediate that is kept
  (func (export "mul_addi") (param i32) (result i32)
    local.get 0 i32.const 1103515245 i32.mul i32.const 12345 i32.add)
  (func (export "mul_addi_left") (param i32) (result i32)
    i32.const -7 local.get 0 i32.const 3 i32.mul i32.add)
  (func (export "and_subi") (param i32) (result i32)
    local.get 0 i32.const 255 i32.and i32.const 1 i32.sub)
  (func (export "shr_u_addi") (param i32) (result i32)
    local.get 0 i32.const 36 i32.shr_u i32.const 0x10000000 i32.add)
  (func (export "bitfield_addi") (param i32) (result i32)
    local.get 0 i32.const 8 i32.shr_u i32.const 255 i32.and i32.const 1 i32.add)
  (func (export "add_shr_u") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.const 35 i32.shr_u i32.add)
  (func (export "shr_u_add") (param i32 i32) (result i32)
    local.get 1 i32.const 4 i32.shr_u local.get 0 i32.add)
  (func (export "mul_addi_kept") (param i32) (result i32) (local i32)
    local.get 0 i32.const 10 i32.mul local.tee 1 i32.const 1 i32.add
    local.get 1 i32.sub)
;; two added constants fold into one i32.add, which still folds into a load
;; address (and wraps at 32 bits exactly as the two adds would)
  (func (export "add_add") (param i32) (result i32)
    local.get 0 i32.const 5 i32.add i32.const -7 i32.add)
  (func (export "sub_add_sub") (param i32) (result i32)
    local.get 0 i32.const 3 i32.sub i32.const 10 i32.add i32.const 0x7fffffff i32.sub)
  (func (export "add_add_load") (param i32) (result i32)
    local.get 0 i32.const 200 i32.add i32.const 4 i32.add i32.load)
;; a byte of memory added or xored into a value (I32_ADD_B, _BA, _BX): the
;; load on either side, its address plain, slot + immediate or slot + slot
;; (wrapping at 32 bits before the offset is added)
  (func (export "byte_add") (param i32 i32) (result i32)
    local.get 1 local.get 0 i32.load8_u offset=3 i32.add)
  (func (export "byte_xor_addi") (param i32 i32) (result i32)
    local.get 0 i32.const 5 i32.add i32.load8_u offset=1 local.get 1 i32.xor)
  (func (export "byte_add_x") (param i32 i32) (result i32)
    local.get 0 local.get 0 local.get 1 i32.add i32.load8_u offset=2 i32.add)
;; addresses that sum three slots (NAME_ADD3, I32_ADD_BX3): the inner add on
;; either side of the outer one, wrapping at 32 bits before the offset
  (func (export "sum_load_left") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add local.get 0 i32.add i32.load offset=1)
  (func (export "sum_load_right") (param i32 i32) (result i32)
    local.get 0 local.get 1 local.get 1 i32.add i32.add i32.load16_u offset=2)
  (func (export "byte_add_x3") (param i32 i32) (result i32)
    local.get 1 local.get 0 local.get 1 local.get 0 i32.add i32.add i32.load8_u offset=2
    i32.add)
;; f64 compares fused with br_if and if (BR_F64_*, BR_NOT_F64_*, the _K forms
;; for a constant on either side), NaN operands, and a constant that a local
;; keeps (not a temporary: it must stay)
  (func (export "f64_br_if_lt") (param f64 f64) (result i32)
    block local.get 0 local.get 1 f64.lt br_if 0 i32.const 0 return end i32.const 1)
  (func (export "f64_if_le_k") (param f64 f64) (result i32)
    local.get 0 f64.const 4 f64.le if (result i32) i32.const 1 else i32.const 0 end)
  (func (export "f64_br_if_k_left") (param f64 f64) (result i32)
    block f64.const 2 local.get 0 f64.gt br_if 0 i32.const 0 return end i32.const 1)
  (func (export "f64_if_ne") (param f64 f64) (result i32)
    local.get 0 local.get 1 f64.ne if (result i32) i32.const 1 else i32.const 0 end)
  (func (export "f64_kept_const") (param f64 f64) (result i32) (local f64)
    f64.const 3 local.set 2
    block local.get 2 local.get 0 f64.lt br_if 0 end
    local.get 2 i32.trunc_f64_s)
  (func (export "bits_br_if") (param i32) (result i32)
    block local.get 0 i32.const 0x80000010 i32.and br_if 0 i32.const 0 return end
    i32.const 1)
  (func (export "bits_if") (param i32) (result i32)
    local.get 0 i32.const 0x80000010 i32.and if (result i32) i32.const 1 else i32.const 0 end)
;; an op whose memory operand's address is slot + immediate (F64_MUL_MA):
;; that sum wraps at 32 bits before the offset is added
  (func (export "mul_load_addi") (param i32 f64) (result f64)
    i32.const 16 f64.const 3 f64.store
    local.get 1 local.get 0 i32.const 8 i32.add f64.load offset=12 f64.mul)
;; array loads (NAME_SHL_ADD[I]): base slot on either side of the add, or
;; an immediate; 32-bit wrap; a shift kept in a local is still written
  (func (export "index_imm") (param i32) (result i32)
    i32.const 16 i32.const 0x11223344 i32.store
    local.get 0 i32.const 2 i32.shl i32.const 8 i32.add i32.load offset=4)
  (func (export "index_base_left") (param i32 i32) (result i32)
    i32.const 16 i32.const 0x55667788 i32.store
    local.get 1 local.get 0 i32.const 3 i32.shl i32.add i32.load16_u offset=2)
  (func (export "index_base_right") (param i32 i32) (result i64)
    i32.const 16 i64.const -2 i64.store
    local.get 0 i32.const 3 i32.shl local.get 1 i32.add i64.load)
  (func (export "index_shift_in_local") (param i32) (result i32) (local i32)
    i32.const 16 i32.const 7 i32.store
    local.get 0 i32.const 2 i32.shl local.tee 1 i32.const 8 i32.add i32.load
    local.get 1 i32.add)
  ;; min and max of a NaN with a payload: the canonical NaN with the sign
  ;; set, as V8 gives (the differential fuzzer compares memory exactly)
  (func (export "nan_max_bits") (param i64 f64) (result i64)
    (i64.reinterpret_f64 (f64.max (f64.reinterpret_i64 (local.get 0)) (local.get 1))))
  (func (export "nan_min_bits32") (param i32 f32) (result i32)
    (i32.reinterpret_f32 (f32.min (local.get 1) (f32.reinterpret_i32 (local.get 0)))))
)
