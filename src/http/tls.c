/* Mutual TLS with GnuTLS, which libmicrohttpd runs the handshake with: the configuration check
 * before start, and the client certificate of a connection. MHD only asks for the certificate
 * (GNUTLS_CERT_REQUEST when a trust file is set); verifying it is ours, so a route can refuse an
 * unverified peer with an OperationOutcome instead of a bare handshake failure. */
#include <ctype.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http/internal.h"

/* subjectAltName entries looked at; a client certificate names a handful at most. */
#define HTTP_CERT_SAN_MAX 64

static gnutls_datum_t datum(const char *pem)
{
    return (gnutls_datum_t){.data = (unsigned char *)pem, .size = (unsigned)strlen(pem)};
}

int http_tls_check_config(const struct http_tls *tls, char *err, size_t err_len)
{
    if (!tls->cert_pem || !tls->key_pem) {
        snprintf(err, err_len, "TLS needs both a certificate and its key");
        return -1;
    }
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = -1;
    gnutls_datum_t cert = datum(tls->cert_pem), key = datum(tls->key_pem);
    int r = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
    if (r < 0) {
        snprintf(err, err_len, "the TLS certificate and key are unusable: %s", gnutls_strerror(r));
        goto out;
    }
    if (tls->client_ca_pem) {
        gnutls_datum_t ca = datum(tls->client_ca_pem);
        r = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
        if (r <= 0) {
            snprintf(err, err_len, "the client CA file holds no usable certificate%s%s",
                     r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
            goto out;
        }
    }
    gnutls_priority_t prio;
    const char *where = NULL;
    r = gnutls_priority_init2(&prio, tls->priorities ? tls->priorities : HTTP_TLS_PRIORITIES,
                              &where, 0);
    if (r < 0) {
        snprintf(err, err_len, "bad TLS priority string at '%.40s': %s", where ? where : "",
                 gnutls_strerror(r));
        goto out;
    }
    gnutls_priority_deinit(prio);
    rc = 0;
out:
    gnutls_certificate_free_credentials(cred);
    return rc;
}

/* A host name fit for a log line and a Whitelist comparison: DNS characters only (a wildcard
 * names no one host), lower-cased. */
static bool host_copy(char *out, const char *in, size_t len)
{
    if (len == 0 || len >= HTTP_CLIENT_HOST_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (!isalnum(ch) && ch != '-' && ch != '.') return false;
        out[i] = (char)tolower(ch);
    }
    out[len] = '\0';
    return true;
}

bool http_tls_cert_host(const unsigned char *der, size_t len, char host[HTTP_CLIENT_HOST_MAX])
{
    host[0] = '\0';
    if (len > UINT_MAX) return false;
    gnutls_datum_t d = {.data = (unsigned char *)der, .size = (unsigned)len};
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0) return false;
    bool found = false;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0) {
        char name[HTTP_CLIENT_HOST_MAX];
        /* A name too long for us or of another kind is skipped; a malformed extension ends the
         * search (it would fail the same way at every position). */
        for (unsigned seq = 0; !found && seq < HTTP_CERT_SAN_MAX; seq++) {
            size_t size = sizeof name;
            int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &size, NULL);
            if (type == GNUTLS_E_SHORT_MEMORY_BUFFER) continue;
            if (type < 0) break;
            if (type == GNUTLS_SAN_DNSNAME) found = host_copy(host, name, size);
        }
        size_t size = sizeof name;
        if (!found &&
            gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &size) >= 0)
            found = host_copy(host, name, size);
    }
    gnutls_x509_crt_deinit(crt);
    if (!found) host[0] = '\0';
    return found;
}

void http_tls_check_peer(struct MHD_Connection *mhd, struct http_peer *out)
{
    out->state = HTTP_PEER_NONE;
    out->host[0] = '\0';
    out->why[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    if (!s) return;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    if (!certs || n == 0) return;
    out->state = HTTP_PEER_BAD;
    /* Chain, validity dates, and the key purpose: a server-only certificate is no client's. */
    gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
                                     .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
    unsigned status = 0;
    int r = gnutls_certificate_verify_peers(s, &purpose, 1, &status);
    if (r < 0) {
        snprintf(out->why, sizeof out->why, "cannot verify it: %s", gnutls_strerror(r));
        return;
    }
    if (status != 0) {
        gnutls_datum_t text = {NULL, 0};
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >= 0) {
            snprintf(out->why, sizeof out->why, "%s", (const char *)text.data);
            gnutls_free(text.data);
        } else {
            snprintf(out->why, sizeof out->why, "verification status 0x%x", status);
        }
        return;
    }
    if (!http_tls_cert_host(certs[0].data, certs[0].size, out->host)) {
        snprintf(out->why, sizeof out->why, "%s",
                 "it names no host (no usable subjectAltName dNSName or subject CN)");
        return;
    }
    out->state = HTTP_PEER_OK;
}
