/* Placeholder until the export command lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "regie export: not built yet\n");
    return 1;
}
