/* The files a node keeps or reads at start: its data directory, the TLS PEMs, the audit key made
 * at first start. Used by node.c. */
#ifndef REGIE_NODE_NODE_FILES_H
#define REGIE_NODE_NODE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

#define NODE_PEM_MAX (1u << 20) /* a certificate chain or key larger than this is not one */

/* Makes dir (mode 0700) when it is missing; its parent must exist. 0, or -1 with err. */
int node_make_dir(const char *dir, const char *what, char *err, size_t err_len);

/* Reads a PEM file whole (NUL-terminated, at most NODE_PEM_MAX). 0 with *out malloc'd, or -1. */
int node_read_pem(const char *what, const char *path, char **out, char *err, size_t err_len);

/* Frees a PEM that may hold a private key, wiping it first. */
void node_free_secret(char *pem);

/* Loads the audit HMAC key at path, making it first (32 random bytes, mode 0600) when it does
 * not exist. Returns its length, or -1 with err. */
long node_audit_key(const char *path, uint8_t key[AUDIT_KEY_MAX], char *err, size_t err_len);

#endif
