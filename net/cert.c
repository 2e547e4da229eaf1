/* cert.c: a cluster CA and its node certificates, made with mbedtls's
 * x509write (2.28, which has no writer for subjectAltName or
 * extendedKeyUsage: those two extensions are DER-encoded here). Every key
 * is a fresh EC P-256 key and every serial 16 random bytes, both from a
 * CTR-DRBG seeded by the OS entropy source. Interface: net/cert.h. */
#include "common/lun_prefix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "net/cert.h"

#define DEFAULT_CA_NAME "lunatic cluster CA"
#define CN_MAX 64       /* X.520 ub-common-name */
#define PEM_OUT_MAX 4096 /* a P-256 certificate is about 700 bytes */
#define FILE_MAX (1u << 20)

static void set_mbedtls_err(char *err, size_t errlen, const char *what,
                            int rc)
{
    char buf[100];
    mbedtls_strerror(rc, buf, sizeof buf);
    snprintf(err, errlen, "%s: %s", what, buf);
}

/* {===== names */

static int label_check(const char *label, size_t len, char *err,
                       size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "empty label (two dots, or a dot at an end)");
        return LUN_EINVAL;
    }
    if (len > 63) {
        snprintf(err, errlen, "label '%.*s' longer than 63 characters",
                 (int)len, label);
        return LUN_EINVAL;
    }
    if (label[0] == '-' || label[len - 1] == '-') {
        snprintf(err, errlen, "label '%.*s' starts or ends with '-'",
                 (int)len, label);
        return LUN_EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = label[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-')) {
            snprintf(err, errlen, "character '%c' not allowed (only a-z, "
                     "0-9, '-' and '.' between labels)", ch);
            return LUN_EINVAL;
        }
    }
    return 0;
}

int net_node_name_check(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    char why[160];
    int rc = 0;
    if (len > NET_NODE_NAME_MAX) {
        snprintf(err, errlen, "bad node name: longer than %d characters",
                 NET_NODE_NAME_MAX);
        return LUN_EINVAL;
    }
    for (const char *l = name; rc == 0;) {
        const char *dot = strchr(l, '.');
        size_t n = dot ? (size_t)(dot - l) : strlen(l);
        rc = label_check(l, n, why, sizeof why);
        if (!dot)
            break;
        l = dot + 1;
    }
    if (rc != 0)
        snprintf(err, errlen, "bad node name '%s': %s", name, why);
    return rc;
}

/* A CA's common name goes into a "CN=..." string that mbedtls parses:
 * the characters that string gives a meaning are refused, not escaped. */
static int ca_name_check(const char *cn, char *err, size_t errlen)
{
    size_t len = strlen(cn);
    if (len == 0 || len > CN_MAX) {
        snprintf(err, errlen, "bad CA name: want 1..%d characters", CN_MAX);
        return LUN_EINVAL;
    }
    for (size_t i = 0; i < len; i++)
        if (cn[i] < ' ' || cn[i] > '~' || strchr(",=+\"\\<>;#", cn[i])) {
            snprintf(err, errlen, "bad CA name '%s': character '%c' not "
                     "allowed", cn, cn[i] < ' ' || cn[i] > '~' ? '?' : cn[i]);
            return LUN_EINVAL;
        }
    return 0;
}

/* }===== */
/* {===== randomness, keys, the parts every certificate shares */

typedef struct cert_rng {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} cert_rng_t;

static int rng_init(cert_rng_t *r, char *err, size_t errlen)
{
    static const char pers[] = "lunatic-cert";
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    int rc = mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func,
                                   &r->entropy, (const void *)pers,
                                   sizeof pers - 1);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "random generator", rc);
        return LUN_EIO;
    }
    return 0;
}

static void rng_free(cert_rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

/* A new P-256 key into key (initialized), and its PEM into *pem. */
static int make_key(cert_rng_t *r, mbedtls_pk_context *key, char **pem,
                    char *err, size_t errlen)
{
    unsigned char buf[1024];
    int rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                                 mbedtls_ctr_drbg_random, &r->drbg);
    if (rc == 0)
        rc = mbedtls_pk_write_key_pem(key, buf, sizeof buf);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "key generation", rc);
        return LUN_EIO;
    }
    *pem = strdup((const char *)buf);
    mbedtls_platform_zeroize(buf, sizeof buf);
    return *pem ? 0 : LUN_ENOMEM;
}

/* t as x509write wants it, "YYYYMMDDhhmmss" (UTC). */
static int format_time(time_t t, char out[15], char *err, size_t errlen)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1950 ||
        tm.tm_year + 1900 > 9999) {
        snprintf(err, errlen, "validity date out of range (1950..9999)");
        return LUN_EINVAL;
    }
    return strftime(out, 15, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : LUN_EINVAL;
}

