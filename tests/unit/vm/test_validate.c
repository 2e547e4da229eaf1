/* test_validate.c: unit tests of vm/validate.c and vm/validate_ops.c,
 * through vm_module_load() on small modules assembled from one function
 * type, one body and a few optional sections. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdlib.h>
#include <string.h>

#include "vm/vm_int.h"

TestSuite(vm_validate, .timeout = 10);

/* {===== a tiny module assembler */

enum {
    WITH_MEMORY = 1 << 0,      /* memory 0: min 1 */
    WITH_TABLE = 1 << 1,       /* table 0: funcref, min 1 */
    WITH_EXTERN_TABLE = 1 << 2, /* one more table: externref, min 1 */
    WITH_GLOBALS = 1 << 3,     /* global 0: i32 const; global 1: mut i64 */
    WITH_DECLARED = 1 << 4,    /* declarative elem segment naming func 0 */
    WITH_DATA = 1 << 5,        /* data count 1 and one passive segment */
    WITH_ELEM = 1 << 6,        /* passive funcref elem segment: func 0 */
    WITH_DATA_NO_COUNT = 1 << 7 /* the passive data segment alone */
};

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        cr_assert(not(eq(ptr, b->p, NULL)));
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u8(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_uleb(buf *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_u8(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void put_section(buf *b, uint8_t id, const buf *payload)
{
    put_u8(b, id);
    put_uleb(b, payload->n);
    put(b, payload->p, payload->n);
}

static uint8_t letter_type(char c)
{
    switch (c) {
    case 'i': return VM_I32;
    case 'I': return VM_I64;
    case 'f': return VM_F32;
    case 'F': return VM_F64;
    case 'r': return VM_FUNCREF;
    default: return VM_EXTERNREF;
    }
}

/* A function type from "params:results" letters. */
static void put_functype(buf *b, const char *sig)
{
    const char *colon = strchr(sig, ':');
    put_u8(b, 0x60);
    put_uleb(b, (size_t)(colon - sig));
    for (const char *c = sig; c < colon; c++) put_u8(b, letter_type(*c));
    put_uleb(b, strlen(colon + 1));
    for (const char *c = colon + 1; *c; c++) put_u8(b, letter_type(*c));
}

/* Types: 0 is the function's; 1 = [i32]->[i32 i64]; 2 = [i32]->[i32]. */
static void put_types(buf *out, const char *sig)
{
    buf s = {0};
    put_uleb(&s, 3);
    put_functype(&s, sig);
    put_functype(&s, "i:iI");
    put_functype(&s, "i:i");
    put_section(out, 1, &s);
    free(s.p);
}

static void put_fixed_section(buf *out, uint8_t id, const uint8_t *p, size_t n)
{
    buf s = {(uint8_t *)p, n, n};
    put_section(out, id, &s);
}

static void put_tables(buf *out, unsigned flags)
{
    static const uint8_t one[] = {0x01, 0x70, 0x00, 0x01};
    static const uint8_t two[] = {0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01};
    if (flags & WITH_EXTERN_TABLE) put_fixed_section(out, 4, two, sizeof two);
    else if (flags & WITH_TABLE) put_fixed_section(out, 4, one, sizeof one);
}

static void put_module_middle(buf *out, unsigned flags, const buf *globals)
{
    static const uint8_t mem[] = {0x01, 0x00, 0x01};
    static const uint8_t glob[] = {0x02, 0x7f, 0x00, 0x41, 0x07, 0x0b,
                                   0x7e, 0x01, 0x42, 0x00, 0x0b};
    /* declarative (flags 3): elemkind 0, one funcidx; passive (flags 1) */
    static const uint8_t decl[] = {0x01, 0x03, 0x00, 0x01, 0x00};
    static const uint8_t pass[] = {0x01, 0x01, 0x00, 0x01, 0x00};
    static const uint8_t datacount[] = {0x01};
    put_tables(out, flags);
    if (flags & WITH_MEMORY) put_fixed_section(out, 5, mem, sizeof mem);
    if (globals) put_section(out, 6, globals);
    else if (flags & WITH_GLOBALS) put_fixed_section(out, 6, glob, sizeof glob);
    if (flags & WITH_DECLARED) put_fixed_section(out, 9, decl, sizeof decl);
    else if (flags & WITH_ELEM) put_fixed_section(out, 9, pass, sizeof pass);
    if (flags & WITH_DATA) put_fixed_section(out, 12, datacount, 1);
}

/* Locals: one declaration per letter. */
static void put_code(buf *out, const char *locals, const uint8_t *body,
                     size_t n)
{
    buf f = {0}, s = {0};
    put_uleb(&f, strlen(locals));
    for (const char *c = locals; *c; c++) {
        put_u8(&f, 1);
        put_u8(&f, letter_type(*c));
    }
    put(&f, body, n);
    put_uleb(&s, 1);
    put_uleb(&s, f.n);
    put(&s, f.p, f.n);
    put_section(out, 10, &s);
    free(f.p);
    free(s.p);
}

static char g_err[256];

/* Loads a module of one function with signature `sig`; returns the rc. */
static int load_mod(const char *sig, const char *locals, unsigned flags,
                    const buf *globals, const uint8_t *body, size_t n)
{
    static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
    static const uint8_t funcs[] = {0x01, 0x00};
    static const uint8_t data[] = {0x01, 0x01, 0x00};
    buf m = {0};
    vm_module_t *mod = NULL;
    put(&m, header, sizeof header);
    put_types(&m, sig);
    put_fixed_section(&m, 3, funcs, sizeof funcs);
    put_module_middle(&m, flags, globals);
    put_code(&m, locals, body, n);
    if (flags & (WITH_DATA | WITH_DATA_NO_COUNT))
        put_fixed_section(&m, 11, data, sizeof data);
    g_err[0] = '\0';
    int rc = vm_module_load(m.p, m.n, NULL, &mod, g_err, sizeof g_err);
    vm_module_free(mod);
    free(m.p);
    return rc;
}

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__})
#define NBYTES(...) sizeof((const uint8_t[]){__VA_ARGS__})
#define LOAD(sig, locals, flags, ...)                                     \
    load_mod(sig, locals, flags, NULL, BYTES(__VA_ARGS__),                \
             NBYTES(__VA_ARGS__))

/* rc must be want and the message must contain `why`. */
#define EXPECT_FAIL(rc, want, why)                                        \
    do {                                                                  \
        int rc_ = (rc);                                                   \
        cr_expect(eq(int, rc_, want), "err: %s", g_err);                  \
        cr_expect(strstr(g_err, why) != NULL, "got \"%s\", want \"%s\"",  \
                  g_err, why);                                            \
    } while (0)

#define EXPECT_OK(rc)                                                     \
    do {                                                                  \
        int rc_ = (rc);                                                   \
        cr_expect(eq(int, rc_, 0), "err: %s", g_err);                     \
    } while (0)

/* }===== */
/* {===== every fixed-signature opcode, generically */

/* Pushes a constant of type letter c. */
static void put_const(buf *b, char c)
{
    static const uint8_t zeros[16] = {0};
    switch (c) {
    case 'i': put_u8(b, 0x41); put_u8(b, 0); break;
    case 'I': put_u8(b, 0x42); put_u8(b, 0); break;
    case 'f': put_u8(b, 0x43); put(b, zeros, 4); break;
    case 'v': put_u8(b, 0xfd); put_u8(b, 0x0c); put(b, zeros, 16); break;
    default: put_u8(b, 0x44); put(b, zeros, 8); break;
    }
}

/* A body that feeds op its params (with param `wrong` swapped for another
 * type, if >= 0), then drops its results. */
static int load_sig_op(int op, int wrong)
{
    const vm_opinfo *info = &vm__opinfo[op];
    const char *colon = strchr(info->sig, ':');
    buf b = {0};
    for (const char *c = info->sig; c < colon; c++)
        put_const(&b, (c - info->sig == wrong) ? (*c == 'i' ? 'F' : 'i') : *c);
    if (info->prefix) put_u8(&b, info->prefix);
    put_uleb(&b, info->code);
    static const uint8_t lanes[16] = {0}; /* lane 0: valid for every op */
    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE) {
        put_uleb(&b, info->align); /* natural alignment */
        put_uleb(&b, 0);
    }
    if (info->imm == IMM_LANE || info->imm == IMM_MEMARG_LANE) put_u8(&b, 0);
    if (info->imm == IMM_V128 || info->imm == IMM_SHUFFLE) put(&b, lanes, 16);
    for (const char *c = colon + 1; *c; c++) put_u8(&b, 0x1a);
    put_u8(&b, 0x0b);
    int rc = load_mod(":", "", WITH_MEMORY, NULL, b.p, b.n);
    free(b.p);
    return rc;
}

