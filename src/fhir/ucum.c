/* UCUM unit expressions to a factor over canonical base units. Each atom is defined, as in the
 * UCUM tables, by a factor times an expression over atoms defined before it; the table is
 * resolved once, by this same parser, on first use. */
#include "fhir/ucum.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define EXPONENT_MAX 64 /* |exponent| of one component */
#define DIM_MAX      64 /* |exponent| of a base unit in the result (canonical codes parse back) */
#define NEST_MAX     16 /* parentheses */

struct atom {
    const char *sym;
    bool metric; /* takes a prefix */
    double value;
    const char *def; /* expression over earlier atoms; NULL for a base unit (value = base index) */
    enum ucum_special special;
    struct ucum_unit u; /* resolved */
    bool resolved;
};

#define BASE(s, b)                                                                                 \
    {                                                                                              \
        .sym = s, .metric = true, .value = b                                                       \
    }
#define DEF(s, m, v, d)                                                                            \
    {                                                                                              \
        .sym = s, .metric = m, .value = v, .def = d                                                \
    }

static struct atom atoms[] = {
    BASE("g", UCUM_G),
    BASE("m", UCUM_M),
    BASE("s", UCUM_S),
    BASE("K", UCUM_K),
    BASE("mol", UCUM_MOL),
    BASE("C", UCUM_C),
    BASE("cd", UCUM_CD),
    BASE("rad", UCUM_RAD),
    BASE("[IU]", UCUM_IU),
    DEF("[iU]", true, 1, "[IU]"),
    /* dimensionless */
    DEF("10*", false, 10, "1"),
    DEF("10^", false, 10, "1"),
    DEF("%", false, 1e-2, "1"),
    DEF("[ppth]", false, 1e-3, "1"),
    DEF("[ppm]", false, 1e-6, "1"),
    DEF("[ppb]", false, 1e-9, "1"),
    DEF("[pi]", false, 3.1415926535897932384626433832795028841971693993751058209749445923, "1"),
    /* time */
    DEF("min", false, 60, "s"),
    DEF("h", false, 60, "min"),
    DEF("d", false, 24, "h"),
    DEF("wk", false, 7, "d"),
    DEF("a_t", false, 365.24219, "d"),
    DEF("a_j", false, 365.25, "d"),
    DEF("a_g", false, 365.2425, "d"),
    DEF("a", false, 1, "a_j"),
    DEF("mo_s", false, 29.53059, "d"),
    DEF("mo_j", false, 1, "a_j/12"),
    DEF("mo_g", false, 1, "a_g/12"),
    DEF("mo", false, 1, "mo_j"),
    /* SI derived */
    DEF("sr", true, 1, "rad2"),
    DEF("Hz", true, 1, "s-1"),
    DEF("N", true, 1, "kg.m/s2"),
    DEF("Pa", true, 1, "N/m2"),
    DEF("J", true, 1, "N.m"),
    DEF("W", true, 1, "J/s"),
    DEF("A", true, 1, "C/s"),
    DEF("V", true, 1, "J/C"),
    DEF("F", true, 1, "C/V"),
    DEF("Ohm", true, 1, "V/A"),
    DEF("S", true, 1, "Ohm-1"),
    DEF("mho", true, 1, "S"),
    DEF("Wb", true, 1, "V.s"),
    DEF("T", true, 1, "Wb/m2"),
    DEF("H", true, 1, "Wb/A"),
    DEF("lm", true, 1, "cd.sr"),
    DEF("lx", true, 1, "lm/m2"),
    DEF("Bq", true, 1, "s-1"),
    DEF("Gy", true, 1, "J/kg"),
    DEF("Sv", true, 1, "J/kg"),
    DEF("kat", true, 1, "mol/s"),
    DEF("U", true, 1, "umol/min"),
    DEF("eq", true, 1, "mol"),
    DEF("osm", true, 1, "mol"),
    /* other metric */
    DEF("L", true, 1, "dm3"),
    DEF("l", true, 1, "dm3"),
    DEF("ar", true, 100, "m2"),
    DEF("t", true, 1e3, "kg"),
    DEF("bar", true, 1e5, "Pa"),
    DEF("u", true, 1.6605402e-24, "g"),
    DEF("eV", true, 1.60217733e-19, "J"),
    DEF("cal", true, 4.184, "J"),
    DEF("[Cal]", false, 1, "kcal"),
    DEF("g%", true, 1, "g/dL"),
    DEF("Ao", true, 0.1, "nm"),
    DEF("dyn", true, 1, "g.cm/s2"),
    DEF("erg", true, 1, "dyn.cm"),
    DEF("P", true, 1, "dyn.s/cm2"),
    DEF("St", true, 1, "cm2/s"),
    DEF("G", true, 1e-4, "T"),
    DEF("Gal", true, 1, "cm/s2"),
    DEF("Ci", true, 3.7e10, "Bq"),
    DEF("R", true, 2.58e-4, "C/kg"),
    DEF("RAD", true, 100, "erg/g"),
    DEF("REM", true, 1, "RAD"),
    DEF("[g]", false, 9.80665, "m/s2"),
    DEF("gf", true, 1, "g.[g]"),
    DEF("atm", false, 101325, "Pa"),
    DEF("m[Hg]", true, 133.322, "kPa"),
    DEF("m[H2O]", true, 9.80665, "kPa"),
    DEF("deg", false, 2, "[pi].rad/360"),
    DEF("gon", false, 0.9, "deg"),
    DEF("'", false, 1, "deg/60"),
    DEF("''", false, 1, "'/60"),
    /* international customary */
    DEF("[in_i]", false, 2.54, "cm"),
    DEF("[ft_i]", false, 12, "[in_i]"),
    DEF("[yd_i]", false, 3, "[ft_i]"),
    DEF("[mi_i]", false, 5280, "[ft_i]"),
    DEF("[nmi_i]", false, 1852, "m"),
    DEF("[gr]", false, 64.79891, "mg"),
    DEF("[lb_av]", false, 7000, "[gr]"),
    DEF("[oz_av]", false, 1, "[lb_av]/16"),
    DEF("[dr_av]", false, 1, "[oz_av]/16"),
    DEF("[stone_av]", false, 14, "[lb_av]"),
    DEF("[lbf_av]", false, 1, "[lb_av].[g]"),
    DEF("[psi]", false, 1, "[lbf_av]/[in_i]2"),
    DEF("[gal_us]", false, 231, "[in_i]3"),
    DEF("[qt_us]", false, 1, "[gal_us]/4"),
    DEF("[pt_us]", false, 1, "[qt_us]/2"),
    DEF("[foz_us]", false, 1, "[pt_us]/16"),
    DEF("[cup_us]", false, 8, "[foz_us]"),
    DEF("[tbs_us]", false, 1, "[foz_us]/2"),
    DEF("[tsp_us]", false, 1, "[tbs_us]/3"),
    DEF("[gal_br]", false, 4.54609, "L"),
    DEF("[pt_br]", false, 1, "[gal_br]/8"),
    DEF("[foz_br]", false, 1, "[pt_br]/20"),
    DEF("[drp]", false, 1, "mL/20"),
    DEF("[degR]", false, 5, "K/9"),
    /* affine: converted only when they stand alone */
    {.sym = "Cel", .metric = true, .value = 1, .def = "K", .special = UCUM_CELSIUS},
    {.sym = "[degF]", .value = 5, .def = "K/9", .special = UCUM_FAHRENHEIT},
};
#define NATOMS (sizeof(atoms) / sizeof(*atoms))

