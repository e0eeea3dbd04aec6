/* Private to store/sqlite/search*.c: a store_search_q turned into SQL text plus its bindings.
 *
 * Every value is bound, never pasted: the builder hands out numbered parameters (?N), so the same
 * binding list serves the page statement and the count statement built from the same WHERE.
 * Texts computed here (a prefix's successor, an escaped LIKE pattern) live in the builder's arena,
 * which never moves, until the statements are done. Everything is capped: a query that would need
 * more SQL, parameters or arena than the caps is refused (HARD: the parser's own caps keep real
 * queries far below these). */
#ifndef REGIE_STORE_SQLITE_SEARCH_SQL_H
#define REGIE_STORE_SQLITE_SEARCH_SQL_H

#include <stdbool.h>
#include <stdint.h>

#include "store/sqlite/internal.h"
#include "util/buf.h"

#define SQ_SQL_MAX   (256 * 1024)
#define SQ_BINDS_MAX 4096
#define SQ_ARENA_MAX (128 * 1024)

enum sq_bind_kind { SQB_TEXT, SQB_INT, SQB_REAL };

struct sq_bind {
    enum sq_bind_kind kind;
    const char *text;
    int64_t i;
    double d;
};

/* A piece of the arena; pieces never move once handed out. */
struct sq_chunk {
    struct sq_chunk *next;
    size_t len, cap;
    char data[];
};

struct sq_build {
    struct buf sql;
    struct sq_bind *binds; /* grown as needed, up to SQ_BINDS_MAX */
    int nbinds, cap_binds;
    struct sq_chunk *arena;
    size_t arena_len; /* over every chunk, capped by SQ_ARENA_MAX */
    int alias;        /* next table alias number, so nested subqueries never clash */
    int64_t now_us;   /* for the ap prefix on dates */
    bool failed;      /* a cap was hit or a clause was malformed */
    /* When the WHERE is a compartment and nothing else, the span of its "SELECT seq ..." set in
     * sql (seqs of current, not deleted resources, once each), so the count can count the set
     * without a resource_version lookup per member; else both 0. */
    size_t cset_from, cset_to;
};

/* What a clause is checked against: SQL expressions naming the candidate resource's current
 * version seq, its id and its type (columns of an alias in the enclosing query). */
struct sq_cand {
    const char *seq;
    const char *id;
    const char *type;
    const char *type_name; /* the candidates' type when the query knows it, else NULL */
};

/* ---- search_build.c: primitives ---- */
/* Small until used: a typical query allocates a few KiB (a 256 KiB builder cost a fresh mmap and
 * its page faults per search, 60 us). */
void sq_build_init(struct sq_build *b);
void sq_build_free(struct sq_build *b);
void sq_emit(struct sq_build *b, const char *text);
__attribute__((format(printf, 2, 3))) void sq_emitf(struct sq_build *b, const char *fmt, ...);
/* Emits "?N" for a new parameter of the given value. */
void sq_text(struct sq_build *b, const char *text);
void sq_int(struct sq_build *b, int64_t v);
void sq_real(struct sq_build *b, double v);
/* A new text parameter without emitting it: its "?N" goes to out, to be emitted (maybe often). */
void sq_param(struct sq_build *b, const char *text, char out[16]);
/* A copy of n bytes of s in the arena (NUL-terminated), or NULL (failed set) when full. */
char *sq_arena(struct sq_build *b, const char *s, size_t n);
/* The smallest text greater than every text starting with prefix (bytewise), in the arena: prefix
 * with its last byte below 0xFF raised by one. NULL when there is none (every text qualifies). */
const char *sq_successor(struct sq_build *b, const char *prefix);
/* "%<s with % _ \ escaped by \>%" for LIKE ... ESCAPE '\'. */
const char *sq_like_contains(struct sq_build *b, const char *s);
/* A fresh alias name "<letter><n>" in out (16 bytes). */
void sq_alias(struct sq_build *b, char letter, char out[16]);
/* Emits the condition that index row alias x belongs to search parameter param of type: "x.pid =
 * (SELECT pid FROM ix_param WHERE type = ? AND code = ?)", a constant SQLite computes once per
 * statement (NULL, so no row matches, for a pair the database does not know). With type NULL (the
 * candidates' type varies; their seq names their type anyway) it is "x.pid IN (<every pid of
 * param>)". */
void sq_pid(struct sq_build *b, const char *x, const char *type, const char *param);
/* Binds every parameter the statement has. A SQLite result code. */
int sq_bind_all(const struct sq_build *b, sqlite3_stmt *st);

/* ---- search_value.c: one value of a clause as a condition on an index row ---- */
/* Emits a boolean SQL condition true when the row of alias x (a row of the clause's table; for
 * COMPOSITE the second component's columns when second is set) matches value v. */
void sq_value_cond(struct sq_build *b, const struct store_clause *c, enum store_ix_kind kind,
                   const struct store_value *v, const char *x, bool second);
/* True when v can drive a query from the kind's value index (an equality or a bounded range). */
bool sq_value_indexable(const struct store_clause *c, const struct store_value *v);

/* ---- search_sql.c: clauses ---- */
/* Emits a condition true when the candidate matches clause c (EXISTS / NOT EXISTS ...). */
void sq_clause_check(struct sq_build *b, const struct store_clause *c, const struct sq_cand *cand);
/* Emits "FROM ... WHERE ..." selecting, as <alias> (a resource_version row), the current, not
 * deleted resources of type (NULL: any, then compartment is required) that match every clause
 * (AND) and, when compartment is set, lie in that Patient compartment (with type NULL: and the
 * Patient itself). order_seq gets the seq expression to order by last: the driving index's own
 * seq when the candidates stream from it in seq order, so ORDER BY needs no sort. */
void sq_from_where(struct sq_build *b, const char *type, const char *compartment,
                   const struct store_clause *cl, size_t n, const char *alias, char order_seq[32]);
/* How well clause c drives a query from an index: 0 not at all, higher is more selective. */
int sq_clause_rank(const struct store_clause *c);

/* ---- search_query.c ---- */
/* The page statement (into page) and, when count is not NULL, the count statement of q. */
void sq_query(struct sq_build *b, const struct store_search_q *q, struct buf *page,
              struct buf *count);

#endif