Test(vm_validate, fixed_signature_ops_accept_right_types)
{
    int checked = 0;
    for (int op = 0; op < OP_COUNT_; op++) {
        if (vm__opinfo[op].sig[0] == '\0') continue;
        int rc = load_sig_op(op, -1);
        cr_expect(eq(int, rc, 0), "%s: %s", vm__opinfo[op].text, g_err);
        checked++;
    }
    cr_expect(gt(int, checked, 380)); /* SIMD included */
}

Test(vm_validate, fixed_signature_ops_reject_wrong_types)
{
    for (int op = 0; op < OP_COUNT_; op++) {
        const char *sig = vm__opinfo[op].sig;
        if (sig[0] == '\0') continue;
        for (int i = 0; sig[i] != ':'; i++) {
            int rc = load_sig_op(op, i);
            cr_expect(eq(int, rc, LUN_EINVALID), "%s param %d",
                      vm__opinfo[op].text, i);
        }
    }
}

/* extract_lane with lane n, on a zero v128, result dropped */
static int load_extract_lane(uint8_t sub, uint8_t lane)
{
    buf b = {0};
    put_const(&b, 'v');
    put_u8(&b, 0xfd);
    put_u8(&b, sub);
    put_u8(&b, lane);
    put_u8(&b, 0x1a);
    put_u8(&b, 0x0b);
    int rc = load_mod(":", "", WITH_MEMORY, NULL, b.p, b.n);
    free(b.p);
    return rc;
}

