/* cert_cli.c: `lunatic cert ca` makes a cluster CA (DIR/ca.pem, DIR/ca.key)
 * and `lunatic cert node` a node certificate signed by it (DIR/NAME.pem,
 * DIR/NAME.key), so a cluster needs no openssl. The work is net/cert.c's;
 * this file reads options, names files and reports in one line each. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "net/cert.h"
#include "tools/args.h"
#include "tools/cert_cli.h"

#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define CA_DAYS 3650
#define NODE_DAYS 365
#define MAX_DAYS 36500
/* Validity starts a minute early: a peer whose clock runs a little behind
 * still accepts a certificate made just now. */
#define CLOCK_SLACK 60

static const char cert_usage[] =
    "usage: lunatic cert ca --out DIR [--name CN] [--days N] [--force]\n"
    "       lunatic cert node --ca DIR --name NAME --out DIR [--days N]\n"
    "                         [--force]\n"
    "\n"
    "Makes the certificates of a cluster of nodes (EC P-256 keys).\n"
    "  ca    a cluster CA: DIR/ca.pem (give it to every node) and DIR/ca.key\n"
    "        (keep it off the nodes: whoever holds it can add members)\n"
    "  node  a certificate for node NAME signed by the CA in DIR/ca.pem and\n"
    "        DIR/ca.key: DIR/NAME.pem and DIR/NAME.key. NAME is how peers\n"
    "        dial and check the node: a lower-case DNS name (a-z, 0-9, '-',\n"
    "        labels of 1..63 characters separated by '.')\n"
    "\n"
    "options:\n"
    "  --out DIR    where to write (made if missing)\n"
    "  --name CN    the CA's name (default: \"lunatic cluster CA\")\n"
    "  --name NAME  the node's name\n"
    "  --ca DIR     the directory holding ca.pem and ca.key\n"
    "  --days N     validity in days (default: 3650 for a CA, 365 for a\n"
    "               node)\n"
    "  --force      replace existing files (otherwise refused)\n"
    "Keys are written with mode 0600.\n";

struct cert_opts {
    const char *out, *name, *ca;
    long days;
    bool force;
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("lunatic cert: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (try lunatic cert --help)\n", stderr);
    return EXIT_USAGE;
}

/* "--opt VALUE" or "--opt=VALUE" at argv[*i] (args_option_value); NULL if
 * it is not `name`, "" if the value is missing. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    bool missing = false;
    const char *v = args_option_value(argc, argv, i, name, &missing);
    return missing ? "" : v;
}

static int parse_days(const char *v, long *out)
{
    char *end;
    long d = strtol(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || d < 1 || d > MAX_DAYS)
        return usage_error("bad --days '%s': want 1..36500", v);
    *out = d;
    return 0;
}

/* Options from argv[0] on; 0, or the exit status of a usage error. */
static int parse(int argc, char **argv, struct cert_opts *o)
{
    const char *v;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        int rc = 0;
        if (!strcmp(arg, "--force")) {
            o->force = true;
            continue;
        }
        if ((v = value_of(argc, argv, &i, "--out")))
            o->out = v;
        else if ((v = value_of(argc, argv, &i, "--name")))
            o->name = v;
        else if ((v = value_of(argc, argv, &i, "--ca")))
            o->ca = v;
        else if ((v = value_of(argc, argv, &i, "--days")))
            rc = *v ? parse_days(v, &o->days) : 0;
        else
            return usage_error("unknown option '%s'", arg);
        if (rc)
            return rc;
        if (!*v)
            return usage_error("%s needs a value", arg);
    }
    return 0;
}

/* DIR, made (0700: it will hold keys) when missing. */
static int ensure_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lunatic cert: cannot make directory %s: %s\n", dir,
                strerror(errno));
        return EXIT_ERROR;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "lunatic cert: %s is not a directory\n", dir);
        return EXIT_ERROR;
    }
    return 0;
}

static bool join(char *out, const char *dir, const char *name,
                 const char *ext)
{
    int n = snprintf(out, PATH_MAX, "%s/%s%s", dir, name, ext);
    if (n < 0 || n >= PATH_MAX) {
        fprintf(stderr, "lunatic cert: path %s/%s%s too long\n", dir, name,
                ext);
        return false;
    }
    return true;
}

