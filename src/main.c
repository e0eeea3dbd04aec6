/* regie: one binary for both sides of the MedMij exchange. This file only picks the subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cli_serve, "serve the FHIR R4 API over HTTP"},
    {"import", cli_import, "load Bundles and NDJSON files (plain or .bz2) into a database"},
    {"export", cli_export, "write every resource as NDJSON, one file per resource type"},
    {"fhirpath", cli_fhirpath, "evaluate a FHIRPath expression against a JSON resource"},
    {"lists", cli_lists, "write the MedMij lists (ZAL, OCL, Whitelist, GNL) of a local network"},
    {"user", cli_user, "add, list, disable, enable and reset login accounts"},
    {"ca", cli_ca, "a local certificate authority: a CA and node certificates for demo and tests"},
    {"audit", cli_audit, "verify the access log's chain; a patient's entries as AuditEvents"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: regie COMMAND [OPTIONS]\n\n"
                 "regie keeps health data under the patient's control (MedMij, FHIR R4).\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'regie COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    log_init_from_env();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "regie: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
