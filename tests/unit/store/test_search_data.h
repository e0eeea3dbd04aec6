/* Shared by the search tests: a few hand-made resources with their index rows, and a search that
 * answers the ids it found as "a,b,c". Header-only (static) because each test is one executable.
 *
 *   Patient p1  "Émile Zoë", female, born 1980-05-10, identifier urn:a|1
 *   Patient p2  "Anna Smith", male, born 1990-01-01
 *   Patient p3  "Annabel", female, no birth date
 *   Observation o1 (p1) loinc 8867-4, 72 /min, 2020-01-01
 *   Observation o2 (p1) loinc 8480-6, 120 mm[Hg], 2020-02-01
 *   Observation o3 (p2) loinc 8867-4, 80 /min, 2021-01-01
 *   Observation o4 (p2) loinc 8867-4, 0.5 g (500 mg written), 2021-06-01, performer -> absolute URL
 *   ValueSet vs1 url http://a.org/fhir/ValueSet/x, vs2 http://a.org/other
 *   RiskAssessment r1 probability 0.3, r2 0.75 and 0.8 */
#ifndef REGIE_TESTS_STORE_SEARCH_DATA_H
#define REGIE_TESTS_STORE_SEARCH_DATA_H

#include "sqlite_fixture.h"

/* With SEARCH_DATA_V3 the resources go into a schema 3 database that the store then migrates
 * (search_data_v3.h); else they are written through the store. */
#ifdef SEARCH_DATA_V3
#include "search_data_v3.h"
typedef sqlite3 *data_target;
#define DATA_PUT put_v3
#else
typedef struct store *data_target;
#define DATA_PUT put_ix
#endif

#define LOINC "http://loinc.org"
#define UCUM  "http://unitsofmeasure.org"

#define IX_S(p, t, e)                                                                              \
    {                                                                                              \
        .kind = STORE_IX_STRING, .param = p, .text = t, .exact = e                                 \
    }
#define IX_T(p, s, c)                                                                              \
    {                                                                                              \
        .kind = STORE_IX_TOKEN, .param = p, .system = s, .code = c                                 \
    }
#define IX_R(p, rt, ri)                                                                            \
    {                                                                                              \
        .kind = STORE_IX_REF, .param = p, .ref_type = rt, .ref_id = ri                             \
    }
#define IX_D(p, l, h)                                                                              \
    {                                                                                              \
        .kind = STORE_IX_DATE, .param = p, .lo = l, .hi = h                                        \
    }
#define IX_Q(p, n, c, cn, cc)                                                                      \
    {                                                                                              \
        .kind = STORE_IX_QUANTITY, .param = p, .num = n, .system = UCUM, .code = c, .canon = cn,   \
        .canon_code = cc                                                                           \
    }
#define IX_U(p, t)                                                                                 \
    {                                                                                              \
        .kind = STORE_IX_URI, .param = p, .text = t                                                \
    }

/* Microseconds since 1970 of a UTC day (days from civil, proleptic Gregorian). */
static int64_t day_us(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400LL * 1000000LL;
}
#define DAY_US (86400LL * 1000000LL)

