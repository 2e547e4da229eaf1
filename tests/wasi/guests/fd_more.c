/* fd_more.c: the descriptor calls fs_ops.c does not reach through
 * wasi-libc, each with its results checked: fd_advise, fd_allocate,
 * fd_sync, fd_datasync, fd_tell, fd_pread/fd_pwrite (the offset stays),
 * fd_fdstat_set_rights, fd_fdstat_set_flags (APPEND), fd_renumber (onto
 * a file, stdout and a preopen), fd_filestat_set_times and
 * path_filestat_set_times (explicit and _NOW), path_filestat_get with and
 * without SYMLINK_FOLLOW. Runs with /sb and /sb2 preopened. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

#define SEC UINT64_C(1000000000)

static __wasi_fdstat_t fdstat(int fd)
{
    __wasi_fdstat_t st;
    CHECK(__wasi_fd_fdstat_get((__wasi_fd_t)fd, &st) == 0);
    return st;
}

static __wasi_filestat_t filestat(int fd)
{
    __wasi_filestat_t st;
    CHECK(__wasi_fd_filestat_get((__wasi_fd_t)fd, &st) == 0);
    return st;
}

static uint64_t tell(int fd)
{
    __wasi_filesize_t off = 0;
    CHECK(__wasi_fd_tell((__wasi_fd_t)fd, &off) == 0);
    return off;
}

/* The guest fd of the preopen named `name`, by fd_prestat_dir_name. */
static int preopen_fd(const char *name)
{
    for (int fd = 3; fd < 64; fd++) {
        __wasi_prestat_t ps;
        char buf[64];
        size_t n = strlen(name);
        if (__wasi_fd_prestat_get((__wasi_fd_t)fd, &ps) != 0 ||
            ps.u.dir.pr_name_len != n)
            continue;
        CHECK(__wasi_fd_prestat_dir_name((__wasi_fd_t)fd, (uint8_t *)buf,
                                         n) == 0);
        if (memcmp(buf, name, n) == 0)
            return fd;
    }
    fprintf(stderr, "no preopen %s\n", name);
    exit(1);
}

static int make_file(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    size_t n = strlen(text);
    CHECK(fd >= 0 && write(fd, text, n) == (ssize_t)n);
    return fd;
}

/* pread/pwrite leave the offset; advise, allocate, sync, datasync. */
static void positioned_and_hints(void)
{
    char buf[16] = "";
    int fd = make_file("/sb/p.txt", "0123456789");
    CHECK(lseek(fd, 3, SEEK_SET) == 3 && tell(fd) == 3);
    CHECK(pread(fd, buf, 4, 5) == 4 && memcmp(buf, "5678", 4) == 0);
    CHECK(tell(fd) == 3);
    CHECK(pwrite(fd, "AB", 2, 12) == 2 && tell(fd) == 3);
    CHECK(read(fd, buf, 3) == 3 && memcmp(buf, "345", 3) == 0);
    CHECK(tell(fd) == 6 && filestat(fd).size == 14);
    CHECK(pread(fd, buf, 4, 9) == 4 && memcmp(buf, "9\0\0A", 4) == 0);
    for (int a = 0; a <= __WASI_ADVICE_NOREUSE; a++)
        CHECK(__wasi_fd_advise((__wasi_fd_t)fd, 0, 100,
                               (__wasi_advice_t)a) == 0);
    CHECK(__wasi_fd_advise((__wasi_fd_t)fd, 0, 100, 6) == __WASI_ERRNO_INVAL);
    CHECK(__wasi_fd_allocate((__wasi_fd_t)fd, 4096, 4096) == 0);
    CHECK(filestat(fd).size == 8192 && tell(fd) == 6);
    CHECK(__wasi_fd_allocate((__wasi_fd_t)fd, 0, 10) == 0); /* no shrink */
    CHECK(filestat(fd).size == 8192);
    CHECK(__wasi_fd_sync((__wasi_fd_t)fd) == 0);
    CHECK(__wasi_fd_datasync((__wasi_fd_t)fd) == 0);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
    CHECK(close(fd) == 0);
    CHECK(__wasi_fd_sync((__wasi_fd_t)fd) == __WASI_ERRNO_BADF);
}

