/* vm_endian.h: wasm's byte order (little-endian) on any host.
 *
 * Linear memory, v128 immediates and every integer a guest hands the host
 * through memory are little-endian. On a little-endian host each helper
 * here is a plain memcpy, which the compiler turns into one load or store
 * (the interpreter's hot paths are unchanged); on a big-endian host the
 * bytes are reversed. The byte order is found at compile time from
 * __BYTE_ORDER__ (GCC, clang); define VM_BIG_ENDIAN to 0 or 1 to override
 * it (other compilers, or to test the big-endian paths on one's own host).
 *
 * The interpreter keeps a v128 in two frame slots as one 128-bit number in
 * host order: on a big-endian host its 16 bytes are reversed, lane 0 is
 * the last element of each vm_v128 array, and VM_LANE maps wasm's lane
 * numbers to array indices. Scalars in slots are in host order too. */
#ifndef LUN_VM_VM_ENDIAN_H
#define LUN_VM_VM_ENDIAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef VM_BIG_ENDIAN
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) &&              \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VM_BIG_ENDIAN 1
#else
#define VM_BIG_ENDIAN 0
#endif
#endif

/* Array index of wasm lane i of a vector of n lanes. */
#if VM_BIG_ENDIAN
#define VM_LANE(i, n) ((n) - 1 - (i))
#else
#define VM_LANE(i, n) (i)
#endif

/* Copy the n-byte value at src (little-endian in wasm terms) into the
 * host-order object dst, or the other way round: the same operation. */
static inline void vm_copy_le(void *dst, const void *src, size_t n)
{
#if VM_BIG_ENDIAN
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < n; i++) d[i] = s[n - 1 - i];
#else
    memcpy(dst, src, n);
#endif
}

static inline uint16_t vm_load_le16(const void *p)
{
    uint16_t v;
    vm_copy_le(&v, p, sizeof v);
    return v;
}

static inline uint32_t vm_load_le32(const void *p)
{
    uint32_t v;
    vm_copy_le(&v, p, sizeof v);
    return v;
}

static inline uint64_t vm_load_le64(const void *p)
{
    uint64_t v;
    vm_copy_le(&v, p, sizeof v);
    return v;
}

static inline void vm_store_le16(void *p, uint16_t v) { vm_copy_le(p, &v, sizeof v); }
static inline void vm_store_le32(void *p, uint32_t v) { vm_copy_le(p, &v, sizeof v); }
static inline void vm_store_le64(void *p, uint64_t v) { vm_copy_le(p, &v, sizeof v); }

#endif
