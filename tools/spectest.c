/* spectest.c: runs the WebAssembly core spec suite against vm/vm.h.
 * Each .wast is converted by wabt's wast2json; the JSON command list is
 * then run in order. Host module: tools/spectest_host.c.
 * --convert-only fills the work dir and stops; --no-convert runs what it
 * holds without wast2json: a cross-built runner under qemu-user (make
 * check-embed) runs JSON the host converted. */
#include "common/lun_prefix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lun_err.h"
#include "tools/json.h"
#include "tools/spectest_host.h"
#include "vm/vm.h"

extern char **environ;

#define RUN_BUDGET 10000        /* reductions per vm_run(): forces resumes */
#define MAX_RESUMES 2000000     /* 2e10 reductions: a hung VM, not a test */
#define MAX_RESULTS 64
#define SETUP_ERROR 2

typedef enum outcome { PASSED, FAILED, SKIPPED } outcome;

typedef struct counts {
    unsigned long passed, failed, skipped;
} counts;

/* A name bound to an instance: "$m" of a module command, or "as" of a
 * register command. Names may hold NUL bytes. */
typedef struct binding {
    char *name;
    size_t len;
    vm_instance_t *inst;
} binding;

typedef struct vec {
    void *items;
    size_t count, cap;
} vec;

typedef struct runner {
    const char *spec_dir, *work_dir;
    bool verbose;
    bool convert_only, no_convert;
    vm_exec_t *ex;
    counts total;
    unsigned long files_skipped; /* of what this build left out */
    /* Per .wast file, reset by end_file(). */
    char *wasm_dir; /* where wast2json wrote the .wasm files */
    spectest_host *host;
    vec modules, instances; /* of vm_module_t *, vm_instance_t *: owned */
    vec named, registered;  /* of binding */
    vm_instance_t *current;
    char why[1024]; /* why the current command failed */
} runner;

/* A value from the JSON: type and bits, or a pattern of what to accept. */
typedef enum value_kind { VAL_EXACT, VAL_NAN_CANON, VAL_NAN_ARITH,
                          VAL_NON_NULL } value_kind;
typedef struct wasm_value {
    vm_valtype type;
    value_kind kind;
    uint64_t bits;
    /* v128: the bytes, the lane width in bytes, and each lane's kind
     * (float lanes of expected values may be NaN patterns) */
    uint8_t v128[16];
    uint8_t lane_bytes;
    value_kind lanes[16];
} wasm_value;

typedef enum call_result { CALL_DONE, CALL_TRAP, CALL_ERROR } call_result;

/* {===== small helpers */

static outcome why(runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record why the command fails; returns FAILED for `return why(...)`. */
static outcome why(runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return FAILED;
}

static char *str_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s != NULL) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

static int vec_push(vec *v, const void *item, size_t size)
{
    if (v->count == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 16;
        void *n = realloc(v->items, ncap * size);
        if (n == NULL)
            return LUN_ENOMEM;
        v->items = n;
        v->cap = ncap;
    }
    memcpy((char *)v->items + v->count++ * size, item, size);
    return 0;
}

static int bind(vec *v, const char *name, size_t len, vm_instance_t *inst)
{
    binding b = {malloc(len + 1), len, inst};
    if (b.name == NULL)
        return LUN_ENOMEM;
    memcpy(b.name, name, len);
    b.name[len] = '\0';
    if (vec_push(v, &b, sizeof b) != 0) {
        free(b.name);
        return LUN_ENOMEM;
    }
    return 0;
}

/* The latest binding of name, so a later one shadows an earlier one. */
static vm_instance_t *lookup(const vec *v, const char *name, size_t len)
{
    const binding *b = v->items;
    for (size_t i = v->count; i-- > 0;)
        if (b[i].len == len && memcmp(b[i].name, name, len) == 0)
            return b[i].inst;
    return NULL;
}

static void free_bindings(vec *v)
{
    binding *b = v->items;
    for (size_t i = 0; i < v->count; i++)
        free(b[i].name);
    free(v->items);
    *v = (vec){NULL, 0, 0};
}

static int read_file(const char *path, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 1 << 16, n;
    char *buf = malloc(cap);
    if (f == NULL || buf == NULL) {
        int rc = f == NULL ? LUN_ERR_ERRNO(errno) : LUN_ENOMEM;
        if (f != NULL)
            fclose(f);
        free(buf);
        return rc;
    }
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return LUN_ENOMEM;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int rc = ferror(f) ? LUN_EIO : 0;
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* }===== */
/* {===== values: parsing, comparing, printing */

static bool parse_valtype(const char *s, vm_valtype *out)
{
    static const struct {
        const char *name;
        vm_valtype type;
    } types[] = {{"i32", VM_I32}, {"i64", VM_I64}, {"f32", VM_F32},
                 {"f64", VM_F64}, {"v128", VM_V128}, {"funcref", VM_FUNCREF},
                 {"externref", VM_EXTERNREF}};
    for (size_t i = 0; s != NULL && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(s, types[i].name) == 0) {
            *out = types[i].type;
            return true;
        }
    }
    return false;
}

/* An unsigned decimal of at most `max`, digits only. */
static bool parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* A v128: {"type": "v128", "lane_type": "i16", "value": ["1", ...]},
 * one unsigned decimal per lane, or a NaN pattern in an expected float
 * lane. */
