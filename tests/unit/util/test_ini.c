/* util/ini: the config file syntax of docs/node-config.md, its limits, and the line each fault
 * names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/ini.h"

static int parse(const char *text, struct ini *ini)
{
    char err[256];
    unsigned line;
    return ini_parse(text, strlen(text), ini, &line, err, sizeof err);
}

/* Parses text that must fail; returns the line named and copies the message into msg. */
static unsigned parse_fails(const char *text, size_t len, char *msg, size_t cap)
{
    struct ini ini;
    unsigned line = 12345;
    assert_int_equal(ini_parse(text, len, &ini, &line, msg, cap), -1);
    assert_null(ini.sections);
    assert_null(ini.entries);
    return line;
}

static void sections_keys_and_lines(void **state)
{
    const char *text = "# a comment\n"
                       "role = dva\n"
                       "\n"
                       "  name=huisartsdelinde@medmij  \n"
                       "[tls]\n"
                       "cert = ca/gp.crt\n"
                       "[service 48]\n"
                       "search = Condition\n"
                       "search = Observation/$lastn?code=http://loinc.org|85354-9\n"
                       "\t# indented comment\n"
                       "[empty]\n";
    struct ini ini;
    assert_int_equal(parse(text, &ini), 0);
    assert_int_equal(ini.nsections, 4);
    assert_string_equal(ini.sections[0].name, "");
    assert_null(ini.sections[0].arg);
    assert_int_equal(ini.sections[0].line, 0);
    assert_string_equal(ini.sections[1].name, "tls");
    assert_null(ini.sections[1].arg);
    assert_int_equal(ini.sections[1].line, 5);
    assert_string_equal(ini.sections[2].name, "service");
    assert_string_equal(ini.sections[2].arg, "48");
    assert_int_equal(ini.sections[2].line, 7);
    assert_string_equal(ini.sections[3].name, "empty");
    assert_int_equal(ini.nentries, 5);
    assert_string_equal(ini.entries[0].key, "role");
    assert_string_equal(ini.entries[0].value, "dva");
    assert_int_equal(ini.entries[0].section, 0);
    assert_int_equal(ini.entries[0].line, 2);
    assert_string_equal(ini.entries[1].key, "name");
    assert_string_equal(ini.entries[1].value, "huisartsdelinde@medmij");
    assert_int_equal(ini.entries[1].line, 4);
    assert_int_equal(ini.entries[2].section, 1);
    assert_string_equal(ini.entries[2].value, "ca/gp.crt");
    assert_int_equal(ini.entries[3].section, 2);
    assert_string_equal(ini.entries[3].value, "Condition");
    assert_string_equal(ini.entries[4].value, "Observation/$lastn?code=http://loinc.org|85354-9");
    assert_int_equal(ini.entries[4].line, 9);
    ini_free(&ini);
}

static void quotes_escapes_and_comments(void **state)
{
    const char *text = "a = \"  kept blanks  \"\n"
                       "b = \"say \\\"hi\\\" \\\\ there\"   # after quotes\n"
                       "c = value # a trailing comment\n"
                       "d = no#comment\n"
                       "e =\n"
                       "f = \"\"\n"
                       "g = \"has # inside\"\n"
                       "h = De \"Linde\"\n"
                       "[tls]   # a comment after a header\n"
                       "i = x\r\n";
    struct ini ini;
    assert_int_equal(parse(text, &ini), 0);
    assert_int_equal(ini.nentries, 9);
    assert_string_equal(ini.entries[0].value, "  kept blanks  ");
    assert_string_equal(ini.entries[1].value, "say \"hi\" \\ there");
    assert_string_equal(ini.entries[2].value, "value");
    assert_string_equal(ini.entries[3].value, "no#comment");
    assert_string_equal(ini.entries[4].value, "");
    assert_string_equal(ini.entries[5].value, "");
    assert_string_equal(ini.entries[6].value, "has # inside");
    assert_string_equal(ini.entries[7].value, "De \"Linde\"");
    assert_string_equal(ini.entries[8].value, "x");
    assert_int_equal(ini.entries[8].section, 1);
    ini_free(&ini);
}

