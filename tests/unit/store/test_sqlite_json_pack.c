/* Resource bytes stored compressed (docs/store-json.md): versions written before the dictionary
 * are TEXT until repacked, later ones are zstd frames naming it, and every read path (read, vread,
 * history, scan, search, tx_current) gives back exactly the bytes written, before and after a
 * reopen. A stored frame that is damaged, names a dictionary the database lacks, or claims more
 * than STORE_JSON_MAX is a HARD answer from every path, never bytes and never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <cmocka.h>

#include "sqlite_fixture.h"

#define THRESHOLD 64 /* json_dict_min of these tests */
#define NRES      200

static const char *const types[] = {"Observation", "Condition", "Encounter", "Patient"};

/* A resource of a few hundred bytes to a few KiB, alike the way Synthea's are alike. */
static char *make_json(unsigned i, const char **type, char *id, size_t id_cap)
{
    static const char *const codes[] = {"8867-4", "9279-1", "8310-5", "29463-7", "39156-5"};
    static const char *const names[] = {"Heart rate", "Respiratory rate", "Body temperature",
                                        "Body Weight", "Body mass index"};
    *type = types[i % 4];
    snprintf(id, id_cap, "r%04u", i);
    size_t cap = 8192;
    char *j = malloc(cap);
    assert_non_null(j);
    int n = snprintf(
        j, cap,
        "{\"resourceType\":\"%s\",\"id\":\"%s\",\"meta\":{\"profile\":[\"http://hl7.org/fhir/"
        "StructureDefinition/vitalsigns\"]},\"status\":\"final\",\"category\":[{\"coding\":[{"
        "\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":"
        "\"vital-signs\",\"display\":\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":"
        "\"http://loinc.org\",\"code\":\"%s\",\"display\":\"%s\"}],\"text\":\"%s\"},"
        "\"subject\":{\"reference\":\"urn:uuid:%08x-1c2d-4e5f-8a9b-%012x\"},\"encounter\":{"
        "\"reference\":\"urn:uuid:%08x-aaaa-4bbb-8ccc-%012x\"},\"effectiveDateTime\":\"20%02u-"
        "%02u-%02uT%02u:%02u:00+01:00\",\"valueQuantity\":{\"value\":%u.%u,\"unit\":\"/min\","
        "\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}",
        *type, id, codes[i % 5], names[i % 5], names[i % 5], i * 2654435761u, i * 40503u, i * 7919u,
        i * 104729u, 10 + i % 15, 1 + i % 12, 1 + i % 28, i % 24, i % 60, 40 + i % 90, i % 10);
    for (unsigned k = 0; k < i % 7; k++) /* some longer ones */
        n += snprintf(j + n, cap - (size_t)n,
                      ",\"note%u\":[{\"text\":\"Follow-up in %u weeks; patient reports %s.\"}]", k,
                      k + i % 5, names[(i + k) % 5]);
    snprintf(j + n, cap - (size_t)n, "}");
    return j;
}

static struct store *open_low(struct fixture *f, size_t dict_min)
{
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    cfg.durable = false;
    cfg.json_dict_min = dict_min;
    char err[256] = "";
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    if (!s) fprintf(stderr, "open: %s\n", err);
    return s;
}

static int setup(void **state)
{
    if (fixture_setup(state)) return -1;
    struct fixture *f = *state;
    f->s->ops->close(f->s);
    f->s = open_low(f, THRESHOLD);
    return f->s ? 0 : -1;
}

static enum store_rc put_res(struct store *s, unsigned i, int64_t version, char **json_out)
{
    const char *type;
    char id[16];
    char *json = make_json(i + (unsigned)(version - 1) * 1000, &type, id, sizeof id);
    snprintf(id, sizeof id, "r%04u", i); /* the same id for every version */
    type = types[i % 4];
    struct store_ix ix = {.kind = STORE_IX_TOKEN, .param = "code", .system = "", .code = "c"};
    enum store_rc rc = put_ix(s, type, id, version, json, "p1", &ix, 1);
    if (json_out)
        *json_out = json;
    else
        free(json);
    return rc;
}

