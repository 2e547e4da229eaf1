/* api_misc.c: the small namespaces: lunatic::error (the error resource
 * table), lunatic::version, lunatic::trap::catch, lunatic::wasi (config
 * helpers) and lunatic::metrics (in-memory counters, printed at exit with
 * LUNATIC_METRICS=1). Bound by api_link.c. */
#include "common/lun_prefix.h"
#include "common/lun_lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "sched/sched_int.h"

/* {===== lunatic::error */

const sched_res_kind_t sched__res_error = {"error", free};

static vm_status h_string_size(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = sched__restab_get(&sched__cur(ex)->res, &sched__res_error, a[0].u64);
    (void)ud;
    if (!s)
        return sched__trap(ex, "unknown error id");
    a[0].u32 = (uint32_t)strlen(s);
    return VM_OK;
}

static vm_status h_to_string(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = sched__restab_get(&sched__cur(ex)->res, &sched__res_error, a[0].u64);
    (void)ud;
    if (!s)
        return sched__trap(ex, "unknown error id");
    uint8_t *dst = sched__guest(ex, a[1].u32, strlen(s));
    if (!dst)
        return sched__trap(ex, "to_string: pointer out of bounds");
    memcpy(dst, s, strlen(s));
    return VM_OK;
}

static vm_status h_error_drop(vm_exec_t *ex, vm_slot *a, void *ud)
{
    char *s = sched__restab_take(&sched__cur(ex)->res, &sched__res_error, a[0].u64);
    (void)ud;
    if (!s)
        return sched__trap(ex, "unknown error id");
    free(s);
    return VM_OK;
}

/* }===== */
/* {===== lunatic::version, lunatic::trap */

static vm_status h_major(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 0;
    return VM_OK;
}

static vm_status h_minor(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 13;
    return VM_OK;
}

static vm_status h_patch(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ex, (void)ud;
    a[0].i32 = 2;
    return VM_OK;
}

/* Run the guest's _lunatic_catch_trap(function, pointer) as this call's
 * continuation; a trap inside it makes this call return 0 instead. */
static vm_status h_catch(vm_exec_t *ex, vm_slot *a, void *ud)
{
    vm_instance_t *inst = vm_exec_caller(ex);
    vm_func_t *f = inst ? vm_instance_export_func(inst, "_lunatic_catch_trap")
                        : NULL;
    vm_value args[2] = {{.u64 = a[0].u64}, {.u64 = a[1].u64}};
    (void)ud;
    if (!f)
        return sched__trap(ex, "lunatic::trap::catch: the module exports no "
                               "function '_lunatic_catch_trap'");
    if (vm_exec_host_call(ex, f, args, 2, true) != 0)
        return sched__trap(ex, "lunatic::trap::catch: "
                               "'_lunatic_catch_trap' must be (i32 i32) -> i32");
    return VM_CALL;
}

/* }===== */
/* {===== lunatic::wasi */

