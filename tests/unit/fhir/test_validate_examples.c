/* The validator against real data: every zib2020 example (Nictiz) and every entry of three Synthea
 * bundles must validate. Skips when the shared data directory is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/validate.h"
#include "json/jsonx.h"

#define MAX_FILE (64u * 1024 * 1024)

static const char *shared_dir(void)
{
    const char *env = getenv("REGIE_SHARED");
    return env && *env ? env : "../shared";
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

static json_object *parse_or_fail(const char *data, size_t len, const char *name)
{
    enum jsonx_err err;
    char msg[128];
    json_object *v = jsonx_parse(data, len, 128, &err, msg, sizeof msg);
    if (!v) fail_msg("%s does not parse: %s", name, msg);
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir ending in suffix; returns the count (0 when dir is missing). */
static size_t list_dir(const char *dir, const char *suffix, char ***out)
{
    DIR *d = opendir(dir);
    *out = NULL;
    if (!d) return 0;
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *names);
            assert_non_null(p);
            names = p;
        }
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void zib2020_examples_validate(void **state)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/zib2020/examples", shared_dir());
    char **names;
    size_t n = list_dir(dir, ".json", &names);
    if (n == 0) {
        print_message("no zib2020 examples under %s; skipping\n", dir);
        skip();
    }
    assert_int_equal(n, 271);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t len = 0;
        char *data = read_all(f, &len);
        fclose(f);
        assert_non_null(data);
        json_object *v = parse_or_fail(data, len, names[i]);
        struct rg_fail fl;
        enum rg_err rc = fhir_validate(v, &fl);
        if (rc != RG_OK) {
            print_error("%s: %s at %s: %s\n", names[i], rg_err_name(rc), fl.expression, fl.detail);
            failures++;
        }
        json_object_put(v);
        free(data);
    }
    free_list(names, n);
    assert_int_equal(failures, 0);
}

static void synthea_bundles_validate(void **state)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/synthea", shared_dir());
    char **names;
    size_t n = list_dir(dir, ".json.bz2", &names);
    if (n < 3) {
        free_list(names, n);
        print_message("fewer than 3 Synthea bundles under %s; skipping\n", dir);
        skip();
    }
    size_t resources = 0, failures = 0, in_compartment = 0;
    /* The first three (sorted): the hospital and practitioner bundles plus one patient. */
    for (size_t i = 0; i < 3; i++) {
        char cmd[2300];
        snprintf(cmd, sizeof cmd, "bzcat '%s/%s'", dir, names[i]);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        size_t len = 0;
        char *data = read_all(p, &len);
        assert_int_equal(pclose(p), 0);
        assert_non_null(data);
        json_object *bundle = parse_or_fail(data, len, names[i]);
        json_object *entries = jsonx_get(bundle, "entry");
        assert_non_null(entries);
        size_t m = json_object_array_length(entries);
        assert_true(m > 0);
        for (size_t k = 0; k < m; k++) {
            json_object *r = jsonx_get(json_object_array_get_idx(entries, k), "resource");
            assert_non_null(r);
            struct rg_fail fl;
            enum rg_err rc = fhir_validate(r, &fl);
            if (rc != RG_OK) {
                print_error("%s entry %zu: %s at %s: %s\n", names[i], k, rg_err_name(rc),
                            fl.expression, fl.detail);
                failures++;
            }
            const char *type = jsonx_get_str(r, "resourceType");
            char pid[128];
            if (fhir_in_patient_compartment(type) &&
                fhir_patient_compartment(type, r, pid, sizeof pid))
                in_compartment++;
            resources++;
        }
        /* The whole transaction Bundle validates too (entries are checked recursively). */
        struct rg_fail fl;
        assert_int_equal(fhir_validate(bundle, &fl), RG_OK);
        json_object_put(bundle);
        free(data);
    }
    free_list(names, n);
    print_message("validated %zu Synthea resources, %zu in a Patient compartment\n", resources,
                  in_compartment);
    assert_int_equal(failures, 0);
    assert_true(resources > 100);
    assert_true(in_compartment > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zib2020_examples_validate),
        cmocka_unit_test(synthea_bundles_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
