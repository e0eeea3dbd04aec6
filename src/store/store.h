/* The store: where resources live. One struct of function pointers, one function per operation;
 * store/sqlite/ implements it (store/pg/ may later). The store knows SQL and nothing of HTTP; it
 * treats a resource as (type, id, version, JSON bytes) plus the index rows it is given.
 *
 * Threads: reads may be called from any thread at once. Writes go through ops->write, which runs
 * the caller's work function on the store's single writer connection; concurrent writes are
 * committed in groups (one fsync for many requests), and ops->write returns only once the write is
 * durable. */
#ifndef REGIE_STORE_STORE_H
#define REGIE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_TYPE_MAX    64 /* longest resource type name + NUL */
#define STORE_ID_MAX      65 /* FHIR ids are at most 64 characters */
#define STORE_INSTANT_MAX 40
#define STORE_JSON_MAX    (64u << 20) /* largest resource the store takes, bytes */

/* Every store function answers one of these. */
enum store_rc {
    STORE_HARD = -2,  /* failure (I/O, corrupt database, out of memory): logged as our bug */
    STORE_RETRY = -1, /* transient (busy, queue full): the caller may answer 503 or retry */
    STORE_NONE = 0,   /* no such row */
    STORE_OK = 1      /* done / found */
};

/* One stored version of a resource. */
struct store_row {
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
    int64_t version;
    int64_t seq;                          /* global write order; history pages by it */
    char last_updated[STORE_INSTANT_MAX]; /* FHIR instant, UTC, e.g. 2026-11-22T10:00:00.123Z */
    bool deleted;                         /* a delete marker: json is NULL */
    char *json;                           /* the resource's bytes, NUL-terminated; owned (free) */
    size_t json_len;
};
/* Frees row->json and zeroes the row. */
void store_row_clear(struct store_row *row);

/* ---- Search index rows ----
 * Extracted at write time (src/fhir/search_index) from the resource by the search parameters'
 * FHIRPath expressions, stored with the version they belong to. Only the CURRENT, not deleted
 * version of a resource has rows: tx_put deletes the previous version's rows and adds the new
 * ones; a delete marker adds none. So an index row's seq always names a current version, and a
 * search never needs resource_current to filter. Every row also carries the resource's Patient
 * compartment (for per-patient search). One table per kind (docs/search.md). */
enum store_ix_kind {
    STORE_IX_STRING,   /* text (normalised), exact (as written) */
    STORE_IX_TOKEN,    /* system ("" none), code */
    STORE_IX_REF,      /* ref_type + ref_id (a local or relative reference), or text (an absolute
                          URL / canonical that is not ours) */
    STORE_IX_DATE,     /* [lo, hi): microseconds since 1970 UTC; hi exclusive; open end = INT64_MAX,
                          open start = INT64_MIN */
    STORE_IX_NUMBER,   /* num */
    STORE_IX_QUANTITY, /* num, system, code (unit as written); canon + canon_code (UCUM base
                          units, canon_code NULL when the unit is not convertible) */
    STORE_IX_URI,      /* text */
    STORE_IX_COMPOSITE, /* system + code of the first (token) component, and the second component
                           in the v_* fields by v_kind (QUANTITY, TOKEN, DATE or STRING) */
};
#define STORE_IX_KINDS 8

struct store_ix {
    enum store_ix_kind kind;
    const char *param; /* the search parameter code; derived rows use "<code>:text" (a token's
                          display/text as a STRING row) and "<code>:of-type" (an identifier as a
                          TOKEN row: system = type's coding system, code = "<type code>|<value>") */
    const char *text;  /* STRING normalised, URI, REF absolute URL */
    const char *exact; /* STRING as written */
    const char *system;
    const char *code;
    const char *ref_type;
    const char *ref_id;
    int64_t lo, hi;
    double num;
    double canon;
    const char *canon_code;
    /* COMPOSITE second component */
    enum store_ix_kind v_kind;
    const char *v_system, *v_code, *v_text, *v_canon_code;
    double v_num, v_canon;
    int64_t v_lo, v_hi;
};

