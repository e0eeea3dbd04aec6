/* The writing side: open (with torn-tail repair), record with group sync, anchor, close.
 *
 * Durability without a thread: an entry is chained and queued under the lock, then its caller
 * waits until a sync covers its seq. The first caller that finds no sync running takes the whole
 * queue, writes it with one write() and one fdatasync() outside the lock, and wakes the others.
 * While one sync runs, the next group gathers, so many concurrent requests share one sync. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/internal.h"
#include "util/buf.h"
#include "util/fhirtime.h"
#include "util/log.h"

#define QUEUE_LIMIT (64u << 20) /* bytes queued for one sync; far above any real burst */

struct audit_log {
    int fd;
    char *path;
    uint8_t key[AUDIT_KEY_MAX];
    size_t key_len;

    pthread_mutex_t mu;
    pthread_cond_t synced;
    uint64_t last_seq; /* chained so far (queued or durable) */
    char last_hash[AUDIT_HASH_HEX];
    struct buf queue; /* lines chained but not yet written */
    uint64_t queue_last_seq;
    bool syncing;
    bool failed;
    uint64_t durable_seq;
    char durable_hash[AUDIT_HASH_HEX];

    /* audit_submit's callbacks, in seq order, and the thread that syncs and calls them. */
    struct pending_done *dones;
    size_t n_dones, cap_dones;
    bool thread_started, closing;
    pthread_t thread;
};

struct pending_done {
    uint64_t seq;
    audit_done_cb done;
    void *ctx;
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Syncs the directory holding path, so a new log's name survives a crash with its first lines. */
static int sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof dir) return -1;
    if (slash && n == 0) n = 1; /* "/file" */
    memcpy(dir, slash ? path : ".", slash ? n : 1);
    dir[slash ? n : 1] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Reads the end of the file: the last whole line (parsed into l, or l->seq 0 when there is none)
 * and the count of bytes after it. */
static int read_tail(int fd, off_t size, struct audit_line *l, size_t *torn, char *err,
                     size_t err_len)
{
    l->seq = 0;
    *torn = 0;
    if (size == 0) return 0;
    size_t want = size < 2 * AUDIT_LINE_MAX ? (size_t)size : 2 * AUDIT_LINE_MAX;
    char *tail = malloc(want);
    if (!tail) return -1;
    off_t from = size - (off_t)want;
    ssize_t got = pread(fd, tail, want, from);
    if (got != (ssize_t)want) {
        snprintf(err, err_len, "cannot read the end of the log");
        free(tail);
        return -1;
    }
    size_t end = want; /* one past the last newline */
    while (end > 0 && tail[end - 1] != '\n') end--;
    *torn = want - end;
    if (end == 0) {
        free(tail);
        if (from == 0) return 0; /* nothing but a torn first line */
        snprintf(err, err_len, "the last %zu bytes hold no line end: not an audit log", want);
        return -1;
    }
    size_t start = end - 1;
    while (start > 0 && tail[start - 1] != '\n') start--;
    if (start == 0 && from != 0) {
        free(tail);
        snprintf(err, err_len, "the last line is longer than %d bytes", AUDIT_LINE_MAX);
        return -1;
    }
    char why[120];
    int rc = audit_line_parse(tail + start, end - 1 - start, l, why, sizeof why);
    free(tail);
    if (rc != 0) {
        snprintf(err, err_len, "the last whole line does not parse: %s", why);
        return -1;
    }
    return 0;
}

