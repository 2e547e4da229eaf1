/* super_list.h: every superinstruction of the interpreter, one row each.
 * This file is the single definition: the instruction enum (exec.h), the
 * handler table and the handlers (exec.c), the names vmdump prints and the
 * forms the peephole fuser (fuse.c) selects are all generated from it.
 *
 * A superinstruction is one threaded-code instruction standing for a short
 * sequence of wasm instructions. With fusion off (vm_config.no_fusion) the
 * compiler emits none of them; built with -DVM_NO_FUSION they do not exist.
 *
 *   SI(NAME, FAMILY, BASE, WORDS, "the wasm it replaces", ARGS...)
 *
 * NAME is the instruction (IOP_NAME, handler L_NAME); FAMILY its operand
 * layout and handler template (H_FAMILY in exec_*.inc); BASE the wasm
 * opcode (OP_BASE) that the fuser looks it up by, unique within a family;
 * WORDS its length in 8-byte words; ARGS what the template needs
 * (described with each family). In layouts, [h] is the handler word, [x, y]
 * a word of two 32-bit fields, and d the slot that receives the result,
 * always word 1 field a so that a local.set can retarget it. Addresses
 * wrap at 32 bits exactly as the i32.add they stand for would, before the
 * (unsigned, 32-bit) offset is added; every access is bounds-checked in
 * 64-bit arithmetic.
 *
 * Define FAMILY(NAME, LAYOUT) to expand the family list, SI(...) to expand
 * the rows; either may be left undefined.
 */
#ifndef FAMILY
#define FAMILY(name, layout)
#endif
#ifndef SI
#define SI(name, family, base, words, wasm, ...)
#endif

/* Rows marked SI_EXTRA are left out of builds for size (-Os, where GCC
 * defines __OPTIMIZE_SIZE__; -DVM_FUSION_ALL keeps them): 212 of 372 rows,
 * about 40 KB of handlers and tables on i386. Kept are the generic
 * families (IMM, BR_CMP, BR_CMP_I, LOAD_ADDI), the rows fuse.c names,
 * every row a benchmark (bench/progs and the anchors, profiled with
 * -DVM_PROFILE) spends 0.5% or more of its instructions in, and the rows
 * those are fused from (a RMW from its MEM_OPERAND, a BYTE_ADD3 from its
 * LOAD_ADD3...). The fuser finds no form for a missing row and emits the
 * plain instructions instead. Other builds (-O2) have every row. */
#ifndef SI_EXTRA
#if defined(__OPTIMIZE_SIZE__) && !defined(VM_FUSION_ALL)
#define SI_EXTRA(...)
#else
#define SI_EXTRA SI
#endif
#endif

#ifndef VM_NO_FUSION

FAMILY(IMM, "[h][d, a][imm]")
FAMILY(BR_CMP, "[h][a, b][target]")
FAMILY(BR_CMP_I, "[h][a, imm][target]")
FAMILY(BR_ADDI, "[h][d, s][imm, b][target]")
FAMILY(BR_ADDI_I, "[h][d, s][imm, k][target]")
FAMILY(BR_F64, "[h][a, b][target]")
FAMILY(BR_F64_K, "[h][a, -][k][target]")
FAMILY(BR_NOT_F64, "[h][a, b][target]")
FAMILY(BR_NOT_F64_K, "[h][a, -][k][target]")
FAMILY(LOAD_ADD, "[h][d, a][b, offset]")
FAMILY(LOAD_ADDI, "[h][d, a][imm, offset]")
FAMILY(LOAD_ABS, "[h][d, -][ea]")
FAMILY(LOAD_SHL_ADD, "[h][d, x][base, k][offset]")
FAMILY(LOAD_SHL_ADDI, "[h][d, x][base, k][offset]")
FAMILY(LOAD_ADD3, "[h][d, a][b, c][offset]")
FAMILY(STORE_ADD, "[h][a, b][val, offset]")
FAMILY(STORE_ADDI, "[h][a, imm][val, offset]")
FAMILY(STORE_K, "[h][addr, k][offset]")
FAMILY(STORE_ABS, "[h][-, val][ea]")
FAMILY(MEM_OPERAND, "[h][d, a][addr, offset]")
FAMILY(MEM_OPERAND_ADDI, "[h][d, a][addr, imm][offset]")
FAMILY(OP_STORE, "[h][a, b][addr, offset]")
FAMILY(RMW, "[h][-, a][addr, offset]")
FAMILY(BYTE, "[h][d, a][addr, offset]")
FAMILY(BYTE_ADDI, "[h][d, a][addr, imm][offset]")
FAMILY(BYTE_ADD, "[h][d, a][addr, idx][offset]")
FAMILY(BYTE_ADD3, "[h][d, a][addr, i][j, offset]")
FAMILY(MOVE, "[h][dst, src][dst offset, src offset]")
FAMILY(MOVE_ADDI, "[h][dst, src][imm, dst offset][src offset]")
FAMILY(F64_THEN_ADD, "[h][d, a][b, c]")
FAMILY(F64_THEN_SUB, "[h][d, a][b, c]")
FAMILY(F64_THEN_MUL, "[h][d, a][b, c]")
FAMILY(ADD_RET, "[h][a, b]")
FAMILY(BR_BITS, "[h][x, m][target]")
FAMILY(BR_NO_BITS, "[h][x, m][target]")
FAMILY(BR_GLOBAL, "[h][-, g][target]")
FAMILY(BR_NOT_GLOBAL, "[h][-, g][target]")
FAMILY(BR_GLOBAL_I, "[h][g, imm][target]")
FAMILY(COPY2, "[h][d1, s1][d2, s2]")
FAMILY(SELECT_K1, "[h][d, b][k, cond]")
FAMILY(SELECT_K2, "[h][d, a][k, cond]")
FAMILY(SELECT_GK2, "[h][d, a][k, g]")
FAMILY(BIT_FIELD, "[h][d, x][k, m]")
FAMILY(BIT_FIELD_ADDI, "[h][d, x][k, m][c]")
FAMILY(ADDI_TAIL, "[h][d, x][k, c]")
FAMILY(ADD_SHIFTED, "[h][d, x][k, base]")
FAMILY(ADD_SCALED, "[h][d, x][k, base]")
FAMILY(COPY_N, "[h][dst, src][n]")
FAMILY(FILL_N, "[h][dst, val][n]")
FAMILY(FILL_VN, "[h][dst, v][n]")

/* IMM [h][d, a][imm]: an op whose right operand is a constant: fp[d] = a
 * OP imm (a 64-bit immediate for i64 and f64 ops); args: result field,
 * expression. */