static int data_load(data_target s)
{
    const struct store_ix p1[] = {IX_S("name", "emile zoe", "Émile Zoë"),
                                  IX_S("name", "emile", "Émile"),
                                  IX_S("name", "zoe", "Zoë"),
                                  IX_T("gender", "http://hl7.org/fhir/gender", "female"),
                                  IX_D("birthdate", day_us(1980, 5, 10), day_us(1980, 5, 11)),
                                  IX_T("identifier", "urn:a", "1")};
    const struct store_ix p2[] = {IX_S("name", "anna smith", "Anna Smith"),
                                  IX_S("name", "anna", "Anna"), IX_S("name", "smith", "Smith"),
                                  IX_T("gender", "http://hl7.org/fhir/gender", "male"),
                                  IX_D("birthdate", day_us(1990, 1, 1), day_us(1990, 1, 2))};
    const struct store_ix p3[] = {IX_S("name", "annabel", "Annabel"),
                                  IX_T("gender", "http://hl7.org/fhir/gender", "female")};
    const struct store_ix o1[] = {IX_R("subject", "Patient", "p1"),
                                  IX_R("patient", "Patient", "p1"),
                                  IX_T("code", LOINC, "8867-4"),
                                  IX_Q("value-quantity", 72, "/min", 1.2, "/s"),
                                  IX_D("date", day_us(2020, 1, 1) + 36000LL * 1000000,
                                       day_us(2020, 1, 1) + 36001LL * 1000000),
                                  {.kind = STORE_IX_COMPOSITE,
                                   .param = "code-value-quantity",
                                   .system = LOINC,
                                   .code = "8867-4",
                                   .v_kind = STORE_IX_QUANTITY,
                                   .v_num = 72,
                                   .v_system = UCUM,
                                   .v_code = "/min",
                                   .v_canon = 1.2,
                                   .v_canon_code = "/s"}};
    const struct store_ix o2[] = {IX_R("subject", "Patient", "p1"),
                                  IX_R("patient", "Patient", "p1"), IX_T("code", LOINC, "8480-6"),
                                  IX_Q("value-quantity", 120, "mm[Hg]", 15998.7, "g/(m.s2)"),
                                  IX_D("date", day_us(2020, 2, 1), day_us(2020, 2, 2))};
    const struct store_ix o3[] = {IX_R("subject", "Patient", "p2"),
                                  IX_R("patient", "Patient", "p2"), IX_T("code", LOINC, "8867-4"),
                                  IX_Q("value-quantity", 80, "/min", 80.0 / 60, "/s"),
                                  IX_D("date", day_us(2021, 1, 1), day_us(2021, 1, 2))};
    const struct store_ix o4[] = {IX_R("subject", "Patient", "p2"),
                                  IX_R("patient", "Patient", "p2"),
                                  IX_T("code", LOINC, "8867-4"),
                                  IX_Q("value-quantity", 500, "mg", 0.5, "g"),
                                  IX_D("date", day_us(2021, 6, 1), day_us(2021, 6, 2)),
                                  {.kind = STORE_IX_REF,
                                   .param = "performer",
                                   .text = "http://elsewhere.org/Practitioner/9"}};
    const struct store_ix vs1[] = {IX_U("url", "http://a.org/fhir/ValueSet/x")};
    const struct store_ix vs2[] = {IX_U("url", "http://a.org/other")};
    const struct store_ix r1[] = {{.kind = STORE_IX_NUMBER, .param = "probability", .num = 0.3}};
    const struct store_ix r2[] = {{.kind = STORE_IX_NUMBER, .param = "probability", .num = 0.75},
                                  {.kind = STORE_IX_NUMBER, .param = "probability", .num = 0.8}};
#define N(a) (sizeof a / sizeof *a)
    if (DATA_PUT(s, "Patient", "p1", 1, "{\"id\":\"p1\"}", "p1", p1, N(p1)) != STORE_OK ||
        DATA_PUT(s, "Patient", "p2", 1, "{\"id\":\"p2\"}", "p2", p2, N(p2)) != STORE_OK ||
        DATA_PUT(s, "Patient", "p3", 1, "{\"id\":\"p3\"}", "p3", p3, N(p3)) != STORE_OK ||
        DATA_PUT(s, "Observation", "o1", 1, "{\"id\":\"o1\"}", "p1", o1, N(o1)) != STORE_OK ||
        DATA_PUT(s, "Observation", "o2", 1, "{\"id\":\"o2\"}", "p1", o2, N(o2)) != STORE_OK ||
        DATA_PUT(s, "Observation", "o3", 1, "{\"id\":\"o3\"}", "p2", o3, N(o3)) != STORE_OK ||
        DATA_PUT(s, "Observation", "o4", 1, "{\"id\":\"o4\"}", "p2", o4, N(o4)) != STORE_OK ||
        DATA_PUT(s, "ValueSet", "vs1", 1, "{}", NULL, vs1, N(vs1)) != STORE_OK ||
        DATA_PUT(s, "ValueSet", "vs2", 1, "{}", NULL, vs2, N(vs2)) != STORE_OK ||
        DATA_PUT(s, "RiskAssessment", "r1", 1, "{}", NULL, r1, N(r1)) != STORE_OK ||
        DATA_PUT(s, "RiskAssessment", "r2", 1, "{}", NULL, r2, N(r2)) != STORE_OK)
        return -1;
#undef N
    return 0;
}

static int data_setup(void **state)
{
#ifdef SEARCH_DATA_V3
    return v3_setup(state, data_load);
#else
    if (fixture_setup(state)) return -1;
    return data_load(((struct fixture *)*state)->s);
#endif
}

struct collect {
    char ids[1024];
    size_t len;
    int64_t seqs[64];
    size_t n;
};

static int collect_cb(void *ctx, const struct store_row *row)
{
    struct collect *c = ctx;
    c->len +=
        (size_t)snprintf(c->ids + c->len, sizeof c->ids - c->len, "%s%s", c->n ? "," : "", row->id);
    if (c->n < 64) c->seqs[c->n] = row->seq;
    c->n++;
    return 0;
}

/* Runs q and answers "id,id" (or "-" for none). *total and *more when not NULL. */
static const char *run_q(struct store *s, const struct store_search_q *q, int64_t *total,
                         bool *more)
{
    static char out[1024];
    struct collect c = {.ids = ""};
    bool m = false;
    enum store_rc rc = s->ops->search(s, q, collect_cb, &c, total, &m);
    if (rc != STORE_OK) return "ERROR";
    if (more) *more = m;
    snprintf(out, sizeof out, "%s", c.n ? c.ids : "-");
    return out;
}

/* One clause over type with count 100. */
static inline const char *one(struct store *s, const char *type, const struct store_clause *c)
{
    struct store_search_q q = {.type = type, .clauses = c, .nclauses = 1, .count = 100};
    return run_q(s, &q, NULL, NULL);
}

#endif
