/* exec_num.h: numeric helpers of the interpreter with the exact WebAssembly
 * semantics (NaN propagation, signed zeros, rounding, trapping ranges).
 * Static inline: they are inlined into the handlers of exec.c. */
#ifndef LUN_VM_EXEC_NUM_H
#define LUN_VM_EXEC_NUM_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Bit counts: the compiler's builtins (one instruction where the target
 * has it), or plain C for other compilers and -DVM_STRICT_C (vm_int.h). */
#if defined(__GNUC__) && !defined(VM_STRICT_C)
static inline uint32_t vm_clz32(uint32_t v) { return v ? (uint32_t)__builtin_clz(v) : 32; }
static inline uint32_t vm_ctz32(uint32_t v) { return v ? (uint32_t)__builtin_ctz(v) : 32; }
static inline uint64_t vm_clz64(uint64_t v) { return v ? (uint64_t)__builtin_clzll(v) : 64; }
static inline uint64_t vm_ctz64(uint64_t v) { return v ? (uint64_t)__builtin_ctzll(v) : 64; }
static inline uint32_t vm_popcnt32(uint32_t v) { return (uint32_t)__builtin_popcount(v); }
static inline uint64_t vm_popcnt64(uint64_t v) { return (uint64_t)__builtin_popcountll(v); }
#else
static inline uint64_t vm_clz64(uint64_t v)
{
    uint64_t n = 0;
    for (uint64_t bit = (uint64_t)1 << 63; bit && !(v & bit); bit >>= 1) n++;
    return n;
}
static inline uint64_t vm_ctz64(uint64_t v)
{
    uint64_t n = 0;
    for (uint64_t bit = 1; bit && !(v & bit); bit <<= 1) n++;
    return n;
}
static inline uint32_t vm_clz32(uint32_t v) { return (uint32_t)vm_clz64(v) - 32; }
static inline uint32_t vm_ctz32(uint32_t v) { return v ? (uint32_t)vm_ctz64(v) : 32; }
static inline uint64_t vm_popcnt64(uint64_t v)
{
    uint64_t n = 0;
    for (; v; v &= v - 1) n++;
    return n;
}
static inline uint32_t vm_popcnt32(uint32_t v) { return (uint32_t)vm_popcnt64(v); }
#endif
static inline uint32_t vm_rotl32(uint32_t v, uint32_t n) { n &= 31; return (v << n) | (v >> ((32 - n) & 31)); }
static inline uint32_t vm_rotr32(uint32_t v, uint32_t n) { n &= 31; return (v >> n) | (v << ((32 - n) & 31)); }
static inline uint64_t vm_rotl64(uint64_t v, uint64_t n) { n &= 63; return (v << n) | (v >> ((64 - n) & 63)); }
static inline uint64_t vm_rotr64(uint64_t v, uint64_t n) { n &= 63; return (v >> n) | (v << ((64 - n) & 63)); }

/* min/max: a NaN operand gives the canonical NaN with the sign bit set
 * (the spec allows a canonical NaN of either sign, or one derived from
 * the operands' payloads; V8 gives this one, x86's default NaN, so
 * choosing it too keeps the differential fuzzer's oracle exact), and -0
 * is smaller than +0, which C's fmin does not promise. */
static inline float vm_f32_canonical_nan(void)
{
    const uint32_t bits = 0xffc00000u;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline double vm_f64_canonical_nan(void)
{
    const uint64_t bits = 0xfff8000000000000u;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline float vm_fminf(float a, float b)
{
    if (a != a || b != b) return vm_f32_canonical_nan();
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline float vm_fmaxf(float a, float b)
{
    if (a != a || b != b) return vm_f32_canonical_nan();
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

static inline double vm_fmin(double a, double b)
{
    if (a != a || b != b) return vm_f64_canonical_nan();
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double vm_fmax(double a, double b)
{
    if (a != a || b != b) return vm_f64_canonical_nan();
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Rounding: libm may hand a signalling NaN back unchanged, but wasm wants
 * an arithmetic (quiet) NaN; x + x quiets it. */
#define VM_ROUNDING(name, type, fn)                                         \
    static inline type name(type x) { return x != x ? x + x : fn(x); }
VM_ROUNDING(vm_ceilf, float, ceilf)
VM_ROUNDING(vm_floorf, float, floorf)
VM_ROUNDING(vm_truncf, float, truncf)
VM_ROUNDING(vm_nearestf, float, nearbyintf)
VM_ROUNDING(vm_ceil, double, ceil)
VM_ROUNDING(vm_floor, double, floor)
VM_ROUNDING(vm_trunc, double, trunc)
VM_ROUNDING(vm_nearest, double, nearbyint)
#undef VM_ROUNDING

/* f64.promote_f32: x86 quiets a signalling NaN as it widens it, PowerPC
 * (whose registers hold floats in double format) does not; x + x does. */
static inline double vm_promote(float x) { return x != x ? (double)(x + x) : (double)x; }

/* abs, neg and copysign are bit operations: they must not touch a NaN's
 * payload, which a floating-point instruction might. */
static inline uint32_t vm_f32_abs(uint32_t bits) { return bits & 0x7fffffffu; }
static inline uint32_t vm_f32_neg(uint32_t bits) { return bits ^ 0x80000000u; }
static inline uint32_t vm_f32_copysign(uint32_t a, uint32_t b)
{
    return (a & 0x7fffffffu) | (b & 0x80000000u);
}
static inline uint64_t vm_f64_abs(uint64_t bits) { return bits & 0x7fffffffffffffffull; }
static inline uint64_t vm_f64_neg(uint64_t bits) { return bits ^ 0x8000000000000000ull; }
static inline uint64_t vm_f64_copysign(uint64_t a, uint64_t b)
{
    return (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull);
}

/* Range checks of the trapping float-to-int conversions: true when the
 * truncated value fits. NaN fails every comparison. */
static inline int vm_fits_i32(double x) { return x > -2147483649.0 && x < 2147483648.0; }
static inline int vm_fits_u32(double x) { return x > -1.0 && x < 4294967296.0; }
static inline int vm_fits_i64(double x) { return x >= -9223372036854775808.0 && x < 9223372036854775808.0; }
static inline int vm_fits_u64(double x) { return x > -1.0 && x < 18446744073709551616.0; }

/* Saturating conversions: NaN is 0, out of range clamps. */
static inline int32_t vm_sat_i32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483647.0) return INT32_MAX;
    return (int32_t)x;
}

static inline uint32_t vm_sat_u32(double x)
{
    if (x != x || x <= 0) return 0;
    if (x >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)x;
}

static inline int64_t vm_sat_i64(double x)
{
    if (x != x) return 0;
    if (x <= -9223372036854775808.0) return INT64_MIN;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    return (int64_t)x;
}

static inline uint64_t vm_sat_u64(double x)
{
    if (x != x || x <= 0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

#endif
