/* GET /api/export and POST /api/import on a real server: Alice's measurements and collected-like
 * resources (meta.source, a Patient copy linked from her Patient, a Provenance) and her
 * connection and share in report.json (never a token); imported into Bob's account on another PGO
 * and exported again, the files are the same but for the subject; a second import changes
 * nothing; into Bob's account on the same PGO, Alice's records stay hers and Bob's export holds
 * nothing of hers; a damaged or foreign zip, a wrong media type or a missing CSRF token store
 * nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>
#include <cmocka.h>

#include "api_fixture.h"
#include "pgo/api_internal.h"
#include "pgo/backchannel.h"
#include "util/zip.h"

struct two {
    struct fx a, b; /* two PGOs */
};

static int setup(void **state)
{
    struct two *t = calloc(1, sizeof *t);
    struct pgo_call_opts call = {.timeout_s = 5, .connect_timeout_s = 2};
    if (fx_open(&t->a, fx_zal_xml, fx_gnl_xml, &call) != 0 ||
        fx_open(&t->b, fx_zal_xml, fx_gnl_xml, &call))
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct two *t = *state;
    fx_close(&t->a);
    fx_close(&t->b);
    free(t);
    return 0;
}

/* A request with a binary body (the fixture's client sends text). */
static void post_zip(const struct fx *f, const struct fx_user *u, bool csrf, const char *ctype,
                     const uint8_t *body, size_t len, struct fx_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(f->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Cookie: %s\r\n%s%s%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     u->cookie, csrf ? "X-CSRF-Token: " : "", csrf ? u->csrf : "",
                     csrf ? "\r\n" : "", ctype, len);
    assert_int_equal(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    for (size_t off = 0; off < len;) {
        ssize_t w = send(fd, body + off, len - off, MSG_NOSIGNAL);
        assert_true(w > 0);
        off += (size_t)w;
    }
    size_t hn = 0;
    while (hn + 1 < sizeof r->headers) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->headers[hn++] = (char)c;
        if (hn >= 4 && !memcmp(r->headers + hn - 4, "\r\n\r\n", 4)) break;
    }
    r->status = (int)strtol(r->headers + 9, NULL, 10);
    const char *cl = fx_header(r, "Content-Length");
    size_t blen = cl ? strtoul(cl, NULL, 10) : 0;
    r->body = calloc(blen + 1, 1);
    for (size_t i = 0; i < blen; i++) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->body[r->body_len++] = (char)c;
    }
    close(fd);
    enum jsonx_err je;
    if (r->body_len && r->body[0] == '{')
        r->json = jsonx_parse(r->body, r->body_len, 64, &je, NULL, 0);
}

static void put_vault(struct fx *f, const char *json)
{
    enum jsonx_err je;
    json_object *r = jsonx_parse(json, strlen(json), 64, &je, NULL, 0);
    assert_non_null(r);
    struct rg_fail fail = {0};
    enum rg_err rc = rest_put_resource(f->rest, r, &fail);
    if (rc != RG_OK) print_message("put: %s\n", fail.detail);
    assert_int_equal(rc, RG_OK);
    json_object_put(r);
}

/* What a collection leaves for subject: a Patient copy (linked from the account's Patient), a
 * Condition on it, an Observation, and the Provenance, all with meta.source and the owner tag. */
