/* path_rules.c: what the path calls answer for a trailing slash, for
 * symlinks to absolute paths and for a directory opened to be written,
 * errno by errno. The driver builds the tree (see tests/wasi/run.sh): in
 * the preopen /sb, file ("inside"), dir/, lf -> file, ld -> dir, and two
 * symlinks made on the host: abs_out -> /etc/passwd and abs_in -> the
 * host path of /sb/file. The driver then checks the tree is as it was,
 * apart from what the last lines here leave. */
#include <stdbool.h>
#include <wasi/api.h>

#include "check.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define NOTDIR __WASI_ERRNO_NOTDIR
#define ISDIR __WASI_ERRNO_ISDIR
#define PERM __WASI_ERRNO_PERM
#define NOENT __WASI_ERRNO_NOENT

static __wasi_fd_t root; /* the preopen "/sb": sandbox_root() */


/* path_open beneath the root; the new fd is closed again at once. */
static __wasi_errno_t open_at(const char *path, __wasi_lookupflags_t lf,
                              __wasi_oflags_t of, __wasi_rights_t rights)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(root, lf, path, of, rights, 0, 0, &fd);
    if (e == 0)
        CHECK(__wasi_fd_close(fd) == 0);
    return e;
}

static __wasi_filetype_t type_of(const char *path)
{
    __wasi_filestat_t st;
    CHECK(__wasi_path_filestat_get(root, 0, path, &st) == 0);
    return st.filetype;
}

static bool exists(const char *path)
{
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(root, 0, path, &st);
    CHECK(e == 0 || e == NOENT);
    return e == 0;
}

/* "file/" and "lf/" (a symlink to a file) name no directory: every call
 * refuses them with ENOTDIR and changes nothing. */
static void file_with_slash(void)
{
    static const char *const paths[] = {"file/", "lf/", "file//"};
    const __wasi_timestamp_t old = 1234000000000ull; /* 1234 s, in ns */
    __wasi_filestat_t st;
    CHECK(__wasi_path_filestat_set_times(root, 0, "file", old, old,
                                         __WASI_FSTFLAGS_ATIM |
                                             __WASI_FSTFLAGS_MTIM) == 0);
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        const char *p = paths[i];
        CHECK(__wasi_path_unlink_file(root, p) == NOTDIR);
        CHECK(__wasi_path_remove_directory(root, p) == NOTDIR);
        CHECK(__wasi_path_rename(root, p, root, "moved") == NOTDIR);
        CHECK(__wasi_path_link(root, 0, p, root, "hard") == NOTDIR);
        CHECK(__wasi_path_link(root, FOLLOW, p, root, "hard") == NOTDIR);
        CHECK(__wasi_path_symlink("file", root, p) == NOTDIR);
        CHECK(open_at(p, 0, 0, __WASI_RIGHTS_FD_READ) == NOTDIR);
        CHECK(open_at(p, FOLLOW, 0, __WASI_RIGHTS_FD_READ) == NOTDIR);
        CHECK(__wasi_path_filestat_get(root, 0, p, &st) == NOTDIR);
        CHECK(__wasi_path_filestat_get(root, FOLLOW, p, &st) == NOTDIR);
        CHECK(__wasi_path_filestat_set_times(root, 0, p, 0, 0,
                                             __WASI_FSTFLAGS_MTIM_NOW) ==
              NOTDIR);
        CHECK(__wasi_path_filestat_set_times(root, FOLLOW, p, 0, 0,
                                             __WASI_FSTFLAGS_MTIM_NOW) ==
              NOTDIR);
    }
    /* a file renamed onto "x/" is refused the same way */
    CHECK(__wasi_path_rename(root, "file", root, "moved/") == NOTDIR);
    /* with O_CREAT a slash is EISDIR, as open(2) says, and makes nothing */
    CHECK(open_at("new/", 0, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE) ==
          ISDIR);
    CHECK(!exists("new") && !exists("moved") && !exists("hard"));
    CHECK(__wasi_path_filestat_get(root, 0, "file", &st) == 0 &&
          st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.size == 7 &&
          st.mtim == old);
    CHECK(type_of("lf") == __WASI_FILETYPE_SYMBOLIC_LINK);
    /* without the slash, the same calls work */
    CHECK(open_at("lf", FOLLOW, 0, __WASI_RIGHTS_FD_READ) == 0);
    CHECK(__wasi_path_filestat_get(root, FOLLOW, "lf", &st) == 0 &&
          st.filetype == __WASI_FILETYPE_REGULAR_FILE);
}

