/* exec.h: the threaded-code instruction set shared by compile.c and exec.c.
 *
 * The handler table is, in order: one entry per wasm opcode (op_list.h)
 * but the SIMD ones (which all run as IOP_SIMD, see simd.h),
 * the internal instructions of iop_list.h, the immediate-operand variants
 * of VM_IMM_BINOPS and VM_CMPOPS (NAME_I), then the compare-and-branch
 * superinstructions (BR_NAME, BR_NAME_I). enum vm_iop indexes it.
 */
#ifndef LUN_VM_EXEC_H
#define LUN_VM_EXEC_H

#include "vm_int.h"

/* Binary ops that also have a form with an immediate right operand
 * (constants folded into the instruction): X(NAME, result field, expr). */
#define VM_IMM_BINOPS(X)                                                 \
    X(I32_ADD, u32, a.u32 + b.u32)                                       \
    X(I32_SUB, u32, a.u32 - b.u32)                                       \
    X(I32_MUL, u32, a.u32 * b.u32)                                       \
    X(I32_AND, u32, a.u32 & b.u32)                                       \
    X(I32_OR, u32, a.u32 | b.u32)                                        \
    X(I32_XOR, u32, a.u32 ^ b.u32)                                       \
    X(I32_SHL, u32, a.u32 << (b.u32 & 31))                               \
    X(I32_SHR_S, i32, vm_sar32(a.i32, b.u32 & 31))                       \
    X(I32_SHR_U, u32, a.u32 >> (b.u32 & 31))                             \
    X(I64_ADD, u64, a.u64 + b.u64)                                       \
    X(I64_SUB, u64, a.u64 - b.u64)                                       \
    X(I64_MUL, u64, a.u64 * b.u64)                                       \
    X(I64_AND, u64, a.u64 & b.u64)                                       \
    X(I64_OR, u64, a.u64 | b.u64)                                        \
    X(I64_XOR, u64, a.u64 ^ b.u64)                                       \
    X(I64_SHL, u64, a.u64 << (b.u64 & 63))                               \
    X(I64_SHR_S, i64, vm_sar64(a.i64, b.u64 & 63))                       \
    X(I64_SHR_U, u64, a.u64 >> (b.u64 & 63))                             \
    X(F32_ADD, f32, a.f32 + b.f32)                                       \
    X(F32_SUB, f32, a.f32 - b.f32)                                       \
    X(F32_MUL, f32, a.f32 * b.f32)                                       \
    X(F64_ADD, f64, a.f64 + b.f64)                                       \
    X(F64_SUB, f64, a.f64 - b.f64)                                       \
    X(F64_MUL, f64, a.f64 * b.f64)                                       \
    X(F64_DIV, f64, a.f64 / b.f64)

/* Integer comparisons: plain, immediate, and fused with br_if/if
 * (BR_NAME jumps when the comparison holds). X(NAME, NEGATION, field of
 * the 32-bit immediate in BR_NAME_I, expr). The i32 ones also fuse with
 * an i32.add of an immediate that computes their left operand, the step
 * and test of a loop counter (BR_ADDI_NAME, BR_ADDI_NAME_I: [h][d, s]
 * [imm, b][target]: fp[d] = fp[s] + imm, then jump if fp[d] NAME b, b a
 * slot or, for _I, an immediate). */
#define VM_CMPOPS(X) VM_I32_CMPOPS(X) VM_I64_CMPOPS(X)
#define VM_I32_CMPOPS(X)                                                 \
    X(I32_EQ, I32_NE, i32, a.u32 == b.u32)                                    \
    X(I32_NE, I32_EQ, i32, a.u32 != b.u32)                                    \
    X(I32_LT_S, I32_GE_S, i32, a.i32 < b.i32)                                 \
    X(I32_LT_U, I32_GE_U, i32, a.u32 < b.u32)                                 \
    X(I32_GT_S, I32_LE_S, i32, a.i32 > b.i32)                                 \
    X(I32_GT_U, I32_LE_U, i32, a.u32 > b.u32)                                 \
    X(I32_LE_S, I32_GT_S, i32, a.i32 <= b.i32)                                \
    X(I32_LE_U, I32_GT_U, i32, a.u32 <= b.u32)                                \
    X(I32_GE_S, I32_LT_S, i32, a.i32 >= b.i32)                                \
    X(I32_GE_U, I32_LT_U, i32, a.u32 >= b.u32)