static void collected(struct fx *f, const char *subject)
{
    char json[2048];
    const char *meta = "\"meta\":{\"source\":\"https://dva.localhost:1/fhir\",\"tag\":[{\"system\":"
                       "\"" PGO_VAULT_TAG_SYSTEM "\",\"code\":\"%s\"}]}";
    char m[512];
    snprintf(m, sizeof m, meta, subject);
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Patient\",\"id\":\"copy-1\",%s,\"name\":[{\"text\":\"A. "
             "Jansen\"}],\"birthDate\":\"1970-01-01\"}",
             m);
    put_vault(f, json);
    assert_int_equal(pgo_vault_link_patient(f->api, subject, "copy-1"), 0);
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Condition\",\"id\":\"cond-1\",%s,\"code\":{\"text\":\"Astma\"},"
             "\"subject\":{\"reference\":\"Patient/copy-1\"},\"onsetDateTime\":\"2019-05-01\"}",
             m);
    put_vault(f, json);
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Observation\",\"id\":\"obs-lab-1\",%s,\"status\":\"final\","
             "\"code\":{\"text\":\"HbA1c\"},\"subject\":{\"reference\":\"Patient/copy-1\"},"
             "\"effectiveDateTime\":\"2025-10-01\",\"valueQuantity\":{\"value\":48,\"unit\":"
             "\"mmol/mol\"}}",
             m);
    put_vault(f, json);
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Provenance\",\"id\":\"prov-1\",%s,\"target\":[{\"reference\":"
             "\"Condition/cond-1\"},{\"reference\":\"Observation/obs-lab-1\"}],\"recorded\":"
             "\"2025-11-30T10:00:00Z\",\"agent\":[{\"who\":{\"display\":\"regie PGO\"}}]}",
             m);
    put_vault(f, json);
}

static void measure(struct fx *f, struct fx_user *u, const char *when, int kg)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{"
             "\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":\"Body weight\"}]},"
             "\"effectiveDateTime\":\"%s\",\"valueQuantity\":{\"value\":%d,\"unit\":\"kg\","
             "\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}",
             when, kg);
    struct fx_resp r;
    fx_call(f, u, true, "POST", "/api/measurements", body, &r);
    assert_int_equal(r.status, 201);
    fx_resp_free(&r);
}

