/* test_cert.c: the cluster's certificates (net/cert.c) read back with
 * mbedtls's parser, node names, the files they are saved to, and mutual
 * TLS between two node links (net_tls_node_conf) over a socketpair, both
 * ends driven by one non-blocking loop. */
#include "common/lun_prefix.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "net/cert.h"
#include "net/net.h"

TestSuite(net_cert, .timeout = 60);

#define DAY 86400

static char err[1024];

static net_cert_pem_t ca_valid(const char *cn)
{
    net_cert_pem_t ca;
    time_t now = time(NULL);
    int rc = net_cert_make_ca(cn, now - 60, now + 30 * DAY, &ca, err,
                              sizeof err);
    cr_assert_eq(rc, 0, "make CA: %s", err);
    return ca;
}

static net_cert_pem_t node_cert(const net_cert_pem_t *ca, const char *name,
                                time_t from, time_t to)
{
    net_cert_pem_t n;
    int rc = net_cert_make_node(ca, name, from, to, &n, err, sizeof err);
    cr_assert_eq(rc, 0, "make node %s: %s", name, err);
    return n;
}

static net_cert_pem_t node_valid(const net_cert_pem_t *ca, const char *name)
{
    time_t now = time(NULL);
    return node_cert(ca, name, now - 60, now + DAY);
}

static void parse(mbedtls_x509_crt *crt, const char *pem)
{
    mbedtls_x509_crt_init(crt);
    int rc = mbedtls_x509_crt_parse(crt, (const unsigned char *)pem,
                                    strlen(pem) + 1);
    cr_assert_eq(rc, 0, "parse: -0x%x", (unsigned)-rc);
}

static void assert_subject(const mbedtls_x509_crt *crt, const char *want)
{
    char dn[300];
    cr_assert_gt(mbedtls_x509_dn_gets(dn, sizeof dn, &crt->subject), 0);
    cr_assert_str_eq(dn, want);
}

/* mbedtls's x509_time of t (UTC). */
static void assert_time(const mbedtls_x509_time *x, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    cr_assert(x->year == tm.tm_year + 1900 && x->mon == tm.tm_mon + 1 &&
              x->day == tm.tm_mday && x->hour == tm.tm_hour &&
              x->min == tm.tm_min && x->sec == tm.tm_sec,
              "time %04d-%02d-%02d %02d:%02d:%02d", x->year, x->mon, x->day,
              x->hour, x->min, x->sec);
}

/* {===== the certificates */

Test(net_cert, ca_is_a_self_signed_ca_with_path_length_zero)
{
    time_t now = time(NULL);
    net_cert_pem_t ca;
    mbedtls_x509_crt crt;
    uint32_t flags = 0;
    cr_assert_eq(net_cert_make_ca(NULL, now - 60, now + 10 * DAY, &ca, err,
                                  sizeof err), 0, "%s", err);
    cr_assert(strstr(ca.key, "-----BEGIN EC PRIVATE KEY-----"));
    parse(&crt, ca.cert);
    assert_subject(&crt, "CN=lunatic cluster CA");
    cr_assert_eq(crt.ca_istrue, 1);
    cr_assert_eq(crt.max_pathlen, 1); /* mbedtls stores pathlen + 1 */
    cr_assert_eq(mbedtls_x509_crt_check_key_usage(
                     &crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
                               MBEDTLS_X509_KU_CRL_SIGN), 0);
    cr_assert(mbedtls_pk_can_do(&crt.pk, MBEDTLS_PK_ECKEY));
    cr_assert_eq(mbedtls_pk_get_bitlen(&crt.pk), 256);
    assert_time(&crt.valid_from, now - 60);
    assert_time(&crt.valid_to, now + 10 * DAY);
    cr_assert_eq(crt.serial.len, 16);
    /* Self-signed: it verifies against itself. */
    cr_assert_eq(mbedtls_x509_crt_verify(&crt, &crt, NULL, NULL, &flags,
                                         NULL, NULL), 0, "flags %x", flags);
    mbedtls_x509_crt_free(&crt);
    net_cert_pem_free(&ca);
}

