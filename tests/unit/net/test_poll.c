/* test_poll.c: Criterion harness for the poller tests of poll_cases.h;
 * built twice, against the native backend and against poll() forced
 * with -DNET_FORCE_POLL (EXPECT_BACKEND names which). */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <string.h>

#define CHECK(c)                                                       \
    do {                                                               \
        int ok_ = (c); /* once: cr_assert may evaluate it twice */     \
        cr_assert(ok_, "%s", #c);                                      \
    } while (0)
#define CASE(name) Test(net_poll, name)

TestSuite(net_poll, .timeout = 20);

#include "poll_cases.h"

#ifndef EXPECT_BACKEND
#define EXPECT_BACKEND "epoll"
#endif

Test(net_poll, backend_is_the_expected_one)
{
    cr_assert(strcmp(net_poll_backend(), EXPECT_BACKEND) == 0);
}
