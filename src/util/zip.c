/* ZIP writer and strict reader (zip.h). Little-endian fields are read and written byte by byte, so
 * the code does not depend on the host's byte order or alignment. */
#include "util/zip.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "util/buf.h"

#define SIG_LOCAL   0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END     0x06054b50u
#define SIG_Z64_LOC 0x07064b50u
#define LOCAL_LEN   30
#define CENTRAL_LEN 46
#define END_LEN     22

#define FLAG_ENCRYPTED  0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_UTF8       0x0800u
/* Bits 1-2 are deflate speed hints; everything else (encryption, patches, masking) is refused. */
#define FLAGS_ALLOWED (0x0006u | FLAG_DESCRIPTOR | FLAG_UTF8)

#define METHOD_STORED  0
#define METHOD_DEFLATE 8

/* The writer's archive may hold the reader's total plus the headers of every entry. */
#define ARCHIVE_MAX ((size_t)ZIP_TOTAL_SIZE_MAX + (size_t)ZIP_ENTRIES_MAX * 1024u)

const char *zip_err_text(enum zip_err e)
{
    switch (e) {
    case ZIP_OK:
        return "ok";
    case ZIP_E_FORMAT:
        return "not a well-formed ZIP archive";
    case ZIP_E_UNSUPPORTED:
        return "a ZIP feature that is not supported";
    case ZIP_E_NAME:
        return "an entry name that is not allowed";
    case ZIP_E_LIMIT:
        return "the archive is too large or compressed too well";
    case ZIP_E_CRC:
        return "an entry's data does not match its length or CRC-32";
    case ZIP_E_NOMEM:
        return "out of memory";
    }
    return "unknown";
}

void zip_limits_default(struct zip_limits *l)
{
    l->entries_max = ZIP_ENTRIES_MAX;
    l->entry_size_max = ZIP_ENTRY_SIZE_MAX;
    l->total_size_max = ZIP_TOTAL_SIZE_MAX;
    l->ratio_max = ZIP_RATIO_MAX;
    l->ratio_from = ZIP_RATIO_FROM;
}

bool zip_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > ZIP_NAME_MAX || name[0] == '/') return false;
    size_t seg = 0; /* start of the current segment */
    for (size_t i = 0; i <= len; i++) {
        if (i < len) {
            unsigned char c = (unsigned char)name[i];
            if (c < 0x20 || c > 0x7e || c == '\\' || c == ':') return false;
            if (c != '/') continue;
        }
        size_t n = i - seg;
        /* Only the last segment may be empty: "dir/" names a directory. */
        if (n == 0 && i < len) return false;
        if ((n == 1 && name[seg] == '.') || (n == 2 && name[seg] == '.' && name[seg + 1] == '.'))
            return false;
        seg = i + 1;
    }
    return true;
}

/* ---- little-endian fields ---- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- writing ---- */

struct zip_written {
    char name[ZIP_NAME_MAX + 1];
    uint16_t method;
    uint32_t crc, csize, usize, offset;
};

struct zip_writer {
    struct buf out;
    struct zip_written *entries;
    size_t n, cap;
    size_t total;
    uint16_t dos_time, dos_date;
    bool failed;
};

struct zip_writer *zip_writer_new(int64_t unix_s)
{
    struct zip_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    buf_init(&w->out, ARCHIVE_MAX);
    /* DOS times run from 1980 to 2107 with two-second steps. */
    const int64_t lo = 315532800, hi = 4354819199;
    time_t t = (time_t)(unix_s < lo ? lo : unix_s > hi ? hi : unix_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    w->dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    w->dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
    return w;
}

void zip_writer_free(struct zip_writer *w)
{
    if (!w) return;
    buf_free(&w->out);
    free(w->entries);
    free(w);
}

/* Raw deflate of data into a malloc'd buffer; NULL when it would not be smaller (or no memory:
 * *nomem). */
static uint8_t *deflate_smaller(const void *data, size_t len, size_t *clen, bool *nomem)
{
    *nomem = false;
    if (len == 0) return NULL;
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        *nomem = true;
        return NULL;
    }
    uLong bound = deflateBound(&z, (uLong)len);
    uint8_t *out = malloc(bound);
    if (!out) {
        deflateEnd(&z);
        *nomem = true;
        return NULL;
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    *clen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *clen >= len) {
        free(out);
        return NULL;
    }
    return out;
}