/* A new version to write. */
struct store_put {
    const char *type;
    const char *id;
    int64_t version;          /* must be the current version + 1 (1 for a new resource) */
    const char *last_updated; /* FHIR instant */
    bool deleted;             /* a delete marker; json must then be NULL */
    const char *json;
    size_t json_len;
    const char *compartment;   /* id of the Patient whose compartment holds it, or NULL */
    const struct store_ix *ix; /* search index rows of this version (none for a delete marker) */
    size_t nix;
};

/* One AND-ed condition of a conditional create/update/delete/reference. param "_id" matches the
 * resource id (code); other params match TOKEN index rows; system NULL means any system,
 * system "" means no system. */
struct store_cond {
    const char *param;
    const char *system;
    const char *code;
};

/* History query: newest first. type and id narrow it (id needs type); since (an instant, may be
 * NULL) keeps versions written at or after it; before_seq (0 = from the newest) continues a page.
 */
struct store_history_q {
    const char *type;
    const char *id;
    const char *since;
    int64_t before_seq;
    size_t count;
};

/* ---- Search queries ----
 * A search is: resources of one type (or of every type, for $everything), optionally inside one
 * Patient compartment, matching every clause (AND); a clause matches when any of its values does
 * (OR). The REST floor builds this from the URL (src/rest/search_parse); the store turns it into
 * SQL. Strings are not copied: they must live until the call returns. */
enum store_cmp { /* FHIR search prefixes; EQ for types without prefixes */
                 STORE_EQ,
                 STORE_NE,
                 STORE_GT,
                 STORE_LT,
                 STORE_GE,
                 STORE_LE,
                 STORE_SA,
                 STORE_EB,
                 STORE_AP
};

enum store_clause_kind {
    STORE_Q_IX,  /* a search parameter over the index table of ix_kind */
    STORE_Q_ID,  /* _id: values' code is the resource id */
    STORE_Q_HAS, /* _has: some has_type resource whose has_param references this one matches
                    every clause of has */
};

struct store_clause;

/* One OR alternative. Which fields count depends on the clause's kind and match:
 *   STRING   text (normalised by search_norm_string; the exact text for STORE_M_EXACT)
 *   TOKEN    system (NULL any system, "" no system) and code (NULL any code: "system|")
 *   REF      ref_type (NULL any type) + ref_id, or text (an absolute URL); chain: the referenced
 *            resource (of ref_type, which is then required) must match every clause of chain
 *   DATE     cmp and the search value's range [lo, hi) (microseconds, as the rows)
 *   NUMBER   cmp, num, and the implicit precision range [lo_num, hi_num) (100 -> [99.5, 100.5))
 *   QUANTITY as NUMBER, plus system/code of the unit (NULL = any); with canon set, num/lo_num/
 *            hi_num are in canonical units and code is the canonical unit (compare against the
 *            rows' canon/canon_code); else against num/system/code
 *   URI      text
 *   COMPOSITE system/code of the first component, and v (the second component's value, one of
 *            the above by the clause's v_kind) */
struct store_value {
    enum store_cmp cmp;
    const char *text;
    const char *system;
    const char *code;
    const char *ref_type;
    const char *ref_id;
    int64_t lo, hi;
    double num, lo_num, hi_num;
    bool canon;
    const struct store_clause *chain;
    size_t nchain;
    const struct store_value *v; /* COMPOSITE */
};

enum store_match {
    STORE_M_DEFAULT,  /* per kind: STRING starts-with (normalised); others equality/prefix cmp */
    STORE_M_EXACT,    /* STRING :exact (case- and accent-sensitive, whole value) */
    STORE_M_CONTAINS, /* STRING :contains (normalised), URI :contains */
    STORE_M_NOT,      /* TOKEN :not: resources with NO row matching any value (including none) */
    STORE_M_BELOW,    /* URI :below (prefix by path segments) */
    STORE_M_ABOVE,    /* URI :above (the row is a prefix of the value) */
    STORE_M_MISSING,  /* :missing; the clause's missing says which */
};

