/* bulk.c: the byte moves of memory.copy and memory.fill.
 *
 * Most bulk operations a compiler emits are short: a struct, a string, a
 * buffer's tail. The C library's memmove and memset choose among five or
 * six paths by size, one branch after another; when the size changes from
 * call to call those branches are mispredicted (memops-bulk, copies of 1
 * to 256 bytes: 0.147 s through memmove, 0.139 s here; sizes that repeat
 * cost the same either way). On x86-64 with AVX-512 (for its byte masks),
 * up to 256 bytes are moved here by one of three paths: up to 32 bytes by
 * one masked 32-byte load and store, up to 64 by two overlapping 32-byte
 * blocks, up to 256 by eight (four overlapping 64-byte halves). Every block
 * is loaded before any is stored, which makes the copy a memmove.
 * Masked-off bytes are not accessed (their faults are suppressed) and
 * nothing outside [dst, dst + n) is written. Only 32-byte registers: the
 * 64-byte ones slow some CPUs' clocks. Elsewhere, and for longer moves, the
 * C library does it.
 */
#include "common/lun_prefix.h"

#include "vm/vm_int.h"

#include <stdint.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define VM_WIDE_BULK 1
#include <immintrin.h>

#define WIDE_TARGET __attribute__((target("avx2,avx512f,avx512bw,avx512vl,bmi2")))

#define LOAD(p) _mm256_loadu_si256((const void *)(p))
#define STORE(p, v) _mm256_storeu_si256((void *)(p), (v))
#define MASK(n) ((__mmask32)_bzhi_u32(~0u, (unsigned)(n)))

/* Where the 64-byte halves of n (64..256) bytes start: 0, a1, a2, n - 64
 * cover it, overlapping where n is not a multiple of 64. */
#define HALVES(n, a1, a2)                                                    \
    const size_t a1 = (n) - 64 < 64 ? (n) - 64 : 64;                         \
    const size_t a2 = (n) < 128 ? 0 : (n) - 128

WIDE_TARGET static void copy_wide(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n <= 32) {
        _mm256_mask_storeu_epi8(dst, MASK(n), _mm256_maskz_loadu_epi8(MASK(n), src));
        return;
    }
    if (n <= 64) {
        const __m256i v0 = LOAD(src), v1 = LOAD(src + n - 32);
        STORE(dst, v0);
        STORE(dst + n - 32, v1);
        return;
    }
    HALVES(n, a1, a2);
    const __m256i v0 = LOAD(src), v1 = LOAD(src + 32), v2 = LOAD(src + a1),
                  v3 = LOAD(src + a1 + 32), v4 = LOAD(src + a2), v5 = LOAD(src + a2 + 32),
                  v6 = LOAD(src + n - 64), v7 = LOAD(src + n - 32);
    STORE(dst, v0);
    STORE(dst + 32, v1);
    STORE(dst + a1, v2);
    STORE(dst + a1 + 32, v3);
    STORE(dst + a2, v4);
    STORE(dst + a2 + 32, v5);
    STORE(dst + n - 64, v6);
    STORE(dst + n - 32, v7);
}

WIDE_TARGET static void fill_wide(uint8_t *dst, uint8_t value, size_t n)
{
    const __m256i v = _mm256_set1_epi8((char)value);
    if (n <= 32) {
        _mm256_mask_storeu_epi8(dst, MASK(n), v);
        return;
    }
    STORE(dst, v);
    STORE(dst + n - 32, v);
    if (n <= 64) return;
    HALVES(n, a1, a2);
    STORE(dst + 32, v);
    STORE(dst + a1, v);
    STORE(dst + a1 + 32, v);
    STORE(dst + a2, v);
    STORE(dst + a2 + 32, v);
    STORE(dst + n - 64, v);
}

/* Checked on every call: a load and a test of what the C runtime found at
 * start-up (the OS saving the AVX-512 registers included), cheaper than a
 * mispredicted branch, and nothing to initialise for an embedder. */
static int have_wide(void)
{
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("bmi2");
}
#endif

void vm__copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
#ifdef VM_WIDE_BULK
    if (n - 1 < VM_WIDE_BULK_MAX && have_wide()) {
        copy_wide(dst, src, n);
        return;
    }
#endif
    memmove(dst, src, n);
}

void vm__fill_bytes(uint8_t *dst, uint8_t value, size_t n)
{
#ifdef VM_WIDE_BULK
    if (n - 1 < VM_WIDE_BULK_MAX && have_wide()) {
        fill_wide(dst, value, n);
        return;
    }
#endif
    memset(dst, value, n);
}
