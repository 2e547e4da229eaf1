/* fs_ops.c: files and directories through wasi-libc under the preopen
 * /sb: create, write, read, seek, append, truncate, stat, rename, link,
 * symlink, readdir with many entries, unlink, rmdir. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define MANY 1500

static void write_read_seek(void)
{
    char buf[64] = "";
    int fd = open("/sb/f.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world", 11) == 11);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    CHECK(read(fd, buf, sizeof buf) == 5 && memcmp(buf, "world", 5) == 0);
    CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(pwrite(fd, "J", 1, 0) == 1);
    CHECK(lseek(fd, -5, SEEK_END) == 6);
    CHECK(ftruncate(fd, 5) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5 && S_ISREG(st.st_mode));
    CHECK(close(fd) == 0);
    fd = open("/sb/f.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "!!", 2) == 2 && close(fd) == 0);
    FILE *f = fopen("/sb/f.txt", "r");
    CHECK(f && fgets(buf, sizeof buf, f) && strcmp(buf, "Jello!!") == 0);
    fclose(f);
    CHECK(open("/sb/f.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 &&
          errno == EEXIST);
    CHECK(open("/sb/missing", O_RDONLY) < 0 && errno == ENOENT);
}

static void names(void)
{
    struct stat st;
    char buf[64];
    CHECK(mkdir("/sb/d", 0755) == 0);
    CHECK(mkdir("/sb/d", 0755) < 0 && errno == EEXIST);
    CHECK(stat("/sb/d", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(rename("/sb/f.txt", "/sb/d/g.txt") == 0);
    CHECK(stat("/sb/f.txt", &st) < 0 && errno == ENOENT);
    CHECK(link("/sb/d/g.txt", "/sb/hard") == 0);
    CHECK(stat("/sb/hard", &st) == 0 && st.st_nlink == 2 && st.st_size == 7);
    CHECK(symlink("d/g.txt", "/sb/soft") == 0);
    CHECK(lstat("/sb/soft", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat("/sb/soft", &st) == 0 && S_ISREG(st.st_mode));
    ssize_t n = readlink("/sb/soft", buf, sizeof buf);
    CHECK(n == 7 && memcmp(buf, "d/g.txt", 7) == 0);
    CHECK(rmdir("/sb/d") < 0 && errno == ENOTEMPTY);
    CHECK(unlink("/sb/soft") == 0 && unlink("/sb/hard") == 0);
    CHECK(unlink("/sb/d/g.txt") == 0);
    CHECK(rmdir("/sb/d") == 0);
    CHECK(stat("/sb/d", &st) < 0 && errno == ENOENT);
    CHECK(unlink("/sb/missing") < 0 && errno == ENOENT);
}

static void many_entries(void)
{
    static char seen[MANY];
    char path[64];
    int count = 0, dots = 0;
    CHECK(mkdir("/sb/many", 0755) == 0);
    for (int i = 0; i < MANY; i++) {
        snprintf(path, sizeof path, "/sb/many/entry-with-a-long-name-%04d", i);
        int fd = open(path, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0 && close(fd) == 0);
    }
    DIR *d = opendir("/sb/many");
    struct dirent *e;
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        int i;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
            continue;
        }
        CHECK(sscanf(e->d_name, "entry-with-a-long-name-%d", &i) == 1);
        CHECK(i >= 0 && i < MANY && !seen[i] && e->d_type == DT_REG);
        seen[i] = 1;
        count++;
    }
    CHECK(count == MANY && dots == 2);
    rewinddir(d);
    CHECK(readdir(d) != NULL);
    closedir(d);
    for (int i = 0; i < MANY; i++) {
        snprintf(path, sizeof path, "/sb/many/entry-with-a-long-name-%04d", i);
        CHECK(unlink(path) == 0);
    }
    CHECK(rmdir("/sb/many") == 0);
}

/* Many descriptors open at once: the table grows past its first block
 * (inside the context) twice, and every descriptor keeps its file. */
static void many_open(void)
{
    enum { N = 40 };
    int fds[N];
    char path[64], c;
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "/sb/open-%02d", i);
        fds[i] = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
        CHECK(fds[i] >= 0);
        c = (char)('A' + i);
        CHECK(write(fds[i], &c, 1) == 1);
    }
    for (int i = 0; i < N; i++) {
        CHECK(lseek(fds[i], 0, SEEK_SET) == 0);
        CHECK(read(fds[i], &c, 1) == 1 && c == (char)('A' + i));
        CHECK(close(fds[i]) == 0);
        snprintf(path, sizeof path, "/sb/open-%02d", i);
        CHECK(unlink(path) == 0);
    }
}

int main(void)
{
    write_read_seek();
    names();
    many_entries();
    many_open();
    /* leave one file for the driver to check on the host side */
    FILE *f = fopen("/sb/out.txt", "w");
    CHECK(f && fputs("written by the guest\n", f) >= 0 && fclose(f) == 0);
    puts("fs_ops ok");
    return 0;
}
