/* wasi_config.c: lunatic::wasi: what a config gives the WASI context of
 * the processes spawned with it: environment variables, arguments, and
 * preopened directories (only ones the caller holds). */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "host/host_int.h"


static vm_status h_add_env(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *k = (const char *)host__guest(ex, a[1].u32, a[2].u32);
    const char *v = (const char *)host__guest(ex, a[3].u32, a[4].u32);
    sched_config_t *c;
    (void)ud;
    if (!k || !v)
        return host__trap(ex, "config_add_environment_variable: out of "
                               "bounds");
    if (!(c = host__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    size_t kl = a[2].u32, vl = a[4].u32;
    char *kv = malloc(kl + vl + 2);
    if (!kv)
        return host__trap(ex, "out of memory");
    memcpy(kv, k, kl);
    kv[kl] = '=';
    memcpy(kv + kl + 1, v, vl);
    int rc = sched__strv_push(&c->env, &c->envc, kv, kl + vl + 1);
    free(kv);
    return rc ? host__trap(ex, "out of memory") : VM_OK;
}

static vm_status h_add_arg(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const char *s = (const char *)host__guest(ex, a[1].u32, a[2].u32);
    sched_config_t *c;
    (void)ud;
    if (!s)
        return host__trap(ex, "config_add_command_line_argument: out of "
                               "bounds");
    if (!(c = host__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    if (sched__strv_push(&c->argv, &c->argc, s, a[2].u32))
        return host__trap(ex, "out of memory");
    return VM_OK;
}

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
    const char *s = (const char *)host__guest(ex, a[1].u32, a[2].u32);
    sched_proc_t *p = sched__cur(ex);
    sched_config_t *c;
    char path[4096], host[4096], why[160], msg[300];
    int fd;
    (void)ud;
    if (!s || a[2].u32 >= sizeof path)
        return host__trap(ex, "config_preopen_dir: out of bounds");
    if (!(c = host__config_mut(ex, a[0].u64)))
        return VM_TRAP;
    memcpy(path, s, a[2].u32);
    path[a[2].u32] = '\0';
    if (strlen(path) != a[2].u32 || !path[0])
        snprintf(why, sizeof why, "%s", path[0] ? "a NUL byte in the path"
                                                : "an empty path");
    else if (open_held_dir(p->config, path, &fd, host, sizeof host, why,
                           sizeof why) == 0)
        return sched__config_add_dir_fd(c, host, path, fd)
                   ? host__trap(ex, "out of memory")
                   : VM_OK;
    snprintf(msg, sizeof msg, "config_preopen_dir '%.100s' refused: %s",
             path, why);
    return host__trap(ex, msg);
}

/* }===== */
const sched_binding_t host__api_wasi[] = {
    {"lunatic::wasi", "config_add_environment_variable", "Iiiii:", h_add_env},
    {"lunatic::wasi", "config_add_command_line_argument", "Iii:", h_add_arg},
    {"lunatic::wasi", "config_preopen_dir", "Iii:", h_preopen_dir},
};
const size_t host__api_wasi_n =
    sizeof host__api_wasi / sizeof host__api_wasi[0];
