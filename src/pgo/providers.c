/* Typo-tolerant provider search over the ZAL (see providers.h for the ranking). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/providers.h"

#define TEXT_MAX  (4 * PGO_QUERY_MAX)
#define WORDS_MAX 16

/* ASCII spelling of U+00C0..U+00FF; "" for the signs (×, ÷), which separate words. */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

/* ASCII spelling of U+0100..U+017F (Latin Extended-A) by ranges of one base letter. */
static const struct {
    uint16_t last;
    const char *ascii;
} latin_ext_a[] = {
    {0x105, "a"}, {0x10d, "c"},  {0x111, "d"}, {0x11b, "e"}, {0x123, "g"}, {0x127, "h"},
    {0x131, "i"}, {0x133, "ij"}, {0x135, "j"}, {0x138, "k"}, {0x142, "l"}, {0x14b, "n"},
    {0x151, "o"}, {0x153, "oe"}, {0x159, "r"}, {0x161, "s"}, {0x167, "t"}, {0x173, "u"},
    {0x175, "w"}, {0x178, "y"},  {0x17e, "z"}, {0x17f, "s"},
};

/* The ASCII letters of one code point: "" for a separator. */
static const char *fold(uint32_t cp)
{
    if (cp >= 0xc0 && cp <= 0xff) return latin1[cp - 0xc0];
    if (cp >= 0x100 && cp <= 0x17f)
        for (size_t i = 0; i < sizeof latin_ext_a / sizeof latin_ext_a[0]; i++)
            if (cp <= latin_ext_a[i].last) return latin_ext_a[i].ascii;
    return "";
}

/* Decodes one UTF-8 sequence at s; returns its length (1 for a stray byte, which then decodes to
 * a separator) and the code point. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    if (len == 1) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

size_t pgo_normalise(const char *text, char *out, size_t cap)
{
    if (cap == 0) return 0;
    size_t n = 0;
    bool gap = false; /* a separator seen since the last letter */
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        uint32_t cp;
        s += utf8_next(s, &cp);
        char ascii[2] = {0, 0};
        const char *letters;
        if (cp < 0x80) {
            char c = (char)cp;
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            ascii[0] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '\0';
            letters = ascii;
        } else {
            letters = fold(cp);
        }
        if (!*letters) {
            gap = n > 0;
            continue;
        }
        size_t len = strlen(letters) + (gap ? 1 : 0);
        if (n + len >= cap) break;
        if (gap) out[n++] = ' ';
        memcpy(out + n, letters, strlen(letters));
        n += strlen(letters);
        gap = false;
    }
    out[n] = '\0';
    return n;
}

unsigned pgo_fuzzy_limit(size_t len)
{
    return len < 4 ? 0 : len < 8 ? 1 : 2;
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
    unsigned m = a < b ? a : b;
    return m < c ? m : c;
}

unsigned pgo_osa_distance(const char *a, size_t m, const char *t, size_t n, int whole)
{
    if (m > PGO_QUERY_MAX) m = PGO_QUERY_MAX;
    if (n > TEXT_MAX) n = TEXT_MAX;
    /* Three rows of the dynamic programme: i-2, i-1, i. Row 0 is "a's first 0 bytes against t's
     * first j": j deletions for a whole match, 0 for a substring (the match may start anywhere). */
    unsigned rows[3][TEXT_MAX + 1];
    unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= n; j++) prev[j] = whole ? (unsigned)j : 0;
    for (size_t i = 1; i <= m; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= n; j++) {
            unsigned cost = a[i - 1] == t[j - 1] ? 0 : 1;
            unsigned v = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == t[j - 2] && a[i - 2] == t[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
        }
        unsigned *tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
    }
    if (whole) return prev[n];
    unsigned best = prev[0];
    for (size_t j = 1; j <= n; j++)
        if (prev[j] < best) best = prev[j];
    return best;
}

/* The query, normalised once: compact form and its words. */
struct prepared {
    char compact[PGO_QUERY_MAX + 1];
    size_t compact_len;
    const char *word[WORDS_MAX];
    size_t word_len[WORDS_MAX];
    size_t nwords;
    char spaced[PGO_QUERY_MAX + 1];
};

static size_t compact(const char *spaced, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = spaced; *p && n + 1 < cap; p++)
        if (*p != ' ') out[n++] = *p;
    out[n] = '\0';
    return n;
}

