/* Turning a step's "request" object into method, URL, header lines and body bytes. */
#ifndef REGIE_TESTS_STEP_REQ_H
#define REGIE_TESTS_STEP_REQ_H

#include <curl/curl.h>
#include <json-c/json.h>

#include "step.h"
#include "util/buf.h"

#define STEP_BODY_MAX (256u << 20)

struct step_req {
    char method[16];
    struct buf url;
    struct curl_slist *headers;
    struct buf body;
    bool has_body;
};

/* Fills out from the request object. Returns 0, or -1 with the reason in err. Free with
 * step_req_free either way. */
int step_req_build(const struct step_ctx *ctx, json_object *req, struct step_req *out,
                   struct buf *err);
void step_req_free(struct step_req *r);

#endif
