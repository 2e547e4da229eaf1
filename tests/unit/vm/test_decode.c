/* test_decode.c: unit tests of the binary decoder, vm/decode.c and
 * vm/decode_sections.c: modules are built as byte arrays section by
 * section, decoded with vm__decode() and checked field by field. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "vm/vm_int.h"

TestSuite(vm_decode, .timeout = 10);

/* {===== building modules */

typedef struct wbuf {
    uint8_t b[4096];
    size_t n;
} wbuf;

static void put(wbuf *w, const void *p, size_t n)
{
    cr_assert(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u8(wbuf *w, uint8_t v)
{
    put(w, &v, 1);
}

static void put_leb(wbuf *w, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put_u8(w, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void begin(wbuf *w)
{
    w->n = 0;
    put(w, "\0asm\1\0\0\0", 8);
}

static void section(wbuf *w, uint8_t id, const uint8_t *content, size_t n)
{
    put_u8(w, id);
    put_leb(w, n);
    put(w, content, n);
}

/* SEC(w, id, bytes...): append a section with the given content. */
#define SEC(w, id, ...)                                                     \
    do {                                                                    \
        static const uint8_t c_[] = {__VA_ARGS__};                          \
        section(w, id, c_, sizeof c_);                                      \
    } while (0)

/* Criterion's eq(str) wants char *, which -Wwrite-strings literals are not. */
#define expect_str(actual, want)                                            \
    do {                                                                    \
        const char *a_ = (actual), *w_ = (want);                            \
        cr_expect(a_ != NULL && strcmp(a_, w_) == 0, "got \"%s\", want \"%s\"", \
                  a_ ? a_ : "(null)", w_);                                  \
    } while (0)

static char errbuf[256];

static int decode(const wbuf *w, vm_module_t **out)
{
    errbuf[0] = '\0';
    return vm__decode(w->b, w->n, NULL, out, errbuf, sizeof errbuf);
}

/* Decodes w expecting failure with rc and an error containing `reason`. */
static void expect_fail(const wbuf *w, int rc, const char *reason)
{
    vm_module_t *m = (vm_module_t *)1;
    int got = decode(w, &m);
    cr_expect(eq(int, got, rc), "rc %d, error \"%s\"", got, errbuf);
    cr_expect(eq(ptr, (void *)m, NULL));
    cr_expect(strstr(errbuf, reason) != NULL, "\"%s\" lacks \"%s\"", errbuf,
              reason);
}

static vm_module_t *expect_ok(const wbuf *w)
{
    vm_module_t *m = NULL;
    int rc = decode(w, &m);
    cr_assert(eq(int, rc, 0), "decode failed: %s", errbuf);
    cr_assert(ne(ptr, (void *)m, NULL));
    return m;
}

/* A module using every section; section ends are recorded in bounds. */
static void build_rich(wbuf *w, size_t *bounds, size_t *nbounds)
{
    size_t nb = 0;
    begin(w);
    bounds[nb++] = w->n;
    SEC(w, 1, 0x02, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d, 0x60, 0x00, 0x00);
    bounds[nb++] = w->n;
    SEC(w, 2, 0x04,                                          /* 4 imports */
        0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00,           /* func type 0 */
        0x03, 'e', 'n', 'v', 0x01, 't', 0x01, 0x70, 0x01, 0x0a, 0x14,
        0x03, 'e', 'n', 'v', 0x01, 'm', 0x02, 0x01, 0x01, 0x02,
        0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7f, 0x01);
    bounds[nb++] = w->n;
    SEC(w, 3, 0x01, 0x01);                       /* func 1: type 1 */
    bounds[nb++] = w->n;
    SEC(w, 6, 0x01, 0x7f, 0x00, 0x41, 0x2a, 0x0b); /* global i32 = 42 */
    bounds[nb++] = w->n;
    SEC(w, 7, 0x02, 0x04, 'm', 'a', 'i', 'n', 0x00, 0x01, 0x03, 'm', 'e', 'm',
        0x02, 0x00);
    bounds[nb++] = w->n;
    SEC(w, 8, 0x01);                             /* start: func 1 */
    bounds[nb++] = w->n;
    SEC(w, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x01);
    bounds[nb++] = w->n;
    SEC(w, 12, 0x01);                            /* data count 1 */
    bounds[nb++] = w->n;
    SEC(w, 10, 0x01, 0x04, 0x01, 0x01, 0x7f, 0x0b); /* (local i32) end */
    bounds[nb++] = w->n;
    SEC(w, 11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 'h', 'i');
    bounds[nb++] = w->n;
    SEC(w, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x04, 0x01, 0x01, 0x01, 'x');
    bounds[nb++] = w->n;
    *nbounds = nb;
}

/* }===== */
/* {===== header and whole-module structure */

Test(vm_decode, loads_minimal_module)
{
    wbuf w;
    vm_module_t *m = NULL;
    begin(&w);
    cr_assert(eq(int, vm_module_load(w.b, w.n, NULL, &m, errbuf, sizeof errbuf),
                 0), "%s", errbuf);
    cr_expect(eq(u32, vm_module_import_count(m), 0));
    cr_expect(eq(u32, vm_module_export_count(m), 0));
    cr_expect(eq(u32, m->nfuncs, 0));
    vm_module_free(m);
}

Test(vm_decode, load_rejects_malformed_and_copies_bytes)
{
    wbuf w;
    vm_module_t *m = (vm_module_t *)1;
    begin(&w);
    w.b[0] = 'X';
    cr_expect(eq(int, vm_module_load(w.b, w.n, NULL, &m, NULL, 0),
                 LUN_EMALFORMED));
    cr_expect(eq(ptr, (void *)m, NULL));
    begin(&w);
    m = expect_ok(&w);
    cr_expect(ne(ptr, (void *)m->bytes, (void *)w.b));
    cr_expect(eq(int, memcmp(m->bytes, w.b, 8), 0));
    vm__module_free(m);
}

Test(vm_decode, rejects_bad_magic)
{
    wbuf w;
    begin(&w);
    w.b[1] = 'A';
    expect_fail(&w, LUN_EMALFORMED, "magic header not detected");
    w.n = 0;
    expect_fail(&w, LUN_EMALFORMED, "magic header not detected");
}

Test(vm_decode, rejects_bad_version)
{
    wbuf w;
    begin(&w);
    w.b[4] = 2;
    expect_fail(&w, LUN_EMALFORMED, "unknown binary version");
    w.n = 6;
    expect_fail(&w, LUN_EMALFORMED, "unexpected end");
}

Test(vm_decode, decodes_every_section_of_rich_module)
{
    wbuf w;
    size_t bounds[16], nb;
    vm_import_info info;
    build_rich(&w, bounds, &nb);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(u32, m->ntypes, 2));
    cr_expect(eq(u32, m->types[0].nparams, 2));
    cr_expect(eq(u8, m->types[0].params[1], VM_I64));
    cr_expect(eq(u8, m->types[0].results[0], VM_F32));
    cr_expect(eq(u32, m->nfuncs, 2));
    cr_expect(eq(u32, m->nfunc_imports, 1));
    cr_expect(eq(ptr, (void *)m->funcs[0].body, NULL));
    cr_expect(eq(u32, m->funcs[1].nlocals, 1));
    cr_expect(eq(u8, m->funcs[1].local_types[0], VM_I32));
    cr_expect(eq(u32, m->funcs[1].body_len, 1));
    cr_expect(eq(u8, m->funcs[1].body[0], 0x0b));
    cr_expect(eq(u8, m->bytes[m->funcs[1].body_offset], 0x0b));
    expect_str(m->funcs[1].name, "x");
    cr_expect(eq(u32, m->ntables, 1));
    cr_expect(eq(u64, m->tables[0].lim.max, 20));
    cr_expect(eq(u32, m->nmems, 1));
    cr_expect(eq(u32, m->nglobals, 2));
    cr_expect(eq(u32, m->globals[1].init.len, 3));
    cr_expect(m->has_start && m->start == 1);
    cr_expect(eq(u32, m->nelems, 1));
    cr_expect(eq(u32, m->ndatas, 1));
    cr_expect(eq(u32, m->datas[0].len, 2));
    cr_expect(eq(int, memcmp(m->datas[0].bytes, "hi", 2), 0));

    static const char *const texts[] = {"func (i32 i64) -> (f32)",
                                        "table 10..20 funcref", "memory 1..2",
                                        "global mut i32"};
    cr_assert(eq(u32, vm_module_import_count(m), 4));
    for (uint32_t i = 0; i < 4; i++) {
        cr_assert(eq(int, vm_module_import(m, i, &info), 0));
        expect_str(info.module, "env");
        cr_expect(eq(u32, info.name_len, 1));
        cr_expect(eq(int, (int)info.kind, (int)i));
        expect_str(info.type_text, texts[i]);
    }
    cr_expect(eq(int, vm_module_import(m, 4, &info), LUN_ENOTFOUND));
    cr_assert(eq(u32, vm_module_export_count(m), 2));
    cr_assert(eq(int, vm_module_export(m, 0, &info), 0));
    expect_str(info.name, "main");
    cr_expect(eq(ptr, (void *)info.module, NULL));
    expect_str(info.type_text, "func () -> ()");
    cr_assert(eq(int, vm_module_export(m, 1, &info), 0));
    expect_str(info.type_text, "memory 1..2");
    vm__module_free(m);
}

Test(vm_decode, every_truncation_fails_cleanly)
{
    wbuf w;
    size_t bounds[16], nb;
    build_rich(&w, bounds, &nb);
    size_t full = w.n;
    for (size_t cut = 0; cut < full; cut++) {
        vm_module_t *m = (vm_module_t *)1;
        bool at_bound = false;
        for (size_t i = 0; i < nb; i++) at_bound |= bounds[i] == cut;
        w.n = cut;
        int rc = decode(&w, &m);
        if (rc == 0) {
            cr_expect(at_bound, "cut at %zu decoded", cut);
            vm__module_free(m);
        } else {
            cr_expect(at_bound || rc == LUN_EMALFORMED, "cut %zu: %s", cut,
                      errbuf);
            cr_expect(eq(ptr, (void *)m, NULL));
            cr_expect(errbuf[0] != '\0');
        }
    }
}

Test(vm_decode, error_names_section_and_offset)
{
    wbuf w;
    begin(&w);
    /* import section at 0x8; its content starts at 0xa: count, then a
     * module name of length 5 with only 2 bytes before the section ends */
    SEC(&w, 2, 0x01, 0x05, 'a', 'b');
    expect_fail(&w, LUN_EMALFORMED,
                "import section (offset 0xb): length out of bounds");
    begin(&w);
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b');
    expect_fail(&w, LUN_EMALFORMED,
                "import section (offset 0xf): unexpected end");
}

Test(vm_decode, rejects_sections_out_of_order_or_twice)
{
    wbuf w;
    begin(&w);
    SEC(&w, 3, 0x00);
    SEC(&w, 1, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "unexpected content after last section");
    begin(&w);
    SEC(&w, 1, 0x00);
    SEC(&w, 1, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "unexpected content after last section");
    begin(&w); /* data count (12) goes before code (10) */
    SEC(&w, 10, 0x00);
    SEC(&w, 12, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "unexpected content after last section");
    begin(&w);
    SEC(&w, 13, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "malformed section id");
}

Test(vm_decode, custom_sections_go_anywhere)
{
    wbuf w;
    begin(&w);
    SEC(&w, 0, 0x01, 'a');
    SEC(&w, 1, 0x00);
    SEC(&w, 0, 0x01, 'b', 0xff, 0xfe); /* payload bytes are not checked */
    SEC(&w, 3, 0x00);
    SEC(&w, 0, 0x00);
    vm__module_free(expect_ok(&w));
}

Test(vm_decode, rejects_section_size_mismatch)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00, 0x00); /* one byte too many */
    expect_fail(&w, LUN_EMALFORMED, "type section (offset 0xe): section size "
                                    "mismatch");
    begin(&w);
    put(&w, "\x01\x05\x01\x60\x00\x00", 6); /* size 5 but only 4 bytes */
    expect_fail(&w, LUN_EMALFORMED, "length out of bounds");
}

/* }===== */
/* {===== counts and integers */

Test(vm_decode, rejects_huge_counts_without_allocating)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x60, 0x00, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "type section");
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "function section");
    begin(&w); /* a param vector claiming 4G entries */
    SEC(&w, 1, 0x01, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f);
    expect_fail(&w, LUN_EMALFORMED, "type section");
    begin(&w); /* a body claiming 4 GB */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "length out of bounds");
}

