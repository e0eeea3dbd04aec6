/* Reading import files: plain or bzip2 (told apart by the "BZh" magic, never by the name), as a
 * byte stream with line reading on top. Every read is bounded by the caller's cap, so a hostile or
 * broken file cannot make us allocate without limit. */
#ifndef REGIE_CLI_READER_H
#define REGIE_CLI_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"

/* Largest single JSON document (a whole Bundle, or one NDJSON line) an import will hold. */
#define CLI_DOC_MAX ((size_t)512 * 1024 * 1024)

struct cli_reader;

/* Opens path for reading. Returns NULL with a message in err (missing file, a directory,
 * unreadable). Messages never repeat the file name; callers put it in front. */
struct cli_reader *cli_reader_open(const char *path, char *err, size_t err_len);
/* Same over an already open stream (not closed by cli_reader_close). */
struct cli_reader *cli_reader_from_stream(FILE *f, char *err, size_t err_len);
void cli_reader_close(struct cli_reader *r);

/* True when the file starts with the bzip2 magic and is being decompressed. */
bool cli_reader_is_bzip2(const struct cli_reader *r);

/* Reads up to n bytes. Returns the number read (0 at the end), or -1 with a message in err
 * (I/O error, corrupt or truncated bzip2 stream). */
long cli_reader_read(struct cli_reader *r, void *dst, size_t n, char *err, size_t err_len);

/* Appends the next line to line (without its '\n'; a trailing '\r' is kept, JSON treats it as
 * space). Returns 1 when a line was read (a last line without '\n' counts), 0 at the end, -1 on
 * a read error or when the line would pass line's limit (message in err). */
int cli_reader_line(struct cli_reader *r, struct buf *line, char *err, size_t err_len);

/* Appends everything left to out. Returns 0, or -1 with a message (read error, out's limit). */
int cli_reader_rest(struct cli_reader *r, struct buf *out, char *err, size_t err_len);

#endif
