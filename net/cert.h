/* cert.h: the identities of a cluster's nodes. A cluster CA (self-signed)
 * signs one certificate per node; the node's name is the certificate's
 * subject alternative name (dNSName), which is how peers dial it and
 * check who answered (net_tls_node_conf, net_tls_peer_node in net.h).
 * Keys are EC P-256, made with mbedtls from the OS entropy source: users
 * need no openssl, and no key is ever built into the program.
 * Errors: LUN_EINVAL (bad name, bad PEM, a CA that is not one),
 * LUN_ENOMEM, LUN_EIO (key or certificate making failed), or
 * LUN_ERR_ERRNO(e) from the file system; the text goes to err. */
#ifndef LUN_NET_CERT_H
#define LUN_NET_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../common/lun_err.h"

/* A node name is a DNS host name in lower case: dot-separated labels of
 * 1..63 characters from [a-z0-9-], not starting or ending with '-', at
 * most 253 characters in all. */
#define NET_NODE_NAME_MAX 253

/* 0 if name is a valid node name, else LUN_EINVAL with the reason. */
int net_node_name_check(const char *name, char *err, size_t errlen);

/* A certificate and its private key, PEM text (NUL-terminated). */
typedef struct net_cert_pem {
    char *cert;
    char *key;
} net_cert_pem_t;

void net_cert_pem_free(net_cert_pem_t *p);

/* A self-signed cluster CA named cn (NULL: "lunatic cluster CA"),
 * CA:true with path length 0 (it signs node certificates only), valid
 * from not_before to not_after. */
int net_cert_make_ca(const char *cn, time_t not_before, time_t not_after,
                     net_cert_pem_t *out, char *err, size_t errlen);

/* A certificate for node `name` signed by the CA ca (its certificate and
 * key), valid from not_before to not_after: CN and dNSName `name`,
 * CA:false, for both ends of a TLS link (serverAuth and clientAuth). */
int net_cert_make_node(const net_cert_pem_t *ca, const char *name,
                       time_t not_before, time_t not_after,
                       net_cert_pem_t *out, char *err, size_t errlen);

/* A node certificate signed by the CA ca for the public key of the
 * certificate signing request csr_pem (PEM), named after the CN of its
 * subject, which must be a node name; *cert is its PEM (malloc'd). The
 * request's own signature is not checked: whoever holds the CA's key
 * decides what it signs. */
int net_cert_sign_csr(const net_cert_pem_t *ca, const char *csr_pem,
                      time_t not_before, time_t not_after, char **cert,
                      char *err, size_t errlen);

/* Read a CA's certificate and key from files into out. */
int net_cert_load(const char *cert_path, const char *key_path,
                  net_cert_pem_t *out, char *err, size_t errlen);

/* Write p to cert_path (mode 0644) and key_path (mode 0600). Unless
 * force, nothing is written if either file exists. */
int net_cert_save(const net_cert_pem_t *p, const char *cert_path,
                  const char *key_path, bool force, char *err,
                  size_t errlen);

#endif
