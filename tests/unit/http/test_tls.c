/* TLS and client certificates in the HTTP floor: a real server on 127.0.0.1 with certificates from
 * the local CA (util/certgen) and a route table of its own, spoken to by a GnuTLS client, so what
 * is tested is what a MedMij peer sees: the handshake (versions, suites), and per route whether a
 * client certificate is required, verified, and named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"
#include "http/internal.h"
#include "util/certgen.h"

/* ---------------------------------------------------------------------------------------------
 * Routes: one open, one requiring a client certificate, one taking an upload behind it */

static void h_whoami(struct http_request *req, struct http_reply *rep)
{
    rep->content_type = "text/plain";
    buf_printf(&rep->body, "%s %s", req->client_cert_ok ? "cert" : "none",
               req->client_cert_ok ? req->client_host : "-");
    rep->status = 200;
}

static void h_upload(struct http_request *req, struct http_reply *rep)
{
    rep->content_type = "text/plain";
    buf_printf(&rep->body, "%zu", req->body_len);
    rep->status = 200;
}

static const struct http_route routes[] = {
    {.method = "GET", .pattern = "/open", .handler = h_whoami},
    {.method = "GET", .pattern = "/mtls", .handler = h_whoami, .client_cert = true},
    {.method = "POST",
     .pattern = "/mtls",
     .handler = h_upload,
     .body = HTTP_BODY_RAW,
     .client_cert = true},
};

/* The Whitelist stand-in: every verified host but one. */
static int host_checks;
static bool host_allowed(void *ctx, const char *host)
{
    host_checks++;
    return strcmp(host, ctx) != 0;
}

/* ---------------------------------------------------------------------------------------------
 * Fixture: a CA with node certificates, another CA, a TLS server and a plain one */

static char dir[64];
static char pem_cert[8192], pem_key[8192], pem_ca[8192];
static struct http_server *tls_srv, *plain_srv;

