/* A scale check of store search, run by hand (not a ctest: it takes minutes and its numbers depend
 * on the machine). It fills a store with synthetic patients shaped like the Synthea set (~780
 * resources and ~10 index rows each per patient), then times typical searches (p50/p95 over
 * random patients) and prints SQLite's plan for each.
 *
 *   cmake -S . -B /tmp/rel -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/rel --target
 * regie_store
 *   cc -O2 -I src -I /tmp/rel/gen tests/unit/store/scale_search.c /tmp/rel/libregie_store.a \
 *      /tmp/rel/libregie_json.a /tmp/rel/libregie_util.a -lsqlite3 -ljson-c -lpthread -o /tmp/scale
 *   /tmp/scale /tmp/scale.db 100       # patients; an existing file is only queried
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/search_sql.h"
#include "store/store.h"

#define OBS_PER_PATIENT 500
#define ENC_PER_PATIENT 100
#define CODES           50
#define UNIT            100 /* puts per write unit */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The machine is shared: CPU time of the whole process (the writer thread included) says more
 * than wall time. */
static double now_s(void)
{
    return clock_s(getenv("WALL") ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID);
}

struct res {
    char type[32], id[64], comp[64], json[256];
    struct store_ix ix[12];
    char s[6][64];
    size_t nix;
};

struct unit {
    struct store *s;
    struct res *r;
    size_t n;
};

static int unit_fn(struct store_txn *tx, void *ctx)
{
    struct unit *u = ctx;
    for (size_t i = 0; i < u->n; i++) {
        struct res *r = &u->r[i];
        struct store_put p = {.type = r->type,
                              .id = r->id,
                              .version = 1,
                              .last_updated = "2026-11-22T10:00:00.000Z",
                              .json = r->json,
                              .json_len = strlen(r->json),
                              .compartment = r->comp,
                              .ix = r->ix,
                              .nix = getenv("NOIX") ? 0 : r->nix};
        if (u->s->ops->tx_put(tx, &p) != STORE_OK) return 1;
    }
    return 0;
}

static const int64_t Y2000 = 946684800LL * 1000000;
static const int64_t DAY = 86400LL * 1000000;

static void patient(struct res *r, int p)
{
    memset(r, 0, sizeof *r);
    snprintf(r->type, sizeof r->type, "Patient");
    snprintf(r->id, sizeof r->id, "pat-%d", p);
    snprintf(r->comp, sizeof r->comp, "pat-%d", p);
    snprintf(r->json, sizeof r->json, "{\"resourceType\":\"Patient\",\"id\":\"pat-%d\"}", p);
    snprintf(r->s[0], 64, "fam%d", p);
    snprintf(r->s[1], 64, "Fam%d", p);
    snprintf(r->s[2], 64, "given%d", p % 300);
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_STRING, .param = "name", .text = r->s[0], .exact = r->s[1]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_STRING, .param = "name", .text = r->s[2], .exact = r->s[2]};
    r->ix[r->nix++] = (struct store_ix){.kind = STORE_IX_TOKEN,
                                        .param = "gender",
                                        .system = "http://hl7.org/fhir/administrative-gender",
                                        .code = p % 2 ? "male" : "female"};
    r->ix[r->nix++] = (struct store_ix){.kind = STORE_IX_DATE,
                                        .param = "birthdate",
                                        .lo = Y2000 - (p % 20000) * DAY,
                                        .hi = Y2000 - (p % 20000) * DAY + DAY};
}