static uint8_t *export_zip(struct fx *f, struct fx_user *u, size_t *len)
{
    struct fx_resp r;
    fx_call(f, u, false, "GET", "/api/export", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(fx_header(&r, "Content-Type"), "application/zip");
    assert_string_equal(fx_header(&r, "Content-Disposition"),
                        "attachment; filename=\"regie-export-2023-11-14.zip\"");
    assert_string_equal(fx_header(&r, "Cache-Control"), "no-store");
    uint8_t *zip = (uint8_t *)r.body;
    *len = r.body_len;
    r.body = NULL;
    fx_resp_free(&r);
    return zip;
}

/* The text of one file of a zip with every occurrence of from replaced by to (malloc'd). */
static char *file_text(const uint8_t *zip, size_t len, const char *name, const char *from,
                       const char *to)
{
    struct zip_archive a;
    char why[200];
    assert_int_equal(zip_read(zip, len, NULL, &a, why, sizeof why), ZIP_OK);
    const struct zip_entry *e = zip_find(&a, name);
    assert_non_null(e);
    size_t cap = e->len * 2 + 1;
    char *out = calloc(1, cap), *o = out;
    for (const char *p = (const char *)e->data; *p;) {
        if (from && !strncmp(p, from, strlen(from))) {
            o += snprintf(o, cap - (size_t)(o - out), "%s", to);
            p += strlen(from);
        } else {
            *o++ = *p++;
        }
    }
    zip_archive_free(&a);
    return out;
}

static int record_total(struct fx *f, struct fx_user *u, const char *type)
{
    char target[96];
    snprintf(target, sizeof target, "/api/records?type=%s", type);
    struct fx_resp r;
    fx_call(f, u, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 200);
    int total = json_object_get_int(jsonx_get(r.json, "total"));
    fx_resp_free(&r);
    return total;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cuts text at its newlines into lines[] (at most max). */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    for (char *p = text; *p && n < max;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

/* The same resources, whatever their order (the order is by type and id, and the account's
 * Patient's id is its subject, which differs): a Bundle's entries by fullUrl, NDJSON by line. */
static void same_content(char *was, char *now, bool bundle)
{
    enum jsonx_err je;
    if (bundle) {
        json_object *a = jsonx_parse(was, strlen(was) - 1, 128, &je, NULL, 0);
        json_object *b = jsonx_parse(now, strlen(now) - 1, 128, &je, NULL, 0);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(jsonx_get_str(a, "timestamp"), jsonx_get_str(b, "timestamp"));
        json_object *ea = jsonx_get(a, "entry"), *eb = jsonx_get(b, "entry");
        assert_int_equal(json_object_array_length(ea), json_object_array_length(eb));
        for (size_t i = 0; i < json_object_array_length(eb); i++) {
            json_object *x = json_object_array_get_idx(eb, i), *match = NULL;
            for (size_t k = 0; k < json_object_array_length(ea); k++)
                if (!strcmp(jsonx_get_str(json_object_array_get_idx(ea, k), "fullUrl"),
                            jsonx_get_str(x, "fullUrl")))
                    match = json_object_array_get_idx(ea, k);
            assert_non_null(match);
            assert_string_equal(jsonx_text(jsonx_get(match, "resource"), false, NULL),
                                jsonx_text(jsonx_get(x, "resource"), false, NULL));
        }
        json_object_put(a);
        json_object_put(b);
        return;
    }
    char *la[64], *lb[64];
    size_t na = split_lines(was, la, 64), nb = split_lines(now, lb, 64);
    assert_int_equal(na, nb);
    qsort(la, na, sizeof *la, by_text);
    qsort(lb, nb, sizeof *lb, by_text);
    for (size_t i = 0; i < na; i++) assert_string_equal(la[i], lb[i]);
}

static void alice_with_data(struct fx *f)
{
    assert_int_equal(fx_login(f, &f->alice), 200);
    measure(f, &f->alice, "2025-11-01T08:00:00Z", 71);
    measure(f, &f->alice, "2025-11-08T08:00:00Z", 70);
    collected(f, f->alice.subject);
    int64_t conn;
    assert_int_equal(
        pgo_conn_begin(f->conns, f->alice.subject, "huisartsdelinde@medmij", "48", f->now, &conn),
        PGO_CONN_OK);
    assert_int_equal(pgo_tokens_put(f->conns, conn, "SECRET-ACCESS-TOKEN", "SECRET-REFRESH",
                                    f->now + 900, "huisartsdelinde", f->now),
                     PGO_CONN_OK);
    assert_int_equal(pgo_share_add(f->conns, f->alice.subject, conn, "{\"observations\":[]}", 0,
                                   "nothing shared", f->now, NULL),
                     PGO_CONN_OK);
}

static const char *const files[] = {"bundle.json", "ndjson/Condition.ndjson",
                                    "ndjson/Observation.ndjson", "ndjson/Patient.ndjson",
                                    "ndjson/Provenance.ndjson"};

static void export_import_export_elsewhere(void **state)
{
    struct two *t = *state;
    struct fx *fa = &t->a, *fb = &t->b;
    alice_with_data(fa);
    assert_int_equal(fx_login(fb, &fb->bob), 200);
    fa->now = fb->now = fa->now > fb->now ? fa->now : fb->now; /* both exports at one instant */
    size_t len;
    uint8_t *zip = export_zip(fa, &fa->alice, &len);
    struct zip_archive a;
    assert_int_equal(zip_read(zip, len, NULL, &a, NULL, 0), ZIP_OK);
    for (size_t i = 0; i < a.n; i++) {
        const char *text = (const char *)a.entries[i].data;
        assert_null(strstr(text, "SECRET"));
        assert_null(strstr(text, fa->bob.subject));
    }
    const struct zip_entry *re = zip_find(&a, "report.json");
    enum jsonx_err je;
    json_object *report = jsonx_parse((const char *)re->data, re->len, 16, &je, NULL, 0);
    json_object *p0 = json_object_array_get_idx(jsonx_get(report, "providers"), 0);
    assert_string_equal(jsonx_get_str(p0, "provider"), "huisartsdelinde@medmij");
    assert_string_equal(jsonx_get_str(p0, "service_name"), "Basisgegevens Zorg");
    assert_string_equal(jsonx_get_str(p0, "state"), "connected");
    assert_string_equal(jsonx_get_str(p0, "resource_endpoint"), "https://dva.localhost:1/fhir");
    json_object *s0 = json_object_array_get_idx(jsonx_get(report, "shares"), 0);
    assert_string_equal(jsonx_get_str(s0, "result"), "nothing shared");
    json_object_put(report);
    const char *html = (const char *)zip_find(&a, "summary.html")->data;
    assert_non_null(strstr(html, "Astma"));
    assert_non_null(strstr(html, "HbA1c"));
    zip_archive_free(&a);

    /* Into Bob's account on the other PGO. */
    struct fx_resp r;
    post_zip(fb, &fb->bob, true, "application/zip", zip, len, &r);
    assert_int_equal(r.status, 200);
    json_object *imported = jsonx_get(r.json, "imported");
    assert_int_equal(json_object_get_int(jsonx_get(imported, "Observation")), 3);
    assert_int_equal(json_object_get_int(jsonx_get(imported, "Patient")), 2);
    assert_int_equal(json_object_get_int(jsonx_get(imported, "Condition")), 1);
    assert_int_equal(json_object_get_int(jsonx_get(imported, "Provenance")), 1);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "unchanged")), 0);
    json_object *prov =
        json_object_array_get_idx(jsonx_get(jsonx_get(r.json, "report"), "providers"), 0);
    assert_string_equal(jsonx_get_str(prov, "provider"), "huisartsdelinde@medmij");
    assert_string_equal(jsonx_get_str(prov, "service"), "48");
    fx_resp_free(&r);
    /* Connections are not imported: Bob connects again himself. */
    fx_call(fb, &fb->bob, false, "GET", "/api/connections", NULL, &r);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "connections")), 0);
    fx_resp_free(&r);
    assert_int_equal(record_total(fb, &fb->bob, "Observation"), 3);

    /* Exported again: the same files but for the subject. */
    size_t len2;
    uint8_t *zip2 = export_zip(fb, &fb->bob, &len2);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char *was = file_text(zip, len, files[i], fa->alice.subject, fb->bob.subject);
        char *now = file_text(zip2, len2, files[i], NULL, NULL);
        same_content(was, now, i == 0);
        free(was);
        free(now);
    }
    /* A second import changes nothing. */
    post_zip(fb, &fb->bob, true, "application/zip", zip, len, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_object_length(jsonx_get(r.json, "imported")), 0);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "unchanged")), 7);
    fx_resp_free(&r);
    free(zip2);
    free(zip);
}