static void pathf(char out[PATH_MAX], const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

static void read_into(const char *name, char *out, size_t cap)
{
    char path[PATH_MAX];
    pathf(path, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    assert_true(n > 0 && n < cap - 1);
    out[n] = '\0';
}

static void issue(const char *ca, const char *prefix, const char *host)
{
    char cadir[PATH_MAX], out[PATH_MAX], err[512];
    pathf(cadir, ca);
    pathf(out, prefix);
    const char *hosts[] = {host};
    int rc = certgen_issue(cadir, hosts, 1, 30, out, err, sizeof err);
    if (rc) fprintf(stderr, "issue %s: %s\n", prefix, err);
    assert_int_equal(rc, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static struct http_server *start(const struct http_tls *tls)
{
    struct http_server_config cfg = {.host = "127.0.0.1",
                                     .routes = routes,
                                     .nroutes = sizeof routes / sizeof routes[0],
                                     .host_allowed = host_allowed,
                                     .host_allowed_ctx = "barred.regie.test"};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    cfg.limits.body_max = 1 << 20;
    cfg.limits.idle_timeout_s = 5;
    if (tls) cfg.tls = *tls;
    char err[512];
    struct http_server *s = http_server_start(&cfg, err, sizeof err);
    if (!s) fprintf(stderr, "start: %s\n", err);
    return s;
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-tls-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char ca[PATH_MAX], other[PATH_MAX], err[512];
    pathf(ca, "ca");
    pathf(other, "other");
    if (certgen_ca_init(ca, err, sizeof err) || certgen_ca_init(other, err, sizeof err)) {
        fprintf(stderr, "ca: %s\n", err);
        return -1;
    }
    issue("ca", "server", "localhost");
    issue("ca", "pgo", "pgo.regie.test");
    issue("ca", "barred", "barred.regie.test");
    issue("ca", "iponly", "127.0.0.1"); /* no dNSName: the CN names it */
    issue("other", "stranger", "pgo.regie.test");
    read_into("server.crt", pem_cert, sizeof pem_cert);
    read_into("server.key", pem_key, sizeof pem_key);
    read_into("ca/ca.crt", pem_ca, sizeof pem_ca);
    struct http_tls tls = {.cert_pem = pem_cert, .key_pem = pem_key, .client_ca_pem = pem_ca};
    tls_srv = start(&tls);
    plain_srv = start(NULL);
    return tls_srv && plain_srv ? 0 : -1;
}

static int teardown(void **state)
{
    http_server_stop(tls_srv);
    http_server_stop(plain_srv);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * A GnuTLS client */

struct resp {
    int handshake; /* 0, or the GnuTLS error of the handshake */
    int status;    /* HTTP status, -1 when there was no response */
    char text[8192];
    char version[16], cipher[64];
};

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* One request over a new TLS connection. cert: a file prefix under dir ("pgo") or NULL;
 * priorities: NULL for GnuTLS's defaults. */
static void tls_request(const char *cert, const char *priorities, const char *request,
                        struct resp *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    gnutls_certificate_credentials_t cred;
    assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
    char path[PATH_MAX], key[PATH_MAX];
    pathf(path, "ca/ca.crt");
    assert_int_equal(gnutls_certificate_set_x509_trust_file(cred, path, GNUTLS_X509_FMT_PEM), 1);
    if (cert) {
        char name[64];
        snprintf(name, sizeof name, "%s.crt", cert);
        pathf(path, name);
        snprintf(name, sizeof name, "%s.key", cert);
        pathf(key, name);
        assert_int_equal(gnutls_certificate_set_x509_key_file(cred, path, key, GNUTLS_X509_FMT_PEM),
                         0);
    }
    gnutls_session_t s;
    /* Send the certificate even when its issuer is not among the CAs the server names, as
     * OpenSSL-based clients do: otherwise a stranger's certificate would never reach the server. */
    assert_int_equal(gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_FORCE_CLIENT_CERT), 0);
    if (priorities)
        assert_int_equal(gnutls_priority_set_direct(s, priorities, NULL), 0);
    else
        assert_int_equal(gnutls_set_default_priority(s), 0);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", strlen("localhost"));
    gnutls_session_set_verify_cert(s, "localhost", 0); /* the server's certificate must verify */
    int fd = dial(http_server_port(tls_srv));
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 5000);
    int rc;
    do rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    r->handshake = rc < 0 ? rc : 0;
    if (rc == 0) {
        snprintf(r->version, sizeof r->version, "%s",
                 gnutls_protocol_get_name(gnutls_protocol_get_version(s)));
        snprintf(r->cipher, sizeof r->cipher, "%s", gnutls_cipher_get_name(gnutls_cipher_get(s)));
        size_t len = strlen(request), off = 0;
        while (off < len) {
            ssize_t w = gnutls_record_send(s, request + off, len - off);
            if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) continue;
            if (w < 0) break;
            off += (size_t)w;
        }
        size_t n = 0;
        for (;;) {
            ssize_t got = gnutls_record_recv(s, r->text + n, sizeof r->text - 1 - n);
            if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) continue;
            if (got <= 0) break;
            n += (size_t)got;
            if (n == sizeof r->text - 1) break;
        }
        r->text[n] = '\0';
        if (!strncmp(r->text, "HTTP/1.1 ", 9)) r->status = (int)strtol(r->text + 9, NULL, 10);
        gnutls_bye(s, GNUTLS_SHUT_WR);
    }
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

static const char *body(const struct resp *r)
{
    const char *b = strstr(r->text, "\r\n\r\n");
    return b ? b + 4 : "";
}

/* ---------------------------------------------------------------------------------------------
 * Tests */

static void verified_client_is_named(void **state)
{
    struct resp r;
    tls_request("pgo", NULL, GET("/mtls"), &r);
    assert_int_equal(r.handshake, 0);
    assert_string_equal(r.version, "TLS1.3");
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "cert pgo.regie.test");
    /* TLS 1.2 with an ECDHE-ECDSA AES-GCM suite works the same. */
    tls_request("pgo", "NONE:+VERS-TLS1.2:+ECDHE-ECDSA:+AES-128-GCM:+AEAD:+GROUP-ALL:+SIGN-ALL",
                GET("/mtls"), &r);
    assert_int_equal(r.handshake, 0);
    assert_string_equal(r.version, "TLS1.2");
    assert_string_equal(r.cipher, "AES-128-GCM");
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "cert pgo.regie.test");
    /* ChaCha20-Poly1305 too. */
    tls_request("pgo",
                "NONE:+VERS-TLS1.2:+ECDHE-ECDSA:+CHACHA20-POLY1305:+AEAD:+GROUP-ALL:+SIGN-ALL",
                GET("/mtls"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.cipher, "CHACHA20-POLY1305");
}

static void cn_names_a_client_without_dns_name(void **state)
{
    struct resp r;
    tls_request("iponly", NULL, GET("/mtls"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "cert 127.0.0.1");
}

static void missing_certificate_is_403(void **state)
{
    struct resp r;
    tls_request(NULL, NULL, GET("/mtls"), &r);
    assert_int_equal(r.handshake, 0); /* the certificate is optional in the handshake */
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(body(&r), "\"OperationOutcome\""));
    assert_non_null(strstr(body(&r), "CLIENT_CERT"));
    assert_non_null(strstr(body(&r), "none was presented"));
}

static void other_ca_is_403(void **state)
{
    struct resp r;
    tls_request("stranger", NULL, GET("/mtls"), &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(body(&r), "CLIENT_CERT"));
    assert_non_null(strstr(body(&r), "not accepted"));
    /* The same name from the trusted CA is let in: the issuer decides, not the name. */
    tls_request("pgo", NULL, GET("/mtls"), &r);
    assert_int_equal(r.status, 200);
}

static void host_not_allowed_is_403(void **state)
{
    struct resp r;
    int before = host_checks;
    tls_request("barred", NULL, GET("/mtls"), &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(body(&r), "barred.regie.test may not use this endpoint"));
    assert_true(host_checks > before);
    /* An open route does not ask, and still sees who it is. */
    before = host_checks;
    tls_request("barred", NULL, GET("/open"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "cert barred.regie.test");
    assert_int_equal(host_checks, before);
}

static void open_route_without_certificate(void **state)
{
    struct resp r;
    tls_request(NULL, NULL, GET("/open"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "none -");
    /* An unverified certificate is not reported as verified. */
    tls_request("stranger", NULL, GET("/open"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "none -");
}

static void upload_refused_before_body(void **state)
{
    /* The body is announced but never sent: a 403 proves the refusal did not wait for it. */
    struct resp r;
    tls_request(NULL, NULL,
                "POST /mtls HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n", &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(body(&r), "CLIENT_CERT"));
    tls_request("pgo", NULL,
                "POST /mtls HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: "
                "close\r\n\r\nhello",
                &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body(&r), "5");
}

static void weak_handshakes_are_refused(void **state)
{
    struct resp r;
    const char *weak[] = {
        "NORMAL:-VERS-ALL:+VERS-TLS1.1", /* old versions */
        "NORMAL:-VERS-ALL:+VERS-TLS1.0", /* */
        "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256", /* CBC */
        "NORMAL:-VERS-TLS1.3:-KX-ALL:+RSA",              /* RSA key exchange */
        "NORMAL:-VERS-TLS1.3:-KX-ALL:+DHE-RSA:+DHE-DSS", /* finite-field DH */
        "NORMAL:-VERS-TLS1.2:-CIPHER-ALL:+AES-128-CCM",  /* TLS 1.3 with a suite not offered */
    };
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        tls_request("pgo", weak[i], GET("/open"), &r);
        if (r.handshake == 0)
            fprintf(stderr, "accepted: %s (%s %s)\n", weak[i], r.version, r.cipher);
        assert_int_not_equal(r.handshake, 0);
        assert_int_equal(r.status, -1);
    }
}

static void plain_http_on_tls_port_gets_nothing(void **state)
{
    int fd = dial(http_server_port(tls_srv));
    const char req[] = GET("/open");
    assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)(sizeof req - 1));
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    close(fd);
    /* Closed, or at most a TLS alert record (type 21): never an HTTP answer. */
    assert_true(n <= 0 || (unsigned char)buf[0] == 21);
}

static void plain_server_cannot_satisfy_client_cert(void **state)
{
    int fd = dial(http_server_port(plain_srv));
    const char req[] = GET("/mtls");
    assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)(sizeof req - 1));
    char buf[2048];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof buf - 1 && (got = recv(fd, buf + n, sizeof buf - 1 - n, 0)) > 0)
        n += (size_t)got;
    buf[n] = '\0';
    close(fd);
    assert_int_equal(strncmp(buf, "HTTP/1.1 403", 12), 0);
    assert_non_null(strstr(buf, "listens without TLS"));
    assert_false(http_server_tls(plain_srv));
    assert_true(http_server_tls(tls_srv));
}

