/* One scenario step: build the request from its JSON description (with ${...} substitutions),
 * send it, check the expectations, and report every mismatch. */
#ifndef REGIE_TESTS_STEP_H
#define REGIE_TESTS_STEP_H

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "subst.h"

struct step_ctx {
    const char *file; /* scenario file, for messages */
    const char *dir;  /* its directory, for body_file */
    CURL *curl;
    struct subst_env env; /* results of the steps so far */
    bool verbose;
};

/* Runs step number index. Returns true when every expectation held. When a response arrived,
 * *result is filled (caller frees with step_result_free) so later steps can refer to it. */
bool step_run(struct step_ctx *ctx, size_t index, json_object *step, struct subst_result *result);

void step_result_free(struct subst_result *r);

#endif