static bool parse_v128(const json_value *j, bool expected, wasm_value *out)
{
    static const struct {
        const char *name;
        uint8_t bytes;
        bool is_float;
    } shapes[] = {{"i8", 1, false},  {"i16", 2, false}, {"i32", 4, false},
                  {"i64", 8, false}, {"f32", 4, true},  {"f64", 8, true}};
    const char *lt = json_get_string(j, "lane_type", NULL);
    size_t n = 0, k = 0;
    const json_value *lanes = json_get_array(j, "value", &n);
    while (k < 6 && (lt == NULL || strcmp(lt, shapes[k].name) != 0)) k++;
    if (k == 6 || lanes == NULL || n * shapes[k].bytes != 16) return false;
    out->lane_bytes = shapes[k].bytes;
    for (size_t i = 0; i < n; i++) {
        const json_value *v = &lanes->u.array.items[i];
        const char *s = v->type == JSON_STRING ? v->u.string.bytes : NULL;
        uint64_t bits = 0;
        out->lanes[i] = VAL_EXACT;
        if (expected && shapes[k].is_float && s && strcmp(s, "nan:canonical") == 0)
            out->lanes[i] = VAL_NAN_CANON;
        else if (expected && shapes[k].is_float && s && strcmp(s, "nan:arithmetic") == 0)
            out->lanes[i] = VAL_NAN_ARITH;
        else if (!parse_decimal(s, shapes[k].bytes == 8 ? UINT64_MAX
                                   : (UINT64_C(1) << (8 * shapes[k].bytes)) - 1,
                                &bits))
            return false;
        for (unsigned b = 0; b < shapes[k].bytes; b++)
            out->v128[i * shapes[k].bytes + b] = (uint8_t)(bits >> (8 * b));
    }
    return true;
}

/* {"type": T, "value": V}. Patterns ("nan:canonical", a reference with no
 * value) are allowed only in expected results. Externref N is passed to
 * the VM as N+1 so that 0 stays null. */
static bool parse_wasm_value(const json_value *j, bool expected,
                             wasm_value *out)
{
    const char *value = json_get_string(j, "value", NULL);
    out->kind = VAL_EXACT;
    out->bits = 0;
    if (!parse_valtype(json_get_string(j, "type", NULL), &out->type))
        return false;
    if (out->type == VM_V128)
        return parse_v128(j, expected, out);
    if (out->type == VM_FUNCREF || out->type == VM_EXTERNREF) {
        if (value == NULL) {
            out->kind = VAL_NON_NULL;
            return expected;
        }
        if (strcmp(value, "null") == 0)
            return true;
        if (out->type == VM_FUNCREF ||
            !parse_decimal(value, UINT64_MAX - 1, &out->bits))
            return false; /* a funcref value cannot be made from JSON */
        out->bits++;
        return true;
    }
    if (expected && value != NULL && strcmp(value, "nan:canonical") == 0) {
        out->kind = VAL_NAN_CANON;
        return out->type == VM_F32 || out->type == VM_F64;
    }
    if (expected && value != NULL && strcmp(value, "nan:arithmetic") == 0) {
        out->kind = VAL_NAN_ARITH;
        return out->type == VM_F32 || out->type == VM_F64;
    }
    bool narrow = out->type == VM_I32 || out->type == VM_F32;
    return parse_decimal(value, narrow ? UINT32_MAX : UINT64_MAX, &out->bits);
}

static vm_value to_vm_value(const wasm_value *v)
{
    vm_value x;
    memset(&x, 0, sizeof x);
    if (v->type == VM_V128)
        memcpy(x.v128, v->v128, 16);
    else if (v->type == VM_I32 || v->type == VM_F32)
        x.u32 = (uint32_t)v->bits;
    else if (v->type == VM_FUNCREF || v->type == VM_EXTERNREF)
        x.ref = v->bits;
    else
        x.u64 = v->bits;
    return x;
}

static uint64_t bits_of(vm_valtype type, vm_value x)
{
    if (type == VM_I32 || type == VM_F32)
        return x.u32;
    return type == VM_FUNCREF || type == VM_EXTERNREF ? x.ref : x.u64;
}

/* Does float bits (f32 when `f32`) match NaN pattern kind? */
static bool nan_matches(value_kind kind, bool f32, uint64_t bits)
{
    uint64_t canon = f32 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
    uint64_t abs = bits & (f32 ? 0x7fffffffu : UINT64_MAX >> 1);
    return kind == VAL_NAN_CANON ? abs == canon : (bits & canon) == canon;
}

/* Lane by lane: exact bytes, or a NaN pattern for a float lane. */
static bool v128_matches(const wasm_value *want, const vm_value *got)
{
    unsigned w = want->lane_bytes;
    for (unsigned i = 0; i < 16 / w; i++) {
        uint64_t bits = 0;
        for (unsigned b = 0; b < w; b++)
            bits |= (uint64_t)got->v128[i * w + b] << (8 * b);
        if (want->lanes[i] != VAL_EXACT) {
            if (!nan_matches(want->lanes[i], w == 4, bits)) return false;
        } else if (memcmp(got->v128 + i * w, want->v128 + i * w, w) != 0) {
            return false;
        }
    }
    return true;
}

static bool value_matches(const wasm_value *want, vm_value got)
{
    if (want->type == VM_V128)
        return v128_matches(want, &got);
    uint64_t bits = bits_of(want->type, got);
    bool f32 = want->type == VM_F32;
    uint64_t canon = f32 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
    uint64_t abs = bits & (f32 ? 0x7fffffffu : UINT64_MAX >> 1);
    switch (want->kind) {
    case VAL_NAN_CANON: return abs == canon;
    case VAL_NAN_ARITH: return (bits & canon) == canon;
    case VAL_NON_NULL: return bits != 0;
    default: return bits == want->bits;
    }
}

