/* Internal to the back-channel endpoints (token.c, revoke.c, oauth.c's route table). */
#ifndef REGIE_OAUTH_TOKEN_PRIV_H
#define REGIE_OAUTH_TOKEN_PRIV_H

#include <stdbool.h>

#include "http/http.h"
#include "oauth/oauth.h"

/* RFC 6749 §5.2 error answer: {"error": error, "error_description": description} as JSON. */
void oauth_token_error(struct http_reply *rep, int status, const char *error,
                       const char *description);

/* The value of a parameter given at most once (query or form body); NULL when absent or empty.
 * Sets *twice (and returns NULL) when it is given more than once. */
const char *oauth_param_once(const struct http_request *req, const char *name, bool *twice);

/* The client of a back-channel request: client_id must be present and equal the mutual-TLS
 * certificate host (ASCII case-insensitive), which must be on the OCL and the Whitelist.
 * Returns 0, or -1 after answering invalid_request (400) or invalid_client (401). */
int oauth_client_check(struct oauth_server *s, const struct http_request *req,
                       const char *client_id, struct http_reply *rep);

/* The route templates; oauth_routes copies them with .ctx set. */
extern const struct http_route oauth_token_route;
extern const struct http_route oauth_revoke_route;

#endif