enum zip_err zip_writer_add(struct zip_writer *w, const char *name, const void *data, size_t len)
{
    if (w->failed) return ZIP_E_LIMIT;
    size_t nlen = strlen(name);
    if (!zip_name_ok(name, nlen)) return ZIP_E_NAME;
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->entries[i].name, name)) return ZIP_E_NAME;
    if (w->n >= ZIP_ENTRIES_MAX || len > ZIP_ENTRY_SIZE_MAX ||
        w->total + len > ZIP_TOTAL_SIZE_MAX) {
        w->failed = true;
        return ZIP_E_LIMIT;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct zip_written *grown = realloc(w->entries, cap * sizeof *grown);
        if (!grown) return ZIP_E_NOMEM;
        w->entries = grown;
        w->cap = cap;
    }
    bool nomem;
    size_t clen = 0;
    uint8_t *packed = deflate_smaller(data, len, &clen, &nomem);
    if (nomem) return ZIP_E_NOMEM;
    struct zip_written *e = &w->entries[w->n];
    memcpy(e->name, name, nlen + 1);
    e->method = packed ? METHOD_DEFLATE : METHOD_STORED;
    e->crc = (uint32_t)crc32_z(0, data, len);
    e->usize = (uint32_t)len;
    e->csize = (uint32_t)(packed ? clen : len);
    e->offset = (uint32_t)w->out.len;
    /* A ratio the reader would refuse (long runs of one byte) is stored, not deflated. */
    if (packed && len > ZIP_RATIO_FROM && len / (clen ? clen : 1) > ZIP_RATIO_MAX) {
        free(packed);
        packed = NULL;
        e->method = METHOD_STORED;
        e->csize = (uint32_t)len;
    }
    uint8_t h[LOCAL_LEN];
    put32(h, SIG_LOCAL);
    put16(h + 4, 20); /* version needed: 2.0 (deflate) */
    put16(h + 6, FLAG_UTF8);
    put16(h + 8, e->method);
    put16(h + 10, w->dos_time);
    put16(h + 12, w->dos_date);
    put32(h + 14, e->crc);
    put32(h + 18, e->csize);
    put32(h + 22, e->usize);
    put16(h + 26, (unsigned)nlen);
    put16(h + 28, 0);
    bool stored = buf_append(&w->out, h, sizeof h) == 0 && buf_append(&w->out, name, nlen) == 0 &&
                  buf_append(&w->out, packed ? (const void *)packed : data, e->csize) == 0;
    free(packed);
    if (!stored) {
        w->failed = true;
        return ZIP_E_NOMEM;
    }
    w->total += len;
    w->n++;
    return ZIP_OK;
}

enum zip_err zip_writer_finish(struct zip_writer *w, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    enum zip_err err = w->failed ? ZIP_E_LIMIT : ZIP_OK;
    size_t cd_off = w->out.len;
    for (size_t i = 0; err == ZIP_OK && i < w->n; i++) {
        const struct zip_written *e = &w->entries[i];
        size_t nlen = strlen(e->name);
        uint8_t h[CENTRAL_LEN];
        put32(h, SIG_CENTRAL);
        put16(h + 4, (3u << 8) | 20); /* made by: Unix, 2.0 (so tools read the mode below) */
        put16(h + 6, 20);
        put16(h + 8, FLAG_UTF8);
        put16(h + 10, e->method);
        put16(h + 12, w->dos_time);
        put16(h + 14, w->dos_date);
        put32(h + 16, e->crc);
        put32(h + 20, e->csize);
        put32(h + 24, e->usize);
        put16(h + 28, (unsigned)nlen);
        put16(h + 30, 0);                       /* extra */
        put16(h + 32, 0);                       /* comment */
        put16(h + 34, 0);                       /* disk */
        put16(h + 36, 0);                       /* internal attributes */
        put32(h + 38, (uint32_t)0100644 << 16); /* a regular file, rw-r--r-- */
        put32(h + 42, e->offset);
        if (buf_append(&w->out, h, sizeof h) != 0 || buf_append(&w->out, e->name, nlen) != 0)
            err = ZIP_E_NOMEM;
    }
    if (err == ZIP_OK) {
        uint8_t h[END_LEN];
        put32(h, SIG_END);
        put16(h + 4, 0);
        put16(h + 6, 0);
        put16(h + 8, (unsigned)w->n);
        put16(h + 10, (unsigned)w->n);
        put32(h + 12, (uint32_t)(w->out.len - cd_off));
        put32(h + 16, (uint32_t)cd_off);
        put16(h + 20, 0);
        if (buf_append(&w->out, h, sizeof h) != 0) err = ZIP_E_NOMEM;
    }
    if (err == ZIP_OK) *out = (uint8_t *)buf_steal(&w->out, len);
    zip_writer_free(w);
    return err;
}

