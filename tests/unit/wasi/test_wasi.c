/* test_wasi.c: unit tests of the WASI layer (the wasi/ files): each function is
 * called directly on a fake guest memory, with good and wild pointers. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define MEM_SIZE 65536u

/* Criterion's str type is char *; the literals here are const. */
#define EXPECT_STR(a, b) cr_expect(eq(str, (char *)(a), (char *)(b)))

static uint8_t *bytes;
static wasi_mem_t mem;
static wasi_ctx_t *ctx;
static int pipe_fds[2] = {-1, -1};

static void setup(void)
{
    static const char *const argv[] = {"app.wasm", "-x", "hello world"};
    static const char *const env[] = {"A=1", "PATH=/bin"};
    wasi_options_t o = {.argv = argv, .argc = 3, .env = env, .envc = 2};
    bytes = calloc(1, MEM_SIZE);
    cr_assert(bytes != NULL);
    mem = (wasi_mem_t){bytes, MEM_SIZE};
    cr_assert(eq(int, wasi_ctx_new(&o, &ctx), 0));
    /* guest stdout goes into a pipe the tests read back */
    cr_assert(eq(int, pipe(pipe_fds), 0));
    ctx->fds[1].host_fd = pipe_fds[1];
}

static void teardown(void)
{
    wasi_ctx_free(ctx);
    free(bytes);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

TestSuite(wasi, .init = setup, .fini = teardown, .timeout = 10);

/* Everything written to the pipe so far (the write end stays open). */
static size_t drain_pipe(char *buf, size_t cap)
{
    ssize_t n;
    close(pipe_fds[1]);
    pipe_fds[1] = -1;
    n = read(pipe_fds[0], buf, cap);
    return n < 0 ? 0 : (size_t)n;
}

static void put_iovec(uint32_t at, uint32_t ptr, uint32_t len)
{
    wasi__store_u32(bytes + at, ptr);
    wasi__store_u32(bytes + at + 4, len);
}

/* {===== the bounds check */

Test(wasi, mem_range_accepts_exactly_the_memory)
{
    cr_expect(eq(ptr, wasi__mem_range(&mem, 0, MEM_SIZE), bytes));
    cr_expect(eq(ptr, wasi__mem_range(&mem, MEM_SIZE, 0), bytes + MEM_SIZE));
    cr_expect(eq(ptr, wasi__mem_range(&mem, MEM_SIZE - 4, 4),
                 bytes + MEM_SIZE - 4));
    cr_expect(eq(ptr, wasi__mem_range(&mem, MEM_SIZE - 3, 4), NULL));
    cr_expect(eq(ptr, wasi__mem_range(&mem, MEM_SIZE + 1, 0), NULL));
    cr_expect(eq(ptr, wasi__mem_range(&mem, 0, MEM_SIZE + 1), NULL));
}

Test(wasi, mem_range_rejects_wrapping_sums)
{
    cr_expect(eq(ptr, wasi__mem_range(&mem, UINT32_MAX, UINT32_MAX), NULL));
    cr_expect(eq(ptr, wasi__mem_range(&mem, 8, UINT64_MAX - 4), NULL));
    cr_expect(eq(ptr, wasi__mem_range(&mem, UINT64_MAX, 2), NULL));
}

Test(wasi, mem_range_without_memory_is_always_a_fault)
{
    wasi_mem_t none = {NULL, 0};
    cr_expect(eq(ptr, wasi__mem_range(&none, 0, 0), NULL));
    cr_expect(eq(u32, wasi__args_sizes_get(ctx, &none, 0, 4), WASI_EFAULT));
}

/* }===== */
/* {===== args and environ */

Test(wasi, args_sizes_counts_nul_bytes)
{
    cr_assert(eq(u32, wasi__args_sizes_get(ctx, &mem, 100, 104), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 100), 3));
    cr_expect(eq(u32, wasi__load_u32(bytes + 104), 9 + 3 + 12));
}

Test(wasi, args_get_lays_out_pointers_and_strings)
{
    cr_assert(eq(u32, wasi__args_get(ctx, &mem, 200, 1000), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 200), 1000));
    cr_expect(eq(u32, wasi__load_u32(bytes + 204), 1009));
    cr_expect(eq(u32, wasi__load_u32(bytes + 208), 1012));
    EXPECT_STR((char *)bytes + 1000, "app.wasm");
    EXPECT_STR((char *)bytes + 1009, "-x");
    EXPECT_STR((char *)bytes + 1012, "hello world");
}

