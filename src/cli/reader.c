#include "cli/reader.h"

#include <bzlib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READER_CHUNK 65536

struct cli_reader {
    FILE *f;
    bool own_file;
    bool bzip2;
    bool bz_active; /* bz is initialised and a stream is in progress */
    bool bz_done;   /* a stream ended and no further stream follows */
    bz_stream bz;
    char raw[READER_CHUNK]; /* bytes from the file not yet consumed */
    size_t raw_pos, raw_len;
    bool raw_eof;
    char out[READER_CHUNK]; /* decoded bytes not yet handed out */
    size_t out_pos, out_len;
};

/* Refills r->raw from the file when it is used up. read(2) rather than fread, so bytes from a pipe
 * are handed on as they come instead of waiting for a full buffer. Returns 0, or -1 on a read
 * error. */
static int fill_raw(struct cli_reader *r, char *err, size_t err_len)
{
    if (r->raw_pos < r->raw_len || r->raw_eof) return 0;
    r->raw_pos = 0;
    r->raw_len = 0;
    ssize_t n;
    do {
        n = read(fileno(r->f), r->raw, sizeof r->raw);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        snprintf(err, err_len, "read error: %s", strerror(errno));
        return -1;
    }
    if (n == 0) r->raw_eof = true;
    r->raw_len = (size_t)n;
    return 0;
}

static struct cli_reader *reader_new(FILE *f, bool own, char *err, size_t err_len)
{
    struct cli_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_len, "out of memory");
        if (own) fclose(f);
        return NULL;
    }
    r->f = f;
    r->own_file = own;
    if (fill_raw(r, err, err_len) != 0) {
        cli_reader_close(r);
        return NULL;
    }
    /* A pipe may deliver less than the three magic bytes at first. */
    while (r->raw_len < 3 && !r->raw_eof) {
        ssize_t n = read(fileno(r->f), r->raw + r->raw_len, sizeof r->raw - r->raw_len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err, err_len, "read error: %s", strerror(errno));
            cli_reader_close(r);
            return NULL;
        }
        if (n == 0) r->raw_eof = true;
        r->raw_len += (size_t)n;
    }
    r->bzip2 = r->raw_len >= 3 && !memcmp(r->raw, "BZh", 3);
    return r;
}

struct cli_reader *cli_reader_open(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "is a directory, not a file");
        fclose(f);
        return NULL;
    }
    return reader_new(f, true, err, err_len);
}

struct cli_reader *cli_reader_from_stream(FILE *f, char *err, size_t err_len)
{
    return reader_new(f, false, err, err_len);
}

void cli_reader_close(struct cli_reader *r)
{
    if (!r) return;
    if (r->bz_active) BZ2_bzDecompressEnd(&r->bz);
    if (r->own_file) fclose(r->f);
    free(r);
}

bool cli_reader_is_bzip2(const struct cli_reader *r)
{
    return r->bzip2;
}

static const char *bz_reason(int rc)
{
    switch (rc) {
    case BZ_DATA_ERROR:
        return "corrupt bzip2 data (checksum or structure error)";
    case BZ_DATA_ERROR_MAGIC:
        return "corrupt bzip2 data (bad stream header)";
    case BZ_MEM_ERROR:
        return "out of memory while decompressing";
    default:
        return "bzip2 decompression failed";
    }
}

/* Decodes more bzip2 output into r->out. Concatenated streams (as pbzip2 writes) are read one
 * after the other. Returns 0 (r->out_len == 0 means the end), or -1 with a message. */
static int fill_bzip2(struct cli_reader *r, char *err, size_t err_len)
{
    r->out_pos = r->out_len = 0;
    while (r->out_len == 0 && !r->bz_done) {
        if (fill_raw(r, err, err_len) != 0) return -1;
        if (!r->bz_active) {
            if (r->raw_pos == r->raw_len) { /* clean end after a complete stream */
                r->bz_done = true;
                break;
            }
            memset(&r->bz, 0, sizeof r->bz);
            int rc = BZ2_bzDecompressInit(&r->bz, 0, 0);
            if (rc != BZ_OK) {
                snprintf(err, err_len, "%s", bz_reason(rc));
                return -1;
            }
            r->bz_active = true;
        }
        r->bz.next_in = r->raw + r->raw_pos;
        r->bz.avail_in = (unsigned)(r->raw_len - r->raw_pos);
        r->bz.next_out = r->out;
        r->bz.avail_out = sizeof r->out;
        int rc = BZ2_bzDecompress(&r->bz);
        r->raw_pos = r->raw_len - r->bz.avail_in;
        r->out_len = sizeof r->out - r->bz.avail_out;
        if (rc == BZ_STREAM_END) {
            BZ2_bzDecompressEnd(&r->bz);
            r->bz_active = false;
            /* Another stream may follow; fill_raw on the next round tells. */
        } else if (rc != BZ_OK) {
            snprintf(err, err_len, "%s", bz_reason(rc));
            return -1;
        } else if (r->out_len == 0 && r->raw_eof && r->raw_pos == r->raw_len) {
            /* The decoder wants input and the file has none left. */
            snprintf(err, err_len, "bzip2 stream ends early (truncated file?)");
            return -1;
        }
    }
    return 0;
}

/* Makes decoded bytes available in r->out. Returns 0 (none left means the end) or -1. */
static int fill_out(struct cli_reader *r, char *err, size_t err_len)
{
    if (r->out_pos < r->out_len) return 0;
    if (r->bzip2) return fill_bzip2(r, err, err_len);
    /* Plain: hand out the raw buffer's bytes through out. */
    if (fill_raw(r, err, err_len) != 0) return -1;
    size_t n = r->raw_len - r->raw_pos;
    memcpy(r->out, r->raw + r->raw_pos, n);
    r->raw_pos = r->raw_len;
    r->out_pos = 0;
    r->out_len = n;
    return 0;
}

long cli_reader_read(struct cli_reader *r, void *dst, size_t n, char *err, size_t err_len)
{
    size_t got = 0;
    while (got < n) {
        if (fill_out(r, err, err_len) != 0) return -1;
        size_t avail = r->out_len - r->out_pos;
        if (avail == 0) break;
        size_t take = avail < n - got ? avail : n - got;
        memcpy((char *)dst + got, r->out + r->out_pos, take);
        r->out_pos += take;
        got += take;
    }
    return (long)got;
}

int cli_reader_line(struct cli_reader *r, struct buf *line, char *err, size_t err_len)
{
    bool any = false;
    for (;;) {
        if (fill_out(r, err, err_len) != 0) return -1;
        size_t avail = r->out_len - r->out_pos;
        if (avail == 0) return any ? 1 : 0;
        any = true;
        const char *start = r->out + r->out_pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (buf_append(line, start, take) != 0) {
            snprintf(err, err_len, "line longer than %zu bytes", line->limit);
            return -1;
        }
        r->out_pos += take;
        if (nl) {
            r->out_pos++;
            return 1;
        }
    }
}

int cli_reader_rest(struct cli_reader *r, struct buf *out, char *err, size_t err_len)
{
    for (;;) {
        if (fill_out(r, err, err_len) != 0) return -1;
        size_t avail = r->out_len - r->out_pos;
        if (avail == 0) return 0;
        if (buf_append(out, r->out + r->out_pos, avail) != 0) {
            snprintf(err, err_len, "document larger than %zu bytes", out->limit);
            return -1;
        }
        r->out_pos += avail;
    }
}