Test(net_cert, ca_name_is_given_and_checked)
{
    net_cert_pem_t ca = ca_valid("acme prod CA"), bad;
    mbedtls_x509_crt crt;
    time_t now = time(NULL);
    parse(&crt, ca.cert);
    assert_subject(&crt, "CN=acme prod CA");
    mbedtls_x509_crt_free(&crt);
    net_cert_pem_free(&ca);
    cr_assert_eq(net_cert_make_ca("a,b=c", now, now + DAY, &bad, err,
                                  sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "bad CA name"), "%s", err);
    cr_assert_eq(net_cert_make_ca("", now, now + DAY, &bad, err, sizeof err),
                 LUN_EINVAL);
}

Test(net_cert, two_cas_differ_in_key_and_serial)
{
    net_cert_pem_t a = ca_valid(NULL), b = ca_valid(NULL);
    mbedtls_x509_crt ca, cb;
    parse(&ca, a.cert);
    parse(&cb, b.cert);
    cr_assert_str_neq(a.key, b.key);
    cr_assert(memcmp(ca.serial.p, cb.serial.p, ca.serial.len) != 0);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&cb);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
}

Test(net_cert, node_certificate_names_the_node_and_is_signed_by_the_ca)
{
    time_t now = time(NULL);
    net_cert_pem_t ca = ca_valid(NULL), other = ca_valid(NULL);
    net_cert_pem_t n = node_cert(&ca, "db-1.cluster.local", now - 60,
                                 now + 7 * DAY);
    mbedtls_x509_crt crt, root, other_root;
    uint32_t flags = 0;
    parse(&crt, n.cert);
    parse(&root, ca.cert);
    parse(&other_root, other.cert);
    assert_subject(&crt, "CN=db-1.cluster.local");
    cr_assert_eq(crt.ca_istrue, 0);
    /* One subjectAltName, a dNSName: the node's name. */
    const mbedtls_x509_sequence *san = &crt.subject_alt_names;
    cr_assert_eq(san->buf.tag,
                 MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME);
    cr_assert_eq(san->buf.len, strlen("db-1.cluster.local"));
    cr_assert(memcmp(san->buf.p, "db-1.cluster.local", san->buf.len) == 0);
    cr_assert_null(san->next);
    cr_assert_eq(mbedtls_x509_crt_check_key_usage(
                     &crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                               MBEDTLS_X509_KU_KEY_ENCIPHERMENT), 0);
    cr_assert_eq(mbedtls_x509_crt_check_key_usage(
                     &crt, MBEDTLS_X509_KU_KEY_CERT_SIGN), -0x2800 /*
                     MBEDTLS_ERR_X509_BAD_INPUT_DATA */);
    cr_assert_eq(mbedtls_x509_crt_check_extended_key_usage(
                     &crt, MBEDTLS_OID_SERVER_AUTH,
                     MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
    cr_assert_eq(mbedtls_x509_crt_check_extended_key_usage(
                     &crt, MBEDTLS_OID_CLIENT_AUTH,
                     MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)), 0);
    cr_assert_neq(mbedtls_x509_crt_check_extended_key_usage(
                      &crt, MBEDTLS_OID_CODE_SIGNING,
                      MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)), 0);
    assert_time(&crt.valid_from, now - 60);
    assert_time(&crt.valid_to, now + 7 * DAY);
    cr_assert_eq(mbedtls_x509_crt_verify(&crt, &root, NULL,
                                         "db-1.cluster.local", &flags, NULL,
                                         NULL), 0, "flags %x", flags);
    cr_assert_neq(mbedtls_x509_crt_verify(&crt, &root, NULL, "db-2", &flags,
                                          NULL, NULL), 0);
    cr_assert(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    cr_assert_neq(mbedtls_x509_crt_verify(&crt, &other_root, NULL, NULL,
                                          &flags, NULL, NULL), 0);
    cr_assert(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    mbedtls_x509_crt_free(&crt);
    mbedtls_x509_crt_free(&root);
    mbedtls_x509_crt_free(&other_root);
    net_cert_pem_free(&n);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&other);
}

Test(net_cert, expired_and_future_certificates_are_made_as_asked)
{
    time_t now = time(NULL);
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t old = node_cert(&ca, "old", now - 10 * DAY, now - DAY);
    net_cert_pem_t soon = node_cert(&ca, "soon", now + DAY, now + 2 * DAY);
    mbedtls_x509_crt root, a, b;
    uint32_t flags = 0;
    parse(&root, ca.cert);
    parse(&a, old.cert);
    parse(&b, soon.cert);
    cr_assert_neq(mbedtls_x509_crt_verify(&a, &root, NULL, NULL, &flags,
                                          NULL, NULL), 0);
    cr_assert_eq(flags, MBEDTLS_X509_BADCERT_EXPIRED, "flags %x", flags);
    cr_assert_neq(mbedtls_x509_crt_verify(&b, &root, NULL, NULL, &flags,
                                          NULL, NULL), 0);
    cr_assert_eq(flags, MBEDTLS_X509_BADCERT_FUTURE, "flags %x", flags);
    mbedtls_x509_crt_free(&root);
    mbedtls_x509_crt_free(&a);
    mbedtls_x509_crt_free(&b);
    net_cert_pem_free(&old);
    net_cert_pem_free(&soon);
    net_cert_pem_free(&ca);
}

Test(net_cert, node_certificate_needs_a_real_ca_and_its_key)
{
    time_t now = time(NULL);
    net_cert_pem_t ca = ca_valid(NULL), other = ca_valid(NULL), out;
    net_cert_pem_t n = node_valid(&ca, "n1");
    net_cert_pem_t mixed = {ca.cert, other.key}, leaf = n;
    cr_assert_eq(net_cert_make_node(&mixed, "n2", now, now + DAY, &out, err,
                                    sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "CA key does not match"), "%s", err);
    cr_assert_eq(net_cert_make_node(&leaf, "n2", now, now + DAY, &out, err,
                                    sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "not a CA"), "%s", err);
    net_cert_pem_t junk = {(char *)"not a certificate", ca.key};
    cr_assert_eq(net_cert_make_node(&junk, "n2", now, now + DAY, &out, err,
                                    sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "CA certificate"), "%s", err);
    cr_assert_eq(net_cert_make_node(&ca, "n2", now + DAY, now, &out, err,
                                    sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "validity"), "%s", err);
    cr_assert_eq(net_cert_make_node(&ca, "N2", now, now + DAY, &out, err,
                                    sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "bad node name 'N2'"), "%s", err);
    cr_assert_null(out.cert);
    net_cert_pem_free(&n);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&other);
}