static void observation(struct res *r, int p, int k)
{
    memset(r, 0, sizeof *r);
    snprintf(r->type, sizeof r->type, "Observation");
    snprintf(r->id, sizeof r->id, "obs-%d-%d", p, k);
    snprintf(r->comp, sizeof r->comp, "pat-%d", p);
    snprintf(r->json, sizeof r->json,
             "{\"resourceType\":\"Observation\",\"id\":\"obs-%d-%d\",\"status\":\"final\"}", p, k);
    snprintf(r->s[0], 64, "pat-%d", p);
    snprintf(r->s[1], 64, "enc-%d-%d", p, k % ENC_PER_PATIENT);
    snprintf(r->s[2], 64, "%d-%d", 1000 + (k * 7 + p) % CODES, k % 10);
    snprintf(r->s[3], 64, "code text %d", (k * 7 + p) % CODES);
    int64_t t = Y2000 + (int64_t)k * 7 * DAY + (int64_t)(p % 97) * 3600 * 1000000;
    double v = 50 + (k * 13 + p) % 100;
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_REF, .param = "subject", .ref_type = "Patient", .ref_id = r->s[0]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_REF, .param = "patient", .ref_type = "Patient", .ref_id = r->s[0]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_REF, .param = "encounter", .ref_type = "Encounter", .ref_id = r->s[1]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_TOKEN, .param = "code", .system = "http://loinc.org", .code = r->s[2]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_STRING, .param = "code:text", .text = r->s[3], .exact = r->s[3]};
    r->ix[r->nix++] =
        (struct store_ix){.kind = STORE_IX_TOKEN,
                          .param = "category",
                          .system = "http://terminology.hl7.org/CodeSystem/observation-category",
                          .code = k % 3 ? "vital-signs" : "laboratory"};
    r->ix[r->nix++] = (struct store_ix){.kind = STORE_IX_TOKEN,
                                        .param = "status",
                                        .system = "http://hl7.org/fhir/observation-status",
                                        .code = "final"};
    r->ix[r->nix++] =
        (struct store_ix){.kind = STORE_IX_DATE, .param = "date", .lo = t, .hi = t + 1000000};
    r->ix[r->nix++] = (struct store_ix){.kind = STORE_IX_QUANTITY,
                                        .param = "value-quantity",
                                        .num = v,
                                        .system = "http://unitsofmeasure.org",
                                        .code = "mg",
                                        .canon = v / 1000,
                                        .canon_code = "g"};
    r->ix[r->nix++] = (struct store_ix){.kind = STORE_IX_COMPOSITE,
                                        .param = "code-value-quantity",
                                        .system = "http://loinc.org",
                                        .code = r->s[2],
                                        .v_kind = STORE_IX_QUANTITY,
                                        .v_num = v,
                                        .v_code = "mg"};
}

static void encounter(struct res *r, int p, int k)
{
    memset(r, 0, sizeof *r);
    snprintf(r->type, sizeof r->type, "Encounter");
    snprintf(r->id, sizeof r->id, "enc-%d-%d", p, k);
    snprintf(r->comp, sizeof r->comp, "pat-%d", p);
    snprintf(r->json, sizeof r->json, "{\"resourceType\":\"Encounter\",\"id\":\"enc-%d-%d\"}", p,
             k);
    snprintf(r->s[0], 64, "pat-%d", p);
    int64_t t = Y2000 + (int64_t)k * 30 * DAY;
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_REF, .param = "subject", .ref_type = "Patient", .ref_id = r->s[0]};
    r->ix[r->nix++] = (struct store_ix){
        .kind = STORE_IX_REF, .param = "patient", .ref_type = "Patient", .ref_id = r->s[0]};
    r->ix[r->nix++] =
        (struct store_ix){.kind = STORE_IX_TOKEN,
                          .param = "class",
                          .system = "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          .code = k % 2 ? "AMB" : "EMER"};
    r->ix[r->nix++] =
        (struct store_ix){.kind = STORE_IX_DATE, .param = "date", .lo = t, .hi = t + 3600000000LL};
}

static int fill(struct store *s, int patients)
{
    struct res *buf = calloc(UNIT, sizeof *buf);
    size_t n = 0, total = 0;
    double t0 = now_s();
    for (int p = 0; p < patients; p++) {
        for (int k = -1; k < OBS_PER_PATIENT + ENC_PER_PATIENT; k++) {
            if (k < 0)
                patient(&buf[n++], p);
            else if (k < ENC_PER_PATIENT)
                encounter(&buf[n++], p, k);
            else
                observation(&buf[n++], p, k - ENC_PER_PATIENT);
            if (n == UNIT) {
                struct unit u = {s, buf, n};
                if (s->ops->write(s, unit_fn, &u) != STORE_OK) return -1;
                total += n;
                n = 0;
            }
        }
    }
    if (n) {
        struct unit u = {s, buf, n};
        if (s->ops->write(s, unit_fn, &u) != STORE_OK) return -1;
        total += n;
    }
    double dt = now_s() - t0;
    printf("filled %zu resources in %.1f s: %.1f us/put\n", total, dt, dt * 1e6 / (double)total);
    free(buf);
    return 0;
}