/* Version 3, SHA-256, a random positive serial, the subject's name and
 * key, the validity window and the key identifiers. */
static int set_common(mbedtls_x509write_cert *w, cert_rng_t *r,
                      const char *cn, mbedtls_pk_context *subject_key,
                      time_t not_before, time_t not_after, char *err,
                      size_t errlen)
{
    unsigned char serial_bytes[16];
    char from[15], to[15], subject[CN_MAX + 64];
    mbedtls_mpi serial;
    int rc;
    if (not_after <= not_before) {
        snprintf(err, errlen, "validity ends before it starts");
        return LUN_EINVAL;
    }
    if ((rc = format_time(not_before, from, err, errlen)) != 0 ||
        (rc = format_time(not_after, to, err, errlen)) != 0)
        return rc;
    mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(w, subject_key);
    snprintf(subject, sizeof subject, "CN=%s", cn);
    mbedtls_mpi_init(&serial);
    rc = mbedtls_ctr_drbg_random(&r->drbg, serial_bytes, sizeof serial_bytes);
    serial_bytes[0] = (serial_bytes[0] & 0x7f) | 0x40; /* positive, 16 bytes */
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof serial_bytes);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_serial(w, &serial);
    mbedtls_mpi_free(&serial);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_validity(w, from, to);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_name(w, subject);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_subject_key_identifier(w);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "certificate", rc);
        return LUN_EIO;
    }
    return 0;
}

/* Sign (the issuer key is set) and encode as PEM into *pem. */
static int sign_pem(mbedtls_x509write_cert *w, cert_rng_t *r, char **pem,
                    char *err, size_t errlen)
{
    unsigned char buf[PEM_OUT_MAX];
    int rc = mbedtls_x509write_crt_set_authority_key_identifier(w);
    if (rc == 0)
        rc = mbedtls_x509write_crt_pem(w, buf, sizeof buf,
                                       mbedtls_ctr_drbg_random, &r->drbg);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "signing the certificate", rc);
        return LUN_EIO;
    }
    *pem = strdup((const char *)buf);
    return *pem ? 0 : LUN_ENOMEM;
}

/* }===== */
/* {===== the CA */

int net_cert_make_ca(const char *cn, time_t not_before, time_t not_after,
                     net_cert_pem_t *out, char *err, size_t errlen)
{
    mbedtls_x509write_cert w;
    mbedtls_pk_context key;
    cert_rng_t r;
    int rc;
    *out = (net_cert_pem_t){0};
    if (!cn)
        cn = DEFAULT_CA_NAME;
    if ((rc = ca_name_check(cn, err, errlen)) != 0)
        return rc;
    mbedtls_x509write_crt_init(&w);
    mbedtls_pk_init(&key);
    rc = rng_init(&r, err, errlen);
    if (rc == 0)
        rc = make_key(&r, &key, &out->key, err, errlen);
    if (rc == 0)
        rc = set_common(&w, &r, cn, &key, not_before, not_after, err, errlen);
    if (rc == 0) {
        char issuer[CN_MAX + 4];
        snprintf(issuer, sizeof issuer, "CN=%s", cn);
        mbedtls_x509write_crt_set_issuer_key(&w, &key);
        /* Path length 0: this CA signs node certificates, never a CA. */
        if (mbedtls_x509write_crt_set_issuer_name(&w, issuer) != 0 ||
            mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0) != 0 ||
            mbedtls_x509write_crt_set_key_usage(
                &w, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN)
                != 0) {
            snprintf(err, errlen, "CA certificate: extensions");
            rc = LUN_EIO;
        }
    }
    if (rc == 0)
        rc = sign_pem(&w, &r, &out->cert, err, errlen);
    mbedtls_x509write_crt_free(&w);
    mbedtls_pk_free(&key);
    rng_free(&r);
    if (rc != 0)
        net_cert_pem_free(out);
    return rc;
}

/* }===== */
/* {===== node certificates */

/* The DER of subjectAltName = SEQUENCE { [2] dNSName }, written backwards
 * from buf + size as mbedtls's asn1write does; *start points at it. */
static int san_dns_der(const char *name, unsigned char *buf, size_t size,
                       unsigned char **start)
{
    unsigned char *p = buf + size;
    size_t len = 0;
    int ret;
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_raw_buffer(
                                  &p, buf, (const unsigned char *)name,
                                  strlen(name)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(
                                  &p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                               MBEDTLS_X509_SAN_DNS_NAME));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(
                                  &p, buf, MBEDTLS_ASN1_CONSTRUCTED |
                                               MBEDTLS_ASN1_SEQUENCE));
    *start = p;
    return (int)len;
}

/* extendedKeyUsage = SEQUENCE { serverAuth, clientAuth }: a node both
 * accepts links and dials them, with the same certificate. */
