#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
    min_level = level;
}

void log_init_from_env(void)
{
    const char *v = getenv("REGIE_LOG");
    if (!v) return;
    if (!strcmp(v, "debug"))
        min_level = LOG_DEBUG;
    else if (!strcmp(v, "info"))
        min_level = LOG_INFO;
    else if (!strcmp(v, "warn"))
        min_level = LOG_WARN;
    else if (!strcmp(v, "error"))
        min_level = LOG_ERROR;
}

/* One line per message, written with a single fprintf so concurrent threads do not interleave. */
static void log_emit(enum log_level level, const char *kind, const char *where, const char *fmt,
                     va_list ap)
{
    if (level < min_level) return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s%s%s %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, kind,
            where ? " " : "", where ? where : "", msg);
}

#define LOG_FN(fn, level, kind)                                                                    \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_emit(level, kind, NULL, fmt, ap);                                                      \
        va_end(ap);                                                                                \
    }

LOG_FN(log_info, LOG_INFO, "info")
LOG_FN(log_debug, LOG_DEBUG, "debug")
LOG_FN(log_warn, LOG_WARN, "warn")
LOG_FN(log_client, LOG_INFO, "client-fault")

void log_bug_at(const char *file, int line, const char *fmt, ...)
{
    char where[256];
    snprintf(where, sizeof where, "%s:%d", file, line);
    va_list ap;
    va_start(ap, fmt);
    log_emit(LOG_ERROR, "BUG", where, fmt, ap);
    va_end(ap);
}
