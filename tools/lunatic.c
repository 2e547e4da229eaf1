/* lunatic.c: the command line: `lunatic [run] [OPTIONS] APP.wasm [ARGS...]`
 * loads a WebAssembly module, links its WASI imports (wasi/wasi.h) and runs
 * its _start through the embedding API (vm/vm.h). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/vm.h"
#include "wasi/wasi.h"

#define LUNATIC_VERSION "0.1.0"

/* Exit statuses of the runtime itself (a guest's own come from proc_exit).
 * A trap exits with EXIT_TRAP_BASE + its vm_trap_kind, 129..141 (see
 * README). */
#define EXIT_ERROR 1 /* cannot load, link or start the module */
#define EXIT_USAGE 2 /* bad command line */
#define EXIT_TRAP_BASE 128

/* Reductions per vm_run(). With a single process a VM_YIELD only returns
 * here and continues, so the slice only bounds how rarely we check. */
#define RUN_BUDGET (UINT64_C(1) << 20)

extern char **environ;

static const char usage_text[] =
    "usage: lunatic run [OPTIONS] APP.wasm [ARGS...]\n"
    "       lunatic APP.wasm [ARGS...]\n"
    "\n"
    "Runs the _start function of a WebAssembly (WASI) module. Everything\n"
    "after APP.wasm is passed to the guest untouched; the guest's argv[0]\n"
    "is APP.wasm as given.\n"
    "\n"
    "options:\n"
    "  --dir HOST[:GUEST]  give the guest the host directory HOST, seen as\n"
    "                      GUEST (default: HOST); may be repeated\n"
    "  --env KEY=VALUE     set a guest environment variable (the guest also\n"
    "                      gets the host's environment); may be repeated\n"
    "  -h, --help          print this help\n"
    "  -V, --version       print the version\n"
    "\n"
    "exit status: the guest's proc_exit code, 0 when _start returns,\n"
    "128+N when it traps, 1 when the module cannot be loaded or linked,\n"
    "2 for a bad command line.\n";

/* What `lunatic run` was asked to do; the strings point into argv. */
struct run_opts {
    const char *path;        /* the module, also the guest's argv[0] */
    char **guest_argv;       /* path followed by the guest's arguments */
    int guest_argc;
    wasi_preopen_t *preopens; /* "." first, as Lunatic does, then --dir */
    uint32_t npreopens;
    const char **env_set;    /* --env KEY=VALUE, in order */
    uint32_t nenv_set;
};

/* Everything a run allocates, freed in one place. */
struct session {
    uint8_t *bytes;
    size_t len;
    const char **env;
    vm_module_t *module;
    wasi_ctx_t *wasi;
    vm_extern *imports;
    vm_instance_t *inst;
    vm_exec_t *ex;
};

static void session_free(struct session *s)
{
    /* The instance refers to the WASI host functions: free it first. */
    vm_exec_free(s->ex);
    vm_instance_free(s->inst);
    wasi_ctx_free(s->wasi);
    vm_module_free(s->module);
    free(s->imports);
    free(s->env);
    free(s->bytes);
}

/* {===== command line */

/* The value of option `name` at argv[*i]: "--name=VALUE" or "--name VALUE"
 * (then *i moves past VALUE). NULL if argv[*i] is not this option; exits
 * with a usage error if the value is missing. */
static const char *option_value(char **argv, int argc, int *i,
                                const char *name)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "lunatic: %s needs a value (try --help)\n", name);
        exit(EXIT_USAGE);
    }
    return argv[++*i];
}

static void add_dir(struct run_opts *o, const char *spec)
{
    /* HOST[:GUEST], split at the first ':'. A copied HOST is freed at the
     * end of main (it differs from guest_path only then). */
    wasi_preopen_t *p = &o->preopens[o->npreopens++];
    const char *colon = strchr(spec, ':');
    char *host;
    if (!colon) {
        p->host_path = p->guest_path = spec;
        return;
    }
    if (colon == spec || colon[1] == '\0') {
        fprintf(stderr, "lunatic: bad --dir '%s': want HOST[:GUEST]\n", spec);
        exit(EXIT_USAGE);
    }
    if (!(host = strndup(spec, (size_t)(colon - spec)))) {
        fprintf(stderr, "lunatic: out of memory\n");
        exit(EXIT_ERROR);
    }
    p->host_path = host;
    p->guest_path = colon + 1;
}

static void add_env(struct run_opts *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        fprintf(stderr, "lunatic: bad --env '%s': want KEY=VALUE\n", kv);
        exit(EXIT_USAGE);
    }
    o->env_set[o->nenv_set++] = kv;
}

static void print_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "lunatic: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try --help)\n");
    exit(EXIT_USAGE);
}

/* Parse the options of `run` from argv[i]; stop at the module, after which
 * nothing is parsed. Exits on --help, --version and usage errors. */
