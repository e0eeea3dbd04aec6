/* Running one scenario step and checking its expectations: status, headers, body subset, raw body
 * text, and an absent body. Every mismatch is reported with the step label. */
#include "step.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "match.h"
#include "step_req.h"

#define STEP_TIMEOUT_S   60
#define STEP_SHOW_BODY   800
#define STEP_PARSE_DEPTH 1000 /* responses may echo deeply nested resources */

struct step_report {
    const struct step_ctx *ctx;
    const char *label;
    bool failed;
};

__attribute__((format(printf, 2, 3))) static void fail(struct step_report *rep, const char *fmt,
                                                       ...)
{
    if (!rep->failed) fprintf(stderr, "FAIL %s step '%s'\n", rep->ctx->file, rep->label);
    rep->failed = true;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "     ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static bool status_ok(json_object *want, long got)
{
    if (json_object_is_type(want, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(want); i++)
            if (json_object_get_int64(json_object_array_get_idx(want, i)) == got) return true;
        return false;
    }
    return json_object_get_int64(want) == got;
}

static void check_headers(struct step_report *rep, json_object *want, const struct client_resp *r)
{
    json_object_object_foreach(want, name, v)
    {
        const char *got = client_resp_header(r, name);
        if (!v) {
            if (got) fail(rep, "header %s: expected absent, got '%s'", name, got);
            continue;
        }
        struct buf pat, why;
        buf_init(&pat, 1 << 16);
        buf_init(&why, 4096);
        if (subst_string(&rep->ctx->env, json_object_get_string(v), &pat, &why) != 0)
            fail(rep, "header %s: %s", name, why.data ? why.data : "substitution failed");
        else if (!got)
            fail(rep, "header %s: expected '%s', but it is absent", name, pat.data ? pat.data : "");
        else if (!match_text(pat.data ? pat.data : "", got, &why))
            fail(rep, "header %s: expected '%s', got '%s'%s%s", name, pat.data ? pat.data : "", got,
                 why.len ? " - " : "", why.len ? why.data : "");
        buf_free(&pat);
        buf_free(&why);
    }
}

/* "body_contains" / "body_not_contains": a string or an array of strings searched in raw bytes. */
static void check_raw(struct step_report *rep, json_object *want, const struct client_resp *r,
                      bool present)
{
    size_t n = json_object_is_type(want, json_type_array) ? json_object_array_length(want) : 1;
    for (size_t i = 0; i < n; i++) {
        json_object *w =
            json_object_is_type(want, json_type_array) ? json_object_array_get_idx(want, i) : want;
        struct buf needle, why;
        buf_init(&needle, 1 << 16);
        buf_init(&why, 4096);
        if (subst_string(&rep->ctx->env, json_object_get_string(w), &needle, &why) != 0) {
            fail(rep, "body text: %s", why.data ? why.data : "substitution failed");
        } else {
            const char *hay = r->body.data ? r->body.data : "";
            bool found = needle.len == 0 ||
                         (r->body.len && memmem(hay, r->body.len, needle.data, needle.len) != NULL);
            if (found != present)
                fail(rep, "body text: expected %s '%s'", present ? "to contain" : "not to contain",
                     needle.data ? needle.data : "");
        }
        buf_free(&needle);
        buf_free(&why);
    }
}

/* Prints up to STEP_SHOW_BODY bytes on one line, control bytes escaped. */
static void show_bytes(const char *p, size_t n)
{
    size_t shown = n < STEP_SHOW_BODY ? n : STEP_SHOW_BODY;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n')
            fputs("\\n", stderr);
        else if (c < 0x20 || c == 0x7f)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fprintf(stderr, "%s\n", n > shown ? "..." : "");
}

static json_object *parse_body(const struct client_resp *r)
{
    if (!r->body.len) return NULL;
    json_tokener *tok = json_tokener_new_ex(STEP_PARSE_DEPTH);
    json_object *v = json_tokener_parse_ex(tok, r->body.data, (int)r->body.len);
    if (json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != r->body.len) {
        json_object_put(v);
        v = NULL;
    }
    json_tokener_free(tok);
    return v;
}

static void check_body(struct step_report *rep, json_object *expect, const struct client_resp *r,
                       json_object *body)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(expect, "body_absent", &v) && json_object_get_boolean(v) &&
        r->body.len)
        fail(rep, "body: expected none, got %zu bytes", r->body.len);
    if (json_object_object_get_ex(expect, "body", &v)) {
        struct buf why;
        buf_init(&why, 1 << 16);
        json_object *want = subst_json(&rep->ctx->env, v, &why);
        if (!want && v)
            fail(rep, "body: %s", why.data ? why.data : "substitution failed");
        else if (!body)
            fail(rep, "body: expected JSON, got %zu bytes that are not JSON", r->body.len);
        else if (!match_json(want, body, "body", &why))
            fail(rep, "%s", why.data ? why.data : "body differs");
        json_object_put(want);
        buf_free(&why);
    }
    if (json_object_object_get_ex(expect, "body_contains", &v)) check_raw(rep, v, r, true);
    if (json_object_object_get_ex(expect, "body_not_contains", &v)) check_raw(rep, v, r, false);
}

