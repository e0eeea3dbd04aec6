/* The HMAC key file: raw bytes, private to the owner. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"

long audit_key_load(const char *path, uint8_t key[AUDIT_KEY_MAX], char *err, size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_len, "cannot open key %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        snprintf(err, err_len, "key %s must be a regular file readable by its owner only (0600)",
                 path);
        close(fd);
        return -1;
    }
    uint8_t extra;
    ssize_t n = read(fd, key, AUDIT_KEY_MAX);
    ssize_t more = n == AUDIT_KEY_MAX ? read(fd, &extra, 1) : 0;
    close(fd);
    if (n < AUDIT_KEY_MIN || more != 0) {
        snprintf(err, err_len, "key %s must hold %d to %d bytes", path, AUDIT_KEY_MIN,
                 AUDIT_KEY_MAX);
        if (n > 0) explicit_bzero(key, (size_t)n);
        return -1;
    }
    return (long)n;
}
