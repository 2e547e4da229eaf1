/* simd.c: the semantics of the WebAssembly SIMD instructions, one C
 * function per opcode, in portable lane loops (see simd.h for the
 * instruction layout). Integer lanes compute in unsigned arithmetic, so
 * wrap-around is defined; float lanes follow the NaN and signed-zero rules
 * of the scalar ops (exec_num.h). */
#include "common/lun_prefix.h"

#include <math.h>
#include <string.h>

#include "exec.h"
#include "exec_num.h"
#include "simd.h"

/* A build without SIMD has none of this: the decoder refuses v128. */
#ifndef VM_NO_SIMD

/* {===== operands */

#define D (pc[1].s.a)
#define A (pc[1].s.b)
#define B (pc[2].s.a)
#define C (pc[2].s.b)
#define IMM0 (pc[4].u64)

static inline vm_v128 get(const vm_slot *fp, int32_t s)
{
    vm_v128 v;
    memcpy(&v, &fp[s], sizeof v);
    return v;
}

static inline void put(vm_slot *fp, int32_t s, const vm_v128 *v)
{
    memcpy(&fp[s], v, sizeof *v);
}

/* Lane i (wasm's numbering) of v's array T, for the ops where lane
 * positions matter; lane-wise ops index the arrays directly (vm_endian.h:
 * on a big-endian host the arrays hold the lanes in reverse order). */
#define LANE(v, T, i) ((v).T[VM_LANE((i), (int)(sizeof (v).T / sizeof (v).T[0]))])

/* The C type of the lanes of vm_v128 member T (ISO C has no typeof). */
#define LANE_TYPE(T) LANE_TYPE_##T
#define LANE_TYPE_u8 uint8_t
#define LANE_TYPE_i8 int8_t
#define LANE_TYPE_u16 uint16_t
#define LANE_TYPE_i16 int16_t
#define LANE_TYPE_u32 uint32_t
#define LANE_TYPE_i32 int32_t
#define LANE_TYPE_u64 uint64_t
#define LANE_TYPE_i64 int64_t
#define LANE_TYPE_f32 float
#define LANE_TYPE_f64 double

/* A 32-bit result in a scalar slot, zero-extended as every i32 producer
 * writes it (the u32 member, in host order, under the u64 one). */
static inline void put_u32(vm_slot *fp, int32_t s, uint32_t v)
{
    fp[s].u64 = 0;
    fp[s].u32 = v;
}

/* A function of the shape every SIMD op has; `body` sees fp, pc, inst. */
#define SIMD_FN(fname)                                                       \
    static bool fname(vm_slot *fp, const vm_op *pc, vm_instance_t *inst)

/* }===== */
/* {===== lane-wise templates */