struct audit_log *audit_open(const char *path, const struct audit_options *opts, char *err,
                             size_t err_len)
{
    if (opts && opts->key && (opts->key_len < AUDIT_KEY_MIN || opts->key_len > AUDIT_KEY_MAX)) {
        snprintf(err, err_len, "the key must have %d to %d bytes", AUDIT_KEY_MIN, AUDIT_KEY_MAX);
        return NULL;
    }
    struct audit_log *log = calloc(1, sizeof *log);
    struct audit_line *last = malloc(sizeof *last);
    if (log) log->fd = -1;
    if (!log || !last || !(log->path = strdup(path))) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }
    log->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log->fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    /* One writer per file: a second process would fork the chain. */
    if (flock(log->fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, err_len, "%s is in use by another process", path);
        goto fail;
    }
    if (opts && opts->key) {
        memcpy(log->key, opts->key, opts->key_len);
        log->key_len = opts->key_len;
    }
    struct stat st;
    size_t torn = 0;
    if (fstat(log->fd, &st) != 0 || read_tail(log->fd, st.st_size, last, &torn, err, err_len))
        goto fail;
    if (st.st_size == 0 && sync_parent_dir(path) != 0) {
        snprintf(err, err_len, "cannot sync the directory of %s: %s", path, strerror(errno));
        goto fail;
    }
    memcpy(log->last_hash, AUDIT_GENESIS, AUDIT_HASH_HEX);
    if (last->seq) {
        char hash[AUDIT_HASH_HEX];
        audit_line_hash(last, log->key_len ? log->key : NULL, log->key_len, hash);
        if (strcmp(hash, last->hash) != 0) {
            snprintf(err, err_len,
                     "the hash of the last line (seq %" PRIu64 ") does not match: changed, or "
                     "not this key",
                     last->seq);
            goto fail;
        }
        log->last_seq = last->seq;
        memcpy(log->last_hash, hash, AUDIT_HASH_HEX);
    }
    log->durable_seq = log->last_seq;
    memcpy(log->durable_hash, log->last_hash, AUDIT_HASH_HEX);
    buf_init(&log->queue, QUEUE_LIMIT);
    pthread_mutex_init(&log->mu, NULL);
    pthread_cond_init(&log->synced, NULL);
    free(last);
    last = NULL;
    if (torn) {
        /* Never acknowledged (its sync had not returned), so cutting it loses no access; the
         * note keeps the cut visible in the chain. */
        if (ftruncate(log->fd, st.st_size - (off_t)torn) != 0 || fdatasync(log->fd) != 0) {
            snprintf(err, err_len, "cannot cut the torn tail: %s", strerror(errno));
            audit_close(log);
            return NULL;
        }
        char what[64];
        snprintf(what, sizeof what, "torn tail cut: %zu bytes", torn);
        struct audit_entry note = {.actor = "system",
                                   .action = "note",
                                   .what = what,
                                   .outcome = 200,
                                   .purpose = "recovery"};
        if (audit_record(log, &note) != AUDIT_OK) {
            snprintf(err, err_len, "cannot note the cut tail");
            audit_close(log);
            return NULL;
        }
        log_warn("audit: %s: cut a torn last line of %zu bytes (noted at seq %" PRIu64 ")", path,
                 torn, log->last_seq);
    }
    return log;
fail:
    if (log && log->fd >= 0) close(log->fd);
    if (log) free(log->path);
    free(log);
    free(last);
    return NULL;
}

/* Called with the lock held by the caller that found no sync running; returns with it held. */
static void sync_queue(struct audit_log *log)
{
    log->syncing = true;
    size_t len = 0;
    char *bytes = buf_steal(&log->queue, &len);
    uint64_t upto = log->queue_last_seq;
    char hash[AUDIT_HASH_HEX];
    memcpy(hash, log->last_hash, AUDIT_HASH_HEX); /* the hash of seq `upto` */
    pthread_mutex_unlock(&log->mu);
    int rc = len ? write_all(log->fd, bytes, len) : 0;
    if (rc == 0) rc = fdatasync(log->fd);
    int saved = errno;
    free(bytes);
    pthread_mutex_lock(&log->mu);
    if (rc != 0) {
        log->failed = true;
        log_bug("audit: %s: write or sync failed (%s); the log takes nothing more", log->path,
                strerror(saved));
    } else {
        log->durable_seq = upto;
        memcpy(log->durable_hash, hash, AUDIT_HASH_HEX);
    }
    log->syncing = false;
    pthread_cond_broadcast(&log->synced);
}

/* Chains e and queues its line; returns with the lock held and *seq set when AUDIT_OK, else
 * unlocked. */
static enum audit_err chain_locked(struct audit_log *log, const struct audit_entry *e,
                                   uint64_t *seq_out)
{
    struct audit_entry entry = *e;
    char now[FHIRTIME_INSTANT_LEN];
    if (!entry.time) {
        fhirtime_now(now);
        entry.time = now;
    }
    char line[AUDIT_LINE_MAX], hash[AUDIT_HASH_HEX];
    enum audit_err err;
    pthread_mutex_lock(&log->mu);
    if (log->failed) {
        pthread_mutex_unlock(&log->mu);
        return AUDIT_EFAILED;
    }
    uint64_t seq = log->last_seq + 1;
    /* Formatting and hashing under the lock: the hash needs the previous one (a few µs). */
    size_t n = audit_line_format(&entry, seq, log->last_hash, log->key_len ? log->key : NULL,
                                 log->key_len, line, hash, &err);
    if (!n) {
        pthread_mutex_unlock(&log->mu);
        return err;
    }
    /* Only a queue past QUEUE_LIMIT fails here; the buffer has then dropped what it held, so the
     * log cannot go on. */
    if (buf_append(&log->queue, line, n) != 0) {
        log->failed = true;
        pthread_cond_broadcast(&log->synced);
        pthread_mutex_unlock(&log->mu);
        log_bug("audit: %s: queue over %u bytes", log->path, QUEUE_LIMIT);
        return AUDIT_EFAILED;
    }
    log->last_seq = seq;
    log->queue_last_seq = seq;
    memcpy(log->last_hash, hash, AUDIT_HASH_HEX);
    *seq_out = seq;
    return AUDIT_OK;
}