SI(I32_ADD_I, IMM, I32_ADD, 3, "const k; i32.add", u32, a.u32 + b.u32)
SI(I32_SUB_I, IMM, I32_SUB, 3, "const k; i32.sub", u32, a.u32 - b.u32)
SI(I32_MUL_I, IMM, I32_MUL, 3, "const k; i32.mul", u32, a.u32 * b.u32)
SI(I32_AND_I, IMM, I32_AND, 3, "const k; i32.and", u32, a.u32 & b.u32)
SI(I32_OR_I, IMM, I32_OR, 3, "const k; i32.or", u32, a.u32 | b.u32)
SI(I32_XOR_I, IMM, I32_XOR, 3, "const k; i32.xor", u32, a.u32 ^ b.u32)
SI(I32_SHL_I, IMM, I32_SHL, 3, "const k; i32.shl", u32, a.u32 << (b.u32 & 31))
SI(I32_SHR_S_I, IMM, I32_SHR_S, 3, "const k; i32.shr_s", i32, vm_sar32(a.i32, b.u32 & 31))
SI(I32_SHR_U_I, IMM, I32_SHR_U, 3, "const k; i32.shr_u", u32, a.u32 >> (b.u32 & 31))
SI(I64_ADD_I, IMM, I64_ADD, 3, "const k; i64.add", u64, a.u64 + b.u64)
SI(I64_SUB_I, IMM, I64_SUB, 3, "const k; i64.sub", u64, a.u64 - b.u64)
SI(I64_MUL_I, IMM, I64_MUL, 3, "const k; i64.mul", u64, a.u64 * b.u64)
SI(I64_AND_I, IMM, I64_AND, 3, "const k; i64.and", u64, a.u64 & b.u64)
SI(I64_OR_I, IMM, I64_OR, 3, "const k; i64.or", u64, a.u64 | b.u64)
SI(I64_XOR_I, IMM, I64_XOR, 3, "const k; i64.xor", u64, a.u64 ^ b.u64)
SI(I64_SHL_I, IMM, I64_SHL, 3, "const k; i64.shl", u64, a.u64 << (b.u64 & 63))
SI(I64_SHR_S_I, IMM, I64_SHR_S, 3, "const k; i64.shr_s", i64, vm_sar64(a.i64, b.u64 & 63))
SI(I64_SHR_U_I, IMM, I64_SHR_U, 3, "const k; i64.shr_u", u64, a.u64 >> (b.u64 & 63))
SI(F32_ADD_I, IMM, F32_ADD, 3, "const k; f32.add", f32, a.f32 + b.f32)
SI(F32_SUB_I, IMM, F32_SUB, 3, "const k; f32.sub", f32, a.f32 - b.f32)
SI(F32_MUL_I, IMM, F32_MUL, 3, "const k; f32.mul", f32, a.f32 * b.f32)
SI(F64_ADD_I, IMM, F64_ADD, 3, "const k; f64.add", f64, a.f64 + b.f64)
SI(F64_SUB_I, IMM, F64_SUB, 3, "const k; f64.sub", f64, a.f64 - b.f64)
SI(F64_MUL_I, IMM, F64_MUL, 3, "const k; f64.mul", f64, a.f64 * b.f64)
SI(F64_DIV_I, IMM, F64_DIV, 3, "const k; f64.div", f64, a.f64 / b.f64)
SI(I32_EQ_I, IMM, I32_EQ, 3, "const k; i32.eq", u32, a.u32 == b.u32)
SI(I32_NE_I, IMM, I32_NE, 3, "const k; i32.ne", u32, a.u32 != b.u32)
SI(I32_LT_S_I, IMM, I32_LT_S, 3, "const k; i32.lt_s", u32, a.i32 < b.i32)
SI(I32_LT_U_I, IMM, I32_LT_U, 3, "const k; i32.lt_u", u32, a.u32 < b.u32)
SI(I32_GT_S_I, IMM, I32_GT_S, 3, "const k; i32.gt_s", u32, a.i32 > b.i32)
SI(I32_GT_U_I, IMM, I32_GT_U, 3, "const k; i32.gt_u", u32, a.u32 > b.u32)
SI(I32_LE_S_I, IMM, I32_LE_S, 3, "const k; i32.le_s", u32, a.i32 <= b.i32)
SI(I32_LE_U_I, IMM, I32_LE_U, 3, "const k; i32.le_u", u32, a.u32 <= b.u32)
SI(I32_GE_S_I, IMM, I32_GE_S, 3, "const k; i32.ge_s", u32, a.i32 >= b.i32)
SI(I32_GE_U_I, IMM, I32_GE_U, 3, "const k; i32.ge_u", u32, a.u32 >= b.u32)
SI(I64_EQ_I, IMM, I64_EQ, 3, "const k; i64.eq", u32, a.u64 == b.u64)
SI(I64_NE_I, IMM, I64_NE, 3, "const k; i64.ne", u32, a.u64 != b.u64)
SI(I64_LT_S_I, IMM, I64_LT_S, 3, "const k; i64.lt_s", u32, a.i64 < b.i64)
SI(I64_LT_U_I, IMM, I64_LT_U, 3, "const k; i64.lt_u", u32, a.u64 < b.u64)
SI(I64_GT_S_I, IMM, I64_GT_S, 3, "const k; i64.gt_s", u32, a.i64 > b.i64)
SI(I64_GT_U_I, IMM, I64_GT_U, 3, "const k; i64.gt_u", u32, a.u64 > b.u64)
SI(I64_LE_S_I, IMM, I64_LE_S, 3, "const k; i64.le_s", u32, a.i64 <= b.i64)
SI(I64_LE_U_I, IMM, I64_LE_U, 3, "const k; i64.le_u", u32, a.u64 <= b.u64)
SI(I64_GE_S_I, IMM, I64_GE_S, 3, "const k; i64.ge_s", u32, a.i64 >= b.i64)
SI(I64_GE_U_I, IMM, I64_GE_U, 3, "const k; i64.ge_u", u32, a.u64 >= b.u64)

/* BR_CMP [h][a, b][target]: a compare whose result a br_if or if tests:
 * jump when a OP b; args: expression. */
SI(BR_I32_EQ, BR_CMP, I32_EQ, 3, "i32.eq; br_if", a.u32 == b.u32)
SI(BR_I32_NE, BR_CMP, I32_NE, 3, "i32.ne; br_if", a.u32 != b.u32)
SI(BR_I32_LT_S, BR_CMP, I32_LT_S, 3, "i32.lt_s; br_if", a.i32 < b.i32)
SI(BR_I32_LT_U, BR_CMP, I32_LT_U, 3, "i32.lt_u; br_if", a.u32 < b.u32)
SI(BR_I32_GT_S, BR_CMP, I32_GT_S, 3, "i32.gt_s; br_if", a.i32 > b.i32)
SI(BR_I32_GT_U, BR_CMP, I32_GT_U, 3, "i32.gt_u; br_if", a.u32 > b.u32)
SI(BR_I32_LE_S, BR_CMP, I32_LE_S, 3, "i32.le_s; br_if", a.i32 <= b.i32)
SI(BR_I32_LE_U, BR_CMP, I32_LE_U, 3, "i32.le_u; br_if", a.u32 <= b.u32)
SI(BR_I32_GE_S, BR_CMP, I32_GE_S, 3, "i32.ge_s; br_if", a.i32 >= b.i32)
SI(BR_I32_GE_U, BR_CMP, I32_GE_U, 3, "i32.ge_u; br_if", a.u32 >= b.u32)
SI(BR_I64_EQ, BR_CMP, I64_EQ, 3, "i64.eq; br_if", a.u64 == b.u64)
SI(BR_I64_NE, BR_CMP, I64_NE, 3, "i64.ne; br_if", a.u64 != b.u64)
SI(BR_I64_LT_S, BR_CMP, I64_LT_S, 3, "i64.lt_s; br_if", a.i64 < b.i64)
SI(BR_I64_LT_U, BR_CMP, I64_LT_U, 3, "i64.lt_u; br_if", a.u64 < b.u64)
SI(BR_I64_GT_S, BR_CMP, I64_GT_S, 3, "i64.gt_s; br_if", a.i64 > b.i64)
SI(BR_I64_GT_U, BR_CMP, I64_GT_U, 3, "i64.gt_u; br_if", a.u64 > b.u64)
SI(BR_I64_LE_S, BR_CMP, I64_LE_S, 3, "i64.le_s; br_if", a.i64 <= b.i64)
SI(BR_I64_LE_U, BR_CMP, I64_LE_U, 3, "i64.le_u; br_if", a.u64 <= b.u64)
SI(BR_I64_GE_S, BR_CMP, I64_GE_S, 3, "i64.ge_s; br_if", a.i64 >= b.i64)
SI(BR_I64_GE_U, BR_CMP, I64_GE_U, 3, "i64.ge_u; br_if", a.u64 >= b.u64)

/* BR_CMP_I [h][a, imm][target]: the same against a constant, a 32-bit
 * immediate (sign-extended for i64); args: field of the immediate,
 * expression. */
SI(BR_I32_EQ_I, BR_CMP_I, I32_EQ, 3, "const k; i32.eq; br_if", i32, a.u32 == b.u32)
SI(BR_I32_NE_I, BR_CMP_I, I32_NE, 3, "const k; i32.ne; br_if", i32, a.u32 != b.u32)
SI(BR_I32_LT_S_I, BR_CMP_I, I32_LT_S, 3, "const k; i32.lt_s; br_if", i32, a.i32 < b.i32)
SI(BR_I32_LT_U_I, BR_CMP_I, I32_LT_U, 3, "const k; i32.lt_u; br_if", i32, a.u32 < b.u32)
SI(BR_I32_GT_S_I, BR_CMP_I, I32_GT_S, 3, "const k; i32.gt_s; br_if", i32, a.i32 > b.i32)
SI(BR_I32_GT_U_I, BR_CMP_I, I32_GT_U, 3, "const k; i32.gt_u; br_if", i32, a.u32 > b.u32)
SI(BR_I32_LE_S_I, BR_CMP_I, I32_LE_S, 3, "const k; i32.le_s; br_if", i32, a.i32 <= b.i32)
SI(BR_I32_LE_U_I, BR_CMP_I, I32_LE_U, 3, "const k; i32.le_u; br_if", i32, a.u32 <= b.u32)
SI(BR_I32_GE_S_I, BR_CMP_I, I32_GE_S, 3, "const k; i32.ge_s; br_if", i32, a.i32 >= b.i32)
SI(BR_I32_GE_U_I, BR_CMP_I, I32_GE_U, 3, "const k; i32.ge_u; br_if", i32, a.u32 >= b.u32)
SI(BR_I64_EQ_I, BR_CMP_I, I64_EQ, 3, "const k; i64.eq; br_if", i64, a.u64 == b.u64)
SI(BR_I64_NE_I, BR_CMP_I, I64_NE, 3, "const k; i64.ne; br_if", i64, a.u64 != b.u64)
SI(BR_I64_LT_S_I, BR_CMP_I, I64_LT_S, 3, "const k; i64.lt_s; br_if", i64, a.i64 < b.i64)
SI(BR_I64_LT_U_I, BR_CMP_I, I64_LT_U, 3, "const k; i64.lt_u; br_if", i64, a.u64 < b.u64)
SI(BR_I64_GT_S_I, BR_CMP_I, I64_GT_S, 3, "const k; i64.gt_s; br_if", i64, a.i64 > b.i64)
SI(BR_I64_GT_U_I, BR_CMP_I, I64_GT_U, 3, "const k; i64.gt_u; br_if", i64, a.u64 > b.u64)
SI(BR_I64_LE_S_I, BR_CMP_I, I64_LE_S, 3, "const k; i64.le_s; br_if", i64, a.i64 <= b.i64)
SI(BR_I64_LE_U_I, BR_CMP_I, I64_LE_U, 3, "const k; i64.le_u; br_if", i64, a.u64 <= b.u64)
SI(BR_I64_GE_S_I, BR_CMP_I, I64_GE_S, 3, "const k; i64.ge_s; br_if", i64, a.i64 >= b.i64)
SI(BR_I64_GE_U_I, BR_CMP_I, I64_GE_U, 3, "const k; i64.ge_u; br_if", i64, a.u64 >= b.u64)