Test(wasi, args_get_faults_on_wild_pointers_and_writes_nothing)
{
    cr_expect(eq(u32, wasi__args_get(ctx, &mem, 0xfffffff0u, 1000),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__args_get(ctx, &mem, 200, MEM_SIZE - 23),
                 WASI_EFAULT)); /* the strings need 24 bytes */
    cr_expect(eq(u32, wasi__args_get(ctx, &mem, MEM_SIZE - 8, 1000),
                 WASI_EFAULT)); /* three pointers need 12 */
    cr_expect(eq(u32, wasi__args_sizes_get(ctx, &mem, MEM_SIZE - 2, 0),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__args_sizes_get(ctx, &mem, 0, UINT32_MAX),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__load_u32(bytes + 200), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 0), 0));
    cr_expect(eq(u32, wasi__args_get(ctx, &mem, 200, MEM_SIZE - 24), 0));
}

Test(wasi, environ_round_trips)
{
    cr_assert(eq(u32, wasi__environ_sizes_get(ctx, &mem, 0, 4), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 0), 2));
    cr_expect(eq(u32, wasi__load_u32(bytes + 4), 4 + 10));
    cr_assert(eq(u32, wasi__environ_get(ctx, &mem, 16, 64), 0));
    EXPECT_STR((char *)bytes + wasi__load_u32(bytes + 16), "A=1");
    EXPECT_STR((char *)bytes + wasi__load_u32(bytes + 20), "PATH=/bin");
    cr_expect(eq(u32, wasi__environ_get(ctx, &mem, 16, UINT32_MAX - 3),
                 WASI_EFAULT));
}

/* }===== */
/* {===== fd_write and friends */

Test(wasi, fd_write_gathers_iovecs)
{
    char out[64] = "";
    memcpy(bytes + 1000, "Hello, ", 7);
    memcpy(bytes + 2000, "world\n", 6);
    put_iovec(100, 1000, 7);
    put_iovec(108, 2000, 0); /* an empty iovec is fine */
    put_iovec(116, 2000, 6);
    cr_assert(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 3, 50), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 50), 13));
    cr_expect(eq(sz, drain_pipe(out, sizeof out), 13));
    EXPECT_STR(out, "Hello, world\n");
}

Test(wasi, fd_write_faults_on_bad_iovecs_and_writes_nothing)
{
    char out[64];
    put_iovec(100, 1000, 5);
    put_iovec(108, MEM_SIZE - 2, 3);            /* buffer runs off the end */
    put_iovec(116, 0xfffffff0u, 0x20);          /* wraps in 32 bits */
    put_iovec(124, 16, UINT32_MAX);             /* length too long */
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 2, 50), WASI_EFAULT));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 116, 1, 50), WASI_EFAULT));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 124, 1, 50), WASI_EFAULT));
    /* the iovec array itself out of range, or absurdly long */
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, MEM_SIZE - 4, 1, 50),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, UINT32_MAX, 50),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 0xfffffff8u, 1, 50),
                 WASI_EFAULT));
    /* a good iovec with a bad result pointer */
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 1, MEM_SIZE - 3),
                 WASI_EFAULT));
    cr_expect(eq(sz, drain_pipe(out, sizeof out), 0));
}

Test(wasi, fd_write_rejects_bad_fds)
{
    put_iovec(100, 1000, 1);
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 0, 100, 1, 50), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 3, 100, 1, 50), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, UINT32_MAX, 100, 1, 50),
                 WASI_EBADF));
}

Test(wasi, fd_close_hides_the_fd)
{
    put_iovec(100, 1000, 1);
    cr_expect(eq(u32, wasi__fd_close(ctx, 1), 0));
    cr_expect(eq(u32, wasi__fd_close(ctx, 1), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 1, 50), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_close(ctx, 3), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_fdstat_get(ctx, &mem, 1, 0), WASI_EBADF));
}

