/* wasi_int.h: internals shared by the wasi/ files: the context layout, the
 * guest-memory view with its bounds check, WASI constants, and the
 * implementation functions that link.c binds to wasm imports. */
#ifndef LUN_WASI_INT_H
#define LUN_WASI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi.h"
#include "vm/vm_endian.h"

/* {===== WASI preview1 constants (values from the witx definitions) */

/* errno (witx typenames.witx, enum errno): every value, in order. */
enum wasi_errno {
    WASI_ESUCCESS = 0, WASI_E2BIG, WASI_EACCES, WASI_EADDRINUSE,
    WASI_EADDRNOTAVAIL, WASI_EAFNOSUPPORT, WASI_EAGAIN, WASI_EALREADY,
    WASI_EBADF, WASI_EBADMSG, WASI_EBUSY, WASI_ECANCELED, WASI_ECHILD,
    WASI_ECONNABORTED, WASI_ECONNREFUSED, WASI_ECONNRESET, WASI_EDEADLK,
    WASI_EDESTADDRREQ, WASI_EDOM, WASI_EDQUOT, WASI_EEXIST, WASI_EFAULT,
    WASI_EFBIG, WASI_EHOSTUNREACH, WASI_EIDRM, WASI_EILSEQ, WASI_EINPROGRESS,
    WASI_EINTR, WASI_EINVAL, WASI_EIO, WASI_EISCONN, WASI_EISDIR, WASI_ELOOP,
    WASI_EMFILE, WASI_EMLINK, WASI_EMSGSIZE, WASI_EMULTIHOP,
    WASI_ENAMETOOLONG, WASI_ENETDOWN, WASI_ENETRESET, WASI_ENETUNREACH,
    WASI_ENFILE, WASI_ENOBUFS, WASI_ENODEV, WASI_ENOENT, WASI_ENOEXEC,
    WASI_ENOLCK, WASI_ENOLINK, WASI_ENOMEM, WASI_ENOMSG, WASI_ENOPROTOOPT,
    WASI_ENOSPC, WASI_ENOSYS, WASI_ENOTCONN, WASI_ENOTDIR, WASI_ENOTEMPTY,
    WASI_ENOTRECOVERABLE, WASI_ENOTSOCK, WASI_ENOTSUP, WASI_ENOTTY,
    WASI_ENXIO, WASI_EOVERFLOW, WASI_EOWNERDEAD, WASI_EPERM, WASI_EPIPE,
    WASI_EPROTO, WASI_EPROTONOSUPPORT, WASI_EPROTOTYPE, WASI_ERANGE,
    WASI_EROFS, WASI_ESPIPE, WASI_ESRCH, WASI_ESTALE, WASI_ETIMEDOUT,
    WASI_ETXTBSY, WASI_EXDEV, WASI_ENOTCAPABLE
};

/* Not an errno: an implementation's "this would block". It has recorded
 * what it waits for in ctx->wait; link.c turns it into VM_BLOCK. */
#define WASI__BLOCK UINT32_C(0x10000)

enum wasi_clockid {
    WASI_CLOCK_REALTIME = 0,
    WASI_CLOCK_MONOTONIC = 1,
    WASI_CLOCK_PROCESS_CPUTIME = 2,
    WASI_CLOCK_THREAD_CPUTIME = 3
};

enum wasi_filetype {
    WASI_FILETYPE_UNKNOWN = 0,
    WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2,
    WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4,
    WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6,
    WASI_FILETYPE_SYMBOLIC_LINK = 7
};

enum wasi_whence { WASI_WHENCE_SET = 0, WASI_WHENCE_CUR = 1, WASI_WHENCE_END = 2 };

