/* Reply helpers for handlers. The body is built in rep->body and later handed to libmicrohttpd
 * without a copy. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "json/jsonx.h"
#include "util/log.h"

void http_reply_header(struct http_reply *rep, const char *name, const char *value)
{
    if (rep->nheaders >= HTTP_MAX_REPLY_HEADERS) {
        log_bug("reply header %s dropped: more than %d headers", name, HTTP_MAX_REPLY_HEADERS);
        return;
    }
    size_t nl = strlen(name), vl = strlen(value);
    if (nl >= sizeof rep->headers[0].name || vl >= sizeof rep->headers[0].value) {
        log_bug("reply header %s dropped: longer than the reply header limits", name);
        return;
    }
    /* A CR or LF would let a value split the response; headers come from our code, so it's a bug.
     */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        log_bug("reply header %s dropped: contains CR, LF or ':'", name);
        return;
    }
    memcpy(rep->headers[rep->nheaders].name, name, nl + 1);
    memcpy(rep->headers[rep->nheaders].value, value, vl + 1);
    rep->nheaders++;
}

void http_reply_json(struct http_reply *rep, int status, json_object *v)
{
    size_t len = 0;
    const char *text = jsonx_text(v, rep->pretty, &len);
    buf_reset(&rep->body);
    if (!text || buf_append(&rep->body, text, len) != 0) {
        log_bug("reply body of %zu bytes could not be stored", len);
        buf_reset(&rep->body);
        rep->status = 500;
        rep->code = RG_E_INTERNAL;
        buf_append_str(&rep->body,
                       "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
                       "\"error\",\"code\":\"too-costly\",\"diagnostics\":\"reply too "
                       "large\"}]}");
        return;
    }
    rep->status = status;
}

void http_reply_empty(struct http_reply *rep, int status)
{
    buf_reset(&rep->body);
    rep->status = status;
}

void http_reply_fail(struct http_reply *rep, const struct rg_fail *f)
{
    json_object *oo = rg_outcome_from_fail(f);
    rep->content_type = NULL;
    http_reply_json(rep, rg_err_status(f->code), oo);
    json_object_put(oo);
    if (rep->status != 500 || f->code == RG_E_INTERNAL) rep->code = f->code;
}

void http_reply_error(struct http_reply *rep, enum rg_err code, const char *fmt, ...)
{
    struct rg_fail f;
    f.code = code;
    f.expression[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.detail, sizeof f.detail, fmt, ap);
    va_end(ap);
    http_reply_fail(rep, &f);
}

void http_reply_text(struct http_reply *rep, int status, const char *content_type, const char *body,
                     size_t len)
{
    buf_reset(&rep->body);
    if (len && buf_append(&rep->body, body, len) != 0) {
        log_bug("reply body of %zu bytes could not be stored", len);
        buf_reset(&rep->body);
        rep->status = 500;
        rep->code = RG_E_INTERNAL;
        rep->content_type = "text/plain; charset=utf-8";
        return;
    }
    rep->content_type = content_type;
    rep->status = status;
}

void http_reply_redirect(struct http_reply *rep, int status, const char *location)
{
    buf_reset(&rep->body);
    http_reply_header(rep, "Location", location);
    /* Nothing of a redirect may be cached: it can carry a code or a state. */
    http_reply_header(rep, "Cache-Control", "no-store");
    rep->content_type = "text/plain; charset=utf-8";
    rep->status = status;
}