Test(wasi, fd_seek_on_stdio_is_espipe)
{
    cr_expect(eq(u32, wasi__fd_seek(ctx, &mem, 1, 0, WASI_WHENCE_CUR, 8),
                 WASI_ESPIPE));
    cr_expect(eq(u32, wasi__fd_seek(ctx, &mem, 1, 0, 3, 8), WASI_EINVAL));
    cr_expect(eq(u32, wasi__fd_seek(ctx, &mem, 7, 0, 0, 8), WASI_EBADF));
    cr_expect(eq(u32, wasi__fd_seek(ctx, &mem, 1, 0, 0, MEM_SIZE - 7),
                 WASI_EFAULT));
}

Test(wasi, fd_fdstat_get_describes_stdio)
{
    memset(bytes + 64, 0xaa, WASI_FDSTAT_SIZE);
    cr_assert(eq(u32, wasi__fd_fdstat_get(ctx, &mem, 1, 64), 0));
    cr_expect(eq(u8, bytes[64], WASI_FILETYPE_UNKNOWN)); /* a pipe */
    cr_expect(eq(u8, bytes[66], 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 72),
                 (uint32_t)(WASI_RIGHT_FD_WRITE | WASI_RIGHT_POLL_FD_READWRITE |
                            WASI_RIGHT_FD_FILESTAT_GET)));
    cr_expect(eq(u32, wasi__load_u32(bytes + 80), 0));
    cr_expect(eq(u32, wasi__fd_fdstat_get(ctx, &mem, 2, MEM_SIZE - 23),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__fd_fdstat_get(ctx, &mem, 9, 64), WASI_EBADF));
}

/* }===== */
/* {===== clocks, random, exit */

static uint64_t load_u64(const uint8_t *p)
{
    return wasi__load_u32(p) | (uint64_t)wasi__load_u32(p + 4) << 32;
}

Test(wasi, clock_time_get_reads_every_clock)
{
    for (uint32_t id = 0; id <= WASI_CLOCK_THREAD_CPUTIME; id++) {
        cr_expect(eq(u32, wasi__clock_time_get(&mem, id, 1, 8), 0));
        cr_expect(eq(u32, wasi__clock_res_get(&mem, id, 16), 0));
        cr_expect(gt(u64, load_u64(bytes + 16), 0));
    }
    cr_assert(eq(u32, wasi__clock_time_get(&mem, WASI_CLOCK_REALTIME, 1, 8),
                 0));
    /* after 2020-01-01, in nanoseconds */
    cr_expect(gt(u64, load_u64(bytes + 8), UINT64_C(1577836800) * 1000000000));
}

Test(wasi, clock_time_get_monotonic_does_not_go_back)
{
    uint64_t a, b;
    cr_assert(eq(u32, wasi__clock_time_get(&mem, WASI_CLOCK_MONOTONIC, 0, 0),
                 0));
    a = load_u64(bytes);
    cr_assert(eq(u32, wasi__clock_time_get(&mem, WASI_CLOCK_MONOTONIC, 0, 0),
                 0));
    b = load_u64(bytes);
    cr_expect(ge(u64, b, a));
}

Test(wasi, clock_errors)
{
    cr_expect(eq(u32, wasi__clock_time_get(&mem, 4, 0, 0), WASI_EINVAL));
    cr_expect(eq(u32, wasi__clock_res_get(&mem, UINT32_MAX, 0), WASI_EINVAL));
    cr_expect(eq(u32, wasi__clock_time_get(&mem, 0, 0, MEM_SIZE - 7),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__clock_res_get(&mem, 1, UINT32_MAX), WASI_EFAULT));
}

Test(wasi, random_get_fills_the_buffer)
{
    int nonzero = 0;
    cr_assert(eq(u32, wasi__random_get(ctx, &mem, 100, 1000), 0));
    for (int i = 100; i < 1100; i++)
        nonzero += bytes[i] != 0;
    cr_expect(gt(int, nonzero, 900));
    cr_expect(eq(u8, bytes[99], 0));
    cr_expect(eq(u8, bytes[1100], 0));
    cr_expect(eq(u32, wasi__random_get(ctx, &mem, 0, MEM_SIZE), 0));
    cr_expect(eq(u32, wasi__random_get(ctx, &mem, MEM_SIZE, 0), 0));
}

/* A request longer than a piece blocks between pieces (a deadline already
 * due) and, re-invoked as the scheduler does, goes on where it stopped:
 * every byte filled, none twice over a pattern, none outside. */