static const char *type_name(vm_valtype t)
{
    switch (t) {
    case VM_I32: return "i32";
    case VM_I64: return "i64";
    case VM_F32: return "f32";
    case VM_F64: return "f64";
    case VM_FUNCREF: return "funcref";
    case VM_EXTERNREF: return "externref";
    default: return "v128";
    }
}

/* "i32:0x0000002a", "f64:1.5 (0x3ff8000000000000)", "externref:41". */
static void format_value(vm_valtype type, uint64_t bits, char *buf,
                         size_t len)
{
    if (type == VM_F32) {
        float f;
        uint32_t b = (uint32_t)bits;
        memcpy(&f, &b, sizeof f);
        snprintf(buf, len, "f32:%.9g (0x%08" PRIx32 ")", (double)f, b);
    } else if (type == VM_F64) {
        double d;
        memcpy(&d, &bits, sizeof d);
        snprintf(buf, len, "f64:%.17g (0x%016" PRIx64 ")", d, bits);
    } else if (type == VM_EXTERNREF && bits != 0) {
        snprintf(buf, len, "externref:%" PRIu64, bits - 1);
    } else if (type == VM_FUNCREF || type == VM_EXTERNREF) {
        snprintf(buf, len, "%s:%s", type_name(type), bits ? "non-null" : "null");
    } else {
        snprintf(buf, len, "%s:0x%0*" PRIx64, type_name(type),
                 type == VM_I32 ? 8 : 16, bits);
    }
}

/* "v128:" and the 16 bytes in memory order, in hex. */
static void format_v128(const uint8_t *bytes, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "v128:");
    for (int i = 0; i < 16 && at + 3 <= len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%02x", bytes[i]);
}

static void format_expected(const wasm_value *v, char *buf, size_t len)
{
    if (v->kind == VAL_EXACT)
        format_value(v->type, v->bits, buf, len);
    else
        snprintf(buf, len, "%s:%s", type_name(v->type),
                 v->kind == VAL_NAN_CANON   ? "nan:canonical"
                 : v->kind == VAL_NAN_ARITH ? "nan:arithmetic"
                                            : "non-null");
}

/* }===== */
/* {===== running functions */

/* An exec stopped mid-call cannot be reused: replace it. */
static void reset_exec(runner *r)
{
    vm_exec_free(r->ex);
    r->ex = vm_exec_new(NULL);
}

/* Call f and run it to the end in slices of RUN_BUDGET reductions. */
static call_result call_function(runner *r, vm_func_t *f, const vm_value *args,
                                 uint32_t nargs, vm_value *results,
                                 uint32_t *nresults, vm_trap_kind *trap)
{
    vm_status st;
    unsigned long resumes = 0;
    *nresults = 0;
    *trap = VM_TRAP_NONE;
    if (r->ex == NULL)
        return why(r, "no execution context (out of memory)"), CALL_ERROR;
    int rc = vm_exec_call(r->ex, f, args, nargs);
    if (rc != 0) {
        why(r, "vm_exec_call failed: %s", lun_strerror(rc));
        return CALL_ERROR;
    }
    while ((st = vm_run(r->ex, RUN_BUDGET)) == VM_YIELD &&
           ++resumes < MAX_RESUMES) {
    }
    if (st == VM_DONE) {
        *nresults = vm_exec_results(r->ex, results, MAX_RESULTS);
        return CALL_DONE;
    }
    if (st == VM_TRAP) {
        *trap = vm_exec_trap(r->ex);
        const char *msg = vm_exec_trap_message(r->ex);
        why(r, "trapped: %s (%s)", vm_trap_text(*trap), msg ? msg : "");
        return CALL_TRAP;
    }
    why(r, st == VM_YIELD ? "still running after %lu reductions"
                          : "vm_run returned status %lu",
        st == VM_YIELD ? (unsigned long)MAX_RESUMES * RUN_BUDGET
                       : (unsigned long)st);
    reset_exec(r);
    return CALL_ERROR;
}

/* The instance an action or register names ("module": "$m"), else the
 * current one. */
static vm_instance_t *target_instance(runner *r, const json_value *cmd,
                                      const char *key)
{
    size_t len;
    const char *name = json_get_string(cmd, key, &len);
    vm_instance_t *inst = name ? lookup(&r->named, name, len) : r->current;
    if (inst == NULL)
        why(r, "no module %s", name ? name : "(no current module)");
    return inst;
}

/* Parse an invoke's arguments and check them against f's type (a
 * mismatch would break vm_exec_call's contract). */
static bool parse_args(runner *r, const json_value *action, vm_func_t *f,
                       vm_value *args, uint32_t *nargs)
{
    size_t n = 0;
    const json_value *list = json_get_array(action, "args", &n);
    uint32_t nparams, nres;
    const uint8_t *params, *res;
    vm_func_type(f, &nparams, &params, &nres, &res);
    if (n != nparams || n > MAX_RESULTS)
        return why(r, "%zu arguments for %" PRIu32 " parameters", n, nparams),
               false;
    for (size_t i = 0; i < n; i++) {
        wasm_value v;
        if (!parse_wasm_value(&list->u.array.items[i], false, &v))
            return why(r, "unsupported argument %zu", i), false;
        if (v.type != params[i])
            return why(r, "argument %zu is %s, parameter is %s", i,
                       type_name(v.type), type_name((vm_valtype)params[i])),
                   false;
        args[i] = to_vm_value(&v);
    }
    *nargs = (uint32_t)n;
    return true;
}

