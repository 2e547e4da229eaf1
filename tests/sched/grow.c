/* grow.c: memory.grow under the scheduler (sched/linmem.c): memories
 * grown one page at a time far past the provider's 8 MiB classes keep
 * every byte written at each step, and each new page comes zero.
 *   grow.wasm big [MIB]   the root process grows to MIB (default 256)
 *   grow.wasm limit       a process capped at 24 MiB (max_memory) grows
 *                         until refused: exactly at the cap, data intact
 *   grow.wasm pair        two processes grow to 64 MiB at once
 * Prints "ok NAME" and exits 0, or "FAIL ..." and 1. Run by
 * tests/sched/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/lunatic.h"

#include "check.h"

#define WASM_PAGE 65536u
#define SUB 4096u /* one word per host page: every page gets committed */

/* What page p holds at sub-page s: differs between pages and processes,
 * and is never zero, so a page lost (or zeroed) by a move shows. */
static uint32_t pattern(uint32_t page, uint32_t sub, uint32_t salt)
{
    return (page * 16u + sub) * 2654435761u ^ salt ^ 0x80000000u;
}

static volatile uint32_t *word(uint32_t page, uint32_t sub)
{
    return (volatile uint32_t *)(uintptr_t)(page * WASM_PAGE + sub * SUB);
}

/* A page just grown: zero where we look (its first and last words, and
 * one per host page), then stamped with its pattern. */
static void stamp(uint32_t page, uint32_t salt)
{
    volatile uint32_t *last =
        (volatile uint32_t *)(uintptr_t)((page + 1) * WASM_PAGE - 4);
    CHECK(*last == 0);
    for (uint32_t s = 0; s < WASM_PAGE / SUB; s++) {
        CHECK(*word(page, s) == 0);
        *word(page, s) = pattern(page, s, salt);
    }
}

static void verify(uint32_t from, uint32_t to, uint32_t salt)
{
    for (uint32_t p = from; p < to; p++)
        for (uint32_t s = 0; s < WASM_PAGE / SUB; s++)
            if (*word(p, s) != pattern(p, s, salt)) {
                printf("FAIL page %u word %u lost at %u pages\n", p, s, to);
                exit(1);
            }
}

/* Grows one page at a time until `pages` pages or until a grow is
 * refused; returns the page count reached. Every page grown is stamped;
 * the newest and the first are checked at each step, all of them
 * whenever the count reaches a power of two (where a capacity doubles
 * and the memory may move) and at the end. */
static uint32_t grow_to(uint32_t pages, uint32_t salt)
{
    uint32_t first = (uint32_t)__builtin_wasm_memory_size(0), n = first;
    while (n < pages) {
        int32_t old = (int32_t)__builtin_wasm_memory_grow(0, 1);
        if (old < 0)
            break;
        CHECK((uint32_t)old == n);
        stamp(n, salt);
        n++;
        verify(first, first + 1, salt);
        verify(n - 1, n, salt);
        if ((n & (n - 1)) == 0)
            verify(first, n, salt);
    }
    verify(first, n, salt);
    return n;
}

static void t_big(uint32_t mib)
{
    uint32_t want = mib * (1u << 20) / WASM_PAGE;
    CHECK(grow_to(want, 0x1234) == want);
    printf("ok big %u MiB\n", mib);
}

static void limit_child(int64_t parent)
{
    uint32_t reached = grow_to(65536, 0x5151);
    lun_send((uint64_t)parent, 9, &reached, sizeof reached);
}

/* max_memory is in bytes; the memory stops at exactly that many pages,
 * well inside the large-mapping path, with its contents intact. */
static void t_limit(void)
{
    int64_t c = lunatic_process_create_config(), tags[1] = {9};
    uint32_t reached = 0;
    lunatic_process_config_set_max_memory(c, 24 << 20);
    CHECK(lun_spawn_config(limit_child, (int64_t)lun_self(), 0, c) != 0);
    CHECK(lun_recv(tags, 1, 60000, &reached, sizeof reached, NULL) == 0);
    CHECK(reached == (24u << 20) / WASM_PAGE);
    lunatic_process_drop_config(c);
    printf("ok limit\n");
}

static void pair_child(int64_t parent)
{
    uint32_t reached = grow_to(1024, (uint32_t)lun_self());
    lun_send((uint64_t)parent, 10, &reached, sizeof reached);
}

static void t_pair(void)
{
    int64_t tags[1] = {10};
    for (int i = 0; i < 2; i++)
        CHECK(lun_spawn(pair_child, (int64_t)lun_self()) != 0);
    for (int i = 0; i < 2; i++) {
        uint32_t reached = 0;
        CHECK(lun_recv(tags, 1, 60000, &reached, sizeof reached, NULL) == 0);
        CHECK(reached == 1024);
    }
    printf("ok pair\n");
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "big";
    if (strcmp(t, "big") == 0)
        t_big(argc > 2 ? (uint32_t)atoi(argv[2]) : 256);
    else if (strcmp(t, "limit") == 0)
        t_limit();
    else if (strcmp(t, "pair") == 0)
        t_pair();
    else {
        printf("FAIL unknown test %s\n", t);
        return 1;
    }
    return 0;
}
