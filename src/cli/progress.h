/* The import's progress line on stderr: files done/total, resources stored, rate. Drawn only when
 * stderr is a terminal, redrawn in place with '\r' at most about ten times a second. */
#ifndef REGIE_CLI_PROGRESS_H
#define REGIE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli_progress {
    bool enabled; /* stderr is a terminal */
    bool shown;   /* a line is on screen and must be cleared before other output */
    size_t files_total, files_done;
    uint64_t resources, failures;
    double start, last_draw; /* monotonic seconds */
};

/* Monotonic clock in seconds. */
double cli_now(void);

void cli_progress_init(struct cli_progress *p, size_t files_total);
/* Redraws the line when enabled and at least 0.1 s passed since the last draw (or force). */
void cli_progress_draw(struct cli_progress *p, bool force);
/* Erases the line, so a message can be printed on a clean line. */
void cli_progress_clear(struct cli_progress *p);
/* Seconds since init. */
double cli_progress_elapsed(const struct cli_progress *p);

#endif