Test(wasi, random_get_long_request_goes_in_pieces)
{
    enum { BIG = 3 * 1024 * 1024 + 123 };
    uint8_t *big = calloc(1, BIG + 16);
    cr_assert(big != NULL);
    wasi_mem_t m = {big, BIG + 16};
    uint32_t rc;
    int calls = 0;
    while ((rc = wasi__random_get(ctx, &m, 8, BIG)) == WASI__BLOCK) {
        ctx->blocked = true; /* what link.c's finish() records */
        wasi_wait_t w;
        cr_assert(wasi_ctx_waiting(ctx, &w) && w.has_deadline && w.nfds == 0);
        cr_assert(le(u64, w.deadline_ns, wasi_monotonic_ns()));
        calls++;
    }
    ctx->blocked = false;
    cr_assert(eq(u32, rc, WASI_ESUCCESS));
    cr_expect(ge(int, calls, 10), "filled in %d calls", calls + 1);
    size_t zeros = 0;
    for (size_t i = 8; i < 8 + (size_t)BIG; i++)
        zeros += big[i] == 0;
    cr_expect(lt(sz, zeros, (size_t)BIG / 128)); /* ~1/256 expected */
    for (size_t i = 0; i < 8; i++)
        cr_expect(eq(u8, big[i], 0));
    for (size_t i = 8 + BIG; i < BIG + 16; i++)
        cr_expect(eq(u8, big[i], 0));
    free(big);
}

Test(wasi, random_get_faults_out_of_range)
{
    cr_expect(eq(u32, wasi__random_get(ctx, &mem, MEM_SIZE - 10, 11), WASI_EFAULT));
    cr_expect(eq(u32, wasi__random_get(ctx, &mem, 0xffffff00u, 0x1000),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__random_get(ctx, &mem, 1, UINT32_MAX), WASI_EFAULT));
}

Test(wasi, proc_exit_records_the_code)
{
    uint32_t code = 0;
    cr_expect(not(wasi_ctx_exited(ctx, &code)));
    wasi__proc_exit(ctx, 42);
    cr_expect(wasi_ctx_exited(ctx, &code));
    cr_expect(eq(u32, code, 42));
}

Test(wasi, ctx_copies_strings_and_preopens)
{
    static const char *const argv[] = {"x"};
    wasi_preopen_t pre[] = {{".", "."}, {"/tmp", "/sandbox"}};
    wasi_options_t o = {.argv = argv, .argc = 1, .preopens = pre,
                        .npreopens = 2};
    wasi_ctx_t *c;
    cr_assert(eq(int, wasi_ctx_new(&o, &c), 0));
    cr_expect(eq(u32, c->npreopens, 2));
    EXPECT_STR((char *)c->preopens[1].guest_path, "/sandbox");
    cr_expect(ne(ptr, (void *)c->preopens[1].host_path,
                 (void *)pre[1].host_path));
    cr_expect(eq(u32, c->envc, 0));
    wasi_ctx_free(c);
}

Test(wasi, ctx_borrows_strings_and_shares_preopen_fds)
{
    static const char *const argv[] = {"x", "yz"};
    static const char *const env[] = {"K=V"};
    wasi_preopen_t pre[] = {{"/nonexistent/not-opened", "/sandbox"}};
    int dir = -1;
    cr_assert(eq(int, wasi_open_dir("/tmp", &dir), 0));
    int fds[] = {dir};
    wasi_options_t o = {.argv = argv, .argc = 2, .env = env, .envc = 1,
                        .preopens = pre, .npreopens = 1, .preopen_fds = fds,
                        .borrow = true};
    wasi_ctx_t *c, *d;
    cr_assert(eq(int, wasi_ctx_new(&o, &c), 0));
    cr_assert(eq(int, wasi_ctx_new(&o, &d), 0));
    cr_expect(eq(ptr, (void *)c->argv, (void *)argv)); /* not copied */
    cr_expect(eq(u64, c->argv_bytes, 5));
    cr_expect(eq(u64, c->env_bytes, 4));
    cr_expect(eq(int, c->fds[3].host_fd, dir));
    cr_expect(eq(int, d->fds[3].host_fd, dir));
    EXPECT_STR(c->fds[3].preopen_name, "/sandbox");
    /* the guest closing it, or freeing the context, leaves the fd open */
    cr_expect(eq(u32, wasi__fd_close(c, 3), WASI_ESUCCESS));
    wasi_ctx_free(c);
    cr_expect(eq(int, fcntl(dir, F_GETFD) >= 0, 1));
    wasi_ctx_free(d);
    cr_expect(eq(int, fcntl(dir, F_GETFD) >= 0, 1));
    close(dir);
}