struct store_clause {
    enum store_clause_kind kind;
    enum store_ix_kind ix_kind; /* STORE_Q_IX */
    enum store_ix_kind v_kind;  /* STORE_Q_IX over COMPOSITE: kind of the second component */
    const char *param;          /* STORE_Q_IX: the row param ("name", "code:text", ...) */
    enum store_match match;
    bool missing; /* STORE_M_MISSING: true = no row of param, false = at least one */
    const struct store_value *values;
    size_t nvalues;
    /* STORE_Q_HAS */
    const char *has_type;  /* e.g. "Observation" */
    const char *has_param; /* a REF param of has_type, e.g. "patient" */
    const struct store_clause *has;
    size_t nhas;
};

/* One _sort key. param "_id" sorts by id, "_lastUpdated" by the version's instant; other params
 * by their rows in ix_kind's table: the smallest value ascending, the largest descending (DATE:
 * lo ascending, hi descending; STRING: text; TOKEN: code; REF: ref_type/ref_id; NUMBER/QUANTITY:
 * num; URI: text). Resources without a row sort last. */
struct store_sort {
    const char *param;
    enum store_ix_kind ix_kind;
    bool desc;
};

#define STORE_SORT_MAX   8
#define STORE_CURSOR_MAX 32

struct store_search_q {
    const char *type;        /* NULL: every type (compartment must then be set) */
    const char *compartment; /* Patient id, or NULL. With type NULL, includes the Patient itself */
    const struct store_clause *clauses;
    size_t nclauses;
    struct store_sort sort[STORE_SORT_MAX]; /* after these, ties break by seq ascending (by seq
                                               descending when the last key is _lastUpdated
                                               descending: seq is the finer write order), so the
                                               order is total and pages are stable */
    size_t nsort;
    size_t count;    /* page size; 0 = count only (with want_total) */
    size_t offset;   /* rows of the order to skip (paging) */
    bool want_total; /* set *total to the number of matches, ignoring paging */
    /* $lastn: when per_param is set (a TOKEN param, "code"), keep only the first per_max rows of
     * the order (give sort = date descending) for each patient (compartment) and distinct
     * system|code of that param (a resource's smallest system|code names its group). */
    const char *per_param;
    size_t per_max;
};

/* A reference target, for includes. */
struct store_ref {
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
};

/* Receives rows one by one; the row (and its json) is valid only during the call. Return 0 to go
 * on, nonzero to stop. */
typedef int (*store_row_cb)(void *ctx, const struct store_row *row);

struct store;
struct store_txn;

/* A unit of write work, run on the writer connection inside its own savepoint. Return 0 to keep its
 * writes, anything else to undo them (the value is not interpreted; report details through ctx). */
typedef int (*store_work_fn)(struct store_txn *tx, void *ctx);

struct store_ops {
    const char *name;
    void (*close)(struct store *s);

