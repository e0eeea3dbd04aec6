/* Request accessors for handlers. */
#include <string.h>

#include "http/internal.h"

const char *http_header(const struct http_request *req, const char *name)
{
    const struct http_conn *c = req->priv;
    if (!c || !c->mhd) return NULL;
    return MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, name);
}

const char *http_param(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (!strcmp(req->params[i].name, name)) return req->params[i].value;
    return NULL;
}
