/* Fuzzes the search parser: the input, read as a query string, is parsed for a few resource types
 * (and for none, as $everything does) under strict and lenient handling. Never a crash; a success
 * gives a query whose every clause, value and string lies inside the struct search, and a self
 * query that parses back to the same self query. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"
#include "rest/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct search s, again;

static void check_text(const struct search *x, const char *p)
{
    if (!p) return;
    if (p < x->text || p >= x->text + x->text_len) {
        /* table strings (parameter codes, target types) live outside: they must be readable */
        if (strlen(p) > 4096) abort();
        return;
    }
    if (p + strlen(p) >= x->text + sizeof x->text) abort();
}

static void check_clauses(const struct search *x, const struct store_clause *c, size_t n, int depth)
{
    if (depth > 1 || n > x->nclauses) abort();
    for (size_t i = 0; i < n; i++) {
        if (&c[i] < x->clauses || &c[i] >= x->clauses + x->nclauses) abort();
        check_text(x, c[i].param);
        check_text(x, c[i].has_type);
        check_text(x, c[i].has_param);
        if (c[i].kind == STORE_Q_HAS) check_clauses(x, c[i].has, c[i].nhas, depth + 1);
        for (size_t k = 0; k < c[i].nvalues; k++) {
            const struct store_value *v = &c[i].values[k];
            if (v < x->values || v >= x->values + x->nvalues) abort();
            check_text(x, v->text);
            check_text(x, v->system);
            check_text(x, v->code);
            check_text(x, v->ref_type);
            check_text(x, v->ref_id);
            if (v->v && (v->v < x->values || v->v >= x->values + x->nvalues)) abort();
            if (v->v) check_text(x, v->v->text);
            if (v->chain) check_clauses(x, v->chain, v->nchain, depth + 1);
        }
    }
}

static void run(const struct http_params *p, const char *type, enum search_handling h)
{
    struct rg_fail f = {0};
    enum rg_err e = search_parse(type, p->items, p->n, h, 20, 100, &s, &f);
    if (e != RG_OK) {
        if (f.code != e || e >= RG_ERR_COUNT) abort();
        return;
    }
    if (s.q.nclauses > s.nclauses || s.nclauses > SEARCH_CLAUSES_MAX) abort();
    if (s.nvalues > SEARCH_VALUES_MAX || s.q.count > 100 || s.q.nsort > STORE_SORT_MAX) abort();
    check_clauses(&s, s.q.clauses, s.q.nclauses, 0);
    if (strlen(s.self_query) >= sizeof s.self_query) abort();
    /* the self link's query means the same search */
    struct http_params back;
    http_params_init(&back);
    if (http_query_parse(&back, s.self_query, strlen(s.self_query)) != HTTP_QUERY_OK) abort();
    if (search_parse(type, back.items, back.n, h, 20, 100, &again, &f) != RG_OK) abort();
    if (strcmp(again.self_query, s.self_query) || again.q.nclauses != s.q.nclauses) abort();
    http_params_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_params p;
    http_params_init(&p);
    if (http_query_parse(&p, (const char *)data, size) == HTTP_QUERY_OK) {
        static const char *const types[] = {"Patient", "Observation", "ValueSet", NULL};
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            run(&p, types[i], SEARCH_STRICT);
            run(&p, types[i], SEARCH_LENIENT);
        }
    }
    http_params_free(&p);
    return 0;
}
