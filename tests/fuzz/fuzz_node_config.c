/* Fuzzes the node config's meaning (node_config_load over util/ini): any file loads or fails with
 * a message, never a crash or a leak; what loads keeps the loader's promises (a role, a name, a
 * data_dir, a public_url, TLS or plain_loopback, every offered service in the catalogue, every
 * search's type among its service's types). The file lives in a memfd, read by its /proc path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "node/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("node.conf", MFD_CLOEXEC);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct node_config c;
    char err[1024] = "";
    if (node_config_load(path, NULL, &c, err, sizeof err) != 0) {
        if (!err[0]) abort();
        close(fd);
        return 0;
    }
    close(fd);
    if (c.role == NODE_ROLE_NONE || !c.name || !c.data_dir || !c.public_url || !c.db) abort();
    if (!c.tls.plain_loopback && (!c.tls.cert || !c.tls.key)) abort();
    if (c.role == NODE_ROLE_DVA) {
        if (!c.oauth.nservices) abort();
        for (size_t i = 0; i < c.oauth.nservices; i++)
            if (!node_config_service(&c, c.oauth.services[i])) abort();
    }
    for (size_t i = 0; i < c.nservices; i++) {
        const struct node_service *s = &c.services[i];
        if (!s->name || !s->ntypes) abort();
        for (size_t k = 0; k < s->nsearches; k++) {
            size_t n = strcspn(s->searches[k], "/?");
            bool found = false;
            for (size_t t = 0; t < s->ntypes; t++)
                if (strlen(s->types[t]) == n && !strncmp(s->types[t], s->searches[k], n))
                    found = true;
            if (!found) abort();
        }
    }
    node_config_free(&c);
    return 0;
}