#define VM_I64_CMPOPS(X)                                                 \
    X(I64_EQ, I64_NE, i64, a.u64 == b.u64)                                    \
    X(I64_NE, I64_EQ, i64, a.u64 != b.u64)                                    \
    X(I64_LT_S, I64_GE_S, i64, a.i64 < b.i64)                                 \
    X(I64_LT_U, I64_GE_U, i64, a.u64 < b.u64)                                 \
    X(I64_GT_S, I64_LE_S, i64, a.i64 > b.i64)                                 \
    X(I64_GT_U, I64_LE_U, i64, a.u64 > b.u64)                                 \
    X(I64_LE_S, I64_GT_S, i64, a.i64 <= b.i64)                                \
    X(I64_LE_U, I64_GT_U, i64, a.u64 <= b.u64)                                \
    X(I64_GE_S, I64_LT_S, i64, a.i64 >= b.i64)                                \
    X(I64_GE_U, I64_LT_U, i64, a.u64 >= b.u64)

/* Loads and stores: X(NAME, slot field, C type, conversion) and
 * X(NAME, C type, slot field). Besides its plain form, each has two forms
 * whose address is an i32.add folded in (NAME_ADD: slot + slot, NAME_ADDI:
 * slot + immediate), wrapping at 32 bits exactly as the add would. Stores
 * also store constants (NAME_K: a 32-bit immediate, sign-extended), and
 * both have NAME_ABS for a constant address (C globals): the effective
 * address is then an immediate. Loads also index arrays: NAME_SHL_ADD
 * ([h][d, x][base, k][offset]: address (x << k) + base, base a slot) and
 * NAME_SHL_ADDI (the same with base an immediate), and sum three slots:
 * NAME_ADD3 ([h][d, a][b, c][offset]: address a + b + c, `p[i + j]`), all
 * wrapping at 32 bits before the offset is added. */
#define VM_LOADS(X)                                                      \
    X(I32_LOAD, u32, uint32_t, )                                         \
    X(I64_LOAD, u64, uint64_t, )                                         \
    X(F32_LOAD, u32, uint32_t, )                                         \
    X(F64_LOAD, u64, uint64_t, )                                         \
    X(I32_LOAD8_S, i32, int8_t, (int32_t))                               \
    X(I32_LOAD8_U, u32, uint8_t, (uint32_t))                             \
    X(I32_LOAD16_S, i32, int16_t, (int32_t))                             \
    X(I32_LOAD16_U, u32, uint16_t, (uint32_t))                           \
    X(I64_LOAD8_S, i64, int8_t, (int64_t))                               \
    X(I64_LOAD8_U, u64, uint8_t, (uint64_t))                             \
    X(I64_LOAD16_S, i64, int16_t, (int64_t))                             \
    X(I64_LOAD16_U, u64, uint16_t, (uint64_t))                           \
    X(I64_LOAD32_S, i64, int32_t, (int64_t))                             \
    X(I64_LOAD32_U, u64, uint32_t, (uint64_t))
#define VM_STORES(X)                                                     \
    X(I32_STORE, uint32_t, u32)                                          \
    X(I64_STORE, uint64_t, u64)                                          \
    X(F32_STORE, uint32_t, u32)                                          \
    X(F64_STORE, uint64_t, u64)                                          \
    X(I32_STORE8, uint8_t, u32)                                          \
    X(I32_STORE16, uint16_t, u32)                                        \
    X(I64_STORE8, uint8_t, u64)                                          \
    X(I64_STORE16, uint16_t, u64)                                        \
    X(I64_STORE32, uint32_t, u64)

