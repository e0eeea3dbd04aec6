/* audit_verify walks the chain from seq 1; audit_read_patient gives one patient's entries. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

struct verify_ctx {
    struct audit_report *r;
    const uint8_t *key;
    size_t key_len;
    struct audit_line line;
};

static int verify_line(const char *s, size_t len, void *vctx)
{
    struct verify_ctx *v = vctx;
    struct audit_report *r = v->r;
    uint64_t want = r->entries + 1;
    char why[120];
    if (audit_line_parse(s, len, &v->line, why, sizeof why) != 0) {
        snprintf(r->why, sizeof r->why, "line %" PRIu64 " does not parse: %s", want, why);
    } else if (v->line.seq != want) {
        snprintf(r->why, sizeof r->why,
                 "line %" PRIu64 " has seq %" PRIu64 ": a line was removed, added or moved", want,
                 v->line.seq);
    } else if (strcmp(v->line.prev, r->last_hash) != 0) {
        snprintf(r->why, sizeof r->why, "prev is not the hash of seq %" PRIu64, want - 1);
    } else {
        char hash[AUDIT_HASH_HEX];
        audit_line_hash(&v->line, v->key, v->key_len, hash);
        if (strcmp(hash, v->line.hash) != 0) {
            snprintf(r->why, sizeof r->why, "hash does not match: the entry was changed%s",
                     v->key_len ? " (or the key is not the log's)" : " (or the log has a key)");
        } else {
            memcpy(r->last_hash, hash, AUDIT_HASH_HEX);
            r->entries = want;
            return 0;
        }
    }
    r->ok = false;
    r->broken_seq = want;
    return 1;
}

int audit_verify(const char *path, const uint8_t *key, size_t key_len, struct audit_report *r)
{
    memset(r, 0, sizeof *r);
    r->ok = true;
    memcpy(r->last_hash, AUDIT_GENESIS, AUDIT_HASH_HEX);
    struct verify_ctx *v = calloc(1, sizeof *v); /* holds two line buffers: not for the stack */
    if (!v) return -1;
    v->r = r;
    v->key = key;
    v->key_len = key_len;
    size_t torn = 0;
    int rc = audit_scan(path, verify_line, v, &torn);
    free(v);
    if (rc != 0) {
        r->ok = false;
        snprintf(r->why, sizeof r->why, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (r->ok && torn) {
        r->ok = false;
        r->broken_seq = r->entries + 1;
        snprintf(r->why, sizeof r->why,
                 "torn tail: %zu bytes after the last whole line (a crash while writing; opening "
                 "the log cuts them off and notes it)",
                 torn);
    }
    return 0;
}

struct patient_ctx {
    const char *patient;
    audit_line_cb cb;
    void *ctx;
    long given;
    bool bad;
    struct audit_line line;
};

static int patient_line(const char *s, size_t len, void *vctx)
{
    struct patient_ctx *p = vctx;
    char why[120];
    if (audit_line_parse(s, len, &p->line, why, sizeof why) != 0) {
        p->bad = true;
        return 1;
    }
    if (strcmp(p->line.e.patient, p->patient) != 0) return 0;
    p->given++;
    return p->cb(&p->line, p->ctx);
}

long audit_read_patient_path(const char *path, const char *patient, audit_line_cb cb, void *ctx)
{
    if (!patient || !*patient) return -1;
    struct patient_ctx *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->patient = patient;
    p->cb = cb;
    p->ctx = ctx;
    /* A tail without a newline is a write in progress (or a crash): not an entry yet. */
    long rc = audit_scan(path, patient_line, p, NULL) != 0 || p->bad ? -1 : p->given;
    free(p);
    return rc;
}
