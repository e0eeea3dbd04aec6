/* Unpadded base64: the standard alphabet (argon2's encoded hashes) and the URL-safe one (session
 * ids and CSRF tokens in cookies and forms). */
#ifndef REGIE_AUTH_BASE64_H
#define REGIE_AUTH_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BASE64_ENCODED_LEN(n) (((n)*4 + 2) / 3)

/* Encodes n bytes without padding into out (NUL-terminated); url picks "-_" over "+/". Returns the
 * length, or -1 when out (cap bytes) is too small. */
int base64_encode(const uint8_t *in, size_t n, char *out, size_t cap, bool url);

/* Decodes unpadded text of length n in one alphabet. Padding, whitespace, the other alphabet's
 * characters, an impossible length (n % 4 == 1) and non-zero left-over bits are refused. Returns
 * the byte count, or -1 on refusal or when out (cap bytes) is too small. */
int base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, bool url);

#endif