/* BR_ADDI [h][d, s][imm, b][target]: a loop counter's step and test: fp[d]
 * = fp[s] + imm, then jump when fp[d] OP fp[b]; args: expression. */
SI_EXTRA(BR_ADDI_I32_EQ, BR_ADDI, I32_EQ, 4, "const k; i32.add; i32.eq; br_if", a.u32 == b.u32)
SI_EXTRA(BR_ADDI_I32_NE, BR_ADDI, I32_NE, 4, "const k; i32.add; i32.ne; br_if", a.u32 != b.u32)
SI_EXTRA(BR_ADDI_I32_LT_S, BR_ADDI, I32_LT_S, 4, "const k; i32.add; i32.lt_s; br_if", a.i32 < b.i32)
SI_EXTRA(BR_ADDI_I32_LT_U, BR_ADDI, I32_LT_U, 4, "const k; i32.add; i32.lt_u; br_if", a.u32 < b.u32)
SI_EXTRA(BR_ADDI_I32_GT_S, BR_ADDI, I32_GT_S, 4, "const k; i32.add; i32.gt_s; br_if", a.i32 > b.i32)
SI_EXTRA(BR_ADDI_I32_GT_U, BR_ADDI, I32_GT_U, 4, "const k; i32.add; i32.gt_u; br_if", a.u32 > b.u32)
SI_EXTRA(BR_ADDI_I32_LE_S, BR_ADDI, I32_LE_S, 4, "const k; i32.add; i32.le_s; br_if", a.i32 <= b.i32)
SI_EXTRA(BR_ADDI_I32_LE_U, BR_ADDI, I32_LE_U, 4, "const k; i32.add; i32.le_u; br_if", a.u32 <= b.u32)
SI(BR_ADDI_I32_GE_S, BR_ADDI, I32_GE_S, 4, "const k; i32.add; i32.ge_s; br_if", a.i32 >= b.i32)
SI_EXTRA(BR_ADDI_I32_GE_U, BR_ADDI, I32_GE_U, 4, "const k; i32.add; i32.ge_u; br_if", a.u32 >= b.u32)

/* BR_ADDI_I [h][d, s][imm, k][target]: the same, tested against the
 * constant k; args: field of k, expression. */
SI_EXTRA(BR_ADDI_I32_EQ_I, BR_ADDI_I, I32_EQ, 4, "const k; i32.add; const k2; i32.eq; br_if", i32, a.u32 == b.u32)
SI(BR_ADDI_I32_NE_I, BR_ADDI_I, I32_NE, 4, "const k; i32.add; const k2; i32.ne; br_if", i32, a.u32 != b.u32)
SI_EXTRA(BR_ADDI_I32_LT_S_I, BR_ADDI_I, I32_LT_S, 4, "const k; i32.add; const k2; i32.lt_s; br_if", i32, a.i32 < b.i32)
SI(BR_ADDI_I32_LT_U_I, BR_ADDI_I, I32_LT_U, 4, "const k; i32.add; const k2; i32.lt_u; br_if", i32, a.u32 < b.u32)
SI_EXTRA(BR_ADDI_I32_GT_S_I, BR_ADDI_I, I32_GT_S, 4, "const k; i32.add; const k2; i32.gt_s; br_if", i32, a.i32 > b.i32)
SI_EXTRA(BR_ADDI_I32_GT_U_I, BR_ADDI_I, I32_GT_U, 4, "const k; i32.add; const k2; i32.gt_u; br_if", i32, a.u32 > b.u32)
SI_EXTRA(BR_ADDI_I32_LE_S_I, BR_ADDI_I, I32_LE_S, 4, "const k; i32.add; const k2; i32.le_s; br_if", i32, a.i32 <= b.i32)
SI_EXTRA(BR_ADDI_I32_LE_U_I, BR_ADDI_I, I32_LE_U, 4, "const k; i32.add; const k2; i32.le_u; br_if", i32, a.u32 <= b.u32)
SI_EXTRA(BR_ADDI_I32_GE_S_I, BR_ADDI_I, I32_GE_S, 4, "const k; i32.add; const k2; i32.ge_s; br_if", i32, a.i32 >= b.i32)
SI_EXTRA(BR_ADDI_I32_GE_U_I, BR_ADDI_I, I32_GE_U, 4, "const k; i32.add; const k2; i32.ge_u; br_if", i32, a.u32 >= b.u32)

/* BR_F64 [h][a, b][target]: an f64 compare tested by br_if or if: jump
 * when a OP b; args: C operator. */
SI_EXTRA(BR_F64_EQ, BR_F64, F64_EQ, 3, "f64.eq; br_if", ==)
SI_EXTRA(BR_F64_NE, BR_F64, F64_NE, 3, "f64.ne; br_if", !=)
SI_EXTRA(BR_F64_LT, BR_F64, F64_LT, 3, "f64.lt; br_if", <)
SI_EXTRA(BR_F64_GT, BR_F64, F64_GT, 3, "f64.gt; br_if", >)
SI_EXTRA(BR_F64_LE, BR_F64, F64_LE, 3, "f64.le; br_if", <=)
SI_EXTRA(BR_F64_GE, BR_F64, F64_GE, 3, "f64.ge; br_if", >=)

/* BR_F64_K [h][a, -][k][target]: the same against an f64 constant; args: C
 * operator. */
SI_EXTRA(BR_F64_EQ_K, BR_F64_K, F64_EQ, 4, "f64.const k; f64.eq; br_if", ==)
SI_EXTRA(BR_F64_NE_K, BR_F64_K, F64_NE, 4, "f64.const k; f64.ne; br_if", !=)
SI_EXTRA(BR_F64_LT_K, BR_F64_K, F64_LT, 4, "f64.const k; f64.lt; br_if", <)
SI_EXTRA(BR_F64_GT_K, BR_F64_K, F64_GT, 4, "f64.const k; f64.gt; br_if", >)
SI(BR_F64_LE_K, BR_F64_K, F64_LE, 4, "f64.const k; f64.le; br_if", <=)
SI_EXTRA(BR_F64_GE_K, BR_F64_K, F64_GE, 4, "f64.const k; f64.ge; br_if", >=)

/* BR_NOT_F64 [h][a, b][target]: jump when the f64 compare is false (with a
 * NaN that is not the opposite compare); args: C operator. */
SI_EXTRA(BR_NOT_F64_EQ, BR_NOT_F64, F64_EQ, 3, "f64.eq; if (jumps when false)", ==)
SI_EXTRA(BR_NOT_F64_NE, BR_NOT_F64, F64_NE, 3, "f64.ne; if (jumps when false)", !=)
SI_EXTRA(BR_NOT_F64_LT, BR_NOT_F64, F64_LT, 3, "f64.lt; if (jumps when false)", <)
SI_EXTRA(BR_NOT_F64_GT, BR_NOT_F64, F64_GT, 3, "f64.gt; if (jumps when false)", >)
SI_EXTRA(BR_NOT_F64_LE, BR_NOT_F64, F64_LE, 3, "f64.le; if (jumps when false)", <=)
SI_EXTRA(BR_NOT_F64_GE, BR_NOT_F64, F64_GE, 3, "f64.ge; if (jumps when false)", >=)

/* BR_NOT_F64_K [h][a, -][k][target]: the same against an f64 constant;
 * args: C operator. */
SI_EXTRA(BR_NOT_F64_EQ_K, BR_NOT_F64_K, F64_EQ, 4, "f64.const k; f64.eq; if (jumps when false)", ==)
SI_EXTRA(BR_NOT_F64_NE_K, BR_NOT_F64_K, F64_NE, 4, "f64.const k; f64.ne; if (jumps when false)", !=)
SI_EXTRA(BR_NOT_F64_LT_K, BR_NOT_F64_K, F64_LT, 4, "f64.const k; f64.lt; if (jumps when false)", <)
SI_EXTRA(BR_NOT_F64_GT_K, BR_NOT_F64_K, F64_GT, 4, "f64.const k; f64.gt; if (jumps when false)", >)
SI_EXTRA(BR_NOT_F64_LE_K, BR_NOT_F64_K, F64_LE, 4, "f64.const k; f64.le; if (jumps when false)", <=)
SI_EXTRA(BR_NOT_F64_GE_K, BR_NOT_F64_K, F64_GE, 4, "f64.const k; f64.ge; if (jumps when false)", >=)

/* LOAD_ADD [h][d, a][b, offset]: a load at the address a + b (mod 2^32) +
 * offset; args: slot field, C type, conversion. */