static int count_cb(void *ctx, const struct store_row *row)
{
    (void)row;
    ++*(size_t *)ctx;
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints the plan of q's page statement, by the store's own builder. */
static void plan(const char *path, const struct store_search_q *q)
{
    struct sq_build *b = malloc(sizeof *b);
    sq_build_init(b);
    struct buf page;
    buf_init(&page, SQ_SQL_MAX);
    sq_query(b, q, &page, NULL);
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    char *sql = malloc(page.len + 32);
    snprintf(sql, page.len + 32, "EXPLAIN QUERY PLAN %s", page.data);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sq_bind_all(b, st);
        while (sqlite3_step(st) == SQLITE_ROW)
            printf("      %s\n", (const char *)sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
    } else {
        printf("      plan: %s\n", sqlite3_errmsg(db));
    }
    if (getenv("SQL")) printf("      %s\n", page.data);
    free(sql);
    sqlite3_close(db);
    buf_free(&page);
    sq_build_free(b);
    free(b);
}

#define RUNS 200

static void timed(struct store *s, const char *path, const char *name, int patients,
                  void (*make)(struct store_search_q *q, int p, void *mem))
{
    static double t[RUNS];
    size_t rows = 0;
    int64_t total = 0;
    union {
        char bytes[4096];
        double align;
    } mem;
    for (int i = 0; i < RUNS; i++) {
        struct store_search_q q;
        memset(&q, 0, sizeof q);
        make(&q, (int)(((unsigned)i * 2654435761u) % (unsigned)patients), mem.bytes);
        double t0 = now_s();
        s->ops->search(s, &q, count_cb, &rows, &total, NULL);
        t[i] = now_s() - t0;
    }
    qsort(t, RUNS, sizeof *t, cmp_d);
    printf("%-58s p50 %8.3f ms  p95 %8.3f ms  (%zu rows/run)\n", name, t[RUNS / 2] * 1e3,
           t[RUNS * 95 / 100] * 1e3, rows / RUNS);
    struct store_search_q q;
    memset(&q, 0, sizeof q);
    make(&q, 0, mem.bytes);
    plan(path, &q);
}

/* Query makers: mem holds the clauses and values (they must outlive the search). */
struct m1 {
    struct store_clause c[3];
    struct store_value v[3];
    char s[3][64];
};

static void q_ref(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "pat-%d", p);
    m->v[0] = (struct store_value){.ref_type = "Patient", .ref_id = m->s[0]};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_REF,
                                    .param = "patient",
                                    .values = &m->v[0],
                                    .nvalues = 1};
    *q =
        (struct store_search_q){.type = "Observation", .clauses = m->c, .nclauses = 1, .count = 20};
}

static void q_ref_code(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    q_ref(q, p, mem);
    m->v[1] = (struct store_value){.system = "http://loinc.org", .code = "1007-0"};
    m->c[1] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_TOKEN,
                                    .param = "code",
                                    .values = &m->v[1],
                                    .nvalues = 1};
    q->nclauses = 2;
}

static void q_ref_sort_total(struct store_search_q *q, int p, void *mem)
{
    q_ref(q, p, mem);
    q->nsort = 1;
    q->sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
    q->want_total = true;
    q->count = 10;
}

static void q_comp_code(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "pat-%d", p);
    m->v[1] = (struct store_value){.system = "http://loinc.org", .code = "1007-0"};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_TOKEN,
                                    .param = "code",
                                    .values = &m->v[1],
                                    .nvalues = 1};
    *q = (struct store_search_q){
        .type = "Observation", .compartment = m->s[0], .clauses = m->c, .nclauses = 1, .count = 20};
}

static void q_everything(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "pat-%d", p);
    *q = (struct store_search_q){.compartment = m->s[0], .count = 50};
}

