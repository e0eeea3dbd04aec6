/* util/zip: what the writer makes the reader (and `unzip -t`) accepts, byte for byte the same for
 * the same input; the reader refuses truncation, bad CRCs, names that climb out, duplicates,
 * overlapping entries, encryption, unknown methods, ZIP64 markers, headers that disagree, and
 * bombs (caps on entries, sizes and ratio) before inflating anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "util/zip.h"

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A whole archive from the writer. */
static uint8_t *make(size_t *len, int n, const char *const *names, const char *const *texts)
{
    struct zip_writer *w = zip_writer_new(1764590400); /* 2025-12-01T12:00:00Z */
    assert_non_null(w);
    for (int i = 0; i < n; i++)
        assert_int_equal(zip_writer_add(w, names[i], texts[i], strlen(texts[i])), ZIP_OK);
    uint8_t *out;
    assert_int_equal(zip_writer_finish(w, &out, len), ZIP_OK);
    return out;
}

/* One entry built by hand, so every field can be wrong. data is what lies in the archive. */
struct handmade {
    const char *name;
    uint16_t flags, method;
    uint32_t crc, usize;
    const void *data;
    size_t dlen;
    const char *local_name; /* NULL: as name */
};

static uint8_t *handmade(const struct handmade *h, size_t *len)
{
    const char *lname = h->local_name ? h->local_name : h->name;
    size_t nlen = strlen(h->name), lnlen = strlen(lname);
    size_t cap = 30 + lnlen + h->dlen + 46 + nlen + 22;
    uint8_t *z = calloc(1, cap), *p = z;
    put32(p, 0x04034b50);
    put16(p + 4, 20);
    put16(p + 6, h->flags);
    put16(p + 8, h->method);
    put32(p + 14, h->crc);
    put32(p + 18, (uint32_t)h->dlen);
    put32(p + 22, h->usize);
    put16(p + 26, (unsigned)lnlen);
    memcpy(p + 30, lname, lnlen);
    memcpy(p + 30 + lnlen, h->data, h->dlen);
    p += 30 + lnlen + h->dlen;
    size_t cd = (size_t)(p - z);
    put32(p, 0x02014b50);
    put16(p + 4, 20);
    put16(p + 6, 20);
    put16(p + 8, h->flags);
    put16(p + 10, h->method);
    put32(p + 16, h->crc);
    put32(p + 20, (uint32_t)h->dlen);
    put32(p + 24, h->usize);
    put16(p + 28, (unsigned)nlen);
    memcpy(p + 46, h->name, nlen);
    p += 46 + nlen;
    put32(p, 0x06054b50);
    put16(p + 8, 1);
    put16(p + 10, 1);
    put32(p + 12, (uint32_t)(p - z - cd));
    put32(p + 16, (uint32_t)cd);
    *len = (size_t)(p - z) + 22;
    return z;
}

static enum zip_err read_handmade(const struct handmade *h, const struct zip_limits *lim)
{
    size_t len;
    uint8_t *z = handmade(h, &len);
    struct zip_archive a;
    char why[200];
    enum zip_err e = zip_read(z, len, lim, &a, why, sizeof why);
    if (e != ZIP_OK) assert_true(why[0] != '\0');
    zip_archive_free(&a);
    free(z);
    return e;
}

/* Raw deflate of data (malloc'd). */
static uint8_t *deflated(const void *data, size_t len, size_t *clen)
{
    z_stream s = {0};
    assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    uLong bound = deflateBound(&s, len);
    uint8_t *out = malloc(bound);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)len;
    s.next_out = out;
    s.avail_out = (uInt)bound;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    *clen = s.total_out;
    deflateEnd(&s);
    return out;
}