SI(I32_LOAD_ADD, LOAD_ADD, I32_LOAD, 3, "i32.add; i32.load", u32, uint32_t, +)
SI_EXTRA(I64_LOAD_ADD, LOAD_ADD, I64_LOAD, 3, "i32.add; i64.load", u64, uint64_t, +)
SI_EXTRA(F32_LOAD_ADD, LOAD_ADD, F32_LOAD, 3, "i32.add; f32.load", u32, uint32_t, +)
SI_EXTRA(F64_LOAD_ADD, LOAD_ADD, F64_LOAD, 3, "i32.add; f64.load", u64, uint64_t, +)
SI_EXTRA(I32_LOAD8_S_ADD, LOAD_ADD, I32_LOAD8_S, 3, "i32.add; i32.load8_s", i32, int8_t, (int32_t))
SI(I32_LOAD8_U_ADD, LOAD_ADD, I32_LOAD8_U, 3, "i32.add; i32.load8_u", u32, uint8_t, (uint32_t))
SI_EXTRA(I32_LOAD16_S_ADD, LOAD_ADD, I32_LOAD16_S, 3, "i32.add; i32.load16_s", i32, int16_t, (int32_t))
SI_EXTRA(I32_LOAD16_U_ADD, LOAD_ADD, I32_LOAD16_U, 3, "i32.add; i32.load16_u", u32, uint16_t, (uint32_t))
SI_EXTRA(I64_LOAD8_S_ADD, LOAD_ADD, I64_LOAD8_S, 3, "i32.add; i64.load8_s", i64, int8_t, (int64_t))
SI_EXTRA(I64_LOAD8_U_ADD, LOAD_ADD, I64_LOAD8_U, 3, "i32.add; i64.load8_u", u64, uint8_t, (uint64_t))
SI_EXTRA(I64_LOAD16_S_ADD, LOAD_ADD, I64_LOAD16_S, 3, "i32.add; i64.load16_s", i64, int16_t, (int64_t))
SI_EXTRA(I64_LOAD16_U_ADD, LOAD_ADD, I64_LOAD16_U, 3, "i32.add; i64.load16_u", u64, uint16_t, (uint64_t))
SI_EXTRA(I64_LOAD32_S_ADD, LOAD_ADD, I64_LOAD32_S, 3, "i32.add; i64.load32_s", i64, int32_t, (int64_t))
SI_EXTRA(I64_LOAD32_U_ADD, LOAD_ADD, I64_LOAD32_U, 3, "i32.add; i64.load32_u", u64, uint32_t, (uint64_t))

/* LOAD_ADDI [h][d, a][imm, offset]: a load at a + imm (mod 2^32) + offset;
 * args as LOAD_ADD. */
SI(I32_LOAD_ADDI, LOAD_ADDI, I32_LOAD, 3, "const k; i32.add; i32.load", u32, uint32_t, +)
SI(I64_LOAD_ADDI, LOAD_ADDI, I64_LOAD, 3, "const k; i32.add; i64.load", u64, uint64_t, +)
SI(F32_LOAD_ADDI, LOAD_ADDI, F32_LOAD, 3, "const k; i32.add; f32.load", u32, uint32_t, +)
SI(F64_LOAD_ADDI, LOAD_ADDI, F64_LOAD, 3, "const k; i32.add; f64.load", u64, uint64_t, +)
SI(I32_LOAD8_S_ADDI, LOAD_ADDI, I32_LOAD8_S, 3, "const k; i32.add; i32.load8_s", i32, int8_t, (int32_t))
SI(I32_LOAD8_U_ADDI, LOAD_ADDI, I32_LOAD8_U, 3, "const k; i32.add; i32.load8_u", u32, uint8_t, (uint32_t))
SI(I32_LOAD16_S_ADDI, LOAD_ADDI, I32_LOAD16_S, 3, "const k; i32.add; i32.load16_s", i32, int16_t, (int32_t))
SI(I32_LOAD16_U_ADDI, LOAD_ADDI, I32_LOAD16_U, 3, "const k; i32.add; i32.load16_u", u32, uint16_t, (uint32_t))
SI(I64_LOAD8_S_ADDI, LOAD_ADDI, I64_LOAD8_S, 3, "const k; i32.add; i64.load8_s", i64, int8_t, (int64_t))
SI(I64_LOAD8_U_ADDI, LOAD_ADDI, I64_LOAD8_U, 3, "const k; i32.add; i64.load8_u", u64, uint8_t, (uint64_t))
SI(I64_LOAD16_S_ADDI, LOAD_ADDI, I64_LOAD16_S, 3, "const k; i32.add; i64.load16_s", i64, int16_t, (int64_t))
SI(I64_LOAD16_U_ADDI, LOAD_ADDI, I64_LOAD16_U, 3, "const k; i32.add; i64.load16_u", u64, uint16_t, (uint64_t))
SI(I64_LOAD32_S_ADDI, LOAD_ADDI, I64_LOAD32_S, 3, "const k; i32.add; i64.load32_s", i64, int32_t, (int64_t))
SI(I64_LOAD32_U_ADDI, LOAD_ADDI, I64_LOAD32_U, 3, "const k; i32.add; i64.load32_u", u64, uint32_t, (uint64_t))

/* LOAD_ABS [h][d, -][ea]: a load at a constant address (C globals), ea the
 * effective address; args as LOAD_ADD. */
SI_EXTRA(I32_LOAD_ABS, LOAD_ABS, I32_LOAD, 3, "const addr; i32.load", u32, uint32_t, +)
SI_EXTRA(I64_LOAD_ABS, LOAD_ABS, I64_LOAD, 3, "const addr; i64.load", u64, uint64_t, +)
SI_EXTRA(F32_LOAD_ABS, LOAD_ABS, F32_LOAD, 3, "const addr; f32.load", u32, uint32_t, +)
SI(F64_LOAD_ABS, LOAD_ABS, F64_LOAD, 3, "const addr; f64.load", u64, uint64_t, +)
SI_EXTRA(I32_LOAD8_S_ABS, LOAD_ABS, I32_LOAD8_S, 3, "const addr; i32.load8_s", i32, int8_t, (int32_t))
SI_EXTRA(I32_LOAD8_U_ABS, LOAD_ABS, I32_LOAD8_U, 3, "const addr; i32.load8_u", u32, uint8_t, (uint32_t))
SI_EXTRA(I32_LOAD16_S_ABS, LOAD_ABS, I32_LOAD16_S, 3, "const addr; i32.load16_s", i32, int16_t, (int32_t))
SI_EXTRA(I32_LOAD16_U_ABS, LOAD_ABS, I32_LOAD16_U, 3, "const addr; i32.load16_u", u32, uint16_t, (uint32_t))
SI_EXTRA(I64_LOAD8_S_ABS, LOAD_ABS, I64_LOAD8_S, 3, "const addr; i64.load8_s", i64, int8_t, (int64_t))
SI_EXTRA(I64_LOAD8_U_ABS, LOAD_ABS, I64_LOAD8_U, 3, "const addr; i64.load8_u", u64, uint8_t, (uint64_t))
SI_EXTRA(I64_LOAD16_S_ABS, LOAD_ABS, I64_LOAD16_S, 3, "const addr; i64.load16_s", i64, int16_t, (int64_t))
SI_EXTRA(I64_LOAD16_U_ABS, LOAD_ABS, I64_LOAD16_U, 3, "const addr; i64.load16_u", u64, uint16_t, (uint64_t))
SI_EXTRA(I64_LOAD32_S_ABS, LOAD_ABS, I64_LOAD32_S, 3, "const addr; i64.load32_s", i64, int32_t, (int64_t))
SI_EXTRA(I64_LOAD32_U_ABS, LOAD_ABS, I64_LOAD32_U, 3, "const addr; i64.load32_u", u64, uint32_t, (uint64_t))

/* LOAD_SHL_ADD [h][d, x][base, k][offset]: an array element: the address
 * (x << k) + fp[base] (mod 2^32) + offset; args as LOAD_ADD. */
SI(I32_LOAD_SHL_ADD, LOAD_SHL_ADD, I32_LOAD, 4, "const k; i32.shl; i32.add; i32.load", u32, uint32_t, +)
SI_EXTRA(I64_LOAD_SHL_ADD, LOAD_SHL_ADD, I64_LOAD, 4, "const k; i32.shl; i32.add; i64.load", u64, uint64_t, +)
SI_EXTRA(F32_LOAD_SHL_ADD, LOAD_SHL_ADD, F32_LOAD, 4, "const k; i32.shl; i32.add; f32.load", u32, uint32_t, +)
SI(F64_LOAD_SHL_ADD, LOAD_SHL_ADD, F64_LOAD, 4, "const k; i32.shl; i32.add; f64.load", u64, uint64_t, +)
SI_EXTRA(I32_LOAD8_S_SHL_ADD, LOAD_SHL_ADD, I32_LOAD8_S, 4, "const k; i32.shl; i32.add; i32.load8_s", i32, int8_t, (int32_t))
SI_EXTRA(I32_LOAD8_U_SHL_ADD, LOAD_SHL_ADD, I32_LOAD8_U, 4, "const k; i32.shl; i32.add; i32.load8_u", u32, uint8_t, (uint32_t))
SI_EXTRA(I32_LOAD16_S_SHL_ADD, LOAD_SHL_ADD, I32_LOAD16_S, 4, "const k; i32.shl; i32.add; i32.load16_s", i32, int16_t, (int32_t))
SI_EXTRA(I32_LOAD16_U_SHL_ADD, LOAD_SHL_ADD, I32_LOAD16_U, 4, "const k; i32.shl; i32.add; i32.load16_u", u32, uint16_t, (uint32_t))
SI_EXTRA(I64_LOAD8_S_SHL_ADD, LOAD_SHL_ADD, I64_LOAD8_S, 4, "const k; i32.shl; i32.add; i64.load8_s", i64, int8_t, (int64_t))
SI_EXTRA(I64_LOAD8_U_SHL_ADD, LOAD_SHL_ADD, I64_LOAD8_U, 4, "const k; i32.shl; i32.add; i64.load8_u", u64, uint8_t, (uint64_t))
SI_EXTRA(I64_LOAD16_S_SHL_ADD, LOAD_SHL_ADD, I64_LOAD16_S, 4, "const k; i32.shl; i32.add; i64.load16_s", i64, int16_t, (int64_t))
SI_EXTRA(I64_LOAD16_U_SHL_ADD, LOAD_SHL_ADD, I64_LOAD16_U, 4, "const k; i32.shl; i32.add; i64.load16_u", u64, uint16_t, (uint64_t))
SI_EXTRA(I64_LOAD32_S_SHL_ADD, LOAD_SHL_ADD, I64_LOAD32_S, 4, "const k; i32.shl; i32.add; i64.load32_s", i64, int32_t, (int64_t))
SI_EXTRA(I64_LOAD32_U_SHL_ADD, LOAD_SHL_ADD, I64_LOAD32_U, 4, "const k; i32.shl; i32.add; i64.load32_u", u64, uint32_t, (uint64_t))