Test(wasi, ctx_fails_cleanly_on_a_missing_preopen)
{
    wasi_preopen_t pre[] = {{"/nonexistent/lunatic-test", "/x"}};
    wasi_options_t o = {.preopens = pre, .npreopens = 1};
    wasi_ctx_t *c = NULL;
    cr_expect(eq(int, wasi_ctx_new(&o, &c), LUN_ERR_ERRNO(ENOENT)));
    cr_expect(eq(ptr, c, NULL));
}

/* }===== */
/* {===== blocking: stdin, poll_oneoff */

Test(wasi, fd_read_on_an_empty_pipe_blocks_then_completes)
{
    int p[2];
    wasi_wait_t w;
    cr_assert(eq(int, pipe(p), 0));
    ctx->fds[0].host_fd = p[0];
    put_iovec(100, 1000, 16);
    cr_assert(eq(u32, wasi__fd_read(ctx, &mem, 0, 100, 1, 50), WASI__BLOCK));
    ctx->blocked = true; /* what link.c does with WASI__BLOCK */
    cr_assert(wasi_ctx_waiting(ctx, &w));
    cr_expect(eq(u32, w.nfds, 1));
    cr_expect(eq(int, w.fds[0].host_fd, p[0]));
    cr_expect(eq(u32, w.fds[0].events, WASI_WAIT_READ));
    cr_expect(not(w.has_deadline));
    cr_assert(eq(sz, (size_t)write(p[1], "hey", 3), 3));
    cr_expect(eq(u32, wasi__fd_read(ctx, &mem, 0, 100, 1, 50), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 50), 3));
    cr_expect(eq(int, memcmp(bytes + 1000, "hey", 3), 0));
    /* a guest that asked for NONBLOCK gets EAGAIN instead */
    cr_expect(eq(u32, wasi__fd_fdstat_set_flags(ctx, 0, WASI_FDFLAG_NONBLOCK),
                 WASI_ENOTCAPABLE)); /* stdin has no such right */
    ctx->fds[0].fdflags = WASI_FDFLAG_NONBLOCK;
    cr_expect(eq(u32, wasi__fd_read(ctx, &mem, 0, 100, 1, 50), WASI_EAGAIN));
    close(p[0]);
    close(p[1]);
}

/* Fill a pipe to the brim through its write end w, which is then left
 * blocking again, as the host's stdout would be. */
static void fill_pipe(int w)
{
    static const char junk[4096];
    int fl = fcntl(w, F_GETFL);
    cr_assert(eq(int, fcntl(w, F_SETFL, fl | O_NONBLOCK), 0));
    while (write(w, junk, sizeof junk) > 0 || write(w, junk, 1) > 0)
        ;
    cr_assert(eq(int, errno, EAGAIN));
    cr_assert(eq(int, fcntl(w, F_SETFL, fl), 0));
}

Test(wasi, fd_write_to_a_full_pipe_blocks_then_completes)
{
    static char sink[1 << 17];
    wasi_wait_t w;
    memcpy(bytes + 1000, "late", 4);
    put_iovec(100, 1000, 4);
    fill_pipe(pipe_fds[1]);
    cr_assert(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 1, 50), WASI__BLOCK));
    ctx->blocked = true; /* what link.c does with WASI__BLOCK */
    cr_assert(wasi_ctx_waiting(ctx, &w));
    cr_expect(eq(u32, w.nfds, 1));
    cr_expect(eq(int, w.fds[0].host_fd, pipe_fds[1]));
    cr_expect(eq(u32, w.fds[0].events, WASI_WAIT_WRITE));
    cr_expect(not(w.has_deadline));
    /* the reader empties the pipe: the re-invoked call completes */
    cr_assert(gt(sz, (size_t)read(pipe_fds[0], sink, sizeof sink), 0));
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 1, 50), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 50), 4));
    /* a guest that asked for NONBLOCK would get EAGAIN instead */
    fill_pipe(pipe_fds[1]);
    ctx->fds[1].fdflags = WASI_FDFLAG_NONBLOCK;
    cr_expect(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 1, 50), WASI_EAGAIN));
}