static void import_on_the_same_pgo_keeps_accounts_apart(void **state)
{
    struct two *t = *state;
    struct fx *f = &t->a;
    alice_with_data(f);
    assert_int_equal(fx_login(f, &f->bob), 200);
    measure(f, &f->bob, "2025-11-03T08:00:00Z", 90);
    size_t len;
    uint8_t *zip = export_zip(f, &f->alice, &len);
    struct fx_resp r;
    post_zip(f, &f->bob, true, "application/zip", zip, len, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    /* Alice's records are still hers, Bob has his own copies. */
    assert_int_equal(record_total(f, &f->alice, "Observation"), 3);
    assert_int_equal(record_total(f, &f->bob, "Observation"), 4);
    fx_call(f, &f->alice, false, "GET", "/api/records/Condition/cond-1", NULL, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    /* Bob's export names nothing of Alice's; Alice's nothing of Bob's. */
    size_t blen;
    uint8_t *bzip = export_zip(f, &f->bob, &blen);
    struct zip_archive a;
    assert_int_equal(zip_read(bzip, blen, NULL, &a, NULL, 0), ZIP_OK);
    for (size_t i = 0; i < a.n; i++)
        assert_null(strstr((const char *)a.entries[i].data, f->alice.subject));
    zip_archive_free(&a);
    free(bzip);
    assert_int_equal(zip_read(zip, len, NULL, &a, NULL, 0), ZIP_OK);
    for (size_t i = 0; i < a.n; i++)
        assert_null(strstr((const char *)a.entries[i].data, f->bob.subject));
    zip_archive_free(&a);
    /* Again (labelled as Windows browsers label a .zip): unchanged. */
    post_zip(f, &f->bob, true, "application/x-zip-compressed", zip, len, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "unchanged")), 7);
    fx_resp_free(&r);
    assert_int_equal(record_total(f, &f->bob, "Observation"), 4);
    free(zip);
}

