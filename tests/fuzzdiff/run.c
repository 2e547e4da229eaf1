/* run.c: the interpreter's side of the differential fuzzer (make fuzz-diff).
 * Runs each module named on the command line (or one per line on stdin
 * with "-") the way tests/fuzzdiff/runner.js runs it on V8, and prints the
 * same canonical transcript, so the two can be compared line by line:
 *
 *   module NAME
 *   load error | import-skip MOD.NAME | inst trap KIND | inst error
 *   call EXPORT            one per exported function, in export order
 *   log TYPE VALUE         each value passed to a fuzzing-support import
 *   ret VALUE...           | trap KIND | skip v128 (JS cannot pass it)
 *   global NAME VALUE      exported globals, after the calls
 *   memory NAME BYTES HASH exported memories (FNV-1a), after the calls
 *   end
 *
 * Values: i32/i64 signed decimal, f32/f64 "f32:0xBITS" or "nan" (any NaN
 * equals any NaN), references "null" / "ref". Arguments are zero.
 * --no-fusion (or LUNATIC_NO_FUSION=1) loads the modules without the
 * superinstructions, to tell a peephole bug from a core one. */
#include "common/lun_prefix.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_err.h"
#include "vm/vm.h"

#define SLICE 100000            /* reductions per vm_run() */
#define MAX_REDUCTIONS 400000000 /* a call past this is a hang, not a result */
#define MAX_RESULTS 64
#define MAX_IMPORTS 256

typedef struct driver {
    vm_config cfg;
    vm_exec_t *ex;
    bool hung; /* the current module ran out of budget: stop calling it */
} driver;

/* One fuzzing-support import: what to print its arguments as. */
typedef struct log_stub {
    char types[16]; /* the sig letters of its parameters */
} log_stub;

/* {===== values */

static void print_float(char letter, uint64_t bits)
{
    bool f32 = letter == 'f';
    uint64_t exp = f32 ? 0x7f800000u : UINT64_C(0x7ff0000000000000);
    uint64_t man = f32 ? 0x007fffffu : UINT64_C(0x000fffffffffffff);
    if ((bits & exp) == exp && (bits & man) != 0)
        fputs("nan", stdout); /* the spec lets NaN payloads differ */
    else if (f32)
        printf("f32:0x%08" PRIx32, (uint32_t)bits);
    else
        printf("f64:0x%016" PRIx64, bits);
}

/* Prints one value whose type has sig letter `t`. */
static void print_value(char t, uint64_t bits)
{
    switch (t) {
    case 'i': printf("%" PRId32, (int32_t)(uint32_t)bits); break;
    case 'I': printf("%" PRId64, (int64_t)bits); break;
    case 'f': case 'F': print_float(t, bits); break;
    case 'r': case 'e': fputs(bits ? "ref" : "null", stdout); break;
    default: fputs("v128", stdout); break;
    }
}

static char type_letter(uint8_t t)
{
    switch (t) {
    case VM_I32: return 'i';
    case VM_I64: return 'I';
    case VM_F32: return 'f';
    case VM_F64: return 'F';
    case VM_FUNCREF: return 'r';
    case VM_EXTERNREF: return 'e';
    default: return 'v';
    }
}

static uint64_t value_bits(char t, vm_value v)
{
    return t == 'i' || t == 'f' ? v.u32 : t == 'r' || t == 'e' ? v.ref : v.u64;
}

/* Trap kinds as both sides can tell them apart: V8 reports an index past
 * a table and an undefined element alike, a null entry and a wrong
 * signature alike, and a NaN and an out-of-range value in a float-to-int
 * truncation alike ("float unrepresentable in integer range"). */
