/* `regie lists --description FILE --out DIR`: writes the four MedMij lists (ZAL, OCL, Whitelist,
 * GNL) of a local network from a small JSON description (docs/medmij.md has its format). Every
 * list is checked by the same reader that takes lists in; the four files are written under
 * temporary names and renamed only when all four are ready. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lists.h"
#include "json/jsonx.h"
#include "medmij/lists.h"

#define DESCRIPTION_MAX   (4u << 20)
#define DESCRIPTION_DEPTH 16
#define LISTS_PATH_MAX    4096

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie lists --description FILE --out DIR [--xsd-dir DIR | --allow-ports]\n"
            "       regie lists --check SOURCE... [--xsd-dir DIR] [--ca-file FILE]\n\n"
            "Writes the MedMij lists of a local network, described in the JSON FILE, to DIR:\n"
            "ZAL.xml (Zorgaanbiederslijst), OCL.xml (OAuth client list), Whitelist.xml and\n"
            "GNL.xml (Gegevensdienstnamenlijst). Each list's Volgnummer is one more than the\n"
            "one already in DIR (1 for a new list) unless FILE sets \"volgnummer\"; the\n"
            "Tijdstempel is now unless FILE sets \"tijdstempel\". DIR must exist. The\n"
            "description format is in docs/medmij.md.\n\n"
            "options:\n"
            "  --description FILE  the network description (JSON)\n"
            "  --out DIR           the directory to write the four lists to\n"
            "  --xsd-dir DIR       also validate each list against MedMij's XSDs in DIR\n"
            "  --allow-ports       development only (a one-machine demo network): the\n"
            "                      authorization endpoints keep the provider's port, which\n"
            "                      MedMij forbids on the front channel; readers need the\n"
            "                      same relaxation (node config [lists] allow_ports)\n"
            "  --check SOURCE...   read lists (files or https:// URLs) as the server does and\n"
            "                      say what each holds or why it is refused (writes nothing)\n"
            "  --ca-file FILE      https: trust these CAs instead of the system's\n"
            "  --help              this text\n\n"
            "exit status: 0 written (or every list passed), 1 invalid description, write\n"
            "failure or a refused list, 2 usage error\n");
}

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "regie lists: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(b, chunk, k) != 0) break;
    int failed = ferror(f) || b->overflowed;
    fclose(f);
    if (failed)
        fprintf(stderr, "regie lists: cannot read %s (at most %u bytes)\n", path, DESCRIPTION_MAX);
    return failed ? -1 : 0;
}

/* The Volgnummer of the list of this kind already in dir: 0 when there is none, -1 when the file
 * is there but is not a list regie accepts (it is not overwritten blindly). */
