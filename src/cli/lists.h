/* Inside `regie lists`: checking lists that exist (lists_check.c) next to writing new ones
 * (lists.c). */
#ifndef REGIE_CLI_LISTS_H
#define REGIE_CLI_LISTS_H

#include <stddef.h>

/* Reads each source (a file or an https:// URL), checks it as regie does when it takes a list in
 * (with the XSDs in xsd_dir too, when given), and prints one line per source: what it holds, or
 * why it is refused. Returns 0 when every source passed, 1 otherwise. */
int cli_lists_check(char *const *sources, size_t n, const char *xsd_dir, const char *ca_file);

#endif