Test(vm_decode, rejects_bad_leb128)
{
    wbuf w;
    begin(&w); /* type count 0 in six bytes */
    SEC(&w, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "integer representation too long");
    begin(&w); /* fifth byte sets bits beyond 32 */
    SEC(&w, 1, 0x80, 0x80, 0x80, 0x80, 0x70);
    expect_fail(&w, LUN_EMALFORMED, "integer too large");
    begin(&w); /* i32.const with unused bits that are not sign bits */
    SEC(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "integer too large");
    begin(&w); /* padded but legal: 5 bytes */
    SEC(&w, 1, 0x80, 0x80, 0x80, 0x80, 0x00);
    vm__module_free(expect_ok(&w));
}

/* }===== */
/* {===== types, imports, limits */

Test(vm_decode, rejects_invalid_utf8_names)
{
    wbuf w;
    begin(&w);
    SEC(&w, 2, 0x01, 0x02, 0xc0, 0x80, 0x01, 'f', 0x02, 0x00, 0x01);
    expect_fail(&w, LUN_EMALFORMED, "malformed UTF-8 encoding");
    begin(&w); /* a surrogate, U+D800 */
    SEC(&w, 0, 0x03, 0xed, 0xa0, 0x80);
    expect_fail(&w, LUN_EMALFORMED, "malformed UTF-8 encoding");
    begin(&w); /* names may hold NUL and any valid code point */
    SEC(&w, 2, 0x01, 0x02, 'a', 0x00, 0x04, 0xf0, 0x9f, 0x98, 0x80, 0x02,
        0x00, 0x01);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(u32, m->imports[0].module_len, 2));
    cr_expect(eq(i8, m->imports[0].module[2], 0));
    cr_expect(eq(u32, m->imports[0].name_len, 4));
    vm__module_free(m);
}

