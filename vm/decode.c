/* decode.c: the WebAssembly binary decoder: byte-level primitives,
 * instructions' encoding, the section loop. The per-section parsers live in
 * decode_sections.c, the opcode tables in opcodes.c, the module's lifetime
 * and queries in module.c. */
#include "common/lun_prefix.h"

#include "vm/decode_int.h"

#include <stdarg.h>
#include <stdio.h>

/* {===== errors */

int vm__errorf(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int vm__dec_fail(vm_decoder *d, int rc, const uint8_t *at, const char *fmt,
                 ...)
{
    size_t off = (size_t)(at - d->r.base);
    char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (d->section == NULL)
        return vm__errorf(rc, d->err, d->errlen, "offset 0x%zx: %s",
                          off, reason);
    return vm__errorf(rc, d->err, d->errlen, "%s section (offset 0x%zx): %s",
                      d->section, off, reason);
}

/* Truncation inside a section reads as the spec interpreter words it. */
static int fail_end(vm_decoder *d)
{
    return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
                        d->section ? "unexpected end of section or function"
                                   : "unexpected end");
}

/* Why a LEB128 of `bits` bits at p failed: the spec tests tell a number
 * with too many bytes from one whose last byte sets unused bits. */
static int fail_leb(vm_decoder *d, const uint8_t *p, unsigned bits)
{
    unsigned max_bytes = (bits + 6) / 7;
    const uint8_t *start = p;
    for (unsigned n = 1;; n++, p++) {
        if (p >= d->r.end) {
            d->r.p = p;
            return fail_end(d);
        }
        if (n == max_bytes)
            return vm__dec_fail(d, LUN_EMALFORMED, start,
                                (*p & 0x80) ? "integer representation too long"
                                            : "integer too large");
        if (!(*p & 0x80)) break;
    }
    return vm__dec_fail(d, LUN_EMALFORMED, start, "integer too large");
}

/* }===== */
/* {===== primitives */

/* Outputs are set even on failure: callers test rc first, but gcc -O2
 * cannot always prove that and warns of uninitialised reads. */
int vm__dec_u8(vm_decoder *d, uint8_t *out)
{
    *out = 0;
    if (vm__read_u8(&d->r, out)) return fail_end(d);
    return 0;
}

int vm__dec_u32(vm_decoder *d, uint32_t *out)
{
    const uint8_t *start = d->r.p;
    if (vm__read_u32(&d->r, out)) return fail_leb(d, start, 32);
    return 0;
}

static int dec_sleb(vm_decoder *d, unsigned bits, int64_t *out)
{
    const uint8_t *start = d->r.p;
    *out = 0;
    if (vm__read_sleb(&d->r, bits, out)) return fail_leb(d, start, bits);
    return 0;
}

int vm__dec_count(vm_decoder *d, uint32_t *out)
{
    const uint8_t *start = d->r.p;
    int rc = vm__dec_u32(d, out);
    if (rc) return rc;
    if (*out > vm__dec_left(d))
        return vm__dec_fail(d, LUN_EMALFORMED, start,
                            "unexpected end of section or function");
    return 0;
}

int vm__dec_bytes(vm_decoder *d, const uint8_t **out, uint32_t *out_len)
{
    const uint8_t *start = d->r.p;
    *out = NULL;
    int rc = vm__dec_u32(d, out_len);
    if (rc) return rc;
    if (*out_len > vm__dec_left(d))
        return vm__dec_fail(d, LUN_EMALFORMED, start, "length out of bounds");
    *out = d->r.p;
    d->r.p += *out_len;
    return 0;
}

bool vm__utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) need = 1, cp = c & 0x1fu, min = 0x80;
        else if ((c & 0xf0) == 0xe0) need = 2, cp = c & 0x0fu, min = 0x800;
        else if ((c & 0xf8) == 0xf0) need = 3, cp = c & 0x07u, min = 0x10000;
        else return false;
        if (n - i - 1 < need) return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        /* overlong forms, surrogates and code points past Unicode */
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

int vm__dec_name(vm_decoder *d, char **out, uint32_t *out_len)
{
    const uint8_t *start = d->r.p, *s;
    int rc = vm__dec_bytes(d, &s, out_len);
    *out = NULL;
    if (rc) return rc;
    if (!vm__utf8_valid(s, *out_len))
        return vm__dec_fail(d, LUN_EMALFORMED, start,
                            "malformed UTF-8 encoding");
    *out = vm__malloc((size_t)*out_len + 1);
    if (*out == NULL) return vm__dec_fail(d, LUN_ENOMEM, start, "out of memory");
    memcpy(*out, s, *out_len);
    (*out)[*out_len] = '\0';
    return 0;
}

