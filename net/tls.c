/* tls.c: TLS streams over non-blocking sockets with mbedtls (2.28): a
 * shared, reference-counted config per listener or connect call, and a
 * session per connection whose WANT_READ/WANT_WRITE become LUN_EAGAIN.
 * TLS 1.2 is the minimum. Interface: net/net.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "net/cert.h"
#include "net/net.h"

#define SYSTEM_ROOTS "/etc/ssl/certs/ca-certificates.crt"

struct net_tls_conf {
    _Atomic uint32_t refs;
    mbedtls_ssl_config ssl;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg; /* locked inside (MBEDTLS_THREADING_C) */
    mbedtls_x509_crt certs;        /* own chain (server) or roots (client) */
    mbedtls_pk_context key;
    mbedtls_x509_crt cluster_ca;   /* node links: the only root trusted */
    bool node;                     /* a node link (net_tls_node_conf) */
};

struct net_tls {
    net_tls_conf_t *conf;
    mbedtls_ssl_context ssl;
    int fd;
    uint32_t want;
    /* Node links: the node dialed (empty when accepting) and the name the
     * peer's certificate gave, noted while it was verified, so a refusal
     * can say whose certificate failed. */
    char expected[NET_NODE_NAME_MAX + 1];
    char peer[NET_NODE_NAME_MAX + 1];
    char err[2 * NET_NODE_NAME_MAX + 128];
};

static void set_err(char *err, size_t errlen, const char *what, int rc)
{
    char buf[100];
    mbedtls_strerror(rc, buf, sizeof buf);
    snprintf(err, errlen, "%s: %s", what, buf);
}

/* mbedtls wants PEM text NUL-terminated, with the NUL counted. */
static unsigned char *pem_copy(const uint8_t *p, size_t len)
{
    unsigned char *c = malloc(len + 1);
    if (c) {
        memcpy(c, p, len);
        c[len] = '\0';
    }
    return c;
}

