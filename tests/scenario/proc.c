/* Child-process control for tests that run the real regie binary. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_MAX_ARGS 64

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int proc_tmpdir(const char *tag, char *dir, size_t dir_len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    int n = snprintf(dir, dir_len, "%s/regie-%s-XXXXXX", tmp, tag);
    if (n < 0 || (size_t)n >= dir_len) return -1;
    return mkdtemp(dir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void proc_rmtree(const char *dir)
{
    if (dir && *dir) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs in the child after fork: wires stdin/stdout/stderr and execs. Never returns. */
static void exec_child(int out_w, const char *logpath, char **argv)
{
    /* The server must not outlive a test runner that crashed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int in = open("/dev/null", O_RDONLY);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || logfd < 0) _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(out_w, STDOUT_FILENO);
    dup2(logfd, STDERR_FILENO);
    close(in);
    close(out_w);
    close(logfd);
    execv(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Reads from fd until a newline or the deadline. Returns 0 with the line (no newline) in line,
 * or -1 (EOF, error or timeout; err says which). */
static int read_line(int fd, long long deadline, char *line, size_t line_len, char *err,
                     size_t err_len)
{
    size_t n = 0;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            snprintf(err, err_len, "no ready line within the timeout");
            return -1;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            snprintf(err, err_len, "server closed stdout before a ready line (exited?)");
            return -1;
        }
        if (c == '\n') {
            line[n] = '\0';
            return 0;
        }
        if (n + 1 >= line_len) {
            snprintf(err, err_len, "ready line too long");
            return -1;
        }
        line[n++] = c;
    }
}

/* Splits "ready http://H:P/fhir" into base and origin. */
static int parse_ready(struct regie_proc *p, const char *line, char *err, size_t err_len)
{
    const char *prefix = "ready http://";
    if (strncmp(line, prefix, strlen(prefix)) != 0) {
        snprintf(err, err_len, "unexpected first stdout line: '%s'", line);
        return -1;
    }
    const char *url = line + strlen("ready ");
    const char *path = strchr(url + strlen("http://"), '/');
    if (!path || strcmp(path, "/fhir") != 0 || strlen(url) >= sizeof p->base) {
        snprintf(err, err_len, "ready line does not end in /fhir: '%s'", line);
        return -1;
    }
    snprintf(p->base, sizeof p->base, "%s", url);
    snprintf(p->origin, sizeof p->origin, "%.*s", (int)(path - url), url);
    return 0;
}

static void reap(struct regie_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = -1;
    if (p->out_fd >= 0) close(p->out_fd);
    p->out_fd = -1;
}

int proc_start(struct regie_proc *p, const char *bin, const char *db, const char *const *extra,
               size_t nextra, const char *logpath, int timeout_s, char *err, size_t err_len)
{
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->out_fd = -1;
    snprintf(p->log, sizeof p->log, "%s", logpath);
    if (nextra > PROC_MAX_ARGS - 8) {
        snprintf(err, err_len, "too many serve arguments");
        return -1;
    }
    char *argv[PROC_MAX_ARGS];
    size_t argc = 0;
    argv[argc++] = (char *)bin;
    argv[argc++] = "serve";
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    argv[argc++] = "--db";
    argv[argc++] = (char *)db;
    argv[argc++] = "--no-auth";
    for (size_t i = 0; i < nextra; i++) argv[argc++] = (char *)extra[i];
    argv[argc] = NULL;

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, err_len, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_len, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        exec_child(fds[1], logpath, argv);
    }
    close(fds[1]);
    p->pid = pid;
    p->out_fd = fds[0];

    char line[512];
    if (read_line(p->out_fd, now_ms() + (long long)timeout_s * 1000, line, sizeof line, err,
                  err_len) != 0 ||
        parse_ready(p, line, err, err_len) != 0) {
        reap(p);
        return -1;
    }
    return 0;
}

int proc_stop(struct regie_proc *p, int timeout_s)
{
    if (p->pid <= 0) return -1;
    kill(p->pid, SIGTERM);
    long long deadline = now_ms() + (long long)timeout_s * 1000;
    int status = 0;
    int result = -1;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            if (WIFEXITED(status))
                result = WEXITSTATUS(status);
            else if (WIFSIGNALED(status))
                result = 128 + WTERMSIG(status);
            p->pid = -1;
            break;
        }
        if (r < 0 && errno != EINTR) break;
        if (now_ms() > deadline) {
            reap(p);
            return -1;
        }
        usleep(10000);
    }
    if (p->out_fd >= 0) close(p->out_fd);
    p->out_fd = -1;
    return result;
}

void proc_kill(struct regie_proc *p)
{
    reap(p);
}

void proc_dump_log(const struct regie_proc *p, size_t max_bytes)
{
    FILE *f = fopen(p->log, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    if (size > 0 && (size_t)size > max_bytes)
        fseek(f, size - (long)max_bytes, SEEK_SET);
    else
        fseek(f, 0, SEEK_SET);
    fprintf(stderr, "    --- server stderr (%s) ---\n", p->log);
    char line[1024];
    while (fgets(line, sizeof line, f)) fprintf(stderr, "    | %s", line);
    fprintf(stderr, "    --- end of server stderr ---\n");
    fclose(f);
}