/* Run an "invoke" or "get" action. */
static call_result run_action(runner *r, const json_value *action,
                              vm_value *results, uint32_t *nresults,
                              vm_trap_kind *trap)
{
    const char *type = json_get_string(action, "type", NULL);
    size_t len;
    const char *field = json_get_string(action, "field", &len);
    vm_instance_t *inst = target_instance(r, action, "module");
    vm_extern ext;
    *nresults = 0;
    *trap = VM_TRAP_NONE;
    if (inst == NULL || type == NULL || field == NULL)
        return inst == NULL ? CALL_ERROR
                            : (why(r, "bad action"), CALL_ERROR);
    if (vm_instance_export(inst, field, len, &ext) != 0)
        return why(r, "no export \"%s\"", field), CALL_ERROR;
    if (strcmp(type, "get") == 0) {
        if (ext.kind != VM_EXTERN_GLOBAL)
            return why(r, "export \"%s\" is not a global", field), CALL_ERROR;
        results[0] = vm_global_get(ext.u.global);
        *nresults = 1;
        return CALL_DONE;
    }
    if (strcmp(type, "invoke") != 0)
        return why(r, "unknown action \"%s\"", type), CALL_ERROR;
    if (ext.kind != VM_EXTERN_FUNC)
        return why(r, "export \"%s\" is not a function", field), CALL_ERROR;
    vm_value args[MAX_RESULTS];
    uint32_t nargs;
    if (!parse_args(r, action, ext.u.func, args, &nargs))
        return CALL_ERROR;
    return call_function(r, ext.u.func, args, nargs, results, nresults, trap);
}

/* }===== */
/* {===== modules */

/* Load a .wasm file that wast2json wrote. */
static int load_module(runner *r, const json_value *cmd, vm_module_t **out)
{
    const char *file = json_get_string(cmd, "filename", NULL);
    char *path, *bytes = NULL, err[256] = "";
    size_t len;
    int rc;
    *out = NULL;
    if (file == NULL || strchr(file, '/') != NULL)
        return why(r, "bad or missing filename"), LUN_EINVAL;
    if ((path = str_printf("%s/%s", r->wasm_dir, file)) == NULL)
        return why(r, "out of memory"), LUN_ENOMEM;
    rc = read_file(path, &bytes, &len);
    if (rc != 0) {
        why(r, "cannot read %s: %s", path, lun_strerror(rc));
        free(path);
        return rc;
    }
    free(path);
    /* LUNATIC_NO_FUSION=1: the plain register-threaded code */
    const char *nf = getenv("LUNATIC_NO_FUSION");
    vm_config cfg = {.no_fusion = nf && *nf && strcmp(nf, "0") != 0};
    rc = vm_module_load((const uint8_t *)bytes, len, &cfg, out, err,
                        sizeof err);
    free(bytes);
    if (rc != 0) {
        *out = NULL;
        why(r, "load failed: %s: %s", lun_errname(rc), err);
    }
    return rc;
}

/* Resolve import i against the registered instances and "spectest". */
static int resolve_import(runner *r, const vm_import_info *info,
                          vm_extern *out)
{
    vm_instance_t *inst;
    int rc;
    if (info->module_len == 8 && memcmp(info->module, "spectest", 8) == 0)
        rc = spectest_host_export(r->host, info->name, info->name_len, out);
    else if ((inst = lookup(&r->registered, info->module,
                            info->module_len)) != NULL)
        rc = vm_instance_export(inst, info->name, info->name_len, out);
    else
        rc = LUN_ENOTFOUND;
    if (rc != 0)
        return why(r, "unknown import \"%s\" \"%s\"", info->module,
                   info->name),
               LUN_EUNLINKABLE;
    /* The runner checks the kind, the VM the rest of the type. */
    if (out->kind != info->kind)
        return why(r, "import \"%s\" \"%s\" is of another kind",
                   info->module, info->name),
               LUN_EUNLINKABLE;
    return 0;
}

static int link_imports(runner *r, vm_module_t *m, vm_extern **out,
                        uint32_t *count)
{
    uint32_t n = vm_module_import_count(m);
    vm_extern *imports = calloc(n ? n : 1, sizeof *imports);
    *out = NULL;
    *count = n;
    if (imports == NULL)
        return why(r, "out of memory"), LUN_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        int rc = vm_module_import(m, i, &info);
        if (rc != 0)
            why(r, "vm_module_import(%" PRIu32 ") failed", i);
        else
            rc = resolve_import(r, &info, &imports[i]);
        if (rc != 0) {
            free(imports);
            return rc;
        }
    }
    *out = imports;
    return 0;
}

/* Link, instantiate and run the start function. Returns 0,
 * LUN_EUNLINKABLE, LUN_ETRAP (with *trap the start function's trap, or
 * VM_TRAP_NONE if a segment failed) or another error. Keeps the instance,
 * even a failed one, until the end of the file: functions it placed in
 * imported tables stay callable (linking.wast). */