/* r.T[i] = expr for each lane, with a, b the operands' lanes. */
#define LANES_BIN(fname, T, n, expr)                                         \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), vb = get(fp, B), r;                         \
        for (int i = 0; i < (n); i++) {                                      \
            const LANE_TYPE(T) a = va.T[i], b = vb.T[i];                     \
            r.T[i] = (expr);                                                 \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

#define LANES_UN(fname, T, n, expr)                                          \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), r;                                          \
        for (int i = 0; i < (n); i++) {                                      \
            const LANE_TYPE(T) a = va.T[i];                                  \
            r.T[i] = (expr);                                                 \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Comparisons: all ones in lane field U when cond holds. */
#define LANES_CMP(fname, T, U, n, cond)                                      \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), vb = get(fp, B), r;                         \
        for (int i = 0; i < (n); i++) {                                      \
            const LANE_TYPE(T) a = va.T[i], b = vb.T[i];                     \
            r.U[i] = (cond) ? (LANE_TYPE(U))~(LANE_TYPE(U))0 : 0;            \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Shifts: the count is the i32 operand modulo the lane width. */
#define LANES_SHIFT(fname, T, n, bits, expr)                                 \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), r;                                          \
        const uint32_t s = fp[B].u32 & ((bits) - 1);                         \
        for (int i = 0; i < (n); i++) {                                      \
            const LANE_TYPE(T) a = va.T[i];                                  \
            r.T[i] = (expr);                                                 \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Widening: result lanes RT (n of them) from source lanes ST at `from`. */
#define LANES_WIDEN(fname, RT, ST, n, from)                                  \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), r;                                          \
        for (int i = 0; i < (n); i++) LANE(r, RT, i) = LANE(va, ST, (from) + i); \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Extended multiply: products of source lanes ST at `from`, in RT. */
#define LANES_EXTMUL(fname, RT, ST, WT, n, from)                             \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), vb = get(fp, B), r;                         \
        for (int i = 0; i < (n); i++)                                        \
            LANE(r, RT, i) = (WT)LANE(va, ST, (from) + i) *                  \
                             (WT)LANE(vb, ST, (from) + i);                   \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Pairwise add: r[i] = a[2i] + a[2i+1], widened (the pairs stay pairs
 * in reversed arrays: no LANE needed). */
#define LANES_PAIRWISE(fname, RT, ST, n)                                     \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), r;                                          \
        for (int i = 0; i < (n); i++)                                        \
            r.RT[i] = (LANE_TYPE(RT))(va.ST[2 * i] + va.ST[2 * i + 1]);      \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* Narrowing with saturation: a's lanes then b's, clamped to [lo, hi]. */
#define LANES_NARROW(fname, RT, ST, n, lo, hi)                               \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), vb = get(fp, B), r;                         \
        for (int i = 0; i < 2 * (n); i++) {                                  \
            int32_t x = i < (n) ? LANE(va, ST, i) : LANE(vb, ST, i - (n));   \
            LANE(r, RT, i) = (LANE_TYPE(RT))(x < (lo) ? (lo) : x > (hi) ? (hi) : x); \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }

/* all_true (every lane non-zero) and bitmask (the lanes' top bits). */
#define LANES_ALL_TRUE(fname, T, n)                                          \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A);                                             \
        uint32_t all = 1;                                                    \
        for (int i = 0; i < (n); i++) all &= va.T[i] != 0;                   \
        put_u32(fp, D, all);                                                 \
        return true;                                                         \
    }

#define LANES_BITMASK(fname, T, n)                                           \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A);                                             \
        uint32_t m = 0;                                                      \
        for (int i = 0; i < (n); i++) m |= (uint32_t)(LANE(va, T, i) < 0) << i; \
        put_u32(fp, D, m);                                                   \
        return true;                                                         \
    }

/* }===== */
/* {===== helpers of single lanes */

static inline int32_t sat_s(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* pmin/pmax are defined by a single comparison: b < a ? b : a. */
static inline float pminf(float a, float b) { return b < a ? b : a; }
static inline float pmaxf(float a, float b) { return a < b ? b : a; }
static inline double pmin(double a, double b) { return b < a ? b : a; }
static inline double pmax(double a, double b) { return a < b ? b : a; }

static inline uint8_t popcnt8(uint8_t x) { return (uint8_t)vm_popcnt32(x); }

/* i16x8.q15mulr_sat_s: (a * b + 2^14) >> 15, saturated. */
static inline int16_t q15mulr(int16_t a, int16_t b)
{
    int32_t p = ((int32_t)a * b + 0x4000);
    return (int16_t)sat_s(vm_sar32(p, 15), INT16_MIN, INT16_MAX);
}

/* }===== */
/* {===== integer lanes */

#define U8(x) ((uint8_t)(x))
#define U16(x) ((uint16_t)(x))
#define U32(x) ((uint32_t)(x))
#define U64(x) ((uint64_t)(x))

LANES_BIN(i8x16_add, u8, 16, U8(a + b))
LANES_BIN(i8x16_sub, u8, 16, U8(a - b))
LANES_BIN(i8x16_add_sat_s, i8, 16, (int8_t)sat_s(a + b, INT8_MIN, INT8_MAX))
LANES_BIN(i8x16_sub_sat_s, i8, 16, (int8_t)sat_s(a - b, INT8_MIN, INT8_MAX))
LANES_BIN(i8x16_add_sat_u, u8, 16, (uint8_t)sat_s(a + b, 0, UINT8_MAX))
LANES_BIN(i8x16_sub_sat_u, u8, 16, (uint8_t)sat_s(a - b, 0, UINT8_MAX))
LANES_BIN(i8x16_min_s, i8, 16, a < b ? a : b)
LANES_BIN(i8x16_min_u, u8, 16, a < b ? a : b)
LANES_BIN(i8x16_max_s, i8, 16, a > b ? a : b)
LANES_BIN(i8x16_max_u, u8, 16, a > b ? a : b)
LANES_BIN(i8x16_avgr_u, u8, 16, U8((a + b + 1) >> 1))
LANES_UN(i8x16_abs, u8, 16, a & 0x80 ? U8(0u - a) : a)
LANES_UN(i8x16_neg, u8, 16, U8(0u - a))
LANES_UN(i8x16_popcnt, u8, 16, popcnt8(a))
LANES_SHIFT(i8x16_shl, u8, 16, 8, U8(a << s))
LANES_SHIFT(i8x16_shr_s, i8, 16, 8, (int8_t)vm_sar32(a, s))
LANES_SHIFT(i8x16_shr_u, u8, 16, 8, U8(a >> s))
LANES_ALL_TRUE(i8x16_all_true, u8, 16)
LANES_BITMASK(i8x16_bitmask, i8, 16)
LANES_NARROW(i8x16_narrow_i16x8_s, i8, i16, 8, INT8_MIN, INT8_MAX)
LANES_NARROW(i8x16_narrow_i16x8_u, u8, i16, 8, 0, UINT8_MAX)

LANES_BIN(i16x8_add, u16, 8, U16(a + b))
LANES_BIN(i16x8_sub, u16, 8, U16(a - b))
LANES_BIN(i16x8_mul, u16, 8, U16((uint32_t)a * b))
LANES_BIN(i16x8_add_sat_s, i16, 8, (int16_t)sat_s(a + b, INT16_MIN, INT16_MAX))
LANES_BIN(i16x8_sub_sat_s, i16, 8, (int16_t)sat_s(a - b, INT16_MIN, INT16_MAX))
LANES_BIN(i16x8_add_sat_u, u16, 8, (uint16_t)sat_s(a + b, 0, UINT16_MAX))
LANES_BIN(i16x8_sub_sat_u, u16, 8, (uint16_t)sat_s(a - b, 0, UINT16_MAX))
LANES_BIN(i16x8_min_s, i16, 8, a < b ? a : b)
LANES_BIN(i16x8_min_u, u16, 8, a < b ? a : b)
LANES_BIN(i16x8_max_s, i16, 8, a > b ? a : b)
LANES_BIN(i16x8_max_u, u16, 8, a > b ? a : b)
LANES_BIN(i16x8_avgr_u, u16, 8, U16((a + b + 1) >> 1))
LANES_BIN(i16x8_q15mulr_sat_s, i16, 8, q15mulr(a, b))
LANES_UN(i16x8_abs, u16, 8, a & 0x8000 ? U16(0u - a) : a)
LANES_UN(i16x8_neg, u16, 8, U16(0u - a))
LANES_SHIFT(i16x8_shl, u16, 8, 16, U16((uint32_t)a << s))
LANES_SHIFT(i16x8_shr_s, i16, 8, 16, (int16_t)vm_sar32(a, s))
LANES_SHIFT(i16x8_shr_u, u16, 8, 16, U16(a >> s))
LANES_ALL_TRUE(i16x8_all_true, u16, 8)
LANES_BITMASK(i16x8_bitmask, i16, 8)
LANES_NARROW(i16x8_narrow_i32x4_s, i16, i32, 4, INT16_MIN, INT16_MAX)
LANES_WIDEN(i16x8_extend_low_i8x16_s, i16, i8, 8, 0)
LANES_WIDEN(i16x8_extend_high_i8x16_s, i16, i8, 8, 8)
LANES_WIDEN(i16x8_extend_low_i8x16_u, u16, u8, 8, 0)
LANES_WIDEN(i16x8_extend_high_i8x16_u, u16, u8, 8, 8)
LANES_EXTMUL(i16x8_extmul_low_i8x16_s, i16, i8, int16_t, 8, 0)
LANES_EXTMUL(i16x8_extmul_high_i8x16_s, i16, i8, int16_t, 8, 8)
LANES_EXTMUL(i16x8_extmul_low_i8x16_u, u16, u8, uint32_t, 8, 0)
LANES_EXTMUL(i16x8_extmul_high_i8x16_u, u16, u8, uint32_t, 8, 8)
LANES_PAIRWISE(i16x8_extadd_pairwise_i8x16_s, i16, i8, 8)
LANES_PAIRWISE(i16x8_extadd_pairwise_i8x16_u, u16, u8, 8)

LANES_NARROW(i16x8_narrow_i32x4_u, u16, i32, 4, 0, UINT16_MAX)

LANES_BIN(i32x4_add, u32, 4, a + b)
LANES_BIN(i32x4_sub, u32, 4, a - b)
LANES_BIN(i32x4_mul, u32, 4, a * b)
LANES_BIN(i32x4_min_s, i32, 4, a < b ? a : b)
LANES_BIN(i32x4_min_u, u32, 4, a < b ? a : b)
LANES_BIN(i32x4_max_s, i32, 4, a > b ? a : b)
LANES_BIN(i32x4_max_u, u32, 4, a > b ? a : b)
LANES_UN(i32x4_abs, u32, 4, a >> 31 ? 0u - a : a)
LANES_UN(i32x4_neg, u32, 4, 0u - a)
LANES_SHIFT(i32x4_shl, u32, 4, 32, a << s)
LANES_SHIFT(i32x4_shr_s, i32, 4, 32, vm_sar32(a, s))
LANES_SHIFT(i32x4_shr_u, u32, 4, 32, a >> s)
LANES_ALL_TRUE(i32x4_all_true, u32, 4)
LANES_BITMASK(i32x4_bitmask, i32, 4)
LANES_WIDEN(i32x4_extend_low_i16x8_s, i32, i16, 4, 0)
LANES_WIDEN(i32x4_extend_high_i16x8_s, i32, i16, 4, 4)
LANES_WIDEN(i32x4_extend_low_i16x8_u, u32, u16, 4, 0)
LANES_WIDEN(i32x4_extend_high_i16x8_u, u32, u16, 4, 4)
LANES_EXTMUL(i32x4_extmul_low_i16x8_s, i32, i16, int32_t, 4, 0)
LANES_EXTMUL(i32x4_extmul_high_i16x8_s, i32, i16, int32_t, 4, 4)
LANES_EXTMUL(i32x4_extmul_low_i16x8_u, u32, u16, uint32_t, 4, 0)
LANES_EXTMUL(i32x4_extmul_high_i16x8_u, u32, u16, uint32_t, 4, 4)
LANES_PAIRWISE(i32x4_extadd_pairwise_i16x8_s, i32, i16, 4)
LANES_PAIRWISE(i32x4_extadd_pairwise_i16x8_u, u32, u16, 4)

/* i32x4.dot_i16x8_s: sums of adjacent signed products (wrapping only for
 * -32768 * -32768 twice, which unsigned arithmetic makes defined). */
SIMD_FN(i32x4_dot_i16x8_s)
{
    (void)inst;
    vm_v128 va = get(fp, A), vb = get(fp, B), r;
    for (int i = 0; i < 4; i++) {
        uint32_t p0 = (uint32_t)((int32_t)va.i16[2 * i] * vb.i16[2 * i]);
        uint32_t p1 = (uint32_t)((int32_t)va.i16[2 * i + 1] * vb.i16[2 * i + 1]);
        r.u32[i] = p0 + p1;
    }
    put(fp, D, &r);
    return true;
}

LANES_BIN(i64x2_add, u64, 2, a + b)
LANES_BIN(i64x2_sub, u64, 2, a - b)
LANES_BIN(i64x2_mul, u64, 2, a * b)
LANES_UN(i64x2_abs, u64, 2, a >> 63 ? 0u - a : a)
LANES_UN(i64x2_neg, u64, 2, 0u - a)
LANES_SHIFT(i64x2_shl, u64, 2, 64, a << s)
LANES_SHIFT(i64x2_shr_s, i64, 2, 64, vm_sar64(a, s))
LANES_SHIFT(i64x2_shr_u, u64, 2, 64, a >> s)
LANES_ALL_TRUE(i64x2_all_true, u64, 2)
LANES_BITMASK(i64x2_bitmask, i64, 2)
LANES_WIDEN(i64x2_extend_low_i32x4_s, i64, i32, 2, 0)
LANES_WIDEN(i64x2_extend_high_i32x4_s, i64, i32, 2, 2)
LANES_WIDEN(i64x2_extend_low_i32x4_u, u64, u32, 2, 0)
LANES_WIDEN(i64x2_extend_high_i32x4_u, u64, u32, 2, 2)
LANES_EXTMUL(i64x2_extmul_low_i32x4_s, i64, i32, int64_t, 2, 0)
LANES_EXTMUL(i64x2_extmul_high_i32x4_s, i64, i32, int64_t, 2, 2)
LANES_EXTMUL(i64x2_extmul_low_i32x4_u, u64, u32, uint64_t, 2, 0)
LANES_EXTMUL(i64x2_extmul_high_i32x4_u, u64, u32, uint64_t, 2, 2)

/* }===== */
/* {===== comparisons */

LANES_CMP(i8x16_eq, u8, u8, 16, a == b)
LANES_CMP(i8x16_ne, u8, u8, 16, a != b)
LANES_CMP(i8x16_lt_s, i8, u8, 16, a < b)
LANES_CMP(i8x16_lt_u, u8, u8, 16, a < b)
LANES_CMP(i8x16_gt_s, i8, u8, 16, a > b)
LANES_CMP(i8x16_gt_u, u8, u8, 16, a > b)
LANES_CMP(i8x16_le_s, i8, u8, 16, a <= b)
LANES_CMP(i8x16_le_u, u8, u8, 16, a <= b)
LANES_CMP(i8x16_ge_s, i8, u8, 16, a >= b)
LANES_CMP(i8x16_ge_u, u8, u8, 16, a >= b)
LANES_CMP(i16x8_eq, u16, u16, 8, a == b)
LANES_CMP(i16x8_ne, u16, u16, 8, a != b)
LANES_CMP(i16x8_lt_s, i16, u16, 8, a < b)
LANES_CMP(i16x8_lt_u, u16, u16, 8, a < b)
LANES_CMP(i16x8_gt_s, i16, u16, 8, a > b)
LANES_CMP(i16x8_gt_u, u16, u16, 8, a > b)
LANES_CMP(i16x8_le_s, i16, u16, 8, a <= b)
LANES_CMP(i16x8_le_u, u16, u16, 8, a <= b)
LANES_CMP(i16x8_ge_s, i16, u16, 8, a >= b)
LANES_CMP(i16x8_ge_u, u16, u16, 8, a >= b)
LANES_CMP(i32x4_eq, u32, u32, 4, a == b)
LANES_CMP(i32x4_ne, u32, u32, 4, a != b)
LANES_CMP(i32x4_lt_s, i32, u32, 4, a < b)
LANES_CMP(i32x4_lt_u, u32, u32, 4, a < b)
LANES_CMP(i32x4_gt_s, i32, u32, 4, a > b)
LANES_CMP(i32x4_gt_u, u32, u32, 4, a > b)
LANES_CMP(i32x4_le_s, i32, u32, 4, a <= b)
LANES_CMP(i32x4_le_u, u32, u32, 4, a <= b)
LANES_CMP(i32x4_ge_s, i32, u32, 4, a >= b)
LANES_CMP(i32x4_ge_u, u32, u32, 4, a >= b)
LANES_CMP(i64x2_eq, u64, u64, 2, a == b)
LANES_CMP(i64x2_ne, u64, u64, 2, a != b)
LANES_CMP(i64x2_lt_s, i64, u64, 2, a < b)
LANES_CMP(i64x2_gt_s, i64, u64, 2, a > b)
LANES_CMP(i64x2_le_s, i64, u64, 2, a <= b)
LANES_CMP(i64x2_ge_s, i64, u64, 2, a >= b)
LANES_CMP(f32x4_eq, f32, u32, 4, a == b)
LANES_CMP(f32x4_ne, f32, u32, 4, a != b)
LANES_CMP(f32x4_lt, f32, u32, 4, a < b)
LANES_CMP(f32x4_gt, f32, u32, 4, a > b)
LANES_CMP(f32x4_le, f32, u32, 4, a <= b)
LANES_CMP(f32x4_ge, f32, u32, 4, a >= b)
LANES_CMP(f64x2_eq, f64, u64, 2, a == b)
LANES_CMP(f64x2_ne, f64, u64, 2, a != b)
LANES_CMP(f64x2_lt, f64, u64, 2, a < b)
LANES_CMP(f64x2_gt, f64, u64, 2, a > b)
LANES_CMP(f64x2_le, f64, u64, 2, a <= b)
LANES_CMP(f64x2_ge, f64, u64, 2, a >= b)

/* }===== */
/* {===== float lanes */

LANES_BIN(f32x4_add, f32, 4, a + b)
LANES_BIN(f32x4_sub, f32, 4, a - b)
LANES_BIN(f32x4_mul, f32, 4, a * b)
LANES_BIN(f32x4_div, f32, 4, a / b)
LANES_BIN(f32x4_min, f32, 4, vm_fminf(a, b))
LANES_BIN(f32x4_max, f32, 4, vm_fmaxf(a, b))
LANES_BIN(f32x4_pmin, f32, 4, pminf(a, b))
LANES_BIN(f32x4_pmax, f32, 4, pmaxf(a, b))
LANES_UN(f32x4_abs, u32, 4, vm_f32_abs(a))
LANES_UN(f32x4_neg, u32, 4, vm_f32_neg(a))
LANES_UN(f32x4_sqrt, f32, 4, sqrtf(a))
LANES_UN(f32x4_ceil, f32, 4, vm_ceilf(a))
LANES_UN(f32x4_floor, f32, 4, vm_floorf(a))
LANES_UN(f32x4_trunc, f32, 4, vm_truncf(a))
LANES_UN(f32x4_nearest, f32, 4, vm_nearestf(a))
LANES_BIN(f64x2_add, f64, 2, a + b)
LANES_BIN(f64x2_sub, f64, 2, a - b)
LANES_BIN(f64x2_mul, f64, 2, a * b)
LANES_BIN(f64x2_div, f64, 2, a / b)
LANES_BIN(f64x2_min, f64, 2, vm_fmin(a, b))
LANES_BIN(f64x2_max, f64, 2, vm_fmax(a, b))
LANES_BIN(f64x2_pmin, f64, 2, pmin(a, b))
LANES_BIN(f64x2_pmax, f64, 2, pmax(a, b))
LANES_UN(f64x2_abs, u64, 2, vm_f64_abs(a))
LANES_UN(f64x2_neg, u64, 2, vm_f64_neg(a))
LANES_UN(f64x2_sqrt, f64, 2, sqrt(a))
LANES_UN(f64x2_ceil, f64, 2, vm_ceil(a))
LANES_UN(f64x2_floor, f64, 2, vm_floor(a))
LANES_UN(f64x2_trunc, f64, 2, vm_trunc(a))
LANES_UN(f64x2_nearest, f64, 2, vm_nearest(a))

/* Conversions between lane shapes; the missing lanes become zero. */
#define CONVERT(fname, RT, rn, ST, expr)                                     \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A), r;                                          \
        memset(&r, 0, sizeof r);                                             \
        for (int i = 0; i < (rn); i++) {                                     \
            const LANE_TYPE(ST) a = LANE(va, ST, i);                         \
            LANE(r, RT, i) = (expr);                                         \
        }                                                                    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }
CONVERT(i32x4_trunc_sat_f32x4_s, i32, 4, f32, vm_sat_i32((double)a))
CONVERT(i32x4_trunc_sat_f32x4_u, u32, 4, f32, vm_sat_u32((double)a))
CONVERT(i32x4_trunc_sat_f64x2_s_zero, i32, 2, f64, vm_sat_i32(a))
CONVERT(i32x4_trunc_sat_f64x2_u_zero, u32, 2, f64, vm_sat_u32(a))
CONVERT(f32x4_convert_i32x4_s, f32, 4, i32, (float)a)
CONVERT(f32x4_convert_i32x4_u, f32, 4, u32, (float)a)
CONVERT(f64x2_convert_low_i32x4_s, f64, 2, i32, (double)a)
CONVERT(f64x2_convert_low_i32x4_u, f64, 2, u32, (double)a)
CONVERT(f32x4_demote_f64x2_zero, f32, 2, f64, (float)a)
CONVERT(f64x2_promote_low_f32x4, f64, 2, f32, vm_promote(a))

/* }===== */
/* {===== bitwise, lanes and shuffles */

LANES_UN(v128_not, u64, 2, ~a)
LANES_BIN(v128_and, u64, 2, a & b)
LANES_BIN(v128_andnot, u64, 2, a & ~b)
LANES_BIN(v128_or, u64, 2, a | b)
LANES_BIN(v128_xor, u64, 2, a ^ b)

SIMD_FN(v128_bitselect)
{
    (void)inst;
    vm_v128 va = get(fp, A), vb = get(fp, B), vc = get(fp, C), r;
    for (int i = 0; i < 2; i++) r.u64[i] = (va.u64[i] & vc.u64[i]) | (vb.u64[i] & ~vc.u64[i]);
    put(fp, D, &r);
    return true;
}

SIMD_FN(v128_any_true)
{
    (void)inst;
    vm_v128 va = get(fp, A);
    put_u32(fp, D, (va.u64[0] | va.u64[1]) != 0);
    return true;
}

SIMD_FN(v128_const)
{
    (void)inst;
    uint8_t bytes[16]; /* as in the module (imm0, imm1) */
    vm_v128 r;
    memcpy(bytes, &pc[4].u64, 8);
    memcpy(bytes + 8, &pc[5].u64, 8);
    vm_copy_le(&r, bytes, 16);
    put(fp, D, &r);
    return true;
}

/* i8x16.shuffle: lane bytes of a (0-15) or b (16-31), from imm0/imm1. */
SIMD_FN(i8x16_shuffle)
{
    (void)inst;
    vm_v128 ab[2] = {get(fp, A), get(fp, B)}, r;
    uint8_t idx[16];
    memcpy(idx, &pc[4].u64, 8);
    memcpy(idx + 8, &pc[5].u64, 8);
    for (int i = 0; i < 16; i++) LANE(r, u8, i) = LANE(ab[(idx[i] >> 4) & 1], u8, idx[i] & 15);
    put(fp, D, &r);
    return true;
}

SIMD_FN(i8x16_swizzle)
{
    (void)inst;
    vm_v128 va = get(fp, A), vb = get(fp, B), r;
    for (int i = 0; i < 16; i++) {
        const uint8_t k = LANE(vb, u8, i);
        LANE(r, u8, i) = k < 16 ? LANE(va, u8, k) : 0;
    }
    put(fp, D, &r);
    return true;
}

/* splat: the scalar operand in every lane. */
#define SPLAT(fname, T, n, field)                                            \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 r;                                                           \
        for (int i = 0; i < (n); i++) r.T[i] = (LANE_TYPE(T))fp[A].field;    \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }
SPLAT(i8x16_splat, u8, 16, u32)
SPLAT(i16x8_splat, u16, 8, u32)
SPLAT(i32x4_splat, u32, 4, u32)
SPLAT(i64x2_splat, u64, 2, u64)
SPLAT(f32x4_splat, u32, 4, u32)
SPLAT(f64x2_splat, u64, 2, u64)

/* extract_lane (lane in imm0) into a scalar slot: 32-bit results are
 * written as the zero-extended slot, as every i32 producer does. */
#define EXTRACT(fname, T, field, conv)                                       \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 va = get(fp, A);                                             \
        vm_slot r;                                                           \
        r.u64 = 0;                                                           \
        r.field = conv LANE(va, T, (int)IMM0);                               \
        fp[D] = r;                                                           \
        return true;                                                         \
    }