static bool is_reftype(uint8_t b)
{
    return b == VM_FUNCREF || b == VM_EXTERNREF;
}

static bool is_valtype(uint8_t b)
{
    return (b >= VM_V128 && b <= VM_I32) || is_reftype(b);
}

/* A build without SIMD (-DVM_NO_SIMD) refuses v128 wherever a module
 * names it, so that nothing past the decoder meets one. */
#ifdef VM_NO_SIMD
#define NO_SIMD_TEXT "SIMD (v128) is not supported by this build"
static int fail_no_simd(vm_decoder *d, const uint8_t *at)
{
    return vm__dec_fail(d, LUN_ELIMIT, at, NO_SIMD_TEXT);
}
#endif

int vm__dec_valtype(vm_decoder *d, uint8_t *out)
{
    int rc = vm__dec_u8(d, out);
    if (rc) return rc;
    if (!is_valtype(*out))
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "malformed value type");
#ifdef VM_NO_SIMD
    if (*out == VM_V128) return fail_no_simd(d, d->r.p - 1);
#endif
    return 0;
}

int vm__dec_reftype(vm_decoder *d, uint8_t *out)
{
    int rc = vm__dec_u8(d, out);
    if (rc) return rc;
    if (!is_reftype(*out))
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "malformed reference type");
    return 0;
}

int vm__dec_limits(vm_decoder *d, vm_limits *out)
{
    uint8_t flags;
    uint32_t v;
    int rc = vm__dec_u8(d, &flags);
    if (rc) return rc;
    /* The spec reads the flags as a 1-bit LEB128 and words errors so. */
    if (flags > 1)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "%s (limits flags)",
                            (flags & 0x80) ? "integer representation too long"
                                           : "integer too large");
    if ((rc = vm__dec_u32(d, &v))) return rc;
    out->min = v;
    out->max = 0;
    out->has_max = flags == 1;
    if (out->has_max) {
        if ((rc = vm__dec_u32(d, &v))) return rc;
        out->max = v;
    }
    return 0;
}

/* }===== */
/* {===== instructions: opcode and immediates, encoding checks only */

static int dec_zero_byte(vm_decoder *d)
{
    uint8_t b;
    int rc = vm__dec_u8(d, &b);
    if (rc) return rc;
    if (b != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p - 1,
                            "zero byte expected");
    return 0;
}

static int dec_skip(vm_decoder *d, size_t n)
{
    if (vm__dec_left(d) < n) {
        d->r.p = d->r.end;
        return fail_end(d);
    }
    d->r.p += n;
    return 0;
}

/* s33: -64 (0x40) is the empty type, other negatives one valtype byte,
 * non-negative values a type index (range-checked by validate.c). */
static int dec_blocktype(vm_decoder *d)
{
    const uint8_t *start = d->r.p;
    int64_t bt;
    int rc = dec_sleb(d, 33, &bt);
    if (rc || bt >= 0 || bt == -64) return rc;
    if (bt < -0x40 || !is_valtype((uint8_t)(bt + 0x80)))
        return vm__dec_fail(d, LUN_EMALFORMED, start, "malformed block type");
#ifdef VM_NO_SIMD
    if ((uint8_t)(bt + 0x80) == VM_V128) return fail_no_simd(d, start);
#endif
    return 0;
}

static int dec_u32_vec(vm_decoder *d)
{
    uint32_t n, v;
    int rc = vm__dec_count(d, &n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) rc = vm__dec_u32(d, &v);
    return rc;
}

static int dec_valtype_vec(vm_decoder *d)
{
    uint32_t n;
    uint8_t t;
    int rc = vm__dec_count(d, &n);
    for (uint32_t i = 0; rc == 0 && i < n; i++) rc = vm__dec_valtype(d, &t);
    return rc;
}

/* Reads `count` u32 immediates. */
static int dec_u32s(vm_decoder *d, int count)
{
    uint32_t v;
    int rc = 0;
    for (int i = 0; rc == 0 && i < count; i++) rc = vm__dec_u32(d, &v);
    return rc;
}

/* An alignment exponent of 32 or more cannot be right for any access;
 * the spec calls it malformed (bit 6 is kept for multiple memories). */