/* }===== */
/* {===== node names */

static void name_ok(const char *name)
{
    cr_assert_eq(net_node_name_check(name, err, sizeof err), 0, "'%s': %s",
                 name, err);
}

static void name_bad(const char *name, const char *why)
{
    cr_assert_eq(net_node_name_check(name, err, sizeof err), LUN_EINVAL,
                 "'%s' accepted", name);
    cr_assert(strstr(err, why), "'%s': %s (want '%s')", name, err, why);
}

Test(net_cert, node_names)
{
    char label63[64], label64[65], long_name[300];
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'b', 64);
    label64[64] = '\0';
    name_ok("a");
    name_ok("node-1");
    name_ok("0");
    name_ok("db-1.cluster.local");
    name_ok(label63);
    /* 253 characters: three labels of 63 and one of 61, dot-separated. */
    snprintf(long_name, sizeof long_name, "%s.%s.%s.%.61s", label63, label63,
             label63, label63);
    cr_assert_eq(strlen(long_name), 253);
    name_ok(long_name);
    strcat(long_name, "b");
    name_bad(long_name, "longer than 253");
    name_bad("", "empty label");
    name_bad("a..b", "empty label");
    name_bad(".a", "empty label");
    name_bad("a.", "empty label");
    name_bad(label64, "longer than 63");
    name_bad("-a", "starts or ends with '-'");
    name_bad("a.b-", "starts or ends with '-'");
    name_bad("Node1", "character 'N' not allowed");
    name_bad("a_b", "character '_' not allowed");
    name_bad("a b", "character ' ' not allowed");
    name_bad("../etc", "empty label");
    name_bad("a/b", "character '/' not allowed");
}

/* }===== */
/* {===== files */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_cert.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_mode & 0777;
}

