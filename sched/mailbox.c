/* mailbox.c: messages and the lock-free multi-producer, single-consumer
 * mailbox, with selective receive by tag that keeps skipped messages in
 * order. Interface: sched_int.h (sched__msg_*, sched__mbox_*). */
#include "common/lun_prefix.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* Each thread keeps a few freed messages for reuse: message passing then
 * costs no malloc or free in the common case (a reply reuses the
 * request's message on the same worker). */
#define MSG_CACHE_MAX 64

static _Thread_local struct {
    sched_msg_t *m[MSG_CACHE_MAX];
    unsigned n;
} msg_cache;

void sched__msg_cache_flush(void)
{
    while (msg_cache.n)
        free(msg_cache.m[--msg_cache.n]);
}

sched_msg_t *sched__msg_new(uint8_t kind, size_t cap)
{
    sched_msg_t *m = msg_cache.n ? msg_cache.m[--msg_cache.n]
                                 : malloc(sizeof *m);
    if (!m)
        return NULL;
    /* Every field before small, one store each: a memset of this size
     * compiles to `rep stos`, whose start-up cost was a twentieth of a
     * message's round trip. small is written before it is read. */
    m->next = NULL;
    m->kind = kind;
    m->reason = 0;
    m->tag = 0;
    m->pid = m->node = 0;
    m->data = m->small;
    m->len = 0;
    m->cap = sizeof m->small;
    m->res = NULL;
    m->nres = m->res_cap = 0;
    m->charged_to = NULL;
    m->charge = 0;
    /* The capacity is only a hint: do not trust a guest's huge one. */
    if (cap > sizeof m->small && cap <= (1u << 20)) {
        uint8_t *d = malloc(cap);
        if (d) {
            m->data = d;
            m->cap = cap;
        }
    }
    return m;
}

void sched__msg_free(sched_msg_t *m)
{
    if (!m)
        return;
    sched__mbox_uncharge(m); /* freed from a mailbox */
    for (uint32_t i = 0; i < m->nres; i++)
        if (m->res[i].kind) /* not taken by the receiver */
            m->res[i].kind->release(m->res[i].ptr);
    free(m->res);
    if (m->data != m->small)
        sched__free_sized(m->data, m->cap);
    if (msg_cache.n < MSG_CACHE_MAX)
        msg_cache.m[msg_cache.n++] = m;
    else
        free(m);
}

int sched__msg_reserve_res(sched_msg_t *m)
{
    sched_res_t *r = sched__room_for_one(m->res, &m->res_cap, m->nres, sizeof *r);
    if (!r)
        return LUN_ENOMEM;
    m->res = r;
    return 0;
}

int sched__msg_write(sched_msg_t *m, const void *data, size_t len)
{
    if (len > SIZE_MAX - m->len)
        return LUN_ENOMEM;
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < m->len + len)
            cap = cap > SIZE_MAX / 2 ? m->len + len : cap * 2;
        uint8_t *d = m->data == m->small ? malloc(cap) : realloc(m->data, cap);
        if (!d)
            return LUN_ENOMEM;
        if (m->data == m->small)
            memcpy(d, m->small, m->len);
        m->data = d;
        m->cap = cap;
    }
    if (len)
        memcpy(m->data + m->len, data, len);
    m->len += len;
    return 0;
}

void sched__mbox_init(sched_mbox_t *mb)
{
    atomic_init(&mb->inbox, NULL);
    mb->head = mb->tail = mb->scan = NULL;
}

bool sched__mbox_push(sched_mbox_t *mb, sched_msg_t *m)
{
    sched_msg_t *old = atomic_load_explicit(&mb->inbox, memory_order_relaxed);
    do {
        m->next = old;
    } while (!atomic_compare_exchange_weak_explicit(
        &mb->inbox, &old, m, memory_order_release, memory_order_relaxed));
    return old == NULL;
}

sched_msg_t *sched__mbox_take(sched_mbox_t *mb)
{
    if (!atomic_load_explicit(&mb->inbox, memory_order_relaxed))
        return NULL; /* the common case costs no read-modify-write */
    sched_msg_t *m = atomic_exchange_explicit(&mb->inbox, NULL,
                                              memory_order_acquire);
    sched_msg_t *fifo = NULL;
    while (m) { /* the stack is newest first: reverse it */
        sched_msg_t *next = m->next;
        m->next = fifo;
        fifo = m;
        m = next;
    }
    return fifo;
}

void sched__mbox_append(sched_mbox_t *mb, sched_msg_t *m)
{
    m->next = NULL;
    if (mb->tail)
        mb->tail->next = m;
    else
        mb->head = m;
    mb->tail = m;
}

static bool tag_matches(const sched_msg_t *m, const int64_t *tags,
                        uint32_t ntags)
{
    if (ntags == 0)
        return true;
    if (m->tag == 0 || m->kind == SCHED_MSG_PROCESS_DIED)
        return false; /* untagged messages never match a filter */
    for (uint32_t i = 0; i < ntags; i++)
        if (tags[i] == m->tag)
            return true;
    return false;
}

sched_msg_t *sched__mbox_select(sched_mbox_t *mb, const int64_t *tags,
                                uint32_t ntags)
{
    /* Resume after the messages a blocked receive already rejected, so a
     * receive waiting for one tag behind many others stays linear. */
    sched_msg_t *prev = mb->scan;
    sched_msg_t *m = prev ? prev->next : mb->head;
    for (; m; prev = m, m = m->next) {
        if (!tag_matches(m, tags, ntags))
            continue;
        if (prev)
            prev->next = m->next;
        else
            mb->head = m->next;
        if (mb->tail == m)
            mb->tail = prev;
        m->next = NULL;
        sched__mbox_uncharge(m); /* received: the mailbox holds it no more */
        mb->scan = NULL;
        return m;
    }
    mb->scan = prev;
    return NULL;
}

void sched__mbox_clear(sched_mbox_t *mb)
{
    sched_msg_t *m = sched__mbox_take(mb);
    while (m) {
        sched_msg_t *next = m->next;
        sched__msg_free(m);
        m = next;
    }
    for (m = mb->head; m;) {
        sched_msg_t *next = m->next;
        sched__msg_free(m);
        m = next;
    }
    mb->head = mb->tail = mb->scan = NULL;
}