/* fdflags, oflags, lookupflags, fstflags, event types and friends */
#define WASI_FDFLAG_APPEND 1u
#define WASI_FDFLAG_DSYNC 2u
#define WASI_FDFLAG_NONBLOCK 4u
#define WASI_FDFLAG_RSYNC 8u
#define WASI_FDFLAG_SYNC 16u
#define WASI_OFLAG_CREAT 1u
#define WASI_OFLAG_DIRECTORY 2u
#define WASI_OFLAG_EXCL 4u
#define WASI_OFLAG_TRUNC 8u
#define WASI_LOOKUP_SYMLINK_FOLLOW 1u
#define WASI_FST_ATIM 1u
#define WASI_FST_ATIM_NOW 2u
#define WASI_FST_MTIM 4u
#define WASI_FST_MTIM_NOW 8u
#define WASI_EVENTTYPE_CLOCK 0
#define WASI_EVENTTYPE_FD_READ 1
#define WASI_EVENTTYPE_FD_WRITE 2
#define WASI_SUBCLOCK_ABSTIME 1u
#define WASI_EVENT_FD_HANGUP 1u
#define WASI_RIFLAG_PEEK 1u
#define WASI_RIFLAG_WAITALL 2u
#define WASI_SDFLAG_RD 1u
#define WASI_SDFLAG_WR 2u
#define WASI_ADVICE_MAX 5u /* normal, sequential, random, willneed,
                              dontneed, noreuse */

/* rights: bit n of the witx `rights` flags */
#define WASI_RIGHT(n) (UINT64_C(1) << (n))
#define WASI_RIGHT_FD_DATASYNC WASI_RIGHT(0)
#define WASI_RIGHT_FD_READ WASI_RIGHT(1)
#define WASI_RIGHT_FD_SEEK WASI_RIGHT(2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS WASI_RIGHT(3)
#define WASI_RIGHT_FD_SYNC WASI_RIGHT(4)
#define WASI_RIGHT_FD_TELL WASI_RIGHT(5)
#define WASI_RIGHT_FD_WRITE WASI_RIGHT(6)
#define WASI_RIGHT_FD_ADVISE WASI_RIGHT(7)
#define WASI_RIGHT_FD_ALLOCATE WASI_RIGHT(8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY WASI_RIGHT(9)
#define WASI_RIGHT_PATH_CREATE_FILE WASI_RIGHT(10)
#define WASI_RIGHT_PATH_LINK_SOURCE WASI_RIGHT(11)
#define WASI_RIGHT_PATH_LINK_TARGET WASI_RIGHT(12)
#define WASI_RIGHT_PATH_OPEN WASI_RIGHT(13)
#define WASI_RIGHT_FD_READDIR WASI_RIGHT(14)
#define WASI_RIGHT_PATH_READLINK WASI_RIGHT(15)
#define WASI_RIGHT_PATH_RENAME_SOURCE WASI_RIGHT(16)
#define WASI_RIGHT_PATH_RENAME_TARGET WASI_RIGHT(17)
#define WASI_RIGHT_PATH_FILESTAT_GET WASI_RIGHT(18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE WASI_RIGHT(19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES WASI_RIGHT(20)
#define WASI_RIGHT_FD_FILESTAT_GET WASI_RIGHT(21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE WASI_RIGHT(22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES WASI_RIGHT(23)
#define WASI_RIGHT_PATH_SYMLINK WASI_RIGHT(24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY WASI_RIGHT(25)
#define WASI_RIGHT_PATH_UNLINK_FILE WASI_RIGHT(26)
#define WASI_RIGHT_POLL_FD_READWRITE WASI_RIGHT(27)
#define WASI_RIGHT_SOCK_SHUTDOWN WASI_RIGHT(28)
#define WASI_RIGHT_SOCK_ACCEPT WASI_RIGHT(29)
#define WASI_RIGHTS_ALL (WASI_RIGHT(30) - 1)

/* What each kind of descriptor can ever do; path_open grants the
 * intersection of these with what was asked and what the directory may
 * pass on. */
