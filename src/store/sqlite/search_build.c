/* The SQL builder's primitives: capped text, numbered parameters, an arena for computed texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/search_sql.h"
#include "util/log.h"

void sq_build_init(struct sq_build *b)
{
    memset(b, 0, sizeof *b);
    buf_init(&b->sql, SQ_SQL_MAX);
}

void sq_build_free(struct sq_build *b)
{
    buf_free(&b->sql);
    free(b->binds);
    b->binds = NULL;
    while (b->arena) {
        struct sq_chunk *next = b->arena->next;
        free(b->arena);
        b->arena = next;
    }
}

void sq_emit(struct sq_build *b, const char *text)
{
    if (buf_append_str(&b->sql, text)) b->failed = true;
}

void sq_emitf(struct sq_build *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (buf_vprintf(&b->sql, fmt, ap)) b->failed = true;
    va_end(ap);
}

/* A new parameter slot, or NULL (failed set) past the cap or out of memory. */
static struct sq_bind *add_bind(struct sq_build *b)
{
    if (b->nbinds == b->cap_binds) {
        int cap = b->cap_binds ? 2 * b->cap_binds : 32;
        struct sq_bind *p = cap <= SQ_BINDS_MAX ? realloc(b->binds, (size_t)cap * sizeof *p) : NULL;
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->binds = p;
        b->cap_binds = cap;
    }
    struct sq_bind *p = &b->binds[b->nbinds++];
    memset(p, 0, sizeof *p);
    return p;
}

static struct sq_bind *new_bind(struct sq_build *b)
{
    struct sq_bind *p = add_bind(b);
    if (p) sq_emitf(b, "?%d", b->nbinds);
    return p;
}

void sq_text(struct sq_build *b, const char *text)
{
    struct sq_bind *p = new_bind(b);
    if (!p) return;
    p->kind = SQB_TEXT;
    p->text = text ? text : "";
}

void sq_param(struct sq_build *b, const char *text, char out[16])
{
    out[0] = '\0';
    struct sq_bind *p = add_bind(b);
    if (!p) return;
    p->kind = SQB_TEXT;
    p->text = text ? text : "";
    snprintf(out, 16, "?%d", b->nbinds);
}

void sq_int(struct sq_build *b, int64_t v)
{
    struct sq_bind *p = new_bind(b);
    if (!p) return;
    p->kind = SQB_INT;
    p->i = v;
}

void sq_real(struct sq_build *b, double v)
{
    struct sq_bind *p = new_bind(b);
    if (!p) return;
    p->kind = SQB_REAL;
    p->d = v;
}

char *sq_arena(struct sq_build *b, const char *s, size_t n)
{
    if (n >= SQ_ARENA_MAX - b->arena_len) {
        b->failed = true;
        return NULL;
    }
    struct sq_chunk *c = b->arena;
    if (!c || c->cap - c->len < n + 1) {
        size_t cap = n + 1 > 2048 ? n + 1 : 2048;
        c = malloc(sizeof *c + cap);
        if (!c) {
            b->failed = true;
            return NULL;
        }
        c->len = 0;
        c->cap = cap;
        c->next = b->arena;
        b->arena = c;
    }
    char *p = c->data + c->len;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    c->len += n + 1;
    b->arena_len += n + 1;
    return p;
}

const char *sq_successor(struct sq_build *b, const char *prefix)
{
    size_t n = strlen(prefix);
    /* Bytes compare unsigned (memcmp), so raising the last byte that can be raised and dropping
     * what follows gives the first text past the prefix's range. */
    while (n && (unsigned char)prefix[n - 1] == 0xFF) n--;
    if (!n) return NULL;
    char *p = sq_arena(b, prefix, n);
    if (p) p[n - 1] = (char)((unsigned char)p[n - 1] + 1);
    return p;
}

const char *sq_like_contains(struct sq_build *b, const char *s)
{
    size_t n = strlen(s);
    if (n > (SQ_ARENA_MAX / 2)) {
        b->failed = true;
        return NULL;
    }
    char tmp[2 * 4096 + 3];
    char *out = n <= 4096 ? tmp : malloc(2 * n + 3);
    if (!out) {
        b->failed = true;
        return NULL;
    }
    size_t k = 0;
    out[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' || s[i] == '_' || s[i] == '\\') out[k++] = '\\';
        out[k++] = s[i];
    }
    out[k++] = '%';
    char *p = sq_arena(b, out, k);
    if (out != tmp) free(out);
    return p;
}

void sq_alias(struct sq_build *b, char letter, char out[16])
{
    snprintf(out, 16, "%c%d", letter, b->alias++);
}

void sq_pid(struct sq_build *b, const char *x, const char *type, const char *param)
{
    if (type) {
        sq_emitf(b, "%s.pid = (SELECT pid FROM ix_param WHERE type = ", x);
        sq_text(b, type);
        sq_emit(b, " AND code = ");
    } else {
        sq_emitf(b, "%s.pid IN (SELECT pid FROM ix_param WHERE code = ", x);
    }
    sq_text(b, param);
    sq_emit(b, ")");
}

int sq_bind_all(const struct sq_build *b, sqlite3_stmt *st)
{
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < n && i < b->nbinds; i++) {
        const struct sq_bind *p = &b->binds[i];
        int rc;
        if (p->kind == SQB_TEXT)
            rc = sqlite3_bind_text(st, i + 1, p->text, -1, SQLITE_STATIC);
        else if (p->kind == SQB_INT)
            rc = sqlite3_bind_int64(st, i + 1, p->i);
        else
            rc = sqlite3_bind_double(st, i + 1, p->d);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}