static inline int dec_align(vm_decoder *d)
{
    const uint8_t *at = d->r.p;
    uint32_t align;
    int rc = vm__dec_u32(d, &align);
    if (rc) return rc;
    if (align >= 32)
        return vm__dec_fail(d, LUN_EMALFORMED, at, "malformed memop flags");
    return 0;
}

/* A memarg: alignment, then offset. */
static int dec_memarg(vm_decoder *d)
{
    int rc = dec_align(d);
    return rc ? rc : dec_u32s(d, 1);
}

/* load/store_lane: a memarg and a lane byte. Not a call of dec_memarg,
 * which would stop it being inlined into the hot path. */
__attribute__((noinline)) static int dec_memarg_lane(vm_decoder *d)
{
    int rc = dec_align(d);
    if (rc || (rc = dec_u32s(d, 1))) return rc;
    return dec_skip(d, 1);
}

static int dec_immediates(vm_decoder *d, enum vm_imm imm)
{
    int64_t s;
    uint8_t b;
    int rc;
    switch (imm) {
    case IMM_NONE: return 0;
    case IMM_BLOCKTYPE: return dec_blocktype(d);
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL:
    case IMM_TABLE: case IMM_DATA: case IMM_ELEM: return dec_u32s(d, 1);
    case IMM_MEMARG: return dec_memarg(d);
    case IMM_MEMARG_LANE: return dec_memarg_lane(d);
    case IMM_CALL_INDIRECT: case IMM_ELEM_TABLE:
    case IMM_TABLE_TABLE: return dec_u32s(d, 2);
    case IMM_BRTABLE:
        if ((rc = dec_u32_vec(d))) return rc;
        return dec_u32s(d, 1);
    case IMM_SELECT_T: return dec_valtype_vec(d);
    case IMM_MEMIDX: return dec_zero_byte(d);
    case IMM_I32: return dec_sleb(d, 32, &s);
    case IMM_I64: return dec_sleb(d, 64, &s);
    case IMM_F32: return dec_skip(d, 4);
    case IMM_F64: return dec_skip(d, 8);
    case IMM_REFTYPE: return vm__dec_reftype(d, &b);
    case IMM_DATA_MEM:
        if ((rc = dec_u32s(d, 1))) return rc;
        return dec_zero_byte(d);
    case IMM_MEM_MEM:
        if ((rc = dec_zero_byte(d))) return rc;
        return dec_zero_byte(d);
    case IMM_V128: case IMM_SHUFFLE: return dec_skip(d, 16);
    case IMM_LANE: return dec_skip(d, 1);
    }
    return vm__dec_fail(d, LUN_EMALFORMED, d->r.p, "bad immediate kind");
}

int vm__dec_instr(vm_decoder *d, int *out_op)
{
    const uint8_t *start = d->r.p;
    uint8_t byte;
    uint32_t code;
    int rc = vm__dec_u8(d, &byte), op;
    if (rc) return rc;
    code = byte;
#ifdef VM_NO_SIMD
    if (byte == 0xfd) return fail_no_simd(d, start);
#endif
    bool prefixed = (byte | 1) == 0xfd; /* 0xfc or 0xfd */
    if (prefixed && (rc = vm__dec_u32(d, &code))) return rc;
    op = vm__opcode_of(prefixed ? byte : 0, code);
    if (op < 0)
        return vm__dec_fail(d, LUN_EMALFORMED, start, "illegal opcode");
    *out_op = op;
    return dec_immediates(d, (enum vm_imm)vm__opinfo[op].imm);
}

int vm__dec_constexpr(vm_decoder *d, vm_constexpr *out)
{
    const uint8_t *start = d->r.p;
    int op = -1, rc;
    while (op != OP_END)
        if ((rc = vm__dec_instr(d, &op))) return rc;
    out->code = start;
    out->len = (uint32_t)(d->r.p - start);
    out->offset = (uint32_t)(start - d->r.base);
    return 0;
}

/* }===== */
/* {===== the section loop */

static const char *const section_names[13] = {
    "custom", "type",   "import", "function", "table", "memory",    "global",
    "export", "start",  "element", "code",    "data",  "data count"};

/* Position of each non-custom section id in the required order (the data
 * count section, id 12, comes between element and code). */
static const uint8_t section_rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

typedef int (*section_parser)(vm_decoder *d);
static const section_parser section_parsers[13] = {
    vm__dec_custom,  vm__dec_types,   vm__dec_imports, vm__dec_functions,
    vm__dec_tables,  vm__dec_memories, vm__dec_globals, vm__dec_exports,
    vm__dec_start,   vm__dec_elems,   vm__dec_code,    vm__dec_datas,
    vm__dec_datacount};

