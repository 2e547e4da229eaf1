/* ctx.c: the WASI context (args, environment, the descriptor table with
 * its preopens, exit and blocking state) and the guest-memory bounds check
 * every host function uses. Interface: wasi/wasi.h, wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lun_pool.h"
#include "fs/fs.h"
#include "wasi/wasi_int.h"

/* Strings the guest receives are laid out in its 32-bit address space;
 * refusing anything near 4 GiB keeps every size sum in range. */
#define WASI_MAX_STRING_BYTES (UINT64_C(1) << 30)

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Copy n strings into a NULL-terminated owned array; *out_bytes is their
 * total size with NULs, as args_sizes_get reports it. */
static int copy_strings(const char *const *src, uint32_t n, char ***out,
                        uint64_t *out_bytes)
{
    char **dst = calloc((size_t)n + 1, sizeof *dst);
    uint64_t bytes = 0;
    if (!dst)
        return LUN_ENOMEM;
    *out = dst; /* partially filled arrays are freed by wasi_ctx_free */
    for (uint32_t i = 0; i < n; i++) {
        if (!(dst[i] = dup_string(src[i])))
            return LUN_ENOMEM;
        bytes += strlen(dst[i]) + 1;
        if (bytes > WASI_MAX_STRING_BYTES)
            return LUN_ELIMIT;
    }
    *out_bytes = bytes;
    return 0;
}

static int copy_preopens(wasi_ctx_t *ctx, const wasi_preopen_t *src,
                         uint32_t n);

/* The size copy_strings reports, for borrowed strings. */
static int count_strings(const char *const *v, uint32_t n, uint64_t *out)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        if ((bytes += strlen(v[i]) + 1) > WASI_MAX_STRING_BYTES)
            return LUN_ELIMIT;
    *out = bytes;
    return 0;
}

/* argv, env and the preopen list: copied, or borrowed (opts->borrow). */
static int take_strings(wasi_ctx_t *ctx, const wasi_options_t *opts)
{
    int rc;
    if (opts->borrow) {
        ctx->borrowed = true;
        /* the guest never writes through these: args_get copies out */
        ctx->argv = (char **)opts->argv;
        ctx->env = (char **)opts->env;
        /* the preopen list itself is not kept (only its guest paths,
         * as the fds' names), so it may be a temporary */
        if ((rc = count_strings(opts->argv, opts->argc,
                                &ctx->argv_bytes)) != 0)
            return rc;
        return count_strings(opts->env, opts->envc, &ctx->env_bytes);
    }
    if ((rc = copy_strings(opts->argv, opts->argc, &ctx->argv,
                           &ctx->argv_bytes)) != 0 ||
        (rc = copy_strings(opts->env, opts->envc, &ctx->env,
                           &ctx->env_bytes)) != 0)
        return rc;
    return copy_preopens(ctx, opts->preopens, opts->npreopens);
}

static void free_strings(char **v)
{
    if (!v)
        return;
    for (char **s = v; *s; s++)
        free(*s);
    free(v);
}

static int copy_preopens(wasi_ctx_t *ctx, const wasi_preopen_t *src,
                         uint32_t n)
{
    if (n == 0)
        return 0;
    ctx->preopens = calloc(n, sizeof *ctx->preopens);
    if (!ctx->preopens)
        return LUN_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        ctx->npreopens = i + 1; /* so a failure frees what was copied */
        ctx->preopens[i].host_path = dup_string(src[i].host_path);
        ctx->preopens[i].guest_path = dup_string(src[i].guest_path);
        if (!ctx->preopens[i].host_path || !ctx->preopens[i].guest_path)
            return LUN_ENOMEM;
    }
    return 0;
}

/* Fill the descriptors: stdio, then each preopen directory (opened now),
 * then each listening socket. */
