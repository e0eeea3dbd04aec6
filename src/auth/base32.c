/* RFC 4648 section 6 base32, written out because the few lines are easier to check than a
 * dependency. */
#include "auth/base32.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t len = BASE32_ENCODED_LEN(n);
    if (len + 1 > cap || len > 0x7fffffff) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out[o++] = alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return (int)o;
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

int base32_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    /* Padding only at the end, and then the whole text is a multiple of 8 characters. */
    size_t data = n;
    while (data > 0 && in[data - 1] == '=') data--;
    if (data < n && (n % 8 != 0 || n - data > 6)) return -1;
    /* Lengths mod 8 of 1, 3 and 6 are never produced by an encoder. */
    size_t rest = data % 8;
    if (rest == 1 || rest == 3 || rest == 6) return -1;
    size_t len = data * 5 / 8;
    if (len > cap || len > 0x7fffffff) return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < data; i++) {
        int v = value_of(in[i]);
        if (v < 0) return -1;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= (1u << bits) - 1;
    }
    if (acc != 0) return -1; /* left-over bits must be zero */
    return (int)o;
}
