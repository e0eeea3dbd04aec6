/* The write operation shared by the interactions: preparation checks, versions, If-Match,
 * versioned delete, revival, index rows (identifier tokens, _lastUpdated, references the unit
 * decides, rows that outlive a detached resource) and conditional matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rest_fixture.h"

/* Prepares and writes one op over resource text (NULL for a delete). */
static enum rg_err write_op(struct fx *f, enum rest_method m, const char *type, const char *id,
                            const char *text, struct rest_op *op, struct rg_fail *fail)
{
    memset(op, 0, sizeof *op);
    memset(fail, 0, sizeof *fail);
    op->method = m;
    snprintf(op->type, sizeof op->type, "%s", type);
    if (id) snprintf(op->id, sizeof op->id, "%s", id);
    op->resource = text ? parse(text) : NULL;
    enum rg_err e = rest_op_prepare(op, fail);
    if (e == RG_OK) e = rest_op_write(f->rc, op, fail);
    return e;
}

static void done(struct rest_op *op)
{
    json_object_put(op->resource);
    rest_op_clear(op);
}

static size_t count_rows(const struct rest_op *op, enum store_ix_kind kind, const char *param)
{
    size_t n = 0;
    for (size_t i = 0; i < op->ix.n; i++)
        n += op->ix.rows[i].kind == kind && !strcmp(op->ix.rows[i].param, param);
    return n;
}

static const struct store_ix *find_row(const struct rest_op *op, enum store_ix_kind kind,
                                       const char *param)
{
    for (size_t i = 0; i < op->ix.n; i++)
        if (op->ix.rows[i].kind == kind && !strcmp(op->ix.rows[i].param, param))
            return &op->ix.rows[i];
    return NULL;
}

static void create_assigns_id(void **state)
{
    struct fx *f = *state;
    struct rest_op op;
    struct rg_fail fail;
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL,
                              "{\"resourceType\":\"Patient\",\"id\":\"mine\",\"meta\":{"
                              "\"versionId\":\"9\",\"source\":\"s\"}}",
                              &op, &fail),
                     RG_OK);
    assert_int_equal(op.status, 201);
    assert_int_equal(op.version, 1);
    assert_string_not_equal(op.id, "mine");
    assert_int_equal(strlen(op.id), 36);
    json_object *meta = jsonx_get(op.resource, "meta");
    assert_string_equal(jsonx_get_str(meta, "versionId"), "1");
    assert_string_equal(jsonx_get_str(meta, "source"), "s"); /* other meta kept */
    assert_string_equal(jsonx_get_str(op.resource, "id"), op.id);
    assert_true(op.has_compartment); /* a Patient is its own compartment */
    assert_string_equal(op.compartment, op.id);
    done(&op);
}

static void prepare_refuses(void **state)
{
    struct fx *f = *state;
    struct rest_op op;
    struct rg_fail fail;
    assert_int_equal(
        write_op(f, REST_PUT, "Patient", "a", "{\"resourceType\":\"Patient\"}", &op, &fail),
        RG_E_ID_MISSING);
    assert_string_equal(fail.expression, "Patient.id");
    done(&op);
    assert_int_equal(write_op(f, REST_PUT, "Patient", "a",
                              "{\"resourceType\":\"Patient\",\"id\":\"b\"}", &op, &fail),
                     RG_E_ID_MISMATCH);
    done(&op);
    assert_int_equal(write_op(f, REST_PUT, "Patient", "a",
                              "{\"resourceType\":\"Patient\",\"id\":\"a b\"}", &op, &fail),
                     RG_E_BAD_ID);
    done(&op);
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL,
                              "{\"resourceType\":\"Observation\",\"status\":\"final\"}", &op,
                              &fail),
                     RG_E_TYPE_MISMATCH);
    done(&op);
    assert_int_equal(
        write_op(f, REST_POST, "Patient", NULL, "{\"resourceType\":\"Spaceship\"}", &op, &fail),
        RG_E_UNKNOWN_TYPE);
    done(&op);
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL, "{\"name\":[]}", &op, &fail),
                     RG_E_NOT_RESOURCE);
    done(&op);
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL,
                              "{\"resourceType\":\"Patient\",\"colour\":\"red\"}", &op, &fail),
                     RG_E_UNKNOWN_ELEMENT);
    done(&op);
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "a", &row), STORE_NONE);
}

