/* Reading the log file line by line, for verify and for a patient's view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

int audit_scan(const char *path, int (*cb)(const char *line, size_t len, void *ctx), void *ctx,
               size_t *torn)
{
    FILE *f = fopen(path, "rbe");
    if (!f) return -1;
    char *line = malloc(AUDIT_LINE_MAX);
    if (!line) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    size_t len = 0;  /* bytes of the current line kept (at most AUDIT_LINE_MAX) */
    size_t seen = 0; /* bytes of the current line read, kept or not */
    int c, stop = 0;
    while (!stop && (c = getc_unlocked(f)) != EOF) {
        if (c == '\n') {
            stop = cb(line, len, ctx);
            len = seen = 0;
            continue;
        }
        if (len < AUDIT_LINE_MAX) line[len++] = (char)c;
        seen++;
    }
    int err = ferror(f);
    if (torn) *torn = stop ? 0 : seen;
    free(line);
    fclose(f);
    if (err) {
        errno = EIO;
        return -1;
    }
    return 0;
}