static void round_trip(void **state)
{
    /* Compressible JSON, an empty file, incompressible bytes (stored). */
    size_t big_len = 300000;
    char *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len; i++) big[i] = "{\"resourceType\":\"Observation\"}\n"[i % 31];
    big[big_len] = '\0';
    char *noise = malloc(4097);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < 4096; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        noise[i] = (char)(1 + x % 255);
    }
    noise[4096] = '\0';
    const char *names[] = {"manifest.json", "empty.txt", "ndjson/Observation.ndjson", "noise"};
    const char *texts[] = {"{\"format\":\"regie-export/1\"}", "", big, noise};
    size_t len, len2;
    uint8_t *z = make(&len, 4, names, texts);
    uint8_t *z2 = make(&len2, 4, names, texts);
    /* Deterministic: the same entries at the same time make the same bytes. */
    assert_int_equal(len, len2);
    assert_memory_equal(z, z2, len);
    assert_true(len < big_len / 10); /* the JSON was deflated */
    struct zip_archive a;
    char why[200];
    assert_int_equal(zip_read(z, len, NULL, &a, why, sizeof why), ZIP_OK);
    assert_int_equal(a.n, 4);
    for (int i = 0; i < 4; i++) {
        const struct zip_entry *e = zip_find(&a, names[i]);
        assert_non_null(e);
        assert_int_equal(e->len, strlen(texts[i]));
        assert_memory_equal(e->data, texts[i], e->len);
        assert_int_equal(e->data[e->len], 0);
    }
    assert_string_equal(a.entries[2].name, "ndjson/Observation.ndjson");
    assert_null(zip_find(&a, "missing"));
    zip_archive_free(&a);
    /* `unzip -t` (when installed) accepts the same bytes. */
    if (access("/usr/bin/unzip", X_OK) == 0) {
        char path[] = "/tmp/regie-zip-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, z, len), (ssize_t)len);
        close(fd);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "/usr/bin/unzip -tqq %s >/dev/null 2>&1", path);
        assert_int_equal(system(cmd), 0);
        unlink(path);
    } else {
        print_message("unzip not installed: its check is skipped\n");
    }
    free(z);
    free(z2);
    free(big);
    free(noise);
}

static void empty_archive(void **state)
{
    size_t len;
    uint8_t *z = make(&len, 0, NULL, NULL);
    assert_int_equal(len, 22);
    struct zip_archive a;
    assert_int_equal(zip_read(z, len, NULL, &a, NULL, 0), ZIP_OK);
    assert_int_equal(a.n, 0);
    zip_archive_free(&a);
    free(z);
}

static void names_that_climb_out_are_refused(void **state)
{
    static const char *const bad[] = {"../x", "a/../../x",   "/etc/passwd", "a\\b", "C:x",
                                      "a//b", "./a",         "a/./b",       "..",   "",
                                      "a\tb", "caf\xc3\xa9", "x/..",        "a:b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(zip_name_ok(bad[i], strlen(bad[i])));
        struct zip_writer *w = zip_writer_new(0);
        assert_int_equal(zip_writer_add(w, bad[i], "x", 1), ZIP_E_NAME);
        zip_writer_free(w);
        /* The reader refuses the same names in an archive made by someone else. */
        if (!bad[i][0]) continue;
        struct handmade h = {.name = bad[i],
                             .crc = (uint32_t)crc32(0, (const Bytef *)"x", 1),
                             .usize = 1,
                             .data = "x",
                             .dlen = 1};
        assert_int_equal(read_handmade(&h, NULL), ZIP_E_NAME);
    }
    assert_true(zip_name_ok("ndjson/Patient.ndjson", 21));
    assert_true(zip_name_ok("dir/", 4));
    assert_true(zip_name_ok("a..b", 4));
    /* Two entries of one name. */
    struct zip_writer *w = zip_writer_new(0);
    assert_int_equal(zip_writer_add(w, "a", "1", 1), ZIP_OK);
    assert_int_equal(zip_writer_add(w, "a", "2", 1), ZIP_E_NAME);
    zip_writer_free(w);
    size_t len;
    const char *names[] = {"aa", "ab"}, *texts[] = {"1", "2"};
    uint8_t *z = make(&len, 2, names, texts);
    /* Rename "ab" to "aa" in its local header and its directory entry. */
    for (size_t i = 0; i + 2 <= len; i++)
        if (!memcmp(z + i, "ab", 2)) z[i + 1] = 'a';
    struct zip_archive a;
    assert_int_equal(zip_read(z, len, NULL, &a, NULL, 0), ZIP_E_NAME);
    free(z);
}