static void repeated_keys_are_kept_in_order(void **state)
{
    struct ini ini;
    assert_int_equal(parse("[oauth]\nservices = 48\nservices = 53\nservices = 48", &ini), 0);
    assert_int_equal(ini.nentries, 3);
    assert_string_equal(ini.entries[0].value, "48");
    assert_string_equal(ini.entries[1].value, "53");
    assert_string_equal(ini.entries[2].value, "48");
    assert_int_equal(ini.entries[2].line, 4);
    ini_free(&ini);
}

static void empty_and_comment_only_files(void **state)
{
    struct ini ini;
    assert_int_equal(ini_parse("", 0, &ini, NULL, NULL, 0), 0);
    assert_int_equal(ini.nsections, 1);
    assert_int_equal(ini.nentries, 0);
    ini_free(&ini);
    assert_int_equal(parse("# only\n\n   \n", &ini), 0);
    assert_int_equal(ini.nentries, 0);
    ini_free(&ini);
}

static void faults_name_their_line(void **state)
{
    static const struct {
        const char *text;
        unsigned line;
        const char *says;
    } cases[] = {
        {"a = 1\njust words\n", 2, "expected 'key = value'"},
        {"[tls\n", 1, "closing ']'"},
        {"\n[Tls]\n", 2, "bad section name"},
        {"[9x]\n", 1, "bad section name"},
        {"[]\n", 1, "bad section name"},
        {"[service 48 49]\n", 1, "at most one argument"},
        {"[service 4/8]\n", 1, "bad section argument"},
        {"[tls] x\n", 1, "after the section header"},
        {"[tls]\n[x]\n[tls]\n", 3, "already began at line 1"},
        {"[service 48]\n[service 48]\n", 2, "already began at line 1"},
        {"Key = 1\n", 1, "bad key"},
        {"= 1\n", 1, "bad key"},
        {"a b = 1\n", 1, "bad key"},
        {"a = \"open\n", 1, "closing '\"'"},
        {"a = \"x\" y\n", 1, "after a quoted value"},
        {"a = \"\\n\"\n", 1, "may only escape"},
        {"a = \"x\\\"\n", 1, "closing '\"'"},
        {"a = 1\nb = \x01\n", 2, "control character"},
        {"a = \xff\n", 1, "not UTF-8"},
        {"a = \xc0\xaf\n", 1, "not UTF-8"},         /* overlong '/' */
        {"a = \xed\xa0\x80\n", 1, "not UTF-8"},     /* a surrogate */
        {"a = \xf4\x90\x80\x80\n", 1, "not UTF-8"}, /* above U+10FFFF */
        {"a = 1\rb = 2\n", 1, "control character"}, /* a lone CR */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[256];
        unsigned line = parse_fails(cases[i].text, strlen(cases[i].text), msg, sizeof msg);
        if (line != cases[i].line || !strstr(msg, cases[i].says))
            fail_msg("case %zu: line %u '%s', want line %u '%s'", i, line, msg, cases[i].line,
                     cases[i].says);
    }
    /* A NUL byte inside the text is a control character, not the end. */
    char msg[256];
    assert_int_equal(parse_fails("a = 1\0b = 2\n", 12, msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "control character"));
}

static void good_utf8_passes(void **state)
{
    struct ini ini;
    /* A leading byte order mark is skipped; elsewhere it is text like any other. */
    assert_int_equal(parse("\xEF\xBB\xBFrole = dva\nname = \xEF\xBB\xBFx\n", &ini), 0);
    assert_string_equal(ini.entries[0].key, "role");
    assert_string_equal(ini.entries[1].value, "\xEF\xBB\xBFx");
    ini_free(&ini);
    assert_int_equal(
        parse("name = Huisartsenpraktijk Dé Lïnde \xe2\x82\xac \xf0\x9f\x98\x80\n", &ini), 0);
    assert_string_equal(ini.entries[0].value,
                        "Huisartsenpraktijk Dé Lïnde \xe2\x82\xac \xf0\x9f\x98\x80");
    ini_free(&ini);
}