static int instantiate(runner *r, vm_module_t *m, vm_instance_t **out,
                       vm_trap_kind *trap)
{
    vm_extern *imports;
    uint32_t nimports, nresults;
    vm_instance_t *inst = NULL;
    vm_value results[MAX_RESULTS];
    char err[256] = "";
    *out = NULL;
    *trap = VM_TRAP_NONE;
    int rc = link_imports(r, m, &imports, &nimports);
    if (rc != 0)
        return rc;
    /* As the runtime makes processes: memories start as the module's
     * image and get their block at first access (LUNATIC_NO_IMAGE=1: data
     * segments applied one by one, the reference path). */
    const char *ni = getenv("LUNATIC_NO_IMAGE");
    bool no_image = ni && *ni && strcmp(ni, "0") != 0;
    vm_config cfg = {.no_image = no_image, .lazy_memory = !no_image};
    rc = vm_instance_new(m, imports, nimports, &cfg, &inst, err, sizeof err);
    free(imports);
    if (inst != NULL && vec_push(&r->instances, &inst, sizeof inst) != 0) {
        vm_instance_free(inst);
        return why(r, "out of memory"), LUN_ENOMEM;
    }
    if (rc != 0)
        return why(r, "instantiation failed: %s: %s", lun_errname(rc), err),
               rc;
    vm_func_t *start = vm_instance_start_func(inst);
    if (start != NULL) {
        call_result cr = call_function(r, start, NULL, 0, results, &nresults,
                                       trap);
        if (cr == CALL_TRAP)
            return LUN_ETRAP;
        if (cr == CALL_ERROR)
            return LUN_EINVAL;
    }
    *out = inst;
    return 0;
}

/* Load a module the runner keeps until the end of the file. */
static int load_kept_module(runner *r, const json_value *cmd,
                            vm_module_t **out)
{
    int rc = load_module(r, cmd, out);
    if (rc == 0 && vec_push(&r->modules, out, sizeof *out) != 0) {
        vm_module_free(*out);
        *out = NULL;
        return why(r, "out of memory"), LUN_ENOMEM;
    }
    return rc;
}

/* }===== */
/* {===== commands */

static outcome cmd_module(runner *r, const json_value *cmd)
{
    size_t len;
    const char *name = json_get_string(cmd, "name", &len);
    vm_module_t *m;
    vm_instance_t *inst;
    vm_trap_kind trap;
    r->current = NULL; /* a failed module leaves no current one */
    if (load_kept_module(r, cmd, &m) != 0 ||
        instantiate(r, m, &inst, &trap) != 0)
        return FAILED;
    r->current = inst;
    if (name != NULL && bind(&r->named, name, len, inst) != 0)
        return why(r, "out of memory");
    return PASSED;
}

static outcome cmd_register(runner *r, const json_value *cmd)
{
    size_t len;
    const char *as = json_get_string(cmd, "as", &len);
    vm_instance_t *inst = target_instance(r, cmd, "name");
    if (inst == NULL)
        return FAILED;
    if (as == NULL)
        return why(r, "register without \"as\"");
    if (bind(&r->registered, as, len, inst) != 0)
        return why(r, "out of memory");
    return PASSED;
}

static outcome cmd_action(runner *r, const json_value *cmd)
{
    vm_value results[MAX_RESULTS];
    uint32_t n;
    vm_trap_kind trap;
    return run_action(r, json_get(cmd, "action"), results, &n, &trap) ==
                   CALL_DONE
               ? PASSED
               : FAILED;
}

static outcome compare_results(runner *r, const json_value *cmd,
                               const vm_value *results, uint32_t n)
{
    size_t nwant = 0;
    const json_value *want = json_get_array(cmd, "expected", &nwant);
    char a[80], b[80];
    if (nwant != n)
        return why(r, "expected %zu results, got %" PRIu32, nwant, n);
    for (uint32_t i = 0; i < n; i++) {
        wasm_value w;
        if (!parse_wasm_value(&want->u.array.items[i], true, &w))
            return why(r, "unsupported expected value %" PRIu32, i);
        if (!value_matches(&w, results[i]) && w.type == VM_V128) {
            format_v128(w.v128, a, sizeof a);
            format_v128(results[i].v128, b, sizeof b);
            return why(r, "result %" PRIu32 ": expected %s (NaN patterns "
                       "aside), got %s", i, a, b);
        }
        if (!value_matches(&w, results[i])) {
            format_expected(&w, a, sizeof a);
            format_value(w.type, bits_of(w.type, results[i]), b, sizeof b);
            return why(r, "result %" PRIu32 ": expected %s, got %s", i, a, b);
        }
    }
    return PASSED;
}

static outcome cmd_assert_return(runner *r, const json_value *cmd)
{
    vm_value results[MAX_RESULTS];
    uint32_t n;
    vm_trap_kind trap;
    if (run_action(r, json_get(cmd, "action"), results, &n, &trap) !=
        CALL_DONE)
        return FAILED;
    if (n > MAX_RESULTS)
        return why(r, "%" PRIu32 " results: more than the runner keeps", n);
    return compare_results(r, cmd, results, n);
}

/* The trap's text and the expected one agree if one is a prefix of the
 * other ("uninitialized element 2" vs "uninitialized element"). */
static outcome check_trap_text(runner *r, const json_value *cmd,
                               vm_trap_kind trap)
{
    const char *want = json_get_string(cmd, "text", NULL);
    const char *got = vm_trap_text(trap);
    if (want == NULL || got == NULL)
        return PASSED;
    size_t n = strlen(want) < strlen(got) ? strlen(want) : strlen(got);
    if (strncmp(want, got, n) != 0)
        return why(r, "expected trap \"%s\", got \"%s\"", want, got);
    return PASSED;
}

static outcome cmd_assert_uninstantiable(runner *r, const json_value *cmd)
{
    vm_module_t *m;
    vm_instance_t *inst;
    vm_trap_kind trap;
    if (load_kept_module(r, cmd, &m) != 0)
        return FAILED;
    int rc = instantiate(r, m, &inst, &trap);
    if (rc == 0)
        return why(r, "instantiated, expected a trap");
    if (rc != LUN_ETRAP)
        return FAILED; /* why() was set by instantiate() */
    /* A segment failure (no trap kind) is not checked by its text. */
    return trap == VM_TRAP_NONE ? PASSED : check_trap_text(r, cmd, trap);
}