static void bad_configurations_are_named(void **state)
{
    char key2[8192];
    read_into("pgo.key", key2, sizeof key2);
    struct http_tls mismatch = {.cert_pem = pem_cert, .key_pem = key2};
    struct http_tls garbage = {.cert_pem = "not a certificate", .key_pem = pem_key};
    struct http_tls no_ca = {.cert_pem = pem_cert, .key_pem = pem_key, .client_ca_pem = "x"};
    struct http_tls bad_prio = {.cert_pem = pem_cert, .key_pem = pem_key, .priorities = "BOGUS"};
    struct {
        const struct http_tls *tls;
        const char *says;
    } cases[] = {
        {&mismatch, "certificate and key are unusable"},
        {&garbage, "certificate and key are unusable"},
        {&no_ca, "client CA file holds no usable certificate"},
        {&bad_prio, "bad TLS priority string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_server_config cfg = {
            .host = "127.0.0.1", .routes = routes, .nroutes = 1, .tls = *cases[i].tls};
        http_limits_defaults(&cfg.limits);
        char err[512] = "";
        struct http_server *s = http_server_start(&cfg, err, sizeof err);
        assert_null(s);
        if (!strstr(err, cases[i].says)) fprintf(stderr, "case %zu: %s\n", i, err);
        assert_non_null(strstr(err, cases[i].says));
    }
}