static void versions_delete_revive(void **state)
{
    struct fx *f = *state;
    struct rest_op op;
    struct rg_fail fail;
    const char *body = "{\"resourceType\":\"Patient\",\"id\":\"v\"}";
    assert_int_equal(write_op(f, REST_PUT, "Patient", "v", body, &op, &fail), RG_OK);
    assert_int_equal(op.status, 201);
    assert_int_equal(op.version, 1);
    done(&op);
    assert_int_equal(write_op(f, REST_PUT, "Patient", "v", body, &op, &fail), RG_OK);
    assert_int_equal(op.status, 200);
    assert_int_equal(op.version, 2);
    done(&op);

    memset(&op, 0, sizeof op);
    op.method = REST_PUT;
    snprintf(op.type, sizeof op.type, "Patient");
    snprintf(op.id, sizeof op.id, "v");
    op.if_match = 1;
    op.resource = parse(body);
    assert_int_equal(rest_op_prepare(&op, &fail), RG_OK);
    assert_int_equal(rest_op_write(f->rc, &op, &fail), RG_E_VERSION_CONFLICT);
    done(&op);

    assert_int_equal(write_op(f, REST_DELETE, "Patient", "v", NULL, &op, &fail), RG_OK);
    assert_int_equal(op.status, 204);
    assert_int_equal(op.version, 3);
    assert_false(op.noop);
    done(&op);
    assert_int_equal(write_op(f, REST_DELETE, "Patient", "v", NULL, &op, &fail), RG_OK);
    assert_true(op.noop); /* already deleted: no new version */
    done(&op);
    assert_int_equal(write_op(f, REST_DELETE, "Patient", "never", NULL, &op, &fail), RG_OK);
    assert_true(op.noop);
    done(&op);
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "v", &row), STORE_OK);
    assert_true(row.deleted);
    assert_int_equal(row.version, 3);
    store_row_clear(&row);

    assert_int_equal(write_op(f, REST_PUT, "Patient", "v", body, &op, &fail), RG_OK);
    assert_int_equal(op.version, 4);
    done(&op);
}

static void tokens_and_conditions(void **state)
{
    struct fx *f = *state;
    struct rest_op op;
    struct rg_fail fail;
    const char *body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"s\","
                       "\"value\":\"1\"},{\"system\":\"s\",\"value\":\"1\"},{\"value\":\"2\"},"
                       "{\"system\":\"only-system\"}]}";
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL, body, &op, &fail), RG_OK);
    /* duplicates and value-less identifiers are not indexed */
    assert_int_equal(count_rows(&op, STORE_IX_TOKEN, "identifier"), 2);
    char first[STORE_ID_MAX];
    memcpy(first, op.id, sizeof first);
    done(&op);

    /* Conditional create: each supported condition form finds the one resource. */
    const char *conds[] = {"identifier=s|1", "identifier=1", "identifier=|2", "identifier=s|",
                           "identifier=2&identifier=s|1"};
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        memset(&op, 0, sizeof op);
        op.method = REST_POST;
        op.by_cond = true;
        snprintf(op.type, sizeof op.type, "Patient");
        assert_int_equal(rest_cond_parse(conds[i], strlen(conds[i]), &op.cond, &fail), RG_OK);
        op.resource = parse("{\"resourceType\":\"Patient\"}");
        assert_int_equal(rest_op_prepare(&op, &fail), RG_OK);
        assert_int_equal(rest_op_write(f->rc, &op, &fail), RG_OK);
        assert_true(op.matched);
        assert_int_equal(op.status, 200);
        assert_string_equal(op.id, first);
        done(&op);
    }
    /* A second match makes conditional update refuse. */
    assert_int_equal(write_op(f, REST_POST, "Patient", NULL, body, &op, &fail), RG_OK);
    done(&op);
    memset(&op, 0, sizeof op);
    op.method = REST_PUT;
    op.by_cond = true;
    snprintf(op.type, sizeof op.type, "Patient");
    assert_int_equal(rest_cond_parse("identifier=s|1", 14, &op.cond, &fail), RG_OK);
    op.resource = parse("{\"resourceType\":\"Patient\"}");
    assert_int_equal(rest_op_prepare(&op, &fail), RG_OK);
    assert_int_equal(rest_op_write(f->rc, &op, &fail), RG_E_CONDITIONAL_MULTIPLE);
    done(&op);
}

