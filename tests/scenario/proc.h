/* Starting and stopping a real `regie serve` for the scenario and crash tests: a child process on
 * 127.0.0.1 port 0, its ready line read from stdout, its stderr kept in a log file so a failing
 * test can show what the server said. */
#ifndef REGIE_TESTS_PROC_H
#define REGIE_TESTS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct regie_proc {
    pid_t pid;
    int out_fd;       /* read end of the child's stdout, kept open so late writes never SIGPIPE */
    char base[256];   /* "http://127.0.0.1:PORT/fhir", from the ready line */
    char origin[256]; /* "http://127.0.0.1:PORT" */
    char log[4096];   /* the child's stderr goes here */
};

/* Makes a fresh directory under $TMPDIR (or /tmp) named after tag; writes its path into dir.
 * Returns 0 or -1. */
int proc_tmpdir(const char *tag, char *dir, size_t dir_len);
/* Removes dir and everything below it. */
void proc_rmtree(const char *dir);

/* Starts `bin serve --listen 127.0.0.1:0 --db db --no-auth extra...`, stderr to logpath, and waits
 * up to timeout_s for the ready line. Returns 0, or -1 with a reason in err (the child is then
 * reaped). */
int proc_start(struct regie_proc *p, const char *bin, const char *db, const char *const *extra,
               size_t nextra, const char *logpath, int timeout_s, char *err, size_t err_len);

/* Sends SIGTERM and waits up to timeout_s. Returns the exit status (0..255), 128+signal when it
 * died of a signal, or -1 when it had to be killed after the timeout. */
int proc_stop(struct regie_proc *p, int timeout_s);

/* SIGKILL and reap (a crash, on purpose). */
void proc_kill(struct regie_proc *p);

/* Writes the last max_bytes of the server's stderr log to stderr, indented. */
void proc_dump_log(const struct regie_proc *p, size_t max_bytes);

#endif
