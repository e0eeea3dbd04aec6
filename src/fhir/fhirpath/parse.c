/* Hand-written lexer and precedence-climbing parser for FHIRPath N1. Errors carry the byte
 * offset of the offending token; nesting and length are capped (fhirpath.h). */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/fhirpath/fp_internal.h"

enum tok_type { T_EOF, T_ID, T_STR, T_NUM, T_DATE, T_PUNCT, T_VAR, T_EXT };

struct tok {
    enum tok_type type;
    size_t pos, len;   /* raw span in the text */
    const char *val;   /* decoded identifier/string (arena) */
    enum fp_ast dkind; /* for T_DATE */
    bool quoted;       /* identifier was `delimited` */
};

struct parser {
    const char *s;
    size_t len, pos;
    struct fp_arena *a;
    struct tok t; /* current lookahead */
    int depth;
    size_t err_pos;
    char *err;
    size_t err_len;
    jmp_buf jb;
};

__attribute__((format(printf, 3, 4))) _Noreturn static void perr(struct parser *p, size_t pos,
                                                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (p->err && p->err_len) vsnprintf(p->err, p->err_len, fmt, ap);
    va_end(ap);
    p->err_pos = pos;
    longjmp(p->jb, 1);
}

static void *palloc(struct parser *p, size_t n)
{
    void *r = fp_alloc(p->a, n);
    if (!r) perr(p, p->pos, "out of memory");
    return r;
}