EXTRACT(i8x16_extract_lane_s, i8, i32, (int32_t))
EXTRACT(i8x16_extract_lane_u, u8, u32, (uint32_t))
EXTRACT(i16x8_extract_lane_s, i16, i32, (int32_t))
EXTRACT(i16x8_extract_lane_u, u16, u32, (uint32_t))
EXTRACT(i32x4_extract_lane, u32, u32, )
EXTRACT(i64x2_extract_lane, u64, u64, )
EXTRACT(f32x4_extract_lane, u32, u32, )
EXTRACT(f64x2_extract_lane, u64, u64, )

#define REPLACE(fname, T, field)                                             \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        (void)inst;                                                          \
        vm_v128 r = get(fp, A);                                              \
        LANE(r, T, (int)IMM0) = (LANE_TYPE(T))fp[B].field;                   \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }
REPLACE(i8x16_replace_lane, u8, u32)
REPLACE(i16x8_replace_lane, u16, u32)
REPLACE(i32x4_replace_lane, u32, u32)
REPLACE(i64x2_replace_lane, u64, u64)
REPLACE(f32x4_replace_lane, u32, u32)
REPLACE(f64x2_replace_lane, u64, u64)

/* }===== */
/* {===== memory */

/* The host address of n bytes at i32 address fp[slot] + offset (imm0),
 * or NULL when out of bounds (computed in 64 bits: no wrap-around). */
