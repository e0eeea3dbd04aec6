/* Placeholder until the serve command lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "regie serve: not built yet\n");
    return 1;
}