static int conf_new(int endpoint, net_tls_conf_t **out, char *err,
                    size_t errlen)
{
    static const char pers[] = "lunatic-net-tls";
    net_tls_conf_t *c = calloc(1, sizeof *c);
    int rc;
    if (!(*out = c))
        return LUN_ENOMEM;
    atomic_init(&c->refs, 1);
    mbedtls_ssl_config_init(&c->ssl);
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    mbedtls_x509_crt_init(&c->certs);
    mbedtls_pk_init(&c->key);
    mbedtls_x509_crt_init(&c->cluster_ca);
    if ((rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func,
                                    &c->entropy, (const void *)pers,
                                    sizeof pers - 1)) != 0 ||
        (rc = mbedtls_ssl_config_defaults(&c->ssl, endpoint,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        set_err(err, errlen, "TLS setup", rc);
        return LUN_EIO;
    }
    mbedtls_ssl_conf_rng(&c->ssl, mbedtls_ctr_drbg_random, &c->drbg);
    mbedtls_ssl_conf_min_version(&c->ssl, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3); /* 1.2 */
    return 0;
}

/* Certificates, chains and keys are kilobytes; longer input is refused
 * before it is copied (a guest could pass gigabytes). */
#define PEM_MAX (1u << 20)

static bool pem_too_long(size_t len, char *err, size_t errlen)
{
    if (len <= PEM_MAX)
        return false;
    snprintf(err, errlen, "certificate or key longer than %u bytes",
             PEM_MAX);
    return true;
}

/* Parse the PEM certificate (chain) and key into c and present them. */
static int load_own(net_tls_conf_t *c, const uint8_t *cert, size_t cert_len,
                    const uint8_t *key, size_t key_len, char *err,
                    size_t errlen)
{
    if (pem_too_long(cert_len, err, errlen) ||
        pem_too_long(key_len, err, errlen))
        return LUN_EINVAL;
    unsigned char *cp = pem_copy(cert, cert_len), *kp = pem_copy(key, key_len);
    int rc = cp && kp ? 0 : LUN_ENOMEM;
    if (rc == 0 && (rc = mbedtls_x509_crt_parse(&c->certs, cp,
                                                cert_len + 1)) != 0) {
        set_err(err, errlen, "certificate", rc);
        rc = LUN_EINVAL;
    }
    if (rc == 0 && (rc = mbedtls_pk_parse_key(&c->key, kp, key_len + 1,
                                              NULL, 0)) != 0) {
        set_err(err, errlen, "private key", rc);
        rc = LUN_EINVAL;
    }
    if (rc == 0 && (rc = mbedtls_ssl_conf_own_cert(&c->ssl, &c->certs,
                                                   &c->key)) != 0) {
        set_err(err, errlen, "certificate and key", rc);
        rc = LUN_EINVAL;
    }
    if (kp)
        mbedtls_platform_zeroize(kp, key_len);
    free(cp);
    free(kp);
    return rc;
}

int net_tls_server_conf(const uint8_t *cert, size_t cert_len,
                        const uint8_t *key, size_t key_len,
                        net_tls_conf_t **out, char *err, size_t errlen)
{
    net_tls_conf_t *c;
    int rc = conf_new(MBEDTLS_SSL_IS_SERVER, &c, err, errlen);
    if (rc == 0)
        rc = load_own(c, cert, cert_len, key, key_len, err, errlen);
    if (rc != 0) {
        net_tls_conf_unref(c);
        *out = NULL;
        return rc;
    }
    *out = c;
    return 0;
}

int net_tls_client_conf(const uint8_t *const *cas, const size_t *lens,
                        size_t n, net_tls_conf_t **out, char *err,
                        size_t errlen)
{
    net_tls_conf_t *c;
    for (size_t i = 0; i < n; i++)
        if (pem_too_long(lens[i], err, errlen))
            return LUN_EINVAL;
    int rc = conf_new(MBEDTLS_SSL_IS_CLIENT, &c, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char *p = pem_copy(cas[i], lens[i]);
        rc = p ? mbedtls_x509_crt_parse(&c->certs, p, lens[i] + 1)
               : LUN_ENOMEM;
        free(p);
        if (rc > 0 || (rc < 0 && rc != LUN_ENOMEM)) {
            set_err(err, errlen, "root certificate", rc);
            rc = LUN_EINVAL;
        }
    }
    if (rc == 0 && n == 0 &&
        mbedtls_x509_crt_parse_file(&c->certs, SYSTEM_ROOTS) < 0) {
        snprintf(err, errlen, "no system roots at %s", SYSTEM_ROOTS);
        rc = LUN_EINVAL;
    }
    if (rc != 0) {
        net_tls_conf_unref(c);
        *out = NULL;
        return rc;
    }
    mbedtls_ssl_conf_ca_chain(&c->ssl, &c->certs, NULL);
    mbedtls_ssl_conf_authmode(&c->ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
    *out = c;
    return 0;
}

/* A node's own certificate must come from the cluster CA: given another
 * CA's files, a node would start and then be refused by every peer. Its
 * validity window is left to the peers (and their clocks) to judge. */
static int own_cert_check(net_tls_conf_t *c, char *err, size_t errlen)
{
    uint32_t flags = 0;
    (void)mbedtls_x509_crt_verify(&c->certs, &c->cluster_ca, NULL, NULL,
                                  &flags, NULL, NULL);
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        snprintf(err, errlen, "own certificate not signed by the cluster CA");
        return LUN_EINVAL;
    }
    return 0;
}

int net_tls_node_conf(bool server, const uint8_t *ca, size_t ca_len,
                      const uint8_t *cert, size_t cert_len,
                      const uint8_t *key, size_t key_len,
                      net_tls_conf_t **out, char *err, size_t errlen)
{
    net_tls_conf_t *c = NULL;
    unsigned char *p = NULL;
    int rc = pem_too_long(ca_len, err, errlen) ? LUN_EINVAL : 0;
    if (rc == 0)
        rc = conf_new(server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                      &c, err, errlen);
    if (rc == 0)
        rc = load_own(c, cert, cert_len, key, key_len, err, errlen);
    /* A node's files are checked at start, not at its first link. */
    if (rc == 0 && mbedtls_pk_check_pair(&c->certs.pk, &c->key) != 0) {
        snprintf(err, errlen, "certificate and key do not match");
        rc = LUN_EINVAL;
    }
    if (rc == 0 && !(p = pem_copy(ca, ca_len)))
        rc = LUN_ENOMEM;
    if (rc == 0 && (rc = mbedtls_x509_crt_parse(&c->cluster_ca, p,
                                                ca_len + 1)) != 0) {
        set_err(err, errlen, "cluster CA certificate", rc);
        rc = LUN_EINVAL;
    }
    free(p);
    if (rc == 0)
        rc = own_cert_check(c, err, errlen);
    if (rc != 0) {
        net_tls_conf_unref(c);
        *out = NULL;
        return rc;
    }
    c->node = true;
    mbedtls_ssl_conf_ca_chain(&c->ssl, &c->cluster_ca, NULL);
    /* Both ends: a server's default is not to ask for a certificate. */
    mbedtls_ssl_conf_authmode(&c->ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
    *out = c;
    return 0;
}

void net_tls_conf_unref(net_tls_conf_t *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    mbedtls_ssl_config_free(&c->ssl);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
    mbedtls_x509_crt_free(&c->certs);
    mbedtls_pk_free(&c->key);
    mbedtls_x509_crt_free(&c->cluster_ca);
    free(c);
}

/* The BIO callbacks: the raw non-blocking socket. */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    net_tls_t *t = ctx;
    ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    net_tls_t *t = ctx;
    ssize_t n = recv(t->fd, buf, len, 0);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return MBEDTLS_ERR_SSL_WANT_READ;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The first dNSName of crt's subjectAltName into out, if it has one
 * that fits (a node's certificate has exactly one: its name). */
static bool first_dns_name(const mbedtls_x509_crt *crt, char *out,
                           size_t len)
{
    const mbedtls_x509_sequence *san = &crt->subject_alt_names;
    for (; san && san->buf.p; san = san->next)
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                             MBEDTLS_X509_SAN_DNS_NAME)) {
            if (san->buf.len >= len)
                return false;
            memcpy(out, san->buf.p, san->buf.len);
            out[san->buf.len] = '\0';
            return true;
        }
    return false;
}

/* mbedtls calls this for each certificate of the peer's chain while it
 * verifies it; the leaf (depth 0) is the peer's own. Its name is noted
 * whatever the verdict, which stays mbedtls's (flags untouched). */
static int note_peer(void *ud, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags)
{
    net_tls_t *t = ud;
    (void)flags;
    if (depth == 0 && !first_dns_name(crt, t->peer, sizeof t->peer))
        t->peer[0] = '\0';
    return 0;
}

/* TLS sessions alive in this process (net_tls_sessions): guests' TLS
 * streams and a node's links. */
static atomic_uint_fast64_t live_sessions;

uint64_t net_tls_sessions(void)
{
    return (uint64_t)atomic_load_explicit(&live_sessions,
                                          memory_order_relaxed);
}

int net_tls_new(net_tls_conf_t *c, int fd, const char *host,
                net_tls_t **out)
{
    net_tls_t *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return LUN_ENOMEM;
    mbedtls_ssl_init(&t->ssl);
    if (mbedtls_ssl_setup(&t->ssl, &c->ssl) != 0 ||
        (host && mbedtls_ssl_set_hostname(&t->ssl, host) != 0)) {
        mbedtls_ssl_free(&t->ssl);
        free(t);
        return LUN_ENOMEM;
    }
    if (c->node) {
        mbedtls_ssl_set_verify(&t->ssl, note_peer, t);
        if (host)
            snprintf(t->expected, sizeof t->expected, "%s", host);
    }
    atomic_fetch_add(&c->refs, 1);
    t->conf = c;
    t->fd = fd;
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    atomic_fetch_add_explicit(&live_sessions, 1, memory_order_relaxed);
    *out = t;
    return 0;
}

void net_tls_free(net_tls_t *t)
{
    if (!t)
        return;
    mbedtls_ssl_free(&t->ssl);
    net_tls_conf_unref(t->conf);
    free(t);
    atomic_fetch_sub_explicit(&live_sessions, 1, memory_order_relaxed);
}

/* Why a node link's peer was refused, from mbedtls's verify flags; the
 * most telling reason first (a certificate from another CA may also
 * be expired, but that is not what matters). False for a reason not
 * named here (a key usage, say): mbedtls's own text says it then. */
static bool node_refusal(net_tls_t *t, int rc, const char *what)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
    const char *why = NULL;
    if (rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ||
        (flags & MBEDTLS_X509_BADCERT_MISSING))
        why = "peer sent no certificate";
    else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        why = "certificate not signed by the cluster CA";
    else if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        why = "certificate expired";
    else if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        why = "certificate not yet valid";
    if (why && t->peer[0])
        snprintf(t->err, sizeof t->err, "%s: %s (it names node %s)", what,
                 why, t->peer);
    else if (why)
        snprintf(t->err, sizeof t->err, "%s: %s", what, why);
    else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        snprintf(t->err, sizeof t->err,
                 "%s: certificate is for node %s, expected %s", what,
                 t->peer[0] ? t->peer : "(none)", t->expected);
    else
        return false;
    return true;
}

