/* The syntax of regie's configuration files (docs/node-config.md "Format"): line based UTF-8 with
 * `[section]` or `[section argument]` headers, `key = value` settings (a value may be quoted, with
 * \" and \\ inside the quotes), comments, and keys that may repeat. This file knows nothing of
 * what the sections and keys mean (node/config.c does); it returns every setting with its line,
 * so the meaning's errors can name the line too.
 *
 * Settings before the first header belong to sections[0], whose name is "" (the caller's default
 * section; the node config calls it [node]). A header (name and argument) may appear once per
 * file, so two halves of one section cannot silently override each other. */
#ifndef REGIE_UTIL_INI_H
#define REGIE_UTIL_INI_H

#include <stddef.h>

#define INI_LINE_MAX     4096       /* bytes of one line, without its line break */
#define INI_FILE_MAX     (1u << 20) /* bytes of one file */
#define INI_SETTINGS_MAX 4096       /* settings in one file */
#define INI_SECTIONS_MAX 1024       /* section headers in one file */
#define INI_NAME_MAX     64         /* bytes of a section name, argument or key */

struct ini_section {
    const char *name; /* [a-z][a-z0-9_]*, or "" for the settings before the first header */
    const char *arg;  /* [A-Za-z0-9._-]+, or NULL when the header has none */
    unsigned line;    /* 1-based line of the header; 0 for sections[0] */
};

struct ini_entry {
    size_t section;    /* index into sections */
    const char *key;   /* [a-z][a-z0-9_]* */
    const char *value; /* unquoted; may be empty */
    unsigned line;     /* 1-based */
};

struct ini {
    struct ini_section *sections; /* in file order; sections[0] is the unnamed one */
    size_t nsections;
    struct ini_entry *entries; /* in file order */
    size_t nentries;
    char *strings; /* owns every string above */
};

/* Parses len bytes of text. Returns 0 with *out filled (free with ini_free), or -1 with the
 * 1-based line of the fault in *err_line (0 when the fault is the file as a whole: too large, not
 * UTF-8 ...) and what is wrong in err. *out needs no freeing after -1. */
int ini_parse(const char *text, size_t len, struct ini *out, unsigned *err_line, char *err,
              size_t err_len);

/* Reads and parses the file at path (at most INI_FILE_MAX bytes). On -1, err reads
 * "PATH:LINE: what" (or "PATH: what" for a fault of the whole file). */
int ini_load(const char *path, struct ini *out, char *err, size_t err_len);

void ini_free(struct ini *ini);

#endif
