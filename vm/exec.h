/* exec.h: the threaded-code instruction set shared by compile.c and exec.c.
 *
 * The handler table is, in order: one entry per wasm opcode (op_list.h)
 * but the SIMD ones (which all run as IOP_SIMD, see simd.h), the internal
 * instructions of iop_list.h, then the superinstructions of super_list.h.
 * enum vm_iop indexes it.
 */
#ifndef LUN_VM_EXEC_H
#define LUN_VM_EXEC_H

#include "vm_int.h"

/* Binary ops whose plain handlers are generated from this list:
 * X(NAME, result field, expr). Their forms with an immediate right
 * operand (NAME_I) are rows of super_list.h. */
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

/* Integer comparisons: X(NAME, NEGATION, field of a 32-bit immediate,
 * expr). The plain handlers are generated from this list, and the fuser
 * takes the negation from it (a jump when the compare is false); the
 * immediate, compare-and-branch and loop-counter forms (NAME_I, BR_NAME,
 * BR_NAME_I, BR_ADDI_NAME...) are rows of super_list.h. */
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

/* Plain loads and stores: X(NAME, slot field, C type, conversion) and
 * X(NAME, C type, slot field). Their superinstructions (address forms,
 * constants) are rows of super_list.h. */
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

/* The instruction set: the wasm opcodes but SIMD (op_list.h), the
 * internal instructions (iop_list.h), then the superinstructions
 * (super_list.h), in that order. */
enum { VM_CORE_IOPS_ = 0
#define IOP(name, words) +1
#include "iop_list.h"
};
#define IOP_SUPER_FIRST_ (OP_SIMD_FIRST_ + VM_CORE_IOPS_)

enum vm_iop {
    IOP_BASE_ = OP_SIMD_FIRST_ - 1,
#define IOP(name, words) IOP_##name,
#include "iop_list.h"
#define SI(name, ...) IOP_##name,
#include "super_list.h"
    IOP_COUNT_
};

/* The superinstruction families: their layouts and handler templates. */
enum vm_super_family {
    FAM_NONE_,
#define FAMILY(name, layout) FAM_##name,
#include "super_list.h"
    FAM_COUNT_
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