static const struct {
    const char *sym;
    double value;
} prefixes[] = {
    {"Y", 1e24}, {"Z", 1e21},  {"E", 1e18},  {"P", 1e15},  {"T", 1e12},  {"G", 1e9},   {"M", 1e6},
    {"k", 1e3},  {"h", 1e2},   {"da", 1e1},  {"d", 1e-1},  {"c", 1e-2},  {"m", 1e-3},  {"u", 1e-6},
    {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21}, {"y", 1e-24},
};

static const char *const base_names[UCUM_BASES] = {"g", "m",  "s",   "K",   "mol",
                                                   "C", "cd", "rad", "[IU]"};

/* ---- parser ---- */

struct parser {
    const char *s;
    size_t len, i;
    int nest;
    size_t resolved_upto; /* atoms usable: the first resolved_upto while the table resolves */
};

static const struct atom *find_atom(const struct parser *p, const char *sym, size_t n)
{
    for (size_t k = 0; k < p->resolved_upto; k++)
        if (strlen(atoms[k].sym) == n && memcmp(atoms[k].sym, sym, n) == 0 && atoms[k].resolved)
            return &atoms[k];
    return NULL;
}

static void unity(struct ucum_unit *u)
{
    memset(u, 0, sizeof(*u));
    u->factor = 1;
}