static void index_rows(void **state)
{
    (void)state;
    struct rest_op op;
    struct rg_fail fail;
    memset(&op, 0, sizeof op);
    memset(&fail, 0, sizeof fail);
    op.method = REST_POST;
    snprintf(op.type, sizeof op.type, "Observation");
    op.resource = parse("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{"
                        "\"text\":\"x\"},\"meta\":{\"lastUpdated\":\"2001-01-01T00:00:00Z\"},"
                        "\"subject\":{\"reference\":\"Patient?identifier=s|1\"},"
                        "\"performer\":[{\"reference\":\"Practitioner/pr1\"}]}");
    /* The Bundle engine marks a reference the unit decides; the rows follow it once known. */
    rest_ref_set_fix(jsonx_get(op.resource, "subject"), "Patient", 0);
    op.late_compartment = true;
    assert_int_equal(rest_op_prepare(&op, &fail), RG_OK);
    const struct store_ix *d = find_row(&op, STORE_IX_DATE, "_lastUpdated");
    assert_non_null(d); /* this version's instant, not the body's */
    int64_t lo, hi;
    assert_true(search_date_range(op.last_updated, strlen(op.last_updated), &lo, &hi));
    assert_int_equal(d->lo, lo);
    assert_string_equal(find_row(&op, STORE_IX_REF, "patient")->ref_type, "Patient");
    assert_int_equal(op.nixfix, 2); /* subject and patient */
    rest_op_fix_ref(&op, 0, "Patient", "p9");
    assert_string_equal(find_row(&op, STORE_IX_REF, "subject")->ref_id, "p9");
    assert_string_equal(find_row(&op, STORE_IX_REF, "patient")->ref_id, "p9");
    assert_string_equal(find_row(&op, STORE_IX_REF, "performer")->ref_id, "pr1");
    /* Detached, the resource may go: the rows own their strings. */
    json_object *tree = op.resource, *holder = jsonx_get(tree, "subject");
    assert_int_equal(rest_op_detach(&op, &holder, 1, &fail), RG_OK);
    assert_null(op.resource);
    json_object_put(tree);
    size_t n = op.ix.n;
    assert_true(n > 4);
    assert_string_equal(find_row(&op, STORE_IX_TOKEN, "status")->code, "final");
    assert_string_equal(find_row(&op, STORE_IX_STRING, "code:text")->exact, "x");
    rest_op_clear(&op);
    assert_int_equal(op.ix.n, 0);
}

static void compartment_from_subject(void **state)
{
    struct fx *f = *state;
    struct rest_op op;
    struct rg_fail fail;
    assert_int_equal(write_op(f, REST_POST, "Observation", NULL,
                              "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{"
                              "\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/p7\"}}",
                              &op, &fail),
                     RG_OK);
    assert_true(op.has_compartment);
    assert_string_equal(op.compartment, "p7");
    done(&op);
    assert_int_equal(write_op(f, REST_POST, "Organization", NULL,
                              "{\"resourceType\":\"Organization\",\"name\":\"o\"}", &op, &fail),
                     RG_OK);
    assert_false(op.has_compartment);
    done(&op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_assigns_id, setup, teardown),
        cmocka_unit_test_setup_teardown(prepare_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(versions_delete_revive, setup, teardown),
        cmocka_unit_test_setup_teardown(tokens_and_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(compartment_from_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(index_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
