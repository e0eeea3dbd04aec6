/* The access log: append and verify; one changed byte, a removed line, two swapped lines, a torn
 * tail and a wrong key are each caught at the right seq; reopening continues the chain (and cuts a
 * torn tail with a note); eight threads lose nothing; BSN-like values and bad fields are refused
 * and never reach the file. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"

static char dir[] = "/tmp/regie-audit-test-XXXXXX";
static char path[256];
static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";

static struct audit_entry sample(const char *patient, const char *what)
{
    return (struct audit_entry){.actor = "user-7",
                                .client = "pgo.example.nl",
                                .token = "sha256:00112233445566778899aabbccddeeff",
                                .patient = patient,
                                .action = "read",
                                .what = what,
                                .outcome = 200,
                                .purpose = "patient-access",
                                .request = "0b6f8f5e-54a4-4a7c-9c8e-1a2b3c4d5e6f"};
}

/* Writes n entries to a new log at path (with the key or not). */
static void make_log(int n, bool keyed)
{
    unlink(path);
    char err[256];
    struct audit_options o = {.key = keyed ? key : NULL, .key_len = keyed ? sizeof key : 0};
    struct audit_log *log = audit_open(path, &o, err, sizeof err);
    assert_non_null(log);
    for (int i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "Observation/obs-%d", i + 1);
        struct audit_entry e = sample(i % 2 ? "pat-b" : "pat-a", what);
        assert_int_equal(audit_record(log, &e), AUDIT_OK);
    }
    audit_close(log);
}

static char *slurp(size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    data[*len] = 0;
    return data;
}

static void spill(const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Offset of the start of line n (1-based). */
static size_t line_start(const char *data, int n)
{
    size_t off = 0;
    for (int i = 1; i < n; i++) off = (size_t)(strchr(data + off, '\n') - data) + 1;
    return off;
}

static void expect_broken(uint64_t seq, const char *why_part, bool keyed)
{
    struct audit_report r;
    assert_int_equal(audit_verify(path, keyed ? key : NULL, keyed ? sizeof key : 0, &r), 0);
    assert_false(r.ok);
    assert_int_equal(r.broken_seq, seq);
    if (!strstr(r.why, why_part)) fail_msg("why '%s' lacks '%s'", r.why, why_part);
}

static void test_append_verify(void **state)
{
    (void)state;
    make_log(10, false);
    struct audit_report r;
    assert_int_equal(audit_verify(path, NULL, 0, &r), 0);
    assert_true(r.ok);
    assert_int_equal(r.entries, 10);
    assert_int_equal(strlen(r.last_hash), 64);
    /* An empty log verifies with no entries; a missing one cannot be read. */
    unlink(path);
    spill("", 0);
    assert_int_equal(audit_verify(path, NULL, 0, &r), 0);
    assert_true(r.ok);
    assert_int_equal(r.entries, 0);
    unlink(path);
    assert_int_equal(audit_verify(path, NULL, 0, &r), -1);
}

static void test_tamper_byte(void **state)
{
    (void)state;
    make_log(6, false);
    size_t len;
    char *data = slurp(&len);
    /* user-7 -> user-8 in line 4: the hash no longer matches there. */
    char *actor = strstr(data + line_start(data, 4), "user-7");
    actor[5] = '8';
    spill(data, len);
    expect_broken(4, "hash does not match", false);
    /* A change that breaks the form is caught by the parser at that seq. */
    data[line_start(data, 4) + 5] = ' ';
    spill(data, len);
    expect_broken(4, "does not parse", false);
    free(data);
}

static void test_delete_line(void **state)
{
    (void)state;
    make_log(6, false);
    size_t len;
    char *data = slurp(&len);
    size_t a = line_start(data, 3), b = line_start(data, 4);
    memmove(data + a, data + b, len - b);
    spill(data, len - (b - a));
    expect_broken(3, "removed, added or moved", false);
    /* The last line removed: the chain is whole but shorter; the anchor tells. */
    make_log(6, false);
    data = (free(data), slurp(&len));
    spill(data, line_start(data, 6));
    struct audit_report r;
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
    free(data);
}

static void test_reorder(void **state)
{
    (void)state;
    make_log(6, false);
    size_t len;
    char *data = slurp(&len);
    size_t a = line_start(data, 2), b = line_start(data, 3), c = line_start(data, 4);
    char *swapped = malloc(len + 1);
    memcpy(swapped, data, a);
    memcpy(swapped + a, data + b, c - b);
    memcpy(swapped + a + (c - b), data + a, b - a);
    memcpy(swapped + c, data + c, len - c);
    spill(swapped, len);
    expect_broken(2, "removed, added or moved", false);
    /* Renumbered to hide the swap: now prev gives it away. */
    memcpy(swapped + a, "{\"seq\":2,", 9);
    memcpy(swapped + a + (c - b), "{\"seq\":3,", 9);
    spill(swapped, len);
    expect_broken(2, "prev is not the hash of seq 1", false);
    free(swapped);
    free(data);
}

static void test_torn_tail_and_reopen(void **state)
{
    (void)state;
    make_log(3, false);
    size_t len;
    char *data = slurp(&len);
    /* A crash in the middle of line 3's write. */
    spill(data, line_start(data, 3) + 40);
    expect_broken(3, "torn tail", false);
    char err[256];
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    char hash[AUDIT_HASH_HEX];
    assert_int_equal(audit_anchor(log, hash), 3); /* seq 3 is the note of the cut */
    struct audit_entry e = sample("pat-a", "Observation/after");
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    assert_int_equal(audit_anchor(log, hash), 4);
    audit_close(log);
    struct audit_report r;
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, 4);
    assert_string_equal(r.last_hash, hash);
    free(data);
    data = slurp(&len);
    assert_non_null(strstr(data, "\"action\":\"note\",\"what\":\"torn tail cut: 40 bytes\""));
    free(data);
    /* Reopening a whole log continues at the next seq with the right prev. */
    log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    assert_int_equal(audit_anchor(log, hash), 5);
    audit_close(log);
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
    /* A log whose last line was changed is not opened. */
    data = slurp(&len);
    char *p = strstr(data + line_start(data, 5), "pat-a");
    p[4] = 'b';
    spill(data, len);
    assert_null(audit_open(path, NULL, err, sizeof err));
    assert_non_null(strstr(err, "does not match"));
    free(data);
}