/* LOAD_SHL_ADDI [h][d, x][base, k][offset]: the same with base an
 * immediate; args as LOAD_ADD. */
SI(I32_LOAD_SHL_ADDI, LOAD_SHL_ADDI, I32_LOAD, 4, "const k; i32.shl; const b; i32.add; i32.load", u32, uint32_t, +)
SI_EXTRA(I64_LOAD_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD, 4, "const k; i32.shl; const b; i32.add; i64.load", u64, uint64_t, +)
SI_EXTRA(F32_LOAD_SHL_ADDI, LOAD_SHL_ADDI, F32_LOAD, 4, "const k; i32.shl; const b; i32.add; f32.load", u32, uint32_t, +)
SI_EXTRA(F64_LOAD_SHL_ADDI, LOAD_SHL_ADDI, F64_LOAD, 4, "const k; i32.shl; const b; i32.add; f64.load", u64, uint64_t, +)
SI_EXTRA(I32_LOAD8_S_SHL_ADDI, LOAD_SHL_ADDI, I32_LOAD8_S, 4, "const k; i32.shl; const b; i32.add; i32.load8_s", i32, int8_t, (int32_t))
SI_EXTRA(I32_LOAD8_U_SHL_ADDI, LOAD_SHL_ADDI, I32_LOAD8_U, 4, "const k; i32.shl; const b; i32.add; i32.load8_u", u32, uint8_t, (uint32_t))
SI_EXTRA(I32_LOAD16_S_SHL_ADDI, LOAD_SHL_ADDI, I32_LOAD16_S, 4, "const k; i32.shl; const b; i32.add; i32.load16_s", i32, int16_t, (int32_t))
SI_EXTRA(I32_LOAD16_U_SHL_ADDI, LOAD_SHL_ADDI, I32_LOAD16_U, 4, "const k; i32.shl; const b; i32.add; i32.load16_u", u32, uint16_t, (uint32_t))
SI_EXTRA(I64_LOAD8_S_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD8_S, 4, "const k; i32.shl; const b; i32.add; i64.load8_s", i64, int8_t, (int64_t))
SI_EXTRA(I64_LOAD8_U_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD8_U, 4, "const k; i32.shl; const b; i32.add; i64.load8_u", u64, uint8_t, (uint64_t))
SI_EXTRA(I64_LOAD16_S_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD16_S, 4, "const k; i32.shl; const b; i32.add; i64.load16_s", i64, int16_t, (int64_t))
SI_EXTRA(I64_LOAD16_U_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD16_U, 4, "const k; i32.shl; const b; i32.add; i64.load16_u", u64, uint16_t, (uint64_t))
SI_EXTRA(I64_LOAD32_S_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD32_S, 4, "const k; i32.shl; const b; i32.add; i64.load32_s", i64, int32_t, (int64_t))
SI_EXTRA(I64_LOAD32_U_SHL_ADDI, LOAD_SHL_ADDI, I64_LOAD32_U, 4, "const k; i32.shl; const b; i32.add; i64.load32_u", u64, uint32_t, (uint64_t))

/* LOAD_ADD3 [h][d, a][b, c][offset]: a load at a + b + c (mod 2^32) +
 * offset, `p[i + j]`; args as LOAD_ADD. */
SI_EXTRA(I32_LOAD_ADD3, LOAD_ADD3, I32_LOAD, 4, "i32.add; i32.add; i32.load", u32, uint32_t, +)
SI_EXTRA(I64_LOAD_ADD3, LOAD_ADD3, I64_LOAD, 4, "i32.add; i32.add; i64.load", u64, uint64_t, +)
SI_EXTRA(F32_LOAD_ADD3, LOAD_ADD3, F32_LOAD, 4, "i32.add; i32.add; f32.load", u32, uint32_t, +)
SI_EXTRA(F64_LOAD_ADD3, LOAD_ADD3, F64_LOAD, 4, "i32.add; i32.add; f64.load", u64, uint64_t, +)
SI_EXTRA(I32_LOAD8_S_ADD3, LOAD_ADD3, I32_LOAD8_S, 4, "i32.add; i32.add; i32.load8_s", i32, int8_t, (int32_t))
SI(I32_LOAD8_U_ADD3, LOAD_ADD3, I32_LOAD8_U, 4, "i32.add; i32.add; i32.load8_u", u32, uint8_t, (uint32_t))
SI_EXTRA(I32_LOAD16_S_ADD3, LOAD_ADD3, I32_LOAD16_S, 4, "i32.add; i32.add; i32.load16_s", i32, int16_t, (int32_t))
SI_EXTRA(I32_LOAD16_U_ADD3, LOAD_ADD3, I32_LOAD16_U, 4, "i32.add; i32.add; i32.load16_u", u32, uint16_t, (uint32_t))
SI_EXTRA(I64_LOAD8_S_ADD3, LOAD_ADD3, I64_LOAD8_S, 4, "i32.add; i32.add; i64.load8_s", i64, int8_t, (int64_t))
SI_EXTRA(I64_LOAD8_U_ADD3, LOAD_ADD3, I64_LOAD8_U, 4, "i32.add; i32.add; i64.load8_u", u64, uint8_t, (uint64_t))
SI_EXTRA(I64_LOAD16_S_ADD3, LOAD_ADD3, I64_LOAD16_S, 4, "i32.add; i32.add; i64.load16_s", i64, int16_t, (int64_t))
SI_EXTRA(I64_LOAD16_U_ADD3, LOAD_ADD3, I64_LOAD16_U, 4, "i32.add; i32.add; i64.load16_u", u64, uint16_t, (uint64_t))
SI_EXTRA(I64_LOAD32_S_ADD3, LOAD_ADD3, I64_LOAD32_S, 4, "i32.add; i32.add; i64.load32_s", i64, int32_t, (int64_t))
SI_EXTRA(I64_LOAD32_U_ADD3, LOAD_ADD3, I64_LOAD32_U, 4, "i32.add; i32.add; i64.load32_u", u64, uint32_t, (uint64_t))

/* STORE_ADD [h][a, b][val, offset]: a store at a + b (mod 2^32) + offset;
 * args: C type, slot field. */
SI_EXTRA(I32_STORE_ADD, STORE_ADD, I32_STORE, 3, "i32.add; i32.store", uint32_t, u32)
SI_EXTRA(I64_STORE_ADD, STORE_ADD, I64_STORE, 3, "i32.add; i64.store", uint64_t, u64)
SI_EXTRA(F32_STORE_ADD, STORE_ADD, F32_STORE, 3, "i32.add; f32.store", uint32_t, u32)
SI(F64_STORE_ADD, STORE_ADD, F64_STORE, 3, "i32.add; f64.store", uint64_t, u64)
SI_EXTRA(I32_STORE8_ADD, STORE_ADD, I32_STORE8, 3, "i32.add; i32.store8", uint8_t, u32)
SI_EXTRA(I32_STORE16_ADD, STORE_ADD, I32_STORE16, 3, "i32.add; i32.store16", uint16_t, u32)
SI_EXTRA(I64_STORE8_ADD, STORE_ADD, I64_STORE8, 3, "i32.add; i64.store8", uint8_t, u64)
SI_EXTRA(I64_STORE16_ADD, STORE_ADD, I64_STORE16, 3, "i32.add; i64.store16", uint16_t, u64)
SI_EXTRA(I64_STORE32_ADD, STORE_ADD, I64_STORE32, 3, "i32.add; i64.store32", uint32_t, u64)

/* STORE_ADDI [h][a, imm][val, offset]: a store at a + imm (mod 2^32) +
 * offset; args as STORE_ADD. */
