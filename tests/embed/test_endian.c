/* test_endian.c: the byte-order helpers of vm/vm_endian.h, without a test
 * framework so that it also runs cross-built under qemu-user (make
 * check-embed runs it natively, then on i386, ARM and big-endian PowerPC).
 * It checks that the compile-time byte order is the host's, that loads and
 * stores see memory as little-endian, and that VM_LANE finds wasm's lanes
 * in a v128 brought in from memory as the interpreter does. Prints one
 * line per failure; exits 1 on any. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <string.h>

#include "vm/simd.h"
#include "vm/vm_endian.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("test_endian: %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* The byte order measured at run time: the first byte of a 1. */
static int host_is_big_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 0;
}

static void test_detection(void)
{
    CHECK(VM_BIG_ENDIAN == host_is_big_endian());
}

static void test_loads(void)
{
    const unsigned char bytes[9] = {0x01, 0x02, 0x03, 0x04, 0x05,
                                    0x06, 0x07, 0x08, 0x09};
    CHECK(vm_load_le16(bytes) == 0x0201);
    CHECK(vm_load_le32(bytes) == 0x04030201u);
    CHECK(vm_load_le64(bytes) == 0x0807060504030201u);
    /* unaligned */
    CHECK(vm_load_le32(bytes + 1) == 0x05040302u);
    CHECK(vm_load_le64(bytes + 1) == 0x0908070605040302u);
}

static void test_stores(void)
{
    unsigned char b[10];
    memset(b, 0xee, sizeof b);
    vm_store_le16(b + 1, 0xa1b2);
    CHECK(b[0] == 0xee && b[1] == 0xb2 && b[2] == 0xa1 && b[3] == 0xee);
    vm_store_le32(b + 1, 0x11223344u);
    CHECK(b[1] == 0x44 && b[2] == 0x33 && b[3] == 0x22 && b[4] == 0x11);
    CHECK(b[5] == 0xee);
    vm_store_le64(b + 1, 0x0102030405060708u);
    for (int i = 0; i < 8; i++) CHECK(b[1 + i] == 8 - i);
    CHECK(b[0] == 0xee && b[9] == 0xee);
    CHECK(vm_load_le64(b + 1) == 0x0102030405060708u);
}

/* A float goes to memory as its IEEE bits, low byte first. */
static void test_float_bits(void)
{
    unsigned char b[8];
    const float f = 1.0f; /* 0x3f800000 */
    vm_copy_le(b, &f, 4);
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0x80 && b[3] == 0x3f);
    float g;
    vm_copy_le(&g, b, 4);
    CHECK(g == 1.0f);
    const double d = -2.0; /* 0xc000000000000000 */
    vm_copy_le(b, &d, 8);
    CHECK(b[7] == 0xc0 && b[6] == 0 && b[0] == 0);
}

/* Bytes 0..15 as v128.load brings them in: lane i of each shape holds
 * the bytes of wasm's lane i. */
static void test_lanes(void)
{
    unsigned char bytes[16];
    for (int i = 0; i < 16; i++) bytes[i] = (unsigned char)i;
    vm_v128 v;
    vm_copy_le(&v, bytes, 16);
    for (int i = 0; i < 16; i++) CHECK(v.u8[VM_LANE(i, 16)] == i);
    CHECK(v.u16[VM_LANE(0, 8)] == 0x0100);
    CHECK(v.u16[VM_LANE(7, 8)] == 0x0f0e);
    CHECK(v.u32[VM_LANE(1, 4)] == 0x07060504u);
    CHECK(v.u64[VM_LANE(0, 2)] == 0x0706050403020100u);
    CHECK(v.u64[VM_LANE(1, 2)] == 0x0f0e0d0c0b0a0908u);
    unsigned char back[16];
    vm_copy_le(back, &v, 16);
    CHECK(memcmp(back, bytes, 16) == 0);
}

int main(void)
{
    test_detection();
    test_loads();
    test_stores();
    test_float_bits();
    test_lanes();
    printf("test_endian: %s-endian host, %s\n",
           VM_BIG_ENDIAN ? "big" : "little", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