static outcome cmd_assert_trap(runner *r, const json_value *cmd)
{
    vm_value results[MAX_RESULTS];
    uint32_t n;
    vm_trap_kind trap;
    const json_value *action = json_get(cmd, "action");
    if (action == NULL) /* the module form: its start function traps */
        return cmd_assert_uninstantiable(r, cmd);
    call_result cr = run_action(r, action, results, &n, &trap);
    if (cr == CALL_DONE)
        return why(r, "returned, expected a trap");
    if (cr == CALL_ERROR)
        return FAILED;
    return check_trap_text(r, cmd, trap);
}

static outcome cmd_assert_exhaustion(runner *r, const json_value *cmd)
{
    vm_value results[MAX_RESULTS];
    uint32_t n;
    vm_trap_kind trap;
    call_result cr = run_action(r, json_get(cmd, "action"), results, &n,
                                &trap);
    if (cr == CALL_DONE)
        return why(r, "returned, expected stack exhaustion");
    if (cr == CALL_TRAP && trap != VM_TRAP_STACK_EXHAUSTED)
        return why(r, "expected stack exhaustion, got trap \"%s\"",
                   vm_trap_text(trap));
    return cr == CALL_TRAP ? PASSED : FAILED;
}

static bool is_text_module(const json_value *cmd)
{
    const char *type = json_get_string(cmd, "module_type", NULL);
    return type != NULL && strcmp(type, "text") == 0;
}

/* assert_invalid and assert_malformed: vm_module_load must fail. Text
 * modules test a text parser, which a binary-only runtime does not have. */
static outcome cmd_assert_bad_module(runner *r, const json_value *cmd)
{
    vm_module_t *m;
    if (is_text_module(cmd))
        return SKIPPED;
    int rc = load_module(r, cmd, &m);
    if (rc == 0) {
        vm_module_free(m);
        return why(r, "module loaded, expected \"%s\"",
                   json_get_string(cmd, "text", NULL));
    }
    if (rc != LUN_EMALFORMED && rc != LUN_EINVALID)
        return FAILED; /* could not even read the file */
    return PASSED;
}

static outcome cmd_assert_unlinkable(runner *r, const json_value *cmd)
{
    vm_module_t *m;
    vm_instance_t *inst;
    vm_trap_kind trap;
    if (load_kept_module(r, cmd, &m) != 0)
        return FAILED;
    int rc = instantiate(r, m, &inst, &trap);
    if (rc == 0)
        return why(r, "instantiated, expected \"%s\"",
                   json_get_string(cmd, "text", NULL));
    return rc == LUN_EUNLINKABLE ? PASSED : FAILED;
}

static outcome run_command(runner *r, const json_value *cmd, const char *type)
{
    static const struct {
        const char *type;
        outcome (*run)(runner *, const json_value *);
    } handlers[] = {
        {"module", cmd_module},
        {"register", cmd_register},
        {"action", cmd_action},
        {"assert_return", cmd_assert_return},
        {"assert_trap", cmd_assert_trap},
        {"assert_exhaustion", cmd_assert_exhaustion},
        {"assert_invalid", cmd_assert_bad_module},
        {"assert_malformed", cmd_assert_bad_module},
        {"assert_unlinkable", cmd_assert_unlinkable},
        {"assert_uninstantiable", cmd_assert_uninstantiable},
    };
    r->why[0] = '\0';
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (strcmp(type, handlers[i].type) == 0)
            return handlers[i].run(r, cmd);
    return why(r, "unknown command type");
}

/* }===== */
/* {===== files */

/* Free everything a file's commands made: instances first (newest first,
 * as later ones may import from earlier ones), then modules, then the
 * host objects they imported. */
static void end_file(runner *r)
{
    vm_instance_t **insts = r->instances.items;
    vm_module_t **mods = r->modules.items;
    for (size_t i = r->instances.count; i-- > 0;)
        vm_instance_free(insts[i]);
    for (size_t i = r->modules.count; i-- > 0;)
        vm_module_free(mods[i]);
    free(r->instances.items);
    free(r->modules.items);
    r->instances = r->modules = (vec){NULL, 0, 0};
    free_bindings(&r->named);
    free_bindings(&r->registered);
    spectest_host_free(r->host);
    r->host = NULL;
    r->current = NULL;
    free(r->wasm_dir);
    r->wasm_dir = NULL;
}

static void run_commands(runner *r, const char *display,
                         const json_value *cmds, size_t n, counts *c)
{
    for (size_t i = 0; i < n; i++) {
        const json_value *cmd = &cmds->u.array.items[i];
        const char *type = json_get_string(cmd, "type", NULL);
        outcome o = type ? run_command(r, cmd, type)
                         : why(r, "command without a type");
        if (o == PASSED) {
            c->passed++;
        } else if (o == SKIPPED) {
            c->skipped++;
        } else {
            c->failed++;
            if (r->verbose)
                printf("  %s.wast:%.0f: %s: %s\n", display,
                       json_get_number(cmd, "line", 0),
                       type ? type : "?", r->why);
        }
    }
}