SI_EXTRA(I32_STORE_ADDI, STORE_ADDI, I32_STORE, 3, "const k; i32.add; i32.store", uint32_t, u32)
SI(I64_STORE_ADDI, STORE_ADDI, I64_STORE, 3, "const k; i32.add; i64.store", uint64_t, u64)
SI_EXTRA(F32_STORE_ADDI, STORE_ADDI, F32_STORE, 3, "const k; i32.add; f32.store", uint32_t, u32)
SI_EXTRA(F64_STORE_ADDI, STORE_ADDI, F64_STORE, 3, "const k; i32.add; f64.store", uint64_t, u64)
SI(I32_STORE8_ADDI, STORE_ADDI, I32_STORE8, 3, "const k; i32.add; i32.store8", uint8_t, u32)
SI_EXTRA(I32_STORE16_ADDI, STORE_ADDI, I32_STORE16, 3, "const k; i32.add; i32.store16", uint16_t, u32)
SI_EXTRA(I64_STORE8_ADDI, STORE_ADDI, I64_STORE8, 3, "const k; i32.add; i64.store8", uint8_t, u64)
SI_EXTRA(I64_STORE16_ADDI, STORE_ADDI, I64_STORE16, 3, "const k; i32.add; i64.store16", uint16_t, u64)
SI_EXTRA(I64_STORE32_ADDI, STORE_ADDI, I64_STORE32, 3, "const k; i32.add; i64.store32", uint32_t, u64)

/* STORE_K [h][addr, k][offset]: a store of a constant (a 32-bit immediate,
 * sign-extended); args as STORE_ADD. */
SI_EXTRA(I32_STORE_K, STORE_K, I32_STORE, 3, "const v; i32.store", uint32_t, u32)
SI_EXTRA(I64_STORE_K, STORE_K, I64_STORE, 3, "const v; i64.store", uint64_t, u64)
SI_EXTRA(F32_STORE_K, STORE_K, F32_STORE, 3, "const v; f32.store", uint32_t, u32)
SI_EXTRA(F64_STORE_K, STORE_K, F64_STORE, 3, "const v; f64.store", uint64_t, u64)
SI(I32_STORE8_K, STORE_K, I32_STORE8, 3, "const v; i32.store8", uint8_t, u32)
SI_EXTRA(I32_STORE16_K, STORE_K, I32_STORE16, 3, "const v; i32.store16", uint16_t, u32)
SI_EXTRA(I64_STORE8_K, STORE_K, I64_STORE8, 3, "const v; i64.store8", uint8_t, u64)
SI_EXTRA(I64_STORE16_K, STORE_K, I64_STORE16, 3, "const v; i64.store16", uint16_t, u64)
SI_EXTRA(I64_STORE32_K, STORE_K, I64_STORE32, 3, "const v; i64.store32", uint32_t, u64)

/* STORE_ABS [h][-, val][ea]: a store at a constant address; args as
 * STORE_ADD. */
SI_EXTRA(I32_STORE_ABS, STORE_ABS, I32_STORE, 3, "const addr; i32.store", uint32_t, u32)
SI_EXTRA(I64_STORE_ABS, STORE_ABS, I64_STORE, 3, "const addr; i64.store", uint64_t, u64)
SI_EXTRA(F32_STORE_ABS, STORE_ABS, F32_STORE, 3, "const addr; f32.store", uint32_t, u32)
SI(F64_STORE_ABS, STORE_ABS, F64_STORE, 3, "const addr; f64.store", uint64_t, u64)
SI_EXTRA(I32_STORE8_ABS, STORE_ABS, I32_STORE8, 3, "const addr; i32.store8", uint8_t, u32)
SI_EXTRA(I32_STORE16_ABS, STORE_ABS, I32_STORE16, 3, "const addr; i32.store16", uint16_t, u32)
SI_EXTRA(I64_STORE8_ABS, STORE_ABS, I64_STORE8, 3, "const addr; i64.store8", uint8_t, u64)
SI_EXTRA(I64_STORE16_ABS, STORE_ABS, I64_STORE16, 3, "const addr; i64.store16", uint16_t, u64)
SI_EXTRA(I64_STORE32_ABS, STORE_ABS, I64_STORE32, 3, "const addr; i64.store32", uint32_t, u64)

/* MEM_OPERAND [h][d, a][addr, offset]: a binary op whose right operand is
 * loaded at its full width: fp[d] = a OP mem[addr + offset]; args: field,
 * expression. */
SI(I32_ADD_M, MEM_OPERAND, I32_ADD, 3, "i32.load; i32.add", u32, a.u32 + b.u32)
SI_EXTRA(I32_SUB_M, MEM_OPERAND, I32_SUB, 3, "i32.load; i32.sub", u32, a.u32 - b.u32)
SI_EXTRA(I32_MUL_M, MEM_OPERAND, I32_MUL, 3, "i32.load; i32.mul", u32, a.u32 * b.u32)
SI_EXTRA(I32_AND_M, MEM_OPERAND, I32_AND, 3, "i32.load; i32.and", u32, a.u32 & b.u32)
SI_EXTRA(I32_OR_M, MEM_OPERAND, I32_OR, 3, "i32.load; i32.or", u32, a.u32 | b.u32)
SI(I32_XOR_M, MEM_OPERAND, I32_XOR, 3, "i32.load; i32.xor", u32, a.u32 ^ b.u32)
SI_EXTRA(I64_ADD_M, MEM_OPERAND, I64_ADD, 3, "i64.load; i64.add", u64, a.u64 + b.u64)
SI_EXTRA(I64_SUB_M, MEM_OPERAND, I64_SUB, 3, "i64.load; i64.sub", u64, a.u64 - b.u64)
SI_EXTRA(I64_MUL_M, MEM_OPERAND, I64_MUL, 3, "i64.load; i64.mul", u64, a.u64 * b.u64)
SI_EXTRA(I64_AND_M, MEM_OPERAND, I64_AND, 3, "i64.load; i64.and", u64, a.u64 & b.u64)
SI_EXTRA(I64_OR_M, MEM_OPERAND, I64_OR, 3, "i64.load; i64.or", u64, a.u64 | b.u64)
SI_EXTRA(I64_XOR_M, MEM_OPERAND, I64_XOR, 3, "i64.load; i64.xor", u64, a.u64 ^ b.u64)
SI_EXTRA(F32_ADD_M, MEM_OPERAND, F32_ADD, 3, "f32.load; f32.add", f32, a.f32 + b.f32)
SI_EXTRA(F32_SUB_M, MEM_OPERAND, F32_SUB, 3, "f32.load; f32.sub", f32, a.f32 - b.f32)
SI_EXTRA(F32_MUL_M, MEM_OPERAND, F32_MUL, 3, "f32.load; f32.mul", f32, a.f32 * b.f32)
SI(F64_ADD_M, MEM_OPERAND, F64_ADD, 3, "f64.load; f64.add", f64, a.f64 + b.f64)
SI(F64_SUB_M, MEM_OPERAND, F64_SUB, 3, "f64.load; f64.sub", f64, a.f64 - b.f64)
SI(F64_MUL_M, MEM_OPERAND, F64_MUL, 3, "f64.load; f64.mul", f64, a.f64 * b.f64)
SI_EXTRA(F64_DIV_M, MEM_OPERAND, F64_DIV, 3, "f64.load; f64.div", f64, a.f64 / b.f64)

/* MEM_OPERAND_ADDI [h][d, a][addr, imm][offset]: the same, loaded at addr
 * + imm (mod 2^32) + offset; args as MEM_OPERAND. */
SI_EXTRA(I32_ADD_MA, MEM_OPERAND_ADDI, I32_ADD, 4, "const k; i32.add; i32.load; i32.add", u32, a.u32 + b.u32)
SI_EXTRA(I32_SUB_MA, MEM_OPERAND_ADDI, I32_SUB, 4, "const k; i32.add; i32.load; i32.sub", u32, a.u32 - b.u32)
SI_EXTRA(I32_MUL_MA, MEM_OPERAND_ADDI, I32_MUL, 4, "const k; i32.add; i32.load; i32.mul", u32, a.u32 * b.u32)
SI_EXTRA(I32_AND_MA, MEM_OPERAND_ADDI, I32_AND, 4, "const k; i32.add; i32.load; i32.and", u32, a.u32 & b.u32)
SI_EXTRA(I32_OR_MA, MEM_OPERAND_ADDI, I32_OR, 4, "const k; i32.add; i32.load; i32.or", u32, a.u32 | b.u32)
SI_EXTRA(I32_XOR_MA, MEM_OPERAND_ADDI, I32_XOR, 4, "const k; i32.add; i32.load; i32.xor", u32, a.u32 ^ b.u32)
SI_EXTRA(I64_ADD_MA, MEM_OPERAND_ADDI, I64_ADD, 4, "const k; i32.add; i64.load; i64.add", u64, a.u64 + b.u64)
SI_EXTRA(I64_SUB_MA, MEM_OPERAND_ADDI, I64_SUB, 4, "const k; i32.add; i64.load; i64.sub", u64, a.u64 - b.u64)
SI_EXTRA(I64_MUL_MA, MEM_OPERAND_ADDI, I64_MUL, 4, "const k; i32.add; i64.load; i64.mul", u64, a.u64 * b.u64)
SI_EXTRA(I64_AND_MA, MEM_OPERAND_ADDI, I64_AND, 4, "const k; i32.add; i64.load; i64.and", u64, a.u64 & b.u64)
SI_EXTRA(I64_OR_MA, MEM_OPERAND_ADDI, I64_OR, 4, "const k; i32.add; i64.load; i64.or", u64, a.u64 | b.u64)
SI_EXTRA(I64_XOR_MA, MEM_OPERAND_ADDI, I64_XOR, 4, "const k; i32.add; i64.load; i64.xor", u64, a.u64 ^ b.u64)
SI_EXTRA(F32_ADD_MA, MEM_OPERAND_ADDI, F32_ADD, 4, "const k; i32.add; f32.load; f32.add", f32, a.f32 + b.f32)
SI_EXTRA(F32_SUB_MA, MEM_OPERAND_ADDI, F32_SUB, 4, "const k; i32.add; f32.load; f32.sub", f32, a.f32 - b.f32)
SI_EXTRA(F32_MUL_MA, MEM_OPERAND_ADDI, F32_MUL, 4, "const k; i32.add; f32.load; f32.mul", f32, a.f32 * b.f32)
SI_EXTRA(F64_ADD_MA, MEM_OPERAND_ADDI, F64_ADD, 4, "const k; i32.add; f64.load; f64.add", f64, a.f64 + b.f64)
SI(F64_SUB_MA, MEM_OPERAND_ADDI, F64_SUB, 4, "const k; i32.add; f64.load; f64.sub", f64, a.f64 - b.f64)
SI(F64_MUL_MA, MEM_OPERAND_ADDI, F64_MUL, 4, "const k; i32.add; f64.load; f64.mul", f64, a.f64 * b.f64)
SI_EXTRA(F64_DIV_MA, MEM_OPERAND_ADDI, F64_DIV, 4, "const k; i32.add; f64.load; f64.div", f64, a.f64 / b.f64)

