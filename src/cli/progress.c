#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(struct cli_progress *p, size_t files_total)
{
    *p = (struct cli_progress){0};
    p->enabled = isatty(STDERR_FILENO) == 1;
    p->files_total = files_total;
    p->start = cli_now();
}

double cli_progress_elapsed(const struct cli_progress *p)
{
    return cli_now() - p->start;
}

void cli_progress_draw(struct cli_progress *p, bool force)
{
    if (!p->enabled) return;
    double now = cli_now();
    if (!force && now - p->last_draw < 0.1) return;
    p->last_draw = now;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)p->resources / secs : 0;
    /* A 20-cell bar over the files; a file in progress shows as not yet done. */
    char bar[21];
    size_t cells = p->files_total ? p->files_done * 20 / p->files_total : 0;
    for (size_t i = 0; i < 20; i++) bar[i] = i < cells ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r[%s] files %zu/%zu  resources %llu  failures %llu  %.0f/s \033[K", bar,
            p->files_done, p->files_total, (unsigned long long)p->resources,
            (unsigned long long)p->failures, rate);
    fflush(stderr);
    p->shown = true;
}

void cli_progress_clear(struct cli_progress *p)
{
    if (!p->enabled || !p->shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}
