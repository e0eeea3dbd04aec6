/* A log entry as a FHIR R4 AuditEvent, for a patient reading their own log. */
#ifndef REGIE_AUDIT_AUDITEVENT_H
#define REGIE_AUDIT_AUDITEVENT_H

#include <json-c/json.h>

#include "audit/audit.h"

/* The AuditEvent for l (id "audit-<seq>"); observer names this server in source.observer. Returns
 * a new object (caller puts it) or NULL when out of memory. */
json_object *audit_event_from_line(const struct audit_line *l, const char *observer);

#endif