static void parse_run(int argc, char **argv, int i, struct run_opts *o)
{
    const char *v;
    /* argc bounds how many --dir and --env there can be; +1 for "." */
    o->preopens = calloc((size_t)argc + 1, sizeof *o->preopens);
    o->env_set = calloc((size_t)argc, sizeof *o->env_set);
    if (!o->preopens || !o->env_set) {
        fprintf(stderr, "lunatic: out of memory\n");
        exit(EXIT_ERROR);
    }
    o->preopens[o->npreopens++] = (wasi_preopen_t){".", "."};
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage_text, stdout);
            exit(0);
        } else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
            puts("lunatic " LUNATIC_VERSION);
            exit(0);
        } else if ((v = option_value(argv, argc, &i, "--dir")) != NULL) {
            add_dir(o, v);
        } else if ((v = option_value(argv, argc, &i, "--env")) != NULL) {
            add_env(o, v);
        } else {
            print_usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc)
        print_usage_error("%s", "no module given");
    o->path = argv[i];
    o->guest_argv = argv + i;
    o->guest_argc = argc - i;
}

/* }===== */
/* {===== loading and linking */

/* Read a whole file; on failure returns errno (never 0). */
static int read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f)
        return errno;
    for (;;) {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!nb)
                break;
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int err = ferror(f) ? (errno ? errno : EIO) : (len < cap ? 0 : ENOMEM);
    fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

static int load_module(struct session *s, const char *path)
{
    static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
    char err[256] = "";
    int rc = read_file(path, &s->bytes, &s->len);
    if (rc != 0) {
        fprintf(stderr, "lunatic: cannot read '%s': %s\n", path, strerror(rc));
        return -1;
    }
    if (s->len < 4 || memcmp(s->bytes, magic, 4) != 0) {
        fprintf(stderr, "lunatic: '%s' is not a WebAssembly module "
                        "(no \\0asm header)\n", path);
        return -1;
    }
    rc = vm_module_load(s->bytes, s->len, NULL, &s->module, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "lunatic: %s: %s: %s\n", path, lun_strerror(rc), err);
        return -1;
    }
    return 0;
}

/* Print an import name that may hold any byte, escaping the unprintable. */
static void print_name(const char *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '\\')
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
}

/* Fail with one line naming the first import nothing provides (module,
 * field, expected type) and how many others there are. */
static int check_all_linked(const struct session *s, const char *path)
{
    uint32_t n = vm_module_import_count(s->module), missing = 0;
    vm_import_info first = {0};
    for (uint32_t i = 0; i < n; i++) {
        vm_import_info info;
        if (s->imports[i].kind == VM_EXTERN_FUNC && s->imports[i].u.func)
            continue;
        if (vm_module_import(s->module, i, &info) == 0 && missing++ == 0)
            first = info;
    }
    if (missing == 0)
        return 0;
    fprintf(stderr, "lunatic: %s: unknown import \"", path);
    print_name(first.module, first.module_len);
    fputs("\" \"", stderr);
    print_name(first.name, first.name_len);
    fprintf(stderr, "\" of type %s", first.type_text);
    if (missing > 1)
        fprintf(stderr, " (and %u more)", missing - 1);
    fputc('\n', stderr);
    return -1;
}

/* The guest environment: the host's, then each --env (replacing a
 * variable of the same name), as Lunatic gives its root process. */
static const char **build_env(const struct run_opts *o, uint32_t *out_n)
{
    uint32_t n = 0, host_n = 0;
    while (environ && environ[host_n])
        host_n++;
    const char **env = calloc((size_t)host_n + o->nenv_set + 1, sizeof *env);
    if (!env)
        return NULL;
    for (uint32_t i = 0; i < host_n; i++)
        env[n++] = environ[i];
    for (uint32_t i = 0; i < o->nenv_set; i++) {
        const char *kv = o->env_set[i];
        size_t keylen = (size_t)(strchr(kv, '=') - kv) + 1; /* with '=' */
        uint32_t j = 0;
        while (j < n && strncmp(env[j], kv, keylen) != 0)
            j++;
        env[j] = kv;
        if (j == n)
            n++;
    }
    *out_n = n;
    return env;
}

static int link_and_instantiate(struct session *s, const struct run_opts *o)
{
    uint32_t n = vm_module_import_count(s->module), envc = 0;
    char err[256] = "";
    int rc;
    if (!(s->env = build_env(o, &envc)))
        return LUN_ENOMEM;
    wasi_options_t wo = {
        .argv = (const char *const *)o->guest_argv,
        .argc = (uint32_t)o->guest_argc,
        .env = s->env, .envc = envc,
        .preopens = o->preopens, .npreopens = o->npreopens};
    if ((rc = wasi_ctx_new(&wo, &s->wasi)) != 0)
        return rc;
    if (!(s->imports = calloc(n ? n : 1, sizeof *s->imports)))
        return LUN_ENOMEM;
    if ((rc = wasi_link(s->wasi, s->module, s->imports, n)) < 0)
        return rc;
    if (check_all_linked(s, o->path) != 0)
        return LUN_EUNLINKABLE;
    rc = vm_instance_new(s->module, s->imports, n, NULL, &s->inst, err,
                         sizeof err);
    if (rc != 0)
        fprintf(stderr, "lunatic: %s: %s: %s\n", o->path, lun_strerror(rc),
                err);
    return rc;
}

