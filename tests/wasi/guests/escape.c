/* escape.c: paths that would leave the preopen fail, through every WASI
 * call that takes one; paths that stay inside work. The driver builds
 * the tree (see tests/wasi/run.sh): in the preopen, file, dir/, in ->
 * dir, abs -> /etc, up -> .., out -> ../outside, dir/deep -> ../../outside,
 * loop1 <-> loop2; next to it, outside/secret. */
#include <wasi/api.h>

#include "check.h"

#define NOTCAP __WASI_ERRNO_NOTCAPABLE
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static __wasi_fd_t root; /* the preopen "/sb": sandbox_root() */

static __wasi_errno_t open_at(const char *path, __wasi_lookupflags_t lf)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(root, lf, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (e == 0)
        CHECK(__wasi_fd_close(fd) == 0);
    return e;
}


int main(void)
{
    __wasi_filestat_t st;
    root = sandbox_root();
    /* inside: fine */
    CHECK(open_at("file", 0) == 0);
    CHECK(open_at("dir/../file", 0) == 0);
    CHECK(open_at("in/../file", FOLLOW) == 0);
    CHECK(open_at("./dir/./", 0) == 0);
    CHECK(open_at("up/file", FOLLOW) == NOTCAP); /* up -> .. of the root */
    /* `..` leaving, absolute paths */
    CHECK(open_at("..", 0) == NOTCAP);
    CHECK(open_at("../outside/secret", 0) == NOTCAP);
    CHECK(open_at("dir/../../outside/secret", 0) == NOTCAP);
    CHECK(open_at("/etc/passwd", 0) == NOTCAP);
    CHECK(open_at("/", FOLLOW) == NOTCAP);
    /* symlinks out: absolute, relative, as the last component or in the
     * middle, followed; not followed, the last one is ELOOP */
    CHECK(open_at("abs", FOLLOW) == NOTCAP);
    CHECK(open_at("abs/passwd", 0) == NOTCAP);
    CHECK(open_at("out/secret", 0) == NOTCAP);
    CHECK(open_at("out", FOLLOW) == NOTCAP);
    CHECK(open_at("dir/deep/secret", FOLLOW) == NOTCAP);
    CHECK(open_at("in/../out/secret", FOLLOW) == NOTCAP);
    CHECK(open_at("out", 0) == __WASI_ERRNO_LOOP);
    CHECK(open_at("loop1", FOLLOW) == __WASI_ERRNO_LOOP);
    /* other calls that resolve paths */
    CHECK(__wasi_path_filestat_get(root, FOLLOW, "out/secret", &st) == NOTCAP);
    CHECK(__wasi_path_filestat_get(root, FOLLOW, "abs", &st) == NOTCAP);
    CHECK(__wasi_path_filestat_get(root, 0, "abs", &st) == 0 &&
          st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK(__wasi_path_create_directory(root, "../made") == NOTCAP);
    CHECK(__wasi_path_create_directory(root, "out/made") == NOTCAP);
    CHECK(__wasi_path_unlink_file(root, "out/secret") == NOTCAP);
    CHECK(__wasi_path_remove_directory(root, "../outside") == NOTCAP);
    CHECK(__wasi_path_rename(root, "file", root, "../stolen") == NOTCAP);
    CHECK(__wasi_path_rename(root, "out/secret", root, "here") == NOTCAP);
    CHECK(__wasi_path_link(root, FOLLOW, "out/secret", root, "hl") == NOTCAP);
    CHECK(__wasi_path_link(root, 0, "file", root, "dir/deep/x") == NOTCAP);
    CHECK(__wasi_path_symlink("file", root, "out/x") == NOTCAP);
    CHECK(__wasi_path_filestat_set_times(root, FOLLOW, "out/secret", 0, 0,
                                         __WASI_FSTFLAGS_MTIM_NOW) == NOTCAP);
    uint8_t buf[64];
    __wasi_size_t used;
    CHECK(__wasi_path_readlink(root, "out/x", buf, sizeof buf, &used) ==
          NOTCAP);
    /* a relative symlink may point anywhere, it is following it out that
     * is refused; an absolute one is neither made nor read (EPERM) */
    CHECK(__wasi_path_symlink("../outside/secret", root, "made_out") == 0);
    CHECK(open_at("made_out", FOLLOW) == NOTCAP);
    CHECK(__wasi_path_readlink(root, "made_out", buf, sizeof buf, &used) == 0 &&
          used == 17);
    CHECK(__wasi_path_symlink("/etc/passwd", root, "made_abs") ==
          __WASI_ERRNO_PERM);
    CHECK(__wasi_path_readlink(root, "abs", buf, sizeof buf, &used) ==
          __WASI_ERRNO_PERM);
    puts("escape ok");
    return 0;
}
