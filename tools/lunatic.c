/* lunatic.c: the command line: `lunatic [run] [OPTIONS] APP.wasm [ARGS...]`
 * loads a WebAssembly module, links its WASI imports (wasi/wasi.h) and runs
 * its _start through the embedding API (vm/vm.h). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lun_lock.h"
#include "host/host.h"
#include "vm/vm.h"
#include "sched/sched.h"
#include "wasi/wasi.h"
#include "tools/cargo_test.h"
#include "tools/cert_cli.h"
#include "tools/args.h"
#include "tools/metrics_http.h"
#include "tools/node_cli.h"
#include "tools/reload_cli.h"
#include "tools/top.h"

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
    "       lunatic init     (in a cargo project: wasm32-wasi, `lunatic run`)\n"
    "       lunatic cert ...  (a cluster CA and node certificates: see\n"
    "                          `lunatic cert --help`)\n"
    "       lunatic top HOST:PORT  (the busiest processes of a run started\n"
    "                          with --metrics HOST:PORT)\n"
    "       lunatic node --name NAME --listen HOST:PORT --ca CA.pem\n"
    "                    --cert NODE.pem --key NODE.key [--peer HOST:PORT]...\n"
    "                    [--discover DNS_NAME:PORT] [--tag KEY=VALUE]...\n"
    "                    [--tick-ms N] [OPTIONS APP.wasm [ARGS...]]\n"
    "                 (a cluster node; node flags first. Without an app it\n"
    "                  serves other nodes' spawns until SIGINT/SIGTERM)\n"
    "\n"
    "Runs the _start function of a WebAssembly (WASI) module. Everything\n"
    "after APP.wasm is passed to the guest untouched; the guest's argv[0]\n"
    "is APP.wasm as given.\n"
    "\n"
    "options:\n"
    "  --dir HOST[:GUEST]  give the guest the host directory HOST, seen as\n"
    "                      GUEST (default: HOST); may be repeated. The guest\n"
    "                      sees no directory it is not given (not even .)\n"
    "  --env KEY=VALUE     set a guest environment variable (the guest also\n"
    "                      gets the host's environment); may be repeated\n"
    "  --listen ADDR       listen on TCP ADDR (HOST:PORT, [V6]:PORT) and give\n"
    "                      the guest the socket as a preopened fd, after the\n"
    "                      directories (for sock_accept); may be repeated\n"
    "  --watch             reload APP.wasm when the file changes (SIGHUP\n"
    "                      reloads it always): new spawns run the new code,\n"
    "                      processes with upgrade hooks move to it\n"
    "                      (docs/reload.md)\n"
    "  --threads N         run processes on N worker threads (default: one\n"
    "                      per core)\n"
    "  --max-processes N   at most N live processes; a spawn beyond fails\n"
    "                      (default: 1048576)\n"
    "  --max-message-memory BYTES\n"
    "                      at most BYTES (suffix K, M or G) held by queued\n"
    "                      messages, node-wide (default: 1G)\n"
    "  --metrics ADDR      serve Prometheus metrics on HOST:PORT at /metrics\n"
    "                      and the busiest processes at /processes (for\n"
    "                      `lunatic top ADDR`); also spelled\n"
    "                      --prometheus-http ADDR, and --prometheus for\n"
    "                      0.0.0.0:9927 (docs/operations.md)\n"
    "  -h, --help          print this help\n"
    "  -V, --version       print the version\n"
    "\n"
    "exit status: the guest's proc_exit code, 0 when _start returns,\n"
    "128+N when it traps, 1 when the module cannot be loaded or linked,\n"
    "2 for a bad command line. SIGTERM or SIGINT ends the run cleanly\n"
    "(every process ended, its sockets closed) with status 0; a second\n"
    "one exits at once with 128+SIGNAL.\n";

/* What `lunatic run` was asked to do; the strings point into argv. */
struct run_opts {
    const char *path;        /* the module, also the guest's argv[0] */
    char **guest_argv;       /* path followed by the guest's arguments */
    int guest_argc;
    wasi_preopen_t *preopens; /* --dir, in order; nothing else is granted */
    uint32_t npreopens;
    const char **env_set;    /* --env KEY=VALUE, in order */
    uint32_t nenv_set;
    const char **listen;     /* --listen ADDR, in order */
    uint32_t nlisten;
    uint32_t threads;        /* --threads N; 0 = one per core */
    bool watch;              /* --watch: reload path when it changes */
    uint64_t max_processes;  /* --max-processes N; 0 = the default */
    uint64_t max_message_memory; /* --max-message-memory B; 0 = default */
    dist_cluster_t *cluster; /* `lunatic node`: the cluster; NULL: none */
    const char *metrics;     /* --metrics ADDR; NULL: no endpoint */
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
    int *listen_fds; /* --listen sockets until the WASI context owns them */
    uint32_t nlisten_fds;
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
    for (uint32_t i = 0; i < s->nlisten_fds; i++)
        close(s->listen_fds[i]);
    free(s->listen_fds);
}