/* Parse a converted file and run it. */
static int run_json(runner *r, const char *display, const char *json_path,
                    counts *c)
{
    char *text, err[160];
    size_t len, n = 0;
    json_value *doc;
    int rc = read_file(json_path, &text, &len);
    if (rc != 0) {
        fprintf(stderr, "spectest: %s: %s\n", json_path, lun_strerror(rc));
        return rc;
    }
    rc = json_parse(text, len, &doc, err, sizeof err);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "spectest: %s: %s\n", json_path, err);
        return rc;
    }
    const json_value *cmds = json_get_array(doc, "commands", &n);
    if (cmds != NULL && (r->host = spectest_host_new(&r->verbose)))
        run_commands(r, display, cmds, n, c);
    else if (cmds != NULL)
        rc = LUN_ENOMEM;
    else
        fprintf(stderr, "spectest: %s: no command list\n", json_path);
    json_free(doc);
    return cmds == NULL ? LUN_EMALFORMED : rc;
}

/* }===== */
/* {===== conversion with wast2json */

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = str_printf("%s", path);
    int rc = 0;
    if (p == NULL)
        return LUN_ENOMEM;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = LUN_ERR_ERRNO(errno);
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* Run argv with stdout and stderr into log (or /dev/null); returns the
 * exit status, or -1 if it could not be started. */