static void damaged_or_refused_imports_store_nothing(void **state)
{
    struct two *t = *state;
    struct fx *f = &t->a;
    alice_with_data(f);
    assert_int_equal(fx_login(f, &f->bob), 200);
    size_t len;
    uint8_t *zip = export_zip(f, &f->alice, &len);
    struct fx_resp r;
    /* A flipped byte inside the compressed bundle. */
    uint8_t *bad = malloc(len);
    memcpy(bad, zip, len);
    bad[60] ^= 0x55;
    post_zip(f, &f->bob, true, "application/zip", bad, len, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(jsonx_get_str(r.json, "error"), "invalid_export");
    fx_resp_free(&r);
    /* Cut short. */
    post_zip(f, &f->bob, true, "application/zip", zip, len / 2, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    /* Not a zip at all. */
    post_zip(f, &f->bob, true, "application/zip", (const uint8_t *)"hello", 5, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    /* A resource the vault refuses: the whole import is refused. */
    struct zip_archive a;
    assert_int_equal(zip_read(zip, len, NULL, &a, NULL, 0), ZIP_OK);
    const char *broken = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                         "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"ok-1\","
                         "\"status\":\"final\",\"code\":{\"text\":\"x\"}}},"
                         "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"bad-1\","
                         "\"status\":\"final\",\"code\":{\"text\":\"x\"},\"nonsense\":1}}]}";
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)broken, strlen(broken), md);
    char hex[65], manifest[512];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(manifest, sizeof manifest,
             "{\"format\":\"regie-export/1\",\"files\":[{\"name\":\"bundle.json\","
             "\"sha256\":\"%s\"}]}",
             hex);
    struct zip_writer *w = zip_writer_new(0);
    assert_int_equal(zip_writer_add(w, "bundle.json", broken, strlen(broken)), ZIP_OK);
    assert_int_equal(zip_writer_add(w, "manifest.json", manifest, strlen(manifest)), ZIP_OK);
    uint8_t *z;
    size_t zlen;
    assert_int_equal(zip_writer_finish(w, &z, &zlen), ZIP_OK);
    post_zip(f, &f->bob, true, "application/zip", z, zlen, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(jsonx_get_str(r.json, "error"), "invalid_resource");
    fx_resp_free(&r);
    free(z);
    fx_call(f, &f->bob, false, "GET", "/api/records/Observation/ok-1", NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    /* A manifest without its bundle. */
    w = zip_writer_new(0);
    const char *only = "{\"format\":\"regie-export/1\"}";
    assert_int_equal(zip_writer_add(w, "manifest.json", only, strlen(only)), ZIP_OK);
    assert_int_equal(zip_writer_finish(w, &z, &zlen), ZIP_OK);
    post_zip(f, &f->bob, true, "application/zip", z, zlen, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    free(z);
    zip_archive_free(&a);
    /* Media type and CSRF. */
    post_zip(f, &f->bob, true, "application/json", zip, len, &r);
    assert_int_equal(r.status, 415);
    fx_resp_free(&r);
    post_zip(f, &f->bob, false, "application/zip", zip, len, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    /* Bob holds only his Patient. */
    assert_int_equal(record_total(f, &f->bob, "Observation"), 0);
    assert_int_equal(record_total(f, &f->bob, "Condition"), 0);
    /* Without a session: 401. */
    struct fx_user nobody = {0};
    fx_call(f, &nobody, false, "GET", "/api/export", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    free(bad);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(export_import_export_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(import_on_the_same_pgo_keeps_accounts_apart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(damaged_or_refused_imports_store_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