/* ---- reading ---- */

/* What the central directory says of one entry, and where its data lies. */
struct zip_seen {
    const uint8_t *name;
    uint16_t nlen, flags, method;
    uint32_t crc, csize, usize;
    uint64_t start, end; /* [start of the local header, end of the data) */
    size_t index;
};

__attribute__((format(printf, 4, 5))) static enum zip_err fail(enum zip_err e, char *why,
                                                               size_t why_len, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return e;
}

static int by_start(const void *a, const void *b)
{
    const struct zip_seen *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int by_name(const void *a, const void *b)
{
    const struct zip_seen *x = a, *y = b;
    size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->nlen > y->nlen) - (x->nlen < y->nlen);
}

/* Finds the end record: it must end the data exactly (its comment running to the last byte). */
static long find_end(const uint8_t *d, size_t len)
{
    if (len < END_LEN) return -1;
    size_t lowest = len - END_LEN > 0xffff ? len - END_LEN - 0xffff : 0;
    for (size_t i = len - END_LEN + 1; i-- > lowest;)
        if (get32(d + i) == SIG_END && i + END_LEN + get16(d + i + 20) == len) return (long)i;
    return -1;
}

/* Checks an entry's local header against the central directory. */
static enum zip_err check_local(const uint8_t *d, uint64_t cd_off, struct zip_seen *e, char *why,
                                size_t why_len)
{
    if (e->start + LOCAL_LEN > cd_off || get32(d + e->start) != SIG_LOCAL)
        return fail(ZIP_E_FORMAT, why, why_len, "an entry's local header is missing");
    const uint8_t *h = d + e->start;
    uint16_t nlen = get16(h + 26), elen = get16(h + 28);
    if (get16(h + 6) != e->flags || get16(h + 8) != e->method || nlen != e->nlen ||
        e->start + LOCAL_LEN + nlen > cd_off || memcmp(h + LOCAL_LEN, e->name, nlen) != 0)
        return fail(ZIP_E_FORMAT, why, why_len,
                    "an entry's local header does not match the central directory");
    if (!(e->flags & FLAG_DESCRIPTOR) &&
        (get32(h + 14) != e->crc || get32(h + 18) != e->csize || get32(h + 22) != e->usize))
        return fail(ZIP_E_FORMAT, why, why_len,
                    "an entry's local sizes or CRC differ from the central directory");
    e->end = e->start + LOCAL_LEN + nlen + elen + (uint64_t)e->csize;
    if (e->end > cd_off)
        return fail(ZIP_E_FORMAT, why, why_len, "an entry's data runs into the directory");
    return ZIP_OK;
}