/* Reads one section header; leaves d->r bounded to the section's body. */
static int dec_section_header(vm_decoder *d, const uint8_t *file_end,
                              uint8_t *out_id)
{
    const uint8_t *start = d->r.p;
    uint32_t size;
    int rc;
    d->section = NULL;
    d->r.end = file_end;
    if ((rc = vm__dec_u8(d, out_id))) return rc;
    if (*out_id > 12)
        return vm__dec_fail(d, LUN_EMALFORMED, start, "malformed section id");
    d->section = section_names[*out_id]; /* errors from here name it */
    if ((rc = vm__dec_u32(d, &size))) return rc;
    if (size > vm__dec_left(d))
        return vm__dec_fail(d, LUN_EMALFORMED, start, "length out of bounds");
    d->r.end = d->r.p + size;
    return 0;
}

static int dec_sections(vm_decoder *d)
{
    const uint8_t *file_end = d->r.end;
    unsigned last_rank = 0;
    while (d->r.p < file_end) {
        const uint8_t *start = d->r.p;
        uint8_t id;
        int rc = dec_section_header(d, file_end, &id);
        if (rc) return rc;
        if (id != 0) {
            if (section_rank[id] <= last_rank)
                return vm__dec_fail(d, LUN_EMALFORMED, start,
                                    "unexpected content after last section");
            last_rank = section_rank[id];
        }
        if ((rc = section_parsers[id](d))) return rc;
        if (d->r.p != d->r.end)
            return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
                                "section size mismatch");
    }
    d->section = NULL;
    return 0;
}

static int dec_header(vm_decoder *d)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    if (vm__dec_left(d) < 4 || memcmp(d->r.p, magic, 4) != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
                            "magic header not detected");
    d->r.p += 4;
    if (vm__dec_left(d) < 4) return fail_end(d);
    if (memcmp(d->r.p, version, 4) != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
                            "unknown binary version");
    d->r.p += 4;
    return 0;
}

/* Checks between sections that only the whole module can tell. */
static int dec_finish(vm_decoder *d)
{
    const vm_module_t *m = d->m;
    if (!d->has_code && d->nfunc_decls != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
            "function and code section have inconsistent lengths");
    if (m->has_datacount && !d->has_data && m->datacount != 0)
        return vm__dec_fail(d, LUN_EMALFORMED, d->r.p,
            "data count and data section have inconsistent lengths");
    /* memory.init or data.drop without a data count section: with data
     * segments the binary is malformed; without any, the index is simply
     * out of range (what a text module without data encodes to). */
    if (d->datacount_use != NULL && !m->has_datacount) {
        d->section = "code";
        if (d->has_data)
            return vm__dec_fail(d, LUN_EMALFORMED, d->datacount_use,
                                "data count section required");
        return vm__dec_fail(d, LUN_EINVALID, d->datacount_use,
                            "unknown data segment");
    }
    return 0;
}

static int dec_type_texts(vm_decoder *d)
{
    if (vm__module_type_texts(d->m)) return 0;
    return vm__dec_fail(d, LUN_ENOMEM, d->r.p, "out of memory");
}

/* }===== */
/* {===== the decoder's entry */

int vm__decode(const uint8_t *bytes, size_t len, const vm_config *cfg,
               vm_module_t **out, char *err, size_t errlen)
{
    vm_module_t *m;
    vm_decoder d;
    int rc;
    *out = NULL;
    if (len > UINT32_MAX) /* offsets are kept in 32 bits */
        return vm__errorf(LUN_ELIMIT, err, errlen,
                          "offset 0x0: larger than 4 GiB");
    if ((m = vm__calloc(1, sizeof *m)) == NULL ||
        (m->bytes = vm__malloc(len ? len : 1)) == NULL) {
        vm__free(m);
        return vm__errorf(LUN_ENOMEM, err, errlen, "out of memory");
    }
    if (len) memcpy(m->bytes, bytes, len);
    m->len = len;
    if (cfg != NULL) m->cfg = *cfg;
    memset(&d, 0, sizeof d);
    d.r.p = d.r.base = m->bytes;
    d.r.end = m->bytes + len;
    d.m = m;
    d.err = err;
    d.errlen = errlen;
    if ((rc = dec_header(&d)) || (rc = dec_sections(&d)) ||
        (rc = dec_finish(&d)) || (rc = dec_type_texts(&d))) {
        vm__module_free(m);
        return rc;
    }
    vm__dec_names(&d);
    *out = m;
    return 0;
}

/* }===== */