static vm_status h_add_env(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *k = (const char *)sched__guest(ex, a[1].u32, a[2].u32);
    const char *v = (const char *)sched__guest(ex, a[3].u32, a[4].u32);
    sched_config_t *c;
    (void)ud;
    if (!k || !v)
        return sched__trap(ex, "config_add_environment_variable: out of "
                               "bounds");
    if (!(c = sched__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    size_t kl = a[2].u32, vl = a[4].u32;
    char *kv = malloc(kl + vl + 2);
    if (!kv)
        return sched__trap(ex, "out of memory");
    memcpy(kv, k, kl);
    kv[kl] = '=';
    memcpy(kv + kl + 1, v, vl);
    int rc = sched__strv_push(&c->env, &c->envc, kv, kl + vl + 1);
    free(kv);
    return rc ? sched__trap(ex, "out of memory") : VM_OK;
}

static vm_status h_add_arg(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = (const char *)sched__guest(ex, a[1].u32, a[2].u32);
    sched_config_t *c;
    (void)ud;
    if (!s)
        return sched__trap(ex, "config_add_command_line_argument: out of "
                               "bounds");
    if (!(c = sched__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    if (sched__strv_push(&c->argv, &c->argc, s, a[2].u32))
        return sched__trap(ex, "out of memory");
    return VM_OK;
}

/* }===== */
/* {===== config_preopen_dir: a process grants only what it holds
 *
 * The string is a path as the caller sees it, and the child sees the
 * same string (LUNATIC_ABI.md). It must name a directory inside one of
 * the caller's own preopens: the one whose guest name covers the longest
 * part of it (whole components, as wasi-libc picks a preopen for open())
 * is chosen, and the rest is resolved beneath that preopen's directory fd
 * by fs/, with the rules every WASI path follows: ".." above it, absolute
 * symlinks and symlinks leading out are refused. The directory is opened
 * here and its fd kept in the config, so the child gets the directory
 * that was checked, whatever is renamed or swapped in later.
 *
 * The ABI gives no error result, so a refusal traps the caller: granting
 * less than asked, silently, would only fail later and far away, in the
 * child. "~" is not special (Lunatic maps it to $HOME): it is granted
 * only through a preopen the caller holds under that name. */

/* "./a" and "a" name the same thing; "." alone is the empty name. */
static const char *skip_dot_slash(const char *s)
{
    while (s[0] == '.' && (s[1] == '/' || s[1] == '\0')) {
        s += 1;
        while (*s == '/')
            s++;
    }
    return s;
}

/* How much of path the preopen called `name` covers: -1 if it does not
 * cover path, else the length of the name (0 for ".", which covers every
 * relative path). *rest is what remains beneath it ("." if nothing). */
static long preopen_covers(const char *name, const char *path,
                           const char **rest)
{
    size_t n;
    name = skip_dot_slash(name);
    path = skip_dot_slash(path);
    n = strlen(name);
    while (n > 1 && name[n - 1] == '/')
        n--;
    if ((name[0] == '/') != (path[0] == '/'))
        return -1; /* "." holds relative paths only, "/x" absolute ones */
    if (n == 0)
        ; /* "." holds every relative path */
    else if (n == 1 && name[0] == '/')
        path += 1; /* "/" holds every absolute path */
    else if (strncmp(path, name, n) == 0 &&
             (path[n] == '\0' || path[n] == '/'))
        path += n; /* whole components: "/tmp/ab" does not hold "/tmp/abc" */
    else
        return -1;
    while (*path == '/')
        path++;
    *rest = *path ? path : ".";
    return (long)n;
}

/* The caller's preopen that covers path best, or -1. */
static long covering_preopen(const sched_config_t *held, const char *path,
                             const char **rest)
{
    long best = -1, best_len = -1;
    for (uint32_t i = 0; i < held->ndirs; i++) {
        const char *r;
        long len = preopen_covers(held->dirs[i].guest_path, path, &r);
        if (len > best_len) {
            best = (long)i;
            best_len = len;
            *rest = r;
        }
    }
    return best;
}

/* Why fs/ refused to open rest beneath the preopen called `name`. */
static void open_refusal(int rc, const char *name, char *why, size_t len)
{
    if (rc == FS_ENOTCAPABLE)
        snprintf(why, len, "it leads out of the preopened directory "
                 "'%.60s' (\"..\" or a symlink)", name);
    else if (rc == LUN_ERR_ERRNO(ENOENT))
        snprintf(why, len, "no such directory");
    else
        snprintf(why, len, "%s", lun_strerror(rc));
}

/* Open path, which the caller holds through one of its preopens: 0 and
 * the directory's fd and host path, or an error and why (in why). */
static int open_held_dir(const sched_config_t *held, const char *path,
                         int *out_fd, char *host, size_t hostlen, char *why,
                         size_t whylen)
{
    const char *rest = ".";
    long i = covering_preopen(held, path, &rest);
    if (i < 0) {
        snprintf(why, whylen, "not inside any directory this process has "
                 "preopened");
        return LUN_EINVAL;
    }
    const sched_dir_t *d = &held->dirs[i];
    int pfd = atomic_load(&held->dir_fds[i]), rc = LUN_EINVAL;
    if (pfd < 0 || (rc = fs_open_subdir(pfd, rest, out_fd)) != 0) {
        open_refusal(rc, d->guest_path, why, whylen);
        return rc;
    }
    /* The child's config names the directory by where it really is. */
    if (fs_fd_path(*out_fd, host, hostlen) != 0)
        snprintf(host, hostlen, "%s/%s", d->host_path, rest);
    return 0;
}

static vm_status h_preopen_dir(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = (const char *)sched__guest(ex, a[1].u32, a[2].u32);
    sched_proc_t *p = sched__cur(ex);
    sched_config_t *c;
    char path[4096], host[4096], why[160], msg[300];
    int fd;
    (void)ud;
    if (!s || a[2].u32 >= sizeof path)
        return sched__trap(ex, "config_preopen_dir: out of bounds");
    if (!(c = sched__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    memcpy(path, s, a[2].u32);
    path[a[2].u32] = '\0';
    if (strlen(path) != a[2].u32 || !path[0])
        snprintf(why, sizeof why, "%s", path[0] ? "a NUL byte in the path"
                                                : "an empty path");
    else if (open_held_dir(p->config, path, &fd, host, sizeof host, why,
                           sizeof why) == 0)
        return sched__config_add_dir_fd(c, host, path, fd)
                   ? sched__trap(ex, "out of memory")
                   : VM_OK;
    snprintf(msg, sizeof msg, "config_preopen_dir '%.100s' refused: %s",
             path, why);
    return sched__trap(ex, msg);
}

/* }===== */
/* {===== lunatic::metrics */

enum { MET_ADD, MET_SET, MET_HIST };

/* Bounds on what metrics keep: names are dotted identifiers, and a node
 * exports a few hundred series at most. */
#define METRIC_NAME_MAX 1024
#define METRICS_MAX 10000

static vm_status metric(vm_exec_t *ex, uint32_t ptr, uint32_t len, int op,
                        double v)
{
    sched_runtime_t *rt = sched__cur(ex)->rt;
    const char *name = (const char *)sched__guest(ex, ptr, len);
    sched_metric_t *m;
    if (!name)
        return sched__trap(ex, "metrics: name out of bounds");
    if (len > METRIC_NAME_MAX)
        return sched__trap(ex, "metrics: name longer than 1024 bytes");
    lun_mutex_lock(&rt->metrics_lock);
    for (m = rt->metrics; m; m = m->next)
        if (strlen(m->name) == len && memcmp(m->name, name, len) == 0)
            break;
    /* Past METRICS_MAX names, new ones are not kept: the node's memory
     * is not a guest's to fill. */
    if (!m && rt->nmetrics < METRICS_MAX &&
        (m = calloc(1, sizeof *m + len + 1)) != NULL) {
        memcpy(m->name, name, len);
        m->next = rt->metrics;
        rt->metrics = m;
        rt->nmetrics++;
    }
    if (m) {
        m->value = op == MET_SET ? v : m->value + v;
        m->count++;
    }
    lun_mutex_unlock(&rt->metrics_lock);
    return VM_OK;
}

static vm_status h_counter(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, (double)a[2].u64);
}

static vm_status h_increment_counter(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, 1);
}

static vm_status h_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_SET, a[2].f64);
}

static vm_status h_increment_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, a[2].f64);
}