Test(vm_decode, rejects_bad_import_kind_and_mutability)
{
    wbuf w;
    begin(&w);
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b', 0x04, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "malformed import kind");
    begin(&w);
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b', 0x03, 0x7f, 0x02);
    expect_fail(&w, LUN_EMALFORMED, "malformed mutability");
    begin(&w);
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b', 0x00, 0x00);
    expect_fail(&w, LUN_EINVALID, "unknown type");
    begin(&w);
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b', 0x01, 0x7f, 0x00, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "malformed reference type");
}

Test(vm_decode, accepts_v128_and_rejects_reserved_simd_opcodes)
{
    if (!(vm_features() & VM_FEATURE_SIMD))
        cr_skip_test("this build has no SIMD (-DVM_NO_SIMD)");
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x01, 0x7b, 0x00);
    vm_module_free(expect_ok(&w));
    /* (func) whose body is 0xfd 0x9a (no such opcode), end */
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x04, 0x00, 0xfd, 0x9a, 0x01, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "illegal opcode");
}

Test(vm_decode, checks_memory_limits)
{
    wbuf w;
    begin(&w);
    SEC(&w, 5, 0x01, 0x00, 0x81, 0x80, 0x04); /* 65537 pages */
    expect_fail(&w, LUN_EINVALID,
                "memory size must be at most 65536 pages (4GiB)");
    begin(&w);
    SEC(&w, 5, 0x01, 0x01, 0x00, 0x81, 0x80, 0x04);
    expect_fail(&w, LUN_EINVALID, "memory size must be at most 65536 pages");
    begin(&w);
    SEC(&w, 5, 0x01, 0x01, 0x02, 0x01);
    expect_fail(&w, LUN_EINVALID,
                "size minimum must not be greater than maximum");
    begin(&w);
    SEC(&w, 5, 0x01, 0x02, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "integer too large");
    begin(&w);
    SEC(&w, 5, 0x02, 0x00, 0x00, 0x00, 0x00);
    expect_fail(&w, LUN_EINVALID, "multiple memories");
    begin(&w); /* imported plus defined */
    SEC(&w, 2, 0x01, 0x01, 'a', 0x01, 'b', 0x02, 0x00, 0x00);
    SEC(&w, 5, 0x01, 0x00, 0x00);
    expect_fail(&w, LUN_EINVALID, "multiple memories");
    begin(&w);
    SEC(&w, 5, 0x01, 0x01, 0x80, 0x80, 0x04, 0x80, 0x80, 0x04);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(u64, m->mems[0].max, 65536));
    vm__module_free(m);
}

