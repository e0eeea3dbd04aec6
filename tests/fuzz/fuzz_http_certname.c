/* Fuzzes the host name taken from a client certificate (DER, parsed by GnuTLS): any bytes give a
 * name or a refusal, never a crash; a name is non-empty, shorter than HTTP_CLIENT_HOST_MAX and
 * made of lower-case letters, digits, hyphens and dots only, so it is safe in a log line and
 * compares with a Whitelist entry byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char host[HTTP_CLIENT_HOST_MAX];
    memset(host, 'x', sizeof host);
    bool ok = http_tls_cert_host(data, size, host);
    size_t len = strnlen(host, sizeof host);
    if (len == sizeof host) abort();
    if (ok != (len > 0)) abort();
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) abort();
    }
    return 0;
}