static int held_volgnummer(const char *dir, enum medmij_list_kind kind, bool allow_ports,
                           uint64_t *out)
{
    char path[LISTS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(kind));
    *out = 0;
    if (access(path, F_OK) != 0) return 0;
    struct buf b;
    buf_init(&b, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
    char err[256];
    if (medmij_fetch(path, MEDMIJ_LIST_MAX_BYTES_DEFAULT, 0, NULL, &b, err, sizeof err) != 0) {
        fprintf(stderr, "regie lists: %s\n", err);
        buf_free(&b);
        return -1;
    }
    struct medmij_parse_opts opts = {.expect = kind, .allow_ports = allow_ports};
    struct medmij_list *l = medmij_list_parse(b.data, b.len, &opts, err, sizeof err);
    buf_free(&b);
    if (!l) {
        fprintf(stderr, "regie lists: %s exists but is not a valid %s (%s); remove it first\n",
                path, medmij_list_short_name(kind), err);
        return -1;
    }
    *out = l->volgnummer;
    medmij_list_free(l);
    return 0;
}

static int write_file(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    bool ok = fwrite(b->data, 1, b->len, f) == b->len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Builds, checks and writes the four lists under temporary names, then renames them. */
static int write_lists(const struct network *n, const char *dir, const char *xsd_dir)
{
    char stamp[32];
    if (!n->tijdstempel) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    char tmp[MEDMIJ_LIST_KINDS][LISTS_PATH_MAX], final[MEDMIJ_LIST_KINDS][LISTS_PATH_MAX];
    uint64_t numbers[MEDMIJ_LIST_KINDS];
    int written = 0, rc = 0;
    for (int k = 0; k < MEDMIJ_LIST_KINDS && rc == 0; k++) {
        uint64_t held;
        if (held_volgnummer(dir, k, n->allow_ports, &held) != 0) {
            rc = -1;
            break;
        }
        uint64_t num = n->volgnummer ? n->volgnummer : held + 1;
        if (num <= held) {
            fprintf(stderr,
                    "regie lists: %s in %s has Volgnummer %" PRIu64
                    "; a new list needs a higher one (readers refuse lower)\n",
                    medmij_list_short_name(k), dir, held);
            rc = -1;
            break;
        }
        struct medmij_list l = {.kind = k,
                                .volgnummer = num,
                                .tijdstempel = n->tijdstempel ? n->tijdstempel : stamp,
                                .providers = n->providers,
                                .n_providers = n->n_providers,
                                .clients = n->clients,
                                .n_clients = n->n_clients,
                                .nodes = n->nodes,
                                .n_nodes = n->n_nodes,
                                .service_names = n->names,
                                .n_service_names = n->n_names};
        struct buf out;
        buf_init(&out, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
        char err[512];
        snprintf(final[k], sizeof final[k], "%s/%s", dir, medmij_list_file_name(k));
        snprintf(tmp[k], sizeof tmp[k], "%s/.%s.tmp", dir, medmij_list_file_name(k));
        if (medmij_list_write_opts(&l, n->allow_ports, &out, err, sizeof err) != 0 ||
            (xsd_dir && medmij_list_xsd_validate(out.data, out.len, k, xsd_dir, err, sizeof err))) {
            fprintf(stderr, "regie lists: %s: %s\n", medmij_list_short_name(k), err);
            rc = -1;
        } else if (write_file(tmp[k], &out) != 0) {
            fprintf(stderr, "regie lists: cannot write %s: %s\n", tmp[k], strerror(errno));
            unlink(tmp[k]);
            rc = -1;
        } else {
            numbers[k] = num;
            written++;
        }
        buf_free(&out);
    }
    for (int k = 0; k < written; k++) {
        if (rc == 0 && rename(tmp[k], final[k]) != 0) {
            fprintf(stderr, "regie lists: cannot rename %s: %s\n", tmp[k], strerror(errno));
            rc = -1;
        }
        if (rc != 0) unlink(tmp[k]);
    }
    if (rc == 0)
        for (int k = 0; k < MEDMIJ_LIST_KINDS; k++)
            printf("%s Volgnummer %" PRIu64 "\n", final[k], numbers[k]);
    return rc;
}

int cli_lists(int argc, char **argv)
{
    const char *desc_path = NULL, *dir = NULL, *xsd_dir = NULL, *ca_file = NULL;
    char **checks = NULL;
    size_t n_checks = 0;
    bool allow_ports = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 < argc && !strcmp(argv[i], "--description"))
            desc_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--xsd-dir"))
            xsd_dir = argv[++i];
        else if (!strcmp(argv[i], "--allow-ports"))
            allow_ports = true;
        else if (i + 1 < argc && !strcmp(argv[i], "--ca-file"))
            ca_file = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--check")) {
            /* --check takes every following argument up to the next option. */
            checks = argv + i + 1;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                i++;
                n_checks++;
            }
        } else if (i + 1 < argc && !strcmp(argv[i], "--out"))
            dir = argv[++i];
        else {
            fprintf(stderr, "regie lists: unknown option or missing value: %s\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (n_checks) {
        if (desc_path || dir) {
            fprintf(stderr, "regie lists: --check does not go with --description or --out\n\n");
            usage(stderr);
            return 2;
        }
        return cli_lists_check(checks, n_checks, xsd_dir, ca_file);
    }
    if (allow_ports && xsd_dir) {
        fprintf(stderr, "regie lists: --allow-ports writes lists MedMij's XSDs refuse; it does "
                        "not go with --xsd-dir\n\n");
        usage(stderr);
        return 2;
    }
    if (!desc_path || !dir) {
        fprintf(stderr, "regie lists: --description FILE and --out DIR are required\n\n");
        usage(stderr);
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "regie lists: %s is not a directory\n", dir);
        return 1;
    }
    struct buf b;
    buf_init(&b, DESCRIPTION_MAX);
    if (read_file(desc_path, &b) != 0) {
        buf_free(&b);
        return 1;
    }
    enum jsonx_err jerr;
    char msg[256];
    json_object *desc =
        jsonx_parse(b.data ? b.data : "", b.len, DESCRIPTION_DEPTH, &jerr, msg, sizeof msg);
    buf_free(&b);
    if (!desc) {
        fprintf(stderr, "regie lists: %s: %s\n", desc_path, msg);
        return 1;
    }
    struct network n = {.allow_ports = allow_ports};
    int rc = lists_read_description(&n, desc) == 0 && write_lists(&n, dir, xsd_dir) == 0 ? 0 : 1;
    lists_network_free(&n);
    json_object_put(desc);
    return rc;
}