/* Direct SQL on the file, beside the store. */
static sqlite3 *raw(struct fixture *f)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *class_of(sqlite3 *db, const char *type, const char *id, int64_t version)
{
    static char out[16];
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT typeof(json) FROM resource_version WHERE type = ?1"
                                        " AND id = ?2 AND version = ?3",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* The expected bytes of every current resource, by index. */
struct expect {
    char *json[NRES];
    size_t seen;
    size_t bad;
};

static int check_row(void *ctx, const struct store_row *row)
{
    struct expect *e = ctx;
    unsigned i = (unsigned)strtoul(row->id + 1, NULL, 10);
    if (i >= NRES || row->json_len != strlen(e->json[i]) ||
        memcmp(row->json, e->json[i], row->json_len) || row->json[row->json_len] != '\0')
        e->bad++;
    e->seen++;
    return 0;
}

static void expect_free(struct expect *e)
{
    for (size_t i = 0; i < NRES; i++) free(e->json[i]);
}

static void check_every_path(struct store *s, struct expect *e)
{
    for (unsigned i = 0; i < NRES; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%04u", i);
        struct store_row row = {0};
        assert_int_equal(s->ops->read(s, types[i % 4], id, &row), STORE_OK);
        assert_int_equal(row.json_len, strlen(e->json[i]));
        assert_memory_equal(row.json, e->json[i], row.json_len);
        int64_t version = row.version;
        store_row_clear(&row);
        assert_int_equal(s->ops->vread(s, types[i % 4], id, version, &row), STORE_OK);
        assert_int_equal(row.json_len, strlen(e->json[i]));
        assert_memory_equal(row.json, e->json[i], row.json_len);
        store_row_clear(&row);
    }
    e->seen = e->bad = 0;
    assert_int_equal(s->ops->scan(s, NULL, check_row, e), STORE_OK);
    assert_int_equal(e->seen, NRES);
    assert_int_equal(e->bad, 0);
    for (size_t t = 0; t < 4; t++) {
        e->seen = e->bad = 0;
        struct store_search_q q = {.type = types[t], .count = NRES};
        int64_t total = 0;
        assert_int_equal(s->ops->search(s, &q, check_row, e, &total, NULL), STORE_OK);
        assert_int_equal(e->seen, NRES / 4);
        assert_int_equal(e->bad, 0);
    }
}

/* History of one resource: its versions newest first, each as written. */
struct hist {
    const char *want[2];
    size_t n, bad;
};

static int check_hist(void *ctx, const struct store_row *row)
{
    struct hist *h = ctx;
    if (h->n >= 2 || row->json_len != strlen(h->want[h->n]) ||
        memcmp(row->json, h->want[h->n], row->json_len))
        h->bad++;
    h->n++;
    return 0;
}

struct cur_unit {
    struct store *s;
    const char *type, *id;
    struct store_row row;
    enum store_rc rc;
};

static int cur_fn(struct store_txn *tx, void *ctx)
{
    struct cur_unit *u = ctx;
    u->rc = u->s->ops->tx_current(tx, u->type, u->id, true, &u->row);
    return 0;
}

/* Writes NRES resources (the dictionary is trained after THRESHOLD of them), then updates the first
 * ten (v1 TEXT, v2 a frame), keeping the bytes of every current version in e. */
static void fill(struct fixture *f, struct expect *e, char *v1[10])
{
    struct store *s = f->s;
    for (unsigned i = 0; i < NRES; i++) assert_int_equal(put_res(s, i, 1, &e->json[i]), STORE_OK);
    for (unsigned i = 0; i < 10; i++) {
        v1[i] = e->json[i];
        assert_int_equal(put_res(s, i, 2, &e->json[i]), STORE_OK);
    }
}

static void round_trip_across_training(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct expect e = {0};
    char *v1[10];
    fill(f, &e, v1);

    sqlite3 *db = raw(f);
    assert_int_equal(one_int(db, "SELECT count(*) FROM json_dict"), 1);
    assert_int_equal(one_int(db, "SELECT id FROM json_dict"), 1);
    assert_true(one_int(db, "SELECT samples FROM json_dict") >= THRESHOLD);
    /* Everything is a frame: the versions written before the dictionary were repacked by the
     * commits after it, and the range done is on record. */
    assert_string_equal(class_of(db, "Observation", "r0000", 1), "blob");
    assert_string_equal(class_of(db, "Observation", "r0000", 2), "blob");
    assert_string_equal(class_of(db, "Observation", "r0004", 1), "blob");
    assert_string_equal(class_of(db, "Patient", "r0199", 1), "blob");
    assert_int_equal(one_int(db, "SELECT count(*) FROM resource_version WHERE typeof(json)='text'"),
                     0);
    int64_t end = one_int(db, "SELECT value FROM meta WHERE key = 'json_repack_end'");
    assert_true(end > THRESHOLD && end < NRES);
    assert_int_equal(one_int(db, "SELECT value FROM meta WHERE key = 'json_repack_next'"), end);
    int64_t blobs = one_int(db, "SELECT count(*) FROM resource_version WHERE typeof(json)='blob'");
    assert_true(blobs >= NRES - THRESHOLD - 2);
    /* Smaller: the frames are well under half their text. */
    int64_t packed = one_int(db, "SELECT sum(length(json)) FROM resource_version"
                                 " WHERE typeof(json) = 'blob'");
    assert_true(packed > 0);
    sqlite3_close(db);

    check_every_path(s, &e);
    for (unsigned i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%04u", i);
        struct hist h = {.want = {e.json[i], v1[i]}};
        struct store_history_q q = {.type = types[i % 4], .id = id, .count = 10};
        int64_t total = 0;
        assert_int_equal(s->ops->history(s, &q, check_hist, &h, &total), STORE_OK);
        assert_int_equal(h.n, 2);
        assert_int_equal(h.bad, 0);
        struct cur_unit u = {.s = s, .type = types[i % 4], .id = id};
        assert_int_equal(s->ops->write(s, cur_fn, &u), STORE_OK);
        assert_int_equal(u.rc, STORE_OK);
        assert_int_equal(u.row.json_len, strlen(e.json[i]));
        assert_memory_equal(u.row.json, e.json[i], u.row.json_len);
        store_row_clear(&u.row);
        free(v1[i]);
    }

    /* Reopened (with the default threshold): the dictionary is found again, new versions use it,
     * no second one is trained. */
    s->ops->close(s);
    f->s = s = open_low(f, 0);
    assert_non_null(s);
    check_every_path(s, &e);
    free(e.json[NRES - 1]);
    assert_int_equal(put_res(s, NRES - 1, 2, &e.json[NRES - 1]), STORE_OK);
    db = raw(f);
    assert_string_equal(class_of(db, "Patient", "r0199", 2), "blob");
    assert_int_equal(one_int(db, "SELECT count(*) FROM json_dict"), 1);
    sqlite3_close(db);
    check_every_path(s, &e);
    expect_free(&e);
}

/* Small resources stay text; a store whose threshold is never reached stores text only. */
static void small_and_untrained_stay_text(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    s->ops->close(s);
    f->s = s = open_low(f, SIZE_MAX);
    assert_non_null(s);
    struct expect e = {0};
    for (unsigned i = 0; i < NRES; i++) assert_int_equal(put_res(s, i, 1, &e.json[i]), STORE_OK);
    sqlite3 *db = raw(f);
    assert_int_equal(one_int(db, "SELECT count(*) FROM json_dict"), 0);
    assert_int_equal(one_int(db, "SELECT count(*) FROM resource_version WHERE typeof(json)='blob'"),
                     0);
    sqlite3_close(db);
    check_every_path(s, &e);
    expect_free(&e);

    /* Now with a dictionary: a tiny resource is still text. */
    s->ops->close(s);
    f->s = s = open_low(f, THRESHOLD);
    assert_non_null(s);
    assert_int_equal(put_one(s, "Basic", "tiny", 1, "{\"resourceType\":\"Basic\"}", NULL, 0),
                     STORE_OK);
    assert_int_equal(
        put_one(s, "Basic", "tiny", 2, "{\"resourceType\":\"Basic\",\"id\":\"t\"}", NULL, 0),
        STORE_OK);
    db = raw(f);
    assert_int_equal(one_int(db, "SELECT count(*) FROM json_dict"), 1);
    assert_string_equal(class_of(db, "Basic", "tiny", 2), "text");
    sqlite3_close(db);
}

/* Sets the json of Observation/r0100 (a frame) to bytes. */
static void overwrite(struct fixture *f, const void *bytes, size_t len)
{
    sqlite3 *db = raw(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "UPDATE resource_version SET json = ?1 WHERE type ="
                                        " 'Observation' AND id = 'r0100'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(st, 1, bytes, (int)len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static unsigned char *stored_frame(struct fixture *f, size_t *len)
{
    sqlite3 *db = raw(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT json FROM resource_version WHERE type ="
                                        " 'Observation' AND id = 'r0100'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(st, 0), SQLITE_BLOB);
    *len = (size_t)sqlite3_column_bytes(st, 0);
    unsigned char *p = malloc(*len + 1);
    assert_non_null(p);
    memcpy(p, sqlite3_column_blob(st, 0), *len);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return p;
}

static int count_cb(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

/* Every read path answers HARD for the damaged row: no bytes, no crash. */
static void expect_hard(struct store *s)
{
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Observation", "r0100", &row), STORE_HARD);
    store_row_clear(&row);
    assert_int_equal(s->ops->vread(s, "Observation", "r0100", 1, &row), STORE_HARD);
    store_row_clear(&row);
    size_t n = 0;
    assert_int_equal(s->ops->scan(s, "Observation", count_cb, &n), STORE_HARD);
    struct store_search_q q = {.type = "Observation", .count = NRES};
    assert_int_equal(s->ops->search(s, &q, count_cb, &n, NULL, NULL), STORE_HARD);
    struct store_history_q h = {.type = "Observation", .id = "r0100", .count = 5};
    assert_int_equal(s->ops->history(s, &h, count_cb, &n, NULL), STORE_HARD);
    /* Its neighbours are fine. */
    assert_int_equal(s->ops->read(s, "Observation", "r0104", &row), STORE_OK);
    store_row_clear(&row);
}

static void damaged_frames_are_hard_errors(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct expect e = {0};
    char *v1[10];
    fill(f, &e, v1);
    for (int i = 0; i < 10; i++) free(v1[i]);
    size_t len;
    unsigned char *frame = stored_frame(f, &len);

    overwrite(f, frame, len - 1); /* cut short */
    expect_hard(s);
    frame[len] = 0;
    overwrite(f, frame, len + 1); /* a byte after the frame */
    expect_hard(s);
    static const unsigned char junk[] = {0x7b, 0x22, 0x00, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a};
    overwrite(f, junk, sizeof junk); /* not a frame at all */
    expect_hard(s);
    overwrite(f, junk, 0); /* an empty blob */
    expect_hard(s);
    unsigned char bad_magic[64];
    memcpy(bad_magic, frame, sizeof bad_magic);
    bad_magic[0] ^= 1;
    overwrite(f, bad_magic, sizeof bad_magic);
    expect_hard(s);

    /* A frame without its content size. */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    assert_non_null(cc);
    unsigned char out[4096];
    ZSTD_inBuffer in = {e.json[100], strlen(e.json[100]), 0};
    ZSTD_outBuffer o = {out, sizeof out, 0};
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0)));
    assert_int_equal(ZSTD_compressStream2(cc, &o, &in, ZSTD_e_end), 0);
    assert_int_equal(ZSTD_getFrameContentSize(out, o.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    overwrite(f, out, o.pos);
    expect_hard(s);

    /* A frame without a dictionary is a frame like any other. */
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
    size_t n = ZSTD_compressCCtx(cc, out, sizeof out, e.json[100], strlen(e.json[100]), 3);
    assert_false(ZSTD_isError(n));
    overwrite(f, out, n);
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Observation", "r0100", &row), STORE_OK);
    assert_string_equal(row.json, e.json[100]);
    store_row_clear(&row);

    /* The original frame reads again: nothing was cached from the damaged ones. */
    overwrite(f, frame, len);
    check_every_path(s, &e);
    ZSTD_freeCCtx(cc);
    free(frame);
    expect_free(&e);
}

/* A frame naming dictionary 7, which json_dict does not hold; then a json_dict row 7 that is not
 * a dictionary of that id. */
static void unknown_dictionary_is_hard(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct expect e = {0};
    char *v1[10];
    fill(f, &e, v1);
    for (int i = 0; i < 10; i++) free(v1[i]);

    sqlite3 *db = raw(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT dict FROM json_dict WHERE id = 1", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    size_t dlen = (size_t)sqlite3_column_bytes(st, 0);
    unsigned char *dict = malloc(dlen);
    assert_non_null(dict);
    memcpy(dict, sqlite3_column_blob(st, 0), dlen);
    sqlite3_finalize(st);
    sqlite3_close(db);
    dict[4] = 7; /* the dictID field, little-endian */

    ZSTD_CCtx *cc = ZSTD_createCCtx();
    unsigned char out[4096];
    size_t n = ZSTD_compress_usingDict(cc, out, sizeof out, e.json[100], strlen(e.json[100]), dict,
                                       dlen, 3);
    assert_false(ZSTD_isError(n));
    assert_int_equal(ZSTD_getDictID_fromFrame(out, n), 7);
    overwrite(f, out, n);
    expect_hard(s);

    /* Row 7 exists but its bytes are not dictionary 7. */
    db = raw(f);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO json_dict SELECT 7, dict, created, samples,"
                                  " sample_bytes, level FROM json_dict WHERE id = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    expect_hard(s);
    ZSTD_freeCCtx(cc);
    free(dict);
    expect_free(&e);
}

/* A frame claiming more than STORE_JSON_MAX is refused before any memory is given to it, and a
 * put over the limit is refused too. */
static void size_cap(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct expect e = {0};
    char *v1[10];
    fill(f, &e, v1);
    for (int i = 0; i < 10; i++) free(v1[i]);

    size_t big = (size_t)STORE_JSON_MAX + 1;
    char *zeros = calloc(1, big + 1);
    assert_non_null(zeros);
    size_t cap = ZSTD_compressBound(big);
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    size_t n = ZSTD_compress(out, cap, zeros, big, 1);
    assert_false(ZSTD_isError(n));
    overwrite(f, out, n);
    expect_hard(s);

    memset(zeros, ' ', big);
    zeros[0] = '{';
    zeros[big - 1] = '}';
    assert_int_equal(put_one(s, "Basic", "huge", 1, zeros, NULL, 0), STORE_HARD);
    free(out);
    free(zeros);
    expect_free(&e);
}

/* Many versions in one commit: the dictionary comes after it, and the repack takes windows of
 * seqs over the following commits, resuming after a reopen. */
#define BULK 6000
struct bulk_unit {
    struct store *s;
    unsigned from, to;
};

static int bulk_fn(struct store_txn *tx, void *ctx)
{
    struct bulk_unit *u = ctx;
    for (unsigned i = u->from; i < u->to; i++) {
        const char *type;
        char id[16];
        char *json = make_json(i, &type, id, sizeof id);
        struct store_put p = {.type = type,
                              .id = id,
                              .version = 1,
                              .last_updated = "2026-11-22T10:00:00.000Z",
                              .json = json,
                              .json_len = strlen(json)};
        enum store_rc rc = u->s->ops->tx_put(tx, &p);
        free(json);
        if (rc != STORE_OK) return 1;
    }
    return 0;
}

static void repack_in_windows(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct bulk_unit u = {.s = s, .from = 0, .to = BULK};
    assert_int_equal(s->ops->write(s, bulk_fn, &u), STORE_OK); /* then trained */
    /* Each write waits for the writer's work after the one before: after these two the first
     * window is done for sure (the second may be). */
    for (unsigned i = BULK; i < BULK + 2; i++) {
        u = (struct bulk_unit){.s = s, .from = i, .to = i + 1};
        assert_int_equal(s->ops->write(s, bulk_fn, &u), STORE_OK);
    }
    sqlite3 *db = raw(f);
    assert_int_equal(one_int(db, "SELECT value FROM meta WHERE key = 'json_repack_end'"), BULK + 1);
    assert_true(one_int(db, "SELECT value FROM meta WHERE key = 'json_repack_next'") > 4000);
    assert_string_equal(class_of(db, "Observation", "r0000", 1), "blob");
    sqlite3_close(db);

    s->ops->close(s); /* the rest after a reopen */
    f->s = s = open_low(f, THRESHOLD);
    assert_non_null(s);
    for (unsigned i = BULK + 2; i < BULK + 4; i++) {
        u = (struct bulk_unit){.s = s, .from = i, .to = i + 1};
        assert_int_equal(s->ops->write(s, bulk_fn, &u), STORE_OK);
    }
    db = raw(f);
    assert_int_equal(one_int(db, "SELECT value FROM meta WHERE key = 'json_repack_next'"),
                     BULK + 1);
    assert_int_equal(one_int(db, "SELECT count(*) FROM resource_version WHERE typeof(json)='text'"),
                     0);
    sqlite3_close(db);
    for (unsigned i = 0; i < BULK + 4; i += 997) {
        const char *type;
        char id[16];
        char *json = make_json(i, &type, id, sizeof id);
        struct store_row row = {0};
        assert_int_equal(s->ops->read(s, type, id, &row), STORE_OK);
        assert_string_equal(row.json, json);
        store_row_clear(&row);
        free(json);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_across_training, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(small_and_untrained_stay_text, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(damaged_frames_are_hard_errors, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(unknown_dictionary_is_hard, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(size_cap, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(repack_in_windows, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