static bool combine(struct ucum_unit *a, const struct ucum_unit *b, int sign)
{
    a->factor = sign > 0 ? a->factor * b->factor : a->factor / b->factor;
    for (int k = 0; k < UCUM_BASES; k++) {
        a->dim[k] += sign * b->dim[k];
        if (a->dim[k] > DIM_MAX || a->dim[k] < -DIM_MAX) return false;
    }
    return isfinite(a->factor) && a->factor != 0;
}

static bool power(struct ucum_unit *u, long e)
{
    u->factor = pow(u->factor, (double)e);
    for (int k = 0; k < UCUM_BASES; k++) {
        u->dim[k] *= (int)e;
        if (u->dim[k] > DIM_MAX || u->dim[k] < -DIM_MAX) return false;
    }
    return isfinite(u->factor) && u->factor != 0;
}

static bool at(const struct parser *p, char c)
{
    return p->i < p->len && p->s[p->i] == c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* An optional exponent: [+-]?digits. *e stays 1 when there is none. */
static bool exponent(struct parser *p, long *e)
{
    *e = 1;
    size_t start = p->i;
    int sign = 1;
    if (at(p, '+') || at(p, '-')) sign = p->s[p->i++] == '-' ? -1 : 1;
    size_t digits = p->i;
    long v = 0;
    while (p->i < p->len && is_digit(p->s[p->i])) {
        v = v * 10 + (p->s[p->i++] - '0');
        if (v > EXPONENT_MAX) return false;
    }
    if (p->i == digits) return p->i == start; /* a sign without digits */
    *e = sign * v;
    return true;
}

/* {annotation}: printable ASCII except braces; means nothing for the value. */
static bool annotation(struct parser *p)
{
    if (!at(p, '{')) return true;
    p->i++;
    while (p->i < p->len && p->s[p->i] != '}') {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c < 33 || c > 126 || c == '{') return false;
        p->i++;
    }
    if (!at(p, '}')) return false;
    p->i++;
    return true;
}

/* An atom with an optional prefix; the whole symbol is tried first ("cd", "Pa", "min"). */
static bool simple_unit(const struct parser *p, const char *sym, size_t n, struct ucum_unit *out)
{
    const struct atom *a = find_atom(p, sym, n);
    double factor = 1;
    for (size_t k = 0; !a && k < sizeof(prefixes) / sizeof(*prefixes); k++) {
        size_t pl = strlen(prefixes[k].sym);
        if (pl >= n || memcmp(sym, prefixes[k].sym, pl) != 0) continue;
        a = find_atom(p, sym + pl, n - pl);
        if (a && !a->metric) a = NULL;
        factor = prefixes[k].value;
    }
    if (!a || a->special != UCUM_LINEAR) return false;
    *out = a->u;
    out->factor *= factor;
    return true;
}

static bool term(struct parser *p, struct ucum_unit *out);

static bool component(struct parser *p, struct ucum_unit *out)
{
    unity(out);
    if (at(p, '(')) {
        if (++p->nest > NEST_MAX) return false;
        p->i++;
        if (!term(p, out) || !at(p, ')')) return false;
        p->i++;
        p->nest--;
        return true;
    }
    if (at(p, '{')) return annotation(p);
    if (p->i < p->len && is_digit(p->s[p->i])) {
        /* "10*3" / "10^3" (the atom ten with an exponent) or an integer factor ("24") */
        size_t start = p->i;
        double v = 0;
        while (p->i < p->len && is_digit(p->s[p->i])) {
            v = v * 10 + (p->s[p->i++] - '0');
            if (p->i - start > 15) return false;
        }
        if ((at(p, '*') || at(p, '^')) && p->i - start == 2 && v == 10) {
            p->i++;
            long e;
            if (!exponent(p, &e)) return false;
            out->factor = pow(10.0, (double)e);
            return annotation(p);
        }
        out->factor = v;
        return v != 0 && annotation(p);
    }
    size_t start = p->i;
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c == '[') {
            while (p->i < p->len && p->s[p->i] != ']') p->i++;
            if (!at(p, ']')) return false;
            p->i++;
            continue;
        }
        if (c == '.' || c == '/' || c == '(' || c == ')' || c == '{' || c == '}' || c == '+' ||
            c == '-' || is_digit(c) || (unsigned char)c <= ' ' || (unsigned char)c > 126)
            break;
        p->i++;
    }
    if (p->i == start || !simple_unit(p, p->s + start, p->i - start, out)) return false;
    long e;
    if (!exponent(p, &e) || !power(out, e)) return false;
    return annotation(p);
}