static inline uint8_t *mem_at(const vm_slot *fp, const vm_op *pc,
                              vm_instance_t *inst, int32_t slot, uint32_t n)
{
    const struct vm_memory *mem = inst->mem0;
    uint64_t ea = (uint64_t)fp[slot].u32 + IMM0;
    if (ea > mem->size || mem->size - ea < n) return NULL;
    return mem->data + ea;
}

SIMD_FN(v128_load)
{
    const uint8_t *p = mem_at(fp, pc, inst, A, 16);
    if (!p) return false;
    vm_copy_le(&fp[D], p, 16);
    return true;
}

SIMD_FN(v128_store)
{
    uint8_t *p = mem_at(fp, pc, inst, A, 16);
    if (!p) return false;
    vm_copy_le(p, &fp[B], 16);
    return true;
}

/* load NxM: 8 bytes, each N-bit lane widened. */
#define LOAD_EXTEND(fname, RT, ST, n)                                        \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        const uint8_t *p = mem_at(fp, pc, inst, A, 8);                       \
        if (!p) return false;                                                \
        vm_v128 src, r;                                                      \
        vm_copy_le(src.u8 + 8 * VM_BIG_ENDIAN, p, 8); /* the low half */     \
        for (int i = 0; i < (n); i++) LANE(r, RT, i) = LANE(src, ST, i);     \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }
