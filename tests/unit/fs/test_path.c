/* test_path.c: unit tests of fs/path.c: every way out of a preopen (`..`,
 * absolute paths, symlinks of every kind and place, a racing swap of a
 * directory for a symlink) fails, against both resolvers. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs.h"

static char top[64];  /* the temp dir: root/ (the preopen), outside/ */
static int root = -1; /* the preopen */

static void at(const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", top, rel);
}

static void make_link(const char *target, const char *rel)
{
    char p[128];
    at(rel, p, sizeof p);
    cr_assert(eq(int, symlink(target, p), 0));
}

static void make_file(const char *rel, const char *text)
{
    char p[128];
    FILE *f;
    at(rel, p, sizeof p);
    f = fopen(p, "w");
    cr_assert(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void make_dir(const char *rel)
{
    char p[128];
    at(rel, p, sizeof p);
    cr_assert(eq(int, mkdir(p, 0755), 0));
}

static void setup(fs_resolver r)
{
    char p[128];
    fs_set_resolver(r);
    strcpy(top, "/tmp/lun_fs_XXXXXX");
    char *made = mkdtemp(top);
    cr_assert(made != NULL);
    make_dir("root");
    make_dir("root/dir");
    make_dir("outside");
    make_file("outside/secret", "secret");
    make_file("root/file", "inside");
    make_link("dir", "root/in");
    make_link("/etc", "root/abs");
    make_link("..", "root/up");
    make_link("../outside", "root/out");
    make_link("../../outside", "root/dir/deep");
    make_link("loop2", "root/loop1");
    make_link("loop1", "root/loop2");
    at("root", p, sizeof p);
    cr_assert(eq(int, fs_open_root(p, &root), 0));
}

static void setup_openat2(void) { setup(FS_RESOLVER_OPENAT2); }
static void setup_walk(void) { setup(FS_RESOLVER_WALK); }

static void teardown(void)
{
    char cmd[128];
    close(root);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    cr_expect(eq(int, system(cmd), 0));
    fs_set_resolver(FS_RESOLVER_AUTO);
}

/* Each test body runs once per resolver. */
#define BOTH(name)                                                         \
    static void name(void);                                                \
    Test(fs_path, name##_openat2, .init = setup_openat2, .fini = teardown) \
    {                                                                      \
        name();                                                            \
    }                                                                      \
    Test(fs_path, name##_walk, .init = setup_walk, .fini = teardown)       \
    {                                                                      \
        name();                                                            \
    }                                                                      \
    static void name(void)

TestSuite(fs_path, .timeout = 20);

/* fs_open's result, closing what it opened. */
static int try_open(const char *path, int oflags, unsigned flags)
{
    int fd = -1, rc = fs_open(root, path, oflags, 0644, flags, &fd);
    if (rc == 0)
        close(fd);
    return rc;
}

#define NOTCAP FS_ENOTCAPABLE
#define ERR(e) LUN_ERR_ERRNO(e)

BOTH(paths_inside_resolve)
{
    cr_expect(eq(int, try_open("file", O_RDONLY, 0), 0));
    cr_expect(eq(int, try_open("dir/../file", O_RDONLY, 0), 0));
    cr_expect(eq(int, try_open("in/../file", O_RDONLY, FS_FOLLOW), 0));
    cr_expect(eq(int, try_open("./dir/.", O_RDONLY | O_DIRECTORY, 0), 0));
    cr_expect(eq(int, try_open("in", O_RDONLY | O_DIRECTORY, FS_FOLLOW), 0));
    cr_expect(eq(int, try_open("dir//../file", O_RDONLY, 0), 0));
    cr_expect(eq(int, try_open("new", O_WRONLY | O_CREAT, 0), 0));
    cr_expect(eq(int, try_open("missing", O_RDONLY, 0), ERR(ENOENT)));
    cr_expect(eq(int, try_open("", O_RDONLY, 0), ERR(ENOENT)));
    cr_expect(eq(int, try_open("file/x", O_RDONLY, 0), ERR(ENOTDIR)));
}

BOTH(dotdot_and_absolute_paths_are_refused)
{
    cr_expect(eq(int, try_open("..", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("../outside/secret", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("dir/../../outside/secret", O_RDONLY, 0),
                 NOTCAP));
    cr_expect(eq(int, try_open("dir/../..", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("/etc/passwd", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("/", O_RDONLY, FS_FOLLOW), NOTCAP));
    cr_expect(eq(int, try_open("../root/file", O_RDONLY, 0), NOTCAP));
}

BOTH(symlinks_out_are_refused_wherever_they_are)
{
    cr_expect(eq(int, try_open("abs", O_RDONLY, FS_FOLLOW), NOTCAP));
    cr_expect(eq(int, try_open("abs/passwd", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("out", O_RDONLY, FS_FOLLOW), NOTCAP));
    cr_expect(eq(int, try_open("out/secret", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("dir/deep/secret", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("in/deep/secret", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("up/file", O_RDONLY, FS_FOLLOW), NOTCAP));
    cr_expect(eq(int, try_open("out/", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("out/../file", O_RDONLY, 0), NOTCAP));
    cr_expect(eq(int, try_open("out/secret", O_WRONLY | O_CREAT, 0), NOTCAP));
    /* not followed: the link itself is ELOOP, as O_NOFOLLOW */
    cr_expect(eq(int, try_open("out", O_RDONLY, 0), ERR(ELOOP)));
    cr_expect(eq(int, try_open("loop1", O_RDONLY, FS_FOLLOW), ERR(ELOOP)));
    cr_expect(eq(int, try_open("loop1/x", O_RDONLY, 0), ERR(ELOOP)));
}

/* The inode of fd, to tell which directory fs_parent returned. */
static ino_t inode(int fd)
{
    struct stat st;
    cr_assert(eq(int, fstat(fd, &st), 0));
    return st.st_ino;
}

static ino_t inode_at(const char *rel)
{
    struct stat st;
    char p[128];
    at(rel, p, sizeof p);
    cr_assert(eq(int, stat(p, &st), 0));
    return st.st_ino;
}

/* fs_parent(path): expect rc; on success the directory (as a path under
 * top) and the name. */
static void expect_parent(const char *path, unsigned flags, int rc,
                          const char *dir, const char *name)
{
    int d = -1;
    char *n = NULL;
    int got = fs_parent(root, path, flags, &d, &n);
    cr_expect(eq(int, got, rc), "fs_parent(%s)", path);
    if (got != 0)
        return;
    cr_expect(eq(str, n, (char *)name), "fs_parent(%s)", path);
    cr_expect(eq(u64, (uint64_t)inode(d), (uint64_t)inode_at(dir)),
              "fs_parent(%s)", path);
    close(d);
    free(n);
}

BOTH(parent_resolution)
{
    expect_parent("x", 0, 0, "root", "x");
    expect_parent("dir/x", 0, 0, "root/dir", "x");
    expect_parent("in/x", 0, 0, "root/dir", "x");
    expect_parent("dir/..", 0, 0, "root", ".");
    expect_parent(".", 0, 0, "root", ".");
    expect_parent("dir/", 0, 0, "root", "dir");
    expect_parent("abs", 0, 0, "root", "abs");   /* the link itself */
    expect_parent("in", FS_FOLLOW, 0, "root", "dir");
    expect_parent("dir/deep", 0, 0, "root/dir", "deep");
    expect_parent("abs", FS_FOLLOW, NOTCAP, NULL, NULL);
    expect_parent("out/", 0, NOTCAP, NULL, NULL);
    expect_parent("out/x", 0, NOTCAP, NULL, NULL);
    expect_parent("..", 0, NOTCAP, NULL, NULL);
    expect_parent("../x", 0, NOTCAP, NULL, NULL);
    expect_parent("/x", 0, NOTCAP, NULL, NULL);
    expect_parent("dir/deep", FS_FOLLOW, NOTCAP, NULL, NULL);
    expect_parent("loop1", FS_FOLLOW, ERR(ELOOP), NULL, NULL);
}

/* A trailing slash demands a directory. fs_open gives open(2)'s answer;
 * fs_parent with FS_KEEP_SLASH hands the slash on with the name, and
 * follows a symlink there only with FS_FOLLOW. */
BOTH(a_trailing_slash_demands_a_directory)
{
    make_link("file", "root/lf");
    cr_expect(eq(int, try_open("file/", O_RDONLY, 0), ERR(ENOTDIR)));
    cr_expect(eq(int, try_open("lf/", O_RDONLY, 0), ERR(ENOTDIR)));
    cr_expect(eq(int, try_open("lf/", O_RDONLY, FS_FOLLOW), ERR(ENOTDIR)));
    cr_expect(eq(int, try_open("new/", O_WRONLY | O_CREAT, 0), ERR(EISDIR)));
    cr_expect(eq(int, try_open("dir/", O_RDONLY, 0), 0));
    cr_expect(eq(int, try_open("in/", O_RDONLY, 0), 0));
    cr_expect(eq(int, try_open("in//", O_RDONLY | O_DIRECTORY, 0), 0));
    expect_parent("file/", FS_KEEP_SLASH, 0, "root", "file/");
    expect_parent("dir//", FS_KEEP_SLASH, 0, "root", "dir/");
    expect_parent("in/", FS_KEEP_SLASH, 0, "root", "in/");
    expect_parent("in/", FS_KEEP_SLASH | FS_FOLLOW, 0, "root", "dir/");
    expect_parent("lf/", FS_KEEP_SLASH | FS_FOLLOW, 0, "root", "file/");
    expect_parent("./", FS_KEEP_SLASH, 0, "root", ".");
    expect_parent("dir/./", FS_KEEP_SLASH, 0, "root/dir", ".");
    expect_parent("in/", 0, 0, "root", "dir"); /* the slash follows */
    expect_parent("out/", FS_KEEP_SLASH, 0, "root", "out/");
    expect_parent("out/", FS_KEEP_SLASH | FS_FOLLOW, NOTCAP, NULL, NULL);
    cr_expect(fs_ends_in_slash("a/"));
    cr_expect(not(fs_ends_in_slash("a/.")));
    cr_expect(not(fs_ends_in_slash("")));
}

/* {===== a race: a directory swapped for a symlink out, over and over */

static atomic_bool racing;

static void *swapper(void *arg)
{
    char dir[128], link[128], race[128];
    (void)arg;
    at("root/race_dir", dir, sizeof dir);
    at("root/race_link", link, sizeof link);
    at("root/race", race, sizeof race);
    while (atomic_load(&racing)) {
        rename(dir, race);
        rename(race, dir);
        rename(link, race);
        rename(race, link);
    }
    return NULL;
}

BOTH(a_racing_swap_never_leads_outside)
{
    pthread_t t;
    int inside = 0;
    make_dir("root/race_dir");
    make_file("root/race_dir/secret", "inside");
    make_link("../outside", "root/race_link");
    atomic_store(&racing, true);
    cr_assert(eq(int, pthread_create(&t, NULL, swapper, NULL), 0));
    for (int i = 0; i < 3000; i++) {
        char buf[16] = "";
        int fd = -1;
        if (fs_open(root, "race/secret", O_RDONLY, 0, FS_FOLLOW, &fd) != 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        cr_assert(n > 0 && strcmp(buf, "inside") == 0, "read '%s'", buf);
        inside++;
    }
    atomic_store(&racing, false);
    pthread_join(t, NULL);
    cr_log_info("%d of 3000 opens found the directory", inside);
}

/* }===== */
/* {===== subdirectories handed on as preopens (config_preopen_dir) */

/* fs_fd_path of the directory opened at path beneath the preopen. */
static int subdir_path(const char *path, char *out, size_t n)
{
    int fd = -1, rc = fs_open_subdir(root, path, &fd);
    if (rc == 0) {
        rc = fs_fd_path(fd, out, n);
        close(fd);
    }
    return rc;
}

BOTH(subdirs_open_where_they_really_are)
{
    char want[160], got[160], real[PATH_MAX];
    at("root/dir", want, sizeof want);
    cr_assert(realpath(want, real) != NULL); /* /tmp may be a symlink */
    cr_expect(eq(int, subdir_path("dir", got, sizeof got), 0));
    cr_expect(eq(str, got, real));
    cr_expect(eq(int, subdir_path("in", got, sizeof got), 0));
    cr_expect(eq(str, got, real)); /* the symlink, resolved */
    cr_expect(eq(int, subdir_path("dir/..", got, sizeof got), 0));
    cr_expect(eq(int, subdir_path("out", got, sizeof got), NOTCAP));
    cr_expect(eq(int, subdir_path("abs", got, sizeof got), NOTCAP));
    cr_expect(eq(int, subdir_path("..", got, sizeof got), NOTCAP));
    cr_expect(eq(int, subdir_path("file", got, sizeof got), ERR(ENOTDIR)));
    cr_expect(eq(int, fs_fd_path(root, got, 4), ERR(ENAMETOOLONG)));
}

/* }===== */

Test(fs_path, the_resolver_can_be_chosen)
{
    fs_set_resolver(FS_RESOLVER_WALK);
    cr_expect(eq(int, fs_resolver_in_use(), FS_RESOLVER_WALK));
    fs_set_resolver(FS_RESOLVER_OPENAT2);
    /* openat2 unless the kernel lacks it (then the walk) */
    cr_expect(ne(int, fs_resolver_in_use(), FS_RESOLVER_AUTO));
    fs_set_resolver(FS_RESOLVER_AUTO);
}
