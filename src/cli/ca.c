/* regie ca: a local certificate authority for the demo and the tests (see docs/tls.md).
 *   regie ca init  --dir DIR
 *   regie ca issue --dir DIR --host NAME [--host NAME ...] [--out PREFIX] [--days N]
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/certgen.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie ca init --dir DIR\n"
            "       regie ca issue --dir DIR --host NAME [--host NAME ...] [--out PREFIX]\n"
            "                      [--days N]\n"
            "\n"
            "A local certificate authority for demos and tests (production nodes use\n"
            "PKIoverheid certificates).\n"
            "\n"
            "  init    creates DIR (when missing) with ca.key (mode 0600) and ca.crt: an EC\n"
            "          P-256 CA valid for %d days; refuses to replace an existing CA\n"
            "  issue   creates PREFIX.key (mode 0600) and PREFIX.crt: a node certificate signed\n"
            "          by the CA in DIR, for TLS servers and clients alike (serverAuth and\n"
            "          clientAuth), with every --host in its subjectAltName (an IP address as\n"
            "          iPAddress, a name as dNSName); the first --host is also the subject CN\n"
            "\n"
            "  --dir DIR       the CA directory\n"
            "  --host NAME     a DNS name or IP address of the node (up to %d)\n"
            "  --out PREFIX    output path without .key/.crt (default DIR/<first host>)\n"
            "  --days N        validity of a node certificate, 1 to %d (default %d)\n"
            "  --help          show this help\n",
            CERTGEN_CA_DAYS, CERTGEN_HOSTS_MAX, CERTGEN_NODE_DAYS_MAX, CERTGEN_NODE_DAYS_MAX);
}

struct ca_opts {
    const char *dir;
    const char *out;
    const char *hosts[CERTGEN_HOSTS_MAX];
    size_t nhosts;
    unsigned days;
};

/* Returns 0 when parsed, 2 on a usage error, -1 after --help. */
static int parse_args(int argc, char **argv, bool issue, struct ca_opts *o)
{
    memset(o, 0, sizeof *o);
    o->days = CERTGEN_NODE_DAYS_MAX;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "regie ca: %s needs a value (or is unknown); see --help\n", a);
            return 2;
        }
        if (!strcmp(a, "--dir")) {
            o->dir = v;
        } else if (issue && !strcmp(a, "--host")) {
            if (o->nhosts == CERTGEN_HOSTS_MAX) {
                fprintf(stderr, "regie ca: at most %d --host options\n", CERTGEN_HOSTS_MAX);
                return 2;
            }
            if (!certgen_host_valid(v)) {
                fprintf(stderr, "regie ca: --host '%s' is not a DNS host name or an IP address\n",
                        v);
                return 2;
            }
            o->hosts[o->nhosts++] = v;
        } else if (issue && !strcmp(a, "--out")) {
            o->out = v;
        } else if (issue && !strcmp(a, "--days")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (errno || *end || v[0] == '-' || v[0] == '+' || n < 1 || n > CERTGEN_NODE_DAYS_MAX) {
                fprintf(stderr, "regie ca: --days must be 1 to %d, not '%s'\n",
                        CERTGEN_NODE_DAYS_MAX, v);
                return 2;
            }
            o->days = (unsigned)n;
        } else {
            fprintf(stderr, "regie ca %s: unknown option %s; see --help\n", argv[1], a);
            return 2;
        }
        i++;
    }
    if (!o->dir || !*o->dir) {
        fprintf(stderr, "regie ca: --dir DIR is required; see --help\n");
        return 2;
    }
    if (issue && o->nhosts == 0) {
        fprintf(stderr, "regie ca issue: at least one --host NAME is required; see --help\n");
        return 2;
    }
    return 0;
}

int cli_ca(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    bool issue = !strcmp(argv[1], "issue");
    if (!issue && strcmp(argv[1], "init") != 0) {
        fprintf(stderr, "regie ca: unknown action '%s' (init or issue); see --help\n", argv[1]);
        return 2;
    }
    struct ca_opts o;
    int rc = parse_args(argc, argv, issue, &o);
    if (rc < 0) return 0;
    if (rc) return rc;
    char err[1024] = "";
    if (!issue) {
        if (certgen_ca_init(o.dir, err, sizeof err) != 0) {
            fprintf(stderr, "regie ca init: %s\n", err);
            return 1;
        }
        printf("CA created: %s/%s (key, mode 0600) and %s/%s (certificate)\n", o.dir,
               CERTGEN_CA_KEY, o.dir, CERTGEN_CA_CERT);
        return 0;
    }
    char prefix[PATH_MAX];
    int w = o.out ? snprintf(prefix, sizeof prefix, "%s", o.out)
                  : snprintf(prefix, sizeof prefix, "%s/%s", o.dir, o.hosts[0]);
    if (w < 0 || (size_t)w >= sizeof prefix) {
        fprintf(stderr, "regie ca issue: output path too long\n");
        return 2;
    }
    if (certgen_issue(o.dir, o.hosts, o.nhosts, o.days, prefix, err, sizeof err) != 0) {
        fprintf(stderr, "regie ca issue: %s\n", err);
        return 1;
    }
    printf("issued: %s.key (mode 0600) and %s.crt for", prefix, prefix);
    for (size_t i = 0; i < o.nhosts; i++) printf(" %s", o.hosts[i]);
    printf(", valid %u days\n", o.days);
    return 0;
}
