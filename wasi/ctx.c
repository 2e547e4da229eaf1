/* ctx.c: the WASI context (copies of args, environment and preopens, the
 * exit state) and the guest-memory bounds check every host function uses.
 * Interface: wasi/wasi.h; internals: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int wasi_ctx_new(const wasi_options_t *opts, wasi_ctx_t **out_ctx)
{
    wasi_ctx_t *ctx = calloc(1, sizeof *ctx);
    int rc;
    *out_ctx = NULL;
    if (!ctx)
        return LUN_ENOMEM;
    for (int fd = 0; fd < WASI_STDIO_FDS; fd++)
        ctx->stdio_host_fd[fd] = fd;
    ctx->argc = opts->argc;
    ctx->envc = opts->envc;
    if ((rc = copy_strings(opts->argv, opts->argc, &ctx->argv,
                           &ctx->argv_bytes)) != 0 ||
        (rc = copy_strings(opts->env, opts->envc, &ctx->env,
                           &ctx->env_bytes)) != 0 ||
        (rc = copy_preopens(ctx, opts->preopens, opts->npreopens)) != 0)
        goto fail;
    *out_ctx = ctx;
    return 0;
fail:
    wasi_ctx_free(ctx);
    return rc;
}

void wasi_ctx_free(wasi_ctx_t *ctx)
{
    if (!ctx)
        return;
    free_strings(ctx->argv);
    free_strings(ctx->env);
    for (uint32_t i = 0; i < ctx->npreopens; i++) {
        free((char *)ctx->preopens[i].host_path);
        free((char *)ctx->preopens[i].guest_path);
    }
    free(ctx->preopens);
    for (uint32_t i = 0; i < ctx->nfuncs; i++)
        if (ctx->funcs[i])
            vm_host_func_free(ctx->funcs[i]);
    free(ctx->funcs);
    free(ctx);
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

uint32_t wasi__errno_from_host(int host_errno)
{
    switch (host_errno) {
    case EAGAIN: return WASI_EAGAIN;
    case EBADF: return WASI_EBADF;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case ENOMEM: return WASI_ENOMEM;
    case ENOSPC: return WASI_ENOSPC;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case ESPIPE: return WASI_ESPIPE;
    default: return WASI_EIO;
    }
}
