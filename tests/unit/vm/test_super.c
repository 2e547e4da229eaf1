/* test_super.c: every superinstruction of vm/super_list.h against the
 * plain interpreter.
 *
 * The module super.wasm is written at build time by gen_super.py from the
 * table itself: for each row, functions whose body is the wasm the fuser
 * turns into that row's superinstruction. Loaded twice, with fusion and
 * without (vm_config.no_fusion, the reference semantics), it must
 *   - select each row's superinstruction in at least one function, found
 *     in the compiled code (so a row cannot land without a test), and
 *     none at all without fusion;
 *   - give the same results, traps and memory for every function on
 *     edge-value inputs (wrap-around, the page end, NaNs, -0, ...).
 * It uses compiler internals (vm__compile, the handler table) to look at
 * the code, as tools/vmdump.c does. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/exec.h"
#include "vm/vm_int.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "build/release/fixtures"
#endif
#define SUPER_WASM FIXTURE_DIR "/super.wasm"

#ifndef VM_NO_FUSION

enum { NROWS = IOP_COUNT_ - IOP_SUPER_FIRST_, PAGE = 65536, MAX_FAILS = 40 };

static const char *const row_name[] = {
#define SI(name, ...) #name,
#include "vm/super_list.h"
};
_Static_assert(sizeof row_name / sizeof row_name[0] == NROWS, "one name per row");

/* {===== the two instances */

typedef struct side {
    vm_module_t *mod;
    vm_instance_t *inst;
    vm_exec_t *ex;
    uint8_t *mem;
} side;

static side fused, plain;
static uint8_t pristine[PAGE]; /* what memory holds before each call */

static uint8_t *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "missing %s (made by make from gen_super.py)", path);
    cr_assert(fseek(f, 0, SEEK_END) == 0);
    long n = ftell(f);
    cr_assert(n > 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n);
    cr_assert(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *out_len = (size_t)n;
    return buf;
}

static void open_side(side *s, const uint8_t *bytes, size_t len, bool no_fusion)
{
    char err[256];
    vm_config cfg = {.no_fusion = no_fusion};
    cr_assert(vm_module_load(bytes, len, &cfg, &s->mod, err, sizeof err) == 0, "%s", err);
    cr_assert(vm_instance_new(s->mod, NULL, 0, NULL, &s->inst, err, sizeof err) == 0, "%s",
              err);
    uint64_t size = 0;
    s->mem = vm_memory_data(vm_instance_memory(s->inst), &size);
    cr_assert(s->mem && size == PAGE, "the module has one page of memory");
    s->ex = vm_exec_new(NULL);
    cr_assert(s->ex);
}

static void close_side(side *s)
{
    vm_exec_free(s->ex);
    vm_instance_free(s->inst);
    vm_module_free(s->mod);
}

/* Edge values as stored bits, that loads of every width and type see in
 * the table at bytes 0..255 (src "load"/"abs" of gen_super.py). */
static const uint64_t table_words[] = {
    0, 1, UINT64_MAX, 0x8000000000000000u, 0x7fffffffffffffffu, 0xfffffff0u, 0x7fffffffu,
    0x80000000u, 0x7ff8000000000000u,                /* f64 NaN */
    0x7ff4000000000001u,                              /* f64 signalling NaN, payload */
    0xfff8000000000000u, 0x7ff0000000000000u,         /* -NaN, +inf */
    0xfff0000000000000u, 0x8000000000000000u | 1u,    /* -inf, -denormal */
    0x3ff8000000000000u, 0x7fefffffffffffffu,         /* 1.5, max */
    0x7fc000007fa00001u, 0xff80000080000000u,         /* f32 NaN, sNaN; -inf, -0 */
    0x3fc00000bfc00000u, 0x7f7fffff00000001u,         /* 1.5, -1.5; max, denormal */
    0x0000fffc0000fff0u, 0x0001000000010004u, 0x80ff7f0180ff7f01u, 0x0123456789abcdefu,
    0xffff0000ffff8000u, 0x00000000ffffffffu, 0x41dfffffffc00000u, 0xc1e0000000000000u,
    0x000000000000fff8u, 0x4f0000004f800000u, 0xdeadbeefcafef00du, 0x5555aaaa3333ccccu,
};

