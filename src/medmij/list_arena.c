/* The bump allocator a parsed list lives in (see internal.h). */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "medmij/internal.h"

#define CHUNK_MIN (64u << 10)

struct medmij_arena_chunk {
    struct medmij_arena_chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void *medmij_arena_alloc(struct medmij_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX / 2) return NULL;
    size = (size + align - 1) & ~(align - 1);
    struct medmij_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *medmij_arena_strdup(struct medmij_arena *a, const char *s, size_t len)
{
    char *p = medmij_arena_alloc(a, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void medmij_arena_free(struct medmij_arena *a)
{
    struct medmij_arena_chunk *c = a->head;
    while (c) {
        struct medmij_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
