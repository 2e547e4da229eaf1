/* check.h: the assertion the scheduler's test guests share: on a
 * mismatch, print where and exit with status 1 (tests/sched/run.sh and
 * tests/net/run.sh report the FAIL line). */
#ifndef SCHED_TEST_CHECK_H
#define SCHED_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                          \
    do {                                                                  \
        if (!(c)) {                                                       \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);           \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

#endif
