/* Logging. Peer faults (a client sent something wrong) and our own bugs go through different calls
 * so they can be counted and alerted on apart. Never pass tokens, passwords or BSNs to these. */
#ifndef REGIE_UTIL_LOG_H
#define REGIE_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Messages below this level are dropped. Default LOG_INFO; REGIE_LOG=debug|info|warn|error
 * overrides. */
void log_set_level(enum log_level level);
void log_init_from_env(void);

__attribute__((format(printf, 1, 2))) void log_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_debug(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_warn(const char *fmt, ...);
/* The peer did something wrong (bad request, bad certificate ...). */
__attribute__((format(printf, 1, 2))) void log_client(const char *fmt, ...);
/* We have a bug or the system failed (I/O, out of memory, SQL error). */
#define log_bug(...) log_bug_at(__FILE__, __LINE__, __VA_ARGS__)
__attribute__((format(printf, 3, 4))) void log_bug_at(const char *file, int line, const char *fmt,
                                                      ...);

#endif
