/* Internal to the Bundle engine (bundle.c prepares, bundle_run.c writes and answers). */
#ifndef REGIE_REST_BUNDLE_H
#define REGIE_REST_BUNDLE_H

#include "rest/internal.h"

enum bphase { BPHASE_DELETE, BPHASE_POST, BPHASE_PUT, BPHASE_GET };

struct bentry {
    json_object *resource; /* not owned (inside the request Bundle or tree) */
    json_object *tree;     /* text path: this entry's own parsed tree, kept for the unit */
    char *full;            /* text path: owned copy of the fullUrl (a key of urls) */
    struct rest_url url;
    struct rest_op op;
    enum bphase phase;
    size_t fix_first, nfix; /* this entry's references resolved inside the unit */
    bool failed;            /* batch: this entry's own failure */
    struct rg_fail fail;
    char key[STORE_TYPE_MAX + STORE_ID_MAX + 1]; /* "Type/id" for the duplicate check */
    struct store_row row;                        /* GET result */
};

/* A reference to rewrite inside the unit: to entry target's final id (a conditional create or
 * update), or to the resolution of conditional reference target (cond). */
struct bfix {
    json_object *holder;
    size_t target;
    bool cond;
};

struct bcref {
    char *text; /* owned copy of the reference: "Patient?identifier=..." */
    char type[STORE_TYPE_MAX];
    struct rest_cond cond;
    enum rg_err err; /* when resolved */
    struct rg_fail fail;
    bool done;
    char id[STORE_ID_MAX];
};

struct bundle {
    struct rest_ctx *rc;
    bool tx;
    bool own_urls; /* text path: entry trees are freed after each pass, so keys are copied */
    enum rest_return ret;
    struct bentry *e;
    size_t n;
    struct bfix *fix;
    size_t nfix, capfix;
    struct bcref **cref; /* each allocated on its own: its conditions point into itself */
    size_t ncref, capcref;
    struct rest_strmap urls, targets, crefs;
    /* One instant for every version the Bundle writes (set by bundle_init, given to each op
     * before it is prepared), so a transaction's versions appear together in history and the
     * _lastUpdated index rows extracted in preparation name the instant that is stored. */
    char now[FHIRTIME_INSTANT_LEN];
    /* transaction failure */
    bool failed;
    struct rg_fail fail;
};

/* Records a failure of entry i: for a transaction the whole Bundle fails, for a batch the entry.
 * sub names the part (".request", ".resource") used when f has no expression of its own. Returns
 * f->code. */
enum rg_err bundle_entry_fail(struct bundle *b, size_t i, struct rg_fail *f, const char *sub);
/* Runs the write unit and the reads; fills the per-entry results. */
enum rg_err bundle_execute(struct bundle *b, struct rg_fail *f);
/* The response Bundle (transaction-response / batch-response). */
json_object *bundle_response(struct bundle *b);

/* ---- shared by the tree path (bundle.c) and the text path (bundle_text.c) ---- */
/* Reads entry i's request, assigns its id and registers its fullUrl. */
enum rg_err bundle_parse_entry(struct bundle *b, size_t i, json_object *entry);
/* Plans entry i's references, rewrites its narrative links, validates and prepares it. */
enum rg_err bundle_plan_entry(struct bundle *b, size_t i);
/* Prepares entry i's op (rest_op_prepare) with the Bundle's instant. */
enum rg_err bundle_prepare_op(struct bundle *b, size_t i, struct rg_fail *f);
void bundle_free(struct bundle *b);
/* Checks resourceType and type (batch or transaction); *tx tells which. */
enum rg_err bundle_check_head(json_object *bundle, bool *tx, struct rg_fail *f);
enum rg_err bundle_init(struct bundle *b, struct rest_ctx *rc, bool tx, enum rest_return ret,
                        size_t n, struct rg_fail *f);
enum rg_err bundle_finish(struct bundle *b, json_object **response, struct rg_fail *f);

#endif
