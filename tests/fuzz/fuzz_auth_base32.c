/* Fuzzes the base32 and base64 decoders: any bytes decode or are refused, never a crash; whatever
 * decodes encodes back to the same text (one spelling per value, modulo case and base32 padding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/base32.h"
#include "auth/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    const char *text = (const char *)data;
    uint8_t out[4096];
    char back[8192];
    int n = base32_decode(text, size, out, sizeof out);
    if (n >= 0) {
        if ((size_t)n > size) abort();
        int len = base32_encode(out, (size_t)n, back, sizeof back);
        if (len < 0) abort();
        /* The input without padding, upper-cased, is the encoding. */
        size_t data_len = size;
        while (data_len && text[data_len - 1] == '=') data_len--;
        if ((size_t)len != data_len) abort();
        for (size_t i = 0; i < data_len; i++)
            if (upper(text[i]) != back[i]) abort();
    }
    for (int url = 0; url < 2; url++) {
        n = base64_decode(text, size, out, sizeof out, url);
        if (n < 0) continue;
        int len = base64_encode(out, (size_t)n, back, sizeof back, url);
        if (len < 0 || (size_t)len != size || memcmp(back, text, size) != 0) abort();
    }
    return 0;
}