Test(net_cert, saved_key_is_private_and_files_are_not_replaced_unforced)
{
    net_cert_pem_t ca = ca_valid(NULL), again = ca_valid(NULL), back;
    char cert[128], key[128];
    make_tmpdir();
    snprintf(cert, sizeof cert, "%s/ca.pem", tmpdir);
    snprintf(key, sizeof key, "%s/ca.key", tmpdir);
    cr_assert_eq(net_cert_save(&ca, cert, key, false, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(mode_of(key), 0600);
    cr_assert_eq(mode_of(cert), 0644);
    cr_assert_eq(net_cert_load(cert, key, &back, err, sizeof err), 0);
    cr_assert_str_eq(back.cert, ca.cert);
    cr_assert_str_eq(back.key, ca.key);
    net_cert_pem_free(&back);
    /* Not replaced without force, and nothing half-written. */
    cr_assert_eq(net_cert_save(&again, cert, key, false, err, sizeof err),
                 LUN_ERR_ERRNO(EEXIST));
    cr_assert(strstr(err, "ca.pem exists"), "%s", err);
    cr_assert_eq(net_cert_load(cert, key, &back, err, sizeof err), 0);
    cr_assert_str_eq(back.key, ca.key);
    net_cert_pem_free(&back);
    /* Forced: replaced, and the key is private again even if it was not. */
    cr_assert_eq(chmod(key, 0644), 0);
    cr_assert_eq(net_cert_save(&again, cert, key, true, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(mode_of(key), 0600);
    cr_assert_eq(net_cert_load(cert, key, &back, err, sizeof err), 0);
    cr_assert_str_eq(back.key, again.key);
    net_cert_pem_free(&back);
    cr_assert_neq(net_cert_load("/nonexistent/ca.pem", key, &back, err,
                                sizeof err), 0);
    cr_assert(strstr(err, "cannot read /nonexistent/ca.pem"), "%s", err);
    unlink(cert);
    unlink(key);
    rmdir(tmpdir);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&again);
}

/* }===== */
/* {===== mutual TLS between node links */

/* One side of a link: its config, session, and how its handshake ended. */
struct side {
    net_tls_conf_t *conf;
    net_tls_t *tls;
    int fd, rc;
    char err[600];
};

/* A node link's config trusting the CA(s) of the PEM text ca. */
static net_tls_conf_t *node_conf_pem(bool server, const char *ca,
                                     const net_cert_pem_t *me)
{
    net_tls_conf_t *c;
    int rc = net_tls_node_conf(server, (const uint8_t *)ca, strlen(ca),
                               (const uint8_t *)me->cert,
                               strlen(me->cert), (const uint8_t *)me->key,
                               strlen(me->key), &c, err, sizeof err);
    cr_assert_eq(rc, 0, "node conf: %s", err);
    return c;
}

static net_tls_conf_t *node_conf(bool server, const net_cert_pem_t *ca,
                                 const net_cert_pem_t *me)
{
    return node_conf_pem(server, ca->cert, me);
}

/* Drive both handshakes over a socketpair until each has ended. A side
 * that fails closes its end, so the other sees the link go and cannot
 * wait forever; a bound on the rounds catches a hang all the same. */
static void handshake(struct side *srv, struct side *cli, const char *dial)
{
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    srv->fd = fds[0];
    cli->fd = fds[1];
    cr_assert_eq(net_tls_new(srv->conf, srv->fd, NULL, &srv->tls), 0);
    cr_assert_eq(net_tls_new(cli->conf, cli->fd, dial, &cli->tls), 0);
    srv->rc = cli->rc = LUN_EAGAIN;
    for (int round = 0; round < 100000; round++) {
        struct side *s[2] = {cli, srv};
        for (int i = 0; i < 2; i++) {
            if (s[i]->rc != LUN_EAGAIN)
                continue;
            s[i]->rc = net_tls_handshake(s[i]->tls);
            if (s[i]->rc != 0 && s[i]->rc != LUN_EAGAIN) {
                snprintf(s[i]->err, sizeof s[i]->err, "%s",
                         net_tls_error(s[i]->tls));
                shutdown(s[i]->fd, SHUT_RDWR);
            }
        }
        if (srv->rc != LUN_EAGAIN && cli->rc != LUN_EAGAIN)
            return;
    }
    cr_assert_fail("handshake did not end (server %d, client %d)", srv->rc,
                   cli->rc);
}

static void side_free(struct side *s)
{
    net_tls_free(s->tls);
    net_tls_conf_unref(s->conf);
    close(s->fd);
}

static void assert_refused(const struct side *s, const char *why)
{
    cr_assert_eq(s->rc, LUN_EIO, "handshake not refused (%d)", s->rc);
    cr_assert(strstr(s->err, why), "error '%s', want '%s'", s->err, why);
    cr_assert_null(strchr(s->err, '\n'), "not one line: %s", s->err);
}

/* Bytes from one end arrive at the other (both sessions are live). */
static void exchange(struct side *from, struct side *to, const char *msg)
{
    char buf[64] = "";
    int64_t n = LUN_EAGAIN, got = LUN_EAGAIN;
    cr_assert_eq(net_tls_write(from->tls, msg, strlen(msg)),
                 (int64_t)strlen(msg));
    for (int i = 0; i < 1000 && got == LUN_EAGAIN; i++)
        got = net_tls_read(to->tls, buf, sizeof buf - 1);
    n = got;
    cr_assert_eq(n, (int64_t)strlen(msg));
    cr_assert_str_eq(buf, msg);
}

Test(net_cert, mutual_tls_between_two_nodes_of_a_cluster)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a"), b = node_valid(&ca, "node-b");
    struct side srv = {.conf = node_conf(true, &ca, &a)};
    struct side cli = {.conf = node_conf(false, &ca, &b)};
    char name[NET_NODE_NAME_MAX + 1];
    handshake(&srv, &cli, "node-a");
    cr_assert_eq(srv.rc, 0, "server: %s", srv.err);
    cr_assert_eq(cli.rc, 0, "client: %s", cli.err);
    /* The accepting side learns who connected; each sees the other. */
    cr_assert_eq(net_tls_peer_node(srv.tls, NULL, name, sizeof name), 0);
    cr_assert_str_eq(name, "node-b");
    cr_assert_eq(net_tls_peer_node(srv.tls, "node-b", NULL, 0), 0);
    cr_assert_eq(net_tls_peer_node(cli.tls, "node-a", name, sizeof name), 0);
    cr_assert_str_eq(name, "node-a");
    exchange(&cli, &srv, "hello from b");
    exchange(&srv, &cli, "hello from a");
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
    net_cert_pem_free(&ca);
}

Test(net_cert, accepting_side_refuses_a_name_other_than_the_claimed_one)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a"), b = node_valid(&ca, "node-b");
    struct side srv = {.conf = node_conf(true, &ca, &a)};
    struct side cli = {.conf = node_conf(false, &ca, &b)};
    char name[NET_NODE_NAME_MAX + 1] = "";
    handshake(&srv, &cli, "node-a");
    cr_assert_eq(srv.rc, 0, "server: %s", srv.err);
    /* The peer's hello claims node-x; its certificate says node-b. */
    cr_assert_eq(net_tls_peer_node(srv.tls, "node-x", name, sizeof name),
                 LUN_EIO);
    cr_assert_str_eq(net_tls_error(srv.tls),
                     "certificate is for node node-b, expected node-x");
    cr_assert_str_eq(name, "");
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
    net_cert_pem_free(&ca);
}

Test(net_cert, dialing_side_refuses_a_server_certified_for_another_node)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t c = node_valid(&ca, "node-c"), b = node_valid(&ca, "node-b");
    struct side srv = {.conf = node_conf(true, &ca, &c)};
    struct side cli = {.conf = node_conf(false, &ca, &b)};
    handshake(&srv, &cli, "node-a"); /* dials node-a, node-c answers */
    assert_refused(&cli, "certificate is for node node-c, expected node-a");
    cr_assert_neq(srv.rc, 0);
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&c);
    net_cert_pem_free(&b);
    net_cert_pem_free(&ca);
}

