/* Helpers shared by the back channel's files (not for the rest of the PGO). */
#ifndef REGIE_PGO_BACKCHANNEL_INTERNAL_H
#define REGIE_PGO_BACKCHANNEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pgo/backchannel.h"
#include "util/buf.h"

/* Appends s percent-encoded for a form body or query value: RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~) as they are, every other byte as %XX (so a space is %20, never '+'). */
int pgo_pct_encode(struct buf *out, const char *s);

/* Appends a search ("Observation?code=http://loinc.org|85354-9") for a URL: bytes a URL may carry
 * in its path and query stay, existing %XX escapes stay, anything else ('|', space, non-ASCII,
 * '"', '<' ...) becomes %XX. */
int pgo_url_escape_search(struct buf *out, const char *search);

/* Copies at most cap-1 bytes of s[0..len) into out, dropping control characters, so text from a
 * peer can go into a log line or a message. */
void pgo_copy_printable(char *out, size_t cap, const char *s, size_t len);

/* Starts a pgo_fail: all zero. NULL-safe. */
void pgo_fail_clear(struct pgo_fail *f);

#endif