#define WASI_RIGHTS_REGULAR_FILE                                          \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |   \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC |                \
     WASI_RIGHT_FD_TELL | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE |    \
     WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_GET |                \
     WASI_RIGHT_FD_FILESTAT_SET_SIZE | WASI_RIGHT_FD_FILESTAT_SET_TIMES | \
     WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_DIRECTORY                                              \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |              \
     WASI_RIGHT_FD_SYNC | WASI_RIGHT_PATH_CREATE_DIRECTORY |                \
     WASI_RIGHT_PATH_CREATE_FILE | WASI_RIGHT_PATH_LINK_SOURCE |            \
     WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |                   \
     WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK |                     \
     WASI_RIGHT_PATH_RENAME_SOURCE | WASI_RIGHT_PATH_RENAME_TARGET |        \
     WASI_RIGHT_PATH_FILESTAT_GET | WASI_RIGHT_PATH_FILESTAT_SET_SIZE |     \
     WASI_RIGHT_PATH_FILESTAT_SET_TIMES | WASI_RIGHT_FD_FILESTAT_GET |      \
     WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK |           \
     WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE)
#define WASI_RIGHTS_STREAM                                                 \
    (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE |                            \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_FILESTAT_GET |          \
     WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_SOCKET (WASI_RIGHTS_STREAM | WASI_RIGHT_SOCK_SHUTDOWN)
#define WASI_RIGHTS_LISTENER                                               \
    (WASI_RIGHT_SOCK_ACCEPT | WASI_RIGHT_POLL_FD_READWRITE |               \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_FILESTAT_GET)

/* Byte sizes of the guest-side structures (wasm32 layout). */
#define WASI_CIOVEC_SIZE 8 /* { u32 buf; u32 buf_len } */
#define WASI_FDSTAT_SIZE 24 /* u8 filetype @0, u16 flags @2, u64 rights @8, @16 */
#define WASI_FILESTAT_SIZE 64 /* dev, ino, u8 filetype @16, nlink @24, size,
                                 atim, mtim, ctim: u64 each */
#define WASI_PRESTAT_SIZE 8 /* u8 tag @0 (0: dir), u32 name_len @4 */
#define WASI_DIRENT_SIZE 24 /* u64 d_next, u64 d_ino, u32 namlen @16,
                               u8 type @20; the name follows */
#define WASI_SUBSCRIPTION_SIZE 48 /* u64 userdata, u8 tag @8, union @16 */
#define WASI_EVENT_SIZE 32 /* u64 userdata, u16 error @8, u8 type @10,
                              u64 nbytes @16, u16 flags @24 */

/* The first fds, which map to the host's stdin, stdout and stderr. */
#define WASI_STDIO_FDS 3
/* Most descriptors one context may hold (EMFILE beyond). */
#define WASI_MAX_FDS 65536u

/* }===== */
/* {===== the context */

typedef enum wasi_fd_kind {
    WASI_FD_CLOSED = 0,
    WASI_FD_STDIO,    /* the host's stdio: closing only hides it */
    WASI_FD_FILE,     /* opened by path_open, not a directory */
    WASI_FD_DIR,      /* a preopen or a directory opened by path_open */
    WASI_FD_LISTENER, /* a preopened listening socket (--listen) */
    WASI_FD_SOCKET    /* a connection sock_accept returned */
} wasi_fd_kind;

/* One guest descriptor. */
typedef struct wasi_fd {
    wasi_fd_kind kind;
    int host_fd;
    uint8_t filetype;   /* enum wasi_filetype, fixed when opened */
    uint16_t fdflags;   /* WASI_FDFLAG_*, as the guest set them */
    bool shared_fd;     /* host_fd is the embedder's: never closed here */
    bool name_borrowed; /* preopen_name is the embedder's: never freed */
    uint64_t rights, rights_inheriting;
    char *preopen_name; /* the guest path of a preopen, else NULL */
    void *dir_stream;   /* DIR * of fd_readdir, opened on first use */
} wasi_fd_t;

struct wasi_ctx {
    char **argv; /* owned copies; argv_bytes counts every NUL */
    uint32_t argc;
    uint64_t argv_bytes;
    char **env; /* "KEY=VALUE" */
    uint32_t envc;
    uint64_t env_bytes;
    bool borrowed; /* argv, env, preopens are the embedder's (opts.borrow) */
    wasi_preopen_t *preopens; /* copies of the options' preopens */
    uint32_t npreopens;
    wasi_fd_t *fds;           /* the guest's descriptors, by number */
    uint32_t nfds;            /* entries allocated in fds */
    uint32_t inline_fds;      /* entries in the context's own block */
    bool exited;
    uint32_t exit_code;
    /* A host call that returned WASI__BLOCK: what it waits for, and when
     * it first ran (poll_oneoff's relative timeouts count from there, so
     * re-invocations do not push the deadline back). */
    bool blocked;
    uint64_t blocked_since_ns;
    uint64_t random_done; /* random_get: bytes filled before it blocked */
    wasi_wait_fd_t *wait_fds;
    uint32_t nwait_fds, wait_cap;
    bool wait_has_deadline;
    uint64_t wait_deadline_ns;
    wasi_funcs_t *own; /* the functions wasi_link bound to this context */
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

/* Guest memory is little-endian whatever the host is (vm/vm_endian.h). */
static inline void wasi__store_u16(uint8_t *p, uint16_t v) { vm_store_le16(p, v); }
static inline void wasi__store_u32(uint8_t *p, uint32_t v) { vm_store_le32(p, v); }
static inline void wasi__store_u64(uint8_t *p, uint64_t v) { vm_store_le64(p, v); }
static inline uint32_t wasi__load_u32(const uint8_t *p) { return vm_load_le32(p); }

/* Map a host errno to the nearest WASI errno (EIO when there is none). */
uint32_t wasi__errno_from_host(int host_errno);
/* Map an fs/ result (0, FS_ENOTCAPABLE, LUN_ERR_ERRNO(e)) to an errno. */
uint32_t wasi__errno_from_fs(int rc);

/* Longest path a guest may pass (ENAMETOOLONG beyond). */
#define WASI_MAX_PATH_BYTES 4096u

/* Copy the guest path [ptr, ptr+len) into a malloc'd C string: EFAULT,
 * ENAMETOOLONG, EILSEQ (a NUL byte inside) or ENOMEM otherwise. */
uint32_t wasi__path_copy(const wasi_mem_t *mem, uint32_t ptr, uint32_t len,
                         char **out);

/* }===== */
/* {===== descriptors and blocking (ctx.c) */

/* The open descriptor fd in *out if it has every right in `rights`;
 * otherwise EBADF (not open) or ENOTCAPABLE (a right is missing). */
uint32_t wasi__fd_get(wasi_ctx_t *ctx, uint32_t fd, uint64_t rights,
                      wasi_fd_t **out);
/* The lowest free descriptor number (the table grows): EMFILE, ENOMEM. */
uint32_t wasi__fd_alloc(wasi_ctx_t *ctx, uint32_t *out_fd);
/* Close what an entry holds (not the host's stdio) and mark it closed. */
void wasi__fd_release(wasi_fd_t *f);
/* The WASI filetype of a st_mode. */
uint8_t wasi__filetype_of_mode(uint32_t mode);

/* Describe what a call about to return WASI__BLOCK waits for. */
void wasi__wait_reset(wasi_ctx_t *ctx);
uint32_t wasi__wait_add_fd(wasi_ctx_t *ctx, int host_fd, uint32_t events);
void wasi__wait_deadline(wasi_ctx_t *ctx, uint64_t deadline_ns);
/* Shorthand: wait for one fd only; returns WASI__BLOCK (or ENOMEM). */
uint32_t wasi__block_on_fd(wasi_ctx_t *ctx, int host_fd, uint32_t events);

/* Host iovecs per call; a longer guest list is a short read or write,
 * which POSIX allows. */
#define WASI_MAX_IOVS 1024
struct iovec;
struct stat;
struct timespec;

/* fd_io.c: check every guest iovec (ciovec array at iovs_ptr) and the
 * bytes it points at (EFAULT), then translate the first WASI_MAX_IOVS
 * into host ones (out has room for that many) whose total fits the u32
 * result: iovecs may alias, so the sum of lengths can exceed memory. */
uint32_t wasi__gather_iovecs(const wasi_mem_t *mem, uint32_t iovs_ptr,
                             uint32_t iovs_len, struct iovec *out,
                             int *out_n);
/* fd_attr.c: a host stat as a WASI filestat (WASI_FILESTAT_SIZE bytes). */
void wasi__store_filestat(uint8_t *out, const struct stat *st);
/* fd_attr.c: fstflags and times as utimensat's pair; EINVAL for a
 * conflicting or unknown flag. */
uint32_t wasi__timespecs(uint64_t atim, uint64_t mtim, uint32_t fst,
                         struct timespec *out);

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

/* fd_io.c */
uint32_t wasi__fd_read(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       uint32_t iovs_ptr, uint32_t iovs_len,
                       uint32_t nread_ptr);
uint32_t wasi__fd_write(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len,
                        uint32_t nwritten_ptr);
uint32_t wasi__fd_pread(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                        uint32_t iovs_ptr, uint32_t iovs_len, uint64_t offset,
                        uint32_t nread_ptr);
uint32_t wasi__fd_pwrite(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint64_t offset, uint32_t nwritten_ptr);
uint32_t wasi__fd_seek(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       int64_t offset, uint32_t whence,
                       uint32_t newoffset_ptr);
uint32_t wasi__fd_tell(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                       uint32_t offset_ptr);

/* fd_attr.c */
uint32_t wasi__fd_close(wasi_ctx_t *ctx, uint32_t fd);
uint32_t wasi__fd_renumber(wasi_ctx_t *ctx, uint32_t from, uint32_t to);
uint32_t wasi__fd_fdstat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t stat_ptr);
uint32_t wasi__fd_fdstat_set_flags(wasi_ctx_t *ctx, uint32_t fd,
                                   uint32_t flags);
uint32_t wasi__fd_fdstat_set_rights(wasi_ctx_t *ctx, uint32_t fd,
                                    uint64_t rights, uint64_t inheriting);
uint32_t wasi__fd_filestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                               uint32_t fd, uint32_t buf_ptr);
uint32_t wasi__fd_filestat_set_size(wasi_ctx_t *ctx, uint32_t fd,
                                    uint64_t size);