/* Map an mbedtls result: WANT_* -> LUN_EAGAIN, errors -> LUN_EIO. */
static int64_t status(net_tls_t *t, int rc, const char *what)
{
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
        t->want = NET_READABLE;
        return LUN_EAGAIN;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        t->want = NET_WRITABLE;
        return LUN_EAGAIN;
    }
    if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
        return 0; /* an orderly end reads as EOF */
    set_err(t->err, sizeof t->err, what, rc);
    if (t->conf->node && (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
                          rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) &&
        node_refusal(t, rc, what))
        return LUN_EIO;
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
        char info[80] = "";
        mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
        info[strcspn(info, "\n")] = '\0';
        snprintf(t->err, sizeof t->err, "%s: certificate not trusted (%s)",
                 what, info);
    }
    return LUN_EIO;
}

int net_tls_handshake(net_tls_t *t)
{
    int rc = mbedtls_ssl_handshake(&t->ssl);
    if (rc == 0)
        return 0;
    int64_t s = status(t, rc, "TLS handshake");
    return s == 0 ? LUN_EIO : (int)s;
}

int64_t net_tls_read(net_tls_t *t, void *buf, size_t len)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    int rc = mbedtls_ssl_read(&t->ssl, buf, len);
    return rc >= 0 ? rc : status(t, rc, "TLS read");
}