Test(vm_decode, checks_table_limits)
{
    wbuf w;
    begin(&w);
    SEC(&w, 4, 0x01, 0x70, 0x01, 0x05, 0x04);
    expect_fail(&w, LUN_EINVALID,
                "size minimum must not be greater than maximum");
    begin(&w);
    SEC(&w, 4, 0x02, 0x70, 0x00, 0x05, 0x6f, 0x01, 0x00, 0xff, 0xff, 0xff,
        0xff, 0x0f);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(u32, m->ntables, 2));
    cr_expect(eq(u8, m->tables[1].elemtype, VM_EXTERNREF));
    cr_expect(eq(u64, m->tables[1].lim.max, 0xffffffffu));
    vm__module_free(m);
}

/* }===== */
/* {===== exports and start */

Test(vm_decode, rejects_duplicate_export)
{
    wbuf w;
    begin(&w);
    SEC(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b);
    SEC(&w, 7, 0x03, 0x01, 'a', 0x03, 0x00, 0x01, 'b', 0x03, 0x00, 0x01, 'a',
        0x03, 0x00);
    expect_fail(&w, LUN_EINVALID, "duplicate export name");
    begin(&w);
    SEC(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b);
    SEC(&w, 7, 0x01, 0x01, 'a', 0x03, 0x01);
    expect_fail(&w, LUN_EINVALID, "unknown global");
}

