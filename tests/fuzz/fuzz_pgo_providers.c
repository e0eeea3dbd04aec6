/* Fuzzes the provider search's query handling: any bytes normalise to lower-case ASCII letters,
 * digits and single blanks within the capacity, and searching with them over a small ZAL never
 * crashes and returns hits in rank order. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/providers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct medmij_zal_service services[] = {
    {"48", "https://gp.test/authorize", "https://gp.test/token", NULL, 0},
};
static const struct medmij_provider providers[] = {
    {"huisartsdelinde@medmij", services, 1},
    {"umcnoord@medmij", services, 1},
    {"ziekenhuisoost@medmij", services, 1},
};
static const struct medmij_list zal = {
    .kind = MEDMIJ_ZAL, .providers = providers, .n_providers = 3};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char out[PGO_QUERY_MAX + 1];
    size_t n = pgo_normalise(text, out, sizeof out);
    if (n >= sizeof out || strlen(out) != n) abort();
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ';
        if (!ok || (c == ' ' && (i == 0 || i + 1 == n || out[i - 1] == ' '))) abort();
    }
    struct pgo_provider_query q = {.text = text, .zal = &zal};
    struct pgo_provider_hit hits[3];
    size_t found = pgo_providers_search(&q, hits, 3);
    if (found != (size_t)-1) {
        if (found > 3) abort();
        for (size_t i = 1; i < found; i++)
            if (hits[i].rank < hits[i - 1].rank) abort();
    }
    free(text);
    return 0;
}