Test(net_cert, server_refuses_a_client_certificate_from_another_ca)
{
    net_cert_pem_t ca = ca_valid(NULL), rogue = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a");
    net_cert_pem_t m = node_valid(&rogue, "node-m");
    char both[8192];
    struct side srv = {.conf = node_conf(true, &ca, &a)};
    /* The intruder trusts the real CA and its own, which signed its
     * certificate (a node link's config refuses an own certificate that
     * none of the CAs it trusts signed). */
    snprintf(both, sizeof both, "%s%s", ca.cert, rogue.cert);
    struct side cli = {.conf = node_conf_pem(false, both, &m)};
    handshake(&srv, &cli, "node-a");
    assert_refused(&srv, "certificate not signed by the cluster CA");
    cr_assert(strstr(srv.err, "node-m"), "%s", srv.err);
    cr_assert_neq(cli.rc, 0);
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&a);
    net_cert_pem_free(&m);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&rogue);
}

Test(net_cert, client_refuses_a_server_certificate_from_another_ca)
{
    net_cert_pem_t ca = ca_valid(NULL), rogue = ca_valid(NULL);
    net_cert_pem_t m = node_valid(&rogue, "node-a");
    net_cert_pem_t b = node_valid(&ca, "node-b");
    struct side srv = {.conf = node_conf(true, &rogue, &m)};
    struct side cli = {.conf = node_conf(false, &ca, &b)};
    handshake(&srv, &cli, "node-a");
    assert_refused(&cli, "certificate not signed by the cluster CA");
    cr_assert_neq(srv.rc, 0);
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&m);
    net_cert_pem_free(&b);
    net_cert_pem_free(&ca);
    net_cert_pem_free(&rogue);
}