static bool term(struct parser *p, struct ucum_unit *out)
{
    unity(out);
    int sign = 1;
    if (at(p, '/')) {
        p->i++;
        sign = -1;
    }
    for (;;) {
        struct ucum_unit c;
        if (!component(p, &c) || !combine(out, &c, sign)) return false;
        if (at(p, '.'))
            sign = 1;
        else if (at(p, '/'))
            sign = -1;
        else
            return true;
        p->i++;
    }
}

static bool parse_with(const char *code, size_t len, size_t usable, struct ucum_unit *out)
{
    if (!code || len == 0 || len > UCUM_CODE_MAX) return false;
    if (len == 1 && code[0] == '1') {
        unity(out);
        return true;
    }
    struct parser p = {.s = code, .len = len, .resolved_upto = usable};
    return term(&p, out) && p.i == len;
}

/* ---- the table ---- */

static bool table_ok;

static void resolve_table(void)
{
    table_ok = true;
    for (size_t k = 0; k < NATOMS; k++) {
        struct atom *a = &atoms[k];
        if (!a->def) {
            unity(&a->u);
            a->u.dim[(int)a->value] = 1;
        } else if (!parse_with(a->def, strlen(a->def), k, &a->u)) {
            table_ok = false;
            continue;
        } else {
            a->u.factor *= a->value;
        }
        a->u.special = a->special;
        a->resolved = true;
    }
}

static void ensure_table(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, resolve_table);
}

bool ucum_table_ok(void)
{
    ensure_table();
    return table_ok;
}

bool ucum_parse(const char *code, size_t len, struct ucum_unit *out)
{
    ensure_table();
    /* An affine unit means something only on its own: "Cel/h" is not a temperature. */
    for (size_t k = 0; k < NATOMS; k++)
        if (atoms[k].special != UCUM_LINEAR && strlen(atoms[k].sym) == len && code &&
            memcmp(atoms[k].sym, code, len) == 0) {
            *out = atoms[k].u;
            return atoms[k].resolved;
        }
    return parse_with(code, len, NATOMS, out);
}

static bool append(char *out, size_t out_len, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (*n + l >= out_len) return false;
    memcpy(out + *n, s, l + 1);
    *n += l;
    return true;
}

/* The bases whose exponent has the given sign, joined by '.'; *count gets how many. */
static bool list_bases(const struct ucum_unit *u, int sign, char *out, size_t out_len, size_t *n,
                       int *count)
{
    *count = 0;
    for (int k = 0; k < UCUM_BASES; k++) {
        int e = u->dim[k] * sign;
        if (e <= 0) continue;
        char num[16] = "";
        if (e > 1) snprintf(num, sizeof(num), "%d", e);
        if ((*count && !append(out, out_len, n, ".")) || !append(out, out_len, n, base_names[k]) ||
            !append(out, out_len, n, num))
            return false;
        (*count)++;
    }
    return true;
}

bool ucum_canon_code(const struct ucum_unit *u, char *out, size_t out_len)
{
    if (!out || out_len == 0) return false;
    out[0] = '\0';
    size_t n = 0;
    int num, den;
    if (!list_bases(u, 1, out, out_len, &n, &num)) return false;
    char below[128] = "";
    size_t bn = 0;
    if (!list_bases(u, -1, below, sizeof(below), &bn, &den)) return false;
    if (!num && !den) return append(out, out_len, &n, "1");
    if (!den) return true;
    return append(out, out_len, &n, "/") && (den == 1 || append(out, out_len, &n, "(")) &&
           append(out, out_len, &n, below) && (den == 1 || append(out, out_len, &n, ")"));
}

bool ucum_canonical(double value, const char *code, size_t len, double *canon, char *canon_code,
                    size_t canon_code_len)
{
    struct ucum_unit u;
    if (!ucum_parse(code, len, &u) || !ucum_canon_code(&u, canon_code, canon_code_len))
        return false;
    switch (u.special) {
    case UCUM_CELSIUS:
        *canon = value + 273.15;
        break;
    case UCUM_FAHRENHEIT:
        *canon = (value + 459.67) * 5.0 / 9.0;
        break;
    default:
        *canon = value * u.factor;
    }
    return isfinite(*canon);
}