/* A load whose value is stored right away, at the same width, becomes a
 * memory-to-memory move: X(NAME, C type of that width). MOVEn: [h][dst,
 * src][dst offset, src offset]; MOVEn_ADDI: [h][dst, src][imm, dst
 * offset][src offset], the source address being src + imm (mod 2^32). */
#define VM_MOVES(X)                                                      \
    X(MOVE8, uint8_t)                                                    \
    X(MOVE16, uint16_t)                                                  \
    X(MOVE32, uint32_t)                                                  \
    X(MOVE64, uint64_t)

/* Two f64 ops in a chain, the first's result being the second's left
 * operand: t = a OP1 b; d = t OP2 c. [h][d, a][b, c]. Each op rounds on
 * its own, exactly as the two instructions would (no FMA contraction:
 * the build is ISO C, where GCC and clang do not contract). */
#define VM_F64_CHAINS(X)                                                 \
    X(ADD, ADD, +, +) X(ADD, SUB, +, -) X(ADD, MUL, +, *)                \
    X(SUB, ADD, -, +) X(SUB, SUB, -, -) X(SUB, MUL, -, *)                \
    X(MUL, ADD, *, +) X(MUL, SUB, *, -) X(MUL, MUL, *, *)

/* Binary ops fused with a full-width load of their right operand
 * (NAME_M: [h][d, a][addr, offset]; NAME_MA: [h][d, a][addr, imm][offset]
 * for the address addr + imm mod 2^32), a store of their result (NAME_S:
 * [h][a, b][addr, offset]), or both at one address, `*p = a op *p`
 * (NAME_RMW: [h][-, a][addr, offset]): X(NAME, LOAD, STORE, field, expr). */
#define VM_MEM_BINOPS(X)                                                 \
    X(I32_ADD, I32_LOAD, I32_STORE, u32, a.u32 + b.u32)                  \
    X(I32_SUB, I32_LOAD, I32_STORE, u32, a.u32 - b.u32)                  \
    X(I32_MUL, I32_LOAD, I32_STORE, u32, a.u32 * b.u32)                  \
    X(I32_AND, I32_LOAD, I32_STORE, u32, a.u32 & b.u32)                  \
    X(I32_OR, I32_LOAD, I32_STORE, u32, a.u32 | b.u32)                   \
    X(I32_XOR, I32_LOAD, I32_STORE, u32, a.u32 ^ b.u32)                  \
    X(I64_ADD, I64_LOAD, I64_STORE, u64, a.u64 + b.u64)                  \
    X(I64_SUB, I64_LOAD, I64_STORE, u64, a.u64 - b.u64)                  \
    X(I64_MUL, I64_LOAD, I64_STORE, u64, a.u64 * b.u64)                  \
    X(I64_AND, I64_LOAD, I64_STORE, u64, a.u64 & b.u64)                  \
    X(I64_OR, I64_LOAD, I64_STORE, u64, a.u64 | b.u64)                   \
    X(I64_XOR, I64_LOAD, I64_STORE, u64, a.u64 ^ b.u64)                  \
    X(F32_ADD, F32_LOAD, F32_STORE, f32, a.f32 + b.f32)                  \
    X(F32_SUB, F32_LOAD, F32_STORE, f32, a.f32 - b.f32)                  \
    X(F32_MUL, F32_LOAD, F32_STORE, f32, a.f32 * b.f32)                  \
    X(F64_ADD, F64_LOAD, F64_STORE, f64, a.f64 + b.f64)                  \
    X(F64_SUB, F64_LOAD, F64_STORE, f64, a.f64 - b.f64)                  \
    X(F64_MUL, F64_LOAD, F64_STORE, f64, a.f64 * b.f64)                  \
    X(F64_DIV, F64_LOAD, F64_STORE, f64, a.f64 / b.f64)

