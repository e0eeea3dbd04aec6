/* The holder of the current lists. A list is immutable once parsed; the holder keeps one reference
 * to each current list and every reader takes another for as long as it looks, so a swap only
 * exchanges a pointer under the lock and the old version is freed by whoever lets go last. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medmij/internal.h"
#include "util/log.h"

#define DEFAULT_REFRESH_S 3600u
#define DEFAULT_RETRY_S   300u

struct medmij_lists {
    pthread_rwlock_t lock; /* guards current[] */
    struct medmij_list_owned *current[MEDMIJ_LIST_KINDS];
    pthread_mutex_t offer_lock; /* one offer at a time: compare and swap as one step */
    pthread_mutex_t refresh_lock;
    time_t due[MEDMIJ_LIST_KINDS]; /* under refresh_lock */
    char *source[MEDMIJ_LIST_KINDS];
    char *xsd_dir;
    char *ca_file;
    char *cache_dir;
    bool allow_unknown_elements;
    bool allow_ports;
    size_t max_bytes;
    unsigned refresh_s, retry_s;
    long fetch_timeout_s;
};

const char *medmij_offer_rc_text(enum medmij_offer_rc rc)
{
    switch (rc) {
    case MEDMIJ_OFFER_SWAPPED:
        return "swapped in";
    case MEDMIJ_OFFER_UNCHANGED:
        return "unchanged";
    case MEDMIJ_OFFER_INVALID:
        return "invalid";
    case MEDMIJ_OFFER_OLDER:
        return "older than the list held";
    case MEDMIJ_OFFER_CONFLICT:
        return "same Volgnummer as the list held, other content";
    case MEDMIJ_OFFER_WRONG_KIND:
        return "another kind of list";
    case MEDMIJ_OFFER_FETCH_FAILED:
        return "fetch failed";
    }
    return "?";
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = true;
    return d;
}

static enum medmij_offer_rc offer(struct medmij_lists *h, enum medmij_list_kind kind,
                                  const char *data, size_t len, bool from_cache, char *err,
                                  size_t err_len);

/* Keeps a list just taken in as cache_dir/<file>: written to a temporary name, synced, renamed,
 * so the cache holds either the old or the new list whole. A failure is logged, not fatal. */
static void save_cache(struct medmij_lists *h, enum medmij_list_kind kind, const char *data,
                       size_t len)
{
    if (!h->cache_dir) return;
    char tmp[4096], final[4096];
    snprintf(final, sizeof final, "%s/%s", h->cache_dir, medmij_list_file_name(kind));
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", h->cache_dir, medmij_list_file_name(kind));
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, final) == 0) return;
    log_warn("medmij lists: cannot keep %s in the cache %s: %s", medmij_list_short_name(kind),
             h->cache_dir, strerror(errno));
    unlink(tmp);
}

/* Starts from the lists in cache_dir; one that is missing or no longer accepted is skipped. */
static void load_cache(struct medmij_lists *h)
{
    if (!h->cache_dir) return;
    struct buf data;
    buf_init(&data, h->max_bytes);
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/%s", h->cache_dir, medmij_list_file_name(k));
        if (access(path, F_OK) != 0) continue;
        enum medmij_offer_rc rc = MEDMIJ_OFFER_FETCH_FAILED;
        if (medmij_fetch(path, h->max_bytes, 0, NULL, &data, err, sizeof err) == 0)
            rc = offer(h, k, data.data ? data.data : "", data.len, true, err, sizeof err);
        if (rc == MEDMIJ_OFFER_SWAPPED)
            log_info("medmij lists: %s from the cache %s", medmij_list_short_name(k), path);
        else
            log_warn("medmij lists: cached %s not used (%s): %s", path, medmij_offer_rc_text(rc),
                     err);
    }
    buf_free(&data);
}