Test(wasi, fd_write_to_a_pipe_writes_at_most_what_surely_fits)
{
    /* more than PIPE_BUF into a blocking pipe could wait for the reader:
     * the write is short instead (POSIX allows it) */
    put_iovec(100, 1000, 3000);
    put_iovec(108, 8000, 3000);
    cr_assert(eq(u32, wasi__fd_write(ctx, &mem, 1, 100, 2, 50), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 50), PIPE_BUF));
}

/* A context whose fd 3 is a listening socket on 127.0.0.1; its port in
 * *port. */
static wasi_ctx_t *listener_ctx(uint16_t *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    wasi_options_t o = {.sockets = &l, .nsockets = 1};
    wasi_ctx_t *c;
    cr_assert(ge(int, l, 0));
    cr_assert(eq(int, bind(l, (struct sockaddr *)&a, sizeof a), 0));
    cr_assert(eq(int, listen(l, 8), 0));
    cr_assert(eq(int, getsockname(l, (struct sockaddr *)&a, &len), 0));
    *port = ntohs(a.sin_port);
    cr_assert(eq(int, wasi_ctx_new(&o, &c), 0));
    return c;
}

Test(wasi, sock_accept_with_nobody_waiting_blocks_then_completes)
{
    uint16_t port;
    wasi_ctx_t *c = listener_ctx(&port);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int client = socket(AF_INET, SOCK_STREAM, 0);
    wasi_wait_t w;
    uint32_t conn;
    cr_assert(eq(u32, wasi__sock_accept(c, &mem, 3, 0, 50), WASI__BLOCK));
    c->blocked = true;
    cr_assert(wasi_ctx_waiting(c, &w));
    cr_expect(eq(u32, w.nfds, 1));
    cr_expect(eq(int, w.fds[0].host_fd, c->fds[3].host_fd));
    cr_expect(eq(u32, w.fds[0].events, WASI_WAIT_READ));
    cr_assert(eq(int, connect(client, (struct sockaddr *)&a, sizeof a), 0));
    cr_assert(eq(u32, wasi__sock_accept(c, &mem, 3, 0, 50), 0));
    conn = wasi__load_u32(bytes + 50);
    cr_expect(eq(u32, c->fds[conn].filetype, WASI_FILETYPE_SOCKET_STREAM));
    /* nothing sent yet: sock_recv parks too, then reads, then sees EOF */
    put_iovec(100, 1000, 16);
    cr_expect(eq(u32, wasi__sock_recv(c, &mem, conn, 100, 1, 0, 60, 64),
                 WASI__BLOCK));
    cr_assert(eq(sz, (size_t)write(client, "ping", 4), 4));
    cr_expect(eq(u32, wasi__sock_recv(c, &mem, conn, 100, 1, 0, 60, 64), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 60), 4));
    cr_expect(eq(int, memcmp(bytes + 1000, "ping", 4), 0));
    close(client);
    cr_expect(eq(u32, wasi__sock_recv(c, &mem, conn, 100, 1, 0, 60, 64), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 60), 0));
    wasi_ctx_free(c);
}

static void put_clock_sub(uint32_t at, uint64_t ud, uint64_t timeout_ns)
{
    memset(bytes + at, 0, WASI_SUBSCRIPTION_SIZE);
    wasi__store_u64(bytes + at, ud);
    bytes[at + 8] = WASI_EVENTTYPE_CLOCK;
    wasi__store_u32(bytes + at + 16, WASI_CLOCK_MONOTONIC);
    wasi__store_u64(bytes + at + 24, timeout_ns);
}