static int open_fds(wasi_ctx_t *ctx, const wasi_options_t *opts)
{
    static const uint64_t stdio_rights[WASI_STDIO_FDS] = {
        WASI_RIGHT_FD_READ, WASI_RIGHT_FD_WRITE, WASI_RIGHT_FD_WRITE};
    uint32_t n = ctx->nfds, fd;
    int rc;
    for (fd = 0; fd < WASI_STDIO_FDS; fd++)
        ctx->fds[fd] = (wasi_fd_t){
            .kind = WASI_FD_STDIO, .host_fd = (int)fd,
            .rights = stdio_rights[fd] | WASI_RIGHT_POLL_FD_READWRITE |
                      WASI_RIGHT_FD_FILESTAT_GET};
    for (uint32_t i = 0; i < opts->nsockets; i++) {
        wasi_fd_t *f = &ctx->fds[n - opts->nsockets + i];
        int host = opts->sockets[i];
        fcntl(host, F_SETFL, fcntl(host, F_GETFL) | O_NONBLOCK);
        *f = (wasi_fd_t){.kind = WASI_FD_LISTENER, .host_fd = host,
                         .filetype = WASI_FILETYPE_SOCKET_STREAM,
                         .rights = WASI_RIGHTS_LISTENER,
                         .rights_inheriting = WASI_RIGHTS_SOCKET};
    }
    for (uint32_t i = 0; i < opts->npreopens; i++, fd++) {
        wasi_fd_t *f = &ctx->fds[fd];
        int host = opts->preopen_fds ? opts->preopen_fds[i] : -1;
        bool shared = host >= 0;
        if (!shared && (rc = fs_open_root(opts->preopens[i].host_path,
                                          &host)) != 0)
            return rc;
        *f = (wasi_fd_t){.kind = WASI_FD_DIR, .host_fd = host,
                         .shared_fd = shared, .name_borrowed = opts->borrow,
                         .filetype = WASI_FILETYPE_DIRECTORY,
                         .rights = WASI_RIGHTS_DIRECTORY,
                         .rights_inheriting = WASI_RIGHTS_DIRECTORY |
                                              WASI_RIGHTS_REGULAR_FILE};
        f->preopen_name = opts->borrow
                              ? (char *)opts->preopens[i].guest_path
                              : dup_string(opts->preopens[i].guest_path);
        if (!f->preopen_name)
            return LUN_ENOMEM;
    }
    return 0;
}

/* The size of a context's own block: the struct and its first fd table
 * of n descriptors (the pool is told the same size to free it). */
static size_t ctx_bytes(uint32_t n)
{
    return sizeof(wasi_ctx_t) + (size_t)n * sizeof(wasi_fd_t);
}

/* The first descriptor table lives in the context's own allocation
 * (contexts are made per process: one malloc less per spawn); a table
 * that grows moves to its own block (wasi__fd_alloc). */
int wasi_ctx_new(const wasi_options_t *opts, wasi_ctx_t **out_ctx)
{
    uint32_t n = WASI_STDIO_FDS + opts->npreopens + opts->nsockets;
    /* from the worker's pool (common/lun_pool.h): no malloc per spawn */
    wasi_ctx_t *ctx = lun_pool_calloc(ctx_bytes(n));
    int rc;
    *out_ctx = NULL;
    if (!ctx) {
        for (uint32_t i = 0; i < opts->nsockets; i++)
            close(opts->sockets[i]);
        return LUN_ENOMEM;
    }
    ctx->fds = (wasi_fd_t *)(void *)(ctx + 1);
    ctx->nfds = ctx->inline_fds = n;
    ctx->argc = opts->argc;
    ctx->envc = opts->envc;
    if ((rc = open_fds(ctx, opts)) != 0 ||
        (rc = take_strings(ctx, opts)) != 0)
        goto fail;
    *out_ctx = ctx;
    return 0;
fail:
    wasi_ctx_free(ctx); /* the sockets were taken first: it closes them */
    return rc;
}

void wasi_ctx_free(wasi_ctx_t *ctx)
{
    if (!ctx)
        return;
    if (!ctx->borrowed) {
        free_strings(ctx->argv);
        free_strings(ctx->env);
        for (uint32_t i = 0; i < ctx->npreopens; i++) {
            free((char *)ctx->preopens[i].host_path);
            free((char *)ctx->preopens[i].guest_path);
        }
        free(ctx->preopens);
    }
    for (uint32_t i = 0; i < ctx->nfds; i++)
        wasi__fd_release(&ctx->fds[i]);
    if (ctx->fds != (wasi_fd_t *)(void *)(ctx + 1))
        free(ctx->fds);
    free(ctx->wait_fds);
    wasi_funcs_free(ctx->own);
    lun_pool_free(ctx, ctx_bytes(ctx->inline_fds));
}

