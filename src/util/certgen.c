/* The local CA (see certgen.h). Keys are EC P-256 and signatures ECDSA with SHA-256: rated "good"
 * by the NCSC TLS guidelines and cheap to handshake with. Files are written under a temporary
 * name created with mode 0600 and then renamed (or linked, when nothing may be replaced), so a
 * reader never sees half a key and a key is never readable by others, not even for a moment. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/certgen.h"

/* Certificates start an hour in the past so a peer whose clock is a little behind accepts them. */
#define CERTGEN_BACKDATE_S (60 * 60)

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t err_len, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    unsigned long e = ERR_get_error();
    if (e && n >= 0 && (size_t)n < err_len) {
        char ssl[256];
        ERR_error_string_n(e, ssl, sizeof ssl);
        snprintf(err + n, err_len - (size_t)n, " (%s)", ssl);
    }
    ERR_clear_error();
    return -1;
}

static bool is_ip(const char *host, unsigned char addr[16])
{
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

bool certgen_host_valid(const char *host)
{
    unsigned char addr[16];
    if (!host || !*host) return false;
    if (is_ip(host, addr)) return true;
    size_t len = strlen(host);
    if (len > CERTGEN_HOST_MAX) return false;
    size_t label = 0;
    char prev = '.';
    for (size_t i = 0; i <= len; i++) {
        char ch = host[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || prev == '-') return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
        prev = ch;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Files */

static int join(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Writes what write_pem puts into a BIO to path: a 0600 temporary file in the same directory,
 * chmod to mode, then renamed over path (replace) or hard-linked to it (no replace: fails with
 * EEXIST when path exists). */
static int write_file(const char *path, mode_t mode, bool replace, int (*write_pem)(BIO *, void *),
                      void *obj, char *err, size_t err_len)
{
    char tmp[PATH_MAX];
    int w = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (w < 0 || (size_t)w >= sizeof tmp) return fail(err, err_len, "path too long: %s", path);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) return fail(err, err_len, "cannot create %s: %s", tmp, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return fail(err, err_len, "cannot open %s: %s", tmp, strerror(errno));
    }
    BIO *bio = BIO_new_fp(f, BIO_NOCLOSE);
    bool ok = bio && write_pem(bio, obj) && BIO_flush(bio) == 1;
    BIO_free(bio);
    ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0 && fchmod(fileno(f), mode) == 0;
    if (fclose(f) != 0) ok = false;
    if (!ok) {
        unlink(tmp);
        return fail(err, err_len, "cannot write %s", path);
    }
    int rc = replace ? rename(tmp, path) : link(tmp, path);
    int e = errno;
    if (!replace || rc != 0) unlink(tmp);
    if (rc != 0) return fail(err, err_len, "cannot create %s: %s", path, strerror(e));
    return 0;
}

static int pem_key(BIO *bio, void *key)
{
    return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
}

static int pem_cert(BIO *bio, void *cert)
{
    return PEM_write_bio_X509(bio, cert);
}

static EVP_PKEY *read_key(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) fail(err, err_len, "%s holds no PEM private key", path);
    return k;
}

static X509 *read_cert(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    X509 *c = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!c) fail(err, err_len, "%s holds no PEM certificate", path);
    return c;
}

/* ---------------------------------------------------------------------------------------------
 * Certificates */

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex) return -1;
    int ok = X509_add_ext(cert, ex, -1);
    X509_EXTENSION_free(ex);
    return ok ? 0 : -1;
}

