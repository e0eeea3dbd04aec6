/* Fuzzes the strict ZIP reader (util/zip): any bytes read or fail with a reason, never a crash or
 * an allocation past the caps; what reads obeys the promises (entries within the caps, names the
 * writer would accept, each entry's bytes NUL-terminated), and writing the entries again with the
 * writer gives an archive the reader reads back to the same entries. Small caps keep runs fast. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zip_limits lim;
    zip_limits_default(&lim);
    lim.entries_max = 64;
    lim.entry_size_max = 1u << 20;
    lim.total_size_max = 4u << 20;
    lim.ratio_from = 4096;
    struct zip_archive a;
    char why[256];
    if (zip_read(data, size, &lim, &a, why, sizeof why) != ZIP_OK) {
        if (!why[0] || a.n || a.entries) abort();
        return 0;
    }
    size_t total = 0;
    struct zip_writer *w = zip_writer_new(0);
    if (!w) abort();
    for (size_t i = 0; i < a.n; i++) {
        const struct zip_entry *e = &a.entries[i];
        if (!zip_name_ok(e->name, strlen(e->name))) abort();
        if (e->len > lim.entry_size_max) abort();
        total += e->len;
        if (e->dir) continue;
        if (!e->data || e->data[e->len] != '\0') abort();
        if (zip_writer_add(w, e->name, e->data, e->len) != ZIP_OK) abort();
    }
    if (total > lim.total_size_max) abort();
    uint8_t *again;
    size_t len;
    if (zip_writer_finish(w, &again, &len) != ZIP_OK) abort();
    struct zip_archive b;
    if (zip_read(again, len, NULL, &b, why, sizeof why) != ZIP_OK) abort();
    for (size_t i = 0, j = 0; i < a.n; i++) {
        if (a.entries[i].dir) continue;
        const struct zip_entry *x = &a.entries[i], *y = &b.entries[j++];
        if (strcmp(x->name, y->name) || x->len != y->len || memcmp(x->data, y->data, x->len))
            abort();
    }
    zip_archive_free(&b);
    free(again);
    zip_archive_free(&a);
    return 0;
}