size_t wasi_ctx_footprint(const wasi_ctx_t *ctx)
{
    size_t n = lun_pool_block_size(ctx_bytes(ctx->inline_fds));
    if (ctx->fds != (wasi_fd_t *)(void *)(ctx + 1))
        n += (size_t)ctx->nfds * sizeof(wasi_fd_t);
    return n + (size_t)ctx->wait_cap * sizeof *ctx->wait_fds;
}

int wasi_open_dir(const char *host_path, int *out_fd)
{
    return fs_open_root(host_path, out_fd);
}

bool wasi_ctx_exited(const wasi_ctx_t *ctx, uint32_t *out_code)
{
    if (ctx->exited)
        *out_code = ctx->exit_code;
    return ctx->exited;
}

uint8_t *wasi__mem_range(const wasi_mem_t *mem, uint64_t ptr, uint64_t len)
{
    if (!mem->base || ptr > mem->size || len > mem->size - ptr)
        return NULL;
    return mem->base + ptr;
}

/* {===== descriptors */

void wasi__fd_release(wasi_fd_t *f)
{
    if (f->dir_stream)
        closedir(f->dir_stream); /* its own descriptor, see dir.c */
    if (f->kind != WASI_FD_CLOSED && f->kind != WASI_FD_STDIO &&
        f->host_fd >= 0 && !f->shared_fd)
        close(f->host_fd);
    if (!f->name_borrowed)
        free(f->preopen_name);
    memset(f, 0, sizeof *f);
    f->host_fd = -1;
}

uint32_t wasi__fd_get(wasi_ctx_t *ctx, uint32_t fd, uint64_t rights,
                      wasi_fd_t **out)
{
    wasi_fd_t *f;
    if (fd >= ctx->nfds || ctx->fds[fd].kind == WASI_FD_CLOSED)
        return WASI_EBADF;
    f = &ctx->fds[fd];
    if ((f->rights & rights) != rights)
        return WASI_ENOTCAPABLE;
    *out = f;
    return WASI_ESUCCESS;
}

uint32_t wasi__fd_alloc(wasi_ctx_t *ctx, uint32_t *out_fd)
{
    uint32_t fd = 0, n;
    wasi_fd_t *grown;
    while (fd < ctx->nfds && ctx->fds[fd].kind != WASI_FD_CLOSED)
        fd++;
    if (fd == ctx->nfds) {
        if (ctx->nfds >= WASI_MAX_FDS)
            return WASI_EMFILE;
        n = ctx->nfds < 8 ? 16 : ctx->nfds * 2;
        if (n > WASI_MAX_FDS)
            n = WASI_MAX_FDS;
        bool first = ctx->fds == (wasi_fd_t *)(void *)(ctx + 1);
        if (!(grown = first ? malloc(n * sizeof *grown)
                            : realloc(ctx->fds, n * sizeof *grown)))
            return WASI_ENOMEM;
        if (first)
            memcpy(grown, ctx->fds, ctx->nfds * sizeof *grown);
        memset(grown + ctx->nfds, 0, (n - ctx->nfds) * sizeof *grown);
        ctx->fds = grown;
        ctx->nfds = n;
    }
    *out_fd = fd;
    return WASI_ESUCCESS;
}

uint8_t wasi__filetype_of_mode(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN; /* FIFOs have no WASI type */
    }
}

uint32_t wasi__path_copy(const wasi_mem_t *mem, uint32_t ptr, uint32_t len,
                         char **out)
{
    const uint8_t *src = wasi__mem_range(mem, ptr, len);
    char *s;
    if (!src)
        return WASI_EFAULT;
    if (len > WASI_MAX_PATH_BYTES)
        return WASI_ENAMETOOLONG;
    if (memchr(src, '\0', len)) /* C strings cannot carry it */
        return WASI_EILSEQ;
    if (!(s = malloc((size_t)len + 1)))
        return WASI_ENOMEM;
    memcpy(s, src, len);
    s[len] = '\0';
    *out = s;
    return WASI_ESUCCESS;
}