LOAD_EXTEND(v128_load8x8_s, i16, i8, 8)
LOAD_EXTEND(v128_load8x8_u, u16, u8, 8)
LOAD_EXTEND(v128_load16x4_s, i32, i16, 4)
LOAD_EXTEND(v128_load16x4_u, u32, u16, 4)
LOAD_EXTEND(v128_load32x2_s, i64, i32, 2)
LOAD_EXTEND(v128_load32x2_u, u64, u32, 2)

/* load_splat (every lane) and load_zero (lane 0, the rest zero). */
#define LOAD_LANES(fname, T, n, lanes)                                       \
    SIMD_FN(fname)                                                           \
    {                                                                        \
        const uint8_t *p = mem_at(fp, pc, inst, A, (n));                     \
        if (!p) return false;                                                \
        vm_v128 r;                                                           \
        memset(&r, 0, sizeof r);                                             \
        for (int i = 0; i < (lanes); i++) vm_copy_le(&LANE(r, T, i), p, (n)); \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }
LOAD_LANES(v128_load8_splat, u8, 1, 16)
LOAD_LANES(v128_load16_splat, u16, 2, 8)
LOAD_LANES(v128_load32_splat, u32, 4, 4)
LOAD_LANES(v128_load64_splat, u64, 8, 2)
LOAD_LANES(v128_load32_zero, u32, 4, 1)
LOAD_LANES(v128_load64_zero, u64, 8, 1)

/* load_lane: [d, addr][vec, lane]; store_lane: [-, addr][vec, lane]. */
#define LANE_MEM(lname, sname, T, n)                                         \
    SIMD_FN(lname)                                                           \
    {                                                                        \
        const uint8_t *p = mem_at(fp, pc, inst, A, (n));                     \
        if (!p) return false;                                                \
        vm_v128 r = get(fp, B);                                              \
        vm_copy_le(&LANE(r, T, C), p, (n));                                  \
        put(fp, D, &r);                                                      \
        return true;                                                         \
    }                                                                        \
    SIMD_FN(sname)                                                           \
    {                                                                        \
        uint8_t *p = mem_at(fp, pc, inst, A, (n));                           \
        if (!p) return false;                                                \
        vm_v128 v = get(fp, B);                                              \
        vm_copy_le(p, &LANE(v, T, C), (n));                                  \
        return true;                                                         \
    }