static void damage_is_refused(void **state)
{
    const char *names[] = {"bundle.json", "report.json"};
    const char *texts[] = {"{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", "{}"};
    size_t len;
    uint8_t *z = make(&len, 2, names, texts);
    struct zip_archive a;
    char why[200];
    /* Every truncation fails cleanly. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(zip_read(z, cut, NULL, &a, why, sizeof why), ZIP_OK);
    /* Trailing bytes after the end record. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, z, len);
    longer[len] = 0;
    assert_int_equal(zip_read(longer, len + 1, NULL, &a, why, sizeof why), ZIP_E_FORMAT);
    free(longer);
    /* A flipped bit in the first entry's data: the CRC (or the inflate) catches it. */
    uint8_t *bad = malloc(len);
    memcpy(bad, z, len);
    bad[30 + strlen("bundle.json") + 2] ^= 0x01;
    enum zip_err e = zip_read(bad, len, NULL, &a, why, sizeof why);
    assert_true(e == ZIP_E_CRC);
    /* A CRC changed in both headers alike. */
    memcpy(bad, z, len);
    bad[14] ^= 0xff;
    for (size_t i = 0; i + 4 <= len; i++)
        if (bad[i] == 0x50 && bad[i + 1] == 0x4b && bad[i + 2] == 1 && bad[i + 3] == 2) {
            bad[i + 16] ^= 0xff;
            break;
        }
    assert_int_equal(zip_read(bad, len, NULL, &a, why, sizeof why), ZIP_E_CRC);
    /* The CRC changed in the local header only: the headers disagree. */
    memcpy(bad, z, len);
    bad[14] ^= 0xff;
    assert_int_equal(zip_read(bad, len, NULL, &a, why, sizeof why), ZIP_E_FORMAT);
    free(bad);
    free(z);
}

static void unsupported_features_are_refused(void **state)
{
    uint32_t crc = (uint32_t)crc32(0, (const Bytef *)"hello", 5);
    struct handmade ok = {.name = "a.txt", .crc = crc, .usize = 5, .data = "hello", .dlen = 5};
    assert_int_equal(read_handmade(&ok, NULL), ZIP_OK);
    struct handmade h = ok;
    h.flags = 0x0001; /* encrypted */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_UNSUPPORTED);
    h.flags = 0x0040; /* strong encryption */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_UNSUPPORTED);
    h = ok;
    h.method = 12; /* bzip2 */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_UNSUPPORTED);
    h = ok;
    h.usize = 0xffffffffu; /* ZIP64 marker */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_UNSUPPORTED);
    h = ok;
    h.usize = 6; /* stored but claims another size */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_FORMAT);
    h = ok;
    h.local_name = "b.txt"; /* the local header names another file */
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_FORMAT);
    /* A data descriptor (streamed zips): sizes and CRC come from the directory. */
    h = ok;
    h.flags = 0x0008;
    assert_int_equal(read_handmade(&h, NULL), ZIP_OK);
    /* Deflate that inflates longer or shorter than stated. */
    size_t clen;
    uint8_t *packed = deflated("hello hello hello", 17, &clen);
    h = (struct handmade){.name = "d",
                          .method = 8,
                          .crc = (uint32_t)crc32(0, (const Bytef *)"hello hello hello", 17),
                          .usize = 17,
                          .data = packed,
                          .dlen = clen};
    assert_int_equal(read_handmade(&h, NULL), ZIP_OK);
    h.usize = 16;
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_CRC);
    h.usize = 18;
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_CRC);
    h.usize = 17;
    h.dlen = clen - 1; /* cut */
    assert_int_not_equal(read_handmade(&h, NULL), ZIP_OK);
    free(packed);
}