    /* ---- reads (any thread) ---- */
    /* The current version of type/id (a delete marker counts: row->deleted). OK or NONE. */
    enum store_rc (*read)(struct store *s, const char *type, const char *id, struct store_row *out);
    /* One given version. OK or NONE. */
    enum store_rc (*vread)(struct store *s, const char *type, const char *id, int64_t version,
                           struct store_row *out);
    /* Versions newest first, at most q->count of them, through cb. *total (if not NULL) gets the
     * number of versions matching type/id/since, ignoring paging. */
    enum store_rc (*history)(struct store *s, const struct store_history_q *q, store_row_cb cb,
                             void *ctx, int64_t *total);
    /* Every current, not deleted resource (of one type, or all types ordered by type when type is
     * NULL), in a stable order, through cb. For export. */
    enum store_rc (*scan)(struct store *s, const char *type, store_row_cb cb, void *ctx);
    /* Search: the matching current resources in the query's order, at most q->count from
     * q->offset, through cb (rows carry json). *total (when q->want_total and total not NULL)
     * gets the number of matches. *more is set when rows exist after this page. OK (even when
     * nothing matched) or HARD. */
    enum store_rc (*search)(struct store *s, const struct store_search_q *q, store_row_cb cb,
                            void *ctx, int64_t *total, bool *more);
    /* _include: the current, not deleted resources that the resources with the given seqs
     * reference through param (NULL: any REF param, for "*"), of target_type (NULL: any), each
     * once, through cb. */
    enum store_rc (*refs_from)(struct store *s, const int64_t *seqs, size_t nseqs,
                               const char *param, const char *target_type, store_row_cb cb,
                               void *ctx);
    /* _revinclude: the current resources of src_type whose param (NULL: any) references one of
     * targets, each once, at most max of them, through cb. */
    enum store_rc (*refs_to)(struct store *s, const char *src_type, const char *param,
                             const struct store_ref *targets, size_t ntargets, size_t max,
                             store_row_cb cb, void *ctx);
    /* Runs the database's own consistency check; OK when sound, otherwise HARD with msg. */
    enum store_rc (*check)(struct store *s, char *msg, size_t msg_len);

    /* ---- writes ---- */
    /* Queues fn and waits until the group it joined is committed and durable. OK: fn returned 0
     * and its writes are durable. NONE: fn asked to undo; nothing of it was stored. RETRY: the
     * queue is full. HARD: the commit failed; nothing of fn is stored. */
    enum store_rc (*write)(struct store *s, store_work_fn fn, void *ctx);

    /* ---- inside a work function only ---- */
    /* Current version of type/id as seen inside the write (including earlier writes of this
     * unit). With want_json false, out->json stays NULL. OK or NONE. */
    enum store_rc (*tx_current)(struct store_txn *tx, const char *type, const char *id,
                                bool want_json, struct store_row *out);
    /* Writes a new version and makes it current. */
    enum store_rc (*tx_put)(struct store_txn *tx, const struct store_put *p);
    /* Ids of current, not deleted resources of type matching every condition; fills at most max
     * ids and sets *found to the number filled. */
    enum store_rc (*tx_find)(struct store_txn *tx, const char *type, const struct store_cond *conds,
                             size_t nconds, char (*ids)[STORE_ID_MAX], size_t max, size_t *found);
    /* Deletes every version of type/id and its index rows, as if it had never been written (a PGO
     * account's deletion; a FHIR delete keeps history). *versions (when not NULL) gets how many
     * versions went. OK, or NONE when there was no such resource. */
    enum store_rc (*tx_purge)(struct store_txn *tx, const char *type, const char *id,
                              size_t *versions);
};

/* Every implementation embeds this first. */
struct store {
    const struct store_ops *ops;
};

struct store_config {
    const char *path;         /* database file */
    bool durable;             /* fsync before acknowledging (default true; false only for tests) */
    unsigned group_max;       /* most work units in one commit group (default 64) */
    unsigned queue_max;       /* pending writes before RETRY (default 1024) */
    unsigned busy_timeout_ms; /* wait for a lock held by another process (default 5000) */
    size_t cache_kib;         /* the writer connection's page cache (default 8192) */
    size_t read_cache_kib;    /* page cache of each read connection (default 2048): reads are
                                 point lookups whose upper B-tree levels fit; the OS caches the rest */
    size_t mmap_kib;          /* memory-map this much of the file per connection (default 0). Off
                                 by default: every mapping counts the file's pages in the server's
                                 RSS once per connection, which made a 180 MB database look like
                                 2 GB of resident memory, for no measurable gain in read speed */
    size_t json_dict_min;     /* versions stored before a dictionary is trained from them and
                                 resources are stored compressed (docs/store-json.md; default
                                 2000, SIZE_MAX never) */
};

/* Default settings for path. */
void store_config_defaults(struct store_config *cfg, const char *path);

/* Opens (creating and migrating as needed) a SQLite store. Returns NULL with a message in err. */
struct store *store_sqlite_open(const struct store_config *cfg, char *err, size_t err_len);

#endif