/* f64 compares fused with br_if or if: X(NAME, C operator, the NAME of
 * the same test with its operands swapped). BR_F64_NAME [h][a, b][target]
 * jumps when a NAME b; BR_F64_NAME_K [h][a, -][constant][target] when
 * a NAME constant; BR_NOT_F64_NAME(_K) when the compare is false (not the
 * opposite compare: every compare with a NaN is false). */
#define VM_F64_BRANCHES(X)                                               \
    X(EQ, ==, EQ) X(NE, !=, NE) X(LT, <, GT) X(GT, >, LT) X(LE, <=, GE) X(GE, >=, LE)

/* i32 ops that combine a byte of memory into a value (load8_u folded in:
 * checksums, byte hashes, `acc += p[i]`): X(NAME, expr). Three address
 * forms, the byte at ea: NAME_B [h][d, a][addr, offset] (ea = addr +
 * offset), NAME_BA [h][d, a][addr, imm][offset], NAME_BX [h][d, a]
 * [addr, idx][offset] (ea = (addr + imm or idx) mod 2^32, + offset) and
 * NAME_BX3 [h][d, a][addr, i][j, offset] (ea = (addr + i + j) mod 2^32,
 * + offset). */
#define VM_BYTE_BINOPS(X)                                                \
    X(I32_ADD, a + b)                                                    \
    X(I32_XOR, a ^ b)

enum vm_iop {
    IOP_BASE_ = OP_SIMD_FIRST_ - 1,
#define IOP(name, words) IOP_##name,
#include "iop_list.h"
#define VM_X(name, ...) IOP_##name##_I,
    VM_IMM_BINOPS(VM_X) VM_CMPOPS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_BR_##name, IOP_BR_##name##_I,
    VM_CMPOPS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_ADD, IOP_##name##_ADDI,
    VM_LOADS(VM_X) VM_STORES(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_M, IOP_##name##_S, IOP_##name##_RMW,
    VM_MEM_BINOPS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_K,
    VM_STORES(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_ABS,
    VM_LOADS(VM_X) VM_STORES(VM_X)
#undef VM_X
#define VM_X(name, ctype) IOP_##name, IOP_##name##_ADDI,
    VM_MOVES(VM_X)
#undef VM_X
#define VM_X(op1, op2, c1, c2) IOP_F64_##op1##_##op2,
    VM_F64_CHAINS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_BR_ADDI_##name, IOP_BR_ADDI_##name##_I,
    VM_I32_CMPOPS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_MA,
    VM_MEM_BINOPS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_SHL_ADD, IOP_##name##_SHL_ADDI, IOP_##name##_ADD3,
    VM_LOADS(VM_X)
#undef VM_X
#define VM_X(name, ...) IOP_##name##_B, IOP_##name##_BA, IOP_##name##_BX, IOP_##name##_BX3,
    VM_BYTE_BINOPS(VM_X)
#undef VM_X
#define VM_X(name, ...)                                                  \
    IOP_BR_F64_##name, IOP_BR_F64_##name##_K, IOP_BR_NOT_F64_##name,     \
        IOP_BR_NOT_F64_##name##_K,
    VM_F64_BRANCHES(VM_X)
#undef VM_X
    IOP_COUNT_
};

/* Arithmetic shift right without relying on implementation-defined >>. */
static inline int32_t vm_sar32(int32_t v, uint32_t n)
{
    return v < 0 ? (int32_t)~(~(uint32_t)v >> n) : (int32_t)((uint32_t)v >> n);
}

static inline int64_t vm_sar64(int64_t v, uint64_t n)
{
    return v < 0 ? (int64_t)~(~(uint64_t)v >> n) : (int64_t)((uint64_t)v >> n);
}

#endif
