/* registry.c: the name -> (node, pid) table every process of a run
 * shares, a chained hash table keyed by XXH3 of the name. The caller
 * holds the rwlock. Interface: sched_int.h (sched__registry_*). */
#include "common/lun_prefix.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

int sched__registry_init(sched_registry_t *r)
{
    r->nbuckets = 64;
    r->count = 0;
    r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
    if (!r->buckets)
        return LUN_ENOMEM;
    lun_rwlock_init(&r->lock);
    return 0;
}

void sched__registry_free(sched_registry_t *r)
{
    if (!r->buckets)
        return;
    for (size_t i = 0; i < r->nbuckets; i++) {
        sched_reg_entry_t *e = r->buckets[i];
        while (e) {
            sched_reg_entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(r->buckets);
    r->buckets = NULL;
    lun_rwlock_destroy(&r->lock);
}

static sched_reg_entry_t **find(sched_registry_t *r, const char *name,
                                size_t len, uint64_t h)
{
    sched_reg_entry_t **pe = &r->buckets[h & (r->nbuckets - 1)];
    for (; *pe; pe = &(*pe)->next)
        if ((*pe)->hash == h && (*pe)->len == len &&
            memcmp((*pe)->name, name, len) == 0)
            break;
    return pe;
}

/* Double the buckets when the load passes 1: chains stay short. */
static void grow(sched_registry_t *r)
{
    size_t n = r->nbuckets * 2;
    sched_reg_entry_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* still correct, only slower */
    for (size_t i = 0; i < r->nbuckets; i++) {
        sched_reg_entry_t *e = r->buckets[i];
        while (e) {
            sched_reg_entry_t *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(r->buckets);
    r->buckets = b;
    r->nbuckets = n;
}

int sched__registry_put(sched_registry_t *r, const char *name, size_t len,
                        uint64_t node, uint64_t pid)
{
    uint64_t h = XXH3_64bits(name, len);
    sched_reg_entry_t **pe = find(r, name, len, h);
    if (!*pe) {
        sched_reg_entry_t *e = malloc(sizeof *e + len + 1);
        if (!e)
            return LUN_ENOMEM;
        e->next = NULL;
        e->hash = h;
        e->len = len;
        memcpy(e->name, name, len);
        e->name[len] = '\0';
        *pe = e;
        if (++r->count > r->nbuckets)
            grow(r);
        pe = find(r, name, len, h);
    }
    (*pe)->node = node;
    (*pe)->pid = pid;
    (*pe)->locked_by = 0;
    return 0;
}

sched_reg_entry_t *sched__registry_get(sched_registry_t *r, const char *name,
                                       size_t len)
{
    return *find(r, name, len, XXH3_64bits(name, len));
}

bool sched__registry_remove(sched_registry_t *r, const char *name, size_t len)
{
    sched_reg_entry_t **pe = find(r, name, len, XXH3_64bits(name, len));
    sched_reg_entry_t *e = *pe;
    if (!e)
        return false;
    *pe = e->next;
    free(e);
    r->count--;
    return true;
}

void sched__registry_drop_reservations(sched_registry_t *r, uint64_t pid)
{
    for (size_t i = 0; i < r->nbuckets; i++) {
        sched_reg_entry_t **pe = &r->buckets[i];
        while (*pe) {
            sched_reg_entry_t *e = *pe;
            if (e->locked_by == pid) {
                *pe = e->next;
                free(e);
                r->count--;
            } else {
                pe = &e->next;
            }
        }
    }
}
