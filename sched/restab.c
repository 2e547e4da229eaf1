/* restab.c: a process's one resource table. Every handle a guest holds
 * (a config, a module, a timer, an error, a socket, a database...) is an
 * entry {id, kind, ptr} here; the kind says how to release it, so the
 * scheduler frees what a dead process held without knowing what it is.
 *
 * Each kind numbers its resources from 0, never reusing an id, as
 * Lunatic's per-type tables do (a process's first connection is 0, and so
 * is its first statement): a stale id finds nothing, and a lookup matches
 * kind and id, so a resource is never returned as another kind's, and an
 * id of one kind passed where another is expected is a bad id of that
 * kind. The entries live in an open-addressing hash table keyed by both
 * (linear probing, deletion by backward shift, so no tombstones): its size
 * follows the live entries, however many ids were handed out before.
 * Interface: sched_host.h. */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

#define RESTAB_MIN_CAP 8u

static uint32_t home(const sched_res_kind_t *k, uint64_t id, uint32_t cap)
{
    /* Fibonacci hashing: consecutive ids spread over the table, and the
     * kind's address moves each kind's run elsewhere. */
    uint64_t kind = (uint64_t)(uintptr_t)k >> 4;
    uint64_t key = id ^ kind * UINT64_C(0xff51afd7ed558ccd);
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

/* The slot holding (k, id), or cap when it is absent. */
static uint32_t find(const sched_restab_t *t, const sched_res_kind_t *k,
                     uint64_t id)
{
    if (!t->cap)
        return 0;
    for (uint32_t i = home(k, id, t->cap);; i = (i + 1) & (t->cap - 1)) {
        if (!t->slots[i].kind)
            return t->cap;
        if (t->slots[i].id == id && t->slots[i].kind == k)
            return i;
    }
}

static void insert(sched_res_slot_t *slots, uint32_t cap, sched_res_slot_t e)
{
    uint32_t i = home(e.kind, e.id, cap);
    while (slots[i].kind)
        i = (i + 1) & (cap - 1);
    slots[i] = e;
}

static int resize(sched_restab_t *t, uint32_t cap)
{
    sched_res_slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return LUN_ENOMEM;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->slots[i].kind)
            insert(slots, cap, t->slots[i]);
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

/* Kind k's counters (one entry per kind the process ever held), or
 * NULL. */
static sched_res_seq_t *seq_of(const sched_restab_t *t,
                               const sched_res_kind_t *k)
{
    for (uint32_t i = 0; i < t->nseqs; i++)
        if (t->seqs[i].kind == k)
            return &t->seqs[i];
    return NULL;
}

/* The same, made if missing; NULL when out of memory. */
static sched_res_seq_t *seq_make(sched_restab_t *t, const sched_res_kind_t *k)
{
    sched_res_seq_t *q = seq_of(t, k);
    if (q)
        return q;
    if (t->nseqs == t->seqs_cap) {
        uint32_t cap = t->seqs_cap ? t->seqs_cap * 2 : 4;
        sched_res_seq_t *seqs = realloc(t->seqs, cap * sizeof *seqs);
        if (!seqs)
            return NULL;
        t->seqs = seqs;
        t->seqs_cap = cap;
    }
    t->seqs[t->nseqs] = (sched_res_seq_t){k, 0, 0};
    return &t->seqs[t->nseqs++];
}

int sched__restab_add(sched_restab_t *t, const sched_res_kind_t *k,
                      void *ptr, uint64_t *out_id)
{
    sched_res_seq_t *q = seq_make(t, k);
    if (!q)
        return LUN_ENOMEM;
    /* At most half full: probes stay short. */
    if ((uint64_t)(t->count + 1) * 2 > t->cap) {
        if (t->cap > UINT32_MAX / 2)
            return LUN_ENOMEM;
        int rc = resize(t, t->cap ? t->cap * 2 : RESTAB_MIN_CAP);
        if (rc != 0)
            return rc;
    }
    uint64_t id = q->next++;
    insert(t->slots, t->cap, (sched_res_slot_t){id, k, ptr});
    t->count++;
    q->live++;
    *out_id = id;
    return 0;
}

void *sched__restab_get(const sched_restab_t *t, const sched_res_kind_t *k,
                        uint64_t id)
{
    uint32_t i = find(t, k, id);
    if (i == t->cap)
        return NULL;
    return t->slots[i].ptr;
}

bool sched__restab_set(sched_restab_t *t, const sched_res_kind_t *k,
                       uint64_t id, void *ptr)
{
    uint32_t i = find(t, k, id);
    if (i == t->cap)
        return false;
    t->slots[i].ptr = ptr;
    return true;
}

/* Empty slot i, moving back the entries after it whose probe sequence
 * passes over it (so that every lookup still finds them). */
static void remove_at(sched_restab_t *t, uint32_t i)
{
    uint32_t mask = t->cap - 1;
    for (uint32_t j = (i + 1) & mask; t->slots[j].kind; j = (j + 1) & mask) {
        uint32_t h = home(t->slots[j].kind, t->slots[j].id, t->cap);
        /* j's entry may fill the hole unless its home lies in (i, j]. */
        bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = (sched_res_slot_t){0, NULL, NULL};
    t->count--;
}

uint64_t sched__restab_count(const sched_restab_t *t,
                             const sched_res_kind_t *k)
{
    const sched_res_seq_t *q = seq_of(t, k);
    return q ? q->live : 0;
}

void *sched__restab_take(sched_restab_t *t, const sched_res_kind_t *k,
                         uint64_t id)
{
    uint32_t i = find(t, k, id);
    if (i == t->cap)
        return NULL;
    void *ptr = t->slots[i].ptr;
    remove_at(t, i);
    seq_of(t, k)->live--;
    /* A table that held many resources once gives the room back (a failed
     * shrink only keeps the larger table). */
    if (t->cap > RESTAB_MIN_CAP && t->count * 8 < t->cap)
        (void)resize(t, t->cap / 2);
    return ptr;
}

void sched__restab_drop_if(sched_restab_t *t, const sched_res_kind_t *k,
                           bool (*drop)(void *ptr, void *ud), void *ud)
{
    sched_res_seq_t *q = seq_of(t, k);
    uint32_t i = 0;
    while (q && q->live && i < t->cap) {
        sched_res_slot_t *s = &t->slots[i];
        if (s->kind == k && drop(s->ptr, ud)) {
            void *ptr = s->ptr;
            remove_at(t, i); /* a later entry may move into i: look again */
            q->live--;
            k->release(ptr);
        } else {
            i++;
        }
    }
}

void sched__restab_release(sched_restab_t *t)
{
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->slots[i].kind)
            t->slots[i].kind->release(t->slots[i].ptr);
    free(t->slots);
    free(t->seqs);
    memset(t, 0, sizeof *t);
}
