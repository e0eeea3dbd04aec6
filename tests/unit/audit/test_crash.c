/* A writer killed with SIGKILL in the middle of recording (four threads): every entry it had
 * acknowledged is in the file, the file opens again (a torn tail, if any, cut and noted) and the
 * chain verifies. Process death only; power loss is the fdatasync's job. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"

static struct audit_log *child_log;
static int ack_fd;
static pthread_mutex_t ack_mu = PTHREAD_MUTEX_INITIALIZER;

static void *child_writer(void *arg)
{
    long id = (long)arg;
    for (long i = 0;; i++) {
        char what[64];
        snprintf(what, sizeof what, "Observation/k%ld-%ld", id, i);
        struct audit_entry e = {.actor = "user-1",
                                .patient = "pat-a",
                                .action = "read",
                                .what = what,
                                .outcome = 200,
                                .purpose = "treatment"};
        if (audit_record(child_log, &e) != AUDIT_OK) _exit(3);
        char hash[AUDIT_HASH_HEX];
        uint64_t durable = audit_anchor(child_log, hash);
        /* Acknowledged: tell the parent the durable seq (at least this entry's). */
        pthread_mutex_lock(&ack_mu);
        if (write(ack_fd, &durable, sizeof durable) != sizeof durable) _exit(4);
        pthread_mutex_unlock(&ack_mu);
    }
    return NULL;
}

static void test_kill_while_writing(void **state)
{
    (void)state;
    char dir[] = "/tmp/regie-audit-crash-XXXXXX", path[128], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/audit.log", dir);
    for (int round = 0; round < 3; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            ack_fd = fds[1];
            child_log = audit_open(path, NULL, err, sizeof err);
            if (!child_log) _exit(2);
            pthread_t t[4];
            for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, child_writer, (void *)i);
            pthread_join(t[0], NULL);
            _exit(0);
        }
        close(fds[1]);
        struct timespec ts = {0, (150 + 100 * round) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        uint64_t seq, acked = 0;
        while (read(fds[0], &seq, sizeof seq) == sizeof seq)
            if (seq > acked) acked = seq;
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        assert_true(acked > 0);
        /* Reopen (cuts a torn tail if the kill landed inside a write), then verify. */
        struct audit_log *log = audit_open(path, NULL, err, sizeof err);
        if (!log) fail_msg("reopen after kill: %s", err);
        audit_close(log);
        struct audit_report r;
        assert_int_equal(audit_verify(path, NULL, 0, &r), 0);
        if (!r.ok)
            fail_msg("round %d: broken at %llu: %s", round, (unsigned long long)r.broken_seq,
                     r.why);
        if (r.entries < acked)
            fail_msg("round %d: %llu entries, %llu acknowledged", round,
                     (unsigned long long)r.entries, (unsigned long long)acked);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_while_writing)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