Test(vm_validate, lane_index_must_name_a_lane)
{
    cr_expect(eq(int, load_extract_lane(0x15, 15), 0)); /* i8x16: 0..15 */
    cr_expect(eq(int, load_extract_lane(0x15, 16), LUN_EINVALID));
    cr_expect(strstr(g_err, "invalid lane index") != NULL, "%s", g_err);
    cr_expect(eq(int, load_extract_lane(0x1d, 1), 0)); /* i64x2: 0..1 */
    cr_expect(eq(int, load_extract_lane(0x1d, 2), LUN_EINVALID));
}

Test(vm_validate, message_names_offset_function_and_reason)
{
    /* i32.const 0, i64.const 0, i32.add */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x00, 0x42, 0x00, 0x6a, 0x1a, 0x0b),
                LUN_EINVALID, "func 0: type mismatch");
    cr_expect(strncmp(g_err, "code section (offset 0x", 23) == 0, "%s", g_err);
}

Test(vm_validate, result_types_checked_at_end)
{
    EXPECT_OK(LOAD(":i", "", 0, 0x41, 0x01, 0x0b));
    EXPECT_FAIL(LOAD(":i", "", 0, 0x0b), LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":i", "", 0, 0x42, 0x01, 0x0b), LUN_EINVALID,
                "type mismatch");
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x0b), LUN_EINVALID,
                "type mismatch");
}

/* }===== */
/* {===== control */

Test(vm_validate, multi_value_block_with_params)
{
    /* i32.const 1; block (type 1) [i32]->[i32 i64]: i64.const 0; end;
     * drop; drop */
    EXPECT_OK(LOAD(":", "", 0, 0x41, 0x01, 0x02, 0x01, 0x42, 0x00, 0x0b,
                   0x1a, 0x1a, 0x0b));
    /* the block leaves only its param: one result missing */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x02, 0x01, 0x0b, 0x1a, 0x1a,
                     0x0b),
                LUN_EINVALID, "type mismatch");
    /* no operand for the param */
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x01, 0x42, 0x00, 0x0b, 0x1a, 0x1a,
                     0x0b),
                LUN_EINVALID, "type mismatch");
    /* a block cannot see its enclosing block's operands */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x02, 0x40, 0x1a, 0x0b, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x09, 0x0b, 0x0b), LUN_EINVALID,
                "unknown type");
}