/* Narrowing works, widening is ENOTCAPABLE, a dropped right is gone. */
static void rights(void)
{
    int fd = make_file("/sb/r.txt", "data");
    __wasi_fdstat_t st = fdstat(fd);
    __wasi_rights_t all = st.fs_rights_base;
    __wasi_rights_t drop = __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_SYNC |
                           __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_WRITE |
                           __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_ADVISE;
    __wasi_filesize_t off;
    __wasi_size_t nw;
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    CHECK((all & drop) == drop);
    CHECK(__wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, all & ~drop,
                                      st.fs_rights_inheriting) == 0);
    st = fdstat(fd);
    CHECK(st.fs_rights_base == (all & ~drop));
    CHECK(__wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, all, 0) ==
          __WASI_ERRNO_NOTCAPABLE);
    CHECK(fdstat(fd).fs_rights_base == (all & ~drop)); /* unchanged */
    CHECK(__wasi_fd_seek((__wasi_fd_t)fd, 0, __WASI_WHENCE_SET, &off) ==
          __WASI_ERRNO_NOTCAPABLE);
    CHECK(__wasi_fd_tell((__wasi_fd_t)fd, &off) == 0 && off == 4);
    CHECK(__wasi_fd_sync((__wasi_fd_t)fd) == __WASI_ERRNO_NOTCAPABLE);
    CHECK(__wasi_fd_datasync((__wasi_fd_t)fd) == __WASI_ERRNO_NOTCAPABLE);
    CHECK(__wasi_fd_allocate((__wasi_fd_t)fd, 0, 1) == __WASI_ERRNO_NOTCAPABLE);
    CHECK(__wasi_fd_advise((__wasi_fd_t)fd, 0, 1, 0) ==
          __WASI_ERRNO_NOTCAPABLE);
    /* reads and writes without the right are EBADF (docs/wasi.md: deviations) */
    CHECK(__wasi_fd_write((__wasi_fd_t)fd, &iov, 1, &nw) == __WASI_ERRNO_BADF);
    CHECK(__wasi_fd_fdstat_set_rights((__wasi_fd_t)fd, 0, 0) == 0);
    CHECK(__wasi_fd_tell((__wasi_fd_t)fd, &off) == __WASI_ERRNO_NOTCAPABLE);
    CHECK(close(fd) == 0);
}

/* APPEND set on an open file sends later writes to the end. */
static void append_flag(void)
{
    char buf[16] = "";
    int fd = make_file("/sb/a.txt", "abc");
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK((fdstat(fd).fs_flags & __WASI_FDFLAGS_APPEND) == 0);
    CHECK(__wasi_fd_fdstat_set_flags((__wasi_fd_t)fd,
                                     __WASI_FDFLAGS_APPEND) == 0);
    CHECK(fdstat(fd).fs_flags == __WASI_FDFLAGS_APPEND);
    CHECK(write(fd, "de", 2) == 2 && tell(fd) == 5);
    CHECK(pread(fd, buf, sizeof buf, 0) == 5 && memcmp(buf, "abcde", 5) == 0);
    CHECK(__wasi_fd_fdstat_set_flags((__wasi_fd_t)fd, 0) == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "X", 1) == 1);
    CHECK(pread(fd, buf, sizeof buf, 0) == 5 && memcmp(buf, "Xbcde", 5) == 0);
    CHECK(__wasi_fd_fdstat_set_flags((__wasi_fd_t)fd, __WASI_FDFLAGS_SYNC) ==
          __WASI_ERRNO_NOTSUP);
    CHECK(close(fd) == 0);
}

static void read_back(const char *path, const char *want)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    CHECK(fd >= 0 && n == (ssize_t)strlen(want) && strcmp(buf, want) == 0);
    CHECK(close(fd) == 0);
}

/* fd_renumber moves an open file: the old number is closed; the new one
 * replaces what was there (a file, stdout, a preopen), as in wasmtime. */
static void renumber(void)
{
    int a = make_file("/sb/ra.txt", "A"), b = make_file("/sb/rb.txt", "B");
    int sb2 = preopen_fd("/sb2");
    __wasi_prestat_t ps;
    __wasi_size_t nw;
    __wasi_ciovec_t iov = {(const uint8_t *)"+out", 4};
    CHECK(__wasi_fd_renumber((__wasi_fd_t)a, (__wasi_fd_t)b) == 0);
    CHECK(__wasi_fd_close((__wasi_fd_t)a) == __WASI_ERRNO_BADF);
    CHECK(write(b, "a", 1) == 1); /* b now is ra.txt, at offset 1 */
    read_back("/sb/ra.txt", "Aa");
    read_back("/sb/rb.txt", "B");
    CHECK(__wasi_fd_renumber((__wasi_fd_t)b, (__wasi_fd_t)b) == 0);
    CHECK(__wasi_fd_renumber((__wasi_fd_t)b, 60) == __WASI_ERRNO_BADF);
    CHECK(__wasi_fd_renumber(61, (__wasi_fd_t)b) == __WASI_ERRNO_BADF);
    /* onto stdout: the guest's fd 1 is the file from now on */
    fflush(stdout);
    CHECK(__wasi_fd_renumber((__wasi_fd_t)b, 1) == 0);
    CHECK(__wasi_fd_write(1, &iov, 1, &nw) == 0 && nw == 4);
    read_back("/sb/ra.txt", "Aa+out");
    CHECK(fdstat(1).fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    /* onto a preopen: the directory is gone, the file is there */
    CHECK(__wasi_fd_renumber(1, (__wasi_fd_t)sb2) == 0);
    CHECK(__wasi_fd_prestat_get((__wasi_fd_t)sb2, &ps) == __WASI_ERRNO_BADF);
    CHECK(fdstat(sb2).fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
    CHECK(tell(sb2) == 6 && __wasi_fd_close((__wasi_fd_t)sb2) == 0);
    CHECK(__wasi_fd_write(1, &iov, 1, &nw) == __WASI_ERRNO_BADF);
}

static uint64_t realtime_ns(void)
{
    __wasi_timestamp_t t = 0;
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t) == 0);
    return t;
}

