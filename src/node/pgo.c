/* The PGO role: provider search, connections, collect and share (src/pgo). Placeholder until
 * src/pgo lands: starting a PGO says so. */
#include <stdio.h>

#include "node/node.h"

int node_pgo_setup(struct node *n, char *err, size_t err_len)
{
    (void)n;
    snprintf(err, err_len, "the PGO role is not built yet");
    return -1;
}