LANE_MEM(v128_load8_lane, v128_store8_lane, u8, 1)
LANE_MEM(v128_load16_lane, v128_store16_lane, u16, 2)
LANE_MEM(v128_load32_lane, v128_store32_lane, u32, 4)
LANE_MEM(v128_load64_lane, v128_store64_lane, u64, 8)

/* }===== */
/* {===== moves, select, globals */

bool vm__simd_copy(vm_slot *fp, const vm_op *pc, vm_instance_t *inst)
{
    (void)inst;
    vm_v128 v = get(fp, A);
    put(fp, D, &v);
    return true;
}

bool vm__simd_select(vm_slot *fp, const vm_op *pc, vm_instance_t *inst)
{
    (void)inst;
    vm_v128 v = get(fp, fp[C].u32 ? A : B);
    put(fp, D, &v);
    return true;
}

bool vm__simd_global_get(vm_slot *fp, const vm_op *pc, vm_instance_t *inst)
{
    vm_copy_le(&fp[D], inst->globals[IMM0]->val.v128, 16);
    return true;
}

bool vm__simd_global_set(vm_slot *fp, const vm_op *pc, vm_instance_t *inst)
{
    vm_copy_le(inst->globals[IMM0]->val.v128, &fp[A], 16);
    return true;
}

/* }===== */
/* {===== the table: opcode to function */

/* A switch, not a table of pointers: a table would cost the dynamic
 * loader one relocation per entry at every start of the program. */
