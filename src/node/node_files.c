/* A node's files at start (node_files.h). */
#include "node/node_files.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

#define AUDIT_KEY_NEW_BYTES 32

int node_make_dir(const char *dir, const char *what, char *err, size_t err_len)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return 0;
        snprintf(err, err_len, "%s %s is not a directory", what, dir);
        return -1;
    }
    if (errno != ENOENT || mkdir(dir, 0700) != 0) {
        snprintf(err, err_len, "%s %s: %s", what, dir, strerror(errno));
        return -1;
    }
    return 0;
}

int node_read_pem(const char *what, const char *path, char **out, char *err, size_t err_len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, NODE_PEM_MAX);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != 0) break;
    bool bad_read = ferror(f) != 0;
    fclose(f);
    const char *why = bad_read                                ? "read error"
                      : b.overflowed                          ? "larger than 1 MiB"
                      : !b.len || memchr(b.data, '\0', b.len) ? "not a PEM file"
                      : !strstr(b.data, "-----BEGIN ")        ? "not a PEM file"
                                                              : NULL;
    if (why) {
        snprintf(err, err_len, "%s %s: %s", what, path, why);
        if (b.data) OPENSSL_cleanse(b.data, b.len);
        buf_free(&b);
        return -1;
    }
    *out = buf_steal(&b, &n);
    buf_free(&b);
    return 0;
}

void node_free_secret(char *pem)
{
    if (!pem) return;
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
}

/* A new key: exclusive create, so two nodes starting at once cannot both write one. */
static int make_key(const char *path, char *err, size_t err_len)
{
    uint8_t key[AUDIT_KEY_NEW_BYTES];
    if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
        snprintf(err, err_len, "no random bytes for the audit key: %s", strerror(errno));
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        OPENSSL_cleanse(key, sizeof key);
        if (errno == EEXIST) return 0; /* made meanwhile: load that one */
        snprintf(err, err_len, "cannot make audit key %s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0;
    int e = errno;
    OPENSSL_cleanse(key, sizeof key);
    if (close(fd) != 0) ok = false;
    if (!ok) {
        unlink(path);
        snprintf(err, err_len, "cannot write audit key %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

long node_audit_key(const char *path, uint8_t key[AUDIT_KEY_MAX], char *err, size_t err_len)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, err_len, "audit key %s: %s", path, strerror(errno));
            return -1;
        }
        if (make_key(path, err, err_len) != 0) return -1;
    }
    return audit_key_load(path, key, err, err_len);
}
