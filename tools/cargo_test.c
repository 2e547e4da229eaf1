/* cargo_test.c: `cargo test` with `lunatic` as the runner. Cargo runs
 * `lunatic run [OPTIONS] target/wasm32-wasi/<profile>/deps/NAME.wasm
 * [LIBTEST ARGS]`; like Lunatic (src/mode/cargo_test.rs) we then run each
 * `#lunatic_test_*` export as the root process of its own environment
 * (own pids from 1, own registry) with its stdout and stderr captured, and
 * print libtest's report.
 *
 * Each test runs in a forked copy of this process (the module is loaded
 * and validated once, before forking): its own runtime, like Lunatic's own
 * environment, and a test that hangs, crashes the runtime or exits cannot
 * touch the others or the report. Up to --test-threads tests run at once.
 * Lunatic starts them all at once in one runtime, where processes a test
 * leaves behind keep running until the last test ends; here they end with
 * their test, as they do when `lunatic run` ends. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"
#include "sched/sched.h"
#include "tools/args.h"
#include "tools/cargo_test.h"
#include "vm/vm_int.h" /* vm__compile: see compile_all */

#define EXIT_FAILED 101 /* libtest: some test failed */
#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define TEST_PREFIX "#lunatic_test_"
#define SLOW_SECONDS 60 /* libtest's "has been running for over 60 seconds" */

/* {===== libtest's command line */

struct args {
    const char **filters, **skips;
    int nfilters, nskips;
    bool exact, ignored, include_ignored, list, nocapture, show_output;
    bool terse_list;
    int color; /* -1 never, 0 auto, 1 always */
    unsigned threads;
};

/* libtest options we accept without acting on them; these take a value. */
static const char *const ignored_with_value[] = {
    "--logfile", "-Z", "--shuffle-seed", "--report-time-format", NULL};

static bool takes_value(const char *a)
{
    for (int i = 0; ignored_with_value[i]; i++)
        if (!strcmp(a, ignored_with_value[i]))
            return true;
    return false;
}


