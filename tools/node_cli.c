/* node_cli.c: `lunatic node`'s flags (tools/node_cli.h). */
#include "common/lun_prefix.h"

#include "tools/node_cli.h"
#include "tools/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_ERROR 1
#define EXIT_USAGE 2

/* What the flags say; the strings point into argv. */
struct node_flags {
    const char *name, *listen, *discover, *ca, *cert, *key;
    const char **peers, **tags;
    size_t npeers, ntags;
    uint32_t tick_ms;
};

static _Noreturn void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "lunatic node: %s%s%s (try lunatic --help)\n", what,
            arg ? " " : "", arg ? arg : "");
    exit(EXIT_USAGE);
}

/* The value of flag `name` at argv[*i] ("--name V" or "--name=V";
 * args_option_value), or NULL when argv[*i] is another argument. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    bool missing = false;
    const char *v = args_option_value(argc, argv, i, name, &missing);
    if (missing)
        usage_error(name, "needs a value");
    return v;
}

static uint32_t parse_tick(const char *v)
{
    char *end;
    errno = 0;
    unsigned long ms = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || ms < 10 || ms > 60000)
        usage_error("bad --tick-ms (want 10..60000):", v);
    return (uint32_t)ms;
}

/* One flag at argv[*i] into f; false when it is not a node flag. */
static bool take_flag(int argc, char **argv, int *i, struct node_flags *f)
{
    const char *v;
    if ((v = flag_value(argc, argv, i, "--name")))
        f->name = v;
    else if ((v = flag_value(argc, argv, i, "--listen")))
        f->listen = v;
    else if ((v = flag_value(argc, argv, i, "--peer")))
        f->peers[f->npeers++] = v;
    else if ((v = flag_value(argc, argv, i, "--discover")))
        f->discover = v;
    else if ((v = flag_value(argc, argv, i, "--ca")))
        f->ca = v;
    else if ((v = flag_value(argc, argv, i, "--cert")))
        f->cert = v;
    else if ((v = flag_value(argc, argv, i, "--key")))
        f->key = v;
    else if ((v = flag_value(argc, argv, i, "--tag"))) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v || strchr(v, '&'))
            usage_error("bad --tag (want KEY=VALUE, no '&'):", v);
        if (f->ntags == 16)
            usage_error("at most 16 --tag", NULL);
        f->tags[f->ntags++] = v;
    } else if ((v = flag_value(argc, argv, i, "--tick-ms")))
        f->tick_ms = parse_tick(v);
    else
        return false;
    return true;
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "lunatic node: cannot read %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, fp);
        if (n < cap || cap >= (1u << 20))
            break;
        uint8_t *nb = realloc(buf, cap *= 2);
        if (!nb)
            free(buf);
        buf = nb;
    }
    fclose(fp);
    if (!buf) {
        fprintf(stderr, "lunatic node: out of memory\n");
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int start(const struct node_flags *f, dist_cluster_t **out)
{
    uint8_t *ca = NULL, *cert = NULL, *key = NULL;
    size_t ca_len = 0, cert_len = 0, key_len = 0;
    int rc = EXIT_ERROR;
    char err[512];
    if (read_all(f->ca, &ca, &ca_len) || read_all(f->cert, &cert, &cert_len) ||
        read_all(f->key, &key, &key_len))
        goto out;
    dist_node_conf_t conf = {
        .name = f->name, .listen = f->listen,
        .peers = (const char *const *)f->peers, .npeers = f->npeers,
        .discover = f->discover,
        .ca = ca, .ca_len = ca_len, .cert = cert, .cert_len = cert_len,
        .key = key, .key_len = key_len,
        .tags = (const char *const *)f->tags, .ntags = f->ntags,
        .tick_ms = f->tick_ms};
    if (dist_cluster_start(&conf, out, err, sizeof err) != 0)
        fprintf(stderr, "lunatic node: %s\n", err);
    else
        rc = 0;
out:
    free(ca);
    free(cert);
    free(key);
    return rc;
}

/* How long a node with an app waits for its cluster to form before the
 * app starts (wait_joined). */
#define JOIN_WAIT_MS 5000
#define JOIN_QUIET_MS 300
#define JOIN_POLL_MS 20

/* A node given peers to join and an app to run starts the app once it
 * has joined, so that the app's first get_nodes sees the cluster as
 * Lunatic's control server would list it: at least one member up and the
 * member count unchanged for JOIN_QUIET_MS (the MEMBERS frames bring the
 * rest of the mesh within a few round trips). After JOIN_WAIT_MS the app
 * starts anyway, with whatever members there are. */
static void wait_joined(dist_cluster_t *c)
{
    dist_node_t *n = dist_cluster_node(c);
    size_t last = dist_node_members(n, NULL, NULL, 0);
    unsigned quiet = 0;
    struct timespec poll = {0, JOIN_POLL_MS * 1000000L};
    for (unsigned t = 0; t < JOIN_WAIT_MS; t += JOIN_POLL_MS) {
        nanosleep(&poll, NULL);
        size_t now = dist_node_members(n, NULL, NULL, 0);
        quiet = now == last ? quiet + JOIN_POLL_MS : 0;
        last = now;
        if (now > 1 && quiet >= JOIN_QUIET_MS)
            return;
    }
}

int node_cli_start(int argc, char **argv, int i, dist_cluster_t **out)
{
    struct node_flags f = {0};
    f.peers = calloc((size_t)argc, sizeof *f.peers);
    f.tags = calloc((size_t)argc, sizeof *f.tags);
    if (!f.peers || !f.tags) {
        fprintf(stderr, "lunatic node: out of memory\n");
        exit(EXIT_ERROR);
    }
    while (i < argc && take_flag(argc, argv, &i, &f))
        i++;
    const char *missing = !f.name ? "--name" : !f.listen ? "--listen"
                        : !f.ca ? "--ca" : !f.cert ? "--cert"
                        : !f.key ? "--key" : NULL;
    if (missing && i < argc && argv[i][0] == '-')
        usage_error("unknown flag", argv[i]);
    if (missing)
        usage_error("missing", missing);
    int rc = start(&f, out);
    if (rc == 0 && i < argc && (f.npeers > 0 || f.discover))
        wait_joined(*out);
    free(f.peers);
    free(f.tags);
    if (rc != 0)
        exit(rc);
    return i;
}
