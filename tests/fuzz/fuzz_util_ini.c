/* Fuzzes the config file syntax (util/ini): any bytes parse or fail with a line inside the text,
 * never a crash; what parses obeys the syntax's promises (names of the allowed characters, every
 * setting in a section that exists, lines increasing, values never longer than the text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > INI_NAME_MAX || s[0] < 'a' || s[0] > 'z') abort();
    if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ini ini;
    unsigned line = 0;
    char err[256];
    size_t nlines = 1;
    for (size_t i = 0; i < size; i++) nlines += data[i] == '\n';
    if (ini_parse((const char *)data, size, &ini, &line, err, sizeof err) != 0) {
        if (line > nlines || !err[0]) abort();
        return 0;
    }
    if (ini.nsections < 1 || ini.nsections > INI_SECTIONS_MAX + 1) abort();
    if (ini.nentries > INI_SETTINGS_MAX) abort();
    if (ini.sections[0].name[0] || ini.sections[0].arg || ini.sections[0].line) abort();
    unsigned last = 0;
    for (size_t i = 1; i < ini.nsections; i++) {
        check_name(ini.sections[i].name);
        if (ini.sections[i].line <= last || ini.sections[i].line > nlines) abort();
        last = ini.sections[i].line;
    }
    last = 0;
    for (size_t i = 0; i < ini.nentries; i++) {
        const struct ini_entry *e = &ini.entries[i];
        check_name(e->key);
        if (e->section >= ini.nsections || e->line <= last || e->line > nlines) abort();
        if (strlen(e->value) > size) abort();
        last = e->line;
    }
    ini_free(&ini);
    return 0;
}
