/* Shared by the node config loader (config.c) and its catalogue part (config_service.c). */
#ifndef REGIE_NODE_CONFIG_INTERNAL_H
#define REGIE_NODE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "node/config.h"
#include "util/ini.h"

#define CONFIG_SETTINGS_MAX 64 /* rows of config.c's settings table */

/* One file read: the main config or its include. */
struct config_file {
    char *path;
    char *dir; /* its directory: relative paths in it start here */
    struct ini ini;
    size_t *service_of; /* per ini section: its index in cfg->services (only [service] ones) */
};

/* Where a value was set (file NULL: nowhere yet / the command line). */
struct config_at {
    const struct config_file *file;
    unsigned line;
};

/* What the checks after loading need to know about a [service ID] section. */
struct config_service_meta {
    struct config_at header, name, kind, first_search;
    struct config_at *search_at; /* each search's line, parallel to node_service.searches */
};

struct config_loader {
    struct node_config *cfg;
    struct config_file files[2]; /* the include (when there is one) first, the main file last */
    size_t nfiles;
    struct config_at seen[CONFIG_SETTINGS_MAX]; /* first setting of each table row */
    struct config_at oauth_at, pgo_at;          /* first [oauth] / [pgo] header */
    struct config_at public_url_at;
    struct config_at offered_at[NODE_OFFERED_MAX]; /* each [oauth] services line */
    struct config_service_meta *meta;              /* parallel to cfg->services */
    bool public_url_cli;                           /* public_url came from --base-url */
    bool audit_key_none;                           /* [audit] key = none */
    char *err;
    size_t err_len;
};

/* Writes "FILE:LINE: what" (FILE: when line is 0; no prefix when f is NULL) into the loader's
 * err and returns -1. */
__attribute__((format(printf, 4, 5))) int config_fail(struct config_loader *l,
                                                      const struct config_file *f, unsigned line,
                                                      const char *fmt, ...);
int config_set_string(struct config_loader *l, char **dst, const char *value);
int config_push_string(struct config_loader *l, char ***list, size_t *n, const char *value);
bool config_valid_service_id(const char *s);

/* config_service.c: a [service ID] header (section index i of file f), one of its settings, and
 * the checks of the whole catalogue once everything is read. */
int config_service_section(struct config_loader *l, struct config_file *f, size_t i);
int config_service_entry(struct config_loader *l, struct config_file *f, const struct ini_entry *e);
int config_services_check(struct config_loader *l);

#endif
