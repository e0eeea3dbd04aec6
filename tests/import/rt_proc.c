/* Processes and files for the round-trip test. */
#define _XOPEN_SOURCE 700
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After the ready line the server's stdout is copied to ours, so it never blocks on a full pipe. */
static void *drain(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char b[4096];
    ssize_t n;
    while ((n = read(fd, b, sizeof b)) > 0) fwrite(b, 1, (size_t)n, stdout);
    close(fd);
    return NULL;
}

int rt_server_start(struct rt_server *s, const char *regie, const char *db, int timeout_s)
{
    memset(s, 0, sizeof *s);
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        /* If the test dies without stopping it, the server goes too. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        /* Per-request logging of 77,000 GETs would only bury a failure's message. */
        setenv("REGIE_LOG", "warn", 0);
        execl(regie, regie, "serve", "--listen", "127.0.0.1:0", "--db", db, "--no-auth",
              (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", regie, strerror(errno));
        _exit(127);
    }
    close(p[1]);
    s->pid = pid;
    s->out_fd = p[0];
    char line[1024];
    size_t len = 0;
    double deadline = now_s() + timeout_s;
    for (;;) {
        int left_ms = (int)((deadline - now_s()) * 1000);
        if (left_ms <= 0) {
            fprintf(stderr, "server did not print its ready line within %d s\n", timeout_s);
            rt_server_kill(s);
            return -1;
        }
        struct pollfd pfd = {.fd = s->out_fd, .events = POLLIN};
        if (poll(&pfd, 1, left_ms) <= 0) continue;
        ssize_t n = read(s->out_fd, line + len, 1); /* byte by byte: nothing past the line */
        if (n <= 0) {
            fprintf(stderr, "server exited before it was ready\n");
            rt_server_kill(s);
            return -1;
        }
        if (line[len] == '\n' || len + 2 >= sizeof line) {
            line[len] = '\0';
            len = 0;
            if (!strncmp(line, "ready ", 6)) break;
            printf("server: %s\n", line);
            continue;
        }
        len++;
    }
    snprintf(s->base, sizeof s->base, "%s", line + 6);
    pthread_t t;
    if (pthread_create(&t, NULL, drain, (void *)(intptr_t)s->out_fd) == 0) pthread_detach(t);
    return 0;
}

int rt_server_stop(struct rt_server *s, int timeout_s)
{
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    double deadline = now_s() + timeout_s;
    int status = 0;
    while (now_s() < deadline) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            fprintf(stderr, "server ended by signal %d\n",
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
            return -1;
        }
        usleep(20000);
    }
    fprintf(stderr, "server did not exit within %d s of SIGTERM; killing it\n", timeout_s);
    rt_server_kill(s);
    return -1;
}

void rt_server_kill(struct rt_server *s)
{
    if (s->pid <= 0) return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

int rt_run(char *const argv[], const char *out_path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (out_path) {
            int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(127);
            close(fd);
        }
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int rt_read_bz2(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    int bzerr;
    BZFILE *bz = BZ2_bzReadOpen(&bzerr, f, 0, 0, NULL, 0);
    int rc = bz && bzerr == BZ_OK ? 0 : -1;
    char chunk[65536];
    while (rc == 0) {
        int n = BZ2_bzRead(&bzerr, bz, chunk, sizeof chunk);
        if (bzerr != BZ_OK && bzerr != BZ_STREAM_END)
            rc = -1;
        else if (n > 0 && buf_append(out, chunk, (size_t)n) != 0)
            rc = -1;
        if (bzerr == BZ_STREAM_END) break;
    }
    if (rc != 0) fprintf(stderr, "%s: cannot decompress (bzip2 error %d)\n", path, bzerr);
    if (bz) BZ2_bzReadClose(&bzerr, bz);
    fclose(f);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void rt_rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