Test(vm_decode, rejects_start_function_with_params)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x01, 0x7f, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 8, 0x00);
    SEC(&w, 10, 0x01, 0x02, 0x00, 0x0b);
    expect_fail(&w, LUN_EINVALID, "start function");
    begin(&w);
    SEC(&w, 8, 0x00);
    expect_fail(&w, LUN_EINVALID, "unknown function");
}

/* }===== */
/* {===== element and data segments */

Test(vm_decode, decodes_all_eight_element_encodings)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x02, 0x00, 0x00);
    SEC(&w, 4, 0x01, 0x70, 0x00, 0x0a);
    SEC(&w, 6, 0x01, 0x70, 0x00, 0xd0, 0x70, 0x0b);
    SEC(&w, 9, 0x08,
        0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01,             /* 0 */
        0x01, 0x00, 0x01, 0x01,                               /* 1 */
        0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x01, 0x00,       /* 2 */
        0x03, 0x00, 0x01, 0x01,                               /* 3 */
        0x04, 0x41, 0x02, 0x0b, 0x02, 0xd2, 0x01, 0x0b, 0xd0, 0x70, 0x0b,
        0x05, 0x70, 0x01, 0x23, 0x00, 0x0b,                   /* 5 */
        0x06, 0x00, 0x41, 0x03, 0x0b, 0x70, 0x01, 0xd2, 0x00, 0x0b,
        0x07, 0x70, 0x01, 0xd0, 0x70, 0x0b);                  /* 7 */
    SEC(&w, 10, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
    vm_module_t *m = expect_ok(&w);
    cr_assert(eq(u32, m->nelems, 8));
    static const struct {
        uint8_t mode;
        uint32_t count;
        uint8_t kind0;
        uint32_t index0;
    } want[8] = {
        {VM_SEG_ACTIVE, 2, VM_ITEM_FUNC, 0},
        {VM_SEG_PASSIVE, 1, VM_ITEM_FUNC, 1},
        {VM_SEG_ACTIVE, 1, VM_ITEM_FUNC, 0},
        {VM_SEG_DECLARATIVE, 1, VM_ITEM_FUNC, 1},
        {VM_SEG_ACTIVE, 2, VM_ITEM_FUNC, 1},
        {VM_SEG_PASSIVE, 1, VM_ITEM_GLOBAL, 0},
        {VM_SEG_ACTIVE, 1, VM_ITEM_FUNC, 0},
        {VM_SEG_DECLARATIVE, 1, VM_ITEM_NULL, 0},
    };
    for (int i = 0; i < 8; i++) {
        const vm_elem *e = &m->elems[i];
        cr_expect(eq(u8, e->mode, want[i].mode), "segment %d", i);
        cr_expect(eq(u8, e->reftype, VM_FUNCREF), "segment %d", i);
        cr_expect(eq(u32, e->table, 0), "segment %d", i);
        cr_assert(eq(u32, e->count, want[i].count), "segment %d", i);
        cr_expect(eq(u8, e->items[0].kind, want[i].kind0), "segment %d", i);
        if (want[i].kind0 != VM_ITEM_NULL)
            cr_expect(eq(u32, e->items[0].index, want[i].index0), "seg %d", i);
        if (e->mode == VM_SEG_ACTIVE) {
            cr_expect(eq(u32, e->offset.len, 3), "segment %d", i);
            cr_expect(eq(u8, e->offset.code[0], 0x41), "segment %d", i);
        }
    }
    cr_expect(eq(u32, m->elems[0].items[1].index, 1));
    cr_expect(eq(u8, m->elems[4].items[1].kind, VM_ITEM_NULL));
    cr_expect(eq(u8, m->elems[2].offset.code[1], 1));
    vm__module_free(m);
}