uint32_t wasi__fd_filestat_set_times(wasi_ctx_t *ctx, uint32_t fd,
                                     uint64_t atim, uint64_t mtim,
                                     uint32_t fst);
uint32_t wasi__fd_advise(wasi_ctx_t *ctx, uint32_t fd, uint64_t offset,
                         uint64_t len, uint32_t advice);
uint32_t wasi__fd_allocate(wasi_ctx_t *ctx, uint32_t fd, uint64_t offset,
                           uint64_t len);
/* fd_sync, or fd_datasync with data_only */
uint32_t wasi__fd_sync(wasi_ctx_t *ctx, uint32_t fd, bool data_only);
uint32_t wasi__fd_prestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                              uint32_t fd, uint32_t buf_ptr);
uint32_t wasi__fd_prestat_dir_name(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                   uint32_t fd, uint32_t path_ptr,
                                   uint32_t path_len);

/* dir.c */
uint32_t wasi__fd_readdir(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                          uint32_t fd, uint32_t buf_ptr, uint32_t buf_len,
                          uint64_t cookie, uint32_t bufused_ptr);

/* path.c, path_open.c */
uint32_t wasi__path_create_directory(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                     uint32_t fd, uint32_t path_ptr,
                                     uint32_t path_len);
uint32_t wasi__path_filestat_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                 uint32_t fd, uint32_t lookup,
                                 uint32_t path_ptr, uint32_t path_len,
                                 uint32_t buf_ptr);