static void bombs_are_refused_before_inflating(void **state)
{
    /* 8 MiB of zeros deflate to ~8 KiB: a ratio of ~1000. */
    size_t n = 8u << 20, clen;
    uint8_t *zeros = calloc(1, n);
    uint8_t *packed = deflated(zeros, n, &clen);
    struct handmade h = {.name = "bomb",
                         .method = 8,
                         .crc = (uint32_t)crc32_z(0, zeros, n),
                         .usize = (uint32_t)n,
                         .data = packed,
                         .dlen = clen};
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_LIMIT);
    /* The same with a ratio cap that allows it: read (so the refusal was the ratio). */
    struct zip_limits lim;
    zip_limits_default(&lim);
    lim.ratio_max = 100000;
    assert_int_equal(read_handmade(&h, &lim), ZIP_OK);
    /* Per-entry and total caps. */
    zip_limits_default(&lim);
    lim.ratio_max = 100000;
    lim.entry_size_max = n - 1;
    assert_int_equal(read_handmade(&h, &lim), ZIP_E_LIMIT);
    zip_limits_default(&lim);
    lim.ratio_max = 100000;
    lim.total_size_max = n - 1;
    assert_int_equal(read_handmade(&h, &lim), ZIP_E_LIMIT);
    /* A size that lies (claims 1 KiB but inflates to 8 MiB) stops at the claim. */
    h.usize = 1024;
    assert_int_equal(read_handmade(&h, NULL), ZIP_E_CRC);
    free(packed);
    /* The writer stores what the reader would call a bomb, so its own output always reads. */
    struct zip_writer *w = zip_writer_new(0);
    assert_int_equal(zip_writer_add(w, "zeros", zeros, n), ZIP_OK);
    uint8_t *z;
    size_t len;
    assert_int_equal(zip_writer_finish(w, &z, &len), ZIP_OK);
    assert_true(len > n);
    struct zip_archive a;
    assert_int_equal(zip_read(z, len, NULL, &a, NULL, 0), ZIP_OK);
    assert_int_equal(a.entries[0].len, n);
    zip_archive_free(&a);
    free(z);
    free(zeros);
    /* Too many entries. */
    const char *names[] = {"a", "b", "c"}, *texts[] = {"1", "2", "3"};
    z = make(&len, 3, names, texts);
    zip_limits_default(&lim);
    lim.entries_max = 2;
    assert_int_equal(zip_read(z, len, &lim, &a, NULL, 0), ZIP_E_LIMIT);
    lim.entries_max = 3;
    assert_int_equal(zip_read(z, len, &lim, &a, NULL, 0), ZIP_OK);
    zip_archive_free(&a);
    free(z);
}

static void overlapping_entries_are_refused(void **state)
{
    const char *names[] = {"a", "b"}, *texts[] = {"same", "same"};
    size_t len;
    uint8_t *z = make(&len, 2, names, texts);
    /* Point the second directory entry at the first local header, and give it the name "a"'s
     * header has... which makes it a duplicate; so point it into the first entry's data instead. */
    size_t first_cd = 0;
    for (size_t i = 0; i + 4 <= len; i++)
        if (z[i] == 0x50 && z[i + 1] == 0x4b && z[i + 2] == 1 && z[i + 3] == 2) {
            if (!first_cd) {
                first_cd = i;
                continue;
            }
            put32(z + i + 42, 0); /* "b" now starts where "a" does */
            break;
        }
    struct zip_archive a;
    assert_int_not_equal(zip_read(z, len, NULL, &a, NULL, 0), ZIP_OK);
    free(z);
}

static void writer_caps(void **state)
{
    struct zip_writer *w = zip_writer_new(0);
    char name[16];
    for (int i = 0; i < ZIP_ENTRIES_MAX; i++) {
        snprintf(name, sizeof name, "f%d", i);
        assert_int_equal(zip_writer_add(w, name, "", 0), ZIP_OK);
    }
    assert_int_equal(zip_writer_add(w, "one-more", "", 0), ZIP_E_LIMIT);
    uint8_t *z;
    size_t len;
    assert_int_equal(zip_writer_finish(w, &z, &len), ZIP_E_LIMIT);
    assert_null(z);
}

/* Archives made by another tool (Python's zipfile; one streamed with data descriptors), kept as
 * fuzz seeds: the good ones read, the damaged ones do not. */
static void other_tools_archives(void **state)
{
    static const struct {
        const char *file;
        enum zip_err want;
        size_t n;
    } cases[] = {{"deflate.zip", ZIP_OK, 2},       {"stored.zip", ZIP_OK, 3},
                 {"descriptor.zip", ZIP_OK, 1},    {"empty.zip", ZIP_OK, 0},
                 {"traversal.zip", ZIP_E_NAME, 0}, {"truncated.zip", ZIP_E_FORMAT, 0},
                 {"badcrc.zip", ZIP_E_FORMAT, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "tests/fuzz/corpus/util_zip/%s", cases[i].file);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t buf[4096];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        struct zip_archive a;
        char why[200];
        enum zip_err e = zip_read(buf, len, NULL, &a, why, sizeof why);
        if (e != cases[i].want) print_message("%s: %s\n", cases[i].file, why);
        assert_int_equal(e, cases[i].want);
        assert_int_equal(a.n, cases[i].n);
        zip_archive_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(empty_archive),
        cmocka_unit_test(names_that_climb_out_are_refused),
        cmocka_unit_test(damage_is_refused),
        cmocka_unit_test(unsupported_features_are_refused),
        cmocka_unit_test(bombs_are_refused_before_inflating),
        cmocka_unit_test(overlapping_entries_are_refused),
        cmocka_unit_test(writer_caps),
        cmocka_unit_test(other_tools_archives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