static unsigned default_threads(void)
{
    const char *env = getenv("RUST_TEST_THREADS");
    long n = env ? strtol(env, NULL, 10) : 0;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static bool parse_value_opt(struct args *a, int argc, char *const *args,
                            int *i, bool *missing)
{
    const char *v;
    if ((v = args_option_value(argc, args, i, "--test-threads", missing))) {
        long n = strtol(v, NULL, 10);
        if (n <= 0 || n > 4096) {
            fprintf(stderr, "error: argument for --test-threads must be a "
                            "number > 0 (error: %s)\n", v);
            exit(EXIT_USAGE);
        }
        a->threads = (unsigned)n;
    } else if ((v = args_option_value(argc, args, i, "--skip", missing))) {
        a->skips[a->nskips++] = v;
    } else if ((v = args_option_value(argc, args, i, "--format", missing))) {
        a->terse_list = !strcmp(v, "terse");
        if (strcmp(v, "pretty") && strcmp(v, "terse"))
            fprintf(stderr, "lunatic: --format %s is not supported; "
                            "printing the pretty format\n", v);
    } else if ((v = args_option_value(argc, args, i, "--color", missing))) {
        a->color = !strcmp(v, "always") ? 1 : !strcmp(v, "never") ? -1 : 0;
    } else {
        return false;
    }
    return true;
}

static bool parse_flag(struct args *a, const char *s)
{
    bool *flag = !strcmp(s, "--exact")             ? &a->exact
                 : !strcmp(s, "--ignored")         ? &a->ignored
                 : !strcmp(s, "--include-ignored") ? &a->include_ignored
                 : !strcmp(s, "--list")            ? &a->list
                 : !strcmp(s, "--nocapture")       ? &a->nocapture
                 : !strcmp(s, "--show-output")     ? &a->show_output
                                                   : NULL;
    if (flag)
        *flag = true;
    return flag != NULL;
}

/* Unknown options are noted in one line and skipped, so a newer cargo or
 * a habit (`-q`, `--test`) never fails the run. */
static void parse_args(struct args *a, int argc, char *const *args)
{
    a->filters = calloc((size_t)argc + 1, sizeof *a->filters);
    a->skips = calloc((size_t)argc + 1, sizeof *a->skips);
    if (!a->filters || !a->skips)
        exit(EXIT_ERROR);
    a->threads = default_threads();
    for (int i = 0; i < argc; i++) {
        const char *s = args[i];
        bool missing = false;
        if (s[0] != '-' || !strcmp(s, "-")) {
            a->filters[a->nfilters++] = s;
        } else if (parse_flag(a, s) ||
                   parse_value_opt(a, argc, args, &i, &missing)) {
            continue;
        } else if (missing) {
            fprintf(stderr, "error: option '%s' needs a value\n", s);
            exit(EXIT_USAGE);
        } else if (strcmp(s, "--")) {
            fprintf(stderr, "lunatic: ignoring libtest option '%s' (not "
                            "supported by lunatic's test runner)\n", s);
            if (takes_value(s) && i + 1 < argc)
                i++;
        }
    }
    if (getenv("RUST_TEST_NOCAPTURE") &&
        strcmp(getenv("RUST_TEST_NOCAPTURE"), "0"))
        a->nocapture = true;
}

/* }===== */
/* {===== the tests: what the exports say */

typedef struct test {
    char *name;        /* as libtest shows it */
    char *export_name; /* the export to run */
    char *panic;       /* should panic with this substring; NULL: no */
    bool ignored;
    /* while running and after */
    pid_t pid;
    int fd; /* captured output (or, with --nocapture, only its end) */
    char *out;
    size_t len, cap;
    bool failed, slow_noted;
    struct timespec started;
} test_t;

/* Split "#panic_MSG#NAME" (MSG with `\#` for '#') as Lunatic does. */
static bool split_panic(const char *s, test_t *t)
{
    const char *end = s;
    char prev = ' ';
    while (*end && !(*end == '#' && prev != '\\'))
        prev = *end++;
    if (!*end)
        return false;
    t->name = strdup(end + 1);
    t->panic = malloc((size_t)(end - s) + 1);
    if (!t->name || !t->panic)
        return false;
    size_t n = 0;
    for (const char *p = s; p < end; p++)
        if (!(p[0] == '\\' && p[1] == '#'))
            t->panic[n++] = *p;
    t->panic[n] = '\0';
    return true;
}

/* Fill t from an export name; false if it is not a test. */
static bool parse_export(const char *export_name, test_t *t)
{
    const char *s = export_name;
    if (strncmp(s, TEST_PREFIX, strlen(TEST_PREFIX)) != 0)
        return false;
    s += strlen(TEST_PREFIX);
    memset(t, 0, sizeof *t);
    t->fd = -1;
    if (!strncmp(s, "#ignore_", 8)) {
        t->ignored = true;
        s += 8;
    }
    if (!strncmp(s, "#panic_", 7)) {
        if (!split_panic(s + 7, t))
            return false;
    } else if (!(t->name = strdup(s))) {
        return false;
    }
    return (t->export_name = strdup(export_name)) != NULL;
}

static bool name_matches(const char *name, const char *pat, bool exact)
{
    return exact ? !strcmp(name, pat) : strstr(name, pat) != NULL;
}

/* libtest's selection: a test runs when it matches a filter (or there is
 * none) and no --skip; --ignored keeps only ignored tests, which then
 * run, as does --include-ignored. */
static bool selected(test_t *t, const struct args *a)
{
    bool ok = a->nfilters == 0;
    for (int i = 0; i < a->nfilters && !ok; i++)
        ok = name_matches(t->name, a->filters[i], a->exact);
    for (int i = 0; i < a->nskips && ok; i++)
        ok = !name_matches(t->name, a->skips[i], a->exact);
    if (!ok || (a->ignored && !t->ignored))
        return false;
    if (a->ignored || a->include_ignored)
        t->ignored = false;
    return true;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const test_t *)x)->name, ((const test_t *)y)->name);
}

/* The tests of m, sorted by name as libtest lists them; *total counts the
 * filtered-out ones too. */
