/* timer.c: a hierarchical timing wheel (Varghese and Lauck): 6 levels of
 * 64 slots over 100 us ticks, so adding and cancelling are O(1) and a
 * timer is moved at most 5 times before it fires. The caller locks.
 * Interface: sched_int.h (sched__wheel_*). */
#include "common/lun_prefix.h"

#include <time.h>

#include "sched/sched_int.h"

#define BITS 6 /* log2(SCHED_WHEEL_SLOTS) */

uint64_t sched__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sched__wheel_init(sched_wheel_t *w, uint64_t now_tick)
{
    w->now = now_tick;
    w->count = 0;
    for (int l = 0; l < SCHED_WHEEL_LEVELS; l++)
        for (int s = 0; s < SCHED_WHEEL_SLOTS; s++)
            w->slot[l][s] = NULL;
}

/* The level is the highest 6-bit group in which the deadline differs from
 * now: a timer sits in the finest level whose current lap contains it. */
static void place(sched_wheel_t *w, sched_timer_t *t, uint64_t earliest)
{
    /* earliest: now + 1 for a new timer (this tick's slot has been done);
     * now when cascading, which happens before this tick's slot fires. */
    uint64_t d = t->deadline < earliest ? earliest : t->deadline;
    uint64_t diff = d ^ w->now;
    int level = 0;
    while (level < SCHED_WHEEL_LEVELS - 1 && (diff >> (BITS * (level + 1))))
        level++;
    /* Past the top level's lap: park it in the top level's last slot
     * reached; cascading re-places it until it is near. */
    uint64_t idx = (d >> (BITS * level)) & (SCHED_WHEEL_SLOTS - 1);
    if (diff >> (BITS * SCHED_WHEEL_LEVELS))
        idx = ((w->now >> (BITS * level)) - 1) & (SCHED_WHEEL_SLOTS - 1);
    sched_timer_t **head = &w->slot[level][idx];
    t->level = (uint8_t)level;
    t->idx = (uint8_t)idx;
    t->prev = NULL;
    t->next = *head;
    if (*head)
        (*head)->prev = t;
    *head = t;
}

void sched__wheel_add(sched_wheel_t *w, sched_timer_t *t)
{
    t->state = SCHED_TIMER_PENDING;
    w->count++;
    place(w, t, w->now + 1);
}

static void unlink_timer(sched_wheel_t *w, sched_timer_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        w->slot[t->level][t->idx] = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

void sched__wheel_remove(sched_wheel_t *w, sched_timer_t *t)
{
    if (t->state != SCHED_TIMER_PENDING)
        return;
    unlink_timer(w, t);
    t->state = SCHED_TIMER_IDLE;
    w->count--;
}

/* Move every timer of slot (level, idx) down to where it now belongs. */
static void cascade(sched_wheel_t *w, int level, uint64_t idx)
{
    sched_timer_t *t = w->slot[level][idx];
    w->slot[level][idx] = NULL;
    while (t) {
        sched_timer_t *next = t->next;
        place(w, t, w->now);
        t = next;
    }
}

static void fire_slot(sched_wheel_t *w, uint64_t idx, sched_timer_cb cb,
                      void *ud)
{
    sched_timer_t *t;
    while ((t = w->slot[0][idx]) != NULL) {
        w->slot[0][idx] = t->next;
        if (t->next)
            t->next->prev = NULL;
        t->next = t->prev = NULL;
        t->state = SCHED_TIMER_FIRED;
        w->count--;
        cb(t, ud); /* may free t */
    }
}

void sched__wheel_advance(sched_wheel_t *w, uint64_t now_tick,
                          sched_timer_cb cb, void *ud)
{
    while (w->now < now_tick) {
        if (w->count == 0) { /* nothing to fire: jump */
            w->now = now_tick;
            return;
        }
        uint64_t t = ++w->now;
        /* At each lap boundary bring the coarser slots down, coarsest
         * first, so that a timer due exactly now fires in this tick. */
        for (int l = SCHED_WHEEL_LEVELS - 1; l >= 1; l--) {
            if (t & ((UINT64_C(1) << (BITS * l)) - 1))
                continue;
            cascade(w, l, (t >> (BITS * l)) & (SCHED_WHEEL_SLOTS - 1));
        }
        fire_slot(w, t & (SCHED_WHEEL_SLOTS - 1), cb, ud);
    }
}

uint64_t sched__wheel_next(const sched_wheel_t *w)
{
    if (w->count == 0)
        return UINT64_MAX;
    /* Level 0 holds the current lap exactly. */
    for (uint64_t i = 1; i <= SCHED_WHEEL_SLOTS; i++) {
        uint64_t t = w->now + i;
        if (w->slot[0][t & (SCHED_WHEEL_SLOTS - 1)])
            return t;
        if (((t + 1) & (SCHED_WHEEL_SLOTS - 1)) == 0)
            break; /* the lap ends: the next tick cascades */
    }
    /* Otherwise the next cascade is a safe lower bound. */
    return (w->now | (SCHED_WHEEL_SLOTS - 1)) + 1;
}