/* OP_STORE [h][a, b][addr, offset]: a binary op whose result is stored at
 * once: mem[addr + offset] = a OP b; args as MEM_OPERAND. */
SI_EXTRA(I32_ADD_S, OP_STORE, I32_ADD, 3, "i32.add; i32.store", u32, a.u32 + b.u32)
SI_EXTRA(I32_SUB_S, OP_STORE, I32_SUB, 3, "i32.sub; i32.store", u32, a.u32 - b.u32)
SI_EXTRA(I32_MUL_S, OP_STORE, I32_MUL, 3, "i32.mul; i32.store", u32, a.u32 * b.u32)
SI_EXTRA(I32_AND_S, OP_STORE, I32_AND, 3, "i32.and; i32.store", u32, a.u32 & b.u32)
SI(I32_OR_S, OP_STORE, I32_OR, 3, "i32.or; i32.store", u32, a.u32 | b.u32)
SI_EXTRA(I32_XOR_S, OP_STORE, I32_XOR, 3, "i32.xor; i32.store", u32, a.u32 ^ b.u32)
SI_EXTRA(I64_ADD_S, OP_STORE, I64_ADD, 3, "i64.add; i64.store", u64, a.u64 + b.u64)
SI_EXTRA(I64_SUB_S, OP_STORE, I64_SUB, 3, "i64.sub; i64.store", u64, a.u64 - b.u64)
SI_EXTRA(I64_MUL_S, OP_STORE, I64_MUL, 3, "i64.mul; i64.store", u64, a.u64 * b.u64)
SI_EXTRA(I64_AND_S, OP_STORE, I64_AND, 3, "i64.and; i64.store", u64, a.u64 & b.u64)
SI_EXTRA(I64_OR_S, OP_STORE, I64_OR, 3, "i64.or; i64.store", u64, a.u64 | b.u64)
SI_EXTRA(I64_XOR_S, OP_STORE, I64_XOR, 3, "i64.xor; i64.store", u64, a.u64 ^ b.u64)
SI_EXTRA(F32_ADD_S, OP_STORE, F32_ADD, 3, "f32.add; f32.store", f32, a.f32 + b.f32)
SI_EXTRA(F32_SUB_S, OP_STORE, F32_SUB, 3, "f32.sub; f32.store", f32, a.f32 - b.f32)
SI_EXTRA(F32_MUL_S, OP_STORE, F32_MUL, 3, "f32.mul; f32.store", f32, a.f32 * b.f32)
SI_EXTRA(F64_ADD_S, OP_STORE, F64_ADD, 3, "f64.add; f64.store", f64, a.f64 + b.f64)
SI(F64_SUB_S, OP_STORE, F64_SUB, 3, "f64.sub; f64.store", f64, a.f64 - b.f64)
SI_EXTRA(F64_MUL_S, OP_STORE, F64_MUL, 3, "f64.mul; f64.store", f64, a.f64 * b.f64)
SI_EXTRA(F64_DIV_S, OP_STORE, F64_DIV, 3, "f64.div; f64.store", f64, a.f64 / b.f64)

/* RMW [h][-, a][addr, offset]: `*p = a op *p`: load, op, store back at one
 * address; args as MEM_OPERAND. */
SI_EXTRA(I32_ADD_RMW, RMW, I32_ADD, 3, "i32.load; i32.add; i32.store (same address)", u32, a.u32 + b.u32)
SI_EXTRA(I32_SUB_RMW, RMW, I32_SUB, 3, "i32.load; i32.sub; i32.store (same address)", u32, a.u32 - b.u32)
SI_EXTRA(I32_MUL_RMW, RMW, I32_MUL, 3, "i32.load; i32.mul; i32.store (same address)", u32, a.u32 * b.u32)
SI_EXTRA(I32_AND_RMW, RMW, I32_AND, 3, "i32.load; i32.and; i32.store (same address)", u32, a.u32 & b.u32)
SI_EXTRA(I32_OR_RMW, RMW, I32_OR, 3, "i32.load; i32.or; i32.store (same address)", u32, a.u32 | b.u32)
SI_EXTRA(I32_XOR_RMW, RMW, I32_XOR, 3, "i32.load; i32.xor; i32.store (same address)", u32, a.u32 ^ b.u32)
SI_EXTRA(I64_ADD_RMW, RMW, I64_ADD, 3, "i64.load; i64.add; i64.store (same address)", u64, a.u64 + b.u64)
SI_EXTRA(I64_SUB_RMW, RMW, I64_SUB, 3, "i64.load; i64.sub; i64.store (same address)", u64, a.u64 - b.u64)
SI_EXTRA(I64_MUL_RMW, RMW, I64_MUL, 3, "i64.load; i64.mul; i64.store (same address)", u64, a.u64 * b.u64)
SI_EXTRA(I64_AND_RMW, RMW, I64_AND, 3, "i64.load; i64.and; i64.store (same address)", u64, a.u64 & b.u64)
SI_EXTRA(I64_OR_RMW, RMW, I64_OR, 3, "i64.load; i64.or; i64.store (same address)", u64, a.u64 | b.u64)
SI_EXTRA(I64_XOR_RMW, RMW, I64_XOR, 3, "i64.load; i64.xor; i64.store (same address)", u64, a.u64 ^ b.u64)
SI_EXTRA(F32_ADD_RMW, RMW, F32_ADD, 3, "f32.load; f32.add; f32.store (same address)", f32, a.f32 + b.f32)
SI_EXTRA(F32_SUB_RMW, RMW, F32_SUB, 3, "f32.load; f32.sub; f32.store (same address)", f32, a.f32 - b.f32)
SI_EXTRA(F32_MUL_RMW, RMW, F32_MUL, 3, "f32.load; f32.mul; f32.store (same address)", f32, a.f32 * b.f32)
SI(F64_ADD_RMW, RMW, F64_ADD, 3, "f64.load; f64.add; f64.store (same address)", f64, a.f64 + b.f64)
SI_EXTRA(F64_SUB_RMW, RMW, F64_SUB, 3, "f64.load; f64.sub; f64.store (same address)", f64, a.f64 - b.f64)
SI_EXTRA(F64_MUL_RMW, RMW, F64_MUL, 3, "f64.load; f64.mul; f64.store (same address)", f64, a.f64 * b.f64)
SI_EXTRA(F64_DIV_RMW, RMW, F64_DIV, 3, "f64.load; f64.div; f64.store (same address)", f64, a.f64 / b.f64)

/* BYTE [h][d, a][addr, offset]: an i32 op with a byte of memory
 * (i32.load8_u folded in) at addr + offset; args: expression of a and b. */
SI(I32_ADD_B, BYTE, I32_ADD, 3, "i32.load8_u; i32.add", a + b)
SI(I32_XOR_B, BYTE, I32_XOR, 3, "i32.load8_u; i32.xor", a ^ b)

/* BYTE_ADDI [h][d, a][addr, imm][offset]: the byte at addr + imm (mod
 * 2^32) + offset; args as BYTE. */
SI(I32_ADD_BA, BYTE_ADDI, I32_ADD, 4, "const k; i32.add; i32.load8_u; i32.add", a + b)
SI(I32_XOR_BA, BYTE_ADDI, I32_XOR, 4, "const k; i32.add; i32.load8_u; i32.xor", a ^ b)

/* BYTE_ADD [h][d, a][addr, idx][offset]: the byte at addr + idx (mod 2^32)
 * + offset; args as BYTE. */
SI_EXTRA(I32_ADD_BX, BYTE_ADD, I32_ADD, 4, "i32.add; i32.load8_u; i32.add", a + b)
SI_EXTRA(I32_XOR_BX, BYTE_ADD, I32_XOR, 4, "i32.add; i32.load8_u; i32.xor", a ^ b)