/* The table, then pseudo-random bytes to the end of the page. */
static void fill_pristine(void)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < PAGE; i++) {
        x = x * 1103515245u + 12345u;
        pristine[i] = (uint8_t)(x >> 16);
    }
    _Static_assert(sizeof table_words == 256, "the table is 256 bytes");
    for (size_t i = 0; i < 32; i++)
        for (int b = 0; b < 8; b++)
            pristine[8 * i + (size_t)b] = (uint8_t)(table_words[i] >> (8 * b));
}

static void setup(void)
{
    size_t len;
    uint8_t *bytes = read_file(SUPER_WASM, &len);
    open_side(&fused, bytes, len, false);
    open_side(&plain, bytes, len, true);
    free(bytes);
    fill_pristine();
    memcpy(fused.mem, pristine, PAGE);
    memcpy(plain.mem, pristine, PAGE);
}

static void teardown(void)
{
    close_side(&fused);
    close_side(&plain);
}

TestSuite(vm_super, .init = setup, .fini = teardown, .timeout = 300);

/* }===== */
/* {===== selection: the superinstructions in the compiled code */

/* The superinstruction whose handler word is w, or -1. */
static int super_of(const void *const *handlers, const void *w)
{
    for (int k = IOP_SUPER_FIRST_; k < IOP_COUNT_; k++)
        if (handlers[k] == w) return k - IOP_SUPER_FIRST_;
    return -1;
}

/* Marks in held[] (when not NULL) the rows that function i's code holds;
 * returns the first row it holds, or -1. Operand words are matched too:
 * no operand (slots, offsets, immediates of the test) equals a handler's
 * address. */
static int scan_code(side *s, uint32_t i, bool *held)
{
    vm_code *c = vm__compile(s->mod, &s->mod->funcs[i]);
    cr_assert(c != NULL, "compiling function %u", i);
    const void *const *handlers = vm__exec_handlers();
    int first = -1;
    for (uint32_t w = 0; w < c->nops; w++) {
        int r = super_of(handlers, c->ops[w].h);
        if (r < 0) continue;
        if (first < 0) first = r;
        if (held) held[r] = true;
    }
    return first;
}

/* The row an export `ROW:variant` is written for, or -1. */
static int row_of_export(const char *name)
{
    const char *colon = strchr(name, ':');
    size_t n = colon ? (size_t)(colon - name) : 0;
    for (int r = 0; r < NROWS; r++)
        if (strlen(row_name[r]) == n && memcmp(row_name[r], name, n) == 0) return r;
    return -1;
}

Test(vm_super, handlers_are_distinct)
{
    /* otherwise finding a handler in the code would not name one row */
    const void *const *h = vm__exec_handlers();
    for (int k = IOP_SUPER_FIRST_; k < IOP_COUNT_; k++)
        for (int j = 0; j < IOP_COUNT_; j++)
            cr_assert(j == k || h[j] != h[k], "iop %d shares %s's handler", j,
                      row_name[k - IOP_SUPER_FIRST_]);
}

/* Each row's superinstruction is in the code of a function written for
 * that row (export `ROW:...`): the pattern gen_super.py writes for it is
 * the one the fuser selects it for. */
Test(vm_super, every_row_is_selected_by_its_test_functions)
{
    static bool own[NROWS];
    vm_module_t *m = fused.mod;
    for (uint32_t e = 0; e < m->nexports; e++) {
        if (m->exports[e].kind != VM_EXTERN_FUNC) continue;
        static bool held[NROWS];
        memset(held, 0, sizeof held);
        scan_code(&fused, m->exports[e].index, held);
        int r = row_of_export(m->exports[e].name);
        if (r >= 0 && held[r]) own[r] = true;
    }
    int missing = 0;
    for (int r = 0; r < NROWS; r++) {
        if (own[r]) continue;
        missing++;
        cr_expect(own[r], "superinstruction %s is selected by no function of super.wasm "
                  "written for it: give its family a template in tests/unit/vm/gen_super.py",
                  row_name[r]);
    }
    cr_assert(missing == 0, "%d of %d superinstructions untested", missing, NROWS);
}

