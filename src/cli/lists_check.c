/* `regie lists --check SOURCE...`: reads lists the way the server takes them in and says what each
 * holds or why it is refused, so an operator can try a published list before pointing regie at
 * it. */
#include <inttypes.h>
#include <stdio.h>

#include "cli/lists.h"
#include "medmij/lists.h"

static void describe(const char *source, const struct medmij_list *l)
{
    printf("%s: %s Volgnummer %" PRIu64 ", Tijdstempel %s, ", source,
           medmij_list_short_name(l->kind), l->volgnummer, l->tijdstempel);
    switch (l->kind) {
    case MEDMIJ_ZAL: {
        size_t services = 0;
        for (size_t i = 0; i < l->n_providers; i++) services += l->providers[i].n_services;
        printf("%zu zorgaanbieders, %zu gegevensdiensten\n", l->n_providers, services);
        break;
    }
    case MEDMIJ_OCL:
        printf("%zu OAuth clients\n", l->n_clients);
        break;
    case MEDMIJ_WHITELIST:
        printf("%zu nodes\n", l->n_nodes);
        break;
    default:
        printf("%zu gegevensdienstnamen\n", l->n_service_names);
    }
}

int cli_lists_check(char *const *sources, size_t n, const char *xsd_dir, const char *ca_file)
{
    int rc = 0;
    struct buf data;
    buf_init(&data, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
    for (size_t i = 0; i < n; i++) {
        char err[512];
        struct medmij_parse_opts opts = {.expect = MEDMIJ_LIST_ANY, .xsd_dir = xsd_dir};
        struct medmij_list *l = NULL;
        if (medmij_fetch(sources[i], MEDMIJ_LIST_MAX_BYTES_DEFAULT, 0, ca_file, &data, err,
                         sizeof err) == 0)
            l = medmij_list_parse(data.data ? data.data : "", data.len, &opts, err, sizeof err);
        if (l) {
            describe(sources[i], l);
            medmij_list_free(l);
        } else {
            printf("%s: refused: %s\n", sources[i], err);
            rc = 1;
        }
        buf_reset(&data);
    }
    buf_free(&data);
    return rc;
}
