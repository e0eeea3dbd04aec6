/* Fuzzes `regie lists` with any bytes as the network description: it writes four lists or refuses
 * with exit status 1, never crashes; when it writes, each list reads back with the list reader
 * (so no description makes regie publish a list it would refuse). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "medmij/lists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_lists(void)
{
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(k));
        unlink(path);
    }
}

static void remove_dir(void)
{
    remove_lists();
    rmdir(dir);
}

static void check_list(enum medmij_list_kind kind)
{
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(kind));
    struct buf b;
    buf_init(&b, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
    if (medmij_fetch(path, 0, 0, NULL, &b, err, sizeof err) != 0) abort();
    struct medmij_parse_opts o = {.expect = kind};
    struct medmij_list *l = medmij_list_parse(b.data, b.len, &o, err, sizeof err);
    if (!l) abort();
    medmij_list_free(l);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/regie-fuzz-lists-XXXXXX");
        if (!mkdtemp(dir)) abort(); /* (stderr stays: the sanitizers report there) */
        atexit(remove_dir);
    }
    char desc[128];
    snprintf(desc, sizeof desc, "%s/desc.json", dir);
    FILE *f = fopen(desc, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    char *argv[] = {"lists", "--description", desc, "--out", dir, NULL};
    int rc = cli_lists(5, argv);
    if (rc != 0 && rc != 1) abort();
    if (rc == 0)
        for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) check_list(k);
    remove_lists();
    unlink(desc);
    return 0;
}
