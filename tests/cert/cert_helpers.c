/* cert_helpers.c: a guest calling lunatic::distributed's certificate
 * helpers and writing what they return to files, for tests/cert/run.sh
 * to check with openssl. Usage: cert_helpers MODE DIR, MODE one of
 *   root    test_root_cert           -> DIR/root.pem, DIR/root.key
 *   ctrl    default_server_certificates(DIR/ca.pem, DIR/ca.key)
 *                                    -> DIR/ctrl.pem, DIR/ctrl.key
 *   sign    sign_node(DIR/ca.pem, DIR/ca.key, DIR/req.csr)
 *                                    -> DIR/signed.pem
 *   badcsr  sign_node with a CSR that is not one (must trap)
 * Answers are bincode Strings (a u64 length, then the bytes) in memory
 * the host got from lunatic_alloc, their length a u32 at len_ptr. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

__attribute__((export_name("lunatic_alloc"))) int32_t lunatic_alloc(int32_t n);
int32_t lunatic_alloc(int32_t n)
{
    return (int32_t)(uintptr_t)malloc(n ? (size_t)n : 1);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("cannot read %s\n", path);
        exit(2);
    }
    char *b = malloc(1 << 16);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static void put(const char *dir, const char *name, const uint8_t *p,
                uint64_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        printf("cannot write %s\n", path);
        exit(2);
    }
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Write the bincode Strings of buf[0..len) to the files names[]. */
static void put_strings(const char *dir, const uint8_t *buf, uint32_t len,
                        const char *const *names, int n)
{
    uint32_t off = 0;
    for (int i = 0; i < n; i++) {
        if (len - off < 8 || le64(buf + off) > len - off - 8) {
            printf("answer is not %d bincode strings\n", n);
            exit(3);
        }
        uint64_t l = le64(buf + off);
        put(dir, names[i], buf + off + 8, l);
        off += 8 + (uint32_t)l;
    }
    if (off != len) {
        printf("answer has %u bytes after its strings\n", len - off);
        exit(3);
    }
    printf("%s: %d string(s), %u bytes\n", names[0], n, len);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const char *mode = argv[1], *dir = argv[2];
    uint32_t len = 0;
    size_t ca_len, key_len, csr_len;
    if (strcmp(mode, "root") == 0) {
        const uint8_t *p = (const uint8_t *)(uintptr_t)
            lunatic_distributed_test_root_cert((int32_t)&len);
        const char *names[] = {"root.pem", "root.key"};
        put_strings(dir, p, len, names, 2);
        return 0;
    }
    char *ca = slurp(dir, "ca.pem", &ca_len), *key = slurp(dir, "ca.key", &key_len);
    if (strcmp(mode, "ctrl") == 0) {
        const uint8_t *p = (const uint8_t *)(uintptr_t)
            lunatic_distributed_default_server_certificates(
                (int32_t)ca, (int32_t)ca_len, (int32_t)key, (int32_t)key_len,
                (int32_t)&len);
        const char *names[] = {"ctrl.pem", "ctrl.key"};
        put_strings(dir, p, len, names, 2);
        return 0;
    }
    char *csr = strcmp(mode, "badcsr") == 0 ? strdup("not a CSR")
                                            : slurp(dir, "req.csr", &csr_len);
    if (strcmp(mode, "badcsr") == 0)
        csr_len = strlen(csr);
    const uint8_t *p = (const uint8_t *)(uintptr_t)lunatic_distributed_sign_node(
        (int32_t)ca, (int32_t)ca_len, (int32_t)key, (int32_t)key_len,
        (int32_t)csr, (int32_t)csr_len, (int32_t)&len);
    const char *names[] = {"signed.pem"};
    put_strings(dir, p, len, names, 1);
    return 0;
}