static int eku_der(unsigned char *buf, size_t size, unsigned char **start)
{
    unsigned char *p = buf + size;
    size_t len = 0;
    int ret;
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(
                                  &p, buf, MBEDTLS_OID_CLIENT_AUTH,
                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(
                                  &p, buf, MBEDTLS_OID_SERVER_AUTH,
                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(
                                  &p, buf, MBEDTLS_ASN1_CONSTRUCTED |
                                               MBEDTLS_ASN1_SEQUENCE));
    *start = p;
    return (int)len;
}

static int set_node_extensions(mbedtls_x509write_cert *w, const char *name)
{
    unsigned char san[NET_NODE_NAME_MAX + 16], eku[64], *p;
    int len, rc;
    rc = mbedtls_x509write_crt_set_basic_constraints(w, 0, -1);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_key_usage(
            w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                   MBEDTLS_X509_KU_KEY_ENCIPHERMENT);
    if (rc == 0 && (rc = len = san_dns_der(name, san, sizeof san, &p)) > 0)
        rc = mbedtls_x509write_crt_set_extension(
            w, MBEDTLS_OID_SUBJECT_ALT_NAME,
            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, (size_t)len);
    if (rc == 0 && (rc = len = eku_der(eku, sizeof eku, &p)) > 0)
        rc = mbedtls_x509write_crt_set_extension(
            w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
            MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, p,
            (size_t)len);
    return rc;
}

/* The CA's certificate and key, parsed and checked: a CA certificate
 * whose public key the private key matches. */
static int parse_ca(const net_cert_pem_t *ca, mbedtls_x509_crt *crt,
                    mbedtls_pk_context *key, char *err, size_t errlen)
{
    int rc = mbedtls_x509_crt_parse(crt, (const unsigned char *)ca->cert,
                                    strlen(ca->cert) + 1);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "CA certificate", rc);
        return LUN_EINVAL;
    }
    if (!crt->ca_istrue) {
        snprintf(err, errlen, "CA certificate: not a CA (basicConstraints "
                 "CA:false)");
        return LUN_EINVAL;
    }
    rc = mbedtls_pk_parse_key(key, (const unsigned char *)ca->key,
                              strlen(ca->key) + 1, NULL, 0);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "CA key", rc);
        return LUN_EINVAL;
    }
    if (mbedtls_pk_check_pair(&crt->pk, key) != 0) {
        snprintf(err, errlen, "CA key does not match the CA certificate");
        return LUN_EINVAL;
    }
    return 0;
}

/* Sign a node certificate for name over subject_key with the CA ca. */
static int issue_node_cert(cert_rng_t *r, const net_cert_pem_t *ca,
                           const char *name, mbedtls_pk_context *subject_key,
                           time_t not_before, time_t not_after, char **pem,
                           char *err, size_t errlen)
{
    mbedtls_x509write_cert w;
    mbedtls_x509_crt ca_crt;
    mbedtls_pk_context ca_key;
    char issuer[512];
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509_crt_init(&ca_crt);
    mbedtls_pk_init(&ca_key);
    int rc = parse_ca(ca, &ca_crt, &ca_key, err, errlen);
    if (rc == 0)
        rc = set_common(&w, r, name, subject_key, not_before, not_after, err,
                        errlen);
    if (rc == 0) {
        mbedtls_x509write_crt_set_issuer_key(&w, &ca_key);
        if (mbedtls_x509_dn_gets(issuer, sizeof issuer, &ca_crt.subject) < 0 ||
            mbedtls_x509write_crt_set_issuer_name(&w, issuer) != 0 ||
            set_node_extensions(&w, name) != 0) {
            snprintf(err, errlen, "node certificate: issuer or extensions");
            rc = LUN_EIO;
        }
    }
    if (rc == 0)
        rc = sign_pem(&w, r, pem, err, errlen);
    mbedtls_x509write_crt_free(&w);
    mbedtls_x509_crt_free(&ca_crt);
    mbedtls_pk_free(&ca_key);
    return rc;
}

int net_cert_make_node(const net_cert_pem_t *ca, const char *name,
                       time_t not_before, time_t not_after,
                       net_cert_pem_t *out, char *err, size_t errlen)
{
    mbedtls_pk_context key;
    cert_rng_t r;
    int rc;
    *out = (net_cert_pem_t){0};
    if ((rc = net_node_name_check(name, err, errlen)) != 0)
        return rc;
    mbedtls_pk_init(&key);
    rc = rng_init(&r, err, errlen);
    if (rc == 0)
        rc = make_key(&r, &key, &out->key, err, errlen);
    if (rc == 0)
        rc = issue_node_cert(&r, ca, name, &key, not_before, not_after,
                             &out->cert, err, errlen);
    mbedtls_pk_free(&key);
    rng_free(&r);
    if (rc != 0)
        net_cert_pem_free(out);
    return rc;
}