/* {===== command line */

/* The value of option `name` at argv[*i] (args_option_value). NULL if
 * argv[*i] is not this option; exits with a usage error if the value is
 * missing. */
static const char *option_value(char **argv, int argc, int *i,
                                const char *name)
{
    bool missing = false;
    const char *v = args_option_value(argc, argv, i, name, &missing);
    if (missing) {
        fprintf(stderr, "lunatic: %s needs a value (try --help)\n", name);
        exit(EXIT_USAGE);
    }
    return v;
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

/* A positive count, with an optional binary suffix K, M or G when
 * `sized`; exits with a usage error naming `what` otherwise. */
static uint64_t parse_count(const char *v, bool sized, const char *what)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    unsigned shift = 0;
    if (sized && *end && !end[1]) {
        const char *units = "KMG", *u = strchr(units, *end & ~0x20);
        if (u) {
            shift = 10 * (unsigned)(u - units + 1);
            end++;
        }
    }
    if (*v < '0' || *v > '9' || *end != '\0' || n == 0 ||
        n > (UINT64_MAX >> shift)) {
        fprintf(stderr, "lunatic: bad %s '%s': want a positive number%s "
                "(try --help)\n", what, v, sized ? " (suffix K, M or G)" : "");
        exit(EXIT_USAGE);
    }
    return (uint64_t)n << shift;
}

/* Parse the options of `run` from argv[i]; stop at the module, after which
 * nothing is parsed. Exits on --help, --version and usage errors. */
static void parse_run(int argc, char **argv, int i, struct run_opts *o)
{
    const char *v;
    /* argc bounds how many --dir and --env there can be */
    o->preopens = calloc((size_t)argc, sizeof *o->preopens);
    o->env_set = calloc((size_t)argc, sizeof *o->env_set);
    o->listen = calloc((size_t)argc, sizeof *o->listen);
    if (!o->preopens || !o->env_set || !o->listen) {
        fprintf(stderr, "lunatic: out of memory\n");
        exit(EXIT_ERROR);
    }
    /* Unlike Lunatic, "." is not preopened: the guest gets a directory
     * only when the command line grants it (--dir .). */
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
        } else if ((v = option_value(argv, argc, &i, "--listen")) != NULL) {
            o->listen[o->nlisten++] = v;
        } else if (!strcmp(argv[i], "--watch")) {
            o->watch = true;
        } else if ((v = option_value(argv, argc, &i, "--threads")) != NULL) {
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n == 0 || n > 1024)
                print_usage_error("bad --threads '%s': want 1..1024", v);
            o->threads = (uint32_t)n;
        } else if ((v = option_value(argv, argc, &i, "--max-processes"))) {
            o->max_processes = parse_count(v, false, "--max-processes");
        } else if ((v = option_value(argv, argc, &i,
                                     "--max-message-memory"))) {
            o->max_message_memory = parse_count(v, true,
                                                "--max-message-memory");
        } else if (!strcmp(argv[i], "--prometheus")) { /* Lunatic's */
            o->metrics = "0.0.0.0:9927";
        } else if ((v = option_value(argv, argc, &i, "--metrics")) ||
                   (v = option_value(argv, argc, &i, "--prometheus-http"))) {
            o->metrics = v;
        } else {
            print_usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc && o->cluster) /* `lunatic node` serving, no app */
        return;
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