static vm_status h_decrement_gauge(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud;
    return metric(ex, a[0].u32, a[1].u32, MET_ADD, -a[2].f64);
}

static vm_status h_histogram(vm_exec_t *ex, vm_slot *a, void *ud)
{
    (void)ud; /* kept as count and sum */
    return metric(ex, a[0].u32, a[1].u32, MET_HIST, a[2].f64);
}

void sched_metrics_dump(sched_runtime_t *rt)
{
    lun_mutex_lock(&rt->metrics_lock);
    for (sched_metric_t *m = rt->metrics; m; m = m->next)
        fprintf(stderr, "lunatic: metric %s = %g (%llu updates)\n", m->name,
                m->value, (unsigned long long)m->count);
    lun_mutex_unlock(&rt->metrics_lock);
}

/* }===== */

const sched_binding_t sched__api_misc[] = {
    {"lunatic::error", "string_size", "I:i", h_string_size},
    {"lunatic::error", "to_string", "Ii:", h_to_string},
    {"lunatic::error", "drop", "I:", h_error_drop},
    {"lunatic::version", "major", ":i", h_major},
    {"lunatic::version", "minor", ":i", h_minor},
    {"lunatic::version", "patch", ":i", h_patch},
    {"lunatic::trap", "catch", "ii:i", h_catch},
    {"lunatic::wasi", "config_add_environment_variable", "Iiiii:", h_add_env},
    {"lunatic::wasi", "config_add_command_line_argument", "Iii:", h_add_arg},
    {"lunatic::wasi", "config_preopen_dir", "Iii:", h_preopen_dir},
    {"lunatic::metrics", "counter", "iiI:", h_counter},
    {"lunatic::metrics", "increment_counter", "ii:", h_increment_counter},
    {"lunatic::metrics", "gauge", "iiF:", h_gauge},
    {"lunatic::metrics", "increment_gauge", "iiF:", h_increment_gauge},
    {"lunatic::metrics", "decrement_gauge", "iiF:", h_decrement_gauge},
    {"lunatic::metrics", "histogram", "iiF:", h_histogram},
};
const size_t sched__api_misc_n =
    sizeof sched__api_misc / sizeof sched__api_misc[0];