/* within 10 s of `now`: the file system's clock is coarser than ours */
static int near(uint64_t t, uint64_t now)
{
    return t + 10 * SEC > now && t < now + 10 * SEC;
}

/* fd_filestat_set_times: explicit times, one of them only, _NOW, and a
 * conflicting pair. */
static void fd_times(int fd, uint64_t t1, uint64_t t2)
{
    const __wasi_fstflags_t both = __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM;
    __wasi_filestat_t st;
    uint64_t now;
    CHECK(__wasi_fd_filestat_set_times((__wasi_fd_t)fd, t1, t2, both) == 0);
    st = filestat(fd);
    CHECK(st.atim == t1 && st.mtim == t2);
    CHECK(__wasi_fd_filestat_set_times((__wasi_fd_t)fd, 5, t1,
                                       __WASI_FSTFLAGS_MTIM) == 0);
    st = filestat(fd);
    CHECK(st.atim == t1 && st.mtim == t1); /* atime was left alone */
    now = realtime_ns();
    CHECK(__wasi_fd_filestat_set_times((__wasi_fd_t)fd, 0, 0,
                                       __WASI_FSTFLAGS_ATIM_NOW |
                                           __WASI_FSTFLAGS_MTIM_NOW) == 0);
    st = filestat(fd);
    CHECK(near(st.atim, now) && near(st.mtim, now));
    CHECK(__wasi_fd_filestat_set_times((__wasi_fd_t)fd, 1, 1,
                                       __WASI_FSTFLAGS_ATIM |
                                           __WASI_FSTFLAGS_ATIM_NOW) ==
          __WASI_ERRNO_INVAL);
}

/* path_filestat_set_times and path_filestat_get through a symlink,
 * followed (the target) and not (the link itself). */
static void times_and_links(void)
{
    const __wasi_fstflags_t both = __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM;
    const uint64_t t1 = 1000 * SEC + 123456789, t2 = 2000 * SEC + 987654321;
    int fd = make_file("/sb/t.txt", "times!"), sb = preopen_fd("/sb");
    __wasi_filestat_t st, lst;
    uint64_t now;
    fd_times(fd, t1, t2);
    CHECK(symlink("t.txt", "/sb/tl") == 0);
    CHECK(__wasi_path_filestat_set_times((__wasi_fd_t)sb,
                                         __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                                         "tl", t2, t1, both) == 0);
    st = filestat(fd);
    CHECK(st.atim == t2 && st.mtim == t1);
    CHECK(__wasi_path_filestat_set_times((__wasi_fd_t)sb, 0, "tl", t1, t2,
                                         both) == 0);
    CHECK(__wasi_path_filestat_get((__wasi_fd_t)sb, 0, "tl", &lst) == 0);
    CHECK(lst.filetype == __WASI_FILETYPE_SYMBOLIC_LINK && lst.size == 5);
    CHECK(lst.atim == t1 && lst.mtim == t2 && lst.ino != st.ino);
    st = filestat(fd); /* the target kept its times */
    CHECK(st.atim == t2 && st.mtim == t1);
    CHECK(__wasi_path_filestat_get((__wasi_fd_t)sb,
                                   __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "tl",
                                   &lst) == 0);
    CHECK(lst.filetype == __WASI_FILETYPE_REGULAR_FILE && lst.size == 6);
    CHECK(lst.ino == st.ino && lst.dev == st.dev && lst.mtim == t1);
    now = realtime_ns();
    CHECK(__wasi_path_filestat_set_times((__wasi_fd_t)sb, 0, "t.txt", 0, 0,
                                         __WASI_FSTFLAGS_ATIM_NOW |
                                             __WASI_FSTFLAGS_MTIM_NOW) == 0);
    CHECK(__wasi_path_filestat_get((__wasi_fd_t)sb, 0, "t.txt", &st) == 0);
    CHECK(near(st.atim, now) && near(st.mtim, now));
    CHECK(__wasi_path_filestat_set_times((__wasi_fd_t)sb, 0, "t.txt", 0, 0,
                                         __WASI_FSTFLAGS_MTIM |
                                             __WASI_FSTFLAGS_MTIM_NOW) ==
          __WASI_ERRNO_INVAL);
    CHECK(__wasi_path_filestat_get((__wasi_fd_t)sb, 0, "nope", &st) ==
          __WASI_ERRNO_NOENT);
    CHECK(close(fd) == 0);
}

int main(void)
{
    positioned_and_hints();
    rights();
    append_flag();
    renumber();
    times_and_links();
    fputs("fd_more ok\n", stderr); /* stdout is closed by now */
    return 0;
}