uint32_t wasi__path_filestat_set_times(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                       uint32_t fd, uint32_t lookup,
                                       uint32_t path_ptr, uint32_t path_len,
                                       uint64_t atim, uint64_t mtim,
                                       uint32_t fst);
uint32_t wasi__path_link(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                         uint32_t old_fd, uint32_t old_lookup,
                         uint32_t old_ptr, uint32_t old_len, uint32_t new_fd,
                         uint32_t new_ptr, uint32_t new_len);
uint32_t wasi__path_open(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                         uint32_t dirfd, uint32_t lookup, uint32_t path_ptr,
                         uint32_t path_len, uint32_t oflags, uint64_t base,
                         uint64_t inheriting, uint32_t fdflags,
                         uint32_t fd_ptr);
uint32_t wasi__path_readlink(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                             uint32_t fd, uint32_t path_ptr,
                             uint32_t path_len, uint32_t buf_ptr,
                             uint32_t buf_len, uint32_t bufused_ptr);
uint32_t wasi__path_remove_directory(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                     uint32_t fd, uint32_t path_ptr,
                                     uint32_t path_len);
uint32_t wasi__path_rename(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t old_fd, uint32_t old_ptr,
                           uint32_t old_len, uint32_t new_fd,
                           uint32_t new_ptr, uint32_t new_len);
