/* dir.c: fd_readdir. Entries come from a DIR stream of the descriptor's
 * own (so positions are independent of anything else); a cookie is the
 * stream's telldir() position after an entry, 0 is the start.
 * Interface: wasi/wasi_int.h. */
#include "common/lun_prefix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

static DIR *dir_stream(wasi_fd_t *f)
{
    int fd;
    if (f->dir_stream)
        return f->dir_stream;
    /* "." reopens the directory with a file offset of its own */
    if ((fd = openat(f->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return NULL;
    if (!(f->dir_stream = fdopendir(fd)))
        close(fd);
    return f->dir_stream;
}

static uint8_t dirent_type(DIR *d, const struct dirent *e)
{
    struct stat st;
    switch (e->d_type) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_UNKNOWN: /* some file systems do not say: ask */
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi__filetype_of_mode((uint32_t)st.st_mode);
        return WASI_FILETYPE_UNKNOWN;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

/* Append as much of one entry (header, then name) as fits; returns the
 * bytes written. A truncated last entry tells the guest (bufused ==
 * buf_len) to call again from that entry's cookie with a bigger buffer. */
static uint32_t put_entry(uint8_t *buf, uint32_t room, uint64_t next,
                          const struct dirent *e, uint8_t type)
{
    uint8_t hdr[WASI_DIRENT_SIZE] = {0};
    uint32_t namlen = (uint32_t)strlen(e->d_name), n;
    wasi__store_u64(hdr, next);
    wasi__store_u64(hdr + 8, (uint64_t)e->d_ino);
    wasi__store_u32(hdr + 16, namlen);
    hdr[20] = type;
    n = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
    memcpy(buf, hdr, n);
    room -= n;
    if (room > namlen)
        room = namlen;
    memcpy(buf + n, e->d_name, room);
    return n + room;
}

uint32_t wasi__fd_readdir(wasi_ctx_t *ctx, const wasi_mem_t *mem,
                          uint32_t fd, uint32_t buf_ptr, uint32_t buf_len,
                          uint64_t cookie, uint32_t bufused_ptr)
{
    wasi_fd_t *f;
    uint8_t *buf = wasi__mem_range(mem, buf_ptr, buf_len);
    uint8_t *used = wasi__mem_range(mem, bufused_ptr, 4);
    uint32_t rc = wasi__fd_get(ctx, fd, WASI_RIGHT_FD_READDIR, &f), pos = 0;
    struct dirent *e;
    DIR *d;
    if (rc != WASI_ESUCCESS)
        return rc;
    if (!buf || !used)
        return WASI_EFAULT;
    if (f->kind != WASI_FD_DIR)
        return WASI_ENOTDIR;
    if (!(d = dir_stream(f)))
        return wasi__errno_from_host(errno);
    if (cookie == 0)
        rewinddir(d);
    else if (cookie > (uint64_t)LONG_MAX)
        return WASI_EINVAL;
    else
        seekdir(d, (long)cookie);
    while (pos < buf_len) {
        errno = 0;
        if (!(e = readdir(d))) {
            if (errno)
                return wasi__errno_from_host(errno);
            break;
        }
        pos += put_entry(buf + pos, buf_len - pos, (uint64_t)telldir(d), e,
                         dirent_type(d, e));
    }
    wasi__store_u32(used, pos);
    return WASI_ESUCCESS;
}