Test(vm_super, no_fusion_compiles_no_superinstruction)
{
    for (uint32_t i = plain.mod->nfunc_imports; i < plain.mod->nfuncs; i++) {
        int r = scan_code(&plain, i, NULL);
        cr_assert(r < 0, "%s compiled with no_fusion holds %s", plain.mod->funcs[i].name,
                  r >= 0 ? row_name[r] : "");
    }
}

/* }===== */
/* {===== equivalence on edge inputs */

static const uint64_t i32_edges[] = {
    0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu, 0xfffffff0u, 0x20, 7,
    65520, 65528, 65532, 65533, 65535, 65536,
};
static const uint64_t i32_short[] = {0, 1, 0xffffffffu, 0x20, 0xfffffff0u, 65532, 65535, 65536};
static const uint64_t i64_edges[] = {
    0, 1, UINT64_MAX, 0x8000000000000000u, 0x7fffffffffffffffu, 0xfffffff0u,
    0xffffffffu, 0x100000000u, 0xffffffff80000000u, 0x7fffffffu, 65532, 65536,
    0x8000000000000001u,
};
static const uint64_t i64_short[] = {0, 1, UINT64_MAX, 0x8000000000000000u, 0xffffffffu, 65536};
static const uint64_t f32_edges[] = {
    0, 0x80000000u, 0x3fc00000u, 0xbfc00000u, 0x7fc00000u, 0x7fa00001u, 0xffc00000u,
    0x7f800000u, 0xff800000u, 1, 0x7f7fffffu, 0x00800000u,
};
static const uint64_t f32_short[] = {0, 0x80000000u, 0x3fc00000u, 0x7fa00001u, 0xff800000u, 1};
static const uint64_t f64_edges[] = {
    0, 0x8000000000000000u, 0x3ff8000000000000u, 0xbff8000000000000u, 0x7ff8000000000000u,
    0x7ff4000000000001u, 0xfff8000000000000u, 0x7ff0000000000000u, 0xfff0000000000000u, 1,
    0x7fefffffffffffffu, 0x4340000000000001u,
};
static const uint64_t f64_short[] = {0, 0x8000000000000000u, 0x3ff8000000000000u,
                                     0x7ff4000000000001u, 0xfff0000000000000u, 1};

typedef struct edge_list {
    const uint64_t *v;
    size_t n;
} edge_list;

#define LIST(a) ((edge_list){a, sizeof a / sizeof a[0]})

/* The inputs of a param of type t: all edges with up to two params, fewer
 * with more (to keep the product of the lists small). */
static edge_list edges_of(uint8_t t, uint32_t nparams)
{
    bool all = nparams <= 2;
    switch (t) {
    case VM_I32: return all ? LIST(i32_edges) : LIST(i32_short);
    case VM_I64: return all ? LIST(i64_edges) : LIST(i64_short);
    case VM_F32: return all ? LIST(f32_edges) : LIST(f32_short);
    default: return all ? LIST(f64_edges) : LIST(f64_short);
    }
}

static unsigned width_of(uint8_t t)
{
    return t == VM_I32 || t == VM_F32 ? 4 : 8;
}

static bool is_nan_bits(uint64_t bits, unsigned width)
{
    if (width == 4) return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu);
    return (bits & 0x7ff0000000000000u) == 0x7ff0000000000000u && (bits & 0xfffffffffffffu);
}

static uint64_t bits_of(vm_value v, uint8_t t)
{
    return width_of(t) == 4 ? v.u32 : v.u64;
}

/* What one call did. */
typedef struct outcome {
    vm_status st;
    vm_trap_kind trap;
    uint32_t nresults;
    uint64_t bits; /* the result's bits (every test function has at most one) */
} outcome;

