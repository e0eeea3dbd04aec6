/* Strict unpadded base64, so every value has exactly one spelling. */
#include "auth/base64.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64_encode(const uint8_t *in, size_t n, char *out, size_t cap, bool url)
{
    const char *a = url ? url_alphabet : std_alphabet;
    size_t len = BASE64_ENCODED_LEN(n);
    if (len + 1 > cap || len > 0x7fffffff) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            out[o++] = a[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0) out[o++] = a[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return (int)o;
}

static int value_of(char c, bool url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

int base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, bool url)
{
    if (n % 4 == 1) return -1;
    size_t len = n * 3 / 4;
    if (len > cap || len > 0x7fffffff) return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = value_of(in[i], url);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= (1u << bits) - 1;
    }
    if (acc != 0) return -1;
    return (int)o;
}