/* A positive random 127-bit serial: unique without a serial file, as RFC 5280 wants. */
static int set_serial(X509 *cert)
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) return -1;
    r[0] = (unsigned char)((r[0] & 0x7f) | 0x01);
    BIGNUM *bn = BN_bin2bn(r, sizeof r, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

/* A new certificate for key: version 3, random serial, subject CN=cn, validity from an hour ago
 * for days. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, unsigned days)
{
    X509 *c = X509_new();
    if (!c) return NULL;
    X509_NAME *name = X509_get_subject_name(c);
    bool ok = X509_set_version(c, X509_VERSION_3) && set_serial(c) == 0 &&
              X509_gmtime_adj(X509_getm_notBefore(c), -CERTGEN_BACKDATE_S) &&
              X509_time_adj_ex(X509_getm_notAfter(c), (int)days, -CERTGEN_BACKDATE_S, NULL) &&
              X509_set_pubkey(c, key) &&
              (!cn || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                 (const unsigned char *)cn, -1, -1, 0));
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

int certgen_ca_init(const char *dir, char *err, size_t err_len)
{
    char key_path[PATH_MAX], cert_path[PATH_MAX];
    if (join(key_path, sizeof key_path, dir, CERTGEN_CA_KEY) ||
        join(cert_path, sizeof cert_path, dir, CERTGEN_CA_CERT))
        return fail(err, err_len, "directory name too long: %s", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail(err, err_len, "cannot create directory %s: %s", dir, strerror(errno));
    struct stat st;
    if (stat(key_path, &st) == 0 || stat(cert_path, &st) == 0)
        return fail(err, err_len,
                    "%s already holds a CA (%s or %s exists); its node certificates would stop "
                    "verifying if it were replaced, so remove it yourself if that is meant",
                    dir, CERTGEN_CA_KEY, CERTGEN_CA_CERT);

    int rc = -1;
    X509 *c = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key) {
        fail(err, err_len, "cannot generate an EC P-256 key");
        goto out;
    }
    /* A random suffix tells two local CAs apart in logs and verification errors. */
    unsigned char r[4];
    char cn[64];
    if (RAND_bytes(r, sizeof r) != 1) {
        fail(err, err_len, "no random bytes");
        goto out;
    }
    snprintf(cn, sizeof cn, "regie local CA %02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    c = cert_new(key, cn, CERTGEN_CA_DAYS);
    if (!c || !X509_set_issuer_name(c, X509_get_subject_name(c)) ||
        add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
        add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        add_ext(c, c, NID_subject_key_identifier, "hash") ||
        add_ext(c, c, NID_authority_key_identifier, "keyid:always") ||
        !X509_sign(c, key, EVP_sha256())) {
        fail(err, err_len, "cannot make the CA certificate");
        goto out;
    }
    /* The key first: a certificate without its key is useless, a key without its certificate is
     * only a leftover that blocks the next init and says so. */
    if (write_file(key_path, 0600, false, pem_key, key, err, err_len) != 0) goto out;
    if (write_file(cert_path, 0644, false, pem_cert, c, err, err_len) != 0) {
        unlink(key_path);
        goto out;
    }
    rc = 0;
out:
    X509_free(c);
    EVP_PKEY_free(key);
    return rc;
}

/* "DNS:a,DNS:b,IP:127.0.0.1": hosts are validated first, so none contains a comma or colon that
 * could smuggle in another entry (IPv6 addresses are written by OpenSSL's own IP: parser). */
static int san_value(const char *const *hosts, size_t nhosts, struct buf *out)
{
    for (size_t i = 0; i < nhosts; i++) {
        unsigned char addr[16];
        if (buf_printf(out, "%s%s:%s", i ? "," : "", is_ip(hosts[i], addr) ? "IP" : "DNS",
                       hosts[i]) != 0)
            return -1;
    }
    return 0;
}

int certgen_issue(const char *dir, const char *const *hosts, size_t nhosts, unsigned days,
                  const char *prefix, char *err, size_t err_len)
{
    if (nhosts == 0 || nhosts > CERTGEN_HOSTS_MAX)
        return fail(err, err_len, "give 1 to %d host names", CERTGEN_HOSTS_MAX);
    for (size_t i = 0; i < nhosts; i++)
        if (!certgen_host_valid(hosts[i]))
            return fail(err, err_len, "'%s' is not a DNS host name or an IP address", hosts[i]);
    if (days == 0 || days > CERTGEN_NODE_DAYS_MAX)
        return fail(err, err_len, "validity must be 1 to %d days, not %u", CERTGEN_NODE_DAYS_MAX,
                    days);
    char ca_key_path[PATH_MAX], ca_cert_path[PATH_MAX], key_path[PATH_MAX], cert_path[PATH_MAX];
    if (join(ca_key_path, sizeof ca_key_path, dir, CERTGEN_CA_KEY) ||
        join(ca_cert_path, sizeof ca_cert_path, dir, CERTGEN_CA_CERT))
        return fail(err, err_len, "directory name too long: %s", dir);
    int w1 = snprintf(key_path, sizeof key_path, "%s.key", prefix);
    int w2 = snprintf(cert_path, sizeof cert_path, "%s.crt", prefix);
    if (w1 < 0 || (size_t)w1 >= sizeof key_path || w2 < 0 || (size_t)w2 >= sizeof cert_path)
        return fail(err, err_len, "output prefix too long: %s", prefix);

    int rc = -1;
    X509 *c = NULL, *ca = NULL;
    EVP_PKEY *key = NULL, *ca_key = read_key(ca_key_path, err, err_len);
    struct buf san;
    buf_init(&san, 8192);
    if (!ca_key || !(ca = read_cert(ca_cert_path, err, err_len))) goto out;
    if (X509_check_private_key(ca, ca_key) != 1) {
        fail(err, err_len, "%s does not belong to %s", ca_key_path, ca_cert_path);
        goto out;
    }
    if (!(key = EVP_EC_gen("P-256"))) {
        fail(err, err_len, "cannot generate an EC P-256 key");
        goto out;
    }
    /* CN is at most 64 characters (RFC 5280); longer names live in the SAN alone. */
    c = cert_new(key, strlen(hosts[0]) <= 64 ? hosts[0] : NULL, days);
    if (!c || san_value(hosts, nhosts, &san) != 0) {
        fail(err, err_len, "cannot make the node certificate");
        goto out;
    }
    /* Never valid past the CA: a verifier would refuse the chain then anyway. */
    if (ASN1_TIME_compare(X509_get0_notAfter(c), X509_get0_notAfter(ca)) > 0 &&
        !X509_set1_notAfter(c, X509_get0_notAfter(ca))) {
        fail(err, err_len, "cannot set the validity");
        goto out;
    }
    if (!X509_set_issuer_name(c, X509_get_subject_name(ca)) ||
        add_ext(c, ca, NID_basic_constraints, "critical,CA:FALSE") ||
        add_ext(c, ca, NID_key_usage, "critical,digitalSignature") ||
        add_ext(c, ca, NID_ext_key_usage, "serverAuth,clientAuth") ||
        add_ext(c, ca, NID_subject_alt_name, san.data) ||
        add_ext(c, ca, NID_subject_key_identifier, "hash") ||
        add_ext(c, ca, NID_authority_key_identifier, "keyid:always") ||
        !X509_sign(c, ca_key, EVP_sha256())) {
        fail(err, err_len, "cannot make the node certificate");
        goto out;
    }
    if (write_file(key_path, 0600, true, pem_key, key, err, err_len) != 0 ||
        write_file(cert_path, 0644, true, pem_cert, c, err, err_len) != 0)
        goto out;
    rc = 0;
out:
    buf_free(&san);
    X509_free(c);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}
