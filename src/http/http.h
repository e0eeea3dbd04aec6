/* The HTTP floor: a libmicrohttpd server, one declarative route table, and parsed requests.
 * The dispatcher reads the body (within the route's limit), matches the route, parses the query,
 * negotiates the FHIR format, parses a JSON body, and only then calls the handler; handlers never
 * see raw upload chunks. A handler fills a struct http_reply and returns; the dispatcher sends it.
 */
#ifndef REGIE_HTTP_HTTP_H
#define REGIE_HTTP_HTTP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir/error.h"
#include "util/buf.h"

#define HTTP_MAX_ARGS          6
#define HTTP_MAX_PARAMS        128
#define HTTP_MAX_REPLY_HEADERS 16
#define HTTP_CLIENT_HOST_MAX   256
#define HTTP_CLIENT_ADDR_MAX   64

struct http_param {
    char *name;  /* percent-decoded */
    char *value; /* percent-decoded ('+' is a space) */
};

struct http_request {
    const char *method;              /* "GET", "POST", ... */
    const char *path;                /* decoded path, no query string: "/fhir/Patient/1" */
    const char *args[HTTP_MAX_ARGS]; /* values of the route's {placeholders}, in order */
    size_t nargs;
    struct http_param *params; /* query parameters in order of appearance (and, for routes with
                                  HTTP_BODY_FORM, the form body's) */
    size_t nparams;
    const char *body; /* raw body bytes (NUL-terminated), NULL when empty */
    size_t body_len;
    json_object *json;     /* parsed body for HTTP_BODY_JSON routes; owned by the request */
    bool pretty;           /* _pretty=true was asked */
    const char *raw_query; /* the query string as received (may be NULL) */
    void *app;             /* the server config's app pointer */
    void *priv;            /* the dispatcher's own state */
    int json_depth;        /* limits.json_depth, for handlers that parse an HTTP_BODY_RAW body */
    /* Mutual TLS: true when the peer presented a certificate that verifies against the server's
     * client trust anchors (http_tls.client_ca_pem) for client authentication; client_host is then
     * its first subjectAltName dNSName (or its subject CN when it has none), lower-cased. */
    bool client_cert_ok;
    char client_host[HTTP_CLIENT_HOST_MAX];
    /* The peer's numeric address ("127.0.0.1", "::1"), for throttles and the audit log. */
    char client_addr[HTTP_CLIENT_ADDR_MAX];
    /* What the server's authenticate hook proved for a route with auth (e.g. the grant behind a
     * bearer token, as the rest floor's struct rest_access); NULL otherwise. access_free (when
     * set) is called with it once the reply is built. */
    void *access;
    void (*access_free)(void *access);
};

/* Request header by case-insensitive name, or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* First value of query parameter name, or NULL. */
const char *http_param(const struct http_request *req, const char *name);

struct http_reply {
    int status;               /* 0 until set */
    const char *content_type; /* static string; default application/fhir+json;charset=utf-8 */
    struct buf body;
    struct {
        char name[64];
        char value[1024];
    } headers[HTTP_MAX_REPLY_HEADERS];
    size_t nheaders;
    bool pretty;      /* copied from the request so reply helpers indent JSON */
    enum rg_err code; /* set by http_reply_fail/http_reply_error; names the error in the log */
};

/* Adds a response header (ignored beyond HTTP_MAX_REPLY_HEADERS, which is our bug and logged). */
void http_reply_header(struct http_reply *rep, const char *name, const char *value);
/* Status and JSON body of v (v is not consumed). */
void http_reply_json(struct http_reply *rep, int status, json_object *v);
/* Status with no body. */
void http_reply_empty(struct http_reply *rep, int status);
/* An OperationOutcome for f with f's HTTP status. */
void http_reply_fail(struct http_reply *rep, const struct rg_fail *f);
/* Shorthand: an OperationOutcome with code's status and a formatted detail. */
__attribute__((format(printf, 3, 4))) void http_reply_error(struct http_reply *rep,
                                                            enum rg_err code, const char *fmt, ...);

/* Status and a body of another media type (HTML pages, form-encoded or JSON OAuth answers);
 * content_type must be a static string. */
void http_reply_text(struct http_reply *rep, int status, const char *content_type, const char *body,
                     size_t len);
/* A redirect (302, 303) to location, with Cache-Control: no-store and no body. The location must
 * be free of CR and LF (http_reply_header drops it otherwise, which is logged as our bug). */
void http_reply_redirect(struct http_reply *rep, int status, const char *location);

typedef void (*http_handler_fn)(struct http_request *req, struct http_reply *rep);

enum http_body_kind {
    HTTP_BODY_NONE, /* a body is refused with 400 */
    HTTP_BODY_RAW,  /* bytes as they come */
    HTTP_BODY_JSON, /* FHIR JSON: Content-Type must be application/fhir+json or application/json
                       (415 otherwise); parsed with the depth limit into req->json */
    HTTP_BODY_FORM  /* application/x-www-form-urlencoded, merged into req->params */
};

struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD" is served by GET */
    const char *pattern; /* "/fhir/{type}/{id}/_history/{vid}": "{name}" matches one non-empty
                            segment; literal segments match exactly; a last segment "{name*}"
                            matches one or more segments (empty ones too) and its argument is
                            the rest of the decoded path ("a/b/c.js"). First matching route wins;
                            a path matching only under other methods answers 405. */
    http_handler_fn handler;
    enum http_body_kind body;
    size_t body_limit; /* 0: the server's limits.body_max */
    bool fhir;         /* negotiate FHIR format: Accept / _format must allow FHIR JSON (406
                          otherwise); _pretty honoured; errors as OperationOutcome */
    const char *name;  /* for logs */
    bool client_cert;  /* require mutual TLS: a client certificate that verifies against the
                          server's client trust anchors and whose host the server config's
                          host_allowed accepts; otherwise 403 CLIENT_CERT before the body is read */
    bool auth;         /* call the server config's authenticate hook before the handler; a
                          route with auth on a server without the hook answers 500 (our bug) */
    void *ctx;         /* handed to the handler as req->app; NULL: the server config's app. Lets
                          a module (OAuth, PGO) bring routes with its own state */
};

struct http_limits {
    size_t body_max;          /* default body limit, bytes (default 16 MiB) */
    int json_depth;           /* deepest JSON nesting accepted (default 64) */
    unsigned conn_max;        /* concurrent connections (default 512) */
    unsigned conn_per_ip_max; /* concurrent connections per client address (0: no limit) */
    unsigned idle_timeout_s;  /* close a connection idle this long (default 30) */
    unsigned threads;         /* worker threads (default 8) */
    size_t header_max;        /* request line + headers, bytes (default 32 KiB) */
    size_t large_body;        /* a body above this many bytes is "large" (default 1 MiB) */
    unsigned large_max;       /* large requests handled at once; others wait (default 1). A parsed
                                 JSON tree is ~10x its text, so this bounds the server's memory */
};

void http_limits_defaults(struct http_limits *l);

/* The GnuTLS priority string of every TLS listener: TLS 1.3 and 1.2 only, ECDHE key exchange
 * (x25519, x448, P-256, P-384) with AES-GCM or ChaCha20-Poly1305, signatures with SHA-2 and
 * EdDSA, secure renegotiation only. Every suite is rated "good" by the NCSC TLS guidelines 2.1;
 * see docs/tls.md. No server preference: all offered suites are good, so the client may pick the
 * one its hardware is fastest at (the NCSC's advice for a good-only configuration). */
#define HTTP_TLS_PRIORITIES                                                                        \
    "NONE:+VERS-TLS1.3:+VERS-TLS1.2:"                                                              \
    "+ECDHE-ECDSA:+ECDHE-RSA:"                                                                     \
    "+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:+AEAD:"                                          \
    "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-X448:+GROUP-SECP384R1:"                                 \
    "+SIGN-ALL:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:"                                    \
    "%SAFE_RENEGOTIATION"

/* TLS for a listener. cert_pem NULL: plain HTTP. The strings are copied at start. */
struct http_tls {
    const char *cert_pem;      /* the server certificate, optionally followed by its chain, PEM */
    const char *key_pem;       /* its private key, PEM (unencrypted) */
    const char *client_ca_pem; /* trust anchors for client certificates, PEM; when set, every
                                  handshake asks for a client certificate (optional in the
                                  handshake; routes with client_cert require it). NULL: none */
    const char *priorities;    /* GnuTLS priority string; NULL: HTTP_TLS_PRIORITIES */
};

struct http_server_config {
    const char *host; /* numeric address to bind, e.g. "127.0.0.1" or "::1" */
    uint16_t port;    /* 0 picks a free port (see http_server_port) */
    const struct http_route *routes;
    size_t nroutes;
    void *app; /* handed to handlers as req->app */
    struct http_limits limits;
    struct http_tls tls;
    /* For routes with client_cert: whether a verified client certificate's host may use them
     * (e.g. the MedMij Whitelist). Called per request, so a list swapped meanwhile applies at
     * once. NULL: every verified host. */
    bool (*host_allowed)(void *ctx, const char *host);
    void *host_allowed_ctx;
    /* For routes with auth: checks the request's credentials (e.g. Authorization: Bearer) after
     * the query is parsed and before the body is parsed or the handler runs. Returns 0 to go on
     * (having set req->access / access_free as it likes), or non-zero after filling rep with the
     * refusal (401 with WWW-Authenticate, 403). */
    int (*authenticate)(void *ctx, struct http_request *req, struct http_reply *rep);
    void *authenticate_ctx;
};

struct http_server;

/* Starts listening; returns NULL with a reason in err. The config's routes must outlive the server.
 */
struct http_server *http_server_start(const struct http_server_config *cfg, char *err,
                                      size_t err_len);
uint16_t http_server_port(const struct http_server *srv);
/* True when the server speaks TLS. */
bool http_server_tls(const struct http_server *srv);
/* Stops accepting, finishes running requests, frees the server. */
void http_server_stop(struct http_server *srv);

/* True when host is a loopback address (127.0.0.0/8, ::1, "localhost"). */
bool http_host_is_loopback(const char *host);

#endif