static void test_hmac_key(void **state)
{
    (void)state;
    make_log(4, true);
    struct audit_report r;
    assert_int_equal(audit_verify(path, key, sizeof key, &r), 0);
    assert_true(r.ok);
    assert_int_equal(r.entries, 4);
    uint8_t wrong[32];
    memcpy(wrong, key, sizeof wrong);
    wrong[0] ^= 1;
    assert_int_equal(audit_verify(path, wrong, sizeof wrong, &r), 0);
    assert_false(r.ok);
    assert_int_equal(r.broken_seq, 1);
    assert_int_equal(audit_verify(path, NULL, 0, &r), 0);
    assert_false(r.ok);
    assert_int_equal(r.broken_seq, 1);
    /* Opening with the wrong key or none is refused: the chain would fork. */
    char err[256];
    struct audit_options o = {.key = wrong, .key_len = sizeof wrong};
    assert_null(audit_open(path, &o, err, sizeof err));
    assert_null(audit_open(path, NULL, err, sizeof err));
    /* A short key is refused. */
    o.key_len = 16;
    assert_null(audit_open(path, &o, err, sizeof err));
}

static void test_key_file(void **state)
{
    (void)state;
    char kp[300];
    snprintf(kp, sizeof kp, "%s/key", dir);
    int fd = open(kp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key, sizeof key), (ssize_t)sizeof key);
    close(fd);
    uint8_t got[AUDIT_KEY_MAX];
    char err[256];
    assert_int_equal(audit_key_load(kp, got, err, sizeof err), 32);
    assert_memory_equal(got, key, 32);
    chmod(kp, 0644);
    assert_int_equal(audit_key_load(kp, got, err, sizeof err), -1);
    chmod(kp, 0600);
    fd = open(kp, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, key, 10), 10);
    close(fd);
    assert_int_equal(audit_key_load(kp, got, err, sizeof err), -1);
    unlink(kp);
}

#define THREADS    8
#define PER_THREAD 150

struct worker {
    struct audit_log *log;
    int id, failed;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char what[64];
        snprintf(what, sizeof what, "Observation/t%d-%d", w->id, i);
        struct audit_entry e = sample("pat-a", what);
        if (audit_record(w->log, &e) != AUDIT_OK) w->failed++;
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    unlink(path);
    char err[256];
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    pthread_t t[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){log, i, 0};
        pthread_create(&t[i], NULL, worker_run, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failed, 0);
    }
    audit_close(log);
    struct audit_report r;
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, THREADS * PER_THREAD);
    /* Every entry is there once. */
    size_t len;
    char *data = slurp(&len);
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < PER_THREAD; k += 37) {
            char what[80];
            snprintf(what, sizeof what, "\"Observation/t%d-%d\"", i, k);
            char *first = strstr(data, what);
            assert_non_null(first);
            assert_null(strstr(first + 1, what));
        }
    free(data);
}

/* audit_submit: callbacks come once each, after the entry is durable; mixed with audit_record. */
struct counter {
    pthread_mutex_t mu;
    int ok, bad;
};

static void count_done(void *ctx, enum audit_err err)
{
    struct counter *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (err == AUDIT_OK)
        c->ok++;
    else
        c->bad++;
    pthread_mutex_unlock(&c->mu);
}

static struct counter counted = {PTHREAD_MUTEX_INITIALIZER, 0, 0};

static void *submitter_run(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char what[64];
        snprintf(what, sizeof what, "Observation/s%d-%d", w->id, i);
        struct audit_entry e = sample("pat-a", what);
        /* Every third through the waiting call, so both paths share the chain. */
        enum audit_err rc =
            i % 3 ? audit_submit(w->log, &e, count_done, &counted) : audit_record(w->log, &e);
        if (rc != AUDIT_OK) w->failed++;
    }
    return NULL;
}

