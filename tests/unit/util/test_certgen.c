/* The local CA: what it writes is checked with OpenSSL's own verifier, so "it verifies" means what
 * a TLS peer would conclude, and every property the demo relies on (SANs, EKUs, key modes,
 * validity) is read back from the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/certgen.h"

struct fixture {
    char root[64]; /* a fresh temporary directory */
    char ca[PATH_MAX];
    char err[1024];
};

/* snprintf into a path buffer, failing the test on truncation (and keeping GCC's truncation
 * warning, which cannot see the lengths, out of the way). */
__attribute__((format(printf, 2, 3))) static void pathf(char out[PATH_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, PATH_MAX, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && n < PATH_MAX);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->root, sizeof f->root, "/tmp/regie-certgen-XXXXXX");
    if (!mkdtemp(f->root)) return -1;
    snprintf(f->ca, sizeof f->ca, "%s/ca", f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static X509 *load_cert(const char *dir, const char *name)
{
    char path[PATH_MAX];
    pathf(path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    X509 *c = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(c);
    return c;
}

static EVP_PKEY *load_key(const char *dir, const char *name)
{
    char path[PATH_MAX];
    pathf(path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    EVP_PKEY *k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(k);
    return k;
}

static mode_t mode_of(const char *dir, const char *name)
{
    char path[PATH_MAX];
    pathf(path, "%s/%s", dir, name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* OpenSSL's chain verification of leaf against ca for purpose (X509_PURPOSE_SSL_SERVER/CLIENT). */
static bool verifies(X509 *ca, X509 *leaf, int purpose)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, NULL);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

/* Days between notBefore and notAfter. */
static int validity_days(X509 *c)
{
    int days = 0, secs = 0;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(c), X509_get0_notAfter(c)),
                     1);
    return days + (secs > 0);
}

static void init_ca(struct fixture *f)
{
    int rc = certgen_ca_init(f->ca, f->err, sizeof f->err);
    if (rc) fprintf(stderr, "ca_init: %s\n", f->err);
    assert_int_equal(rc, 0);
}

static void issue(struct fixture *f, const char *const *hosts, size_t n, const char *name)
{
    char prefix[PATH_MAX];
    pathf(prefix, "%s/%s", f->ca, name);
    int rc = certgen_issue(f->ca, hosts, n, CERTGEN_NODE_DAYS_MAX, prefix, f->err, sizeof f->err);
    if (rc) fprintf(stderr, "issue: %s\n", f->err);
    assert_int_equal(rc, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Tests */

static void host_names(void **state)
{
    assert_true(certgen_host_valid("localhost"));
    assert_true(certgen_host_valid("dva.regie.test"));
    assert_true(certgen_host_valid("a-b.c1"));
    assert_true(certgen_host_valid("127.0.0.1"));
    assert_true(certgen_host_valid("::1"));
    assert_false(certgen_host_valid(""));
    assert_false(certgen_host_valid(NULL));
    assert_false(certgen_host_valid("a..b"));
    assert_false(certgen_host_valid(".a"));
    assert_false(certgen_host_valid("a."));
    assert_false(certgen_host_valid("-a.b"));
    assert_false(certgen_host_valid("a-.b"));
    assert_false(certgen_host_valid("a_b"));
    assert_false(certgen_host_valid("a,DNS:evil"));
    assert_false(certgen_host_valid("a b"));
    assert_false(certgen_host_valid("*.regie.test"));
    char label[70];
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(certgen_host_valid(label)); /* a label is at most 63 characters */
    label[63] = '\0';
    assert_true(certgen_host_valid(label));
}

static void ca_is_a_ca(void **state)
{
    struct fixture *f = *state;
    init_ca(f);
    assert_int_equal(mode_of(f->root, "ca"), 0700);
    assert_int_equal(mode_of(f->ca, CERTGEN_CA_KEY), 0600);
    X509 *ca = load_cert(f->ca, CERTGEN_CA_CERT);
    EVP_PKEY *key = load_key(f->ca, CERTGEN_CA_KEY);
    assert_int_equal(X509_check_private_key(ca, key), 1);
    assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
    assert_int_equal(EVP_PKEY_get_bits(key), 256);
    assert_int_equal(X509_check_ca(ca), 1);
    assert_true(X509_get_extension_flags(ca) & EXFLAG_CA);
    assert_true(X509_get_extension_flags(ca) & EXFLAG_SS);
    assert_int_equal(X509_get_key_usage(ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
    /* Both constraints are critical. */
    int idx = X509_get_ext_by_NID(ca, NID_basic_constraints, -1);
    assert_true(idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(ca, idx)));
    idx = X509_get_ext_by_NID(ca, NID_key_usage, -1);
    assert_true(idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(ca, idx)));
    assert_int_equal(validity_days(ca), CERTGEN_CA_DAYS);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(ca)) < 0);
    X509_free(ca);
    EVP_PKEY_free(key);
}

static void ca_is_never_replaced(void **state)
{
    struct fixture *f = *state;
    init_ca(f);
    X509 *before = load_cert(f->ca, CERTGEN_CA_CERT);
    assert_int_equal(certgen_ca_init(f->ca, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "already holds a CA"));
    X509 *after = load_cert(f->ca, CERTGEN_CA_CERT);
    assert_int_equal(X509_cmp(before, after), 0);
    X509_free(before);
    X509_free(after);
    /* A leftover key alone blocks too. */
    char path[PATH_MAX];
    pathf(path, "%s/%s", f->ca, CERTGEN_CA_CERT);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(certgen_ca_init(f->ca, f->err, sizeof f->err), -1);
}

static void ca_needs_a_parent(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX];
    pathf(dir, "%s/missing/ca", f->root);
    assert_int_equal(certgen_ca_init(dir, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "cannot create directory"));
}

static void node_certificate(void **state)
{
    struct fixture *f = *state;
    init_ca(f);
    const char *hosts[] = {"dva.regie.test", "localhost", "127.0.0.1", "::1"};
    issue(f, hosts, 4, "dva");
    assert_int_equal(mode_of(f->ca, "dva.key"), 0600);
    assert_int_equal(mode_of(f->ca, "dva.crt"), 0644);
    X509 *ca = load_cert(f->ca, CERTGEN_CA_CERT);
    X509 *c = load_cert(f->ca, "dva.crt");
    EVP_PKEY *key = load_key(f->ca, "dva.key");
    assert_int_equal(X509_check_private_key(c, key), 1);
    assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);

    assert_true(verifies(ca, c, X509_PURPOSE_SSL_SERVER));
    assert_true(verifies(ca, c, X509_PURPOSE_SSL_CLIENT));
    assert_int_equal(X509_check_ca(c), 0);
    assert_int_equal(X509_get_key_usage(c), KU_DIGITAL_SIGNATURE);
    assert_int_equal(X509_get_extended_key_usage(c), XKU_SSL_SERVER | XKU_SSL_CLIENT);
    assert_true(validity_days(c) <= CERTGEN_NODE_DAYS_MAX);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(c)) < 0);

    /* Every host is in the SAN with the right kind, in order; CN is the first host. */
    GENERAL_NAMES *san = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
    assert_non_null(san);
    assert_int_equal(sk_GENERAL_NAME_num(san), 4);
    for (int i = 0; i < 2; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        assert_int_equal(g->type, GEN_DNS);
        assert_string_equal((const char *)ASN1_STRING_get0_data(g->d.dNSName), hosts[i]);
    }
    GENERAL_NAME *ip4 = sk_GENERAL_NAME_value(san, 2), *ip6 = sk_GENERAL_NAME_value(san, 3);
    assert_int_equal(ip4->type, GEN_IPADD);
    assert_int_equal(ASN1_STRING_length(ip4->d.iPAddress), 4);
    assert_memory_equal(ASN1_STRING_get0_data(ip4->d.iPAddress), "\x7f\0\0\x01", 4);
    assert_int_equal(ip6->type, GEN_IPADD);
    assert_int_equal(ASN1_STRING_length(ip6->d.iPAddress), 16);
    GENERAL_NAMES_free(san);
    char cn[256];
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn, sizeof cn) >
                0);
    assert_string_equal(cn, "dva.regie.test");
    /* What a TLS client checks for the names it connects to. */
    assert_int_equal(X509_check_host(c, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(c, "other.regie.test", 0, 0, NULL), 0);
    assert_int_equal(X509_check_ip_asc(c, "127.0.0.1", 0), 1);

    X509_free(ca);
    X509_free(c);
    EVP_PKEY_free(key);
}

