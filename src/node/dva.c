/* The DVA role: the OAuth 2.0 authorization server (src/oauth) and the FHIR resource server behind
 * the bearer-token check. Placeholder until src/oauth lands: starting a DVA says so. */
#include <stdio.h>

#include "node/node.h"

int node_dva_setup(struct node *n, char *err, size_t err_len)
{
    (void)n;
    snprintf(err, err_len, "the DVA role is not built yet");
    return -1;
}
