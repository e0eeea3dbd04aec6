/* ZIP archives in memory (PKWARE APPNOTE 6.3): a writer for the PGO's export and a strict reader
 * for its import. zlib does the deflating and the CRC-32.
 *
 * The writer makes deterministic bytes: entries in the order added, every entry stamped with one
 * given time, deflate (level 6) or stored when deflating would not shrink it, names marked UTF-8,
 * no extra fields, no comments. No ZIP64: the writer refuses to pass the reader's caps, so what it
 * makes the reader always accepts.
 *
 * The reader trusts nothing: the end record must end the data, the central directory must sit
 * right before it, every local header must repeat its central entry (method, flags, name, and CRC
 * and sizes unless a data descriptor follows), entries may not overlap one another or the
 * directory, only stored and deflate are read, encrypted entries and ZIP64 are refused, names are
 * printable ASCII that cannot climb out (no "..", no absolute paths, no backslashes, no ':' (drive
 * letters), no empty or "." segments, no duplicates), and the caps below bound entries, sizes and
 * the compression ratio (zip bombs) before anything is inflated. Each entry's inflated length and
 * CRC-32 must match its directory entry. */
#ifndef REGIE_UTIL_ZIP_H
#define REGIE_UTIL_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIP_NAME_MAX       255
#define ZIP_ENTRIES_MAX    10000
#define ZIP_ENTRY_SIZE_MAX (256u << 20) /* uncompressed bytes of one entry */
#define ZIP_TOTAL_SIZE_MAX (256u << 20) /* uncompressed bytes of all entries */
#define ZIP_RATIO_MAX      200          /* uncompressed / compressed ... */
#define ZIP_RATIO_FROM     (1u << 20)   /* ... checked for entries larger than this */

enum zip_err {
    ZIP_OK = 0,
    ZIP_E_FORMAT,      /* not a ZIP, truncated, inconsistent headers, overlapping entries */
    ZIP_E_UNSUPPORTED, /* encryption, ZIP64, multi-disk, a method other than stored or deflate */
    ZIP_E_NAME,        /* a name that is empty, too long, climbs out, or repeats */
    ZIP_E_LIMIT,       /* too many entries, too large, or compressed too well (a bomb) */
    ZIP_E_CRC,         /* data that does not inflate to the stated length or CRC-32 */
    ZIP_E_NOMEM,
};
/* A short English text of an error. */
const char *zip_err_text(enum zip_err e);

/* Caps of the reader (and the writer). zip_limits_default gives the ZIP_* values above. */
struct zip_limits {
    size_t entries_max;
    size_t entry_size_max;
    size_t total_size_max;
    unsigned ratio_max;
    size_t ratio_from;
};
void zip_limits_default(struct zip_limits *l);

/* ---- writing ---- */

struct zip_writer;

/* A writer whose entries all carry the time unix_s (UTC, as the DOS date and time of the local
 * wall clock are read by tools; clamped to 1980..2107). NULL when out of memory. */
struct zip_writer *zip_writer_new(int64_t unix_s);
/* Adds an entry. The name is checked as the reader checks it. ZIP_OK, ZIP_E_NAME, ZIP_E_LIMIT
 * (past the caps; the writer then refuses everything), ZIP_E_NOMEM. */
enum zip_err zip_writer_add(struct zip_writer *w, const char *name, const void *data, size_t len);
/* Writes the central directory and hands over the archive (malloc'd, *len set). The writer is
 * freed either way. */
enum zip_err zip_writer_finish(struct zip_writer *w, uint8_t **out, size_t *len);
/* Frees a writer not finished. */
void zip_writer_free(struct zip_writer *w);

/* ---- reading ---- */

struct zip_entry {
    char name[ZIP_NAME_MAX + 1];
    uint8_t *data; /* inflated bytes, NUL-terminated (not counted in len); NULL for a directory */
    size_t len;
    bool dir; /* a name ending in '/' (no data) */
};

struct zip_archive {
    struct zip_entry *entries; /* in central directory order */
    size_t n;
};

/* Reads a whole archive. ZIP_OK with *out (free with zip_archive_free), or an error with a reason
 * in why (may be NULL) and *out empty. lim NULL: the defaults. */
enum zip_err zip_read(const void *data, size_t len, const struct zip_limits *lim,
                      struct zip_archive *out, char *why, size_t why_len);
/* The entry named name, or NULL. */
const struct zip_entry *zip_find(const struct zip_archive *a, const char *name);
void zip_archive_free(struct zip_archive *a);

/* Whether a name is acceptable in an archive (see the top of this file). */
bool zip_name_ok(const char *name, size_t len);

#endif