static const char *trap_name(vm_trap_kind k)
{
    switch (k) {
    case VM_TRAP_UNREACHABLE: return "unreachable";
    case VM_TRAP_MEM_OOB: return "memory";
    case VM_TRAP_TABLE_OOB: case VM_TRAP_UNDEF_ELEM: return "table";
    case VM_TRAP_UNINIT_ELEM: case VM_TRAP_SIG_MISMATCH: return "indirect";
    case VM_TRAP_DIV_ZERO: return "divzero";
    case VM_TRAP_INT_OVERFLOW: case VM_TRAP_BAD_CONVERSION: return "overflow";
    case VM_TRAP_STACK_EXHAUSTED: return "stack";
    case VM_TRAP_OUT_OF_MEMORY: return "oom";
    case VM_TRAP_HOST: return "host";
    default: return "other";
    }
}

/* }===== */
/* {===== imports */

/* "func (i32 f64) -> ()" -> params "iF", results "". False on a type it
 * does not know. */
static bool parse_functype(const char *text, char *params, char *results,
                           size_t cap)
{
    static const struct { const char *name; char letter; } names[] = {
        {"i32", 'i'}, {"i64", 'I'}, {"f32", 'f'}, {"f64", 'F'},
        {"v128", 'v'}, {"funcref", 'r'}, {"externref", 'e'}};
    char *out = params;
    size_t n = 0;
    for (const char *p = text; *p != '\0';) {
        size_t len = strcspn(p, " ()->");
        if (len == 0) {
            if (p[0] == '-' && p[1] == '>') {
                out[n] = '\0';
                out = results;
                n = 0;
            }
            p++;
            continue;
        }
        size_t k = 0;
        while (k < 7 && (strlen(names[k].name) != len ||
                         strncmp(p, names[k].name, len) != 0))
            k++;
        if (k == 7 && !(len == 4 && strncmp(p, "func", 4) == 0))
            return false;
        if (k < 7) {
            if (n + 1 >= cap)
                return false;
            out[n++] = names[k].letter;
        }
        p += len;
    }
    out[n] = '\0';
    return out == results;
}

/* Logs its arguments. A v128 cannot cross into JavaScript: V8 throws a
 * TypeError at the call, so the stub traps the same way. */
static vm_status log_fn(vm_exec_t *ex, vm_slot *args, void *ud)
{
    const log_stub *s = ud;
    if (strchr(s->types, 'v') != NULL) {
        vm_exec_set_trap(ex, VM_TRAP_HOST, "v128 passed to JavaScript");
        return VM_TRAP;
    }
    for (size_t i = 0; s->types[i] != '\0'; i++) {
        printf("log %c ", s->types[i]);
        print_value(s->types[i], args[i].u64);
        putchar('\n');
    }
    return VM_OK;
}

/* Stubs for the module's imports: functions of "fuzzing-support" taking
 * parameters and returning nothing. Anything else cannot be satisfied:
 * prints import-skip and returns false. */
static bool make_imports(vm_module_t *m, vm_extern *imports,
                         log_stub *stubs, uint32_t *out_n)
{
    uint32_t n = vm_module_import_count(m);
    *out_n = 0;
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        char params[16], results[16];
        vm_module_import(m, i, &info);
        if (i >= MAX_IMPORTS || info.kind != VM_EXTERN_FUNC ||
            strcmp(info.module, "fuzzing-support") != 0 ||
            strncmp(info.name, "log", 3) != 0 ||
            !parse_functype(info.type_text, params, results, sizeof params) ||
            results[0] != '\0') {
            printf("import-skip %s.%s\n", info.module, info.name);
            return false;
        }
        memcpy(stubs[i].types, params, sizeof params);
        char sig[40];
        snprintf(sig, sizeof sig, "%s:", params);
        imports[i].kind = VM_EXTERN_FUNC;
        imports[i].u.func = vm_host_func_new(sig, log_fn, &stubs[i], info.name);
        *out_n = i + 1;
        if (imports[i].u.func == NULL)
            return false;
    }
    return true;
}

/* }===== */
/* {===== running */

/* Runs the prepared call to its end or the reduction cap. */
static vm_status run_capped(driver *d)
{
    vm_status st;
    uint64_t spent = 0;
    while ((st = vm_run(d->ex, SLICE)) == VM_YIELD) {
        spent += vm_exec_reductions_used(d->ex);
        if (spent >= MAX_REDUCTIONS) {
            d->hung = true;
            return VM_YIELD;
        }
    }
    return st;
}