static void q_lastn(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "pat-%d", p);
    *q = (struct store_search_q){.type = "Observation",
                                 .compartment = m->s[0],
                                 .count = 100,
                                 .per_param = "code",
                                 .per_max = 1,
                                 .nsort = 1};
    q->sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
}

static void q_code(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "%d-%d", 1000 + p % CODES, p % 10);
    m->v[0] = (struct store_value){.system = "http://loinc.org", .code = m->s[0]};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_TOKEN,
                                    .param = "code",
                                    .values = &m->v[0],
                                    .nvalues = 1};
    *q =
        (struct store_search_q){.type = "Observation", .clauses = m->c, .nclauses = 1, .count = 20};
}

static void q_code_sorted(struct store_search_q *q, int p, void *mem)
{
    q_code(q, p, mem);
    q->nsort = 1;
    q->sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
}

static void q_name(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "fam%d", p);
    m->v[0] = (struct store_value){.text = m->s[0]};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_STRING,
                                    .param = "name",
                                    .values = &m->v[0],
                                    .nvalues = 1};
    *q = (struct store_search_q){.type = "Patient", .clauses = m->c, .nclauses = 1, .count = 20};
}

static void q_date_walk(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    (void)p;
    m->v[0] = (struct store_value){.cmp = STORE_GE, .lo = Y2000, .hi = Y2000 + DAY};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_DATE,
                                    .param = "date",
                                    .values = &m->v[0],
                                    .nvalues = 1};
    *q =
        (struct store_search_q){.type = "Observation", .clauses = m->c, .nclauses = 1, .count = 20};
}

static void q_chain(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    q_name(q, p, mem);
    m->v[1] = (struct store_value){.ref_type = "Patient", .chain = &m->c[0], .nchain = 1};
    m->c[1] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_REF,
                                    .param = "subject",
                                    .values = &m->v[1],
                                    .nvalues = 1};
    *q = (struct store_search_q){
        .type = "Observation", .clauses = &m->c[1], .nclauses = 1, .count = 20};
}

static void q_has(struct store_search_q *q, int p, void *mem)
{
    struct m1 *m = mem;
    snprintf(m->s[0], 64, "enc-%d-7", p);
    m->v[0] = (struct store_value){.ref_type = "Encounter", .ref_id = m->s[0]};
    m->c[0] = (struct store_clause){.kind = STORE_Q_IX,
                                    .ix_kind = STORE_IX_REF,
                                    .param = "encounter",
                                    .values = &m->v[0],
                                    .nvalues = 1};
    m->c[1] = (struct store_clause){.kind = STORE_Q_HAS,
                                    .has_type = "Observation",
                                    .has_param = "patient",
                                    .has = &m->c[0],
                                    .nhas = 1};
    *q =
        (struct store_search_q){.type = "Patient", .clauses = &m->c[1], .nclauses = 1, .count = 20};
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DB PATIENTS\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int patients = (int)strtol(argv[2], NULL, 10);
    bool exists = access(path, F_OK) == 0;
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    cfg.durable = false;
    char err[256];
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (!exists && fill(s, patients)) return 1;
    timed(s, path, "Observation?patient=X (_count 20)", patients, q_ref);
    timed(s, path, "Observation?patient=X&code=Y", patients, q_ref_code);
    timed(s, path, "Observation?patient=X&_sort=-date&_total (count 10)", patients,
          q_ref_sort_total);
    timed(s, path, "Patient/X/Observation?code=Y", patients, q_comp_code);
    timed(s, path, "Patient/X/$everything (type NULL, count 50)", patients, q_everything);
    timed(s, path, "$lastn Patient X per code max 1", patients, q_lastn);
    timed(s, path, "Patient?name=famX", patients, q_name);
    timed(s, path, "Observation?subject:Patient.name=famX", patients, q_chain);
    timed(s, path, "Patient?_has:Observation:patient:encounter=E", patients, q_has);
    timed(s, path, "Observation?code=Y (count 20)", patients, q_code);
    timed(s, path, "Observation?code=Y&_sort=-date (count 20)", patients, q_code_sorted);
    timed(s, path, "Observation?date=ge2000-01-01 (type walk, count 20)", patients, q_date_walk);
    s->ops->close(s);
    return 0;
}