uint32_t wasi__errno_from_fs(int rc)
{
    if (rc == 0)
        return WASI_ESUCCESS;
    if (rc == FS_ENOTCAPABLE)
        return WASI_ENOTCAPABLE;
    if (rc == LUN_ENOMEM)
        return WASI_ENOMEM;
    if (rc <= LUN_ERR_ERRNO_BASE)
        return wasi__errno_from_host(LUN_ERR_ERRNO_BASE - rc);
    return WASI_EIO;
}

/* }===== */
/* {===== blocking */

uint64_t wasi_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void wasi__wait_reset(wasi_ctx_t *ctx)
{
    ctx->nwait_fds = 0;
    ctx->wait_has_deadline = false;
    ctx->wait_deadline_ns = 0;
}

uint32_t wasi__wait_add_fd(wasi_ctx_t *ctx, int host_fd, uint32_t events)
{
    if (ctx->nwait_fds == ctx->wait_cap) {
        uint32_t cap = ctx->wait_cap ? 2 * ctx->wait_cap : 8;
        wasi_wait_fd_t *w = realloc(ctx->wait_fds, cap * sizeof *w);
        if (!w)
            return WASI_ENOMEM;
        ctx->wait_fds = w;
        ctx->wait_cap = cap;
    }
    ctx->wait_fds[ctx->nwait_fds++] = (wasi_wait_fd_t){host_fd, events};
    return WASI_ESUCCESS;
}

void wasi__wait_deadline(wasi_ctx_t *ctx, uint64_t deadline_ns)
{
    if (!ctx->wait_has_deadline || deadline_ns < ctx->wait_deadline_ns)
        ctx->wait_deadline_ns = deadline_ns;
    ctx->wait_has_deadline = true;
}

uint32_t wasi__block_on_fd(wasi_ctx_t *ctx, int host_fd, uint32_t events)
{
    uint32_t rc;
    wasi__wait_reset(ctx);
    if ((rc = wasi__wait_add_fd(ctx, host_fd, events)) != WASI_ESUCCESS)
        return rc;
    return WASI__BLOCK;
}

bool wasi_ctx_waiting(const wasi_ctx_t *ctx, wasi_wait_t *out)
{
    if (!ctx->blocked)
        return false;
    out->fds = ctx->wait_fds;
    out->nfds = ctx->nwait_fds;
    out->has_deadline = ctx->wait_has_deadline;
    out->deadline_ns = ctx->wait_deadline_ns;
    return true;
}

/* }===== */

uint32_t wasi__errno_from_host(int host_errno)
{
    switch (host_errno) {
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return WASI_EADDRINUSE;
    case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return WASI_EALREADY;
    case EBADF: return WASI_EBADF;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return WASI_ECANCELED;
    case ECONNABORTED: return WASI_ECONNABORTED;
    case ECONNREFUSED: return WASI_ECONNREFUSED;
    case ECONNRESET: return WASI_ECONNRESET;
    case EDEADLK: return WASI_EDEADLK;
    case EDQUOT: return WASI_EDQUOT;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return WASI_EHOSTUNREACH;
    case EILSEQ: return WASI_EILSEQ;
    case EINPROGRESS: return WASI_EINPROGRESS;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return WASI_EISCONN;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case EMSGSIZE: return WASI_EMSGSIZE;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return WASI_ENETDOWN;
    case ENETRESET: return WASI_ENETRESET;
    case ENETUNREACH: return WASI_ENETUNREACH;
    case ENFILE: return WASI_ENFILE;
    case ENOBUFS: return WASI_ENOBUFS;
    case ENODEV: return WASI_ENODEV;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return WASI_ENOEXEC;
    case ENOMEM: return WASI_ENOMEM;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return WASI_ENOTCONN;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTSOCK: return WASI_ENOTSOCK;
    case ENOTSUP: return WASI_ENOTSUP;
    case ENOTTY: return WASI_ENOTTY;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case ERANGE: return WASI_ERANGE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    case ETIMEDOUT: return WASI_ETIMEDOUT;
    case ETXTBSY: return WASI_ETXTBSY;
    case EXDEV: return WASI_EXDEV;
    default: return WASI_EIO;
    }
}