/* The fuzz seeds (tests/fuzz/corpus/http_certname) double as fixtures of the name rule. */
static void certificate_names(void **state)
{
    struct {
        const char *file;
        const char *host; /* NULL: no name */
    } cases[] = {
        {"san-dns.der", "node.regie.test"}, /* first dNSName, lower-cased */
        {"cn-only-ip.der", "127.0.0.1"},    /* no dNSName: the CN */
        {"no-name-rsa.der", NULL},          /* neither */
        {"bad-names.der", NULL},            /* only names with characters DNS has not */
        {"truncated.der", NULL},
        {"garbage.der", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "tests/fuzz/corpus/http_certname/%s", cases[i].file);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        unsigned char der[4096];
        size_t n = fread(der, 1, sizeof der, f);
        fclose(f);
        char host[HTTP_CLIENT_HOST_MAX];
        bool ok = http_tls_cert_host(der, n, host);
        if (cases[i].host) {
            assert_true(ok);
            assert_string_equal(host, cases[i].host);
        } else {
            assert_false(ok);
            assert_string_equal(host, "");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verified_client_is_named),
        cmocka_unit_test(cn_names_a_client_without_dns_name),
        cmocka_unit_test(missing_certificate_is_403),
        cmocka_unit_test(other_ca_is_403),
        cmocka_unit_test(host_not_allowed_is_403),
        cmocka_unit_test(open_route_without_certificate),
        cmocka_unit_test(upload_refused_before_body),
        cmocka_unit_test(weak_handshakes_are_refused),
        cmocka_unit_test(plain_http_on_tls_port_gets_nothing),
        cmocka_unit_test(plain_server_cannot_satisfy_client_cert),
        cmocka_unit_test(bad_configurations_are_named),
        cmocka_unit_test(certificate_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
