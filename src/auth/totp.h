/* TOTP (RFC 6238): HOTP (RFC 4226) over HMAC-SHA1 with the Unix time in 30-second steps, the second
 * factor every authenticator app speaks. regie uses 6 digits, a window of one step either side
 * (clock drift and typing time), and refuses a step at or before the last one accepted for the
 * account, so a code seen over a shoulder cannot be used again. */
#ifndef REGIE_AUTH_TOTP_H
#define REGIE_AUTH_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/base32.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, the HMAC-SHA1 block-friendly size RFC 4226 recommends */
#define TOTP_SECRET_B32   (BASE32_ENCODED_LEN(TOTP_SECRET_BYTES) + 1) /* 32 characters and NUL */
#define TOTP_DIGITS       6
#define TOTP_PERIOD       30
#define TOTP_WINDOW       1 /* steps accepted either side of now */

/* HOTP value of counter under key, truncated to `digits` (1..9) decimal digits. */
uint32_t hotp(const uint8_t *key, size_t key_len, uint64_t counter, unsigned digits);

/* The time step of a Unix time (seconds). */
int64_t totp_step(int64_t unix_time);

/* Draws TOTP_SECRET_BYTES from the system CSPRNG and writes their base32 spelling into b32.
 * Returns 0, or -1 when the random source failed. */
int totp_secret_new(char b32[TOTP_SECRET_B32]);

enum totp_rc {
    TOTP_OK,      /* *step is the step the code matched; store it as the account's last step */
    TOTP_WRONG,   /* not a code of any step in the window (or not 6 digits) */
    TOTP_REPLAY,  /* a code of a step at or before last_step: already used */
    TOTP_BAD_KEY, /* the stored secret does not decode */
};

/* Checks a code typed by the user against the base32 secret at unix_time. Every step of the window
 * is computed and compared in constant time, whether or not an earlier one matched. */
enum totp_rc totp_verify(const char *secret_b32, const char *code, int64_t unix_time,
                         int64_t last_step, int64_t *step);

/* The otpauth:// URI an authenticator app reads from the enrolment QR code:
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30, with
 * issuer and account percent-encoded. Returns a malloc'd string or NULL (out of memory). */
char *totp_uri(const char *issuer, const char *account, const char *secret_b32);

#endif