/* A client whose certificate is out of its validity window. */
static void refused_out_of_window(time_t from, time_t to, const char *why)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a");
    net_cert_pem_t b = node_cert(&ca, "node-b", from, to);
    struct side srv = {.conf = node_conf(true, &ca, &a)};
    struct side cli = {.conf = node_conf(false, &ca, &b)};
    handshake(&srv, &cli, "node-a");
    assert_refused(&srv, why);
    cr_assert_neq(cli.rc, 0);
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&a);
    net_cert_pem_free(&b);
    net_cert_pem_free(&ca);
}

Test(net_cert, server_refuses_an_expired_client_certificate)
{
    time_t now = time(NULL);
    refused_out_of_window(now - 10 * DAY, now - DAY, "certificate expired");
}

Test(net_cert, server_refuses_a_client_certificate_not_yet_valid)
{
    time_t now = time(NULL);
    refused_out_of_window(now + DAY, now + 10 * DAY,
                          "certificate not yet valid");
}

Test(net_cert, server_refuses_a_client_without_a_certificate)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a");
    const uint8_t *roots[1] = {(const uint8_t *)ca.cert};
    size_t lens[1] = {strlen(ca.cert)};
    struct side srv = {.conf = node_conf(true, &ca, &a)};
    struct side cli = {0};
    /* A plain TLS client: it trusts the CA but has no certificate. */
    cr_assert_eq(net_tls_client_conf(roots, lens, 1, &cli.conf, err,
                                     sizeof err), 0, "%s", err);
    handshake(&srv, &cli, "node-a");
    assert_refused(&srv, "peer sent no certificate");
    cr_assert_neq(cli.rc, 0);
    side_free(&srv);
    side_free(&cli);
    net_cert_pem_free(&a);
    net_cert_pem_free(&ca);
}

Test(net_cert, node_conf_refuses_bad_pem)
{
    net_cert_pem_t ca = ca_valid(NULL);
    net_cert_pem_t a = node_valid(&ca, "node-a");
    net_tls_conf_t *c = (net_tls_conf_t *)&c;
    const char junk[] = "junk";
    cr_assert_eq(net_tls_node_conf(true, (const uint8_t *)junk, 4,
                                   (const uint8_t *)a.cert, strlen(a.cert),
                                   (const uint8_t *)a.key, strlen(a.key), &c,
                                   err, sizeof err), LUN_EINVAL);
    cr_assert(strstr(err, "cluster CA certificate"), "%s", err);
    cr_assert_null(c);
    cr_assert_eq(net_tls_node_conf(false, (const uint8_t *)ca.cert,
                                   strlen(ca.cert), (const uint8_t *)a.cert,
                                   strlen(a.cert), (const uint8_t *)ca.key,
                                   strlen(ca.key), &c, err, sizeof err),
                 LUN_EINVAL);
    cr_assert(strstr(err, "certificate and key do not match"), "%s", err);
    /* Its own certificate from another CA: refused before any link. */
    net_cert_pem_t other = ca_valid(NULL);
    cr_assert_eq(net_tls_node_conf(true, (const uint8_t *)other.cert,
                                   strlen(other.cert), (const uint8_t *)a.cert,
                                   strlen(a.cert), (const uint8_t *)a.key,
                                   strlen(a.key), &c, err, sizeof err),
                 LUN_EINVAL);
    cr_assert_str_eq(err, "own certificate not signed by the cluster CA");
    net_cert_pem_free(&other);
    net_cert_pem_free(&a);
    net_cert_pem_free(&ca);
}

/* }===== */
