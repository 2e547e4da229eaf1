/* args.c: args_get, args_sizes_get, environ_get, environ_sizes_get: copy
 * the context's argv and environment strings into guest memory.
 * Interface: wasi/wasi_int.h (bound to imports in wasi/link.c). */
#include "common/lun_prefix.h"

#include <string.h>

#include "wasi/wasi_int.h"

/* Write a count and a byte total (two u32) where the guest asked. Both
 * ranges are checked before either is written, so a failing call leaves
 * guest memory unchanged. */
static uint32_t write_sizes(const wasi_mem_t *mem, uint32_t count,
                            uint64_t bytes, uint32_t count_ptr,
                            uint32_t bytes_ptr)
{
    uint8_t *pc = wasi__mem_range(mem, count_ptr, 4);
    uint8_t *pb = wasi__mem_range(mem, bytes_ptr, 4);
    if (!pc || !pb)
        return WASI_EFAULT;
    wasi__store_u32(pc, count);
    wasi__store_u32(pb, (uint32_t)bytes); /* < 1 GiB: see ctx.c */
    return WASI_ESUCCESS;
}

/* Lay out n strings: the strings back to back, NUL-terminated, at buf_ptr,
 * and a u32 guest pointer to each at ptrs_ptr. */
static uint32_t write_strings(const wasi_mem_t *mem, char *const *strs,
                              uint32_t n, uint64_t bytes, uint32_t ptrs_ptr,
                              uint32_t buf_ptr)
{
    uint8_t *ptrs = wasi__mem_range(mem, ptrs_ptr, (uint64_t)n * 4);
    uint8_t *buf = wasi__mem_range(mem, buf_ptr, bytes);
    uint64_t off = 0;
    if (!ptrs || !buf)
        return WASI_EFAULT;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(strs[i]) + 1;
        /* buf_ptr + off < 2^32 because the whole range is inside memory */
        wasi__store_u32(ptrs + 4 * (uint64_t)i, (uint32_t)(buf_ptr + off));
        memmove(buf + off, strs[i], len);
        off += len;
    }
    return WASI_ESUCCESS;
}

uint32_t wasi__args_sizes_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                              uint32_t argc_ptr, uint32_t buf_size_ptr)
{
    return write_sizes(mem, ctx->argc, ctx->argv_bytes, argc_ptr,
                       buf_size_ptr);
}

uint32_t wasi__args_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                        uint32_t argv_ptr, uint32_t buf_ptr)
{
    return write_strings(mem, ctx->argv, ctx->argc, ctx->argv_bytes,
                         argv_ptr, buf_ptr);
}

uint32_t wasi__environ_sizes_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                 uint32_t count_ptr, uint32_t buf_size_ptr)
{
    return write_sizes(mem, ctx->envc, ctx->env_bytes, count_ptr,
                       buf_size_ptr);
}

uint32_t wasi__environ_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t environ_ptr, uint32_t buf_ptr)
{
    return write_strings(mem, ctx->env, ctx->envc, ctx->env_bytes,
                         environ_ptr, buf_ptr);
}
