/* wasi_int.h: internals shared by the wasi/ files: the context layout, the
 * guest-memory view with its bounds check, WASI constants, and the
 * implementation functions that link.c binds to wasm imports. */
#ifndef LUN_WASI_INT_H
#define LUN_WASI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi.h"

/* {===== WASI preview1 constants (values from the witx definitions) */

/* errno: only the values this layer returns so far; the rest of the list
 * (witx typenames.witx, errno enum) is added as functions need them. */
enum wasi_errno {
    WASI_ESUCCESS = 0,
    WASI_EAGAIN = 6,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EFBIG = 22,
    WASI_EINTR = 27,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOMEM = 48,
    WASI_ENOSPC = 51,
    WASI_ENOSYS = 52,
    WASI_ENOTSUP = 58,
    WASI_EOVERFLOW = 61,
    WASI_EPERM = 63,
    WASI_EPIPE = 64,
    WASI_ESPIPE = 70,
    WASI_ENOTCAPABLE = 76
};

enum wasi_clockid {
    WASI_CLOCK_REALTIME = 0,
    WASI_CLOCK_MONOTONIC = 1,
    WASI_CLOCK_PROCESS_CPUTIME = 2,
    WASI_CLOCK_THREAD_CPUTIME = 3
};

enum wasi_filetype {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_REGULAR_FILE = 4
};

enum wasi_whence { WASI_WHENCE_SET = 0, WASI_WHENCE_CUR = 1, WASI_WHENCE_END = 2 };

#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)

/* Byte sizes of the guest-side structures (wasm32 layout). */
#define WASI_CIOVEC_SIZE 8 /* { u32 buf; u32 buf_len } */
#define WASI_FDSTAT_SIZE 24 /* u8 filetype @0, u16 flags @2, u64 rights @8, @16 */

/* The first fds, which map to the host's stdin, stdout and stderr. */
#define WASI_STDIO_FDS 3

/* }===== */
/* {===== the context */

struct wasi_ctx {
    char **argv; /* owned copies; argv_bytes counts every NUL */
    uint32_t argc;
    uint64_t argv_bytes;
    char **env; /* "KEY=VALUE" */
    uint32_t envc;
    uint64_t env_bytes;
    wasi_preopen_t *preopens; /* owned copies, guest fds 3.. (not yet open) */
    uint32_t npreopens;
    bool stdio_closed[WASI_STDIO_FDS]; /* fd_close hides the fd from the guest */
    int stdio_host_fd[WASI_STDIO_FDS]; /* host fds behind guest 0..2 */
    bool exited;
    uint32_t exit_code;
    vm_func_t **funcs; /* made by wasi_link on first use, one per binding */
    uint32_t nfuncs;
};

/* }===== */
/* {===== guest memory */

/* A view of the calling instance's linear memory. base is NULL (and size 0)
 * when the instance has none: every access is then EFAULT. */
typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem_t;

/* The host address of guest bytes [ptr, ptr+len), or NULL if any of them
 * lies outside the memory. The sum is done in 64 bits, so a 32-bit guest
 * pointer plus a 32-bit length cannot wrap around. */
uint8_t *wasi__mem_range(const wasi_mem_t *mem, uint64_t ptr, uint64_t len);

/* Guest memory is little-endian whatever the host is. */
static inline void wasi__store_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wasi__store_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void wasi__store_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t wasi__load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Map a host errno to the nearest WASI errno (EIO when there is none). */
uint32_t wasi__errno_from_host(int host_errno);

/* }===== */
/* {===== implementations: each returns a WASI errno; link.c binds them */

/* args.c */
uint32_t wasi__args_sizes_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                              uint32_t argc_ptr, uint32_t buf_size_ptr);
uint32_t wasi__args_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                        uint32_t argv_ptr, uint32_t buf_ptr);
uint32_t wasi__environ_sizes_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                 uint32_t count_ptr, uint32_t buf_size_ptr);
uint32_t wasi__environ_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t environ_ptr, uint32_t buf_ptr);

/* fd.c */
uint32_t wasi__fd_write(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len,
                        uint32_t nwritten_ptr);
uint32_t wasi__fd_close(wasi_ctx_t *ctx, uint32_t fd);
uint32_t wasi__fd_seek(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       int64_t offset, uint32_t whence,
                       uint32_t newoffset_ptr);
uint32_t wasi__fd_fdstat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t stat_ptr);

/* clock.c */
uint32_t wasi__clock_res_get(const wasi_mem_t *mem, uint32_t clock_id,
                             uint32_t res_ptr);
uint32_t wasi__clock_time_get(const wasi_mem_t *mem, uint32_t clock_id,
                              uint64_t precision, uint32_t time_ptr);

/* random.c */
uint32_t wasi__random_get(const wasi_mem_t *mem, uint32_t buf_ptr,
                          uint32_t buf_len);

/* proc_exit.c: records the exit; the caller then ends the execution. */
void wasi__proc_exit(wasi_ctx_t *ctx, uint32_t code);
uint32_t wasi__sched_yield(wasi_ctx_t *ctx);

/* }===== */

#endif