struct medmij_lists *medmij_lists_new(const struct medmij_lists_config *cfg)
{
    if (!cfg) return NULL;
    struct medmij_lists *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    bool oom = false;
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) h->source[k] = dup_or_null(cfg->source[k], &oom);
    h->xsd_dir = dup_or_null(cfg->xsd_dir, &oom);
    h->ca_file = dup_or_null(cfg->ca_file, &oom);
    h->cache_dir = dup_or_null(cfg->cache_dir, &oom);
    h->allow_unknown_elements = cfg->allow_unknown_elements;
    h->allow_ports = cfg->allow_ports;
    h->max_bytes = cfg->max_bytes ? cfg->max_bytes : MEDMIJ_LIST_MAX_BYTES_DEFAULT;
    h->refresh_s = cfg->refresh_seconds ? cfg->refresh_seconds : DEFAULT_REFRESH_S;
    h->retry_s = cfg->retry_seconds ? cfg->retry_seconds : DEFAULT_RETRY_S;
    h->fetch_timeout_s = cfg->fetch_timeout_s > 0 ? cfg->fetch_timeout_s : 30;
    pthread_rwlock_init(&h->lock, NULL);
    pthread_mutex_init(&h->offer_lock, NULL);
    pthread_mutex_init(&h->refresh_lock, NULL);
    if (oom) {
        medmij_lists_free(h);
        return NULL;
    }
    if (!h->xsd_dir)
        log_info("medmij lists: no XSD directory configured; regie's own list checks apply");
    load_cache(h);
    return h;
}

static void unref(struct medmij_list_owned *l)
{
    if (l && atomic_fetch_sub(&l->refs, 1) == 1) medmij_list_free(&l->pub);
}

void medmij_lists_free(struct medmij_lists *h)
{
    if (!h) return;
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        unref(h->current[k]);
        free(h->source[k]);
    }
    free(h->xsd_dir);
    free(h->ca_file);
    free(h->cache_dir);
    pthread_rwlock_destroy(&h->lock);
    pthread_mutex_destroy(&h->offer_lock);
    pthread_mutex_destroy(&h->refresh_lock);
    free(h);
}

const struct medmij_list *medmij_lists_acquire(struct medmij_lists *h, enum medmij_list_kind kind)
{
    if (!h || kind >= MEDMIJ_LIST_KINDS) return NULL;
    pthread_rwlock_rdlock(&h->lock);
    struct medmij_list_owned *l = h->current[kind];
    if (l) atomic_fetch_add(&l->refs, 1);
    pthread_rwlock_unlock(&h->lock);
    return l ? &l->pub : NULL;
}

void medmij_lists_release(struct medmij_lists *h, const struct medmij_list *list)
{
    (void)h;
    unref((struct medmij_list_owned *)list);
}

/* Decides whether `fresh` replaces the list held. The Volgnummer rises by one per publication:
 * lower is refused; equal is the same publication fetched again (unchanged) unless the bytes
 * differ, which is a publisher's error and keeps the held one; higher (also by more than one,
 * after missed publications) is swapped in. */
static enum medmij_offer_rc compare(const struct medmij_list *held, const struct medmij_list *fresh)
{
    if (!held || fresh->volgnummer > held->volgnummer) return MEDMIJ_OFFER_SWAPPED;
    if (fresh->volgnummer < held->volgnummer) return MEDMIJ_OFFER_OLDER;
    return memcmp(held->sha256, fresh->sha256, sizeof held->sha256) ? MEDMIJ_OFFER_CONFLICT
                                                                    : MEDMIJ_OFFER_UNCHANGED;
}

