/* Shared inside src/audit/ only. */
#ifndef REGIE_AUDIT_INTERNAL_H
#define REGIE_AUDIT_INTERNAL_H

#include <stddef.h>

#include "audit/audit.h"

/* The prev of seq 1. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Calls cb for each newline-terminated line of the file at path (the newline not passed), with
 * its 1-based line number; cb returns non-zero to stop. Bytes after the last newline are not
 * passed: *torn gets their count. A line longer than AUDIT_LINE_MAX is passed cut to that length
 * (so the parser refuses it). Returns 0, or -1 when the file cannot be read (errno set). */
int audit_scan(const char *path, int (*cb)(const char *line, size_t len, void *ctx), void *ctx,
               size_t *torn);

#endif