static test_t *find_tests(vm_module_t *m, const struct args *a, size_t *n,
                          size_t *total)
{
    uint32_t ne = vm_module_export_count(m);
    test_t *tests = calloc(ne + 1, sizeof *tests);
    *n = *total = 0;
    if (!tests)
        return NULL;
    for (uint32_t i = 0; i < ne; i++) {
        vm_import_info info;
        test_t t;
        if (vm_module_export(m, i, &info) != 0 ||
            info.kind != VM_EXTERN_FUNC || strlen(info.name) != info.name_len ||
            !parse_export(info.name, &t))
            continue;
        ++*total;
        if (selected(&t, a))
            tests[(*n)++] = t;
        else
            free(t.name), free(t.export_name), free(t.panic);
    }
    qsort(tests, *n, sizeof *tests, by_name);
    return tests;
}

/* }===== */
/* {===== running one test (in the forked child) */

/* Compile every function now, once, before forking: the tests then share
 * the compiled code, as they share Lunatic's (wasmtime compiles a module
 * whole when it loads it). Compiled lazily in each test instead, the
 * first pass through a path pays for compiling it, inside the test: in
 * lunatic-rs's supervisor tests a child's first shutdown took 12 ms of
 * compiling where the test leaves 10 ms for the whole restart. */
static void compile_all(vm_module_t *m)
{
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++)
        if (!VM_LOAD_ACQUIRE(m->funcs[i].code))
            (void)vm__compile(m, &m->funcs[i]); /* NULL: compiled lazily */
}

/* The root process of a runtime of our own runs the test's export; the
 * child's exit status is 0 when it ended normally, else 1. Nothing is
 * printed: Lunatic logs a failed test process only at a level it hides. */
static _Noreturn void run_child(const cargo_test_opts_t *o, const test_t *t)
{
    sched_runtime_t *rt = NULL;
    sched_result_t r;
    sched_options_t so = {
        .threads = o->threads, .argv = NULL, .argc = 0,
        .env = o->env, .envc = o->envc,
        .dirs = (const sched_dir_t *)o->dirs, .ndirs = o->ndirs,
        .no_fusion = o->no_fusion, .abi = host_abi()};
    signal(SIGPIPE, SIG_IGN);
    if (sched_runtime_new(&so, &rt) != 0) {
        fprintf(stderr, "lunatic: out of memory\n");
        _exit(1);
    }
    if (sched_run_entry(rt, o->module, t->export_name, &r) != 0)
        _exit(1);
    if (r.kind == SCHED_EXIT_ERROR)
        fprintf(stderr, "lunatic: %s: %s\n", t->export_name, r.message);
    fflush(NULL);
    /* _exit: the other processes of the test end with it, at once, as
     * they do when Lunatic's runtime ends. */
    _exit(r.kind == SCHED_EXIT_NORMAL && r.exit_code == 0 ? 0 : 1);
}

/* Start t in a child. Its stdout and stderr go to one pipe, read into
 * t->out (Lunatic captures both into one buffer); with --nocapture they
 * stay ours, and the pipe only tells when the child is gone. */
static bool start_test(const cargo_test_opts_t *o, test_t *t,
                       const test_t *all, size_t n, bool nocapture)
{
    int p[2];
    fflush(NULL);
    if (pipe(p) != 0)
        return false;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]), close(p[1]);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        for (size_t i = 0; i < n; i++) /* others' pipes: not ours */
            if (all[i].fd >= 0)
                close(all[i].fd);
        if (!nocapture && (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0))
            _exit(1);
        if (!nocapture)
            close(p[1]);
        run_child(o, t);
    }
    close(p[1]);
    t->pid = pid;
    t->fd = p[0];
    clock_gettime(CLOCK_MONOTONIC, &t->started);
    return true;
}

static void append(test_t *t, const char *s, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        size_t cap = (t->len + len + 1) * 2;
        char *grown = realloc(t->out, cap);
        if (!grown)
            return; /* keep what fits; the verdict does not depend on it */
        t->out = grown;
        t->cap = cap;
    }
    memcpy(t->out + t->len, s, len);
    t->len += len;
    t->out[t->len] = '\0';
}

