/* path.c: resolution of guest paths beneath a preopened directory, with
 * openat2(RESOLVE_BENEATH) or a component-by-component O_NOFOLLOW walk.
 * Interface: fs/fs.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/fs.h"

#ifndef O_PATH /* only Linux has it; a plain read-only open also works */
#define O_PATH O_RDONLY
#endif

/* Longest symlink target read; longer ones fail with ENAMETOOLONG. */
#define LINK_MAX_BYTES 4096
/* Longest path a resolution may grow to while splicing in symlinks. */
#define PATH_MAX_BYTES 16384

static _Atomic int chosen_resolver = FS_RESOLVER_AUTO;
static atomic_bool openat2_missing; /* set when the kernel said ENOSYS */

void fs_set_resolver(fs_resolver r)
{
    atomic_store(&chosen_resolver, (int)r);
}

fs_resolver fs_resolver_in_use(void)
{
    int r = atomic_load(&chosen_resolver);
    if (r == FS_RESOLVER_AUTO) {
        const char *e = getenv("LUN_FS_RESOLVER");
        r = e && strcmp(e, "walk") == 0 ? FS_RESOLVER_WALK
                                         : FS_RESOLVER_OPENAT2;
        atomic_store(&chosen_resolver, r);
    }
#ifndef SYS_openat2
    r = FS_RESOLVER_WALK;
#endif
    if (r == FS_RESOLVER_OPENAT2 && atomic_load(&openat2_missing))
        r = FS_RESOLVER_WALK;
    return (fs_resolver)r;
}

int fs_open_root(const char *host_path, int *out_fd)
{
    int fd = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return LUN_ERR_ERRNO(errno);
    *out_fd = fd;
    return 0;
}

/* The target of the symlink `name` in dir (malloc'd), or NULL with errno
 * set: EINVAL when name is not a symlink, ENOENT when it does not exist. */