static void prepare(const char *text, struct prepared *p)
{
    memset(p, 0, sizeof *p);
    pgo_normalise(text, p->spaced, sizeof p->spaced);
    p->compact_len = compact(p->spaced, p->compact, sizeof p->compact);
    const char *s = p->spaced;
    while (*s && p->nwords < WORDS_MAX) {
        size_t len = strcspn(s, " ");
        p->word[p->nwords] = s;
        p->word_len[p->nwords++] = len;
        s += len;
        while (*s == ' ') s++;
    }
}

static bool contains(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m > n) return false;
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m)) return true;
    return false;
}

/* Ranks one candidate text; false when it does not match. */
static bool rank_text(const struct prepared *q, const char *text, struct pgo_provider_hit *hit)
{
    char spaced[TEXT_MAX + 1], t[TEXT_MAX + 1];
    pgo_normalise(text, spaced, sizeof spaced);
    size_t n = compact(spaced, t, sizeof t);
    const char *qc = q->compact;
    size_t m = q->compact_len;
    hit->distance = 0;
    if (m == n && !memcmp(qc, t, m)) {
        hit->rank = PGO_MATCH_EXACT;
        return true;
    }
    if (m <= n && !memcmp(qc, t, m)) {
        hit->rank = PGO_MATCH_PREFIX;
        return true;
    }
    hit->rank = PGO_MATCH_SUBSTRING;
    if (contains(t, n, qc, m)) return true;
    bool every_word = q->nwords > 1;
    for (size_t i = 0; every_word && i < q->nwords; i++)
        every_word = contains(t, n, q->word[i], q->word_len[i]);
    if (every_word) return true;

    hit->rank = PGO_MATCH_FUZZY;
    unsigned d = pgo_osa_distance(qc, m, t, n, 0);
    if (d <= pgo_fuzzy_limit(m)) {
        hit->distance = d;
        return true;
    }
    if (q->nwords < 2) return false;
    unsigned total = 0;
    for (size_t i = 0; i < q->nwords; i++) {
        unsigned dw = pgo_osa_distance(q->word[i], q->word_len[i], t, n, 0);
        if (dw > pgo_fuzzy_limit(q->word_len[i])) return false;
        total += dw;
    }
    hit->distance = total;
    return true;
}

static bool better(const struct pgo_provider_hit *a, const struct pgo_provider_hit *b)
{
    return a->rank != b->rank ? a->rank < b->rank : a->distance < b->distance;
}

static bool offers(const struct medmij_provider *p, const char *service)
{
    return !service || medmij_zal_service(p, service) != NULL;
}

static int hit_order(const void *x, const void *y)
{
    const struct pgo_provider_hit *a = x, *b = y;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->distance != b->distance) return a->distance < b->distance ? -1 : 1;
    return strcmp(a->provider->name, b->provider->name);
}

size_t pgo_providers_search(const struct pgo_provider_query *q, struct pgo_provider_hit *hits,
                            size_t max)
{
    if (!q->zal || max == 0) return 0;
    struct prepared pq;
    prepare(q->text, &pq);
    struct pgo_provider_hit *all = malloc((q->zal->n_providers + 1) * sizeof *all);
    if (!all) return (size_t)-1;
    size_t n = 0;
    for (size_t i = 0; i < q->zal->n_providers; i++) {
        const struct medmij_provider *p = &q->zal->providers[i];
        if (!offers(p, q->service)) continue;
        struct pgo_provider_hit best = {.provider = p, .rank = PGO_MATCH_EXACT};
        bool found = pq.compact_len == 0; /* the empty query lists everyone */
        if (!found) {
            /* The name without its "@medmij" suffix. */
            char name[TEXT_MAX + 1];
            size_t len = strcspn(p->name, "@");
            if (len > TEXT_MAX) len = TEXT_MAX;
            memcpy(name, p->name, len);
            name[len] = '\0';
            struct pgo_provider_hit h = {.provider = p};
            if (rank_text(&pq, name, &h)) {
                best = h;
                found = true;
            }
            const char *display = q->display_name ? q->display_name(q->display_ctx, p->name) : NULL;
            if (display && rank_text(&pq, display, &h) && (!found || better(&h, &best))) {
                best = h;
                found = true;
            }
        }
        if (found) all[n++] = best;
    }
    qsort(all, n, sizeof *all, hit_order);
    if (n > max) n = max;
    memcpy(hits, all, n * sizeof *all);
    free(all);
    return n;
}