static outcome run(side *s, vm_func_t *f, const vm_value *args, uint32_t nargs, uint8_t rtype)
{
    outcome o = {0};
    cr_assert(vm_exec_call(s->ex, f, args, nargs) == 0);
    o.st = vm_run(s->ex, UINT64_MAX);
    if (o.st == VM_TRAP) {
        o.trap = vm_exec_trap(s->ex);
    } else if (o.st == VM_DONE) {
        vm_value r[2];
        o.nresults = vm_exec_results(s->ex, r, 2);
        if (o.nresults) o.bits = bits_of(r[0], rtype);
    }
    return o;
}

/* Whether the two memories differ other than by one NaN of `width` bytes
 * (a store of an arithmetic result, whose payload is not specified) where
 * nan_ok. Sets *at to the first differing byte. */
static bool memory_differs(bool nan_ok, unsigned width, size_t *at)
{
    const uint8_t *a = fused.mem, *b = plain.mem;
    *at = PAGE;
    if (memcmp(a, b, PAGE) == 0) return false;
    size_t i = 0;
    while (a[i] == b[i]) i++;
    *at = i;
    if (!nan_ok) return true;
    for (size_t s = i >= width - 1 ? i - (width - 1) : 0; s <= i && s + width <= PAGE; s++) {
        uint64_t x = 0, y = 0;
        memcpy(&x, a + s, width);
        memcpy(&y, b + s, width);
        if (is_nan_bits(x, width) && is_nan_bits(y, width) &&
            memcmp(a + s + width, b + s + width, PAGE - s - width) == 0)
            return false;
    }
    return true;
}

static int nfails;
static unsigned long ncalls;

/* {===== naming the call that crashed (a broken handler can fault) */

static const char *volatile crash_name;
static const vm_value *volatile crash_args;
static volatile uint32_t crash_nargs;
static const char *volatile crash_side;