/* Read what t's pipe has; false at its end (the child is gone). */
static bool read_some(test_t *t)
{
    char buf[16384];
    ssize_t got = read(t->fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
        return true;
    if (got <= 0)
        return false;
    append(t, buf, (size_t)got);
    return true;
}

/* }===== */
/* {===== judging, as Lunatic does */

/* The message of the first "thread '...' panicked at '<msg>', " in out,
 * as Lunatic's regex `(?ms)^thread '.*' panicked at '(.*)', ` takes it
 * (both .* greedy: up to the last "', " of the output). NULL if none. */
static char *panic_message(const char *out)
{
    const char *line = out, *start = NULL;
    for (; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (!strncmp(line, "thread '", 8) && strstr(line, "' panicked at '")) {
            start = line;
            break;
        }
    if (!start)
        return NULL;
    const char *at = NULL, *p = start;
    while ((p = strstr(p, "' panicked at '")))
        at = p++;
    at += strlen("' panicked at '");
    const char *end = NULL;
    for (p = at; (p = strstr(p, "', ")); p++)
        end = p;
    if (!end)
        return NULL;
    return strndup(at, (size_t)(end - at));
}

enum verdict { V_OK, V_FAILED, V_PANIC_OK, V_PANIC_FAILED };

static enum verdict judge_failure(test_t *t, bool nocapture)
{
    char *msg = t->out ? panic_message(t->out) : NULL;
    enum verdict v;
    char note[512];
    if (!t->panic) {
        if (!msg && !nocapture)
            append(t, "note: Process trapped or received kill signal\n", 46);
        v = V_FAILED;
    } else if (msg) {
        v = strstr(msg, t->panic) ? V_PANIC_OK : V_PANIC_FAILED;
        if (v == V_PANIC_FAILED) {
            snprintf(note, sizeof note, "note: panic did not contain "
                     "expected string\n      panic message: `\"%s\"`,\n "
                     "expected substring: `\"%s\"`\n", msg, t->panic);
            append(t, note, strlen(note));
        }
    } else if (t->panic[0] == '\0') {
        v = V_PANIC_OK; /* killed, and any panic would do */
    } else {
        snprintf(note, sizeof note, "note: Process received kill signal, "
                 "but expected a panic that contains `%s`\n", t->panic);
        append(t, note, strlen(note));
        v = V_PANIC_FAILED;
    }
    free(msg);
    return v;
}

static enum verdict judge(test_t *t, int status, bool nocapture)
{
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!WIFEXITED(status)) {
        char note[128];
        snprintf(note, sizeof note, "note: the runtime running the test "
                 "died of signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        append(t, note, strlen(note));
    }
    if (!ok)
        return judge_failure(t, nocapture);
    if (!t->panic)
        return V_OK;
    append(t, "note: test did not panic as expected\n", 37);
    return V_PANIC_FAILED;
}

/* }===== */
/* {===== the run and libtest's report */

struct run {
    const cargo_test_opts_t *o;
    struct args a;
    test_t *tests;
    size_t n, total;
    struct pollfd *pf; /* wait_some's, one per test */
    size_t *idx;
    size_t passed, failed, ignored;
    bool color;
};

static void say_result(struct run *r, const char *name, const char *suffix,
                       const char *word, int colour)
{
    if (r->color)
        printf("test %s%s ... \x1b[%dm%s\x1b[0m\n", name, suffix, colour, word);
    else
        printf("test %s%s ... %s\n", name, suffix, word);
    fflush(stdout);
}

static void finish_test(struct run *r, test_t *t, int status)
{
    enum verdict v = judge(t, status, r->a.nocapture);
    const char *suffix = t->panic ? " - should panic" : "";
    t->failed = v == V_FAILED || v == V_PANIC_FAILED;
    say_result(r, t->name, suffix, t->failed ? "FAILED" : "ok",
               t->failed ? 31 : 32);
    if (t->failed)
        r->failed++;
    else
        r->passed++;
    close(t->fd);
    t->fd = -1;
    t->pid = 0;
}

/* libtest's warning for a test running over a minute (it keeps running). */
static void note_slow(test_t *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!t->slow_noted && now.tv_sec - t->started.tv_sec >= SLOW_SECONDS) {
        printf("test %s has been running for over %d seconds\n", t->name,
               SLOW_SECONDS);
        fflush(stdout);
        t->slow_noted = true;
    }
}

/* Wait until some running test has ended (its pipe closed), reading
 * output meanwhile; report each that ended. */
static void wait_some(struct run *r)
{
    struct pollfd *pf = r->pf;
    size_t *idx = r->idx, np = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->tests[i].fd >= 0) {
            pf[np] = (struct pollfd){.fd = r->tests[i].fd, .events = POLLIN};
            idx[np++] = i;
        }
    if (poll(pf, np, 1000) <= 0) {
        for (size_t k = 0; k < np; k++)
            note_slow(&r->tests[idx[k]]);
        return;
    }
    for (size_t k = 0; k < np; k++) {
        test_t *t = &r->tests[idx[k]];
        if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)) || read_some(t))
            continue;
        int status = 0;
        while (waitpid(t->pid, &status, 0) < 0 && errno == EINTR)
            ;
        finish_test(r, t, status);
    }
}

