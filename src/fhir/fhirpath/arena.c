/* Bump allocator for parse trees and evaluation results: one free releases everything, and the
 * cap bounds what one expression can make an evaluation allocate. */
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fp_internal.h"

struct fp_chunk {
    struct fp_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void fp_arena_init(struct fp_arena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
}

void *fp_alloc(struct fp_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct fp_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        if (a->used_total + cap > a->limit || !(c = malloc(sizeof(*c) + cap))) {
            if (a->oom) longjmp(*a->oom, 1);
            return NULL;
        }
        a->used_total += cap;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *fp_strndup(struct fp_arena *a, const char *s, size_t n)
{
    char *p = fp_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

void fp_arena_free(struct fp_arena *a)
{
    if (a->keep) json_object_put(a->keep);
    a->keep = NULL;
    struct fp_chunk *c = a->head;
    while (c) {
        struct fp_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->used_total = 0;
}
