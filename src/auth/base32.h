/* RFC 4648 base32 (the alphabet A-Z 2-7), as authenticator apps take TOTP secrets. */
#ifndef REGIE_AUTH_BASE32_H
#define REGIE_AUTH_BASE32_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode n bytes without padding (not counting the NUL). */
#define BASE32_ENCODED_LEN(n) (((n)*8 + 4) / 5)

/* Encodes n bytes without '=' padding into out (upper case, NUL-terminated). Returns the length,
 * or -1 when out (cap bytes) is too small. */
int base32_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decodes base32 text of length n. Upper and lower case are accepted, and so is '=' padding at the
 * end; spaces, other characters, padding in the middle, a length no encoder makes and non-zero
 * left-over bits are refused (so every secret has exactly one spelling, modulo case and padding).
 * Returns the number of bytes written, or -1 on refusal or when out (cap bytes) is too small. */
int base32_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