/* }===== */
/* {===== running */

/* Call f with no arguments and run it to the end: *out_st is VM_DONE,
 * VM_TRAP or VM_BLOCK. VM_BLOCK cannot happen without the scheduler (no
 * host function provided here returns it). Returns vm_exec_call's error. */
static int run_function(vm_exec_t *ex, vm_func_t *f, vm_status *out_st)
{
    vm_value no_args[1] = {{0}}; /* not NULL: vm.h does not promise it is ok */
    int rc = vm_exec_call(ex, f, no_args, 0);
    if (rc != 0)
        return rc;
    while ((*out_st = vm_run(ex, RUN_BUDGET)) == VM_YIELD) {
    }
    return 0;
}

/* The entry point: a WASI command's `_start`, of type () -> (). */
static vm_func_t *find_start(vm_instance_t *inst, const char *path)
{
    vm_func_t *f = vm_instance_export_func(inst, "_start");
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    if (!f) {
        fprintf(stderr, "lunatic: %s: exports no function '_start' "
                        "(not a WASI command module)\n", path);
        return NULL;
    }
    vm_func_type(f, &np, &pt, &nr, &rt);
    if (np != 0 || nr != 0) {
        fprintf(stderr, "lunatic: %s: '_start' must have type () -> ()\n",
                path);
        return NULL;
    }
    return f;
}

/* The exit status for how the guest's execution ended. */
static int finish(struct session *s, vm_status st, const char *path)
{
    uint32_t code;
    if (st == VM_DONE)
        return wasi_ctx_exited(s->wasi, &code) ? (int)(code & 0xff) : 0;
    if (st == VM_TRAP) {
        vm_trap_kind k = vm_exec_trap(s->ex);
        const char *msg = vm_exec_trap_message(s->ex);
        fprintf(stderr, "lunatic: trap in %s: %s\n", path,
                msg && *msg ? msg : vm_trap_text(k));
        return EXIT_TRAP_BASE + (k > 0 && k < 64 ? (int)k : 0);
    }
    fprintf(stderr, "lunatic: %s: the guest blocked, which needs the "
                    "process scheduler (not implemented yet)\n", path);
    return EXIT_ERROR;
}

/* Run the start function if there is one, then _start, unless the start
 * function already ended the guest (proc_exit or a trap). */
static int run_module(struct session *s, const char *path)
{
    vm_func_t *start = vm_instance_start_func(s->inst);
    vm_func_t *entry = find_start(s->inst, path);
    uint32_t code;
    vm_status st = VM_DONE;
    int rc = 0;
    if (!entry)
        return EXIT_ERROR;
    if (!(s->ex = vm_exec_new(NULL))) {
        fprintf(stderr, "lunatic: out of memory\n");
        return EXIT_ERROR;
    }
    if (start)
        rc = run_function(s->ex, start, &st);
    if (rc == 0 && st == VM_DONE && !wasi_ctx_exited(s->wasi, &code))
        rc = run_function(s->ex, entry, &st);
    if (rc != 0) {
        fprintf(stderr, "lunatic: %s: cannot call: %s\n", path,
                lun_strerror(rc));
        return EXIT_ERROR;
    }
    return finish(s, st, path);
}

/* }===== */

static int run(struct run_opts *o)
{
    struct session s = {0};
    int status = EXIT_ERROR, rc;
    if (load_module(&s, o->path) == 0) {
        rc = link_and_instantiate(&s, o);
        if (rc == LUN_ENOMEM || rc == LUN_ELIMIT)
            fprintf(stderr, "lunatic: %s: %s\n", o->path, lun_strerror(rc));
        if (rc == 0)
            status = run_module(&s, o->path);
    }
    session_free(&s);
    return status;
}

int main(int argc, char **argv)
{
    struct run_opts o = {0};
    int status;
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    /* A guest writing to a closed pipe gets EPIPE, not a dead runtime. */
    signal(SIGPIPE, SIG_IGN);
    /* `lunatic APP.wasm ...` means `lunatic run APP.wasm ...`, as in
     * Lunatic; options before the module are parsed the same way. */
    parse_run(argc, argv, strcmp(argv[1], "run") == 0 ? 2 : 1, &o);
    status = run(&o);
    for (uint32_t i = 1; i < o.npreopens; i++)
        if (o.preopens[i].host_path != o.preopens[i].guest_path)
            free((char *)o.preopens[i].host_path);
    free(o.preopens);
    free(o.env_set);
    return status;
}