static enum medmij_offer_rc offer(struct medmij_lists *h, enum medmij_list_kind kind,
                                  const char *data, size_t len, bool from_cache, char *err,
                                  size_t err_len)
{
    if (err && err_len) err[0] = '\0';
    if (!h || kind >= MEDMIJ_LIST_KINDS) {
        medmij_fail(err, err_len, "bad arguments");
        return MEDMIJ_OFFER_INVALID;
    }
    struct medmij_parse_opts opts = {.expect = MEDMIJ_LIST_ANY,
                                     .max_bytes = h->max_bytes,
                                     .xsd_dir = h->xsd_dir,
                                     .allow_unknown_elements = h->allow_unknown_elements,
                                     .allow_ports = h->allow_ports};
    struct medmij_list *fresh = medmij_list_parse(data, len, &opts, err, err_len);
    if (!fresh) return MEDMIJ_OFFER_INVALID;
    if (fresh->kind != kind) {
        medmij_fail(err, err_len, "expected a %s, got a %s", medmij_list_short_name(kind),
                    medmij_list_short_name(fresh->kind));
        medmij_list_free(fresh);
        return MEDMIJ_OFFER_WRONG_KIND;
    }
    pthread_mutex_lock(&h->offer_lock);
    struct medmij_list_owned *old = h->current[kind]; /* only offers change it: stable here */
    enum medmij_offer_rc rc = compare(old ? &old->pub : NULL, fresh);
    if (rc == MEDMIJ_OFFER_SWAPPED) {
        pthread_rwlock_wrlock(&h->lock);
        h->current[kind] = (struct medmij_list_owned *)fresh;
        pthread_rwlock_unlock(&h->lock);
        if (old && fresh->volgnummer > old->pub.volgnummer + 1)
            log_info("medmij lists: %s Volgnummer %llu follows %llu (publications missed)",
                     medmij_list_short_name(kind), (unsigned long long)fresh->volgnummer,
                     (unsigned long long)old->pub.volgnummer);
        unref(old);
        if (!from_cache) save_cache(h, kind, data, len);
    } else {
        if (rc != MEDMIJ_OFFER_UNCHANGED)
            medmij_fail(err, err_len, "%s Volgnummer %llu: %s (held: %llu)",
                        medmij_list_short_name(kind), (unsigned long long)fresh->volgnummer,
                        medmij_offer_rc_text(rc), (unsigned long long)old->pub.volgnummer);
        medmij_list_free(fresh);
    }
    pthread_mutex_unlock(&h->offer_lock);
    return rc;
}

enum medmij_offer_rc medmij_lists_offer(struct medmij_lists *h, enum medmij_list_kind kind,
                                        const char *data, size_t len, char *err, size_t err_len)
{
    return offer(h, kind, data, len, false, err, err_len);
}

int medmij_lists_refresh(struct medmij_lists *h, time_t now)
{
    if (!h) return 0;
    /* One refresh at a time; a caller that finds one running leaves the work to it. */
    if (pthread_mutex_trylock(&h->refresh_lock) != 0) return 0;
    int failures = 0;
    struct buf data;
    buf_init(&data, h->max_bytes);
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        if (!h->source[k] || now < h->due[k]) continue;
        char err[512];
        enum medmij_offer_rc rc = MEDMIJ_OFFER_FETCH_FAILED;
        if (medmij_fetch(h->source[k], h->max_bytes, h->fetch_timeout_s, h->ca_file, &data, err,
                         sizeof err) == 0)
            rc = medmij_lists_offer(h, k, data.data ? data.data : "", data.len, err, sizeof err);
        bool ok = rc == MEDMIJ_OFFER_SWAPPED || rc == MEDMIJ_OFFER_UNCHANGED;
        h->due[k] = now + (time_t)(ok ? h->refresh_s : h->retry_s);
        if (rc == MEDMIJ_OFFER_SWAPPED) {
            const struct medmij_list *l = medmij_lists_acquire(h, k);
            if (l)
                log_info("medmij lists: %s Volgnummer %llu from %s", medmij_list_short_name(k),
                         (unsigned long long)l->volgnummer, h->source[k]);
            medmij_lists_release(h, l);
        }
        if (!ok) {
            failures++;
            log_warn("medmij lists: %s from %s refused (%s): %s; keeping the list held",
                     medmij_list_short_name(k), h->source[k], medmij_offer_rc_text(rc), err);
        }
        buf_reset(&data);
    }
    buf_free(&data);
    pthread_mutex_unlock(&h->refresh_lock);
    return failures;
}
