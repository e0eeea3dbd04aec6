/* Fuzzes the log line parser verify uses: any bytes parse or not, never a crash; a line that parses
 * is exactly the line audit_line_format writes for its entry (one written form), and its
 * AuditEvent renders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/auditevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct audit_line l;
    char why[128];
    if (audit_line_parse((const char *)data, size, &l, why, sizeof why) != 0) return 0;
    static char again[AUDIT_LINE_MAX];
    char hash[AUDIT_HASH_HEX];
    enum audit_err err;
    size_t n = audit_line_format(&l.e, l.seq, l.prev, NULL, 0, again, hash, &err);
    /* Same body byte for byte (the hash in the input may be anything). */
    if (n == 0 || n - 1 < l.body_len || memcmp(again, data, l.body_len) != 0) abort();
    json_object *ev = audit_event_from_line(&l, "fuzz");
    if (!ev) abort();
    json_object_put(ev);
    return 0;
}