/* BYTE_ADD3 [h][d, a][addr, i][j, offset]: the byte at addr + i + j (mod
 * 2^32) + offset; args as BYTE. */
SI(I32_ADD_BX3, BYTE_ADD3, I32_ADD, 4, "i32.add; i32.add; i32.load8_u; i32.add", a + b)
SI_EXTRA(I32_XOR_BX3, BYTE_ADD3, I32_XOR, 4, "i32.add; i32.add; i32.load8_u; i32.xor", a ^ b)

/* MOVE [h][dst, src][dst offset, src offset]: a load stored at once at the
 * same width: a memory-to-memory move; args: C type of that width. */
SI(MOVE8, MOVE, I32_STORE8, 3, "load; store (same width)", uint8_t)
SI(MOVE16, MOVE, I32_STORE16, 3, "load; store (same width)", uint16_t)
SI(MOVE32, MOVE, I32_STORE, 3, "load; store (same width)", uint32_t)
SI(MOVE64, MOVE, I64_STORE, 3, "load; store (same width)", uint64_t)

/* MOVE_ADDI [h][dst, src][imm, dst offset][src offset]: the same, the
 * source address being src + imm (mod 2^32); args as MOVE. */
SI(MOVE8_ADDI, MOVE_ADDI, I32_STORE8, 4, "const k; i32.add; load; store (same width)", uint8_t)
SI(MOVE16_ADDI, MOVE_ADDI, I32_STORE16, 4, "const k; i32.add; load; store (same width)", uint16_t)
SI(MOVE32_ADDI, MOVE_ADDI, I32_STORE, 4, "const k; i32.add; load; store (same width)", uint32_t)
SI(MOVE64_ADDI, MOVE_ADDI, I64_STORE, 4, "const k; i32.add; load; store (same width)", uint64_t)

/* F64_THEN_ADD [h][d, a][b, c]: two f64 ops in a chain, t = a OP1 b; d = t
 * + c, each rounding on its own (no FMA contraction: ISO C); args: C
 * operators. */
SI(F64_ADD_ADD, F64_THEN_ADD, F64_ADD, 3, "f64.add; f64.add", +, +)
SI(F64_SUB_ADD, F64_THEN_ADD, F64_SUB, 3, "f64.sub; f64.add", -, +)
SI(F64_MUL_ADD, F64_THEN_ADD, F64_MUL, 3, "f64.mul; f64.add", *, +)

/* F64_THEN_SUB [h][d, a][b, c]: the same ending in a subtraction. */
SI_EXTRA(F64_ADD_SUB, F64_THEN_SUB, F64_ADD, 3, "f64.add; f64.sub", +, -)
SI_EXTRA(F64_SUB_SUB, F64_THEN_SUB, F64_SUB, 3, "f64.sub; f64.sub", -, -)
SI_EXTRA(F64_MUL_SUB, F64_THEN_SUB, F64_MUL, 3, "f64.mul; f64.sub", *, -)

/* F64_THEN_MUL [h][d, a][b, c]: the same ending in a multiplication. */
SI_EXTRA(F64_ADD_MUL, F64_THEN_MUL, F64_ADD, 3, "f64.add; f64.mul", +, *)
SI_EXTRA(F64_SUB_MUL, F64_THEN_MUL, F64_SUB, 3, "f64.sub; f64.mul", -, *)
SI(F64_MUL_MUL, F64_THEN_MUL, F64_MUL, 3, "f64.mul; f64.mul", *, *)

/* ADD_RET [h][a, b]: a sum returned as the only result: fp[0] = a + b,
 * then return; args: field. */
SI(I32_ADD_RET, ADD_RET, I32_ADD, 2, "i32.add; return", u32)

/* BR_BITS [h][x, m][target]: a bit test: jump when (x & m) != 0, m a
 * constant; args: C operator. */
SI_EXTRA(BR_BITS, BR_BITS, I32_AND, 3, "const m; i32.and; br_if", !=)

/* BR_NO_BITS [h][x, m][target]: jump when (x & m) == 0; args: C operator. */
SI_EXTRA(BR_NO_BITS, BR_NO_BITS, I32_AND, 3, "const m; i32.and; if (jumps when no bit is set)", ==)

/* BR_GLOBAL [h][-, g][target]: a jump on an i32 global: when g != 0
 * (BR_NOT_GLOBAL: when g == 0); args: C operator. Asyncify's code (Lua and
 * mujs of the real-program corpus, for setjmp) tests its state global so
 * after every call that may unwind and at every function's entry. */
SI(BR_GLOBAL, BR_GLOBAL, GLOBAL_GET, 3, "global.get g; br_if", !=)
SI(BR_NOT_GLOBAL, BR_NOT_GLOBAL, GLOBAL_GET, 3, "global.get g; i32.eqz; br_if (or if)", ==)

/* BR_GLOBAL_I [h][g, imm][target]: an i32 global against a constant:
 * jump when g OP imm; args: expression. */
SI(BR_GLOBAL_EQ_I, BR_GLOBAL_I, I32_EQ, 3, "global.get g; const k; i32.eq; br_if", a == b)
SI(BR_GLOBAL_NE_I, BR_GLOBAL_I, I32_NE, 3, "global.get g; const k; i32.ne; br_if", a != b)


/* COPY2 [h][d1, s1][d2, s2]: two slot moves in a row, in order: fp[d1] =
 * fp[s1], then fp[d2] = fp[s2] (call arguments, block results, locals set
 * from locals); no args. */
SI(COPY2, COPY2, LOCAL_SET, 3, "local.get; local.set; local.get; local.set")

/* SELECT_K1 [h][d, b][k, cond]: fp[d] = cond ? k : b; SELECT_K2 [h][d,
 * a][k, cond]: fp[d] = cond ? a : k. k is an i32 or f32 constant (i64 and
 * f64 selects are not fused: see SELECT_K_OF); no args. */
SI(SELECT_K1, SELECT_K1, SELECT, 3, "const k; select")
SI(SELECT_K2, SELECT_K2, SELECT, 3, "const k; select")

/* SELECT_GK2 [h][d, a][k, g]: fp[d] = g ? a : k, the condition an i32
 * global read just before: Asyncify's `x; const 0; global.get state;
 * select` (x unless rewinding); no args. */
SI(SELECT_GK2, SELECT_GK2, SELECT, 3, "const k; global.get g; select")

/* BIT_FIELD [h][d, x][k, m]: fp[d] = (x >> k) & m: a bit field; args: the
 * shift. */
SI(I32_SHR_U_AND, BIT_FIELD, I32_SHR_U, 3, "const k; i32.shr_u; const m; i32.and", >>)

/* BIT_FIELD_ADDI [h][d, x][k, m][c]: fp[d] = ((x >> k) & m) + c; args: the
 * shift. */
SI(I32_SHR_U_AND_ADDI, BIT_FIELD_ADDI, I32_SHR_U, 4, "const k; i32.shr_u; const m; i32.and; const c; i32.add", >>)

/* ADDI_TAIL [h][d, x][k, c]: fp[d] = (x OP k) + c, the first result used
 * only by the add: scaling, masking or a shift then an offset; args:
 * expression of x and k. */
SI(I32_MUL_ADDI, ADDI_TAIL, I32_MUL, 3, "const k; i32.mul; const c; i32.add", x * k)
SI_EXTRA(I32_AND_ADDI, ADDI_TAIL, I32_AND, 3, "const k; i32.and; const c; i32.add", x & k)
SI_EXTRA(I32_SHR_U_ADDI, ADDI_TAIL, I32_SHR_U, 3, "const k; i32.shr_u; const c; i32.add", x >> (k & 31))

/* ADD_SHIFTED [h][d, x][k, base]: fp[d] = fp[base] + (x >> k); args: the
 * shift. */
SI(I32_ADD_SHR_U, ADD_SHIFTED, I32_SHR_U, 3, "const k; i32.shr_u; i32.add", >>)
SI(I32_ADD_SHL, ADD_SHIFTED, I32_SHL, 3, "const k; i32.shl; i32.add (not then a load's address)", <<)

/* ADD_SCALED [h][d, x][k, base]: fp[d] = fp[base] + x * k: an element of
 * an array of structs (its size no power of two); no args. */
SI(I32_ADD_MUL_I, ADD_SCALED, I32_MUL, 3, "const k; i32.mul; i32.add")

/* COPY_N [h][dst, src][n]: memory.copy of a constant length n; args: C
 * type of n. */
SI(MEM_COPY_N, COPY_N, MEMORY_COPY, 3, "const n; memory.copy", uint32_t)

/* FILL_N [h][dst, val][n]: memory.fill of a constant length; args: C type
 * of n. */
SI(MEM_FILL_N, FILL_N, MEMORY_FILL, 3, "const n; memory.fill", uint32_t)

/* FILL_VN [h][dst, v][n]: memory.fill of a constant value v and length;
 * args: C type of n. */
SI(MEM_FILL_VN, FILL_VN, MEMORY_FILL, 3, "const v; const n; memory.fill", uint32_t)

#endif /* VM_NO_FUSION */

#undef FAMILY
#undef SI
#undef SI_EXTRA