static size_t running(const struct run *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->tests[i].fd >= 0;
    return k;
}

static bool run_all(struct run *r)
{
    size_t next = 0;
    while (next < r->n || running(r) > 0) {
        test_t *t = next < r->n ? &r->tests[next] : NULL;
        if (t && t->ignored) {
            say_result(r, t->name, "", "ignored", 33);
            r->ignored++;
            next++;
        } else if (t && running(r) < r->a.threads) {
            if (!start_test(r->o, t, r->tests, r->n, r->a.nocapture)) {
                fprintf(stderr, "lunatic: cannot start test %s: %s\n",
                        t->name, strerror(errno));
                return false;
            }
            next++;
        } else {
            wait_some(r);
        }
    }
    return true;
}

static void print_outputs(const struct run *r, bool failures)
{
    for (size_t i = 0; i < r->n; i++) {
        const test_t *t = &r->tests[i];
        if (t->ignored || t->failed != failures || !t->len)
            continue;
        printf("\n---- %s stdout ----\n", t->name);
        fwrite(t->out, 1, t->len, stdout); /* any bytes, NULs included */
        if (t->out[t->len - 1] != '\n')
            putchar('\n');
    }
}

static void print_names(const struct run *r, bool failures)
{
    for (size_t i = 0; i < r->n; i++)
        if (!r->tests[i].ignored && r->tests[i].failed == failures)
            printf("    %s\n", r->tests[i].name);
}

static void report(const struct run *r, double secs)
{
    if (r->a.show_output && r->passed) {
        printf("\nsuccesses:\n");
        print_outputs(r, false);
        printf("\nsuccesses:\n");
        print_names(r, false);
    }
    if (r->failed) {
        printf("\nfailures:\n");
        print_outputs(r, true);
        printf("\nfailures:\n");
        print_names(r, true);
    }
    const char *word = r->failed ? "FAILED" : "ok";
    printf("\ntest result: ");
    if (r->color)
        printf("\x1b[%dm%s\x1b[0m", r->failed ? 31 : 32, word);
    else
        printf("%s", word);
    printf(". %zu passed; %zu failed; %zu ignored; 0 measured; %zu filtered "
           "out; finished in %.2fs\n\n", r->passed, r->failed, r->ignored,
           r->total - r->n, secs);
}

static void list_tests(const struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        printf("%s: test\n", r->tests[i].name);
    if (!r->a.terse_list) {
        if (r->n)
            putchar('\n');
        printf("%zu test%s, 0 benchmarks\n", r->n, r->n == 1 ? "" : "s");
    }
}

static int run_tests(const cargo_test_opts_t *o);

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void free_tests(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->tests[i].name);
        free(r->tests[i].export_name);
        free(r->tests[i].panic);
        free(r->tests[i].out);
    }
    free(r->tests);
    free(r->pf);
    free(r->idx);
    free(r->a.filters);
    free(r->a.skips);
}

