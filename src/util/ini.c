/* The config file syntax (ini.h). One pass over the lines; every string is copied into one block
 * sized up front (no output string is longer than the line it came from), so a parse makes three
 * allocations whatever the file holds. */
#include "util/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct parser {
    struct ini *out;
    char *next;         /* free space in out->strings */
    unsigned line;      /* current line, 1-based */
    unsigned *err_line; /* where the fault goes */
    char *err;
    size_t err_len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->err_len, fmt, ap);
    va_end(ap);
    *p->err_line = p->line;
    return -1;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when there is none: no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return len;
}

/* A line must be UTF-8 without control characters other than tab. */
static int check_text(struct parser *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return fail(p, "control character 0x%02x (only tab is allowed)", c);
        size_t k = utf8_seq((const unsigned char *)s + i, n - i);
        if (!k) return fail(p, "not UTF-8 (byte %zu of the line)", i + 1);
        i += k;
    }
    return 0;
}

/* Copies n bytes into the string block and terminates them. */
static const char *keep(struct parser *p, const char *s, size_t n)
{
    char *d = p->next;
    memcpy(d, s, n);
    d[n] = '\0';
    p->next += n + 1;
    return d;
}

/* A name of the syntax: [a-z][a-z0-9_]*, at most INI_NAME_MAX bytes. */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > INI_NAME_MAX || !is_lower(s[0])) return false;
    for (size_t i = 1; i < n; i++)
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_') return false;
    return true;
}

static bool valid_arg(const char *s, size_t n)
{
    if (n == 0 || n > INI_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_lower(c) && !(c >= 'A' && c <= 'Z') && !is_digit(c) && c != '.' && c != '_' &&
            c != '-')
            return false;
    }
    return true;
}

/* The rest of a line after a header or a quoted value: blanks, then nothing or a comment. */
static bool only_comment(const char *s, const char *end)
{
    while (s < end && is_blank(*s)) s++;
    return s == end || *s == '#';
}

static int section_line(struct parser *p, const char *s, const char *end)
{
    struct ini *ini = p->out;
    const char *close = memchr(s, ']', (size_t)(end - s));
    if (!close) return fail(p, "a section header needs its closing ']'");
    if (!only_comment(close + 1, end))
        return fail(p, "unexpected text after the section header's ']'");
    const char *a = s + 1, *b = close;
    while (a < b && is_blank(*a)) a++;
    while (b > a && is_blank(b[-1])) b--;
    const char *name_end = a;
    while (name_end < b && !is_blank(*name_end)) name_end++;
    if (!valid_name(a, (size_t)(name_end - a)))
        return fail(p,
                    "bad section name '%.*s' (lower-case letters, digits and '_', starting "
                    "with a letter)",
                    (int)(name_end - a), a);
    const char *arg = name_end, *arg_end = b;
    while (arg < arg_end && is_blank(*arg)) arg++;
    if (arg < arg_end) {
        for (const char *q = arg; q < arg_end; q++)
            if (is_blank(*q)) return fail(p, "a section header takes at most one argument");
        if (!valid_arg(arg, (size_t)(arg_end - arg)))
            return fail(p, "bad section argument '%.*s' (letters, digits, '.', '_' and '-')",
                        (int)(arg_end - arg), arg);
    }
    size_t nl = (size_t)(name_end - a), al = (size_t)(arg_end - arg);
    if (ini->nsections > INI_SECTIONS_MAX)
        return fail(p, "more than %u sections in one file", INI_SECTIONS_MAX);
    for (size_t i = 1; i < ini->nsections; i++) {
        const struct ini_section *o = &ini->sections[i];
        if (strlen(o->name) == nl && !memcmp(o->name, a, nl) &&
            (o->arg ? strlen(o->arg) == al && !memcmp(o->arg, arg, al) : al == 0))
            return fail(p, "section [%.*s%s%.*s] already began at line %u", (int)nl, a,
                        al ? " " : "", (int)al, arg, o->line);
    }
    struct ini_section *sec = &ini->sections[ini->nsections++];
    sec->name = keep(p, a, nl);
    sec->arg = al ? keep(p, arg, al) : NULL;
    sec->line = p->line;
    return 0;
}

/* A quoted value starting at s (on the '"'): copies it unescaped into the string block. */
static int quoted_value(struct parser *p, const char *s, const char *end, const char **value)
{
    char *d = p->next;
    const char *q = s + 1;
    for (;; q++) {
        if (q == end) return fail(p, "a quoted value needs its closing '\"'");
        if (*q == '"') break;
        if (*q == '\\') {
            if (q + 1 == end || (q[1] != '"' && q[1] != '\\'))
                return fail(p, "inside quotes, '\\' may only escape '\"' or '\\'");
            q++;
        }
        *d++ = *q;
    }
    if (!only_comment(q + 1, end)) return fail(p, "unexpected text after a quoted value");
    *d = '\0';
    *value = p->next;
    p->next = d + 1;
    return 0;
}