Test(wasi, poll_oneoff_keeps_its_deadline_across_re_invocations)
{
    wasi_wait_t w;
    uint64_t start = wasi_monotonic_ns();
    put_clock_sub(1000, 7, 20000000);           /* 20 ms */
    put_clock_sub(1048, 8, UINT64_C(1) << 62);  /* practically never */
    cr_assert(eq(u32, wasi__poll_oneoff(ctx, &mem, 1000, 2000, 2, 100),
                 WASI__BLOCK));
    ctx->blocked = true;
    cr_assert(wasi_ctx_waiting(ctx, &w));
    cr_expect(w.has_deadline);
    cr_expect(eq(u32, w.nfds, 0));
    cr_expect(ge(u64, w.deadline_ns, start + 20000000));
    uint64_t first = w.deadline_ns;
    /* a spurious wake-up: blocks again with the same deadline */
    cr_assert(eq(u32, wasi__poll_oneoff(ctx, &mem, 1000, 2000, 2, 100),
                 WASI__BLOCK));
    cr_assert(wasi_ctx_waiting(ctx, &w));
    cr_expect(eq(u64, w.deadline_ns, first));
    while (wasi_monotonic_ns() < first)
        usleep(1000);
    cr_assert(eq(u32, wasi__poll_oneoff(ctx, &mem, 1000, 2000, 2, 100), 0));
    cr_expect(eq(u32, wasi__load_u32(bytes + 100), 1));
    cr_expect(eq(u32, wasi__load_u32(bytes + 2000), 7));
}

Test(wasi, poll_oneoff_checks_its_arguments)
{
    cr_expect(eq(u32, wasi__poll_oneoff(ctx, &mem, 0, 100, 0, 16),
                 WASI_EINVAL));
    cr_expect(eq(u32, wasi__poll_oneoff(ctx, &mem, 0, 100, 0x10000000u, 16),
                 WASI_EFAULT));
    cr_expect(eq(u32, wasi__poll_oneoff(ctx, &mem, 0, MEM_SIZE - 31, 1, 16),
                 WASI_EFAULT));
    bytes[8] = 9; /* an unknown event type: an event with EINVAL */
    cr_expect(eq(u32, wasi__poll_oneoff(ctx, &mem, 0, 100, 1, 16), 0));
    cr_expect(eq(u8, bytes[108], WASI_EINVAL));
}

/* }===== */
/* {===== linking (through the real vm/) */

struct fake_import {
    const char *module, *name, *sig; /* sig: "iIi:i" as vm_host_func_new */
};

static uint8_t *put_name(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    *p++ = (uint8_t)n; /* names here are < 128 bytes: one LEB128 byte */
    memcpy(p, s, n);
    return p + n;
}

static uint8_t *put_valtypes(uint8_t *p, const char *sig, const char *end)
{
    *p++ = (uint8_t)(end - sig);
    for (; sig < end; sig++)
        *p++ = *sig == 'I' ? VM_I64 : VM_I32;
    return p;
}

