/* The value syntaxes of the node config (docs/node-config.md): durations, sizes, counts,
 * booleans, listen addresses, URLs and paths. Each parser returns 0 or -1 with a short reason in
 * why (a constant string), so the loader can prefix FILE:LINE and the key. */
#ifndef REGIE_NODE_CONFIG_VALUE_H
#define REGIE_NODE_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "true" or "false". */
int config_parse_bool(const char *s, bool *out, const char **why);
/* A whole number in [min, max], decimal digits only. */
int config_parse_count(const char *s, unsigned long long min, unsigned long long max,
                       unsigned long long *out, const char **why);
/* A number with a unit s, m, h or d ("15m"), in seconds within [min_s, max_s]. */
int config_parse_duration(const char *s, unsigned long long min_s, unsigned long long max_s,
                          unsigned long long *out, const char **why);
/* Bytes: a number, optionally followed by KiB, MiB or GiB ("16MiB", "16 MiB"), within [min, max].
 */
int config_parse_size(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out, const char **why);
/* HOST:PORT with HOST an IPv4 address, [IPv6] or localhost (which becomes 127.0.0.1). */
int config_parse_listen(const char *s, char *host, size_t host_cap, uint16_t *port,
                        const char **why);
/* An absolute http(s) URL of a node: scheme, a host, an optional port and path; no query, no
 * fragment, no blanks or control characters. https_only refuses http://. */
int config_check_url(const char *s, bool https_only, const char **why);
/* The path of value relative to dir (value itself when absolute or dir is NULL). malloc'd. */
char *config_path_join(const char *dir, const char *value);
/* The directory part of path ("." when it has none). malloc'd. */
char *config_dirname(const char *path);

#endif
