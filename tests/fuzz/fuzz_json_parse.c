/* Fuzzes the bounded JSON reader: any bytes must give a value or a typed error, never a crash,
 * and a parsed value must print and re-parse to the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse((const char *)data, size, 32, &err, NULL, 0);
    if (!v) {
        if (err == JSONX_OK) abort();
        return 0;
    }
    size_t len = 0;
    const char *text = jsonx_text(v, false, &len);
    json_object *again = jsonx_parse(text, len, 64, &err, NULL, 0);
    if (!again) abort();
    size_t len2 = 0;
    const char *text2 = jsonx_text(again, false, &len2);
    if (len != len2 || memcmp(text, text2, len) != 0) abort();
    json_object_put(again);
    json_object_put(v);
    return 0;
}