/* Lunatic's test mode always preopens the current directory, then each
 * --dir: tests written for Lunatic may rely on it, whatever `lunatic run`
 * itself preopens by default. */
static wasi_preopen_t *with_cwd(const cargo_test_opts_t *o, uint32_t *n)
{
    wasi_preopen_t *d = calloc(o->ndirs + 1, sizeof *d);
    bool has_cwd = false;
    *n = 0;
    if (!d)
        return NULL;
    for (uint32_t i = 0; i < o->ndirs; i++)
        has_cwd |= !strcmp(o->dirs[i].guest_path, ".");
    if (!has_cwd)
        d[(*n)++] = (wasi_preopen_t){".", "."};
    for (uint32_t i = 0; i < o->ndirs; i++)
        d[(*n)++] = o->dirs[i];
    return d;
}

int cargo_test_run(const cargo_test_opts_t *opts)
{
    cargo_test_opts_t copy = *opts;
    wasi_preopen_t *dirs = with_cwd(opts, &copy.ndirs);
    if (!dirs) {
        fprintf(stderr, "lunatic: out of memory\n");
        return EXIT_ERROR;
    }
    copy.dirs = dirs;
    int status = run_tests(&copy);
    free(dirs);
    return status;
}

static int run_tests(const cargo_test_opts_t *o)
{
    struct run r = {.o = o};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    parse_args(&r.a, o->argc, o->args);
    r.color = r.a.color > 0 || (r.a.color == 0 && isatty(1));
    if (!(r.tests = find_tests(o->module, &r.a, &r.n, &r.total)) ||
        !(r.pf = calloc(r.n + 1, sizeof *r.pf)) ||
        !(r.idx = calloc(r.n + 1, sizeof *r.idx))) {
        fprintf(stderr, "lunatic: out of memory\n");
        free_tests(&r);
        return EXIT_ERROR;
    }
    int status = 0;
    if (r.a.list) {
        list_tests(&r);
    } else {
        printf("\nrunning %zu test%s\n", r.n, r.n == 1 ? "" : "s");
        fflush(stdout);
        if (r.n > 0)
            compile_all(o->module);
        if (!run_all(&r))
            status = EXIT_ERROR;
        report(&r, seconds_since(&t0));
        if (status == 0 && r.failed)
            status = EXIT_FAILED;
    }
    free_tests(&r);
    return status;
}

/* }===== */
/* {===== detection */

/* "...wasm32-wasi/<profile>/deps/<name>.wasm" (or wasm32-unknown-unknown):
 * the test binaries of cargo, wherever CARGO_TARGET_DIR puts them. */
static bool is_test_binary(const char *path)
{
    static const char *const triples[] = {"wasm32-wasi/",
                                          "wasm32-unknown-unknown/"};
    size_t len = strlen(path);
    if (len < 5 || strcmp(path + len - 5, ".wasm") != 0)
        return false;
    const char *base = strrchr(path, '/');
    if (!base || base - path < 5 || strncmp(base - 5, "/deps", 5) != 0)
        return false;
    const char *profile_end = base - 5; /* the '/' before deps */
    const char *profile = profile_end;
    while (profile > path && profile[-1] != '/')
        profile--;
    if (profile == profile_end || profile == path)
        return false; /* an empty profile, or nothing before it */
    for (size_t i = 0; i < 2; i++) {
        size_t tl = strlen(triples[i]);
        if ((size_t)(profile - path) >= tl &&
            !strncmp(profile - tl, triples[i], tl) &&
            (profile - tl == path || profile[-(ptrdiff_t)tl - 1] == '/'))
            return true;
    }
    return false;
}

bool cargo_test_detect(const char *path, int argc, char *const *args)
{
    const char *dir = getenv("CARGO_MANIFEST_DIR");
    if (!dir || !*dir || !is_test_binary(path))
        return false;
    for (int i = 0; i < argc; i++)
        if (!strcmp(args[i], "--bench"))
            return false;
    return true;
}

/* }===== */
