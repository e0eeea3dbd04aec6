/* A local certificate authority for the demo and the tests: an EC P-256 CA and node certificates
 * it signs, made with OpenSSL's libcrypto. In production the nodes carry PKIoverheid certificates
 * instead; nothing else in regie depends on where a certificate came from. */
#ifndef REGIE_UTIL_CERTGEN_H
#define REGIE_UTIL_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>

#define CERTGEN_CA_DAYS 3650 /* ten years */
/* Node certificates: at most 825 days, the CA/Browser Forum's old ceiling that clients still
 * enforce. */
#define CERTGEN_NODE_DAYS_MAX 825
#define CERTGEN_HOSTS_MAX     16
#define CERTGEN_HOST_MAX      253 /* longest DNS name */

/* File names inside the CA directory. */
#define CERTGEN_CA_KEY  "ca.key"
#define CERTGEN_CA_CERT "ca.crt"

/* Creates dir (mode 0700) when missing, then dir/ca.key (PKCS#8 PEM, mode 0600) and dir/ca.crt:
 * a self-signed CA certificate valid for CERTGEN_CA_DAYS with basicConstraints CA:true and
 * keyUsage keyCertSign, cRLSign (both critical). Refuses to replace an existing CA (its node
 * certificates would stop verifying). Returns 0, or -1 with a reason in err. */
int certgen_ca_init(const char *dir, char *err, size_t err_len);

/* Issues a node key and certificate signed by the CA in dir: prefix.key (mode 0600) and prefix.crt,
 * subject CN = hosts[0], subjectAltName a dNSName per host name and an iPAddress per numeric
 * host, extendedKeyUsage serverAuth and clientAuth, valid for days (1..CERTGEN_NODE_DAYS_MAX, never
 * past the CA). Existing files with these names are replaced atomically. Returns 0, or -1 with a
 * reason in err. */
int certgen_issue(const char *dir, const char *const *hosts, size_t nhosts, unsigned days,
                  const char *prefix, char *err, size_t err_len);

/* True for a DNS host name (letters, digits, hyphens; dot-separated labels of 1..63 characters,
 * not starting or ending with a hyphen; at most CERTGEN_HOST_MAX) or a numeric IPv4/IPv6
 * address. */
bool certgen_host_valid(const char *host);

#endif
