/* Fuzzes the MedMij list reader: any bytes give a list or a refusal with a reason, never a crash;
 * a list that is accepted is written again, and what is written reads back as the same list
 * (same kind, Volgnummer, Tijdstempel and entries, every key found by its lookup). Both the strict
 * reader and the one that skips unknown elements run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medmij/lists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t entries(const struct medmij_list *l)
{
    return l->n_providers + l->n_clients + l->n_nodes + l->n_service_names;
}

static void check_lookups(const struct medmij_list *l)
{
    for (size_t i = 0; i < l->n_providers; i++) {
        const struct medmij_provider *p = &l->providers[i];
        if (medmij_zal_provider(l, p->name) != p) abort();
        for (size_t j = 0; j < p->n_services; j++)
            if (medmij_zal_service(p, p->services[j].id) != &p->services[j]) abort();
    }
    for (size_t i = 0; i < l->n_clients; i++)
        if (medmij_ocl_client(l, l->clients[i].hostname) != &l->clients[i]) abort();
    for (size_t i = 0; i < l->n_nodes; i++)
        if (!medmij_whitelist_has(l, l->nodes[i])) abort();
    for (size_t i = 0; i < l->n_service_names; i++)
        if (medmij_gnl_name(l, l->service_names[i].id) != l->service_names[i].name) abort();
}

static void round_trip(const struct medmij_list *l)
{
    check_lookups(l);
    struct buf out;
    buf_init(&out, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
    char err[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0) abort(); /* what was read is writable */
    struct medmij_parse_opts o = {.expect = l->kind};
    struct medmij_list *back = medmij_list_parse(out.data, out.len, &o, err, sizeof err);
    if (!back) abort();
    if (back->volgnummer != l->volgnummer || strcmp(back->tijdstempel, l->tijdstempel) != 0 ||
        entries(back) != entries(l))
        abort();
    medmij_list_free(back);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    for (int unknown = 0; unknown < 2; unknown++) {
        struct medmij_parse_opts o = {
            .expect = MEDMIJ_LIST_ANY, .max_bytes = 1 << 20, .allow_unknown_elements = unknown};
        err[0] = '\0';
        struct medmij_list *l = medmij_list_parse((const char *)data, size, &o, err, sizeof err);
        if (!l) {
            if (!err[0]) abort(); /* every refusal says why */
            continue;
        }
        if (l->kind >= MEDMIJ_LIST_KINDS || l->volgnummer == 0) abort();
        round_trip(l);
        medmij_list_free(l);
    }
    return 0;
}