/* Save p as DIR/BASE.pem and DIR/BASE.key; names them in *cert, *key. */
static int save(const net_cert_pem_t *p, const struct cert_opts *o,
                const char *base, char *cert, char *key)
{
    char err[PATH_MAX + 128];
    int rc;
    if ((rc = ensure_dir(o->out)) != 0)
        return rc;
    if (!join(cert, o->out, base, ".pem") || !join(key, o->out, base, ".key"))
        return EXIT_ERROR;
    rc = net_cert_save(p, cert, key, o->force, err, sizeof err);
    if (rc == LUN_ERR_ERRNO(EEXIST)) {
        fprintf(stderr, "lunatic cert: %s (--force replaces it)\n", err);
        return EXIT_ERROR;
    }
    if (rc != 0) {
        fprintf(stderr, "lunatic cert: %s\n", err);
        return EXIT_ERROR;
    }
    return 0;
}

static void until(char *buf, size_t len, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(buf, len, "?");
}

static int make_ca(const struct cert_opts *o)
{
    char err[256], cert[PATH_MAX], key[PATH_MAX], end[40];
    net_cert_pem_t p;
    time_t now = time(NULL), not_after = now + (time_t)o->days * 86400;
    int rc;
    if (!o->out)
        return usage_error("%s", "cert ca needs --out DIR");
    if (o->ca)
        return usage_error("%s", "--ca is for cert node");
    if (net_cert_make_ca(o->name, now - CLOCK_SLACK, not_after, &p, err,
                         sizeof err) != 0) {
        fprintf(stderr, "lunatic cert: %s\n", err);
        return EXIT_ERROR;
    }
    rc = save(&p, o, "ca", cert, key);
    net_cert_pem_free(&p);
    if (rc == 0) {
        until(end, sizeof end, not_after);
        printf("wrote %s (the CA certificate \"%s\", valid until %s: give "
               "it to every node)\n", cert,
               o->name ? o->name : "lunatic cluster CA", end);
        printf("wrote %s (the CA key, mode 0600: keep it off the nodes)\n",
               key);
    }
    return rc;
}

static int make_node(const struct cert_opts *o)
{
    char err[PATH_MAX + 128], cert[PATH_MAX], key[PATH_MAX], end[40];
    net_cert_pem_t ca, p;
    time_t now = time(NULL), not_after = now + (time_t)o->days * 86400;
    int rc;
    if (!o->ca || !o->name || !o->out)
        return usage_error("%s", "cert node needs --ca DIR, --name NAME and "
                                 "--out DIR");
    if (net_node_name_check(o->name, err, sizeof err) != 0) {
        fprintf(stderr, "lunatic cert: %s\n", err);
        return EXIT_ERROR;
    }
    if (!join(cert, o->ca, "ca", ".pem") || !join(key, o->ca, "ca", ".key"))
        return EXIT_ERROR;
    if (net_cert_load(cert, key, &ca, err, sizeof err) != 0) {
        fprintf(stderr, "lunatic cert: CA: %s\n", err);
        return EXIT_ERROR;
    }
    rc = net_cert_make_node(&ca, o->name, now - CLOCK_SLACK, not_after, &p,
                            err, sizeof err);
    net_cert_pem_free(&ca);
    if (rc != 0) {
        fprintf(stderr, "lunatic cert: %s\n", err);
        return EXIT_ERROR;
    }
    rc = save(&p, o, o->name, cert, key);
    net_cert_pem_free(&p);
    if (rc == 0) {
        until(end, sizeof end, not_after);
        printf("wrote %s (node %s's certificate, valid until %s)\n", cert,
               o->name, end);
        printf("wrote %s (node %s's key, mode 0600)\n", key, o->name);
    }
    return rc;
}

int cert_cli(int argc, char **argv)
{
    struct cert_opts o = {0};
    bool ca;
    int rc;
    if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        fputs(cert_usage, stdout);
        return 0;
    }
    if (argc < 1)
        return usage_error("%s", "what to make: ca or node");
    if (strcmp(argv[0], "ca") && strcmp(argv[0], "node"))
        return usage_error("unknown command '%s': want ca or node", argv[0]);
    ca = !strcmp(argv[0], "ca");
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(cert_usage, stdout);
            return 0;
        }
    if ((rc = parse(argc - 1, argv + 1, &o)) != 0)
        return rc;
    if (!o.days)
        o.days = ca ? CA_DAYS : NODE_DAYS;
    return ca ? make_ca(&o) : make_node(&o);
}
