/* run_poll_win.c: a plain-C harness (no Criterion, which mingw cannot
 * build) for the poller cases of poll_cases.h. `make test-windows` builds
 * it with x86_64-w64-mingw32-gcc against the IOCP backend and runs it
 * under wine64; it also builds natively, which is how it was checked.
 * Each CASE registers itself from a constructor; a failed CHECK prints
 * and jumps back to the runner, which goes on with the next case. */
#include "common/lun_prefix.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#endif

#define MAX_CASES 64

static struct {
    const char *name;
    void (*fn)(void);
} cases[MAX_CASES];
static int ncases;
static jmp_buf fail_jmp;

static void add_case(const char *name, void (*fn)(void))
{
    if (ncases < MAX_CASES) {
        cases[ncases].name = name;
        cases[ncases++].fn = fn;
    }
}

static void check_failed(const char *cond, int line)
{
    printf("    CHECK(%s) failed at poll_cases.h:%d\n", cond, line);
    longjmp(fail_jmp, 1);
}

#define CHECK(c)                                                        \
    do {                                                                \
        if (!(c))                                                       \
            check_failed(#c, __LINE__);                                 \
    } while (0)
/* GCC constructors run before main on ELF and PE alike. */
#define CASE(name)                                                      \
    static void name(void);                                             \
    __attribute__((constructor)) static void reg_##name(void)           \
    {                                                                   \
        add_case(#name, name);                                          \
    }                                                                   \
    static void name(void)

#include "poll_cases.h"

#ifndef EXPECT_BACKEND
#define EXPECT_BACKEND "iocp"
#endif

CASE(backend_is_the_expected_one)
{
    CHECK(strcmp(net_poll_backend(), EXPECT_BACKEND) == 0);
}

/* 1 if case i passed. Its own frame, so that nothing of the caller's
 * lives across the longjmp. */
static int run_one(int i)
{
    if (setjmp(fail_jmp) != 0)
        return 0;
    cases[i].fn();
    return 1;
}

int main(void)
{
    int failed = 0;
#ifdef _WIN32
    WSADATA wd;
    if (WSAStartup(MAKEWORD(2, 2), &wd) != 0) {
        printf("poll: WSAStartup failed\n");
        return 1;
    }
#endif
    for (int i = 0; i < ncases; i++) {
        int ok = run_one(i);
        printf("poll[%s]: %s %s\n", net_poll_backend(), ok ? "ok  " : "FAIL",
               cases[i].name);
        fflush(stdout);
        failed += !ok;
    }
    printf("poll[%s]: %d passed, %d failed\n", net_poll_backend(),
           ncases - failed, failed);
    fflush(stdout);
    return failed != 0;
}