Test(vm_validate, loop_label_carries_params)
{
    /* i32.const 1; loop (type 1); br 0; end; drop; drop: br to a loop
     * needs the loop's params (i32), which are on the stack */
    EXPECT_OK(LOAD(":", "", 0, 0x41, 0x01, 0x03, 0x01, 0x0c, 0x00, 0x0b,
                   0x1a, 0x1a, 0x0b));
    /* loop (type 2) [i32]->[i32]: drop the param, then br 0 lacks it */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x03, 0x02, 0x1a, 0x0c, 0x00,
                     0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* loop (result i32): br 0 carries nothing, so this is valid */
    EXPECT_OK(LOAD(":", "", 0, 0x03, 0x7f, 0x41, 0x00, 0x0c, 0x00, 0x0b,
                   0x1a, 0x0b));
}

Test(vm_validate, if_else_types)
{
    /* i32.const 5; i32.const 1; if (type 2) [i32]->[i32]; else; i32.eqz;
     * end; drop */
    EXPECT_OK(LOAD(":", "", 0, 0x41, 0x05, 0x41, 0x01, 0x04, 0x02, 0x05,
                   0x45, 0x0b, 0x1a, 0x0b));
    /* without else: [i32]->[i32] passes its param through */
    EXPECT_OK(LOAD(":", "", 0, 0x41, 0x05, 0x41, 0x01, 0x04, 0x02, 0x0b,
                   0x1a, 0x0b));
    /* without else, [i32]->[i32 i64] cannot */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x05, 0x41, 0x01, 0x04, 0x01, 0x42,
                     0x00, 0x0b, 0x1a, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* if (result i32) without else */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x04, 0x7f, 0x41, 0x00, 0x0b,
                     0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* condition must be i32 */
    EXPECT_FAIL(LOAD(":", "", 0, 0x42, 0x01, 0x04, 0x40, 0x0b, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* else branch with the wrong result */
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x01, 0x04, 0x7f, 0x41, 0x00, 0x05,
                     0x42, 0x00, 0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
}

Test(vm_validate, misplaced_else_is_malformed)
{
    int rc = LOAD(":", "", 0, 0x02, 0x40, 0x05, 0x0b, 0x0b);
    cr_expect(eq(int, rc, LUN_EMALFORMED), "%s", g_err);
}

Test(vm_validate, branches_and_labels)
{
    /* block (result i32) i32.const 1 br 0 end drop */
    EXPECT_OK(LOAD(":", "", 0, 0x02, 0x7f, 0x41, 0x01, 0x0c, 0x00, 0x0b,
                   0x1a, 0x0b));
    EXPECT_FAIL(LOAD(":", "", 0, 0x0c, 0x01, 0x0b), LUN_EINVALID,
                "unknown label");
    /* br_if keeps the label's values: block (result i32) i32.const 1
     * i32.const 0 br_if 0 end drop */
    EXPECT_OK(LOAD(":", "", 0, 0x02, 0x7f, 0x41, 0x01, 0x41, 0x00, 0x0d,
                   0x00, 0x0b, 0x1a, 0x0b));
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x7f, 0x42, 0x01, 0x41, 0x00, 0x0d,
                     0x00, 0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* return needs the function's results */
    EXPECT_OK(LOAD(":I", "", 0, 0x42, 0x07, 0x0f, 0x0b));
    EXPECT_FAIL(LOAD(":I", "", 0, 0x41, 0x07, 0x0f, 0x0b), LUN_EINVALID,
                "type mismatch");
}

Test(vm_validate, br_table_label_arities_must_agree)
{
    /* block (result i32) block; i32.const 7; i32.const 0; br_table [1] 1;
     * end; i32.const 0; end; drop */
    EXPECT_OK(LOAD(":", "", 0, 0x02, 0x7f, 0x02, 0x40, 0x41, 0x07, 0x41,
                   0x00, 0x0e, 0x01, 0x01, 0x01, 0x0b, 0x41, 0x00, 0x0b,
                   0x1a, 0x0b));
    /* br_table [0] 1: label 0 carries nothing, label 1 an i32 */
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x7f, 0x02, 0x40, 0x41, 0x07, 0x41,
                     0x00, 0x0e, 0x01, 0x00, 0x01, 0x0b, 0x41, 0x00, 0x0b,
                     0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* same arity, different types: block (result i64) vs (result i32) */
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x7f, 0x02, 0x7e, 0x41, 0x07, 0x41,
                     0x00, 0x0e, 0x01, 0x00, 0x01, 0x0b, 0x1a, 0x41, 0x00,
                     0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x00, 0x0e, 0x00, 0x03, 0x0b),
                LUN_EINVALID, "unknown label");
}