static void put(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

/* Writes which call was running, then dies of the signal as it would
 * have: only async-signal-safe calls. */
static void on_crash(int sig)
{
    put("\ntest_super: crashed in ");
    put(crash_name ? crash_name : "?");
    put("(");
    for (uint32_t i = 0; crash_args && i < crash_nargs; i++) {
        char hex[20] = "0x", *p = hex + 2;
        for (int d = 60; d >= 0; d -= 4) *p++ = "0123456789abcdef"[(crash_args[i].u64 >> d) & 15];
        *p = 0;
        put(i ? ", " : "");
        put(hex);
    }
    put(") ");
    put(crash_side ? crash_side : "");
    put("\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Not under ASan, whose own report of the fault says more. */
static void catch_crashes(void)
{
#ifndef UNDER_ASAN
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
#else
    (void)on_crash;
#endif
}

/* }===== */

static void describe(char *buf, size_t cap, const outcome *o)
{
    if (o->st == VM_TRAP) snprintf(buf, cap, "trap \"%s\"", vm_trap_text(o->trap));
    else if (o->st != VM_DONE) snprintf(buf, cap, "status %d", (int)o->st);
    else if (!o->nresults) snprintf(buf, cap, "no result");
    else snprintf(buf, cap, "0x%" PRIx64, o->bits);
}

static void report(const char *name, const vm_value *args, uint32_t nargs, const uint8_t *pt,
                   const outcome *of, const outcome *op, const char *what, size_t at)
{
    if (++nfails > MAX_FAILS) return;
    char in[256] = "", a[64], b[64];
    size_t n = 0;
    for (uint32_t i = 0; i < nargs && n < sizeof in; i++)
        n += (size_t)snprintf(in + n, sizeof in - n, "%s0x%" PRIx64, i ? ", " : "",
                              bits_of(args[i], pt[i]));
    describe(a, sizeof a, of);
    describe(b, sizeof b, op);
    if (at < PAGE)
        cr_expect(false,
                  "%s(%s): memory differs at %zu: fused %02x, unfused %02x (results %s, %s)",
                  name, in, at, fused.mem[at], plain.mem[at], a, b);
    else
        cr_expect(false, "%s(%s): %s differ: fused %s, unfused %s", name, in, what, a, b);
}

/* Restores both memories when a call wrote either. */
static void restore_memory(void)
{
    if (memcmp(fused.mem, pristine, PAGE) != 0 || memcmp(plain.mem, pristine, PAGE) != 0) {
        memcpy(fused.mem, pristine, PAGE);
        memcpy(plain.mem, pristine, PAGE);
    }
}

/* Calls export `name` with one input tuple on both sides and compares
 * what they did: the result, or for a function with none (a store, move,
 * copy or fill) the memory it wrote, compared after each call. */
static void check_call(const char *name, vm_func_t *ff, vm_func_t *fp, const vm_value *args,
                       uint32_t nargs, const uint8_t *pt, uint8_t rtype, bool nan_ok)
{
    crash_name = name;
    crash_args = args;
    crash_nargs = nargs;
    crash_side = "fused";
    outcome of = run(&fused, ff, args, nargs, rtype);
    crash_side = "unfused";
    outcome op = run(&plain, fp, args, nargs, rtype);
    ncalls++;
    bool same = of.st == op.st && of.trap == op.trap && of.nresults == op.nresults;
    bool same_value = of.bits == op.bits ||
                      (nan_ok && is_nan_bits(of.bits, width_of(rtype)) &&
                       is_nan_bits(op.bits, width_of(rtype)));
    if (!same) report(name, args, nargs, pt, &of, &op, "outcomes", PAGE);
    else if (!same_value) report(name, args, nargs, pt, &of, &op, "results", PAGE);
    if (of.nresults) return;
    /* the width of a stored NaN: the function's name says f32 or f64 */
    unsigned w = strstr(name, "F32") ? 4 : 8;
    size_t at;
    if (memory_differs(nan_ok, w, &at)) report(name, args, nargs, pt, &of, &op, "", at);
    restore_memory();
}

/* Every tuple of edge inputs for export i. */
static void check_export(uint32_t i)
{
    vm_import_info info;
    cr_assert(vm_module_export(fused.mod, i, &info) == 0);
    if (info.kind != VM_EXTERN_FUNC) return;
    vm_func_t *ff = vm_instance_export_func(fused.inst, info.name);
    vm_func_t *fp = vm_instance_export_func(plain.inst, info.name);
    cr_assert(ff && fp, "export %s", info.name);
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    vm_func_type(ff, &np, &pt, &nr, &rt);
    cr_assert(np <= 8 && nr <= 1, "%s: at most 8 params and one result", info.name);
    uint8_t rtype = nr ? rt[0] : VM_I32;
    bool nan_ok = strstr(info.name, "!n") != NULL;
    edge_list lists[8];
    size_t idx[8] = {0};
    for (uint32_t p = 0; p < np; p++) lists[p] = edges_of(pt[p], np);
    for (;;) {
        vm_value args[8];
        for (uint32_t p = 0; p < np; p++) {
            args[p].u64 = lists[p].v[idx[p]];
            if (width_of(pt[p]) == 4) args[p].u64 &= 0xffffffffu;
        }
        check_call(info.name, ff, fp, args, np, pt, rtype, nan_ok);
        uint32_t p = 0; /* the next tuple, like an odometer */
        while (p < np && ++idx[p] == lists[p].n) idx[p++] = 0;
        if (p == np) break;
    }
    /* A function with a result writes no memory: checked once, after all
     * its calls (a stray write stays until then). */
    if (nr) {
        size_t at;
        cr_expect(!memory_differs(false, 8, &at) && memcmp(fused.mem, pristine, PAGE) == 0,
                  "%s: a function with a result wrote memory (at %zu)", info.name, at);
        restore_memory();
    }
}

Test(vm_super, fused_equals_unfused_on_edge_inputs)
{
    uint32_t n = vm_module_export_count(fused.mod);
    cr_assert(n > NROWS, "super.wasm has %u exports", n);
    catch_crashes();
    for (uint32_t i = 0; i < n; i++) check_export(i);
    cr_log_info("vm_super: %u functions, %lu calls on each side", n, ncalls);
    cr_assert(nfails == 0, "%d calls differ (the first %d reported; see the functions in %s)",
              nfails, MAX_FAILS, FIXTURE_DIR "/super.wat");
}

/* }===== */

#else /* VM_NO_FUSION: there are no superinstructions to test */

Test(vm_super, built_without_fusion) {}

#endif
