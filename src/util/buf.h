/* Capped growable byte buffers. Every buffer has a hard limit given at init; an append past it
 * fails, frees the contents and leaves the buffer empty and in the "overflowed" state, so a caller
 * can append many times and check once. The data is always NUL-terminated (not counted in len). */
#ifndef REGIE_UTIL_BUF_H
#define REGIE_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
    bool overflowed;
};

/* Prepares an empty buffer that will never hold more than `limit` bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t limit);

/* Appends n bytes. Returns 0, or -1 when the limit would be passed or memory ran out
 * (the buffer is then freed and marked overflowed; further appends keep failing). */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
__attribute__((format(printf, 2, 3))) int buf_printf(struct buf *b, const char *fmt, ...);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);

/* Hands the bytes to the caller (free() them); the buffer is left empty. May return NULL when
 * empty. */
char *buf_steal(struct buf *b, size_t *len);

void buf_free(struct buf *b);

#endif
