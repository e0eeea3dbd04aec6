/* One patient's own access log as a FHIR searchset Bundle of AuditEvent, newest first, a page at
 * a time: what a patient reads at the PGO (GET /api/audit) and at a DVA (/oauth/consents/log). */
#ifndef REGIE_AUDIT_AUDITBUNDLE_H
#define REGIE_AUDIT_AUDITBUNDLE_H

#include <stddef.h>

#include <json-c/json.h>

#include "audit/audit.h"

#define AUDIT_BUNDLE_COUNT_DEFAULT 50
#define AUDIT_BUNDLE_COUNT_MAX     500
#define AUDIT_BUNDLE_OFFSET_MAX    1000000

/* The Bundle of patient's entries in log: total is all of them, entry holds the ones at
 * [offset, offset + count) counted from the newest (count capped at AUDIT_BUNDLE_COUNT_MAX).
 * observer names this server in each AuditEvent's source. When path is given ("/api/audit"), the
 * Bundle links self and (when more follow) next as path?count=..&offset=... Returns a new object
 * (caller puts), or NULL when the log cannot be read or memory ran out. */
json_object *audit_bundle_patient(struct audit_log *log, const char *patient, const char *observer,
                                  size_t count, size_t offset, const char *path);

/* A count or offset parameter: digits only (at most 9), else dflt; capped at max. */
size_t audit_bundle_number(const char *s, size_t dflt, size_t max);

#endif