/* Reads the central directory into seen[] and checks every entry's header, name and caps. */
static enum zip_err read_directory(const uint8_t *d, uint64_t cd_off, uint64_t cd_end, size_t n,
                                   const struct zip_limits *lim, struct zip_seen *seen, char *why,
                                   size_t why_len)
{
    uint64_t p = cd_off, total = 0;
    for (size_t i = 0; i < n; i++) {
        if (p + CENTRAL_LEN > cd_end || get32(d + p) != SIG_CENTRAL)
            return fail(ZIP_E_FORMAT, why, why_len, "the central directory is cut short");
        const uint8_t *h = d + p;
        struct zip_seen *e = &seen[i];
        e->index = i;
        e->flags = get16(h + 8);
        e->method = get16(h + 10);
        e->crc = get32(h + 16);
        e->csize = get32(h + 20);
        e->usize = get32(h + 24);
        e->nlen = get16(h + 28);
        uint16_t elen = get16(h + 30), clen = get16(h + 32);
        e->start = get32(h + 42);
        e->name = h + CENTRAL_LEN;
        if (p + CENTRAL_LEN + e->nlen + elen + clen > cd_end)
            return fail(ZIP_E_FORMAT, why, why_len, "the central directory is cut short");
        p += CENTRAL_LEN + (uint64_t)e->nlen + elen + clen;
        if (e->flags & FLAG_ENCRYPTED)
            return fail(ZIP_E_UNSUPPORTED, why, why_len, "entry %zu is encrypted", i);
        if (e->flags & ~FLAGS_ALLOWED)
            return fail(ZIP_E_UNSUPPORTED, why, why_len, "entry %zu has flags 0x%04x", i, e->flags);
        if (e->method != METHOD_STORED && e->method != METHOD_DEFLATE)
            return fail(ZIP_E_UNSUPPORTED, why, why_len, "entry %zu uses compression method %u", i,
                        e->method);
        if (e->csize == 0xffffffffu || e->usize == 0xffffffffu || e->start == 0xffffffffu)
            return fail(ZIP_E_UNSUPPORTED, why, why_len, "ZIP64 entries are not read");
        if (get16(h + 34) != 0)
            return fail(ZIP_E_UNSUPPORTED, why, why_len, "multi-disk archives are not read");
        /* zip_name_ok refuses control characters, NUL among them. */
        if (!zip_name_ok((const char *)e->name, e->nlen))
            return fail(ZIP_E_NAME, why, why_len, "entry %zu has a name that is not allowed", i);
        if (e->method == METHOD_STORED && e->csize != e->usize)
            return fail(ZIP_E_FORMAT, why, why_len, "stored entry %zu changes size", i);
        if (e->name[e->nlen - 1] == '/' && e->usize != 0)
            return fail(ZIP_E_FORMAT, why, why_len, "directory entry %zu holds data", i);
        if (e->usize > lim->entry_size_max)
            return fail(ZIP_E_LIMIT, why, why_len, "entry %zu is larger than %zu bytes", i,
                        lim->entry_size_max);
        total += e->usize;
        if (total > lim->total_size_max)
            return fail(ZIP_E_LIMIT, why, why_len, "the entries are larger than %zu bytes",
                        lim->total_size_max);
        if (e->usize > lim->ratio_from && e->usize / (e->csize ? e->csize : 1) > lim->ratio_max)
            return fail(ZIP_E_LIMIT, why, why_len,
                        "entry %zu is compressed more than %u:1 (a zip bomb?)", i, lim->ratio_max);
        enum zip_err err = check_local(d, cd_off, e, why, why_len);
        if (err != ZIP_OK) return err;
    }
    if (p != cd_end)
        return fail(ZIP_E_FORMAT, why, why_len, "the central directory has trailing bytes");
    return ZIP_OK;
}

/* No two names alike; no two entries sharing bytes (an overlapping bomb). Reorders seen[]. */
static enum zip_err check_apart(struct zip_seen *seen, size_t n, char *why, size_t why_len)
{
    qsort(seen, n, sizeof *seen, by_name);
    for (size_t i = 1; i < n; i++)
        if (by_name(&seen[i - 1], &seen[i]) == 0)
            return fail(ZIP_E_NAME, why, why_len, "two entries have the same name");
    qsort(seen, n, sizeof *seen, by_start);
    for (size_t i = 1; i < n; i++)
        if (seen[i].start < seen[i - 1].end)
            return fail(ZIP_E_FORMAT, why, why_len, "two entries overlap");
    return ZIP_OK;
}

