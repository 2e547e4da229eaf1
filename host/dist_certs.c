/* dist_certs.c: the certificate helpers of lunatic::distributed
 * (test_root_cert, default_server_certificates, sign_node). Lunatic has
 * them so that its control server can be written as a guest, and its
 * test_root_cert hands out a CA whose private key is in Lunatic's source.
 * This runtime has no built-in key and no control server; the helpers
 * work over the cluster's own CA material (docs/nodes.md):
 *  - test_root_cert: this node's cluster CA certificate, and an empty key
 *    (a node never holds the CA's key); traps outside a cluster;
 *  - default_server_certificates(ca, key): a fresh key and a certificate
 *    for "ctrl.lunatic.cloud" signed by the CA the guest passes;
 *  - sign_node(ca, key, csr): a node certificate for the CSR's key, named
 *    after its subject's common name, signed by that CA.
 * Answers are bincode, handed over as Lunatic does (host__give_guest);
 * bad PEM traps, as Lunatic's unwraps do. Gathered by host.c. */
#include "common/lun_prefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host_int.h"
#include "net/cert.h"

#define NS "lunatic::distributed"
#define PEM_MAX (64u << 10)
#define CONTROL_NAME "ctrl.lunatic.cloud" /* Lunatic's control server */
#define CERT_DAYS 365
/* Making a P-256 key and signing costs about a millisecond of the
 * worker: charged as that much guest work. */
#define CERT_REDUCTIONS 20000

/* A NUL-terminated copy of the guest's PEM text [ptr, ptr+len). */
static char *guest_pem(vm_exec_t *ex, uint32_t ptr, uint32_t len)
{
    const uint8_t *s = host__guest(ex, ptr, len);
    char *c;
    if (!s || len > PEM_MAX || memchr(s, 0, len) ||
        !(c = malloc((size_t)len + 1)))
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

/* bincode of a tuple of Strings: each a u64 length then its bytes. */
static uint8_t *bincode_strings(const char *const *s, size_t n, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += 8 + strlen(s[i]);
    uint8_t *b = malloc(total ? total : 1), *p = b;
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(s[i]);
        host__put_u64(p, l);
        memcpy(p + 8, s[i], l);
        p += 8 + l;
    }
    *len = total;
    return b;
}

static vm_status give_strings(vm_exec_t *ex, const char *const *s, size_t n,
                              uint32_t len_ptr, vm_slot *a)
{
    size_t len = 0;
    uint8_t *b = bincode_strings(s, n, &len);
    if (!b)
        return host__trap(ex, NS ": out of memory");
    vm_status st = host__give_guest(ex, NS, b, len, len_ptr, a);
    free(b);
    return st;
}

static vm_status cert_trap(vm_exec_t *ex, const char *fn, const char *why)
{
    char msg[400];
    snprintf(msg, sizeof msg, NS "::%s: %s", fn, why);
    return host__trap(ex, msg);
}

/* test_root_cert(len_ptr) -> ptr: (CA certificate, "") */
static vm_status h_test_root_cert(vm_exec_t *ex, vm_slot *a, void *ud)
{
    const sched_node_t *n = sched__node_of(sched__cur(ex)->rt);
    (void)ud;
    if (!n || !n->ca_pem)
        return cert_trap(ex, "test_root_cert", "process not distributed "
                         "(this runtime is not a node of a cluster, and has "
                         "no built-in CA)");
    const char *pair[2] = {n->ca_pem, ""};
    return give_strings(ex, pair, 2, a[0].u32, a);
}

/* The CA the guest passes as (cert, key) PEM text; NULL with a trap. */
static int guest_ca(vm_exec_t *ex, vm_slot *a, net_cert_pem_t *ca)
{
    ca->cert = guest_pem(ex, a[0].u32, a[1].u32);
    ca->key = guest_pem(ex, a[2].u32, a[3].u32);
    return ca->cert && ca->key ? 0 : -1;
}

static void validity(time_t *from, time_t *to)
{
    time_t now = time(NULL);
    *from = now - 3600; /* an hour of clock skew between nodes */
    *to = now + (time_t)CERT_DAYS * 86400;
}

/* default_server_certificates(ca, ca_len, key, key_len, len_ptr) -> ptr:
 * (certificate, key) of the control server name, signed by that CA. */
static vm_status h_default_server_certificates(vm_exec_t *ex, vm_slot *a,
                                               void *ud)
{
    net_cert_pem_t ca = {0}, out = {0};
    char err[256];
    time_t from, to;
    vm_status st;
    (void)ud;
    vm_exec_charge(ex, CERT_REDUCTIONS);
    validity(&from, &to);
    if (guest_ca(ex, a, &ca) != 0)
        st = cert_trap(ex, "default_server_certificates", "CA PEM out of "
                       "bounds, too long or not text");
    else if (net_cert_make_node(&ca, CONTROL_NAME, from, to, &out, err,
                                sizeof err) != 0)
        st = cert_trap(ex, "default_server_certificates", err);
    else {
        const char *pair[2] = {out.cert, out.key};
        st = give_strings(ex, pair, 2, a[4].u32, a);
    }
    net_cert_pem_free(&ca);
    net_cert_pem_free(&out);
    return st;
}

/* sign_node(ca, ca_len, key, key_len, csr, csr_len, len_ptr) -> ptr: the
 * certificate, signed by that CA, for the CSR's key and name. */
static vm_status h_sign_node(vm_exec_t *ex, vm_slot *a, void *ud)
{
    net_cert_pem_t ca = {0};
    char err[256], *csr = NULL, *cert = NULL;
    time_t from, to;
    vm_status st;
    (void)ud;
    vm_exec_charge(ex, CERT_REDUCTIONS);
    validity(&from, &to);
    if (guest_ca(ex, a, &ca) != 0 ||
        !(csr = guest_pem(ex, a[4].u32, a[5].u32)))
        st = cert_trap(ex, "sign_node", "PEM out of bounds, too long or "
                       "not text");
    else if (net_cert_sign_csr(&ca, csr, from, to, &cert, err,
                               sizeof err) != 0)
        st = cert_trap(ex, "sign_node", err);
    else {
        const char *one[1] = {cert};
        st = give_strings(ex, one, 1, a[6].u32, a);
    }
    net_cert_pem_free(&ca);
    free(csr);
    free(cert);
    return st;
}

const sched_binding_t host__api_dist_certs[] = {
    {NS, "test_root_cert", "i:i", h_test_root_cert},
    {NS, "default_server_certificates", "iiiii:i",
     h_default_server_certificates},
    {NS, "sign_node", "iiiiiii:i", h_sign_node},
};
const size_t host__api_dist_certs_n =
    sizeof host__api_dist_certs / sizeof host__api_dist_certs[0];