Test(vm_decode, rejects_bad_element_segments)
{
    wbuf w;
    begin(&w);
    SEC(&w, 4, 0x01, 0x70, 0x00, 0x01);
    SEC(&w, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x05); /* no func 5 */
    expect_fail(&w, LUN_EINVALID, "unknown function");
    begin(&w);
    SEC(&w, 9, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00); /* no table */
    expect_fail(&w, LUN_EINVALID, "unknown table");
    begin(&w);
    SEC(&w, 9, 0x01, 0x01, 0x01, 0x00); /* elemkind 1 */
    expect_fail(&w, LUN_EMALFORMED, "malformed element kind");
    begin(&w);
    SEC(&w, 9, 0x01, 0x08, 0x00);
    expect_fail(&w, LUN_EMALFORMED, "elements segment kind");
    begin(&w); /* an expression that is no constant form */
    SEC(&w, 9, 0x01, 0x05, 0x70, 0x01, 0x01, 0x0b);
    expect_fail(&w, LUN_EINVALID, "constant expression required");
    begin(&w); /* an opcode that does not exist */
    SEC(&w, 9, 0x01, 0x05, 0x70, 0x01, 0xf3, 0x00, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "illegal opcode");
}

Test(vm_decode, checks_data_segments_and_count)
{
    wbuf w;
    begin(&w);
    SEC(&w, 11, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x00);
    expect_fail(&w, LUN_EINVALID, "unknown memory");
    begin(&w);
    SEC(&w, 12, 0x02);
    SEC(&w, 11, 0x01, 0x01, 0x00);
    expect_fail(&w, LUN_EMALFORMED,
                "data count and data section have inconsistent lengths");
    begin(&w);
    SEC(&w, 12, 0x01);
    expect_fail(&w, LUN_EMALFORMED,
                "data count and data section have inconsistent lengths");
    begin(&w);
    SEC(&w, 5, 0x01, 0x00, 0x01);
    SEC(&w, 12, 0x02);
    SEC(&w, 11, 0x02, 0x01, 0x01, 'p', 0x02, 0x00, 0x41, 0x01, 0x0b, 0x00);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(u8, m->datas[0].mode, VM_SEG_PASSIVE));
    cr_expect(eq(u8, m->datas[0].bytes[0], 'p'));
    cr_expect(eq(u8, m->datas[1].mode, VM_SEG_ACTIVE));
    cr_expect(eq(u32, m->datas[1].offset.len, 3));
    vm__module_free(m);
}