int64_t net_tls_write(net_tls_t *t, const void *buf, size_t len)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    int rc = mbedtls_ssl_write(&t->ssl, buf, len);
    return rc >= 0 ? rc : status(t, rc, "TLS write");
}

uint32_t net_tls_want(const net_tls_t *t) { return t->want; }

const char *net_tls_error(const net_tls_t *t) { return t->err; }

int net_tls_peer_node(net_tls_t *t, const char *expected, char *name,
                      size_t len)
{
    const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&t->ssl);
    char peer[NET_NODE_NAME_MAX + 1], why[NET_NODE_NAME_MAX + 80];
    if (!crt) {
        snprintf(t->err, sizeof t->err, "peer sent no certificate");
        return LUN_EIO;
    }
    if (!first_dns_name(crt, peer, sizeof peer)) {
        snprintf(t->err, sizeof t->err, "certificate names no node");
        return LUN_EIO;
    }
    /* The CA vouches for the name, but a name that no node may have is
     * still refused: it is used to dial and to index the node. */
    if (net_node_name_check(peer, why, sizeof why) != 0) {
        snprintf(t->err, sizeof t->err, "certificate names no valid node: "
                 "%s", why);
        return LUN_EIO;
    }
    if (expected && strcmp(expected, peer) != 0) {
        snprintf(t->err, sizeof t->err,
                 "certificate is for node %s, expected %s", peer, expected);
        return LUN_EIO;
    }
    if (name && len > 0)
        snprintf(name, len, "%s", peer);
    return 0;
}
