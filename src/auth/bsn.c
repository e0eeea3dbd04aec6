/* The BSN 11-proef. */
#include "auth/bsn.h"

#include <string.h>

bool bsn_valid(const char *s)
{
    if (!s || strlen(s) != BSN_LEN) return false;
    int sum = 0;
    bool any_nonzero = false;
    for (int i = 0; i < BSN_LEN; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        int d = s[i] - '0';
        if (d) any_nonzero = true;
        /* Weights 9..2 for the first eight digits, -1 for the check digit. */
        sum += i < BSN_LEN - 1 ? d * (BSN_LEN - i) : -d;
    }
    return any_nonzero && sum % 11 == 0;
}
