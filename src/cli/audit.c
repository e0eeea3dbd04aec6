/* `regie audit verify|show|anchor|note`: check the access log's chain, show one patient's entries
 * (as lines or as FHIR AuditEvents), print the anchor for an external notary, add an operator's
 * note. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/auditevent.h"
#include "cli/cli.h"
#include "json/jsonx.h"
#include "util/fhirtime.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: regie audit verify --log PATH [--key FILE]\n"
        "       regie audit show --log PATH --patient ID [--fhir]\n"
        "       regie audit anchor --log PATH [--key FILE]\n"
        "       regie audit note --log PATH --actor NAME --what TEXT [--patient ID]\n"
        "                        [--purpose WHY] [--key FILE]\n\n"
        "The access log is append-only and hash-chained (see docs/audit.md).\n"
        "verify checks every line from seq 1 and names the first broken seq; show prints one\n"
        "patient's entries, or with --fhir a Bundle of FHIR AuditEvents; anchor verifies and\n"
        "prints the last seq and hash to hand to an external notary; note appends an\n"
        "operator's note (not while the server holds the log).\n\n"
        "options:\n"
        "  --log PATH      the log file\n"
        "  --key FILE      the HMAC key file (0600, 32 to 1024 bytes) the log was written with\n"
        "  --patient ID    a Patient id\n"
        "  --fhir          show: AuditEvents in a Bundle instead of log lines\n"
        "  --help          this text\n\n"
        "exit status: 0 ok, 1 broken or failed, 2 usage error\n");
}

struct options {
    const char *action, *log, *key, *patient, *actor, *what, *purpose;
    bool fhir;
};

/* Returns 0 when parsed, 2 on a usage error, -1 after --help. */
static int parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--fhir")) {
            o->fhir = true;
            continue;
        } else if (!strcmp(a, "--log")) {
            value = &o->log;
        } else if (!strcmp(a, "--key")) {
            value = &o->key;
        } else if (!strcmp(a, "--patient")) {
            value = &o->patient;
        } else if (!strcmp(a, "--actor")) {
            value = &o->actor;
        } else if (!strcmp(a, "--what")) {
            value = &o->what;
        } else if (!strcmp(a, "--purpose")) {
            value = &o->purpose;
        } else if (a[0] == '-' || o->action) {
            fprintf(stderr, "regie audit: unknown option or extra argument '%s'; see --help\n", a);
            return 2;
        } else {
            o->action = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "regie audit: %s needs a value\n", a);
            return 2;
        }
        *value = argv[++i];
    }
    if (!o->action) {
        fprintf(stderr, "regie audit: verify, show, anchor or note; see --help\n");
        return 2;
    }
    if (strcmp(o->action, "verify") && strcmp(o->action, "show") && strcmp(o->action, "anchor") &&
        strcmp(o->action, "note")) {
        fprintf(stderr, "regie audit: unknown action '%s'; see --help\n", o->action);
        return 2;
    }
    if (!o->log) {
        fprintf(stderr, "regie audit: --log PATH is required\n");
        return 2;
    }
    if (!strcmp(o->action, "show") && !o->patient) {
        fprintf(stderr, "regie audit show: --patient ID is required\n");
        return 2;
    }
    if (!strcmp(o->action, "note") && (!o->actor || !o->what)) {
        fprintf(stderr, "regie audit note: --actor NAME and --what TEXT are required\n");
        return 2;
    }
    return 0;
}

static int run_verify(const struct options *o, const uint8_t *key, size_t key_len, bool anchor)
{
    struct audit_report r;
    if (audit_verify(o->log, key, key_len, &r) != 0) {
        fprintf(stderr, "regie audit: %s\n", r.why);
        return 1;
    }
    if (!r.ok) {
        printf("broken at seq %" PRIu64 ": %s\n", r.broken_seq, r.why);
        return 1;
    }
    if (anchor) {
        char now[FHIRTIME_INSTANT_LEN];
        fhirtime_now(now);
        printf("regie-audit-anchor seq=%" PRIu64 " hash=%s at=%s\n", r.entries, r.last_hash, now);
    } else {
        printf("ok %" PRIu64 " entries, last hash %s\n", r.entries, r.last_hash);
    }
    return 0;
}

struct show_ctx {
    json_object *entries; /* NULL: print lines */
};

static int show_line(const struct audit_line *l, void *vctx)
{
    struct show_ctx *s = vctx;
    if (!s->entries) {
        printf("%s\n", l->text);
        return 0;
    }
    json_object *ev = audit_event_from_line(l, "regie");
    if (!ev) return 1;
    json_object *entry = json_object_new_object();
    json_object_object_add(entry, "resource", ev);
    json_object_array_add(s->entries, entry);
    return 0;
}

static int run_show(const struct options *o)
{
    struct show_ctx s = {o->fhir ? json_object_new_array() : NULL};
    long n = audit_read_patient_path(o->log, o->patient, show_line, &s);
    if (n < 0) {
        fprintf(stderr,
                "regie audit show: cannot read %s, or it holds a line that does not parse "
                "(run verify)\n",
                o->log);
        json_object_put(s.entries);
        return 1;
    }
    if (s.entries) {
        json_object *bundle = json_object_new_object();
        json_object_object_add(bundle, "resourceType", json_object_new_string("Bundle"));
        json_object_object_add(bundle, "type", json_object_new_string("collection"));
        json_object_object_add(bundle, "entry", s.entries);
        printf("%s\n", jsonx_text(bundle, true, NULL));
        json_object_put(bundle);
    }
    return 0;
}

static int run_note(const struct options *o, const uint8_t *key, size_t key_len)
{
    char err[256];
    struct audit_options opts = {.key = key_len ? key : NULL, .key_len = key_len};
    struct audit_log *log = audit_open(o->log, &opts, err, sizeof err);
    if (!log) {
        fprintf(stderr, "regie audit note: %s\n", err);
        return 1;
    }
    struct audit_entry e = {.actor = o->actor,
                            .patient = o->patient,
                            .action = "note",
                            .what = o->what,
                            .outcome = 200,
                            .purpose = o->purpose ? o->purpose : "operator"};
    enum audit_err rc = audit_record(log, &e);
    char hash[AUDIT_HASH_HEX];
    uint64_t seq = audit_anchor(log, hash);
    audit_close(log);
    if (rc != AUDIT_OK) {
        fprintf(stderr, "regie audit note: %s\n",
                rc == AUDIT_ESENSITIVE ? "refused: a value looks like a BSN (nine digits)"
                : rc == AUDIT_EINVAL   ? "refused: a value is empty, too long or not allowed"
                                       : "the log could not be written");
        return 1;
    }
    printf("noted seq %" PRIu64 "\n", seq);
    return 0;
}

int cli_audit(int argc, char **argv)
{
    struct options o;
    int rc = parse(argc, argv, &o);
    if (rc == -1) return 0;
    if (rc) return rc;
    uint8_t key[AUDIT_KEY_MAX];
    long key_len = 0;
    if (o.key) {
        char err[256];
        key_len = audit_key_load(o.key, key, err, sizeof err);
        if (key_len < 0) {
            fprintf(stderr, "regie audit: %s\n", err);
            return 1;
        }
    }
    if (!strcmp(o.action, "verify"))
        rc = run_verify(&o, key, (size_t)key_len, false);
    else if (!strcmp(o.action, "anchor"))
        rc = run_verify(&o, key, (size_t)key_len, true);
    else if (!strcmp(o.action, "show"))
        rc = run_show(&o);
    else
        rc = run_note(&o, key, (size_t)key_len);
    explicit_bzero(key, sizeof key);
    return rc;
}