static void other_ca_does_not_verify(void **state)
{
    struct fixture *f = *state;
    init_ca(f);
    char other[PATH_MAX];
    pathf(other, "%s/other", f->root);
    assert_int_equal(certgen_ca_init(other, f->err, sizeof f->err), 0);
    const char *hosts[] = {"pgo.regie.test"};
    char prefix[PATH_MAX];
    pathf(prefix, "%s/pgo", other);
    assert_int_equal(certgen_issue(other, hosts, 1, 30, prefix, f->err, sizeof f->err), 0);
    X509 *ca = load_cert(f->ca, CERTGEN_CA_CERT);
    X509 *c = load_cert(other, "pgo.crt");
    assert_false(verifies(ca, c, X509_PURPOSE_SSL_CLIENT));
    assert_int_equal(validity_days(c), 30);
    X509_free(ca);
    X509_free(c);
}

static void reissue_replaces(void **state)
{
    struct fixture *f = *state;
    init_ca(f);
    const char *hosts[] = {"localhost"};
    issue(f, hosts, 1, "n");
    X509 *first = load_cert(f->ca, "n.crt");
    issue(f, hosts, 1, "n");
    X509 *second = load_cert(f->ca, "n.crt");
    assert_int_not_equal(X509_cmp(first, second), 0); /* new key, new serial */
    assert_int_equal(mode_of(f->ca, "n.key"), 0600);
    X509_free(first);
    X509_free(second);
}

