/* Fuzzes the host name check of the local CA (regie ca issue --host): any bytes give yes or no,
 * never a crash; a yes is a numeric address or a name of DNS characters only (nothing that could
 * add another entry to the subjectAltName list OpenSSL builds from it). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/certgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (certgen_host_valid(s)) {
        unsigned char addr[16];
        bool ip = inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
        size_t len = strlen(s);
        if (!ip) {
            if (len == 0 || len > CERTGEN_HOST_MAX) abort();
            if (s[0] == '.' || s[0] == '-' || s[len - 1] == '.' || s[len - 1] == '-') abort();
            if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") !=
                len)
                abort();
            if (strstr(s, "..")) abort();
        }
    }
    free(s);
    return 0;
}