static uint8_t *put_leb(uint8_t *p, size_t v)
{
    do {
        *p++ = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return p;
}

/* Encode a module that only imports functions, one type per import. */
static size_t build_module(uint8_t *out, const struct fake_import *im,
                           uint8_t n)
{
    uint8_t types[512], imports[1024], *t = types, *q = imports, *o = out;
    *t++ = n;
    *q++ = n;
    for (uint8_t i = 0; i < n; i++) {
        const char *colon = strchr(im[i].sig, ':');
        *t++ = 0x60;
        t = put_valtypes(t, im[i].sig, colon);
        t = put_valtypes(t, colon + 1, colon + 1 + strlen(colon + 1));
        q = put_name(put_name(q, im[i].module), im[i].name);
        *q++ = 0x00; /* func */
        *q++ = i;    /* its type index */
    }
    memcpy(o, "\0asm\1\0\0\0", 8);
    o += 8;
    *o++ = 1;
    o = put_leb(o, (size_t)(t - types));
    memcpy(o, types, (size_t)(t - types));
    o += t - types;
    *o++ = 2;
    o = put_leb(o, (size_t)(q - imports));
    memcpy(o, imports, (size_t)(q - imports));
    o += q - imports;
    return (size_t)(o - out);
}

static vm_module_t *load_imports(const struct fake_import *im, uint8_t n)
{
    uint8_t bin[2048];
    char err[256] = "";
    vm_module_t *m = NULL;
    size_t len = build_module(bin, im, n);
    int rc = vm_module_load(bin, len, NULL, &m, err, sizeof err);
    cr_assert(eq(int, rc, 0), "load: %s", err);
    return m;
}

Test(wasi, link_fills_only_the_functions_it_provides)
{
    static const struct fake_import im[] = {
        {WASI_MODULE_NAME, "fd_write", "iiii:i"},
        {"env", "foo", ":"},
        {WASI_MODULE_NAME, "path_open", "iiiiiIIii:i"},
        {WASI_MODULE_NAME, "fd_write", "iiii:i"},
        {WASI_MODULE_NAME, "proc_exit", "i:"},
    };
    vm_module_t *m = load_imports(im, 5);
    vm_extern ext[5];
    memset(ext, 0, sizeof ext);
    cr_assert(eq(int, wasi_link(ctx, m, ext, 5), 4));
    cr_expect(ne(ptr, ext[0].u.func, NULL));
    cr_expect(eq(ptr, ext[0].u.func, ext[3].u.func)); /* shared */
    cr_expect(eq(ptr, ext[1].u.func, NULL));
    cr_expect(ne(ptr, ext[2].u.func, NULL));
    cr_expect(ne(ptr, ext[4].u.func, NULL));
    cr_expect(wasi_provides("sched_yield"));
    cr_expect(wasi_provides("path_open"));
    cr_expect(wasi_provides("sock_shutdown"));
    cr_expect(not(wasi_provides("path_opens")));
    vm_module_free(m);
}

static wasi_ctx_t *resolved_ctx;
static wasi_ctx_t *resolve_test_ctx(vm_exec_t *ex)
{
    (void)ex;
    return resolved_ctx;
}

Test(wasi, a_shared_set_finds_the_caller_context_at_call_time)
{
    static const struct fake_import im[] = {
        {WASI_MODULE_NAME, "proc_exit", "i:"},
        {"env", "foo", ":"},
    };
    vm_module_t *m = load_imports(im, 2);
    wasi_funcs_t *fs;
    vm_extern ext[2], ext2[2];
    uint32_t code = 0;
    memset(ext, 0, sizeof ext);
    memset(ext2, 0, sizeof ext2);
    cr_assert(eq(int, wasi_funcs_new(resolve_test_ctx, &fs), 0));
    cr_assert(eq(int, wasi_link_funcs(fs, m, ext, 2), 1));
    cr_assert(eq(int, wasi_link_funcs(fs, m, ext2, 2), 1));
    cr_expect(eq(ptr, ext[0].u.func, ext2[0].u.func)); /* made once */
    cr_expect(eq(ptr, ext[1].u.func, NULL));
    vm_exec_t *ex = vm_exec_new(NULL);
    vm_value a[1] = {{.u32 = 7}};
    resolved_ctx = ctx;
    cr_assert(eq(int, vm_exec_call(ex, ext[0].u.func, a, 1), 0));
    cr_expect(eq(int, vm_run(ex, 1000), VM_DONE));
    cr_expect(wasi_ctx_exited(ctx, &code));
    cr_expect(eq(u32, code, 7));
    vm_exec_free(ex);
    wasi_funcs_free(fs);
    vm_module_free(m);
}

Test(wasi, linked_functions_instantiate_and_wrong_types_do_not)
{
    static const struct fake_import good[] = {
        {WASI_MODULE_NAME, "clock_time_get", "iIi:i"},
        {WASI_MODULE_NAME, "sched_yield", ":i"},
        {WASI_MODULE_NAME, "proc_exit", "i:"},
    };
    static const struct fake_import bad[] = {
        {WASI_MODULE_NAME, "fd_write", "iii:i"},
    };
    vm_module_t *m = load_imports(good, 3), *mb = load_imports(bad, 1);
    vm_instance_t *in = NULL;
    vm_extern ext[3];
    char err[256] = "";
    cr_assert(eq(int, wasi_link(ctx, m, ext, 3), 3));
    cr_expect(eq(int, vm_instance_new(m, ext, 3, NULL, &in, err, sizeof err),
                 0), "%s", err);
    vm_instance_free(in);
    in = NULL;
    cr_assert(eq(int, wasi_link(ctx, mb, ext, 1), 1));
    cr_expect(eq(int, vm_instance_new(mb, ext, 1, NULL, &in, err, sizeof err),
                 LUN_EUNLINKABLE));
    vm_instance_free(in);
    vm_module_free(m);
    vm_module_free(mb);
}

/* }===== */
