/* Sealing the PGO's secrets at rest: AES-256-GCM (OpenSSL EVP) under the key in pgo.key. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgo/connections.h"

#define SEAL_VERSION 1
#define NONCE_BYTES  12
#define TAG_BYTES    16
#define SEAL_MAX     (1u << 20) /* no token is anywhere near this */

int pgo_seal(const uint8_t key[PGO_KEY_BYTES], const char *aad, const void *plain, size_t len,
             uint8_t **out, size_t *out_len)
{
    *out = NULL;
    if (len > SEAL_MAX) return -1;
    size_t total = 1 + NONCE_BYTES + len + TAG_BYTES;
    uint8_t *buf = malloc(total);
    if (!buf) return -1;
    buf[0] = SEAL_VERSION;
    /* A random 96-bit nonce per value: far fewer than 2^32 seals are made under one key. */
    if (RAND_bytes(buf + 1, NONCE_BYTES) != 1) goto fail;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) goto fail;
    int n = 0, ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf + 1) == 1 &&
                    EVP_EncryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
                    EVP_EncryptUpdate(c, buf + 1 + NONCE_BYTES, &n, plain, (int)len) == 1 &&
                    EVP_EncryptFinal_ex(c, buf + 1 + NONCE_BYTES + n, &n) == 1 &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES,
                                        buf + 1 + NONCE_BYTES + len) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) goto fail;
    *out = buf;
    *out_len = total;
    return 0;
fail:
    OPENSSL_cleanse(buf, total);
    free(buf);
    return -1;
}

int pgo_open_sealed(const uint8_t key[PGO_KEY_BYTES], const char *aad, const uint8_t *sealed,
                    size_t len, char **out, size_t *out_len)
{
    *out = NULL;
    if (!sealed || len < 1 + NONCE_BYTES + TAG_BYTES || len > SEAL_MAX + 64 ||
        sealed[0] != SEAL_VERSION)
        return -1;
    size_t plain_len = len - 1 - NONCE_BYTES - TAG_BYTES;
    char *plain = malloc(plain_len + 1);
    if (!plain) return -1;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) {
        free(plain);
        return -1;
    }
    uint8_t tag[TAG_BYTES];
    memcpy(tag, sealed + len - TAG_BYTES, TAG_BYTES);
    int n = 0, ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed + 1) == 1 &&
                    EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
                    EVP_DecryptUpdate(c, (uint8_t *)plain, &n, sealed + 1 + NONCE_BYTES,
                                      (int)plain_len) == 1 &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1 &&
                    EVP_DecryptFinal_ex(c, (uint8_t *)plain + n, &n) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        OPENSSL_cleanse(plain, plain_len);
        free(plain);
        return -1;
    }
    plain[plain_len] = '\0';
    *out = plain;
    if (out_len) *out_len = plain_len;
    return 0;
}

static int read_key(int fd, const char *path, uint8_t key[PGO_KEY_BYTES], char *err, size_t err_len)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, err_len, "%s: readable by others (mode %o); it must be 0600", path,
                 (unsigned)(st.st_mode & 0777));
        return -1;
    }
    if (st.st_size != PGO_KEY_BYTES) {
        snprintf(err, err_len, "%s: not a key (%lld bytes, want %d)", path, (long long)st.st_size,
                 PGO_KEY_BYTES);
        return -1;
    }
    size_t got = 0;
    while (got < PGO_KEY_BYTES) {
        ssize_t r = read(fd, key + got, PGO_KEY_BYTES - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            snprintf(err, err_len, "%s: cannot read", path);
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* Makes a new key file. The bytes are written to a temporary name and renamed, so a crash never
 * leaves a short key under the real name; fsync of file and directory before the rename holds. */
static int make_key(const char *path, uint8_t key[PGO_KEY_BYTES], char *err, size_t err_len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp) {
        snprintf(err, err_len, "key path too long");
        return -1;
    }
    if (RAND_bytes(key, PGO_KEY_BYTES) != 1) {
        snprintf(err, err_len, "no random bytes for the key");
        return -1;
    }
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    bool ok = write(fd, key, PGO_KEY_BYTES) == PGO_KEY_BYTES && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    /* link() fails when the name exists: another process made the key first; use theirs. */
    if (ok && link(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    unlink(tmp);
    if (!ok) {
        OPENSSL_cleanse(key, PGO_KEY_BYTES);
        snprintf(err, err_len, "%s: cannot write the key: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        int dfd = open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return 0;
}

int pgo_key_load(const char *path, uint8_t key[PGO_KEY_BYTES], char *err, size_t err_len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            int rc = read_key(fd, path, key, err, err_len);
            close(fd);
            return rc;
        }
        if (errno != ENOENT) {
            snprintf(err, err_len, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (make_key(path, key, err, err_len) == 0) return 0;
        if (errno != EEXIST) return -1;
        /* Lost a race with another process making it: read theirs. */
    }
    return -1;
}
