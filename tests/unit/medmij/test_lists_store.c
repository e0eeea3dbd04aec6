/* The list holder: the Volgnummer rule (lower refused, equal unchanged or a conflict, higher
 * swapped in), readers keeping an old version alive across a swap, swaps under concurrent
 * readers, refresh from files on its schedule, and what the fetcher refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "medmij/lists.h"

#define WL_NS "xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/"

/* A Whitelist with the given Volgnummer and one node. */
static size_t whitelist(char *out, size_t n, unsigned volg, const char *host)
{
    return (size_t)snprintf(out, n,
                            "<Whitelist xmlns=\"" WL_NS "\"><Tijdstempel>2026-11-30T12:00:00Z"
                            "</Tijdstempel><Volgnummer>%u</Volgnummer><MedMijNodes><MedMijNode>"
                            "<Hostname>%s</Hostname></MedMijNode></MedMijNodes></Whitelist>",
                            volg, host);
}

static enum medmij_offer_rc offer_wl(struct medmij_lists *h, unsigned volg, const char *host,
                                     char *err, size_t err_len)
{
    char doc[1024];
    size_t len = whitelist(doc, sizeof doc, volg, host);
    return medmij_lists_offer(h, MEDMIJ_WHITELIST, doc, len, err, err_len);
}

static struct medmij_lists *holder(void)
{
    struct medmij_lists_config cfg = {0};
    struct medmij_lists *h = medmij_lists_new(&cfg);
    assert_non_null(h);
    return h;
}

