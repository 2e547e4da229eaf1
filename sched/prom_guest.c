/* prom_guest.c: the guests' lunatic::metrics series for the metrics
 * endpoint. A guest names a metric freely ("http.requests", or with labels
 * "http.requests{method=GET,code=\"200\"}"); Prometheus wants
 * [a-zA-Z_:][a-zA-Z0-9_:]* names, [a-zA-Z_][a-zA-Z0-9_]* label names,
 * escaped label values, one # TYPE per family and no series twice. So
 * names are rewritten (other bytes become '_'), counters get _total,
 * series are grouped by family, and a series that would repeat one
 * (two names rewritten alike) or change its family's type is left out.
 * Interface: sched_int.h. */
#include "common/lun_prefix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lun_lock.h"
#include "sched/sched_int.h"

typedef struct series {
    char family[160]; /* the Prometheus name (counters: with _total) */
    char labels[320]; /* k="v",k2="v2" or "" */
    int kind;
    double value;
    uint64_t count;
    uint64_t buckets[SCHED_HIST_NBOUNDS];
} series_t;

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':' || (!first && c >= '0' && c <= '9');
}

/* src[0..n) as a valid name into out (cut to fit). */
static void sanitize(const char *src, size_t n, char *out, size_t cap,
                     bool label)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = src[i];
        bool ok = name_char(c, k == 0) && !(label && c == ':');
        out[k++] = ok ? c : '_';
    }
    if (k == 0 && cap > 1)
        out[k++] = '_';
    out[k] = 0;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* Append `k="v"` from one "k=v" (v maybe quoted) to out. */
static void add_label(const char *kv, size_t n, char *out, size_t cap,
                      bool histogram)
{
    const char *eq = memchr(kv, '=', n);
    if (!eq || eq == kv)
        return;
    char key[64], val[160];
    sanitize(kv, (size_t)(eq - kv), key, sizeof key, true);
    if (histogram && strcmp(key, "le") == 0)
        snprintf(key, sizeof key, "le_"); /* le is the bucket's */
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - kv), k = 0;
    if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"')
        v++, vn -= 2;
    for (size_t i = 0; i < vn && k + 3 < sizeof val; i++) {
        char c = v[i];
        if (c == '\\' || c == '"' || c == '\n') {
            val[k++] = '\\';
            c = c == '\n' ? 'n' : c;
        }
        val[k++] = c;
    }
    val[k] = 0;
    size_t used = strlen(out);
    snprintf(out + used, cap - used, "%s%s=\"%s\"", used ? "," : "", key,
             val);
}

/* name{k=v,...} (or a plain name) as a series' family and labels. */
static void parse_name(const char *name, series_t *s)
{
    size_t n = strlen(name);
    const char *brace = memchr(name, '{', n);
    size_t base = brace && name[n - 1] == '}' ? (size_t)(brace - name) : n;
    char fam[128];
    sanitize(name, base, fam, sizeof fam, false);
    /* the runtime's own families are not a guest's to extend */
    bool clash = strncmp(fam, "lunatic_", 8) == 0 ||
                 strncmp(fam, "process_", 8) == 0;
    snprintf(s->family, sizeof s->family, "%s%s%s", clash ? "guest_" : "",
             fam,
             s->kind == SCHED_METRIC_COUNTER && !ends_with(fam, "_total")
                 ? "_total"
                 : "");
    s->labels[0] = 0;
    if (base == n)
        return;
    const char *p = brace + 1, *end = name + n - 1;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        add_label(p, (size_t)(stop - p), s->labels, sizeof s->labels,
                  s->kind == SCHED_METRIC_HISTOGRAM);
        p = stop + 1;
    }
}

static int by_family(const void *a, const void *b)
{
    const series_t *x = a, *y = b;
    int c = strcmp(x->family, y->family);
    return c ? c : strcmp(x->labels, y->labels);
}

static const char *type_name(int kind)
{
    return kind == SCHED_METRIC_COUNTER ? "counter"
           : kind == SCHED_METRIC_GAUGE ? "gauge"
                                        : "histogram";
}

/* A sample value as Prometheus spells it. */
static void print_value(sched_text_t *t, double v)
{
    if (isnan(v))
        sched__text_printf(t, "NaN\n");
    else if (isinf(v))
        sched__text_printf(t, "%sInf\n", v > 0 ? "+" : "-");
    else
        sched__text_printf(t, "%.17g\n", v);
}

static void print_histogram(sched_text_t *t, const series_t *s)
{
    const char *sep = s->labels[0] ? "," : "";
    uint64_t cum = 0;
    for (int i = 0; i < SCHED_HIST_NBOUNDS; i++) {
        cum += s->buckets[i];
        sched__text_printf(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", s->family,
                           s->labels, sep, sched__hist_bounds[i],
                           (unsigned long long)cum);
    }
    sched__text_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->family,
                       s->labels, sep, (unsigned long long)s->count);
    const char *o = s->labels[0] ? "{" : "", *c = s->labels[0] ? "}" : "";
    sched__text_printf(t, "%s_sum%s%s%s ", s->family, o, s->labels, c);
    print_value(t, s->value);
    sched__text_printf(t, "%s_count%s%s%s %llu\n", s->family, o, s->labels,
                       c, (unsigned long long)s->count);
}

/* The guests' metrics, copied under the lock (the formatting is not). */
static series_t *snapshot(sched_runtime_t *rt, size_t *n)
{
    lun_mutex_lock(&rt->metrics_lock);
    series_t *all = calloc(rt->nmetrics ? rt->nmetrics : 1, sizeof *all);
    size_t k = 0;
    for (sched_metric_t *m = rt->metrics; all && m; m = m->next, k++) {
        series_t *s = &all[k];
        s->kind = m->kind;
        s->value = m->value;
        s->count = m->count;
        memcpy(s->buckets, m->buckets, sizeof s->buckets);
        parse_name(m->name, s);
    }
    lun_mutex_unlock(&rt->metrics_lock);
    *n = k;
    return all;
}

void sched__guest_metrics(sched_runtime_t *rt, sched_text_t *t)
{
    size_t n = 0;
    series_t *all = snapshot(rt, &n);
    if (!all) {
        t->oom = true;
        return;
    }
    qsort(all, n, sizeof *all, by_family);
    const series_t *head = NULL; /* the family's first series */
    for (size_t i = 0; i < n; i++) {
        const series_t *s = &all[i];
        if (!head || strcmp(head->family, s->family) != 0) {
            head = s;
            sched__text_printf(t, "# HELP %s lunatic::metrics (guest).\n"
                                  "# TYPE %s %s\n",
                               s->family, s->family, type_name(s->kind));
        } else if (s->kind != head->kind ||
                   strcmp(all[i - 1].labels, s->labels) == 0) {
            continue; /* another type, or the same series again */
        }
        if (s->kind == SCHED_METRIC_HISTOGRAM) {
            print_histogram(t, s);
            continue;
        }
        if (s->labels[0])
            sched__text_printf(t, "%s{%s} ", s->family, s->labels);
        else
            sched__text_printf(t, "%s ", s->family);
        print_value(t, s->value);
    }
    free(all);
}