static void line_limit(void **state)
{
    size_t n = INI_LINE_MAX;
    char *text = malloc(n + 16);
    assert_non_null(text);
    memcpy(text, "a = ", 4);
    memset(text + 4, 'x', n - 4); /* exactly INI_LINE_MAX bytes: fine */
    memcpy(text + n, "\n", 2);
    struct ini ini;
    assert_int_equal(parse(text, &ini), 0);
    assert_int_equal(strlen(ini.entries[0].value), n - 4);
    ini_free(&ini);
    memcpy(text + n, "y\n", 3); /* one byte more */
    char msg[256];
    assert_int_equal(parse_fails(text, strlen(text), msg, sizeof msg), 1);
    assert_non_null(strstr(msg, "longer than"));
    free(text);
}

static void file_and_settings_limits(void **state)
{
    /* More than INI_SETTINGS_MAX settings: the first one over is named. */
    size_t cap = (INI_SETTINGS_MAX + 2) * 8;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    for (unsigned i = 0; i < INI_SETTINGS_MAX + 1; i++)
        len += (size_t)snprintf(text + len, cap - len, "a = %u\n", i % 10);
    char msg[256];
    assert_int_equal(parse_fails(text, len, msg, sizeof msg), INI_SETTINGS_MAX + 1);
    assert_non_null(strstr(msg, "more than"));
    free(text);
    /* More than INI_SECTIONS_MAX headers. */
    cap = (INI_SECTIONS_MAX + 2) * 16;
    text = malloc(cap);
    assert_non_null(text);
    len = 0;
    for (unsigned i = 0; i < INI_SECTIONS_MAX + 1; i++)
        len += (size_t)snprintf(text + len, cap - len, "[service %u]\n", i);
    assert_int_equal(parse_fails(text, len, msg, sizeof msg), INI_SECTIONS_MAX + 1);
    assert_non_null(strstr(msg, "sections"));
    free(text);
    /* Larger than INI_FILE_MAX: a fault of the whole file (line 0), found before any line. */
    size_t big = INI_FILE_MAX + 1;
    text = malloc(big);
    assert_non_null(text);
    memset(text, '\n', big);
    assert_int_equal(parse_fails(text, big, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "larger than"));
    /* Exactly INI_FILE_MAX is fine. */
    struct ini ini;
    assert_int_equal(ini_parse(text, INI_FILE_MAX, &ini, NULL, msg, sizeof msg), 0);
    ini_free(&ini);
    free(text);
}

static void load_names_the_file(void **state)
{
    char dir[] = "/tmp/regie-ini-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/x.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("role = dva\n[tls\n", f);
    fclose(f);
    struct ini ini;
    char err[512];
    assert_int_equal(ini_load(path, &ini, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:2: ", path);
    assert_memory_equal(err, want, strlen(want));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("role = dva\n", f);
    fclose(f);
    assert_int_equal(ini_load(path, &ini, err, sizeof err), 0);
    assert_string_equal(ini.entries[0].value, "dva");
    ini_free(&ini);
    /* Too large: named without a line. */
    f = fopen(path, "w");
    assert_non_null(f);
    for (unsigned i = 0; i < INI_FILE_MAX + 1; i++) fputc(i % 64 == 63 ? '\n' : '#', f);
    fclose(f);
    assert_int_equal(ini_load(path, &ini, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: larger than", path);
    assert_memory_equal(err, want, strlen(want));
    unlink(path);
    snprintf(want, sizeof want, "%s/missing.conf", dir);
    assert_int_equal(ini_load(want, &ini, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sections_keys_and_lines),
        cmocka_unit_test(quotes_escapes_and_comments),
        cmocka_unit_test(repeated_keys_are_kept_in_order),
        cmocka_unit_test(empty_and_comment_only_files),
        cmocka_unit_test(faults_name_their_line),
        cmocka_unit_test(good_utf8_passes),
        cmocka_unit_test(line_limit),
        cmocka_unit_test(file_and_settings_limits),
        cmocka_unit_test(load_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
