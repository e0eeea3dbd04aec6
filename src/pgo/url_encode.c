/* Percent-encoding for the back channel's form bodies, authorize URLs and search URLs. */
#include <ctype.h>
#include <string.h>

#include "pgo/backchannel_internal.h"

static const char HEX[] = "0123456789ABCDEF";

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int append_escape(struct buf *out, unsigned char c)
{
    char e[3] = {'%', HEX[c >> 4], HEX[c & 15]};
    return buf_append(out, e, 3);
}

int pgo_pct_encode(struct buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc = unreserved(*p) ? buf_append_char(out, (char)*p) : append_escape(out, *p);
        if (rc != 0) return -1;
    }
    return 0;
}

/* RFC 3986 pchar / query characters other than unreserved: sub-delims, ':', '@', '/', '?'. */
static bool url_char(unsigned char c)
{
    return unreserved(c) || (c && strchr("!$&'()*+,;=:@/?", c));
}

static bool hex(unsigned char c)
{
    return isxdigit(c) != 0;
}

int pgo_url_escape_search(struct buf *out, const char *search)
{
    const unsigned char *p = (const unsigned char *)search;
    for (; *p; p++) {
        int rc;
        if (url_char(*p))
            rc = buf_append_char(out, (char)*p);
        else if (*p == '%' && hex(p[1]) && hex(p[2]))
            rc = buf_append_char(out, '%');
        else
            rc = append_escape(out, *p);
        if (rc != 0) return -1;
    }
    return 0;
}

void pgo_copy_printable(char *out, size_t cap, const char *s, size_t len)
{
    if (!cap) return;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) continue;
        out[o++] = (char)c;
    }
    out[o] = '\0';
}

void pgo_fail_clear(struct pgo_fail *f)
{
    if (f) memset(f, 0, sizeof *f);
}