/* }===== */
/* {===== code */

Test(vm_decode, rejects_function_code_count_mismatch)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x02, 0x00, 0x00);
    SEC(&w, 10, 0x01, 0x02, 0x00, 0x0b);
    expect_fail(&w, LUN_EMALFORMED,
                "function and code section have inconsistent lengths");
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    expect_fail(&w, LUN_EMALFORMED,
                "function and code section have inconsistent lengths");
}

Test(vm_decode, rejects_too_many_locals)
{
    wbuf w;
    begin(&w); /* 0xffffffff + 2 overflows 32 bits */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x02,
        0x7e, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "too many locals");
    begin(&w); /* one param plus VM_MAX_LOCALS locals */
    SEC(&w, 1, 0x01, 0x60, 0x01, 0x7f, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x06, 0x01, 0xd0, 0x86, 0x03, 0x7f, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "too many locals");
}

Test(vm_decode, expands_local_declarations)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x08, 0x03, 0x00, 0x7f, 0x02, 0x7e, 0x01, 0x6f, 0x0b);
    vm_module_t *m = expect_ok(&w);
    cr_assert(eq(u32, m->funcs[0].nlocals, 3));
    static const uint8_t want[3] = {VM_I64, VM_I64, VM_EXTERNREF};
    cr_expect(eq(int, memcmp(m->funcs[0].local_types, want, 3), 0));
    vm__module_free(m);
}

Test(vm_decode, checks_body_structure)
{
    wbuf w;
    begin(&w); /* no final end */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x03, 0x00, 0x41, 0x01);
    expect_fail(&w, LUN_EMALFORMED, "END opcode expected");
    begin(&w); /* a block left open: the last 0x0b closes it, not the body */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x04, 0x00, 0x02, 0x40, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "END opcode expected");
    begin(&w); /* memory.size's reserved byte */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 5, 0x01, 0x00, 0x00);
    SEC(&w, 10, 0x01, 0x05, 0x00, 0x3f, 0x01, 0x1a, 0x0b);
    expect_fail(&w, LUN_EMALFORMED, "zero byte expected");
    begin(&w); /* 0x0b inside an immediate is not an end */
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x05, 0x00, 0x41, 0x0b, 0x1a, 0x0b);
    vm__module_free(expect_ok(&w));
}

/* }===== */
/* {===== the name section */

Test(vm_decode, name_section_gives_function_names)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x02, 0x00, 0x00);
    SEC(&w, 10, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
    SEC(&w, 0, 0x04, 'n', 'a', 'm', 'e',
        0x00, 0x03, 0x02, 'm', 'm',                          /* module name */
        0x01, 0x08, 0x02, 0x00, 0x01, 'a', 0x01, 0x02, 'b', 'c');
    vm_module_t *m = expect_ok(&w);
    expect_str(m->funcs[0].name, "a");
    expect_str(m->funcs[1].name, "bc");
    vm__module_free(m);
}

Test(vm_decode, malformed_name_section_is_ignored)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x02, 0x00, 0x00);
    SEC(&w, 10, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b);
    /* the second entry names function 7, which does not exist */
    SEC(&w, 0, 0x04, 'n', 'a', 'm', 'e',
        0x01, 0x08, 0x02, 0x00, 0x01, 'a', 0x07, 0x02, 'b', 'c');
    /* a subsection running past the section */
    SEC(&w, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x7f, 0x01);
    vm_module_t *m = expect_ok(&w);
    cr_expect(eq(ptr, (void *)m->funcs[0].name, NULL));
    cr_expect(eq(ptr, (void *)m->funcs[1].name, NULL));
    vm__module_free(m);
}

