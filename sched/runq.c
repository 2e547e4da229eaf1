/* runq.c: each worker's bounded Chase-Lev work-stealing deque. The owner
 * pushes and pops at the bottom; thieves take from the top with one CAS.
 * Interface: sched_int.h (sched__deque_*). */
#include "common/lun_prefix.h"

#include "sched/sched_int.h"

#define MASK (SCHED_DEQUE_CAP - 1)

void sched__deque_init(sched_deque_t *dq)
{
    atomic_init(&dq->top, 0);
    atomic_init(&dq->bottom, 0);
    for (int i = 0; i < SCHED_DEQUE_CAP; i++)
        atomic_init(&dq->buf[i], NULL);
}

bool sched__deque_push(sched_deque_t *dq, void *item)
{
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&dq->top, memory_order_acquire);
    if (b - t >= SCHED_DEQUE_CAP)
        return false; /* bounded: the caller overflows to the global queue */
    atomic_store_explicit(&dq->buf[b & MASK], item, memory_order_relaxed);
    /* Publish the item before the new bottom (the paper's release fence). */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&dq->bottom, b + 1, memory_order_relaxed);
    return true;
}

void *sched__deque_pop(sched_deque_t *dq)
{
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_relaxed) - 1;
    atomic_store_explicit(&dq->bottom, b, memory_order_relaxed);
    /* The seq_cst fence orders our bottom store before the top load, so a
     * thief and the owner can never both take the last item. */
    atomic_thread_fence(memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&dq->top, memory_order_relaxed);
    void *item = NULL;
    if (t <= b) {
        item = atomic_load_explicit(&dq->buf[b & MASK], memory_order_relaxed);
        if (t == b) {
            /* The last item: race the thieves for it. */
            if (!atomic_compare_exchange_strong_explicit(
                    &dq->top, &t, t + 1, memory_order_seq_cst,
                    memory_order_relaxed))
                item = NULL;
            atomic_store_explicit(&dq->bottom, b + 1, memory_order_relaxed);
        }
    } else {
        atomic_store_explicit(&dq->bottom, b + 1, memory_order_relaxed);
    }
    return item;
}

void *sched__deque_steal(sched_deque_t *dq)
{
    int64_t t = atomic_load_explicit(&dq->top, memory_order_acquire);
    atomic_thread_fence(memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_acquire);
    if (t >= b)
        return NULL;
    /* Read the slot before the CAS: once top moves past it the owner may
     * overwrite it. A bounded buffer never moves, so the read is safe. */
    void *item = atomic_load_explicit(&dq->buf[t & MASK], memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(&dq->top, &t, t + 1,
                                                 memory_order_seq_cst,
                                                 memory_order_relaxed))
        return NULL;
    return item;
}

int64_t sched__deque_size(sched_deque_t *dq)
{
    int64_t b = atomic_load_explicit(&dq->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&dq->top, memory_order_relaxed);
    return b > t ? b - t : 0;
}