static void issue_refusals(void **state)
{
    struct fixture *f = *state;
    const char *hosts[] = {"localhost"};
    char prefix[PATH_MAX];
    pathf(prefix, "%s/n", f->ca);
    /* No CA yet. */
    assert_int_equal(certgen_issue(f->ca, hosts, 1, 30, prefix, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "ca.key"));
    init_ca(f);
    const char *bad[] = {"bad host"};
    assert_int_equal(certgen_issue(f->ca, bad, 1, 30, prefix, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "bad host"));
    assert_int_equal(certgen_issue(f->ca, hosts, 0, 30, prefix, f->err, sizeof f->err), -1);
    assert_int_equal(certgen_issue(f->ca, hosts, 1, 0, prefix, f->err, sizeof f->err), -1);
    assert_int_equal(
        certgen_issue(f->ca, hosts, 1, CERTGEN_NODE_DAYS_MAX + 1, prefix, f->err, sizeof f->err),
        -1);
    assert_int_equal(access(prefix, F_OK), -1);
    /* A CA key that does not belong to the CA certificate. */
    char other[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
    pathf(other, "%s/other", f->root);
    assert_int_equal(certgen_ca_init(other, f->err, sizeof f->err), 0);
    pathf(from, "%s/%s", other, CERTGEN_CA_KEY);
    pathf(to, "%s/%s", f->ca, CERTGEN_CA_KEY);
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(certgen_issue(f->ca, hosts, 1, 30, prefix, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "does not belong"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_names),
        cmocka_unit_test_setup_teardown(ca_is_a_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(ca_is_never_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(ca_needs_a_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(node_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(other_ca_does_not_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(reissue_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(issue_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