enum audit_err audit_record(struct audit_log *log, const struct audit_entry *e)
{
    uint64_t seq;
    enum audit_err err = chain_locked(log, e, &seq);
    if (err != AUDIT_OK) return err;
    while (log->durable_seq < seq && !log->failed) {
        if (!log->syncing)
            sync_queue(log);
        else
            pthread_cond_wait(&log->synced, &log->mu);
    }
    err = log->durable_seq >= seq ? AUDIT_OK : AUDIT_EIO;
    pthread_mutex_unlock(&log->mu);
    return err;
}

/* The sync thread: syncs while callbacks wait, and calls those a sync covered (outside the lock).
 */
static void *sync_thread(void *arg)
{
    struct audit_log *log = arg;
    pthread_mutex_lock(&log->mu);
    for (;;) {
        size_t ready = 0;
        while (ready < log->n_dones && (log->dones[ready].seq <= log->durable_seq || log->failed))
            ready++;
        if (ready) {
            struct pending_done batch[64];
            if (ready > 64) ready = 64;
            memcpy(batch, log->dones, ready * sizeof batch[0]);
            memmove(log->dones, log->dones + ready, (log->n_dones - ready) * sizeof log->dones[0]);
            log->n_dones -= ready;
            uint64_t durable = log->durable_seq;
            pthread_mutex_unlock(&log->mu);
            for (size_t i = 0; i < ready; i++)
                batch[i].done(batch[i].ctx, batch[i].seq <= durable ? AUDIT_OK : AUDIT_EIO);
            pthread_mutex_lock(&log->mu);
            continue;
        }
        if (log->n_dones && !log->syncing) {
            sync_queue(log);
            continue;
        }
        if (log->closing && !log->n_dones) break;
        pthread_cond_wait(&log->synced, &log->mu);
    }
    pthread_mutex_unlock(&log->mu);
    return NULL;
}

enum audit_err audit_submit(struct audit_log *log, const struct audit_entry *e, audit_done_cb done,
                            void *ctx)
{
    uint64_t seq;
    enum audit_err err = chain_locked(log, e, &seq);
    if (err != AUDIT_OK) return err;
    if (!log->thread_started) {
        if (pthread_create(&log->thread, NULL, sync_thread, log) != 0) goto fail;
        log->thread_started = true;
    }
    if (log->n_dones == log->cap_dones) {
        size_t cap = log->cap_dones ? 2 * log->cap_dones : 256;
        struct pending_done *p = realloc(log->dones, cap * sizeof *p);
        if (!p) goto fail;
        log->dones = p;
        log->cap_dones = cap;
    }
    log->dones[log->n_dones++] = (struct pending_done){seq, done, ctx};
    pthread_cond_broadcast(&log->synced);
    pthread_mutex_unlock(&log->mu);
    return AUDIT_OK;
fail:
    /* The entry is chained and cannot be taken back: the log stops, like after a failed write. */
    log->failed = true;
    pthread_cond_broadcast(&log->synced);
    pthread_mutex_unlock(&log->mu);
    log_bug("audit: %s: cannot start the sync thread or queue a callback", log->path);
    return AUDIT_EFAILED;
}

uint64_t audit_anchor(struct audit_log *log, char hash[AUDIT_HASH_HEX])
{
    pthread_mutex_lock(&log->mu);
    uint64_t seq = log->durable_seq;
    memcpy(hash, log->durable_hash, AUDIT_HASH_HEX);
    pthread_mutex_unlock(&log->mu);
    return seq;
}

long audit_read_patient(struct audit_log *log, const char *patient, audit_line_cb cb, void *ctx)
{
    return audit_read_patient_path(log->path, patient, cb, ctx);
}

void audit_close(struct audit_log *log)
{
    if (!log) return;
    if (log->thread_started) {
        pthread_mutex_lock(&log->mu);
        log->closing = true;
        pthread_cond_broadcast(&log->synced);
        pthread_mutex_unlock(&log->mu);
        pthread_join(log->thread, NULL);
    }
    free(log->dones);
    /* audit_record callers have all returned (each waits for its own sync), and the thread has
     * synced for every callback, so nothing is left queued. */
    close(log->fd);
    pthread_mutex_destroy(&log->mu);
    pthread_cond_destroy(&log->synced);
    buf_free(&log->queue);
    free(log->path);
    explicit_bzero(log->key, sizeof log->key);
    free(log);
}