static void print_results(vm_exec_t *ex, uint32_t nres, const uint8_t *res)
{
    vm_value out[MAX_RESULTS];
    uint32_t n = vm_exec_results(ex, out, MAX_RESULTS);
    fputs("ret", stdout);
    for (uint32_t i = 0; i < n && i < nres && i < MAX_RESULTS; i++) {
        char t = type_letter(res[i]);
        putchar(' ');
        print_value(t, value_bits(t, out[i]));
    }
    putchar('\n');
}

/* Calls f with zero arguments and prints the outcome. */
static void call_export(driver *d, vm_func_t *f)
{
    uint32_t np, nr;
    const uint8_t *params, *results;
    vm_value args[MAX_RESULTS];
    vm_func_type(f, &np, &params, &nr, &results);
    bool has_v128 = memchr(params, VM_V128, np) || memchr(results, VM_V128, nr);
    if (has_v128 || np > MAX_RESULTS || nr > MAX_RESULTS) {
        puts("skip v128"); /* JS throws a TypeError before the call */
        return;
    }
    memset(args, 0, sizeof args);
    vm_exec_reset(d->ex);
    if (vm_exec_call(d->ex, f, args, np) != 0) {
        puts("call-error");
        return;
    }
    vm_status st = run_capped(d);
    if (st == VM_DONE)
        print_results(d->ex, nr, results);
    else if (st == VM_TRAP)
        printf("trap %s\n", trap_name(vm_exec_trap(d->ex)));
    else
        puts("hang");
}

static uint32_t fnv1a(const uint8_t *p, uint64_t n)
{
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* After the calls: exported globals and memories, in export order. */
static void print_state(vm_instance_t *in, vm_module_t *m)
{
    uint32_t n = vm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        vm_extern e;
        vm_module_export(m, i, &info);
        if (vm_instance_export(in, info.name, info.name_len, &e) != 0)
            continue;
        if (e.kind == VM_EXTERN_MEMORY) {
            uint64_t size;
            uint8_t *bytes = vm_memory_data(e.u.memory, &size);
            printf("memory %s %" PRIu64 " %08" PRIx32 "\n", info.name, size,
                   fnv1a(bytes, size));
        } else if (e.kind == VM_EXTERN_GLOBAL) {
            const char *t = strrchr(info.type_text, ' ');
            char letter = 'v';
            if (t != NULL && strcmp(t + 1, "i32") == 0) letter = 'i';
            if (t != NULL && strcmp(t + 1, "i64") == 0) letter = 'I';
            if (t != NULL && strcmp(t + 1, "f32") == 0) letter = 'f';
            if (t != NULL && strcmp(t + 1, "f64") == 0) letter = 'F';
            if (t != NULL && strcmp(t + 1, "funcref") == 0) letter = 'r';
            if (t != NULL && strcmp(t + 1, "externref") == 0) letter = 'e';
            printf("global %s ", info.name);
            print_value(letter, value_bits(letter, vm_global_get(e.u.global)));
            putchar('\n');
        }
    }
}

/* Resets -ttf's hang limit (10 loop iterations and calls, shared by all
 * calls) before a call, as binaryen's own harness does. */
static void reset_hang_limit(driver *d, vm_func_t *reset)
{
    uint32_t np, nr;
    const uint8_t *params, *results;
    if (reset == NULL)
        return;
    vm_func_type(reset, &np, &params, &nr, &results);
    if (np != 0 || nr != 0)
        return;
    vm_exec_reset(d->ex);
    vm_exec_call(d->ex, reset, NULL, 0);
    vm_status st = run_capped(d);
    if (st == VM_TRAP)
        printf("reset trap %s\n", trap_name(vm_exec_trap(d->ex)));
    else if (st != VM_DONE)
        puts("hang");
}