static int spawn_and_wait(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status, rc;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    rc = posix_spawn_file_actions_addopen(&fa, 1, log ? log : "/dev/null",
                                          O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (rc == 0)
        rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool wast2json_available(void)
{
    char *argv[] = {(char *)"wast2json", (char *)"--version", NULL};
    return spawn_and_wait(argv, NULL) == 0;
}

/* Convert wast into json_path unless the JSON is newer than the .wast.
 * wast2json's messages go to a log next to the JSON. */
static int convert(const runner *r, const char *wast, const char *json_dir,
                   const char *json_path)
{
    struct stat src, dst;
    if (r->no_convert)
        return stat(json_path, &dst) == 0 ? 0 : LUN_ERR_ERRNO(errno);
    int rc = make_dirs(json_dir);
    if (rc != 0)
        return rc;
    if (stat(wast, &src) != 0)
        return LUN_ERR_ERRNO(errno);
    if (stat(json_path, &dst) == 0 &&
        (dst.st_mtim.tv_sec > src.st_mtim.tv_sec ||
         (dst.st_mtim.tv_sec == src.st_mtim.tv_sec &&
          dst.st_mtim.tv_nsec > src.st_mtim.tv_nsec)))
        return 0;
    char *log = str_printf("%s/wast2json.log", json_dir);
    if (log == NULL)
        return LUN_ENOMEM;
    char *argv[] = {(char *)"wast2json", (char *)wast, (char *)"-o",
                    (char *)json_path, NULL};
    rc = spawn_and_wait(argv, log) == 0 ? 0 : LUN_EIO;
    if (rc != 0) {
        fprintf(stderr, "spectest: wast2json %s failed: see %s\n", wast, log);
        remove(json_path); /* a partial JSON must not look up to date */
    }
    free(log);
    return rc;
}

/* }===== */
/* {===== the list of files */

typedef struct wast_file {
    char *rel;  /* "i32" or "simd/simd_lane": names the work subdirectory */
    char *path; /* the .wast to convert */
} wast_file;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The .wast for a name relative to the spec dir; compat/ replaces the
 * top-level files that wabt 1.0.32 cannot parse. */
static char *spec_path(const char *spec_dir, const char *rel)
{
    char *compat = str_printf("%s/compat/%s.wast", spec_dir, rel);
    if (compat != NULL && strchr(rel, '/') == NULL && file_exists(compat))
        return compat;
    free(compat);
    return str_printf("%s/%s.wast", spec_dir, rel);
}

static int add_file(vec *files, const char *rel, char *path)
{
    wast_file f = {str_printf("%s", rel), path};
    if (f.rel == NULL || f.path == NULL || vec_push(files, &f, sizeof f)) {
        free(f.rel);
        free(f.path);
        return LUN_ENOMEM;
    }
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every DIR/SUB/NAME.wast, sorted, as "SUB/NAME" (or "NAME"). */
static int list_dir(const char *spec_dir, const char *sub, vec *files)
{
    char *dir = str_printf("%s%s%s", spec_dir, sub ? "/" : "", sub ? sub : "");
    DIR *d = dir ? opendir(dir) : NULL;
    vec names = {NULL, 0, 0};
    struct dirent *e;
    int rc = d ? 0 : dir ? LUN_ERR_ERRNO(errno) : LUN_ENOMEM;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char *name;
        if (!has_suffix(e->d_name, ".wast") || e->d_name[0] == '.')
            continue;
        name = str_printf("%s%s%.*s", sub ? sub : "", sub ? "/" : "",
                          (int)(strlen(e->d_name) - 5), e->d_name);
        if (name == NULL || vec_push(&names, &name, sizeof name) != 0) {
            free(name);
            rc = LUN_ENOMEM;
        }
    }
    if (d != NULL)
        closedir(d);
    char **n = names.items;
    if (names.count > 0)
        qsort(n, names.count, sizeof *n, compare_names);
    for (size_t i = 0; i < names.count; i++) {
        if (rc == 0)
            rc = add_file(files, n[i], spec_path(spec_dir, n[i]));
        free(n[i]);
    }
    free(names.items);
    free(dir);
    return rc;
}

/* A file named on the command line: relative to the spec dir
 * ("i32.wast", "simd/simd_lane.wast"), else a path of its own. */
static int add_named_file(const char *spec_dir, const char *arg, vec *files)
{
    size_t len = strlen(arg) - (has_suffix(arg, ".wast") ? 5 : 0);
    char *rel = str_printf("%.*s", (int)len, arg);
    char *path = rel ? spec_path(spec_dir, rel) : NULL;
    int rc = LUN_ENOMEM;
    if (path != NULL && !file_exists(path)) {
        const char *base = strrchr(rel, '/');
        bool simd = base != NULL && base - rel >= 4 &&
                    strncmp(base - 4, "simd", 4) == 0;
        free(path);
        path = str_printf("%s", arg);
        if (path != NULL && !file_exists(path)) {
            fprintf(stderr, "spectest: %s: no such file\n", arg);
            free(path);
            free(rel);
            return LUN_EINVAL;
        }
        char *short_rel = str_printf("%s%s", simd ? "simd/" : "",
                                     base ? base + 1 : rel);
        free(rel);
        rel = short_rel;
    }
    if (rel != NULL && path != NULL)
        return add_file(files, rel, path) == 0 ? (free(rel), 0)
                                               : (free(rel), rc);
    free(rel);
    free(path);
    return rc;
}

static void free_files(vec *files)
{
    wast_file *f = files->items;
    for (size_t i = 0; i < files->count; i++) {
        free(f[i].rel);
        free(f[i].path);
    }
    free(files->items);
}

/* }===== */
/* {===== main */

/* Convert and run one file and print its summary line. A file that
 * cannot be converted or parsed counts as one failure. */
static void run_file(runner *r, const wast_file *f)
{
    counts c = {0, 0, 0};
    if (!(vm_features() & VM_FEATURE_SIMD) && strncmp(f->rel, "simd/", 5) == 0) {
        printf("%s.wast: skipped: SIMD (v128) is not supported by this build\n",
               f->rel);
        r->files_skipped++;
        return;
    }
    const char *base = strrchr(f->rel, '/');
    char *json_dir = str_printf("%s/%s", r->work_dir, f->rel);
    char *json_path = json_dir ? str_printf("%s/%s.json", json_dir,
                                            base ? base + 1 : f->rel)
                               : NULL;
    int rc = json_path ? convert(r, f->path, json_dir, json_path) : LUN_ENOMEM;
    if (rc == 0 && r->convert_only) {
        free(json_dir);
        free(json_path);
        return;
    }
    if (rc == 0) {
        r->wasm_dir = json_dir;
        json_dir = NULL;
        rc = run_json(r, f->rel, json_path, &c);
        end_file(r);
    }
    if (rc != 0) {
        printf("%s.wast: setup error: %s\n", f->rel, lun_strerror(rc));
        c.failed++;
    } else {
        printf("%s.wast: %lu passed, %lu failed, %lu skipped\n", f->rel,
               c.passed, c.failed, c.skipped);
    }
    fflush(stdout);
    r->total.passed += c.passed;
    r->total.failed += c.failed;
    r->total.skipped += c.skipped;
    free(json_dir);
    free(json_path);
}

static int usage(void)
{
    fprintf(stderr, "usage: spectest --spec-dir DIR --work-dir DIR "
                    "[--verbose] [--convert-only | --no-convert] "
                    "[FILE.wast ...]\n");
    return SETUP_ERROR;
}

/* The files to run: those named, or every top-level and simd/ file. */
static int collect_files(const runner *r, char **names, int count, vec *files)
{
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++)
        rc = add_named_file(r->spec_dir, names[i], files);
    if (count == 0) {
        char *simd = str_printf("%s/simd", r->spec_dir);
        struct stat st;
        rc = list_dir(r->spec_dir, NULL, files);
        if (rc == 0 && simd != NULL && stat(simd, &st) == 0 &&
            S_ISDIR(st.st_mode))
            rc = list_dir(r->spec_dir, "simd", files);
        free(simd);
    }
    if (rc != 0 && rc != LUN_EINVAL)
        fprintf(stderr, "spectest: %s: %s\n", r->spec_dir, lun_strerror(rc));
    return rc;
}

int main(int argc, char **argv)
{
    runner r;
    vec files = {NULL, 0, 0};
    int first_file = argc;
    memset(&r, 0, sizeof r);
    for (int i = 1; i < argc && first_file == argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0)
            r.verbose = true;
        else if (strcmp(argv[i], "--convert-only") == 0)
            r.convert_only = true;
        else if (strcmp(argv[i], "--no-convert") == 0)
            r.no_convert = true;
        else if (strcmp(argv[i], "--spec-dir") == 0 && i + 1 < argc)
            r.spec_dir = argv[++i];
        else if (strcmp(argv[i], "--work-dir") == 0 && i + 1 < argc)
            r.work_dir = argv[++i];
        else if (argv[i][0] == '-')
            return usage();
        else
            first_file = i;
    }
    if (r.spec_dir == NULL || r.work_dir == NULL)
        return usage();
    if (!r.no_convert && !wast2json_available()) {
        fprintf(stderr, "spectest: wast2json not found in PATH "
                        "(install wabt: make deps)\n");
        return SETUP_ERROR;
    }
    if (collect_files(&r, argv + first_file, argc - first_file, &files)) {
        free_files(&files);
        return SETUP_ERROR;
    }
    if ((r.ex = vm_exec_new(NULL)) == NULL) {
        fprintf(stderr, "spectest: vm_exec_new failed\n");
        free_files(&files);
        return SETUP_ERROR;
    }
    wast_file *f = files.items;
    for (size_t i = 0; i < files.count; i++)
        run_file(&r, &f[i]);
    if (r.files_skipped)
        printf("%lu files skipped: SIMD (v128) is not supported by this build\n",
               r.files_skipped);
    printf("%lu passed, %lu failed, %lu skipped\n", r.total.passed,
           r.total.failed, r.total.skipped);
    vm_exec_free(r.ex);
    free_files(&files);
    return r.total.failed > 0 ? 1 : 0;
}

/* }===== */