Test(vm_validate, unreachable_makes_stack_polymorphic)
{
    EXPECT_OK(LOAD(":", "", 0, 0x00, 0x6a, 0x1a, 0x0b));
    EXPECT_OK(LOAD(":i", "", 0, 0x00, 0x0b));
    EXPECT_OK(LOAD(":iI", "", 0, 0x00, 0x0b));
    /* unreachable; select; drop: unknown operands are fine */
    EXPECT_OK(LOAD(":", "", 0, 0x00, 0x1b, 0x1a, 0x0b));
    /* but known operands are still checked */
    EXPECT_FAIL(LOAD(":", "", 0, 0x00, 0x42, 0x00, 0x6a, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* br_if in dead code produces the label's type: i32, not f32 */
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x7f, 0x00, 0x0d, 0x00, 0x8c, 0x1a,
                     0x41, 0x00, 0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* after the block ends, its polymorphism is gone */
    EXPECT_FAIL(LOAD(":", "", 0, 0x02, 0x40, 0x00, 0x0b, 0x1a, 0x0b),
                LUN_EINVALID, "type mismatch");
}

Test(vm_validate, deep_nesting_is_bounded_without_recursion)
{
    enum { DEPTH = 100000 };
    uint8_t *body = malloc(DEPTH * 3 + 1);
    size_t n = 0;
    for (int i = 0; i < DEPTH; i++) body[n++] = 0x02, body[n++] = 0x40;
    for (int i = 0; i < DEPTH; i++) body[n++] = 0x0b;
    body[n++] = 0x0b;
    int rc = load_mod(":", "", 0, NULL, body, n);
    cr_expect(eq(int, rc, LUN_ELIMIT), "%s", g_err);
    free(body);
}

Test(vm_validate, nesting_at_the_limit_is_accepted)
{
    uint8_t *body = malloc(VM_MAX_NESTING * 3 + 1);
    size_t n = 0;
    for (unsigned i = 0; i < VM_MAX_NESTING; i++)
        body[n++] = 0x03, body[n++] = 0x40;
    for (unsigned i = 0; i < VM_MAX_NESTING; i++) body[n++] = 0x0b;
    body[n++] = 0x0b;
    EXPECT_OK(load_mod(":", "", 0, NULL, body, n));
    free(body);
}

Test(vm_validate, body_must_end_exactly_at_final_end)
{
    cr_expect(eq(int, LOAD(":", "", 0, 0x01), LUN_EMALFORMED));
    cr_expect(eq(int, LOAD(":", "", 0, 0x0b, 0x01), LUN_EMALFORMED));
    cr_expect(eq(int, LOAD(":", "", 0, 0xff, 0x0b), LUN_EMALFORMED));
    cr_expect(eq(int, LOAD(":", "", 0, 0xfc, 0x7f, 0x0b), LUN_EMALFORMED));
}

Test(vm_validate, calls)
{
    /* the function calls itself: [i32] -> [i64] */
    EXPECT_OK(LOAD("i:I", "", 0, 0x41, 0x01, 0x10, 0x00, 0x0b));
    EXPECT_FAIL(LOAD("i:I", "", 0, 0x42, 0x01, 0x10, 0x00, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":", "", 0, 0x10, 0x05, 0x0b), LUN_EINVALID,
                "unknown function");
    /* call_indirect (type 2) [i32]->[i32], table 0 */
    EXPECT_OK(LOAD(":i", "", WITH_TABLE, 0x41, 0x01, 0x41, 0x00, 0x11, 0x02,
                   0x00, 0x0b));
    EXPECT_FAIL(LOAD(":i", "", 0, 0x41, 0x01, 0x41, 0x00, 0x11, 0x02, 0x00,
                     0x0b),
                LUN_EINVALID, "unknown table");
    EXPECT_FAIL(LOAD(":i", "", WITH_TABLE, 0x41, 0x01, 0x41, 0x00, 0x11,
                     0x09, 0x00, 0x0b),
                LUN_EINVALID, "unknown type");
    /* table 1 holds externrefs */
    EXPECT_FAIL(LOAD(":i", "", WITH_EXTERN_TABLE, 0x41, 0x01, 0x41, 0x00,
                     0x11, 0x02, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
}

/* }===== */
/* {===== parametric, variables */

Test(vm_validate, select_untyped_and_typed)
{
    EXPECT_OK(LOAD(":F", "", 0, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x44, 0, 0, 0,
                   0, 0, 0, 0, 0, 0x41, 0x01, 0x1b, 0x0b));
    EXPECT_FAIL(LOAD(":i", "", 0, 0x41, 0x00, 0x42, 0x00, 0x41, 0x01, 0x1b,
                     0x0b),
                LUN_EINVALID, "type mismatch");
    /* untyped select on references is invalid; typed select is fine */
    EXPECT_FAIL(LOAD(":r", "", 0, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x01, 0x1b,
                     0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_OK(LOAD(":r", "", 0, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x01, 0x1c,
                   0x01, 0x70, 0x0b));
    EXPECT_FAIL(LOAD(":r", "", 0, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x01, 0x1c,
                     0x02, 0x70, 0x70, 0x0b),
                LUN_EINVALID, "invalid result arity");
}

Test(vm_validate, locals)
{
    /* param i32, local i64: local.get 1; local.get 0; drop */
    EXPECT_OK(LOAD("i:I", "I", 0, 0x20, 0x01, 0x20, 0x00, 0x1a, 0x0b));
    EXPECT_OK(LOAD("i:i", "", 0, 0x41, 0x03, 0x22, 0x00, 0x0b));
    EXPECT_FAIL(LOAD("i:", "I", 0, 0x41, 0x03, 0x21, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD("i:", "I", 0, 0x20, 0x02, 0x1a, 0x0b), LUN_EINVALID,
                "unknown local");
}

Test(vm_validate, globals_in_bodies)
{
    EXPECT_OK(LOAD(":i", "", WITH_GLOBALS, 0x23, 0x00, 0x0b));
    EXPECT_OK(LOAD(":", "", WITH_GLOBALS, 0x42, 0x05, 0x24, 0x01, 0x0b));
    EXPECT_FAIL(LOAD(":", "", WITH_GLOBALS, 0x41, 0x05, 0x24, 0x00, 0x0b),
                LUN_EINVALID, "global is immutable");
    EXPECT_FAIL(LOAD(":", "", WITH_GLOBALS, 0x41, 0x05, 0x24, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":i", "", WITH_GLOBALS, 0x23, 0x02, 0x0b),
                LUN_EINVALID, "unknown global");
}

/* }===== */
/* {===== memory */

Test(vm_validate, memory_ops_need_a_memory)
{
    EXPECT_FAIL(LOAD(":i", "", 0, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b),
                LUN_EINVALID, "unknown memory");
    EXPECT_FAIL(LOAD(":i", "", 0, 0x3f, 0x00, 0x0b), LUN_EINVALID,
                "unknown memory");
    EXPECT_FAIL(LOAD(":", "", 0, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc,
                     0x0b, 0x00, 0x0b),
                LUN_EINVALID, "unknown memory");
    EXPECT_OK(LOAD(":i", "", WITH_MEMORY, 0x41, 0x00, 0x40, 0x00, 0x0b));
    EXPECT_OK(LOAD(":", "", WITH_MEMORY, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                   0xfc, 0x0a, 0x00, 0x00, 0x0b));
}

Test(vm_validate, alignment_at_most_natural)
{
    /* i64.load align=8 ok, align=16 not; i32.load8_u align=2 not */
    EXPECT_OK(LOAD(":I", "", WITH_MEMORY, 0x41, 0x00, 0x29, 0x03, 0x00,
                   0x0b));
    EXPECT_FAIL(LOAD(":I", "", WITH_MEMORY, 0x41, 0x00, 0x29, 0x04, 0x00,
                     0x0b),
                LUN_EINVALID, "alignment must not be larger than natural");
    EXPECT_FAIL(LOAD(":i", "", WITH_MEMORY, 0x41, 0x00, 0x2d, 0x01, 0x00,
                     0x0b),
                LUN_EINVALID, "alignment must not be larger than natural");
    /* an exponent of 32 or more is no alignment at all */
    cr_expect(eq(int,
                 LOAD(":i", "", WITH_MEMORY, 0x41, 0x00, 0x28, 0x20, 0x00,
                      0x0b),
                 LUN_EMALFORMED));
}

Test(vm_validate, memory_reserved_byte_must_be_zero)
{
    cr_expect(eq(int, LOAD(":i", "", WITH_MEMORY, 0x3f, 0x01, 0x0b),
                 LUN_EMALFORMED));
}

Test(vm_validate, bulk_data_ops_need_data_count)
{
    /* memory.init 0 0 and data.drop 0 with a data count section */
    EXPECT_OK(LOAD(":", "", WITH_MEMORY | WITH_DATA, 0x41, 0x00, 0x41, 0x00,
                   0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0xfc, 0x09, 0x00,
                   0x0b));
    EXPECT_FAIL(LOAD(":", "", WITH_MEMORY | WITH_DATA_NO_COUNT, 0xfc, 0x09,
                     0x00, 0x0b),
                LUN_EMALFORMED, "data count section required");
    EXPECT_FAIL(LOAD(":", "", WITH_MEMORY | WITH_DATA, 0xfc, 0x09, 0x01,
                     0x0b),
                LUN_EINVALID, "unknown data segment");
    EXPECT_FAIL(LOAD(":", "", WITH_DATA, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
                     0xfc, 0x08, 0x00, 0x00, 0x0b),
                LUN_EINVALID, "unknown memory");
}

/* }===== */
/* {===== tables and references */

Test(vm_validate, table_ops)
{
    /* table.get 0 -> funcref; table.size; table.grow; table.fill */
    EXPECT_OK(LOAD(":r", "", WITH_TABLE, 0x41, 0x00, 0x25, 0x00, 0x0b));
    EXPECT_OK(LOAD(":", "", WITH_TABLE, 0x41, 0x00, 0xd0, 0x70, 0x26, 0x00,
                   0x0b));
    EXPECT_OK(LOAD(":i", "", WITH_TABLE, 0xfc, 0x10, 0x00, 0x0b));
    EXPECT_OK(LOAD(":i", "", WITH_TABLE, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x0f,
                   0x00, 0x0b));
    EXPECT_OK(LOAD(":", "", WITH_TABLE, 0x41, 0x00, 0xd0, 0x70, 0x41, 0x01,
                   0xfc, 0x11, 0x00, 0x0b));
    /* table.set 1 (externref) with a funcref */
    EXPECT_FAIL(LOAD(":", "", WITH_EXTERN_TABLE, 0x41, 0x00, 0xd0, 0x70,
                     0x26, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":i", "", 0, 0xfc, 0x10, 0x00, 0x0b), LUN_EINVALID,
                "unknown table");
}

Test(vm_validate, table_copy_init_and_elem_drop)
{
    const unsigned both = WITH_EXTERN_TABLE | WITH_ELEM;
    /* table.copy 0 0 ok; table.copy 0 1 mixes funcref and externref */
    EXPECT_OK(LOAD(":", "", both, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc,
                   0x0e, 0x00, 0x00, 0x0b));
    EXPECT_FAIL(LOAD(":", "", both, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc,
                     0x0e, 0x00, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* table.init elem 0 into table 0 ok, into table 1 (externref) not */
    EXPECT_OK(LOAD(":", "", both, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc,
                   0x0c, 0x00, 0x00, 0xfc, 0x0d, 0x00, 0x0b));
    EXPECT_FAIL(LOAD(":", "", both, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc,
                     0x0c, 0x00, 0x01, 0x0b),
                LUN_EINVALID, "type mismatch");
    EXPECT_FAIL(LOAD(":", "", both, 0xfc, 0x0d, 0x01, 0x0b), LUN_EINVALID,
                "unknown elem segment");
}

Test(vm_validate, ref_func_must_be_declared)
{
    EXPECT_FAIL(LOAD(":r", "", 0, 0xd2, 0x00, 0x0b), LUN_EINVALID,
                "undeclared function reference");
    EXPECT_OK(LOAD(":r", "", WITH_DECLARED, 0xd2, 0x00, 0x0b));
    EXPECT_FAIL(LOAD(":r", "", WITH_DECLARED, 0xd2, 0x03, 0x0b),
                LUN_EINVALID, "unknown function");
}

Test(vm_validate, ref_null_and_is_null)
{
    EXPECT_OK(LOAD(":i", "", 0, 0xd0, 0x6f, 0xd1, 0x0b));
    EXPECT_FAIL(LOAD(":i", "", 0, 0x41, 0x00, 0xd1, 0x0b), LUN_EINVALID,
                "type mismatch");
    EXPECT_FAIL(LOAD(":e", "", 0, 0xd0, 0x70, 0x0b), LUN_EINVALID,
                "type mismatch");
    cr_expect(eq(int, LOAD(":e", "", 0, 0xd0, 0x7f, 0x0b), LUN_EMALFORMED));
}

/* }===== */
/* {===== constant expressions */

static int load_globals(const uint8_t *payload, size_t n)
{
    static const uint8_t body[] = {0x0b};
    buf g = {(uint8_t *)payload, n, n};
    return load_mod(":", "", 0, &g, body, sizeof body);
}

#define GLOBALS(...) load_globals(BYTES(__VA_ARGS__), NBYTES(__VA_ARGS__))

Test(vm_validate, global_initialisers)
{
    EXPECT_OK(GLOBALS(0x01, 0x7e, 0x00, 0x42, 0x05, 0x0b));
    EXPECT_FAIL(GLOBALS(0x01, 0x7f, 0x00, 0x42, 0x05, 0x0b), LUN_EINVALID,
                "type mismatch");
    EXPECT_FAIL(GLOBALS(0x01, 0x7f, 0x00, 0x0b), LUN_EINVALID,
                "type mismatch");
    EXPECT_FAIL(GLOBALS(0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0b),
                LUN_EINVALID, "type mismatch");
    /* i32.const 1; i32.const 2; i32.add is not constant in 2.0 */
    EXPECT_FAIL(GLOBALS(0x01, 0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a,
                        0x0b),
                LUN_EINVALID, "constant expression required");
    /* global.get of a module-defined global is not allowed */
    EXPECT_FAIL(GLOBALS(0x02, 0x7f, 0x00, 0x41, 0x01, 0x0b, 0x7f, 0x00,
                        0x23, 0x00, 0x0b),
                LUN_EINVALID, "unknown global");
}

Test(vm_validate, ref_func_in_global_declares_the_function)
{
    /* global funcref = ref.func 0 makes ref.func 0 valid in the body */
    static const uint8_t g[] = {0x01, 0x70, 0x00, 0xd2, 0x00, 0x0b};
    static const uint8_t body[] = {0xd2, 0x00, 0x1a, 0x0b};
    buf gb = {(uint8_t *)g, sizeof g, sizeof g};
    EXPECT_OK(load_mod(":", "", 0, &gb, body, sizeof body));
}

/* }===== */
