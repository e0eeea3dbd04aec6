/* Fuzzes the argon2id encoded-hash parser (what is read back from the account database): any bytes
 * parse or are refused, never a crash; what parses is within the documented limits. Verification
 * is not run, since even small parameters make the fuzzer slow; the parser is what sees the bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "auth/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct password_encoded e;
    if (password_parse((const char *)data, size, &e) != 0) return 0;
    if (e.version != 19 || !password_params_valid(&e.params)) abort();
    if (e.params.m_cost_kib > PASSWORD_M_MAX_KIB || e.params.t_cost > PASSWORD_T_MAX ||
        e.params.lanes > PASSWORD_P_MAX)
        abort();
    if (e.salt_len < 8 || e.salt_len > sizeof e.salt || e.hash_len < 16 ||
        e.hash_len > sizeof e.hash)
        abort();
    return 0;
}