static char *read_link(int dir, const char *name)
{
    char buf[LINK_MAX_BYTES];
    ssize_t n = readlinkat(dir, name, buf, sizeof buf);
    char *s;
    if (n < 0)
        return NULL;
    if ((size_t)n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    if (!(s = malloc((size_t)n + 1))) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(s, buf, (size_t)n);
    s[n] = '\0';
    return s;
}

static bool not_a_link(int err)
{
    return err == EINVAL || err == ENOENT;
}

/* Concatenate a, b and c into a new string (NULL if too long or no
 * memory; *out_rc says which). */
static char *concat3(const char *a, const char *b, const char *c, int *out_rc)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s;
    if (la + lb + lc >= PATH_MAX_BYTES) {
        *out_rc = LUN_ERR_ERRNO(ENAMETOOLONG);
        return NULL;
    }
    if (!(s = malloc(la + lb + lc + 1))) {
        *out_rc = LUN_ENOMEM;
        return NULL;
    }
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* The last name as fs_parent hands it out (malloc'd, NULL if no
 * memory): with its trailing slash when the path had one and the caller
 * asked for it (FS_KEEP_SLASH). */
static char *last_name(const char *name, bool slash, unsigned flags)
{
    int unused;
    if (slash && (flags & FS_KEEP_SLASH) && strcmp(name, ".") != 0)
        return concat3(name, "/", "", &unused);
    return strdup(name);
}

/* A symlink target may be followed only if it is relative, non-empty and
 * within the link budget; the result is checked again as it resolves. */
static int check_link_target(const char *target, int *links)
{
    if (++*links > FS_MAX_SYMLINKS)
        return LUN_ERR_ERRNO(ELOOP);
    if (target[0] == '/')
        return FS_ENOTCAPABLE;
    if (target[0] == '\0')
        return LUN_ERR_ERRNO(ENOENT);
    return 0;
}

/* {===== the walk: one component at a time, never letting the kernel
 * follow a symlink or see "..", so nothing can lead outside base */

struct walk {
    int base;   /* the preopen (not owned) */
    int *stack; /* owned fds of the directories entered below base */
    size_t depth, cap;
    int links;  /* symlinks followed so far */
};

static int walk_top(const struct walk *w)
{
    return w->depth ? w->stack[w->depth - 1] : w->base;
}

static int walk_push(struct walk *w, int fd)
{
    if (w->depth == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        int *s = realloc(w->stack, cap * sizeof *s);
        if (!s) {
            close(fd);
            return LUN_ENOMEM;
        }
        w->stack = s;
        w->cap = cap;
    }
    w->stack[w->depth++] = fd;
    return 0;
}

static void walk_free(struct walk *w)
{
    while (w->depth)
        close(w->stack[--w->depth]);
    free(w->stack);
}

/* Replace the walk's remaining path with `target` followed by what came
 * after the symlink (`after`, kept with its slash if there was one). */
static int walk_splice(struct walk *w, char **buf, const char *target,
                       bool slash, const char *after)
{
    int rc = check_link_target(target, &w->links);
    char *n;
    if (rc != 0)
        return rc;
    if (!(n = concat3(target, slash ? "/" : "", after, &rc)))
        return rc;
    free(*buf);
    *buf = n;
    return 0;
}

/* Enter the intermediate directory `comp` of walk_top(w), or splice in its
 * target if it is a symlink. */
static int walk_enter(struct walk *w, char **buf, const char *comp,
                      const char *after, bool *out_spliced)
{
    int fd = openat(walk_top(w), comp,
                    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    char *target;
    int rc;
    if (fd >= 0)
        return walk_push(w, fd);
    if (errno != ENOTDIR && errno != ELOOP)
        return LUN_ERR_ERRNO(errno);
    if (!(target = read_link(walk_top(w), comp)))
        return LUN_ERR_ERRNO(not_a_link(errno) ? ENOTDIR : errno);
    rc = walk_splice(w, buf, target, true, after);
    free(target);
    *out_spliced = true;
    return rc;
}

/* Walk all of path; the last component's directory is left as
 * walk_top(w) and its name in *out_name. flags: those of fs_parent. */
static int walk_path(struct walk *w, const char *path, unsigned flags,
                     char **out_name)
{
    char *buf = strdup(path), *p, *target;
    bool follow = (flags & FS_FOLLOW) != 0;
    int rc = 0;
    if (!buf)
        return LUN_ENOMEM;
    for (p = buf; rc == 0;) {
        if (*p == '/') { /* only at the start of the path or of a target */
            rc = FS_ENOTCAPABLE;
            break;
        }
        char *comp = p, *end = strchr(p, '/');
        bool slash = end != NULL;
        char *after = slash ? end : p + strlen(p);
        while (*after == '/')
            after++;
        if (slash)
            *end = '\0';
        bool last = *after == '\0';
        if (*comp == '\0') {
            rc = LUN_ERR_ERRNO(ENOENT); /* the empty path */
        } else if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
            if (comp[1] == '.') {
                if (w->depth == 0) {
                    rc = FS_ENOTCAPABLE;
                    break;
                }
                close(w->stack[--w->depth]);
            }
            if (last) {
                *out_name = strdup(".");
                break;
            }
            p = after;
        } else if (!last) {
            bool spliced = false;
            rc = walk_enter(w, &buf, comp, after, &spliced);
            p = spliced ? buf : after;
        } else if (!follow && (!slash || (flags & FS_KEEP_SLASH))) {
            *out_name = last_name(comp, slash, flags);
            break;
        } else if ((target = read_link(walk_top(w), comp)) != NULL) {
            rc = walk_splice(w, &buf, target, slash, after);
            free(target);
            p = buf;
        } else if (not_a_link(errno)) {
            *out_name = last_name(comp, slash, flags);
            break;
        } else {
            rc = LUN_ERR_ERRNO(errno);
        }
    }
    free(buf);
    if (rc == 0 && !*out_name)
        rc = LUN_ENOMEM;
    return rc;
}

static int walk_parent(int dirfd, const char *path, unsigned flags,
                       int *out_dirfd, char **out_name)
{
    struct walk w = {.base = dirfd};
    int rc = walk_path(&w, path, flags, out_name);
    if (rc == 0) {
        if (w.depth) {
            *out_dirfd = w.stack[--w.depth];
        } else if ((*out_dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0) {
            rc = LUN_ERR_ERRNO(errno);
            free(*out_name);
            *out_name = NULL;
        }
    }
    walk_free(&w);
    return rc;
}

/* }===== */
/* {===== openat2: the kernel resolves beneath dirfd in one call */

#ifdef SYS_openat2
/* struct open_how of <linux/openat2.h>, spelled out so fs/ needs libc
 * only; the kernel checks its size. */
struct beneath_how {
    uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS_BIT 0x02
#define RESOLVE_BENEATH_BIT 0x08
#endif

/* openat2 with RESOLVE_BENEATH. EXDEV (the path would leave dirfd) becomes
 * FS_ENOTCAPABLE; ENOSYS switches the process over to the walk. */
static int openat2_beneath(int dirfd, const char *path, int oflags,
                           uint32_t mode, int *out_fd)
{
#ifdef SYS_openat2
    struct beneath_how how = {
        .flags = (uint64_t)(unsigned)(oflags | O_CLOEXEC),
        .mode = (oflags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_BENEATH_BIT | RESOLVE_NO_MAGICLINKS_BIT};
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0) {
            *out_fd = (int)fd;
            return 0;
        }
        /* EAGAIN: a rename raced a ".." lookup; the kernel asks to retry */
        if (errno == EINTR || (errno == EAGAIN && tries < 16))
            continue;
        if (errno == ENOSYS)
            atomic_store(&openat2_missing, true);
        return errno == EXDEV ? FS_ENOTCAPABLE : LUN_ERR_ERRNO(errno);
    }
#else
    (void)dirfd, (void)path, (void)oflags, (void)mode, (void)out_fd;
    atomic_store(&openat2_missing, true);
    return LUN_ERR_ERRNO(ENOSYS);
#endif
}

/* Split buf (modified) into its directory part and last name, dropping
 * trailing slashes (*out_slash tells there were some). */
static int split_last(char *buf, const char **out_dir, char **out_name,
                      bool *out_slash)
{
    size_t n = strlen(buf);
    char *cut;
    *out_slash = false;
    if (n == 0)
        return LUN_ERR_ERRNO(ENOENT);
    if (buf[0] == '/')
        return FS_ENOTCAPABLE;
    while (n > 1 && buf[n - 1] == '/') {
        buf[--n] = '\0';
        *out_slash = true;
    }
    cut = strrchr(buf, '/');
    *out_dir = cut ? buf : ".";
    *out_name = cut ? cut + 1 : buf;
    if (cut)
        *cut = '\0';
    return 0;
}

static int openat2_parent(int dirfd, const char *path, unsigned flags,
                          int *out_dirfd, char **out_name)
{
    char *buf = strdup(path), *target, *next, *name;
    const char *dir;
    int rc, links = 0, fd = -1;
    bool slash, any_slash = false; /* a followed link keeps the slash */
    if (!buf)
        return LUN_ENOMEM;
    while ((rc = split_last(buf, &dir, &name, &slash)) == 0) {
        bool up = strcmp(name, "..") == 0;
        if (up && dir != buf)
            dir = ".."; /* the whole path was ".." */
        else if (up)
            name[-1] = '/'; /* open all of "a/..": it is the directory */
        if ((rc = openat2_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0,
                                  &fd)) != 0)
            break;
        if (up)
            name = (char *)"."; /* only read from here on */
        any_slash |= slash;
        if (slash && !(flags & FS_KEEP_SLASH)) /* "link/": where it leads */
            flags |= FS_FOLLOW;
        if (!(flags & FS_FOLLOW) || strcmp(name, ".") == 0)
            break;
        if (!(target = read_link(fd, name))) {
            if (!not_a_link(errno))
                rc = LUN_ERR_ERRNO(errno);
            break;
        }
        close(fd);
        fd = -1;
        rc = check_link_target(target, &links);
        next = rc ? NULL : concat3(dir == buf ? buf : "", dir == buf ? "/" : "",
                                   target, &rc);
        free(target);
        if (!next)
            break;
        free(buf);
        buf = next;
    }
    if (rc == 0 && !(*out_name = last_name(name, any_slash, flags)))
        rc = LUN_ENOMEM;
    if (rc == 0)
        *out_dirfd = fd;
    else if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* }===== */

bool fs_ends_in_slash(const char *path)
{
    size_t n = strlen(path);
    return n > 0 && path[n - 1] == '/';
}

int fs_parent(int dirfd, const char *path, unsigned flags, int *out_dirfd,
              char **out_name)
{
    *out_name = NULL;
    if (fs_resolver_in_use() == FS_RESOLVER_OPENAT2) {
        int rc = openat2_parent(dirfd, path, flags, out_dirfd, out_name);
        if (rc != LUN_ERR_ERRNO(ENOSYS))
            return rc;
    }
    return walk_parent(dirfd, path, flags, out_dirfd, out_name);
}

/* openat of the walk's last name. A trailing slash (FS_KEEP_SLASH) must
 * not reach the kernel, which would follow a symlink swapped in despite
 * O_NOFOLLOW: it becomes O_DIRECTORY, as open(2) treats "name/" (EISDIR
 * when creating). */
static int open_last(int dir, char *name, int oflags, uint32_t mode)
{
    size_t n = strlen(name);
    if (n > 1 && name[n - 1] == '/') {
        if (oflags & O_CREAT) {
            errno = EISDIR;
            return -1;
        }
        name[n - 1] = '\0';
        oflags |= O_DIRECTORY;
    }
    return openat(dir, name, oflags, (mode_t)mode);
}

int fs_open(int dirfd, const char *path, int oflags, uint32_t mode,
            unsigned flags, int *out_fd)
{
    char *name;
    int dir, fd, rc;
    /* O_CREAT|O_EXCL never follows a final symlink (POSIX) */
    if ((oflags & O_CREAT) && (oflags & O_EXCL))
        flags &= ~FS_FOLLOW;
    if (!(flags & FS_FOLLOW))
        oflags |= O_NOFOLLOW;
    if (fs_resolver_in_use() == FS_RESOLVER_OPENAT2) {
        rc = openat2_beneath(dirfd, path, oflags, mode, out_fd);
        if (rc != LUN_ERR_ERRNO(ENOSYS))
            return rc;
    }
    /* the walk keeps a trailing slash for open_last; it still means
     * "follow", as in the kernel's open */
    if (fs_ends_in_slash(path))
        flags |= FS_FOLLOW;
    if ((rc = walk_parent(dirfd, path, flags | FS_KEEP_SLASH, &dir,
                          &name)) != 0)
        return rc;
    /* O_NOFOLLOW even when following: the walk already followed the
     * link, and a symlink swapped in since then must not be */
    fd = open_last(dir, name, oflags | O_NOFOLLOW | O_CLOEXEC, mode);
    rc = fd < 0 ? LUN_ERR_ERRNO(errno) : 0;
    if (fd >= 0)
        *out_fd = fd;
    close(dir);
    free(name);
    return rc;
}

int fs_open_subdir(int dirfd, const char *path, int *out_fd)
{
    return fs_open(dirfd, path, O_RDONLY | O_DIRECTORY, 0, FS_FOLLOW,
                   out_fd);
}

int fs_fd_path(int fd, char *buf, size_t len)
{
#if defined(__linux__)
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, buf, len);
    if (n < 0) /* ENOENT: no /proc mounted */
        return LUN_ERR_ERRNO(errno == ENOENT ? ENOSYS : errno);
    if ((size_t)n >= len)
        return LUN_ERR_ERRNO(ENAMETOOLONG);
    buf[n] = '\0';
    /* Not a path (a pseudo file) or no longer one ("/x (deleted)"). */
    if (buf[0] != '/' || access(buf, F_OK) != 0)
        return LUN_ERR_ERRNO(ENOSYS);
    return 0;
#elif defined(F_GETPATH)
    char path[PATH_MAX]; /* F_GETPATH writes up to MAXPATHLEN bytes */
    if (fcntl(fd, F_GETPATH, path) < 0)
        return LUN_ERR_ERRNO(errno);
    if (strlen(path) >= len)
        return LUN_ERR_ERRNO(ENAMETOOLONG);
    strcpy(buf, path);
    return 0;
#else
    (void)fd, (void)buf, (void)len;
    return LUN_ERR_ERRNO(ENOSYS);
#endif
}