static void fill_result(const char *label, const struct client_resp *r, json_object *body,
                        struct subst_result *out)
{
    out->label = strdup(label);
    out->status = r->status;
    out->headers = json_object_new_object();
    for (size_t i = 0; i < r->nheaders; i++) {
        char lower[sizeof r->headers[i].name];
        size_t n = strlen(r->headers[i].name);
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)tolower((unsigned char)r->headers[i].name[j]);
        json_object_object_add(out->headers, lower, json_object_new_string(r->headers[i].value));
    }
    out->body = body;
}

static void pause_ms(json_object *step)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(step, "sleep_ms", &v)) return;
    int64_t ms = json_object_get_int64(v);
    if (ms <= 0 || ms > 60000) return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

bool step_run(struct step_ctx *ctx, size_t index, json_object *step, struct subst_result *result)
{
    char fallback[32];
    snprintf(fallback, sizeof fallback, "#%zu", index + 1);
    const char *label = json_object_get_string(json_object_object_get(step, "label"));
    struct step_report rep = {.ctx = ctx, .label = label ? label : fallback};
    memset(result, 0, sizeof *result);
    pause_ms(step);

    struct step_req req;
    struct buf err;
    buf_init(&err, 4096);
    if (step_req_build(ctx, json_object_object_get(step, "request"), &req, &err) != 0) {
        fail(&rep, "request: %s", err.data ? err.data : "cannot build");
        step_req_free(&req);
        buf_free(&err);
        return false;
    }
    struct client_resp r;
    client_resp_init(&r);
    int rc = client_request(ctx->curl, req.method, req.url.data, req.headers,
                            req.has_body ? (req.body.data ? req.body.data : "") : NULL,
                            req.body.len, STEP_TIMEOUT_S, &r);
    json_object *expect = json_object_object_get(step, "expect");
    json_object *body = NULL;
    if (rc != 0) {
        fail(&rep, "%s %s: no response: %s", req.method, req.url.data, r.err);
    } else {
        body = parse_body(&r);
        json_object *v = NULL;
        if (json_object_object_get_ex(expect, "status", &v) && !status_ok(v, r.status))
            fail(&rep, "status: expected %s, got %ld", json_object_to_json_string(v), r.status);
        if (json_object_object_get_ex(expect, "headers", &v)) check_headers(&rep, v, &r);
        check_body(&rep, expect, &r, body);
        if (rep.failed) {
            fprintf(stderr, "     request: %s %.300s%s\n", req.method, req.url.data,
                    req.url.len > 300 ? "..." : "");
            fprintf(stderr, "     response %ld body: ", r.status);
            show_bytes(r.body.data, r.body.len);
        }
        fill_result(rep.label, &r, body, result);
    }
    if (!rep.failed && ctx->verbose)
        fprintf(stderr, "ok   %s %s (%s %s -> %ld)\n", ctx->file, rep.label, req.method,
                req.url.data, r.status);
    client_resp_free(&r);
    step_req_free(&req);
    buf_free(&err);
    return !rep.failed;
}

void step_result_free(struct subst_result *r)
{
    free(r->label);
    json_object_put(r->headers);
    json_object_put(r->body);
    memset(r, 0, sizeof *r);
}