/* The subject's common name of a CSR, as a node name, into out. */
static int csr_node_name(const mbedtls_x509_csr *csr, char *out, size_t size,
                         char *err, size_t errlen)
{
    for (const mbedtls_x509_name *n = &csr->subject; n; n = n->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
            continue;
        if (n->val.len >= size) {
            snprintf(err, errlen, "CSR: common name too long");
            return LUN_EINVAL;
        }
        memcpy(out, n->val.p, n->val.len);
        out[n->val.len] = '\0';
        return net_node_name_check(out, err, errlen);
    }
    snprintf(err, errlen, "CSR: the subject has no common name");
    return LUN_EINVAL;
}

int net_cert_sign_csr(const net_cert_pem_t *ca, const char *csr_pem,
                      time_t not_before, time_t not_after, char **cert,
                      char *err, size_t errlen)
{
    mbedtls_x509_csr csr;
    char name[NET_NODE_NAME_MAX + 1];
    cert_rng_t r;
    *cert = NULL;
    mbedtls_x509_csr_init(&csr);
    int rc = mbedtls_x509_csr_parse(&csr, (const unsigned char *)csr_pem,
                                    strlen(csr_pem) + 1);
    if (rc != 0) {
        set_mbedtls_err(err, errlen, "CSR", rc);
        mbedtls_x509_csr_free(&csr);
        return LUN_EINVAL;
    }
    rc = csr_node_name(&csr, name, sizeof name, err, errlen);
    if (rc == 0 && (rc = rng_init(&r, err, errlen)) == 0) {
        rc = issue_node_cert(&r, ca, name, &csr.pk, not_before, not_after,
                             cert, err, errlen);
        rng_free(&r);
    }
    mbedtls_x509_csr_free(&csr);
    return rc;
}

void net_cert_pem_free(net_cert_pem_t *p)
{
    free(p->cert);
    if (p->key) {
        mbedtls_platform_zeroize(p->key, strlen(p->key));
        free(p->key);
    }
    *p = (net_cert_pem_t){0};
}

/* }===== */
/* {===== files */

static int read_text(const char *path, char **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(FILE_MAX + 1) : NULL;
    size_t n = 0;
    int rc = 0;
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return LUN_ERR_ERRNO(errno);
    }
    if (!buf) {
        rc = LUN_ENOMEM;
    } else {
        n = fread(buf, 1, FILE_MAX + 1, f);
        if (ferror(f) || n > FILE_MAX) {
            snprintf(err, errlen, "cannot read %s: %s", path,
                     n > FILE_MAX ? "too long" : "read error");
            rc = LUN_EINVAL;
        }
    }
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

int net_cert_load(const char *cert_path, const char *key_path,
                  net_cert_pem_t *out, char *err, size_t errlen)
{
    *out = (net_cert_pem_t){0};
    int rc = read_text(cert_path, &out->cert, err, errlen);
    if (rc == 0)
        rc = read_text(key_path, &out->key, err, errlen);
    if (rc != 0)
        net_cert_pem_free(out);
    return rc;
}

/* Write text to path with mode (also when replacing a file that had
 * another). O_NOFOLLOW: a link planted at a key's path is not followed. */
static int write_text(const char *path, const char *text, mode_t mode,
                      bool force, char *err, size_t errlen)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
                (force ? O_TRUNC : O_EXCL);
    int fd = open(path, flags, mode), e = 0;
    size_t len = strlen(text), done = 0;
    if (fd < 0 || fchmod(fd, mode) != 0)
        e = errno;
    while (!e && done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n > 0)
            done += (size_t)n;
        else if (n == 0 || errno != EINTR)
            e = n == 0 ? EIO : errno;
    }
    if (fd >= 0 && close(fd) != 0 && !e)
        e = errno;
    if (e) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        return LUN_ERR_ERRNO(e);
    }
    return 0;
}

int net_cert_save(const net_cert_pem_t *p, const char *cert_path,
                  const char *key_path, bool force, char *err,
                  size_t errlen)
{
    struct stat st;
    const char *paths[2] = {cert_path, key_path};
    for (int i = 0; i < 2 && !force; i++)
        if (lstat(paths[i], &st) == 0) {
            snprintf(err, errlen, "%s exists", paths[i]);
            return LUN_ERR_ERRNO(EEXIST);
        }
    /* The key first: a certificate without its key is of no use. */
    int rc = write_text(key_path, p->key, 0600, force, err, errlen);
    if (rc == 0)
        rc = write_text(cert_path, p->cert, 0644, force, err, errlen);
    return rc;
}

/* }===== */