static enum zip_err inflate_entry(const uint8_t *d, const struct zip_seen *e, struct zip_entry *out,
                                  char *why, size_t why_len)
{
    memcpy(out->name, e->name, e->nlen);
    out->name[e->nlen] = '\0';
    out->dir = e->name[e->nlen - 1] == '/';
    if (out->dir) return ZIP_OK;
    const uint8_t *src = d + e->start + LOCAL_LEN + e->nlen + get16(d + e->start + 28);
    /* One byte more than stated: data that inflates longer fills it and is caught. */
    out->data = malloc((size_t)e->usize + 1);
    if (!out->data) return ZIP_E_NOMEM;
    if (e->method == METHOD_STORED) {
        memcpy(out->data, src, e->usize);
        out->len = e->usize;
    } else {
        z_stream z = {0};
        if (inflateInit2(&z, -15) != Z_OK) return ZIP_E_NOMEM;
        z.next_in = (Bytef *)src;
        z.avail_in = e->csize;
        z.next_out = out->data;
        z.avail_out = e->usize + 1;
        int rc = inflate(&z, Z_FINISH);
        bool whole = rc == Z_STREAM_END && z.total_in == e->csize && z.total_out == e->usize;
        inflateEnd(&z);
        if (!whole)
            return fail(ZIP_E_CRC, why, why_len, "%s does not inflate to its stated length",
                        out->name);
        out->len = e->usize;
    }
    out->data[out->len] = '\0';
    if ((uint32_t)crc32_z(0, out->data, out->len) != e->crc)
        return fail(ZIP_E_CRC, why, why_len, "%s fails its CRC-32", out->name);
    return ZIP_OK;
}

enum zip_err zip_read(const void *data, size_t len, const struct zip_limits *lim,
                      struct zip_archive *out, char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    if (why && why_len) why[0] = '\0';
    struct zip_limits def;
    if (!lim) {
        zip_limits_default(&def);
        lim = &def;
    }
    const uint8_t *d = data;
    long end = find_end(d, len);
    if (end < 0) return fail(ZIP_E_FORMAT, why, why_len, "no end of central directory record");
    const uint8_t *h = d + end;
    size_t n = get16(h + 10);
    uint32_t cd_size = get32(h + 12), cd_off = get32(h + 16);
    if (end >= 20 && get32(d + end - 20) == SIG_Z64_LOC)
        return fail(ZIP_E_UNSUPPORTED, why, why_len, "ZIP64 archives are not read");
    if (get16(h + 4) != 0 || get16(h + 6) != 0 || get16(h + 8) != n)
        return fail(ZIP_E_UNSUPPORTED, why, why_len, "multi-disk archives are not read");
    if (n == 0xffff || cd_size == 0xffffffffu || cd_off == 0xffffffffu)
        return fail(ZIP_E_UNSUPPORTED, why, why_len, "ZIP64 archives are not read");
    /* The directory sits right before the end record: nothing hides between them. */
    if ((uint64_t)cd_off + cd_size != (uint64_t)end)
        return fail(ZIP_E_FORMAT, why, why_len, "the central directory is not where it says");
    if (n > lim->entries_max)
        return fail(ZIP_E_LIMIT, why, why_len, "more than %zu entries", lim->entries_max);
    if (n == 0) return ZIP_OK;
    struct zip_seen *seen = calloc(n, sizeof *seen);
    out->entries = calloc(n, sizeof *out->entries);
    if (!seen || !out->entries) {
        free(seen);
        zip_archive_free(out);
        return ZIP_E_NOMEM;
    }
    enum zip_err err = read_directory(d, cd_off, (uint64_t)end, n, lim, seen, why, why_len);
    if (err == ZIP_OK) err = check_apart(seen, n, why, why_len);
    for (size_t i = 0; err == ZIP_OK && i < n; i++)
        err = inflate_entry(d, &seen[i], &out->entries[seen[i].index], why, why_len);
    free(seen);
    if (err != ZIP_OK) {
        out->n = n;
        zip_archive_free(out);
        if (err == ZIP_E_NOMEM) fail(err, why, why_len, "out of memory");
        return err;
    }
    out->n = n;
    return ZIP_OK;
}

const struct zip_entry *zip_find(const struct zip_archive *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->entries[i].name, name)) return &a->entries[i];
    return NULL;
}

void zip_archive_free(struct zip_archive *a)
{
    for (size_t i = 0; a->entries && i < a->n; i++) free(a->entries[i].data);
    free(a->entries);
    memset(a, 0, sizeof *a);
}