static void call_exports(driver *d, vm_instance_t *in, vm_module_t *m)
{
    vm_func_t *reset = vm_instance_export_func(in, "hangLimitInitializer");
    uint32_t n = vm_module_export_count(m);
    for (uint32_t i = 0; i < n && !d->hung; i++) {
        vm_import_info info;
        vm_module_export(m, i, &info);
        if (info.kind != VM_EXTERN_FUNC)
            continue;
        printf("call %s\n", info.name);
        fflush(stdout); /* a crash then shows which call it was */
        reset_hang_limit(d, reset);
        if (!d->hung)
            call_export(d, vm_instance_export_func(in, info.name));
    }
}

/* Instantiates and, if there is one, runs the start function the way
 * WebAssembly.Instance does: a trap there fails the instantiation. */
static vm_instance_t *instantiate(driver *d, vm_module_t *m,
                                  const vm_extern *imports, uint32_t n)
{
    vm_instance_t *in = NULL;
    char err[256];
    int rc = vm_instance_new(m, imports, n, &d->cfg, &in, err, sizeof err);
    if (rc == LUN_ETRAP) {
        puts("inst trap memory-or-table"); /* a segment out of bounds */
    } else if (rc != 0) {
        puts("inst error");
    } else if (vm_instance_start_func(in) != NULL) {
        vm_exec_reset(d->ex);
        vm_exec_call(d->ex, vm_instance_start_func(in), NULL, 0);
        vm_status st = run_capped(d);
        if (st == VM_DONE)
            return in;
        if (st == VM_TRAP)
            printf("inst trap %s\n", trap_name(vm_exec_trap(d->ex)));
        else
            puts("hang");
    } else {
        return in;
    }
    vm_instance_free(in);
    return NULL;
}

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, n;
    if (f == NULL)
        return NULL;
    do {
        uint8_t *nb = realloc(buf, len + 65536);
        if (nb == NULL) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = nb;
        len += n = fread(buf + len, 1, 65536, f);
    } while (n == 65536);
    fclose(f);
    *out_len = len;
    return buf;
}

static void run_module(driver *d, const char *path)
{
    static vm_extern imports[MAX_IMPORTS];
    static log_stub stubs[MAX_IMPORTS];
    size_t len;
    uint32_t nimports = 0;
    vm_module_t *m = NULL;
    uint8_t *bytes = read_all(path, &len);
    const char *base = strrchr(path, '/');
    printf("module %s\n", base ? base + 1 : path);
    fflush(stdout);
    d->hung = false;
    if (bytes == NULL ||
        vm_module_load(bytes, len, &d->cfg, &m, NULL, 0) != 0) {
        puts("load error");
    } else if (make_imports(m, imports, stubs, &nimports)) {
        vm_instance_t *in = instantiate(d, m, imports, nimports);
        if (in != NULL) {
            call_exports(d, in, m);
            if (!d->hung)
                print_state(in, m);
        }
        vm_instance_free(in);
    }
    for (uint32_t i = 0; i < nimports; i++)
        vm_host_func_free(imports[i].u.func);
    vm_module_free(m);
    free(bytes);
    puts("end");
    fflush(stdout);
}

/* }===== */

int main(int argc, char **argv)
{
    driver d;
    memset(&d, 0, sizeof d);
    const char *env = getenv("LUNATIC_NO_FUSION");
    d.cfg.no_fusion = env != NULL && strcmp(env, "1") == 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--no-fusion") == 0) {
        d.cfg.no_fusion = true;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: fuzzdiff_run [--no-fusion] MODULE.wasm... | -\n");
        return 2;
    }
    d.ex = vm_exec_new(&d.cfg);
    if (d.ex == NULL)
        return 1;
    if (strcmp(argv[first], "-") == 0) {
        char line[4096];
        while (fgets(line, sizeof line, stdin) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            if (line[0] != '\0')
                run_module(&d, line);
        }
    } else {
        for (int i = first; i < argc; i++)
            run_module(&d, argv[i]);
    }
    vm_exec_free(d.ex);
    return 0;
}
