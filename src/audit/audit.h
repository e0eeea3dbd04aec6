/* The access log: every access to patient data, append-only and hash-chained. One JSON object per
 * line; each line carries its seq, the previous line's hash and its own hash
 * = SHA-256(prev hash || body), or HMAC-SHA-256 with a key, so a changed, removed, inserted or
 * reordered line breaks the chain at that seq. See docs/audit.md. */
#ifndef REGIE_AUDIT_AUDIT_H
#define REGIE_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_BYTES 32
#define AUDIT_HASH_HEX   (2 * AUDIT_HASH_BYTES + 1)
#define AUDIT_KEY_MIN    32   /* bytes of an HMAC key */
#define AUDIT_KEY_MAX    1024 /* bytes of an HMAC key */
#define AUDIT_LINE_MAX   4096 /* bytes of one line, newline included */

/* One access. Every field is text without control characters, '"' or '\' (so a line needs no
 * escaping and has exactly one form); NULL means empty. No field may hold a BSN: a token of exactly
 * nine digits (between non-alphanumerics) is refused anywhere. */
struct audit_entry {
    const char *time;    /* FHIR instant; NULL: now */
    const char *actor;   /* user or professional id, or "system" (1..128 bytes, required) */
    const char *client;  /* OAuth client_id or PGO/DVA host name (<= 255) */
    const char *token;   /* an id or hash of the token (audit_token_ref), never the token (<= 80) */
    const char *patient; /* the Patient id whose data is touched, a FHIR id, or empty */
    const char *action;  /* one of audit_action_valid's words */
    const char *what;    /* "Type/id", "Type?name,name" (parameter NAMES only: no '=') (<= 512) */
    int outcome;         /* HTTP status 100..599 */
    const char *purpose; /* why: "treatment", "patient-access", "medmij-collect", ... (<= 64) */
    const char *request; /* MedMij-Request-ID / X-Correlation-ID (<= 128) */
};

/* A line read back: the entry (its strings point into text), seq and both hashes. */
struct audit_line {
    uint64_t seq;
    struct audit_entry e;
    char prev[AUDIT_HASH_HEX];
    char hash[AUDIT_HASH_HEX];
    size_t body_len;             /* text[0..body_len) is what the hash covers (after prev) */
    char text[AUDIT_LINE_MAX];   /* the line as written, NUL-terminated */
    char fields[AUDIT_LINE_MAX]; /* a copy cut apart: the entry's strings point here */
};

enum audit_err {
    AUDIT_OK = 0,
    AUDIT_EINVAL,     /* a field is missing, too long, has a forbidden byte or is not its kind */
    AUDIT_ESENSITIVE, /* a field looks like it holds a BSN */
    AUDIT_EIO,        /* the file could not be written or synced; the log is now failed */
    AUDIT_EFAILED,    /* an earlier write failed; the log takes nothing more */
};

struct audit_log;

struct audit_options {
    const uint8_t *key; /* HMAC key (AUDIT_KEY_MIN..MAX bytes) or NULL for plain SHA-256 */
    size_t key_len;
};

/* Opens (creating, mode 0600) the log at path for appending. A torn last line (a crash between
 * write and sync) is cut off and a "note" entry says how many bytes went; the chain continues from
 * the last whole line, whose hash is checked (with the key) before anything is appended. Returns
 * NULL with a reason in err (err_len bytes) when the file cannot be used. opts may be NULL. */
struct audit_log *audit_open(const char *path, const struct audit_options *opts, char *err,
                             size_t err_len);

/* Appends e and returns once it is on disk (fdatasync). Concurrent callers share one sync: the
 * first to find no sync running writes and syncs everything queued. Cheap to call once per
 * request. After AUDIT_EIO the log refuses everything (AUDIT_EFAILED): reopen it. */
enum audit_err audit_record(struct audit_log *log, const struct audit_entry *e);

/* Called once per audit_submit, from the log's sync thread, when the entry is on disk (AUDIT_OK)
 * or can no longer get there (AUDIT_EIO). Must not call back into the log. */
typedef void (*audit_done_cb)(void *ctx, enum audit_err err);

/* Like audit_record, but returns as soon as the entry is chained (AUDIT_OK) or refused (the
 * audit_record errors; done is then not called). done(ctx, ...) follows from a sync thread the log
 * starts on first use. For a server: suspend the connection, answer in done, so a worker thread
 * never waits on the disk and one sync covers every connection that is waiting, not just one per
 * worker thread. */
enum audit_err audit_submit(struct audit_log *log, const struct audit_entry *e, audit_done_cb done,
                            void *ctx);

/* The last durable seq and hash: the anchor to hand to an external notary. */
uint64_t audit_anchor(struct audit_log *log, char hash[AUDIT_HASH_HEX]);

/* Waits for every submitted entry's done, stops the sync thread, closes the file. No call may be
 * running or follow. */
void audit_close(struct audit_log *log);

/* What verification found. ok: every line parses and chains; otherwise broken_seq is the first
 * seq that fails (the seq the line should have had) and why says how. */
struct audit_report {
    bool ok;
    uint64_t entries;
    uint64_t broken_seq;
    char last_hash[AUDIT_HASH_HEX];
    char why[160];
};

/* Checks the whole file at path with the key (or none). Returns 0 when the file was read (the
 * report says ok or not), -1 when it could not be opened (why says so). */
int audit_verify(const char *path, const uint8_t *key, size_t key_len, struct audit_report *r);

/* Calls cb for every whole line about patient, in order; cb returns non-zero to stop. The lines
 * are parsed, not verified (run audit_verify for that). Returns the number of entries given, or -1
 * when the file could not be read or holds a line that does not parse. */
typedef int (*audit_line_cb)(const struct audit_line *l, void *ctx);
long audit_read_patient_path(const char *path, const char *patient, audit_line_cb cb, void *ctx);
long audit_read_patient(struct audit_log *log, const char *patient, audit_line_cb cb, void *ctx);

/* Reads an HMAC key file: AUDIT_KEY_MIN..MAX bytes, not readable by group or others. Returns the
 * key length, or -1 with a reason in err. */
long audit_key_load(const char *path, uint8_t key[AUDIT_KEY_MAX], char *err, size_t err_len);

/* The reference to put in audit_entry.token: "sha256:" and the first 16 bytes of SHA-256(token) in
 * hex, so two records of one token can be matched without the log holding it. */
#define AUDIT_TOKEN_REF_LEN (7 + 32 + 1)
void audit_token_ref(const char *token, size_t len, char out[AUDIT_TOKEN_REF_LEN]);

/* True for the action words the log takes: read vread search history create update delete
 * transaction batch operation export import login logout consent note. */
bool audit_action_valid(const char *action);

/* Parses one line (without its newline) strictly: exactly the form audit_record writes. Returns 0
 * or -1 with a reason in why. Does not check the hash (see audit_line_hash). */
int audit_line_parse(const char *s, size_t len, struct audit_line *out, char *why, size_t why_len);

/* Writes the line for e at seq after prev (hex) into out (AUDIT_LINE_MAX, newline included) and
 * its hash into hash; returns the length, or 0 with *err set when e is refused. */
size_t audit_line_format(const struct audit_entry *e, uint64_t seq, const char *prev,
                         const uint8_t *key, size_t key_len, char *out, char hash[AUDIT_HASH_HEX],
                         enum audit_err *err);

/* The hash of a parsed line's body given its prev, as hex. */
void audit_line_hash(const struct audit_line *l, const uint8_t *key, size_t key_len,
                     char hash[AUDIT_HASH_HEX]);

#endif
