/* Fetching lists over https from a local `openssl s_server -WWW` with a throw-away certificate:
 * a list is read with the right CA file, refused without it (system CAs do not know the
 * certificate), refused over the size limit, and the holder refreshes from the URL. Skipped when
 * the openssl command is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "medmij/lists.h"

#define FIXTURE "tests/fixtures/medmij/Whitelist.xml"

struct server {
    char dir[64];
    char cert[128];
    pid_t pid;
    int port;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* Makes a certificate for 127.0.0.1 and starts s_server serving dir; 0 or -1 (skip). */
static int start_server(struct server *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/regie-lists-https-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->cert, sizeof s->cert, "%s/cert.pem", s->dir);
    char cmd[1024];
    /* The fixture path is relative to the project root (the test's working directory). */
    char root[512];
    if (!getcwd(root, sizeof root)) return -1;
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout key.pem "
             "-out cert.pem >/dev/null 2>&1 && cp %s/%s Whitelist.xml",
             s->dir, root, FIXTURE);
    if (system(cmd) != 0) return -1;
    /* The server's output goes to a file: a pipe closed by the test would kill it later. */
    char log[128];
    snprintf(log, sizeof log, "%s/server.log", s->dir);
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        FILE *lf = fopen(log, "w");
        if (!lf || chdir(s->dir) != 0) _exit(127);
        dup2(fileno(lf), STDOUT_FILENO);
        dup2(fileno(lf), STDERR_FILENO);
        execlp("openssl", "openssl", "s_server", "-WWW", "-accept", "127.0.0.1:0", "-cert",
               "cert.pem", "-key", "key.pem", (char *)NULL);
        _exit(127);
    }
    /* It names its port on a line "ACCEPT 127.0.0.1:PORT"; wait for it at most 10 s. */
    s->port = 0;
    for (int tries = 0; tries < 100 && s->port == 0; tries++) {
        usleep(100 * 1000);
        FILE *f = fopen(log, "r");
        char line[256];
        while (f && fgets(line, sizeof line, f)) {
            char *at = strstr(line, "ACCEPT 127.0.0.1:");
            if (at) s->port = (int)strtol(at + 17, NULL, 10);
        }
        if (f) fclose(f);
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0; /* it died (no openssl?) */
            break;
        }
    }
    return s->port > 0 ? 0 : -1;
}

static void stop_server(struct server *s)
{
    if (!s->dir[0]) return;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
    if (system(cmd) != 0) print_message("could not remove %s\n", s->dir);
}

/* One server per run, stopped by the group teardown even when an assertion fails mid-test. */
static struct server s;

static int teardown(void **state)
{
    (void)state;
    if (s.dir[0]) stop_server(&s);
    return 0;
}

static void test_https(void **state)
{
    (void)state;
    if (start_server(&s) != 0) {
        print_message("no openssl command to run a local https server; skipping\n");
        skip();
    }
    char url[128], err[512];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/Whitelist.xml", s.port);
    size_t want_len;
    char *want = slurp(FIXTURE, &want_len);
    assert_non_null(want);
    struct buf b;
    buf_init(&b, 1 << 20);
    /* With the server's certificate as CA: the exact bytes. */
    if (medmij_fetch(url, 0, 10, s.cert, &b, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(b.len, want_len);
    assert_memory_equal(b.data, want, want_len);
    /* With the system's CAs the certificate is unknown. */
    assert_int_equal(medmij_fetch(url, 0, 10, NULL, &b, err, sizeof err), -1);
    /* Over the size limit. */
    assert_int_equal(medmij_fetch(url, 100, 10, s.cert, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than"));
    buf_free(&b);
    /* The holder refreshes from the URL. */
    struct medmij_lists_config cfg = {.ca_file = s.cert, .fetch_timeout_s = 10};
    cfg.source[MEDMIJ_WHITELIST] = url;
    struct medmij_lists *h = medmij_lists_new(&cfg);
    assert_non_null(h);
    assert_int_equal(medmij_lists_refresh(h, 1000), 0);
    const struct medmij_list *l = medmij_lists_acquire(h, MEDMIJ_WHITELIST);
    assert_non_null(l);
    assert_int_equal(l->volgnummer, 5);
    assert_true(medmij_whitelist_has(l, "pgo.example.test"));
    medmij_lists_release(h, l);
    medmij_lists_free(h);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