static void test_submit(void **state)
{
    (void)state;
    unlink(path);
    char err[256];
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){log, i, 0};
        pthread_create(&t[i], NULL, submitter_run, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failed, 0);
    }
    /* A refused entry is refused at once and gets no callback. */
    struct audit_entry bad = sample("pat-a", "Patient/123456782");
    assert_int_equal(audit_submit(log, &bad, count_done, &counted), AUDIT_ESENSITIVE);
    audit_close(log); /* waits for every callback */
    int submitted = 4 * (PER_THREAD - (PER_THREAD + 2) / 3);
    assert_int_equal(counted.ok, submitted);
    assert_int_equal(counted.bad, 0);
    struct audit_report r;
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, 4 * PER_THREAD);
}

static void test_refusals(void **state)
{
    (void)state;
    unlink(path);
    char err[256];
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    struct audit_entry e = sample("pat-a", "Patient/123456782");
    assert_int_equal(audit_record(log, &e), AUDIT_ESENSITIVE);
    e = sample("pat-a", "Observation?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999990019");
    assert_int_not_equal(audit_record(log, &e), AUDIT_OK);
    /* Parameter names only: any value is refused, BSN or not. */
    e = sample("pat-a", "Observation?code=1234-5");
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e = sample("pat-a", "Observation?identifier,code");
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    e = sample("pat-a", "Patient/x");
    e.actor = "bsn 111222333";
    assert_int_equal(audit_record(log, &e), AUDIT_ESENSITIVE);
    e = sample("123456782", "Patient/x"); /* a valid FHIR id, but a BSN */
    assert_int_equal(audit_record(log, &e), AUDIT_ESENSITIVE);
    /* Not a whole nine-digit token: taken (UUIDs and longer numbers are not BSNs). */
    e = sample("pat-a", "Observation/1234567890");
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    e = sample("pat-a", "Observation/a1234567b");
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    /* Bad fields. */
    e = sample("pat a", "Patient/x");
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e = sample("pat-a", "Patient/\"x\"");
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e = sample("pat-a", "Patient/x\n{}");
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e = sample("pat-a", "Patient/\xc3\x28");
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e = sample("pat-a", "Patient/x");
    e.action = "peek";
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e.action = "read";
    e.outcome = 99;
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e.outcome = 200;
    e.actor = NULL;
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e.actor = "x";
    e.time = "2026-12-01";
    assert_int_equal(audit_record(log, &e), AUDIT_EINVAL);
    e.time = "2026-12-01T10:00:00Z";
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    /* A token reference is a hash, not the token. */
    char ref[AUDIT_TOKEN_REF_LEN];
    audit_token_ref("secret-bearer-token", 19, ref);
    assert_int_equal(strlen(ref), AUDIT_TOKEN_REF_LEN - 1);
    assert_int_equal(strncmp(ref, "sha256:", 7), 0);
    e.token = ref;
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    audit_close(log);
    size_t len;
    char *data = slurp(&len);
    assert_null(strstr(data, "123456782"));
    assert_null(strstr(data, "999990019"));
    assert_null(strstr(data, "111222333"));
    assert_null(strstr(data, "secret-bearer-token"));
    assert_non_null(strstr(data, ref));
    free(data);
    struct audit_report r;
    audit_verify(path, NULL, 0, &r);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
}

struct collect {
    int n;
    char whats[8][64];
};

static int collect_line(const struct audit_line *l, void *ctx)
{
    struct collect *c = ctx;
    if (c->n < 8) snprintf(c->whats[c->n], sizeof c->whats[0], "%s", l->e.what);
    c->n++;
    return 0;
}

static void test_read_patient(void **state)
{
    (void)state;
    make_log(7, false);
    struct collect c = {0};
    assert_int_equal(audit_read_patient_path(path, "pat-b", collect_line, &c), 3);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.whats[0], "Observation/obs-2");
    assert_string_equal(c.whats[2], "Observation/obs-6");
    memset(&c, 0, sizeof c);
    assert_int_equal(audit_read_patient_path(path, "pat-c", collect_line, &c), 0);
    /* Through an open log, which writes while it is read. */
    char err[256];
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    struct audit_entry e = sample("pat-b", "Observation/new");
    assert_int_equal(audit_record(log, &e), AUDIT_OK);
    memset(&c, 0, sizeof c);
    assert_int_equal(audit_read_patient(log, "pat-b", collect_line, &c), 4);
    assert_string_equal(c.whats[3], "Observation/new");
    audit_close(log);
    /* One open writer per file. */
    log = audit_open(path, NULL, err, sizeof err);
    assert_non_null(log);
    assert_null(audit_open(path, NULL, err, sizeof err));
    assert_non_null(strstr(err, "in use"));
    audit_close(log);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/audit.log", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_verify),
        cmocka_unit_test(test_tamper_byte),
        cmocka_unit_test(test_delete_line),
        cmocka_unit_test(test_reorder),
        cmocka_unit_test(test_torn_tail_and_reopen),
        cmocka_unit_test(test_hmac_key),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_submit),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_read_patient),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
