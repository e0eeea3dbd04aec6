/* Placeholder until the import command lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "regie import: not built yet\n");
    return 1;
}
