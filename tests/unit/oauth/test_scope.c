/* MedMij scopes: every form of the digest (provider alone, name~id pairs, one pair, subscribe),
 * the @medmij suffix, and the refusals (syntax, RFC 6749 characters, mixed providers, duplicates,
 * limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "oauth/scope.h"

static int parse(const char *text, struct oauth_scope *s, const char **why)
{
    return oauth_scope_parse(text, strlen(text), s, why);
}

static void refused(const char *text)
{
    struct oauth_scope s;
    const char *why = NULL;
    if (parse(text, &s, &why) != -1) fail_msg("accepted: \"%s\"", text);
    assert_non_null(why);
}

static void test_provider_alone(void **state)
{
    (void)state;
    struct oauth_scope s;
    const char *why;
    assert_int_equal(parse("huisartsdelinde", &s, &why), 0);
    assert_int_equal(s.form, OAUTH_SCOPE_NAME);
    assert_string_equal(s.provider, "huisartsdelinde");
    assert_int_equal(s.nids, 0);
    assert_int_equal(parse("huisartsdelinde@medmij", &s, &why), 0);
    assert_string_equal(s.provider, "huisartsdelinde");
    assert_true(oauth_scope_provider_is(&s, "huisartsdelinde@medmij"));
    assert_true(oauth_scope_provider_is(&s, "huisartsdelinde"));
    assert_false(oauth_scope_provider_is(&s, "ziekenhuis@medmij"));
    assert_false(oauth_scope_provider_is(&s, "huisartsdelindex"));
    assert_false(oauth_scope_provider_is(&s, NULL));
}

static void test_pairs(void **state)
{
    (void)state;
    struct oauth_scope s;
    const char *why;
    assert_int_equal(parse("huisartsdelinde~53", &s, &why), 0);
    assert_int_equal(s.form, OAUTH_SCOPE_PAIRS);
    assert_int_equal(s.nids, 1);
    assert_string_equal(s.ids[0], "53");
    assert_int_equal(
        parse("huisartsdelinde~48 huisartsdelinde~49 huisartsdelinde@medmij~51", &s, &why), 0);
    assert_int_equal(s.form, OAUTH_SCOPE_PAIRS);
    assert_int_equal(s.nids, 3);
    assert_string_equal(s.ids[0], "48");
    assert_string_equal(s.ids[1], "49");
    assert_string_equal(s.ids[2], "51");
    assert_string_equal(s.provider, "huisartsdelinde");
}

static void test_subscribe(void **state)
{
    (void)state;
    struct oauth_scope s;
    const char *why;
    assert_int_equal(parse("subscribe~30/huisartsdelinde~48", &s, &why), 0);
    assert_int_equal(s.form, OAUTH_SCOPE_SUBSCRIBE);
    assert_int_equal(s.subscribe_days, 30);
    assert_int_equal(s.nids, 1);
    assert_string_equal(s.ids[0], "48");
    assert_string_equal(s.provider, "huisartsdelinde");
    assert_int_equal(parse("subscribe~3660/a~1", &s, &why), 0);
    refused("subscribe~3661/a~1");
    refused("subscribe~0/a~1");
    refused("subscribe~030/a~1");
    refused("subscribe~30");
    refused("subscribe~30/");
    refused("subscribe~/a~1");
    refused("subscribe~x/a~1");
    refused("subscribe~30/a");
    refused("subscribe~30/a~1 a~2");
    refused("a~1 subscribe~30/a~2");
}

static void test_refusals(void **state)
{
    (void)state;
    refused("");
    refused(" ");
    refused(" huisartsdelinde");
    refused("huisartsdelinde ");
    refused("a~1  a~2");
    refused("Huisartsdelinde");
    refused("huisarts-delinde");
    refused("huisartsdelinde@other");
    refused("@medmij");
    refused("huisartsdelinde~");
    refused("~48");
    refused("huisartsdelinde~048");
    refused("huisartsdelinde~4a");
    refused("huisartsdelinde~-1");
    refused("huisartsdelinde~48~49");
    refused("a~1 b~2"); /* two providers */
    refused("a~1 a~1"); /* a duplicate */
    refused("a a~1");   /* provider alone mixed with pairs */
    refused("a~1 a");
    refused("a b");
    refused("a~1\ta~2"); /* only the space separates */
    refused("a~\"1\"");  /* '"' is no scope character */
    refused("a\\b");
    refused("a~1234567890123456"); /* 16 digits */
    /* 51 letters: longer than any ZAL name allows. */
    refused("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy");
    struct oauth_scope s;
    const char *why;
    assert_int_equal(parse("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx", &s, &why), 0);
    /* A NUL inside the given length is refused, not cut off. */
    assert_int_equal(oauth_scope_parse("a~1\0a~2", 7, &s, &why), -1);
    assert_int_equal(oauth_scope_parse(NULL, 0, &s, &why), -1);
}

static void test_limits(void **state)
{
    (void)state;
    char text[OAUTH_SCOPE_MAX + 64];
    size_t len = 0;
    for (int i = 1; i <= OAUTH_SCOPE_IDS_MAX; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%sa~%d", i > 1 ? " " : "", i);
    struct oauth_scope s;
    const char *why;
    assert_int_equal(oauth_scope_parse(text, len, &s, &why), 0);
    assert_int_equal(s.nids, OAUTH_SCOPE_IDS_MAX);
    len += (size_t)snprintf(text + len, sizeof text - len, " a~999");
    assert_int_equal(oauth_scope_parse(text, len, &s, &why), -1);
    char longer[OAUTH_SCOPE_MAX + 2];
    memset(longer, 'a', sizeof longer);
    assert_int_equal(oauth_scope_parse(longer, OAUTH_SCOPE_MAX + 1, &s, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_alone), cmocka_unit_test(test_pairs),
        cmocka_unit_test(test_subscribe),      cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
