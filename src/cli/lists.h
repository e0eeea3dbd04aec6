/* Inside `regie lists`: reading the network description (lists_desc.c), writing the lists
 * (lists.c), checking lists that exist (lists_check.c). */
#ifndef REGIE_CLI_LISTS_H
#define REGIE_CLI_LISTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medmij/lists.h"

/* Strings built from a description (names with @medmij, endpoint URLs); freed together. */
struct owned {
    char **items;
    size_t n, cap;
};

/* The network a description names, as the lists' structs; everything it points to lives in the
 * description's JSON tree or in `strings`. */
struct network {
    struct owned strings;
    struct medmij_provider *providers;
    size_t n_providers;
    struct medmij_zal_service *services; /* all providers' services, in one array */
    struct medmij_role *roles;           /* all roles */
    struct medmij_client *clients;
    size_t n_clients;
    const char **nodes;
    size_t n_nodes, cap_nodes;
    struct medmij_service_name *names;
    size_t n_names;
    uint64_t volgnummer; /* 0: from the lists in DIR */
    bool allow_ports;    /* --allow-ports: the default authorize endpoint keeps the port (dev) */
    const char *tijdstempel;
};

/* Fills n from the description (messages on stderr). 0, or -1 when the description is refused. */
int lists_read_description(struct network *n, json_object *desc);
void lists_network_free(struct network *n);

/* Reads each source (a file or an https:// URL), checks it as regie does when it takes a list in
 * (with the XSDs in xsd_dir too, when given), and prints one line per source: what it holds, or
 * why it is refused. Returns 0 when every source passed, 1 otherwise. */
int cli_lists_check(char *const *sources, size_t n, const char *xsd_dir, const char *ca_file);

#endif