static int setting_line(struct parser *p, const char *s, const char *end)
{
    struct ini *ini = p->out;
    const char *eq = memchr(s, '=', (size_t)(end - s));
    if (!eq) return fail(p, "expected 'key = value', a '[section]' or a '# comment'");
    const char *ke = eq;
    while (ke > s && is_blank(ke[-1])) ke--;
    if (!valid_name(s, (size_t)(ke - s)))
        return fail(p,
                    "bad key '%.*s' (lower-case letters, digits and '_', starting with a "
                    "letter)",
                    (int)(ke - s), s);
    if (ini->nentries == INI_SETTINGS_MAX)
        return fail(p, "more than %u settings in one file", INI_SETTINGS_MAX);
    const char *key = keep(p, s, (size_t)(ke - s));
    const char *v = eq + 1;
    while (v < end && is_blank(*v)) v++;
    const char *value = NULL; /* set by both branches; gcc -O2 cannot see it */
    if (v < end && *v == '"') {
        if (quoted_value(p, v, end, &value) != 0) return -1;
    } else {
        /* Unquoted: a blank followed by '#' starts a comment; trailing blanks are dropped. */
        const char *ve = v;
        while (ve < end && !(*ve == '#' && ve > v && is_blank(ve[-1]))) ve++;
        while (ve > v && is_blank(ve[-1])) ve--;
        value = keep(p, v, (size_t)(ve - v));
    }
    struct ini_entry *e = &ini->entries[ini->nentries++];
    e->section = ini->nsections - 1;
    e->key = key;
    e->value = value;
    e->line = p->line;
    return 0;
}

static int parse_line(struct parser *p, const char *s, const char *end)
{
    if (check_text(p, s, (size_t)(end - s)) != 0) return -1;
    while (s < end && is_blank(*s)) s++;
    if (s == end || *s == '#') return 0;
    if (*s == '[') return section_line(p, s, end);
    return setting_line(p, s, end);
}

void ini_free(struct ini *ini)
{
    if (!ini) return;
    free(ini->sections);
    free(ini->entries);
    free(ini->strings);
    memset(ini, 0, sizeof *ini);
}

int ini_parse(const char *text, size_t len, struct ini *out, unsigned *err_line, char *err,
              size_t err_len)
{
    unsigned dummy_line;
    if (!err_line) err_line = &dummy_line;
    memset(out, 0, sizeof *out);
    struct parser p = {.out = out, .line = 0, .err_line = err_line, .err = err, .err_len = err_len};
    if (len > INI_FILE_MAX) return fail(&p, "larger than %u bytes", INI_FILE_MAX);
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++) nlines += text[i] == '\n';
    /* Every line gives at most one section or one setting; each keeps at most its own bytes and
     * two terminators. */
    size_t max_sections = nlines < INI_SECTIONS_MAX ? nlines + 1 : INI_SECTIONS_MAX + 1;
    out->sections = calloc(max_sections, sizeof *out->sections);
    out->entries =
        calloc(nlines < INI_SETTINGS_MAX ? nlines : INI_SETTINGS_MAX, sizeof *out->entries);
    out->strings = malloc(len + 2 * nlines + 2);
    if (!out->sections || !out->entries || !out->strings) {
        ini_free(out);
        return fail(&p, "out of memory");
    }
    p.next = out->strings;
    out->sections[0] = (struct ini_section){.name = keep(&p, "", 0), .arg = NULL, .line = 0};
    out->nsections = 1;
    const char *s = text, *end = text + len;
    /* A byte order mark (some editors write one) is not part of the first line. */
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3;
    while (s < end) {
        p.line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (le > s && le[-1] == '\r') le--; /* CRLF files read the same */
        if ((size_t)(le - s) > INI_LINE_MAX) {
            fail(&p, "line longer than %u bytes", INI_LINE_MAX);
            ini_free(out);
            return -1;
        }
        if (parse_line(&p, s, le) != 0) {
            ini_free(out);
            return -1;
        }
        s = nl ? nl + 1 : end;
    }
    return 0;
}

int ini_load(const char *path, struct ini *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, INI_FILE_MAX);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != 0) break;
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error || b.overflowed) {
        snprintf(err, err_len, "%s: %s", path,
                 read_error ? "read error" : "larger than 1 MiB (1048576 bytes)");
        buf_free(&b);
        return -1;
    }
    char msg[512];
    unsigned line = 0;
    int rc = ini_parse(b.data ? b.data : "", b.len, out, &line, msg, sizeof msg);
    buf_free(&b);
    if (rc != 0) {
        if (line)
            snprintf(err, err_len, "%s:%u: %s", path, line, msg);
        else
            snprintf(err, err_len, "%s: %s", path, msg);
    }
    return rc;
}