static void test_volgnummer_rule(void **state)
{
    (void)state;
    struct medmij_lists *h = holder();
    char err[256];
    assert_null(medmij_lists_acquire(h, MEDMIJ_WHITELIST));
    assert_int_equal(offer_wl(h, 5, "a.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    /* Lower: refused, the held list stays. */
    assert_int_equal(offer_wl(h, 4, "b.test", err, sizeof err), MEDMIJ_OFFER_OLDER);
    assert_non_null(strstr(err, "held: 5"));
    /* Equal and the same bytes: the same publication fetched again. */
    assert_int_equal(offer_wl(h, 5, "a.test", err, sizeof err), MEDMIJ_OFFER_UNCHANGED);
    /* Equal with other content: a publisher's error; the held list stays. */
    assert_int_equal(offer_wl(h, 5, "b.test", err, sizeof err), MEDMIJ_OFFER_CONFLICT);
    const struct medmij_list *l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 5);
    assert_true(medmij_whitelist_has(l, "a.test"));
    assert_false(medmij_whitelist_has(l, "b.test"));
    medmij_lists_release(h, l);
    /* Higher, also after a gap: swapped in. */
    assert_int_equal(offer_wl(h, 8, "b.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 8);
    assert_true(medmij_whitelist_has(l, "b.test"));
    medmij_lists_release(h, l);
    /* Invalid and wrong kind: refused, nothing changes. */
    assert_int_equal(offer_wl(h, 9, "Not_A_Host", err, sizeof err), MEDMIJ_OFFER_INVALID);
    char doc[1024];
    size_t len = whitelist(doc, sizeof doc, 10, "c.test");
    assert_int_equal(medmij_lists_offer(h, MEDMIJ_OCL, doc, len, err, sizeof err),
                     MEDMIJ_OFFER_WRONG_KIND);
    assert_null(medmij_lists_acquire(h, MEDMIJ_OCL));
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 8);
    medmij_lists_release(h, l);
    medmij_lists_free(h);
}

static void test_reader_outlives_swap(void **state)
{
    (void)state;
    struct medmij_lists *h = holder();
    char err[256];
    assert_int_equal(offer_wl(h, 1, "old.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    const struct medmij_list *old = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(offer_wl(h, 2, "new.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    /* The old version is still whole for its reader (ASan would catch a use after free). */
    assert_int_equal(old->volgnummer, 1);
    assert_true(medmij_whitelist_has(old, "old.test"));
    const struct medmij_list *cur = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(cur->volgnummer, 2);
    medmij_lists_release(h, old);
    medmij_lists_release(h, cur);
    /* A reader may hold a list past the holder's end. */
    cur = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    medmij_lists_free(h);
    assert_true(medmij_whitelist_has(cur, "new.test"));
    medmij_lists_release(NULL, cur);
}

struct race {
    struct medmij_lists *h;
    atomic_bool stop;
    atomic_int errors;
};

static void *reader(void *arg)
{
    struct race *r = arg;
    uint64_t last = 0;
    while (!atomic_load(&r->stop)) {
        const struct medmij_list *l = medmij_lists_acquire(r->h, MEDMIJ_WHITELIST);
        if (!l) continue;
        /* Versions only go up, and each is whole: its node is named after its number. */
        char host[32];
        snprintf(host, sizeof host, "v%llu.test", (unsigned long long)l->volgnummer);
        if (l->volgnummer < last || !medmij_whitelist_has(l, host)) atomic_fetch_add(&r->errors, 1);
        last = l->volgnummer;
        medmij_lists_release(r->h, l);
    }
    return NULL;
}

static void test_swap_under_readers(void **state)
{
    (void)state;
    struct race r = {.h = holder()};
    pthread_t t[3];
    for (int i = 0; i < 3; i++) assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
    char err[256];
    for (unsigned v = 1; v <= 300; v++) {
        char host[32];
        snprintf(host, sizeof host, "v%u.test", v);
        assert_int_equal(offer_wl(r.h, v, host, err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    }
    atomic_store(&r.stop, true);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&r.errors), 0);
    medmij_lists_free(r.h);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_refresh_from_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/regie-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char wl[256], ocl[256], doc[1024];
    snprintf(wl, sizeof wl, "%s/wl.xml", dir);
    snprintf(ocl, sizeof ocl, "%s/ocl.xml", dir);
    whitelist(doc, sizeof doc, 3, "a.test");
    write_text(wl, doc);
    write_text(ocl, "<OAuthclientlist xmlns=\"xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/"
                    "release2/\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel><Volgnummer>1"
                    "</Volgnummer><OAuthclients><OAuthclient><Hostname>pgo.test</Hostname>"
                    "<OAuthclientOrganisatienaam>PGO</OAuthclientOrganisatienaam></OAuthclient>"
                    "</OAuthclients></OAuthclientlist>");
    struct medmij_lists_config cfg = {.refresh_seconds = 100, .retry_seconds = 10};
    cfg.source[MEDMIJ_WHITELIST] = wl;
    cfg.source[MEDMIJ_OCL] = ocl;
    struct medmij_lists *h = medmij_lists_new(&cfg);
    assert_non_null(h);
    time_t t0 = 1000000;
    assert_int_equal(medmij_lists_refresh(h, t0), 0);
    const struct medmij_list *l = medmij_lists_acquire(h, MEDMIJ_OCL);
    assert_non_null(medmij_ocl_client(l, "pgo.test"));
    medmij_lists_release(h, l);
    assert_null(medmij_lists_acquire(h, MEDMIJ_ZAL)); /* not configured */
    /* A lower Volgnummer in the file: not due yet, then due and refused. */
    whitelist(doc, sizeof doc, 2, "b.test");
    write_text(wl, doc);
    assert_int_equal(medmij_lists_refresh(h, t0 + 50), 0);
    assert_int_equal(medmij_lists_refresh(h, t0 + 100), 1);
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 3);
    medmij_lists_release(h, l);
    /* After a failure the retry comes sooner; then a higher Volgnummer is taken. */
    whitelist(doc, sizeof doc, 4, "c.test");
    write_text(wl, doc);
    assert_int_equal(medmij_lists_refresh(h, t0 + 105), 0); /* retry not due */
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 3);
    medmij_lists_release(h, l);
    assert_int_equal(medmij_lists_refresh(h, t0 + 110), 0);
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 4);
    medmij_lists_release(h, l);
    /* A missing file is a failure that keeps the list held. */
    unlink(wl);
    assert_int_equal(medmij_lists_refresh(h, t0 + 300), 1);
    l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_int_equal(l->volgnummer, 4);
    medmij_lists_release(h, l);
    medmij_lists_free(h);
    unlink(ocl);
    rmdir(dir);
}

static void test_cache_survives_restart(void **state)
{
    (void)state;
    char dir[] = "/tmp/regie-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct medmij_lists_config cfg = {.cache_dir = dir};
    struct medmij_lists *h = medmij_lists_new(&cfg);
    char err[256];
    assert_int_equal(offer_wl(h, 5, "a.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    assert_int_equal(offer_wl(h, 4, "b.test", err, sizeof err), MEDMIJ_OFFER_OLDER);
    medmij_lists_free(h);
    /* A new holder starts from the cache: the list is there at once, and an older one is still
     * refused (no rollback by restarting). */
    h = medmij_lists_new(&cfg);
    const struct medmij_list *l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_non_null(l);
    assert_int_equal(l->volgnummer, 5);
    medmij_lists_release(h, l);
    assert_int_equal(offer_wl(h, 4, "b.test", err, sizeof err), MEDMIJ_OFFER_OLDER);
    assert_int_equal(offer_wl(h, 5, "a.test", err, sizeof err), MEDMIJ_OFFER_UNCHANGED);
    assert_int_equal(offer_wl(h, 6, "c.test", err, sizeof err), MEDMIJ_OFFER_SWAPPED);
    medmij_lists_free(h);
    /* A damaged cache file is skipped, not fatal. */
    char path[256];
    snprintf(path, sizeof path, "%s/Whitelist.xml", dir);
    write_text(path, "<Whitelist");
    h = medmij_lists_new(&cfg);
    assert_non_null(h);
    assert_null(medmij_lists_acquire(h, MEDMIJ_WHITELIST));
    medmij_lists_free(h);
    unlink(path);
    rmdir(dir);
}

/* Waits up to 5 s for the held Whitelist to reach Volgnummer want. */
static bool wait_for(struct medmij_lists *h, uint64_t want)
{
    for (int i = 0; i < 100; i++) {
        const struct medmij_list *l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
        uint64_t v = l ? l->volgnummer : 0;
        medmij_lists_release(h, l);
        if (v == want) return true;
        usleep(50 * 1000);
    }
    return false;
}

static void test_refresher_thread(void **state)
{
    (void)state;
    char dir[] = "/tmp/regie-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char wl[256], doc[1024];
    snprintf(wl, sizeof wl, "%s/wl.xml", dir);
    whitelist(doc, sizeof doc, 3, "a.test");
    write_text(wl, doc);
    struct medmij_lists_config cfg = {.refresh_seconds = 1, .retry_seconds = 1};
    cfg.source[MEDMIJ_WHITELIST] = wl;
    struct medmij_lists *h = medmij_lists_new(&cfg);
    struct medmij_refresher *r = medmij_refresher_start(h);
    assert_non_null(r);
    assert_true(wait_for(h, 3));
    whitelist(doc, sizeof doc, 4, "b.test");
    write_text(wl, doc);
    assert_true(wait_for(h, 4));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    medmij_refresher_stop(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec <= 2); /* woken, not waiting out its tick */
    medmij_lists_free(h);
    unlink(wl);
    rmdir(dir);
}

static void test_fetch_refusals(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    char err[256];
    assert_int_equal(medmij_fetch("http://127.0.0.1:1/ZAL.xml", 0, 2, NULL, &b, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "only https"));
    assert_int_equal(medmij_fetch("file:///etc/hostname", 0, 2, NULL, &b, err, sizeof err), -1);
    assert_int_equal(medmij_fetch("ftp://127.0.0.1/x", 0, 2, NULL, &b, err, sizeof err), -1);
    assert_int_equal(medmij_fetch("", 0, 2, NULL, &b, err, sizeof err), -1);
    assert_int_equal(medmij_fetch("/nonexistent/ZAL.xml", 0, 2, NULL, &b, err, sizeof err), -1);
    assert_int_equal(medmij_fetch("/tmp", 0, 2, NULL, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));
    /* https to a closed local port: a fetch error, quickly. */
    assert_int_equal(medmij_fetch("https://127.0.0.1:1/ZAL.xml", 0, 2, NULL, &b, err, sizeof err),
                     -1);
    /* A file over the size limit. */
    char path[] = "/tmp/regie-lists-big-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, ' ', sizeof block);
    for (int i = 0; i < 4; i++) assert_int_equal(write(fd, block, sizeof block), sizeof block);
    close(fd);
    assert_int_equal(medmij_fetch(path, 10000, 2, NULL, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
    assert_int_equal(medmij_fetch(path, 20000, 2, NULL, &b, err, sizeof err), 0);
    assert_int_equal(b.len, 4 * sizeof block);
    unlink(path);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volgnummer_rule),        cmocka_unit_test(test_reader_outlives_swap),
        cmocka_unit_test(test_swap_under_readers),     cmocka_unit_test(test_refresh_from_files),
        cmocka_unit_test(test_cache_survives_restart), cmocka_unit_test(test_refresher_thread),
        cmocka_unit_test(test_fetch_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
