/* `regie serve --config FILE [--role dva|pgo]`: a MedMij node from its config file
 * (docs/node-config.md). serve.c parses the command line and hands over here. */
#ifndef REGIE_CLI_SERVE_NODE_H
#define REGIE_CLI_SERVE_NODE_H

/* The command line's part: the file, the role, and the values that replace the file's (NULL:
 * not given). */
struct serve_node_opts {
    const char *config;
    const char *role;
    const char *listen, *db, *base_url;
    const char *tls_cert, *tls_key, *tls_client_ca;
};

/* Loads the config, opens the node, sets up its role, serves until SIGINT or SIGTERM (blocked by
 * the caller in every thread). Prints `ready <role> <name> <public_url>` on stdout when
 * listening. Returns the exit status: 0 after a signal, 2 for a bad config, 1 when the node
 * cannot start. */
int serve_node(const struct serve_node_opts *o);

#endif