uint32_t wasi__path_symlink(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                            uint32_t old_ptr, uint32_t old_len, uint32_t fd,
                            uint32_t new_ptr, uint32_t new_len);
uint32_t wasi__path_unlink_file(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                                uint32_t fd, uint32_t path_ptr,
                                uint32_t path_len);

/* poll_oneoff.c */
uint32_t wasi__poll_oneoff(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t in_ptr, uint32_t out_ptr, uint32_t nsubs,
                           uint32_t nevents_ptr);

/* sock.c */
uint32_t wasi__sock_accept(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                           uint32_t fd, uint32_t flags, uint32_t fd_ptr);
uint32_t wasi__sock_recv(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint32_t ri_flags, uint32_t datalen_ptr,
                         uint32_t oflags_ptr);
uint32_t wasi__sock_send(wasi_ctx_t *ctx, const wasi_mem_t *mem, uint32_t fd,
                         uint32_t iovs_ptr, uint32_t iovs_len,
                         uint32_t si_flags, uint32_t datalen_ptr);
uint32_t wasi__sock_shutdown(wasi_ctx_t *ctx, uint32_t fd, uint32_t how);

/* clock.c */
uint32_t wasi__clock_res_get(const wasi_mem_t *mem, uint32_t clock_id,
                             uint32_t res_ptr);
uint32_t wasi__clock_time_get(const wasi_mem_t *mem, uint32_t clock_id,
                              uint64_t precision, uint32_t time_ptr);

/* random.c */
uint32_t wasi__random_get(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                          uint32_t buf_ptr,
                          uint32_t buf_len);

/* proc_exit.c: records the exit; the caller then ends the execution. */
void wasi__proc_exit(wasi_ctx_t *ctx, uint32_t code);
uint32_t wasi__sched_yield(wasi_ctx_t *ctx);
/* ESUCCESS for a signal whose default action is to ignore it (or none),
 * EINVAL for an unknown one, WASI__RAISE_TRAP for one that would end a
 * native process: link.c turns that into a trap. */
#define WASI__RAISE_TRAP UINT32_C(0x10001)
uint32_t wasi__proc_raise(uint32_t sig);
/* The POSIX name of a WASI signal number ("SIGTERM"), "?" if none. */
const char *wasi__signal_name(uint32_t sig);

/* }===== */

#endif
