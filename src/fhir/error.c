#include "fhir/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct rg_err_info {
    const char *name;
    int status;
    const char *issue;
    const char *text;
};

static const struct rg_err_info infos[] = {
#define RG_INFO(name, status, issue, text) {#name, status, issue, text},
    RG_ERRORS(RG_INFO)
#undef RG_INFO
};

static const struct rg_err_info *info(enum rg_err e)
{
    if ((unsigned)e >= RG_ERR_COUNT) e = RG_E_INTERNAL;
    return &infos[e];
}

int rg_err_status(enum rg_err e)
{
    return info(e)->status;
}

const char *rg_err_name(enum rg_err e)
{
    /* "RG_E_NOT_FOUND" is published as "not-found"-style slugs would need a second table; the
     * stable machine name is the enum name without its prefix. */
    const char *n = info(e)->name;
    return strncmp(n, "RG_E_", 5) == 0 ? n + 5 : n + 3;
}

const char *rg_err_issue(enum rg_err e)
{
    return info(e)->issue;
}

const char *rg_err_text(enum rg_err e)
{
    return info(e)->text;
}

enum rg_err rg_fail_set(struct rg_fail *f, enum rg_err code, const char *expression,
                        const char *fmt, ...)
{
    f->code = code;
    snprintf(f->expression, sizeof f->expression, "%s", expression ? expression : "");
    f->detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->detail, sizeof f->detail, fmt, ap);
        va_end(ap);
    }
    return code;
}

void rg_fail_prefix(struct rg_fail *f, const char *prefix)
{
    char old[sizeof f->expression];
    memcpy(old, f->expression, sizeof old);
    const char *rest = old;
    /* Drop a leading resource type ("Patient.name" -> ".name"): the prefix names the resource. */
    if (rest[0] >= 'A' && rest[0] <= 'Z') {
        const char *dot = strchr(rest, '.');
        rest = dot ? dot : "";
    }
    snprintf(f->expression, sizeof f->expression, "%s%s", prefix, rest);
}

static json_object *outcome_with(json_object *issue)
{
    json_object *oo = json_object_new_object();
    json_object_object_add(oo, "resourceType", json_object_new_string("OperationOutcome"));
    json_object *issues = json_object_new_array();
    json_object_array_add(issues, issue);
    json_object_object_add(oo, "issue", issues);
    return oo;
}

json_object *rg_outcome_from_fail(const struct rg_fail *f)
{
    json_object *issue = json_object_new_object();
    json_object_object_add(issue, "severity", json_object_new_string("error"));
    json_object_object_add(issue, "code", json_object_new_string(rg_err_issue(f->code)));
    json_object *coding = json_object_new_object();
    json_object_object_add(coding, "system", json_object_new_string(REGIE_ERROR_SYSTEM));
    json_object_object_add(coding, "code", json_object_new_string(rg_err_name(f->code)));
    json_object_object_add(coding, "display", json_object_new_string(rg_err_text(f->code)));
    json_object *codings = json_object_new_array();
    json_object_array_add(codings, coding);
    json_object *details = json_object_new_object();
    json_object_object_add(details, "coding", codings);
    json_object_object_add(details, "text", json_object_new_string(rg_err_text(f->code)));
    json_object_object_add(issue, "details", details);
    if (f->detail[0])
        json_object_object_add(issue, "diagnostics", json_object_new_string(f->detail));
    if (f->expression[0]) {
        json_object *ex = json_object_new_array();
        json_object_array_add(ex, json_object_new_string(f->expression));
        json_object_object_add(issue, "expression", ex);
    }
    return outcome_with(issue);
}

json_object *rg_outcome_info(const char *severity, const char *issue_code, const char *text)
{
    json_object *issue = json_object_new_object();
    json_object_object_add(issue, "severity", json_object_new_string(severity));
    json_object_object_add(issue, "code", json_object_new_string(issue_code));
    if (text) json_object_object_add(issue, "diagnostics", json_object_new_string(text));
    return outcome_with(issue);
}