vm_simd_fn vm__simd_fn(int op)
{
    switch (op) {
    case OP_V128_LOAD: return v128_load;
    case OP_V128_LOAD8X8_S: return v128_load8x8_s;
    case OP_V128_LOAD8X8_U: return v128_load8x8_u;
    case OP_V128_LOAD16X4_S: return v128_load16x4_s;
    case OP_V128_LOAD16X4_U: return v128_load16x4_u;
    case OP_V128_LOAD32X2_S: return v128_load32x2_s;
    case OP_V128_LOAD32X2_U: return v128_load32x2_u;
    case OP_V128_LOAD8_SPLAT: return v128_load8_splat;
    case OP_V128_LOAD16_SPLAT: return v128_load16_splat;
    case OP_V128_LOAD32_SPLAT: return v128_load32_splat;
    case OP_V128_LOAD64_SPLAT: return v128_load64_splat;
    case OP_V128_STORE: return v128_store;
    case OP_V128_CONST: return v128_const;
    case OP_I8X16_SHUFFLE: return i8x16_shuffle;
    case OP_I8X16_SWIZZLE: return i8x16_swizzle;
    case OP_I8X16_SPLAT: return i8x16_splat;
    case OP_I16X8_SPLAT: return i16x8_splat;
    case OP_I32X4_SPLAT: return i32x4_splat;
    case OP_I64X2_SPLAT: return i64x2_splat;
    case OP_F32X4_SPLAT: return f32x4_splat;
    case OP_F64X2_SPLAT: return f64x2_splat;
    case OP_I8X16_EXTRACT_LANE_S: return i8x16_extract_lane_s;
    case OP_I8X16_EXTRACT_LANE_U: return i8x16_extract_lane_u;
    case OP_I8X16_REPLACE_LANE: return i8x16_replace_lane;
    case OP_I16X8_EXTRACT_LANE_S: return i16x8_extract_lane_s;
    case OP_I16X8_EXTRACT_LANE_U: return i16x8_extract_lane_u;
    case OP_I16X8_REPLACE_LANE: return i16x8_replace_lane;
    case OP_I32X4_EXTRACT_LANE: return i32x4_extract_lane;
    case OP_I32X4_REPLACE_LANE: return i32x4_replace_lane;
    case OP_I64X2_EXTRACT_LANE: return i64x2_extract_lane;
    case OP_I64X2_REPLACE_LANE: return i64x2_replace_lane;
    case OP_F32X4_EXTRACT_LANE: return f32x4_extract_lane;
    case OP_F32X4_REPLACE_LANE: return f32x4_replace_lane;
    case OP_F64X2_EXTRACT_LANE: return f64x2_extract_lane;
    case OP_F64X2_REPLACE_LANE: return f64x2_replace_lane;
    case OP_I8X16_EQ: return i8x16_eq;
    case OP_I8X16_NE: return i8x16_ne;
    case OP_I8X16_LT_S: return i8x16_lt_s;
    case OP_I8X16_LT_U: return i8x16_lt_u;
    case OP_I8X16_GT_S: return i8x16_gt_s;
    case OP_I8X16_GT_U: return i8x16_gt_u;
    case OP_I8X16_LE_S: return i8x16_le_s;
    case OP_I8X16_LE_U: return i8x16_le_u;
    case OP_I8X16_GE_S: return i8x16_ge_s;
    case OP_I8X16_GE_U: return i8x16_ge_u;
    case OP_I16X8_EQ: return i16x8_eq;
    case OP_I16X8_NE: return i16x8_ne;
    case OP_I16X8_LT_S: return i16x8_lt_s;
    case OP_I16X8_LT_U: return i16x8_lt_u;
    case OP_I16X8_GT_S: return i16x8_gt_s;
    case OP_I16X8_GT_U: return i16x8_gt_u;
    case OP_I16X8_LE_S: return i16x8_le_s;
    case OP_I16X8_LE_U: return i16x8_le_u;
    case OP_I16X8_GE_S: return i16x8_ge_s;
    case OP_I16X8_GE_U: return i16x8_ge_u;
    case OP_I32X4_EQ: return i32x4_eq;
    case OP_I32X4_NE: return i32x4_ne;
    case OP_I32X4_LT_S: return i32x4_lt_s;
    case OP_I32X4_LT_U: return i32x4_lt_u;
    case OP_I32X4_GT_S: return i32x4_gt_s;
    case OP_I32X4_GT_U: return i32x4_gt_u;
    case OP_I32X4_LE_S: return i32x4_le_s;
    case OP_I32X4_LE_U: return i32x4_le_u;
    case OP_I32X4_GE_S: return i32x4_ge_s;
    case OP_I32X4_GE_U: return i32x4_ge_u;
    case OP_F32X4_EQ: return f32x4_eq;
    case OP_F32X4_NE: return f32x4_ne;
    case OP_F32X4_LT: return f32x4_lt;
    case OP_F32X4_GT: return f32x4_gt;
    case OP_F32X4_LE: return f32x4_le;
    case OP_F32X4_GE: return f32x4_ge;
    case OP_F64X2_EQ: return f64x2_eq;
    case OP_F64X2_NE: return f64x2_ne;
    case OP_F64X2_LT: return f64x2_lt;
    case OP_F64X2_GT: return f64x2_gt;
    case OP_F64X2_LE: return f64x2_le;
    case OP_F64X2_GE: return f64x2_ge;
    case OP_V128_NOT: return v128_not;
    case OP_V128_AND: return v128_and;
    case OP_V128_ANDNOT: return v128_andnot;
    case OP_V128_OR: return v128_or;
    case OP_V128_XOR: return v128_xor;
    case OP_V128_BITSELECT: return v128_bitselect;
    case OP_V128_ANY_TRUE: return v128_any_true;
    case OP_V128_LOAD8_LANE: return v128_load8_lane;
    case OP_V128_LOAD16_LANE: return v128_load16_lane;
    case OP_V128_LOAD32_LANE: return v128_load32_lane;
    case OP_V128_LOAD64_LANE: return v128_load64_lane;
    case OP_V128_STORE8_LANE: return v128_store8_lane;
    case OP_V128_STORE16_LANE: return v128_store16_lane;
    case OP_V128_STORE32_LANE: return v128_store32_lane;
    case OP_V128_STORE64_LANE: return v128_store64_lane;
    case OP_V128_LOAD32_ZERO: return v128_load32_zero;
    case OP_V128_LOAD64_ZERO: return v128_load64_zero;
    case OP_F32X4_DEMOTE_F64X2_ZERO: return f32x4_demote_f64x2_zero;
    case OP_F64X2_PROMOTE_LOW_F32X4: return f64x2_promote_low_f32x4;
    case OP_I8X16_ABS: return i8x16_abs;
    case OP_I8X16_NEG: return i8x16_neg;
    case OP_I8X16_POPCNT: return i8x16_popcnt;
    case OP_I8X16_ALL_TRUE: return i8x16_all_true;
    case OP_I8X16_BITMASK: return i8x16_bitmask;
    case OP_I8X16_NARROW_I16X8_S: return i8x16_narrow_i16x8_s;
    case OP_I8X16_NARROW_I16X8_U: return i8x16_narrow_i16x8_u;
    case OP_F32X4_CEIL: return f32x4_ceil;
    case OP_F32X4_FLOOR: return f32x4_floor;
    case OP_F32X4_TRUNC: return f32x4_trunc;
    case OP_F32X4_NEAREST: return f32x4_nearest;
    case OP_I8X16_SHL: return i8x16_shl;
    case OP_I8X16_SHR_S: return i8x16_shr_s;
    case OP_I8X16_SHR_U: return i8x16_shr_u;
    case OP_I8X16_ADD: return i8x16_add;
    case OP_I8X16_ADD_SAT_S: return i8x16_add_sat_s;
    case OP_I8X16_ADD_SAT_U: return i8x16_add_sat_u;
    case OP_I8X16_SUB: return i8x16_sub;
    case OP_I8X16_SUB_SAT_S: return i8x16_sub_sat_s;
    case OP_I8X16_SUB_SAT_U: return i8x16_sub_sat_u;
    case OP_F64X2_CEIL: return f64x2_ceil;
    case OP_F64X2_FLOOR: return f64x2_floor;
    case OP_I8X16_MIN_S: return i8x16_min_s;
    case OP_I8X16_MIN_U: return i8x16_min_u;
    case OP_I8X16_MAX_S: return i8x16_max_s;
    case OP_I8X16_MAX_U: return i8x16_max_u;
    case OP_F64X2_TRUNC: return f64x2_trunc;
    case OP_I8X16_AVGR_U: return i8x16_avgr_u;
    case OP_I16X8_EXTADD_PAIRWISE_I8X16_S: return i16x8_extadd_pairwise_i8x16_s;
    case OP_I16X8_EXTADD_PAIRWISE_I8X16_U: return i16x8_extadd_pairwise_i8x16_u;
    case OP_I32X4_EXTADD_PAIRWISE_I16X8_S: return i32x4_extadd_pairwise_i16x8_s;
    case OP_I32X4_EXTADD_PAIRWISE_I16X8_U: return i32x4_extadd_pairwise_i16x8_u;
    case OP_I16X8_ABS: return i16x8_abs;
    case OP_I16X8_NEG: return i16x8_neg;
    case OP_I16X8_Q15MULR_SAT_S: return i16x8_q15mulr_sat_s;
    case OP_I16X8_ALL_TRUE: return i16x8_all_true;
    case OP_I16X8_BITMASK: return i16x8_bitmask;
    case OP_I16X8_NARROW_I32X4_S: return i16x8_narrow_i32x4_s;
    case OP_I16X8_NARROW_I32X4_U: return i16x8_narrow_i32x4_u;
    case OP_I16X8_EXTEND_LOW_I8X16_S: return i16x8_extend_low_i8x16_s;
    case OP_I16X8_EXTEND_HIGH_I8X16_S: return i16x8_extend_high_i8x16_s;
    case OP_I16X8_EXTEND_LOW_I8X16_U: return i16x8_extend_low_i8x16_u;
    case OP_I16X8_EXTEND_HIGH_I8X16_U: return i16x8_extend_high_i8x16_u;
    case OP_I16X8_SHL: return i16x8_shl;
    case OP_I16X8_SHR_S: return i16x8_shr_s;
    case OP_I16X8_SHR_U: return i16x8_shr_u;
    case OP_I16X8_ADD: return i16x8_add;
    case OP_I16X8_ADD_SAT_S: return i16x8_add_sat_s;
    case OP_I16X8_ADD_SAT_U: return i16x8_add_sat_u;
    case OP_I16X8_SUB: return i16x8_sub;
    case OP_I16X8_SUB_SAT_S: return i16x8_sub_sat_s;
    case OP_I16X8_SUB_SAT_U: return i16x8_sub_sat_u;
    case OP_F64X2_NEAREST: return f64x2_nearest;
    case OP_I16X8_MUL: return i16x8_mul;
    case OP_I16X8_MIN_S: return i16x8_min_s;
    case OP_I16X8_MIN_U: return i16x8_min_u;
    case OP_I16X8_MAX_S: return i16x8_max_s;
    case OP_I16X8_MAX_U: return i16x8_max_u;
    case OP_I16X8_AVGR_U: return i16x8_avgr_u;
    case OP_I16X8_EXTMUL_LOW_I8X16_S: return i16x8_extmul_low_i8x16_s;
    case OP_I16X8_EXTMUL_HIGH_I8X16_S: return i16x8_extmul_high_i8x16_s;
    case OP_I16X8_EXTMUL_LOW_I8X16_U: return i16x8_extmul_low_i8x16_u;
    case OP_I16X8_EXTMUL_HIGH_I8X16_U: return i16x8_extmul_high_i8x16_u;
    case OP_I32X4_ABS: return i32x4_abs;
    case OP_I32X4_NEG: return i32x4_neg;
    case OP_I32X4_ALL_TRUE: return i32x4_all_true;
    case OP_I32X4_BITMASK: return i32x4_bitmask;
    case OP_I32X4_EXTEND_LOW_I16X8_S: return i32x4_extend_low_i16x8_s;
    case OP_I32X4_EXTEND_HIGH_I16X8_S: return i32x4_extend_high_i16x8_s;
    case OP_I32X4_EXTEND_LOW_I16X8_U: return i32x4_extend_low_i16x8_u;
    case OP_I32X4_EXTEND_HIGH_I16X8_U: return i32x4_extend_high_i16x8_u;
    case OP_I32X4_SHL: return i32x4_shl;
    case OP_I32X4_SHR_S: return i32x4_shr_s;
    case OP_I32X4_SHR_U: return i32x4_shr_u;
    case OP_I32X4_ADD: return i32x4_add;
    case OP_I32X4_SUB: return i32x4_sub;
    case OP_I32X4_MUL: return i32x4_mul;
    case OP_I32X4_MIN_S: return i32x4_min_s;
    case OP_I32X4_MIN_U: return i32x4_min_u;
    case OP_I32X4_MAX_S: return i32x4_max_s;
    case OP_I32X4_MAX_U: return i32x4_max_u;
    case OP_I32X4_DOT_I16X8_S: return i32x4_dot_i16x8_s;
    case OP_I32X4_EXTMUL_LOW_I16X8_S: return i32x4_extmul_low_i16x8_s;
    case OP_I32X4_EXTMUL_HIGH_I16X8_S: return i32x4_extmul_high_i16x8_s;
    case OP_I32X4_EXTMUL_LOW_I16X8_U: return i32x4_extmul_low_i16x8_u;
    case OP_I32X4_EXTMUL_HIGH_I16X8_U: return i32x4_extmul_high_i16x8_u;
    case OP_I64X2_ABS: return i64x2_abs;
    case OP_I64X2_NEG: return i64x2_neg;
    case OP_I64X2_ALL_TRUE: return i64x2_all_true;
    case OP_I64X2_BITMASK: return i64x2_bitmask;
    case OP_I64X2_EXTEND_LOW_I32X4_S: return i64x2_extend_low_i32x4_s;
    case OP_I64X2_EXTEND_HIGH_I32X4_S: return i64x2_extend_high_i32x4_s;
    case OP_I64X2_EXTEND_LOW_I32X4_U: return i64x2_extend_low_i32x4_u;
    case OP_I64X2_EXTEND_HIGH_I32X4_U: return i64x2_extend_high_i32x4_u;
    case OP_I64X2_SHL: return i64x2_shl;
    case OP_I64X2_SHR_S: return i64x2_shr_s;
    case OP_I64X2_SHR_U: return i64x2_shr_u;
    case OP_I64X2_ADD: return i64x2_add;
    case OP_I64X2_SUB: return i64x2_sub;
    case OP_I64X2_MUL: return i64x2_mul;
    case OP_I64X2_EQ: return i64x2_eq;
    case OP_I64X2_NE: return i64x2_ne;
    case OP_I64X2_LT_S: return i64x2_lt_s;
    case OP_I64X2_GT_S: return i64x2_gt_s;
    case OP_I64X2_LE_S: return i64x2_le_s;
    case OP_I64X2_GE_S: return i64x2_ge_s;
    case OP_I64X2_EXTMUL_LOW_I32X4_S: return i64x2_extmul_low_i32x4_s;
    case OP_I64X2_EXTMUL_HIGH_I32X4_S: return i64x2_extmul_high_i32x4_s;
    case OP_I64X2_EXTMUL_LOW_I32X4_U: return i64x2_extmul_low_i32x4_u;
    case OP_I64X2_EXTMUL_HIGH_I32X4_U: return i64x2_extmul_high_i32x4_u;
    case OP_F32X4_ABS: return f32x4_abs;
    case OP_F32X4_NEG: return f32x4_neg;
    case OP_F32X4_SQRT: return f32x4_sqrt;
    case OP_F32X4_ADD: return f32x4_add;
    case OP_F32X4_SUB: return f32x4_sub;
    case OP_F32X4_MUL: return f32x4_mul;
    case OP_F32X4_DIV: return f32x4_div;
    case OP_F32X4_MIN: return f32x4_min;
    case OP_F32X4_MAX: return f32x4_max;
    case OP_F32X4_PMIN: return f32x4_pmin;
    case OP_F32X4_PMAX: return f32x4_pmax;
    case OP_F64X2_ABS: return f64x2_abs;
    case OP_F64X2_NEG: return f64x2_neg;
    case OP_F64X2_SQRT: return f64x2_sqrt;
    case OP_F64X2_ADD: return f64x2_add;
    case OP_F64X2_SUB: return f64x2_sub;
    case OP_F64X2_MUL: return f64x2_mul;
    case OP_F64X2_DIV: return f64x2_div;
    case OP_F64X2_MIN: return f64x2_min;
    case OP_F64X2_MAX: return f64x2_max;
    case OP_F64X2_PMIN: return f64x2_pmin;
    case OP_F64X2_PMAX: return f64x2_pmax;
    case OP_I32X4_TRUNC_SAT_F32X4_S: return i32x4_trunc_sat_f32x4_s;
    case OP_I32X4_TRUNC_SAT_F32X4_U: return i32x4_trunc_sat_f32x4_u;
    case OP_F32X4_CONVERT_I32X4_S: return f32x4_convert_i32x4_s;
    case OP_F32X4_CONVERT_I32X4_U: return f32x4_convert_i32x4_u;
    case OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: return i32x4_trunc_sat_f64x2_s_zero;
    case OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: return i32x4_trunc_sat_f64x2_u_zero;
    case OP_F64X2_CONVERT_LOW_I32X4_S: return f64x2_convert_low_i32x4_s;
    case OP_F64X2_CONVERT_LOW_I32X4_U: return f64x2_convert_low_i32x4_u;
    default: return NULL;
    }
}

/* }===== */

#endif /* VM_NO_SIMD */