static void skip_space(struct parser *p)
{
    for (;;) {
        while (p->pos < p->len && isspace((unsigned char)p->s[p->pos])) p->pos++;
        if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
        } else if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
            size_t start = p->pos;
            p->pos += 2;
            while (p->pos + 1 < p->len && !(p->s[p->pos] == '*' && p->s[p->pos + 1] == '/'))
                p->pos++;
            if (p->pos + 1 >= p->len) perr(p, start, "unterminated comment");
            p->pos += 2;
        } else {
            return;
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes a quoted string or delimited identifier starting at the quote; escapes per N1. */
static const char *lex_quoted(struct parser *p, char q)
{
    size_t start = p->pos++;
    char *out = palloc(p, p->len - start + 1);
    size_t n = 0;
    while (p->pos < p->len && p->s[p->pos] != q) {
        char ch = p->s[p->pos++];
        if (ch != '\\') {
            out[n++] = ch;
            continue;
        }
        if (p->pos >= p->len) break;
        char e = p->s[p->pos++];
        switch (e) {
        case 'n':
            out[n++] = '\n';
            break;
        case 'r':
            out[n++] = '\r';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'f':
            out[n++] = '\f';
            break;
        case '\'':
        case '"':
        case '`':
        case '\\':
        case '/':
            out[n++] = e;
            break;
        case 'u': {
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = p->pos < p->len ? hexval(p->s[p->pos]) : -1;
                if (h < 0) perr(p, p->pos, "bad \\u escape");
                cp = cp * 16 + (unsigned)h;
                p->pos++;
            }
            if (cp < 0x80) {
                out[n++] = (char)cp;
            } else if (cp < 0x800) {
                out[n++] = (char)(0xC0 | (cp >> 6));
                out[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                out[n++] = (char)(0xE0 | (cp >> 12));
                out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[n++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            perr(p, p->pos - 2, "unknown escape \\%c", e);
        }
    }
    if (p->pos >= p->len) perr(p, start, "unterminated %s", q == '`' ? "identifier" : "string");
    p->pos++;
    out[n] = 0;
    return out;
}

static size_t digits(const struct parser *p, size_t i)
{
    size_t n = 0;
    while (i + n < p->len && isdigit((unsigned char)p->s[i + n])) n++;
    return n;
}

/* Time part hh(:mm(:ss(.fff)?)?)? starting at i; returns the end. */
static size_t lex_time(const struct parser *p, size_t i)
{
    if (digits(p, i) < 2) return i;
    i += 2;
    for (int k = 0; k < 2; k++) {
        if (i < p->len && p->s[i] == ':' && digits(p, i + 1) >= 2)
            i += 3;
        else
            return i;
    }
    if (i < p->len && p->s[i] == '.' && digits(p, i + 1) > 0) i += 1 + digits(p, i + 1);
    return i;
}

static void lex_date(struct parser *p)
{
    size_t start = p->pos, i = p->pos + 1;
    enum fp_ast kind = FP_A_DATE;
    if (i < p->len && p->s[i] == 'T') {
        kind = FP_A_TIME;
        i = lex_time(p, i + 1);
    } else {
        if (digits(p, i) < 4) perr(p, start, "bad date literal");
        i += 4;
        for (int k = 0; k < 2; k++)
            if (i < p->len && p->s[i] == '-' && digits(p, i + 1) >= 2) i += 3;
        if (i < p->len && p->s[i] == 'T') {
            kind = FP_A_DATETIME;
            i = lex_time(p, i + 1);
            if (i < p->len && p->s[i] == 'Z') {
                i++;
            } else if (i < p->len && (p->s[i] == '+' || p->s[i] == '-') && digits(p, i + 1) >= 2 &&
                       i + 3 < p->len && p->s[i + 3] == ':' && digits(p, i + 4) >= 2) {
                i += 6;
            }
        }
    }
    struct fp_dt dt;
    enum fp_kind k = kind == FP_A_DATE ? FP_DATE : kind == FP_A_TIME ? FP_TIME : FP_DATETIME;
    const char *txt = p->s + start + 1 + (kind == FP_A_TIME);
    size_t tl = i - start - 1 - (kind == FP_A_TIME);
    if (!fp_parse_dt(txt, tl, k, &dt)) perr(p, start, "bad date/time literal");
    p->t.type = T_DATE;
    p->t.dkind = kind;
    p->t.val = fp_strndup(p->a, p->s + start + 1, i - start - 1);
    p->pos = i;
}

static void next(struct parser *p)
{
    skip_space(p);
    struct tok *t = &p->t;
    memset(t, 0, sizeof(*t));
    t->pos = p->pos;
    if (p->pos >= p->len) {
        t->type = T_EOF;
        return;
    }
    char c = p->s[p->pos];
    if (isalpha((unsigned char)c) || c == '_') {
        size_t i = p->pos;
        while (i < p->len && (isalnum((unsigned char)p->s[i]) || p->s[i] == '_')) i++;
        t->type = T_ID;
        t->val = fp_strndup(p->a, p->s + p->pos, i - p->pos);
        p->pos = i;
    } else if (c == '`') {
        t->type = T_ID;
        t->quoted = true;
        t->val = lex_quoted(p, '`');
    } else if (c == '\'') {
        t->type = T_STR;
        t->val = lex_quoted(p, '\'');
    } else if (isdigit((unsigned char)c)) {
        size_t i = p->pos + digits(p, p->pos);
        if (i < p->len && p->s[i] == '.' && digits(p, i + 1) > 0) i += 1 + digits(p, i + 1);
        t->type = T_NUM;
        t->val = fp_strndup(p->a, p->s + p->pos, i - p->pos);
        p->pos = i;
    } else if (c == '@') {
        lex_date(p);
    } else if (c == '$' || c == '%') {
        size_t i = p->pos + 1;
        t->type = c == '$' ? T_VAR : T_EXT;
        if (c == '%' && i < p->len && (p->s[i] == '`' || p->s[i] == '\'')) {
            p->pos = i;
            t->val = lex_quoted(p, p->s[i]);
            return;
        }
        while (i < p->len && (isalnum((unsigned char)p->s[i]) || p->s[i] == '_' || p->s[i] == '-'))
            i++;
        if (i == p->pos + 1) perr(p, p->pos, "expected a name after '%c'", c);
        t->val = fp_strndup(p->a, p->s + p->pos + 1, i - p->pos - 1);
        p->pos = i;
    } else {
        static const char *two[] = {"!=", "!~", "<=", ">="};
        t->type = T_PUNCT;
        for (size_t k = 0; k < 4; k++) {
            if (p->pos + 1 < p->len && p->s[p->pos] == two[k][0] && p->s[p->pos + 1] == two[k][1]) {
                t->val = two[k];
                p->pos += 2;
                return;
            }
        }
        if (!strchr(".[](),+-*/&|=~<>{}", c)) perr(p, p->pos, "unexpected character '%c'", c);
        t->val = fp_strndup(p->a, &c, 1);
        p->pos++;
    }
}

static bool is_punct(const struct parser *p, const char *s)
{
    return p->t.type == T_PUNCT && strcmp(p->t.val, s) == 0;
}

static void expect(struct parser *p, const char *s)
{
    if (!is_punct(p, s)) perr(p, p->t.pos, "expected '%s'", s);
    next(p);
}

static struct fp_node *mk(struct parser *p, enum fp_ast k, size_t pos, size_t nk)
{
    struct fp_node *n = palloc(p, sizeof(*n));
    n->kind = k;
    n->pos = pos;
    n->n_kids = nk;
    if (nk) n->kids = palloc(p, nk * sizeof(*n->kids));
    return n;
}

static struct fp_node *parse_expr(struct parser *p, int minlev);

static const char *const calendar_units[] = {
    "year", "years", "month",  "months",  "week",   "weeks",   "day",         "days",
    "hour", "hours", "minute", "minutes", "second", "seconds", "millisecond", "milliseconds"};

static struct fp_node *parse_invocation(struct parser *p)
{
    size_t pos = p->t.pos;
    if (p->t.type == T_VAR) {
        const char *v = p->t.val;
        enum fp_ast k = !strcmp(v, "this")    ? FP_A_THIS
                        : !strcmp(v, "index") ? FP_A_INDEXVAR
                        : !strcmp(v, "total") ? FP_A_TOTAL
                                              : FP_A_EMPTY;
        if (k == FP_A_EMPTY) perr(p, pos, "unknown variable $%s", v);
        next(p);
        return mk(p, k, pos, 0);
    }
    if (p->t.type != T_ID) perr(p, pos, "expected an identifier");
    const char *name = p->t.val;
    bool quoted = p->t.quoted;
    next(p);
    if (!quoted && is_punct(p, "(")) {
        next(p);
        struct fp_node *args[16];
        size_t n = 0;
        if (!is_punct(p, ")")) {
            for (;;) {
                if (n == 16) perr(p, p->t.pos, "too many arguments");
                args[n++] = parse_expr(p, 1);
                if (!is_punct(p, ",")) break;
                next(p);
            }
        }
        expect(p, ")");
        if (!fp_function_known(name, n))
            perr(p, pos, "unknown function %s() or wrong number of arguments (%zu)", name, n);
        struct fp_node *f = mk(p, FP_A_FUNC, pos, n);
        f->text = name;
        if (n) memcpy(f->kids, args, n * sizeof(*args));
        return f;
    }
    struct fp_node *id = mk(p, FP_A_IDENT, pos, 0);
    id->text = name;
    return id;
}

static struct fp_node *parse_term(struct parser *p)
{
    size_t pos = p->t.pos;
    struct fp_node *n;
    switch (p->t.type) {
    case T_EOF:
        perr(p, pos, "unexpected end of expression");
    case T_STR:
        n = mk(p, FP_A_STR, pos, 0);
        n->text = p->t.val;
        next(p);
        return n;
    case T_NUM: {
        const char *num = p->t.val;
        next(p);
        const char *unit = NULL;
        if (p->t.type == T_STR) {
            unit = p->t.val;
        } else if (p->t.type == T_ID && !p->t.quoted) {
            for (size_t k = 0; k < sizeof(calendar_units) / sizeof(*calendar_units); k++)
                if (!strcmp(p->t.val, calendar_units[k])) unit = p->t.val;
        }
        if (unit) {
            next(p);
            n = mk(p, FP_A_QTY, pos, 0);
            n->unit = unit;
        } else if (strchr(num, '.')) {
            n = mk(p, FP_A_DEC, pos, 0);
        } else {
            n = mk(p, FP_A_INT, pos, 0);
            errno = 0;
            char *end;
            long long v = strtoll(num, &end, 10);
            if (errno || *end) perr(p, pos, "integer literal out of range");
            n->ival = v;
        }
        n->text = num;
        return n;
    }
    case T_DATE:
        n = mk(p, p->t.dkind, pos, 0);
        n->text = p->t.val;
        next(p);
        return n;
    case T_EXT:
        n = mk(p, FP_A_EXT, pos, 0);
        n->text = p->t.val;
        next(p);
        return n;
    case T_PUNCT:
        if (is_punct(p, "(")) {
            next(p);
            n = parse_expr(p, 1);
            expect(p, ")");
            return n;
        }
        if (is_punct(p, "{")) {
            next(p);
            expect(p, "}");
            return mk(p, FP_A_EMPTY, pos, 0);
        }
        perr(p, pos, "unexpected '%s'", p->t.val);
    case T_ID:
        if (!p->t.quoted && (!strcmp(p->t.val, "true") || !strcmp(p->t.val, "false"))) {
            n = mk(p, FP_A_BOOL, pos, 0);
            n->bval = p->t.val[0] == 't';
            next(p);
            return n;
        }
        return parse_invocation(p);
    case T_VAR:
        return parse_invocation(p);
    }
    perr(p, pos, "unexpected token");
}

static struct fp_node *parse_postfix(struct parser *p)
{
    struct fp_node *n = parse_term(p);
    for (;;) {
        size_t pos = p->t.pos;
        if (is_punct(p, ".")) {
            next(p);
            struct fp_node *d = mk(p, FP_A_DOT, pos, 2);
            d->kids[0] = n;
            d->kids[1] = parse_invocation(p);
            n = d;
        } else if (is_punct(p, "[")) {
            next(p);
            struct fp_node *d = mk(p, FP_A_INDEX, pos, 2);
            d->kids[0] = n;
            d->kids[1] = parse_expr(p, 1);
            expect(p, "]");
            n = d;
        } else {
            return n;
        }
    }
}

static struct fp_node *parse_unary(struct parser *p)
{
    if (++p->depth > FHIRPATH_MAX_DEPTH) perr(p, p->t.pos, "expression nested too deeply");
    struct fp_node *n;
    if (is_punct(p, "+") || is_punct(p, "-")) {
        size_t pos = p->t.pos;
        char op = p->t.val[0];
        next(p);
        n = mk(p, FP_A_UNARY, pos, 1);
        n->op = op == '-' ? FP_OP_SUB : FP_OP_ADD;
        n->kids[0] = parse_unary(p);
    } else {
        n = parse_postfix(p);
    }
    p->depth--;
    return n;
}

struct opdef {
    const char *s;
    bool word;
    int level;
    enum fp_op op;
};

static const struct opdef ops[] = {
    {"implies", true, 1, FP_OP_IMPLIES}, {"or", true, 2, FP_OP_OR},
    {"xor", true, 2, FP_OP_XOR},         {"and", true, 3, FP_OP_AND},
    {"in", true, 4, FP_OP_IN},           {"contains", true, 4, FP_OP_CONTAINS},
    {"=", false, 5, FP_OP_EQ},           {"~", false, 5, FP_OP_EQUIV},
    {"!=", false, 5, FP_OP_NE},          {"!~", false, 5, FP_OP_NEQUIV},
    {"<", false, 6, FP_OP_LT},           {">", false, 6, FP_OP_GT},
    {"<=", false, 6, FP_OP_LE},          {">=", false, 6, FP_OP_GE},
    {"|", false, 7, FP_OP_UNION},        {"is", true, 8, FP_OP_NONE},
    {"as", true, 8, FP_OP_NONE},         {"+", false, 9, FP_OP_ADD},
    {"-", false, 9, FP_OP_SUB},          {"&", false, 9, FP_OP_CONCAT},
    {"*", false, 10, FP_OP_MUL},         {"/", false, 10, FP_OP_DIV},
    {"div", true, 10, FP_OP_IDIV},       {"mod", true, 10, FP_OP_MOD},
};

static const struct opdef *peek_op(const struct parser *p)
{
    if (p->t.type != T_PUNCT && !(p->t.type == T_ID && !p->t.quoted)) return NULL;
    for (size_t k = 0; k < sizeof(ops) / sizeof(*ops); k++)
        if (ops[k].word == (p->t.type == T_ID) && !strcmp(ops[k].s, p->t.val)) return &ops[k];
    return NULL;
}

static const char *parse_type_name(struct parser *p)
{
    if (p->t.type != T_ID) perr(p, p->t.pos, "expected a type name");
    const char *a = p->t.val;
    next(p);
    if (is_punct(p, ".")) {
        next(p);
        if (p->t.type != T_ID) perr(p, p->t.pos, "expected a type name");
        size_t la = strlen(a), lb = strlen(p->t.val);
        char *q = palloc(p, la + lb + 2);
        memcpy(q, a, la);
        q[la] = '.';
        memcpy(q + la + 1, p->t.val, lb + 1);
        a = q;
        next(p);
    }
    return a;
}

static struct fp_node *parse_expr(struct parser *p, int minlev)
{
    if (++p->depth > FHIRPATH_MAX_DEPTH) perr(p, p->t.pos, "expression nested too deeply");
    struct fp_node *left = parse_unary(p);
    const struct opdef *od;
    while ((od = peek_op(p)) && od->level >= minlev) {
        size_t pos = p->t.pos;
        next(p);
        if (od->level == 8) {
            struct fp_node *n = mk(p, od->s[0] == 'i' ? FP_A_IS : FP_A_AS, pos, 1);
            n->kids[0] = left;
            n->text = parse_type_name(p);
            left = n;
            continue;
        }
        struct fp_node *n = mk(p, FP_A_BIN, pos, 2);
        n->op = od->op;
        n->kids[0] = left;
        n->kids[1] = parse_expr(p, od->level + 1);
        left = n;
    }
    p->depth--;
    return left;
}

struct fp_node *fp_parse(struct fp_arena *a, const char *text, size_t len, size_t *err_pos,
                         char *err, size_t err_len)
{
    struct parser p = {.s = text, .len = len, .a = a, .err = err, .err_len = err_len};
    if (len > FHIRPATH_MAX_EXPR) {
        if (err && err_len)
            snprintf(err, err_len, "expression longer than %d bytes", FHIRPATH_MAX_EXPR);
        if (err_pos) *err_pos = FHIRPATH_MAX_EXPR;
        return NULL;
    }
    if (setjmp(p.jb)) {
        if (err_pos) *err_pos = p.err_pos;
        return NULL;
    }
    next(&p);
    struct fp_node *root = parse_expr(&p, 1);
    if (p.t.type != T_EOF)
        perr(&p, p.t.pos, "unexpected '%.*s'", (int)(p.pos - p.t.pos), text + p.t.pos);
    return root;
}
