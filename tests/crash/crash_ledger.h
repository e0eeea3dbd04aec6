/* The crash test's ledger: every write the server acknowledged (type, id, version and the JSON we
 * sent), and the checks that they all survived a SIGKILL. */
#ifndef REGIE_TESTS_CRASH_LEDGER_H
#define REGIE_TESTS_CRASH_LEDGER_H

#include <curl/curl.h>
#include <stddef.h>

struct ack {
    char type[16];
    char id[65];
    long version;
    char *json;          /* the body we sent (owned) */
    char value_text[32]; /* exact decimal text we sent, checked in the raw response ("" = none) */
};

struct ledger {
    struct ack *acks;
    size_t n;
    size_t cap;
};

/* Records one acknowledged write; takes ownership of json. Returns 0 or -1 (out of memory). */
int ledger_add(struct ledger *l, const char *type, const char *id, long version, char *json,
               const char *value_text);
/* Moves every record of src to dst (src is left empty). */
int ledger_merge(struct ledger *dst, struct ledger *src);
void ledger_free(struct ledger *l);

/* Reads every acknowledged version back from the server at base: vread returns 200 with the content
 * we sent (ignoring meta), the raw text keeps the decimal as written, and the current version is at
 * least the newest acknowledged one. Prints each problem; returns the number of problems. */
size_t ledger_verify(const struct ledger *l, CURL *curl, const char *base);

/* Parses the version out of an ETag W/"n". Returns it, or -1. */
long ledger_etag_version(const char *etag);

#endif
