/* path_open.c: path_open, which turns a path beneath a directory
 * descriptor into a new descriptor, granting the rights asked for as far
 * as the directory may pass them on. Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"
#include "wasi/wasi_int.h"

/* open(2) flags for a path_open request. The access mode follows the
 * rights (wasi-libc and Rust ask for FD_READ/FD_WRITE to say O_RDONLY,
 * O_WRONLY, O_RDWR). O_NONBLOCK keeps open() itself from waiting on a
 * FIFO; it is cleared again once the file is open. */
static int host_open_flags(uint32_t oflags, uint64_t rights, uint32_t fdflags)
{
    int fl = O_NOCTTY | O_NONBLOCK;
    bool rd = rights & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    bool wr = (rights & WASI_RIGHT_FD_WRITE) || (fdflags & WASI_FDFLAG_APPEND);
    if (oflags & WASI_OFLAG_DIRECTORY)
        fl |= O_RDONLY | O_DIRECTORY;
    else
        fl |= rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (oflags & WASI_OFLAG_CREAT)
        fl |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL)
        fl |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        fl |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC)
        fl |= O_DSYNC;
    if (fdflags & (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC))
        fl |= O_SYNC;
    return fl;
}

/* Rights that write to a file: asking for any of them, or for O_TRUNC,
 * on a directory is EISDIR. wasi-libc asks for exactly these with
 * O_WRONLY and none with O_RDONLY, and wasmtime's older wasi-common
 * took this set to mean "open for writing" (current wasmtime looks at
 * FD_WRITE alone). */
#define WRITE_RIGHTS                                                      \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | \
     WASI_RIGHT_FD_FILESTAT_SET_SIZE)

/* The rights a directory descriptor needs for these oflags. */
static uint64_t rights_needed(uint32_t oflags)
{
    uint64_t need = WASI_RIGHT_PATH_OPEN;
    if (oflags & WASI_OFLAG_CREAT)
        need |= WASI_RIGHT_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC)
        need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    return need;
}

/* Put the open host descriptor into the table as a new guest fd.
 * `writes`: the guest asked to write (WRITE_RIGHTS or O_TRUNC), which a
 * directory refuses. */
static uint32_t install(wasi_ctx_t *ctx, int host, uint64_t base,
                        uint64_t inheriting, uint32_t fdflags, bool writes,
                        uint32_t *out_fd)
{
    struct stat st;
    wasi_fd_t *f;
    uint32_t rc;
    if (fstat(host, &st) != 0 ||
        fcntl(host, F_SETFL, fcntl(host, F_GETFL) & ~O_NONBLOCK) != 0) {
        rc = wasi__errno_from_host(errno);
        close(host);
        return rc;
    }
    if (writes && S_ISDIR(st.st_mode)) {
        close(host);
        return WASI_EISDIR;
    }
    if ((rc = wasi__fd_alloc(ctx, out_fd)) != WASI_ESUCCESS) {
        close(host);
        return rc;
    }
    f = &ctx->fds[*out_fd];
    *f = (wasi_fd_t){.host_fd = host, .fdflags = (uint16_t)fdflags,
                     .filetype = wasi__filetype_of_mode((uint32_t)st.st_mode)};
    if (S_ISDIR(st.st_mode)) {
        f->kind = WASI_FD_DIR;
        f->rights = base & WASI_RIGHTS_DIRECTORY;
        f->rights_inheriting = inheriting;
    } else {
        f->kind = WASI_FD_FILE;
        f->rights = base & (S_ISREG(st.st_mode) ? WASI_RIGHTS_REGULAR_FILE
                                                : WASI_RIGHTS_STREAM);
    }
    return WASI_ESUCCESS;
}

uint32_t wasi__path_open(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                         uint32_t dirfd, uint32_t lookup, uint32_t path_ptr,
                         uint32_t path_len, uint32_t oflags, uint64_t base,
                         uint64_t inheriting, uint32_t fdflags,
                         uint32_t fd_ptr)
{
    uint8_t *out = wasi__mem_range(mem, fd_ptr, 4);
    wasi_fd_t *dir;
    char *path;
    int host, frc;
    uint32_t fd, rc = wasi__fd_get(ctx, dirfd, rights_needed(oflags), &dir);
    if (rc != WASI_ESUCCESS)
        return rc;
    if (dir->kind != WASI_FD_DIR)
        return WASI_ENOTDIR;
    if (!out)
        return WASI_EFAULT;
    if (oflags > 15 || fdflags > 31)
        return WASI_EINVAL;
    if ((rc = wasi__path_copy(mem, path_ptr, path_len, &path)) != 0)
        return rc;
    /* asked for, before the directory's limit: a directory opened for
     * writing is refused even where the write right would be dropped */
    bool writes = (base & WRITE_RIGHTS) || (oflags & WASI_OFLAG_TRUNC);
    /* Rights beyond what the directory passes on are dropped, not refused:
     * wasi-libc asks for everything and expects the intersection. */
    base &= dir->rights_inheriting;
    inheriting &= dir->rights_inheriting;
    frc = fs_open(dir->host_fd, path, host_open_flags(oflags, base, fdflags),
                  0666, (lookup & WASI_LOOKUP_SYMLINK_FOLLOW) ? FS_FOLLOW : 0,
                  &host);
    free(path);
    if (frc != 0)
        return wasi__errno_from_fs(frc);
    if ((rc = install(ctx, host, base, inheriting, fdflags, writes, &fd)) !=
        0)
        return rc;
    wasi__store_u32(out, fd);
    return WASI_ESUCCESS;
}