/* LUNATIC_NO_FUSION=1 runs the plain register-threaded code, without the
 * interpreter's superinstructions: the same results, more slowly (for
 * checking the superinstructions against it). */
static bool fusion_off(void)
{
    const char *v = getenv("LUNATIC_NO_FUSION");
    return v && *v && strcmp(v, "0") != 0;
}

/* LUNATIC_NO_IMAGE=1: each process applies its module's data segments
 * one by one when spawned, instead of copying the image made at load when
 * it first touches its memory (for checking the image against it). */
static bool image_off(void)
{
    const char *v = getenv("LUNATIC_NO_IMAGE");
    return v && *v && strcmp(v, "0") != 0;
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
    vm_config cfg = {.no_fusion = fusion_off()};
    rc = vm_module_load(s->bytes, s->len, &cfg, &s->module, err, sizeof err);
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

/* Each --dir must name a directory; say which one does not, in one line. */
static int check_dirs(const struct run_opts *o)
{
    struct stat st;
    for (uint32_t i = 0; i < o->npreopens; i++) {
        const char *h = o->preopens[i].host_path;
        const char *why = stat(h, &st) != 0 ? strerror(errno)
                          : !S_ISDIR(st.st_mode) ? "not a directory"
                                                 : NULL;
        if (why) {
            fprintf(stderr, "lunatic: --dir '%s': %s\n", h, why);
            return -1;
        }
    }
    return 0;
}

/* A listening TCP socket on ADDR (HOST:PORT or [V6]:PORT), or -1 after
 * printing why. */
static int open_listener(const char *addr)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE}, *res = NULL;
    const char *colon = strrchr(addr, ':');
    char host[256];
    int fd = -1, one = 1, rc;
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']')
        addr++, hl -= 2; /* [::1]:8080 */
    if (!colon || hl >= sizeof host) {
        fprintf(stderr, "lunatic: bad --listen '%s': want HOST:PORT\n", addr);
        return -1;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if ((rc = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res)) != 0) {
        fprintf(stderr, "lunatic: --listen '%s': %s\n", addr,
                gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        fprintf(stderr, "lunatic: --listen '%s': %s\n", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int link_and_instantiate(struct session *s, const struct run_opts *o)
{
    uint32_t n = vm_module_import_count(s->module), envc = 0;
    char err[256] = "";
    int rc;
    if (!(s->env = build_env(o, &envc)))
        return LUN_ENOMEM;
    if (!(s->listen_fds = calloc(o->nlisten + 1, sizeof *s->listen_fds)))
        return LUN_ENOMEM;
    for (uint32_t i = 0; i < o->nlisten; i++)
        if ((s->listen_fds[s->nlisten_fds++] = open_listener(o->listen[i])) < 0) {
            s->nlisten_fds--;
            return LUN_EINVAL; /* already reported */
        }
    wasi_options_t wo = {
        .argv = (const char *const *)o->guest_argv,
        .argc = (uint32_t)o->guest_argc,
        .env = s->env, .envc = envc,
        .preopens = o->preopens, .npreopens = o->npreopens,
        .sockets = s->listen_fds, .nsockets = s->nlisten_fds};
    s->nlisten_fds = 0; /* the context owns them now, even on failure */
    if ((rc = wasi_ctx_new(&wo, &s->wasi)) != 0) {
        fprintf(stderr, "lunatic: cannot set up WASI: %s\n", lun_strerror(rc));
        return LUN_EINVAL; /* reported */
    }
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

/* Wait (poll(2)) for what a blocked WASI call waits for: one of its fds
 * ready, or its deadline. An interrupted or early wake-up is harmless: the
 * call checks again when it is re-invoked. */
static void wait_for(const wasi_wait_t *w)
{
    struct pollfd pfds[64];
    struct timespec ts, *tsp = NULL;
    nfds_t n = w->nfds < 64 ? w->nfds : 64; /* a poll_oneoff re-checks all */
    for (nfds_t i = 0; i < n; i++)
        pfds[i] = (struct pollfd){
            .fd = w->fds[i].host_fd,
            .events = (short)(((w->fds[i].events & WASI_WAIT_READ) ? POLLIN : 0) |
                              ((w->fds[i].events & WASI_WAIT_WRITE) ? POLLOUT : 0))};
    if (w->has_deadline) {
        uint64_t now = wasi_monotonic_ns();
        uint64_t left = w->deadline_ns > now ? w->deadline_ns - now : 0;
        ts.tv_sec = (time_t)(left / 1000000000u);
        ts.tv_nsec = (long)(left % 1000000000u);
        tsp = &ts;
    }
    ppoll(pfds, n, tsp, NULL);
}

/* Run ex to its end: *out_st is VM_DONE or VM_TRAP. Alone in the process,
 * the CLI serves a blocked WASI call by waiting for it right here; the
 * scheduler replaces this loop with parking the process. */
static void run_until_done(vm_exec_t *ex, wasi_ctx_t *wasi, vm_status *out_st)
{
    wasi_wait_t w;
    for (;;) {
        vm_status st = vm_run(ex, RUN_BUDGET);
        if (st == VM_YIELD)
            continue;
        if (st == VM_BLOCK && wasi_ctx_waiting(wasi, &w)) {
            wait_for(&w);
            continue;
        }
        *out_st = st; /* VM_BLOCK from anything else: reported by finish */
        return;
    }
}

/* Call f with no arguments and run it to the end. Returns vm_exec_call's
 * error. */
static int run_function(struct session *s, vm_func_t *f, vm_status *out_st)
{
    vm_value no_args[1] = {{0}}; /* not NULL: vm.h does not promise it is ok */
    int rc = vm_exec_call(s->ex, f, no_args, 0);
    if (rc != 0)
        return rc;
    run_until_done(s->ex, s->wasi, out_st);
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
        char bt[SCHED_BACKTRACE_BYTES];
        vm_exec_backtrace_format(s->ex, bt, sizeof bt, SCHED_BACKTRACE_FRAMES);
        fprintf(stderr, "lunatic: trap in %s: %s\n%s", path,
                msg && *msg ? msg : vm_trap_text(k), bt);
        return EXIT_TRAP_BASE + (k > 0 && k < 64 ? (int)k : 0);
    }
    fprintf(stderr, "lunatic: %s: the guest blocked on something this "
                    "runtime cannot wait for\n", path);
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
        rc = run_function(s, start, &st);
    if (rc == 0 && st == VM_DONE && !wasi_ctx_exited(s->wasi, &code))
        rc = run_function(s, entry, &st);
    if (rc != 0) {
        fprintf(stderr, "lunatic: %s: cannot call: %s\n", path,
                lun_strerror(rc));
        return EXIT_ERROR;
    }
    return finish(s, st, path);
}

/* }===== */

/* {===== running under the process scheduler (sched/sched.h) */

/* The exit status for how the root process ended (README: exit status).
 * Unlike Lunatic, a failed root process exits non-zero. */
static int sched_status(const sched_result_t *r, const char *path)
{
    switch (r->kind) {
    case SCHED_EXIT_NORMAL:
        return (int)(r->exit_code & 0xff);
    case SCHED_EXIT_TRAP:
        fprintf(stderr, "lunatic: trap in %s: %s\n%s", path, r->message,
                r->backtrace);
        return EXIT_TRAP_BASE + (r->trap > 0 && r->trap < 64 ? (int)r->trap : 0);
    case SCHED_EXIT_STOPPED:
        return 0;
    case SCHED_EXIT_KILLED:
        fprintf(stderr, "lunatic: %s: the root process was killed (%s)\n",
                path, r->message);
        return EXIT_TRAP_BASE + VM_TRAP_HOST;
    default:
        fprintf(stderr, "lunatic: %s: %s\n", path, r->message);
        return EXIT_ERROR;
    }
}

/* SIGTERM and SIGINT end a scheduled run cleanly, so a server can be
 * stopped without leaking (the tests run the examples under LSan so).
 * Every thread blocks them (workers and resolver threads inherit the
 * mask) and one thread takes them with sigwait, which is not limited
 * to async-signal-safe calls as a handler is. That thread lives until
 * the runtime is freed: the clean stop waits for every worker, and a
 * worker deep in one long computation (a memory.grow that copies
 * gigabytes) can keep it waiting, so a second signal must still find
 * someone to end the process. SIGUSR1 from run_scheduled ends it. */
struct stopper {
    pthread_t thread;
    const char *app;      /* SIGHUP (and --watch) reload it */
    bool watch;
    pthread_mutex_t lock; /* guards rt: sched_runtime_stop vs. the free */
    sched_runtime_t *rt;  /* NULL once the runtime is being freed */
    _Atomic bool over;
    sigset_t set, old;
};

/* SIGHUP, or a change of the watched file: reload the application. */
static void stopper_reload(struct stopper *st)
{
    lun_mutex_lock(&st->lock);
    if (st->rt)
        reload_cli_file(st->rt, st->app);
    lun_mutex_unlock(&st->lock);
}

/* The next signal (0: none came; the watched file was looked at). */
#define WATCH_POLL_NS 100000000 /* 100 ms */
static int stopper_next(struct stopper *st, reload_watch_t *w)
{
    int sig;
    if (!st->watch)
        return sigwait(&st->set, &sig) == 0 ? sig : 0;
    struct timespec poll = {0, WATCH_POLL_NS};
    sig = sigtimedwait(&st->set, NULL, &poll);
    if (sig < 0 && reload_watch_changed(w))
        return SIGHUP;
    return sig < 0 ? 0 : sig;
}

/* The first signal asks the runtime to stop (if it is not already being
 * freed); any later one exits at once with the documented status.
 * SIGHUP reloads the application instead. */
static void *stopper_main(void *arg)
{
    struct stopper *st = arg;
    int sig, seen = 0;
    reload_watch_t w;
    reload_watch_init(&w, st->app);
    for (;;) {
        sig = stopper_next(st, &w);
        if (sig == SIGHUP) {
            stopper_reload(st);
            continue;
        }
        if (sig == 0 || sig == SIGUSR1) {
            if (atomic_load(&st->over))
                return NULL;
            continue;
        }
        if (seen++) /* the clean stop hangs: the user insists */
            _exit(EXIT_TRAP_BASE + sig);
        lun_mutex_lock(&st->lock);
        if (st->rt)
            sched_runtime_stop(st->rt, sig);
        lun_mutex_unlock(&st->lock);
    }
}

/* Block the signals in this thread (before the runtime's threads start). */
static void stopper_block(struct stopper *st)
{
    sigemptyset(&st->set);
    sigaddset(&st->set, SIGTERM);
    sigaddset(&st->set, SIGINT);
    sigaddset(&st->set, SIGUSR1);
    sigaddset(&st->set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &st->set, &st->old);
}

static bool stopper_start(struct stopper *st, sched_runtime_t *rt)
{
    st->rt = rt;
    atomic_init(&st->over, false);
    lun_mutex_init(&st->lock);
    if (pthread_create(&st->thread, NULL, stopper_main, st) == 0)
        return true;
    lun_mutex_destroy(&st->lock);
    return false;
}

/* Before the runtime is freed: no stop request may reach it after this,
 * but signals are still taken (and a second one still exits). */
static void stopper_forget_runtime(struct stopper *st)
{
    lun_mutex_lock(&st->lock);
    st->rt = NULL;
    lun_mutex_unlock(&st->lock);
}

/* After the runtime is freed: end the thread. */
static void stopper_join(struct stopper *st)
{
    atomic_store(&st->over, true);
    pthread_kill(st->thread, SIGUSR1);
    pthread_join(st->thread, NULL);
    lun_mutex_destroy(&st->lock);
}

/* --dir entries are handed over as they are: the two structs match. */
_Static_assert(sizeof(sched_dir_t) == sizeof(wasi_preopen_t),
               "sched_dir_t and wasi_preopen_t differ");

/* Run the module's _start as process 1 on the scheduler's workers. */
static int run_scheduled(struct session *s, const struct run_opts *o)
{
    char err[512];
    uint32_t envc = 0;
    sched_runtime_t *rt = NULL;
    sched_result_t r;
    if (sched_module_check(host_abi(), s->module, err, sizeof err) != 0) {
        fprintf(stderr, "lunatic: %s: %s\n", o->path, err);
        return EXIT_ERROR;
    }
    if (!(s->env = build_env(o, &envc)) ||
        !(s->listen_fds = calloc(o->nlisten + 1, sizeof *s->listen_fds)))
        return fprintf(stderr, "lunatic: out of memory\n"), EXIT_ERROR;
    for (uint32_t i = 0; i < o->nlisten; i++)
        if ((s->listen_fds[s->nlisten_fds++] = open_listener(o->listen[i])) < 0) {
            s->nlisten_fds--;
            return EXIT_ERROR; /* already reported */
        }
    sched_options_t so = {
        .threads = o->threads,
        .argv = (const char *const *)o->guest_argv,
        .argc = (uint32_t)o->guest_argc, .env = s->env, .envc = envc,
        .dirs = (const sched_dir_t *)o->preopens, .ndirs = o->npreopens,
        .sockets = s->listen_fds, .nsockets = s->nlisten_fds,
        .no_fusion = fusion_off(), .no_image = image_off(),
        .max_processes = o->max_processes,
        .max_message_memory = o->max_message_memory, .abi = host_abi(),
        .node = o->cluster ? dist_cluster_sched(o->cluster) : NULL,
        /* other nodes fetch the root's module by its hash */
        .root_wasm = s->bytes, .root_wasm_len = s->len};
    s->nlisten_fds = 0; /* the root's WASI context owns them now */
    metrics_http_t *mh = NULL; /* before the run: a bad ADDR stops it */
    if (o->metrics && metrics_http_open(o->metrics, &mh) != 0)
        return EXIT_ERROR;
    struct stopper st = {.app = o->path, .watch = o->watch};
    stopper_block(&st);
    if (sched_runtime_new(&so, &rt) != 0) {
        pthread_sigmask(SIG_SETMASK, &st.old, NULL);
        metrics_http_close(mh);
        return fprintf(stderr, "lunatic: out of memory\n"), EXIT_ERROR;
    }
    if (mh)
        metrics_http_attach(mh, rt, o->cluster); /* says why if it fails */
    bool stoppable = stopper_start(&st, rt);
    if (o->cluster)
        dist_cluster_attach(o->cluster, rt);
    vm_module_t *m = s->module;
    s->module = NULL; /* the runtime owns it now */
    int status = sched_run_main(rt, m, &r) != 0 ? EXIT_ERROR
                                                 : sched_status(&r, o->path);
    if (stoppable)
        stopper_forget_runtime(&st);
    metrics_http_close(mh);
    if (getenv("LUNATIC_METRICS"))
        sched_metrics_dump(rt);
    if (o->cluster)
        dist_cluster_detach(o->cluster);
    sched_runtime_free(rt);
    if (stoppable)
        stopper_join(&st);
    /* A signal that came after the join is delivered now. */
    pthread_sigmask(SIG_SETMASK, &st.old, NULL);
    return status;
}

/* }===== */

/* Started by `cargo test` (tools/cargo_test.c): run the module's tests as
 * libtest does, each in its own runtime, instead of _start. */
static int run_cargo_test(struct session *s, const struct run_opts *o)
{
    char err[512];
    uint32_t envc = 0;
    if (sched_module_check(host_abi(), s->module, err, sizeof err) != 0) {
        fprintf(stderr, "lunatic: %s: %s\n", o->path, err);
        return EXIT_ERROR;
    }
    if (!(s->env = build_env(o, &envc)))
        return fprintf(stderr, "lunatic: out of memory\n"), EXIT_ERROR;
    cargo_test_opts_t ct = {
        .path = o->path, .module = s->module,
        .argc = o->guest_argc - 1, .args = o->guest_argv + 1,
        .threads = o->threads, .dirs = o->preopens, .ndirs = o->npreopens,
        .env = s->env, .envc = envc, .no_fusion = fusion_off()};
    return cargo_test_run(&ct);
}

/* `lunatic node` without an app: a runtime with no root process that
 * serves other nodes' spawns until SIGINT or SIGTERM. */
static int serve(struct run_opts *o)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old); /* workers inherit the mask */
    sched_options_t so = {
        .threads = o->threads, .no_fusion = fusion_off(), .no_image = image_off(),
        .max_processes = o->max_processes,
        .max_message_memory = o->max_message_memory, .abi = host_abi(),
        .node = dist_cluster_sched(o->cluster)};
    sched_runtime_t *rt = NULL;
    metrics_http_t *mh = NULL;
    if (o->metrics && metrics_http_open(o->metrics, &mh) != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return EXIT_ERROR;
    }
    if (sched_runtime_new(&so, &rt) != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        metrics_http_close(mh);
        return fprintf(stderr, "lunatic: out of memory\n"), EXIT_ERROR;
    }
    if (mh)
        metrics_http_attach(mh, rt, o->cluster);
    dist_cluster_attach(o->cluster, rt);
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    metrics_http_close(mh);
    if (getenv("LUNATIC_METRICS"))
        sched_metrics_dump(rt);
    dist_cluster_detach(o->cluster);
    sched_runtime_free(rt);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

static int run(struct run_opts *o)
{
    struct session s = {0};
    int status = EXIT_ERROR, rc;
    if (check_dirs(o) == 0 && load_module(&s, o->path) == 0) {
        if (cargo_test_detect(o->path, o->guest_argc - 1, o->guest_argv + 1)) {
            status = run_cargo_test(&s, o);
            session_free(&s);
            return status;
        }
        /* LUNATIC_NO_SCHED=1: the single-process loop without the
         * scheduler (a debugging aid for vm/ and wasi/). */
        if (!getenv("LUNATIC_NO_SCHED")) {
            status = run_scheduled(&s, o);
            session_free(&s);
            return status;
        }
        rc = link_and_instantiate(&s, o);
        if (rc == LUN_ENOMEM || rc == LUN_ELIMIT)
            fprintf(stderr, "lunatic: %s: %s\n", o->path, lun_strerror(rc));
        if (rc == 0)
            status = run_module(&s, o->path);
    }
    session_free(&s);
    return status;
}

static void free_opts(struct run_opts *o);

/* `lunatic node NODE-FLAGS [RUN-OPTIONS] [APP.wasm [ARGS...]]`. */
static int run_node(int argc, char **argv)
{
    struct run_opts o = {0};
    /* The node's threads start now: they must not take SIGTERM/SIGINT
     * (its default action would kill the node), the thread that waits
     * for them does. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int i = node_cli_start(argc, argv, 2, &o.cluster), status;
    if (i < argc) {
        parse_run(argc, argv, i, &o);
        status = o.path ? run(&o) : serve(&o); /* --metrics, no app */
    } else
        status = serve(&o);
    dist_cluster_stop(o.cluster);
    free_opts(&o);
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
    /* Before any vm object: the scheduler's workers reuse instances' and
     * executions' blocks. Without the scheduler, libc's calloc keeps
     * memories' untouched pages lazily zeroed (bench-grow compares). */
    if (!getenv("LUNATIC_NO_SCHED"))
        sched_use_pool_allocator();
    if (strcmp(argv[1], "init") == 0) /* Lunatic's: tools/cargo_init.c */
        return cargo_init();
    if (strcmp(argv[1], "cert") == 0) /* tools/cert_cli.c */
        return cert_cli(argc - 2, argv + 2);
    if (strcmp(argv[1], "node") == 0) /* tools/node_cli.c */
        return run_node(argc, argv);
    if (strcmp(argv[1], "top") == 0) /* tools/top.c */
        return top_cli(argc - 2, argv + 2);
    /* `lunatic APP.wasm ...` means `lunatic run APP.wasm ...`, as in
     * Lunatic; options before the module are parsed the same way. */
    parse_run(argc, argv, strcmp(argv[1], "run") == 0 ? 2 : 1, &o);
    status = run(&o);
    free_opts(&o);
    return status;
}

static void free_opts(struct run_opts *o)
{
    for (uint32_t i = 0; i < o->npreopens; i++)
        if (o->preopens[i].host_path != o->preopens[i].guest_path)
            free((char *)o->preopens[i].host_path);
    free(o->preopens);
    free(o->env_set);
    free(o->listen);
}