/* Directories keep taking a trailing slash. A symlink to one ("ld/") is
 * followed where a call looks the path up (open, stat); where it acts on
 * the name itself (unlink, rmdir) the name is the link, no directory. */
static void dir_with_slash(void)
{
    __wasi_filestat_t st;
    CHECK(__wasi_path_create_directory(root, "d/") == 0);
    CHECK(type_of("d") == __WASI_FILETYPE_DIRECTORY);
    CHECK(__wasi_path_filestat_get(root, 0, "d/", &st) == 0 &&
          st.filetype == __WASI_FILETYPE_DIRECTORY);
    CHECK(open_at("d/", 0, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR) ==
          0);
    CHECK(open_at("ld/", 0, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR) ==
          0);
    CHECK(__wasi_path_filestat_get(root, 0, "ld/", &st) == 0 &&
          st.filetype == __WASI_FILETYPE_DIRECTORY);
    CHECK(__wasi_path_unlink_file(root, "d/") == ISDIR);
    CHECK(__wasi_path_unlink_file(root, "ld/") == NOTDIR);
    CHECK(__wasi_path_remove_directory(root, "ld/") == NOTDIR);
    CHECK(type_of("dir") == __WASI_FILETYPE_DIRECTORY);
    CHECK(__wasi_path_rename(root, "d/", root, "e/") == 0);
    CHECK(!exists("d") && type_of("e") == __WASI_FILETYPE_DIRECTORY);
    CHECK(__wasi_path_remove_directory(root, "e/") == 0);
    CHECK(!exists("e"));
}

/* A symlink may not hold an absolute path: the guest cannot make one
 * (EPERM, as wasmtime), and one made on the host is not read back, so
 * the host's paths stay hidden. Relative ones work as before. */
static void absolute_symlinks(void)
{
    uint8_t buf[64];
    __wasi_size_t used = 99;
    CHECK(__wasi_path_symlink("/", root, "to_root") == PERM);
    CHECK(__wasi_path_symlink("/etc/passwd", root, "to_passwd") == PERM);
    CHECK(!exists("to_root") && !exists("to_passwd"));
    memset(buf, 0xAA, sizeof buf);
    CHECK(__wasi_path_readlink(root, "abs_out", buf, sizeof buf, &used) ==
          PERM);
    CHECK(__wasi_path_readlink(root, "abs_in", buf, sizeof buf, &used) ==
          PERM);
    CHECK(used == 99 && buf[0] == 0xAA && buf[sizeof buf - 1] == 0xAA);
    CHECK(__wasi_path_symlink("file", root, "rel") == 0);
    CHECK(__wasi_path_readlink(root, "rel", buf, sizeof buf, &used) == 0 &&
          used == 4 && memcmp(buf, "file", 4) == 0);
    CHECK(__wasi_path_unlink_file(root, "rel") == 0);
}

/* A directory, the preopen included, opened with a right that writes or
 * with O_TRUNC: EISDIR. Reading it is fine. */
static void directory_for_writing(void)
{
    static const char *const dirs[] = {".", "dir", "ld", "./"};
    static const __wasi_rights_t writing[] = {
        __WASI_RIGHTS_FD_WRITE, __WASI_RIGHTS_FD_ALLOCATE,
        __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, __WASI_RIGHTS_FD_DATASYNC,
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        const char *d = dirs[i];
        for (size_t j = 0; j < sizeof writing / sizeof *writing; j++) {
            CHECK(open_at(d, FOLLOW, 0, writing[j]) == ISDIR);
            CHECK(open_at(d, FOLLOW, __WASI_OFLAGS_DIRECTORY, writing[j]) ==
                  ISDIR);
        }
        CHECK(open_at(d, FOLLOW, __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ) ==
              ISDIR);
        CHECK(open_at(d, FOLLOW, __WASI_OFLAGS_DIRECTORY,
                      __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_READ) == 0);
    }
    CHECK(open_at("file", 0, 0, __WASI_RIGHTS_FD_WRITE) == 0);
}

int main(void)
{
    root = sandbox_root();
    file_with_slash();
    dir_with_slash();
    absolute_symlinks();
    directory_for_writing();
    puts("path_rules ok");
    return 0;
}