/* }===== */
/* {===== opcode tables */

Test(vm_decode, maps_opcodes)
{
    cr_expect(eq(int, vm__opcode_of(0, 0x6a), OP_I32_ADD));
    cr_expect(eq(int, vm__opcode_of(0, 0x00), OP_UNREACHABLE));
    cr_expect(eq(int, vm__opcode_of(0xfc, 0x11), OP_TABLE_FILL));
    cr_expect(eq(int, vm__opcode_of(0xfc, 0x08), OP_MEMORY_INIT));
    cr_expect(eq(int, vm__opcode_of(0, 0x06), -1));
    cr_expect(eq(int, vm__opcode_of(0, 0xfc), -1));
    cr_expect(eq(int, vm__opcode_of(0xfc, 0x12), -1));
    cr_expect(eq(int, vm__opcode_of(0xfc, 300), -1));
    cr_expect(eq(int, vm__opcode_of(0xfd, 0x00), OP_V128_LOAD));
    cr_expect(eq(int, vm__opcode_of(0xfd, 0xff), OP_F64X2_CONVERT_LOW_I32X4_U));
    cr_expect(eq(int, vm__opcode_of(0xfd, 0x9a), -1)); /* reserved */
    cr_expect(eq(int, vm__opcode_of(0xfd, 256), -1));
    cr_expect(eq(int, vm__opcode_of(0xfe, 0x00), -1));
    expect_str(vm__opinfo[OP_I32_ADD].text, "i32.add");
    cr_expect(eq(u8, vm__opinfo[OP_I64_LOAD].imm, IMM_MEMARG));
    cr_expect(eq(u8, vm__opinfo[OP_I64_LOAD].align, 3));
    cr_expect(eq(u8, vm__opinfo[OP_TABLE_COPY].prefix, 0xfc));
    for (int op = 0; op < OP_COUNT_; op++)
        cr_expect(eq(int, vm__opcode_of(vm__opinfo[op].prefix,
                                        vm__opinfo[op].code), op));
}

/* }===== */

/* {===== what users read: the message names the section and offset once */

Test(vm_decode, error_names_section_and_offset_once)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);       /* type 0: () -> () */
    SEC(&w, 3, 0x01, 0x00);                   /* func 0: type 0 */
    SEC(&w, 10, 0x01, 0x05, 0x00, 0x0b);      /* body of 5 bytes: only 2 */
    expect_fail(&w, LUN_EMALFORMED, "");
    expect_str(errbuf, "code section (offset 0x15): length out of bounds");
    begin(&w);
    put(&w, "\x01", 1); /* a section id, then the file ends */
    expect_fail(&w, LUN_EMALFORMED, "");
    cr_expect(strstr(errbuf, "module") == NULL, "%s", errbuf);
    cr_expect(strncmp(errbuf, "type section (offset 0x9): ", 27) == 0, "%s",
              errbuf);
}

/* A build without SIMD (-DVM_NO_SIMD) refuses v128 at load, saying so; a
 * full build takes the module. Whichever this binary is, it is checked. */
Test(vm_decode, v128_needs_a_build_with_simd)
{
    wbuf w;
    begin(&w);
    SEC(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SEC(&w, 3, 0x01, 0x00);
    SEC(&w, 10, 0x01, 0x04, 0x01, 0x01, 0x7b, 0x0b); /* one v128 local */
    if (vm_features() & VM_FEATURE_SIMD) {
        vm__module_free(expect_ok(&w));
    } else {
        expect_fail(&w, LUN_ELIMIT, "");
        expect_str(errbuf, "code section (offset 0x18): SIMD (v128) is not "
                           "supported by this build");
    }
}

/* }===== */
