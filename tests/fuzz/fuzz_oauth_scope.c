/* Fuzzes the MedMij scope parser: any bytes parse or are refused with a reason, never a crash; a
 * parsed scope is self-consistent (form and id count agree, ids are digits, the provider is
 * lower-case letters that the provider check recognises). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct oauth_scope s;
    const char *why = NULL;
    if (oauth_scope_parse((const char *)data, size, &s, &why) != 0) {
        if (!why) abort();
        return 0;
    }
    if (size == 0 || size > OAUTH_SCOPE_MAX) abort();
    if (s.form == OAUTH_SCOPE_NAME && s.nids != 0) abort();
    if (s.form != OAUTH_SCOPE_NAME && s.nids == 0) abort();
    if (s.form == OAUTH_SCOPE_SUBSCRIBE &&
        (s.nids != 1 || s.subscribe_days == 0 || s.subscribe_days > OAUTH_SUBSCRIBE_DAYS_MAX))
        abort();
    if (s.nids > OAUTH_SCOPE_IDS_MAX) abort();
    size_t plen = strlen(s.provider);
    if (plen == 0 || strspn(s.provider, "abcdefghijklmnopqrstuvwxyz") != plen) abort();
    if (!oauth_scope_provider_is(&s, s.provider)) abort();
    for (size_t i = 0; i < s.nids; i++) {
        size_t n = strlen(s.ids[i]);
        if (n == 0 || strspn(s.ids[i], "0123456789") != n || s.ids[i][0] == '0') abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s.ids[i], s.ids[j])) abort();
    }
    return 0;
}
