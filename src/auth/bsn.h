/* The burgerservicenummer (BSN), the Dutch national person number. A BSN is personal data of the
 * strictest kind: never log it, never put it in a URL. */
#ifndef REGIE_AUTH_BSN_H
#define REGIE_AUTH_BSN_H

#include <stdbool.h>

#define BSN_LEN 9 /* digits; an 8-digit number is written with a leading zero */

/* True when s is exactly nine digits that pass the 11-proef
 * (9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11) and are not all zero. */
bool bsn_valid(const char *s);

#endif
