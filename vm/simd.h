/* simd.h: the v128 value and the implementation of the SIMD instructions
 * (simd.c), shared by the compiler and the interpreter.
 *
 * Every SIMD instruction is one threaded-code instruction run by the
 * interpreter's I_SIMD handler, which calls the C function in word 3:
 *     [I_SIMD][d, a][b, c][fn][imm0][imm1]
 * d is the result slot (word 1 field a, as for every instruction, so the
 * compiler can retarget it), a, b, c operand slots, imm0/imm1 immediates
 * (memory offset, lane index, the 16 bytes of v128.const or a shuffle).
 * A v128 occupies two consecutive frame slots, as one 16-byte number in
 * host order (on a little-endian host bytes 0-7 are in the first).
 * The functions read all their operands before writing the result. */
#ifndef LUN_VM_SIMD_H
#define LUN_VM_SIMD_H

#include "vm_int.h"

#define VM_SIMD_WORDS 6 /* length of every SIMD instruction */

/* The lanes of a v128: in wasm's order on a little-endian host, reversed
 * on a big-endian one (see vm_endian.h and LANE in simd.c). */
typedef union vm_v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} vm_v128;

/* The implementation of SIMD opcode op (an OP_ of simd_list.h), or NULL. */
vm_simd_fn vm__simd_fn(int op);

/* Internal instructions for v128 values outside the 0xfd opcodes:
 * copy fp[d..d+1] = fp[a..a+1]; select d = fp[c] ? a : b; global.get d
 * (global index imm0), global.set of fp[a]. */
bool vm__simd_copy(vm_slot *fp, const vm_op *pc, vm_instance_t *inst);
bool vm__simd_select(vm_slot *fp, const vm_op *pc, vm_instance_t *inst);
bool vm__simd_global_get(vm_slot *fp, const vm_op *pc, vm_instance_t *inst);
bool vm__simd_global_set(vm_slot *fp, const vm_op *pc, vm_instance_t *inst);

#endif
