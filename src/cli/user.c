/* `regie user add|list|disable|enable|reset`: account administration on the account database.
 * Passwords come from standard input (prompted without echo on a terminal), never from the
 * command line, where any local user could read them in the process list. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/qr.h"
#include "cli/cli.h"

#define PASSWORD_LINE_MAX (PASSWORD_MAX_LEN + 2)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie user add USERNAME --accounts PATH --role ROLE [--bsn BSN] [--qr FILE]\n"
            "       regie user list --accounts PATH\n"
            "       regie user disable USERNAME --accounts PATH\n"
            "       regie user enable USERNAME --accounts PATH\n"
            "       regie user reset USERNAME --accounts PATH [--password] [--totp] [--qr FILE]\n\n"
            "Administers the accounts in the account database at PATH (created when missing).\n"
            "add makes an account with a password and a TOTP second factor and prints the TOTP\n"
            "enrolment URI; list shows the accounts without secrets; disable refuses further\n"
            "logins and ends the account's sessions (enable undoes it); reset sets a new password\n"
            "and/or a new TOTP secret (a lost phone), clears a lockout and ends the sessions.\n"
            "The password is read from standard input: prompted twice without echo on a terminal,\n"
            "else the first line. It is never taken from the command line.\n\n"
            "options:\n"
            "  --accounts PATH  the account database\n"
            "  --role ROLE      patient, professional or admin (add)\n"
            "  --bsn BSN        the patient's BSN (add; at a DVA, where this login stands in for\n"
            "                   DigiD); nine digits passing the 11-proef\n"
            "  --password       reset: set a new password (read as for add)\n"
            "  --totp           reset: make a new TOTP secret and print its URI\n"
            "  --qr FILE        write the enrolment QR code as SVG to FILE (mode 0600)\n"
            "  --issuer NAME    the name the authenticator app shows (default regie)\n"
            "  --help           this text\n\n"
            "exit status: 0 done, 1 refused or failed, 2 usage error\n");
}

struct options {
    const char *action, *username, *accounts, *role, *bsn, *qr, *issuer;
    bool password, totp;
};

static int parse(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--accounts")) {
            value = &o->accounts;
        } else if (!strcmp(a, "--role")) {
            value = &o->role;
        } else if (!strcmp(a, "--bsn")) {
            value = &o->bsn;
        } else if (!strcmp(a, "--qr")) {
            value = &o->qr;
        } else if (!strcmp(a, "--issuer")) {
            value = &o->issuer;
        } else if (!strcmp(a, "--password")) {
            o->password = true;
        } else if (!strcmp(a, "--totp")) {
            o->totp = true;
        } else if (a[0] == '-') {
            fprintf(stderr, "regie user: unknown option '%s'\n", a);
            return 2;
        } else if (!o->action) {
            o->action = a;
        } else if (!o->username) {
            o->username = a;
        } else {
            fprintf(stderr, "regie user: unexpected argument '%s'\n", a);
            return 2;
        }
        if (value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "regie user: %s needs a value\n", a);
                return 2;
            }
            *value = argv[++i];
        }
    }
    if (!o->action) {
        usage(stderr);
        return 2;
    }
    if (strcmp(o->action, "add") && strcmp(o->action, "list") && strcmp(o->action, "disable") &&
        strcmp(o->action, "enable") && strcmp(o->action, "reset")) {
        fprintf(stderr, "regie user: unknown action '%s'\n", o->action);
        return 2;
    }
    if (!o->accounts) {
        fprintf(stderr, "regie user: --accounts PATH is required\n");
        return 2;
    }
    bool wants_user = strcmp(o->action, "list") != 0;
    if (wants_user && !o->username) {
        fprintf(stderr, "regie user %s: USERNAME is required\n", o->action);
        return 2;
    }
    if (!wants_user && o->username) {
        fprintf(stderr, "regie user list: unexpected argument '%s'\n", o->username);
        return 2;
    }
    if (!strcmp(o->action, "add") && !o->role) {
        fprintf(stderr, "regie user add: --role patient|professional|admin is required\n");
        return 2;
    }
    if (!strcmp(o->action, "reset") && !o->password && !o->totp) {
        fprintf(stderr, "regie user reset: give --password, --totp or both\n");
        return 2;
    }
    if ((o->role && strcmp(o->action, "add")) || (o->bsn && strcmp(o->action, "add")) ||
        ((o->password || o->totp) && strcmp(o->action, "reset")) ||
        ((o->qr || o->issuer) && strcmp(o->action, "add") && strcmp(o->action, "reset"))) {
        fprintf(stderr, "regie user %s: option not used by this action\n", o->action);
        return 2;
    }
    return 0;
}

/* Reads one line without its end into buf; returns the length (NUL bytes included, so the
 * password rules see them) or -1 (nothing read, or longer than cap - 1). */
static long read_line(FILE *in, char *buf, size_t cap)
{
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n = getline(&line, &line_cap, in);
    long rc = -1;
    if (n >= 0) {
        if (n && line[n - 1] == '\n') n--;
        if (n && line[n - 1] == '\r') n--;
        if ((size_t)n < cap) {
            memcpy(buf, line, (size_t)n);
            buf[n] = '\0';
            rc = (long)n;
        }
    }
    if (line) {
        OPENSSL_cleanse(line, line_cap);
        free(line);
    }
    return rc;
}

/* Prompts on the terminal with echo off. */
static long prompt_hidden(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0) return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fputs(prompt, stderr);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    long n = read_line(stdin, buf, cap);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return n;
}

/* The new password into buf; returns its length or -1 (message printed). */
static long read_password(char *buf, size_t cap)
{
    long n;
    if (isatty(STDIN_FILENO)) {
        char again[PASSWORD_LINE_MAX];
        n = prompt_hidden("new password: ", buf, cap);
        long m = n < 0 ? -1 : prompt_hidden("again: ", again, sizeof again);
        bool same = n >= 0 && m == n && !memcmp(buf, again, (size_t)n);
        OPENSSL_cleanse(again, sizeof again);
        if (!same) {
            fprintf(stderr, "regie user: the passwords differ\n");
            return -1;
        }
    } else {
        n = read_line(stdin, buf, cap);
        if (n < 0) {
            fprintf(stderr,
                    "regie user: no password on standard input (or longer than %d "
                    "bytes)\n",
                    PASSWORD_MAX_LEN);
            return -1;
        }
    }
    const char *why = password_unacceptable(buf, (size_t)n);
    if (why) {
        fprintf(stderr, "regie user: %s\n", why);
        return -1;
    }
    return n;
}

/* Prints the enrolment and writes the QR code when asked. Returns 0 or 1. */
static int hand_out(const struct options *o, const struct accounts_enrolment *e)
{
    printf("TOTP secret: %s\nTOTP URI: %s\n", e->secret, e->uri);
    if (!o->qr) return 0;
    char *svg = qr_svg(e->uri);
    if (!svg) {
        fprintf(stderr, "regie user: cannot make the QR code\n");
        return 1;
    }
    /* The image holds the secret: owner-only, and never over an existing file's contents. */
    int fd = open(o->qr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(svg);
    bool ok = fd >= 0 && write(fd, svg, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0) ok = false;
    OPENSSL_cleanse(svg, len);
    free(svg);
    if (!ok) {
        fprintf(stderr, "regie user: cannot write %s: %s\n", o->qr, strerror(errno));
        return 1;
    }
    printf("QR code written to %s\n", o->qr);
    return 0;
}

static int fail(const char *action, enum accounts_rc rc)
{
    fprintf(stderr, "regie user %s: %s\n", action, accounts_rc_text(rc));
    return 1;
}

static int do_add(struct accounts *acc, const struct options *o)
{
    enum account_role role;
    if (account_role_parse(o->role, &role) != 0) {
        fprintf(stderr, "regie user add: unknown role '%s' (patient, professional, admin)\n",
                o->role);
        return 2;
    }
    if (!account_username_valid(o->username)) {
        fprintf(stderr, "regie user add: the username must be 1-64 letters, digits or . _ - @\n");
        return 1;
    }
    if (o->bsn && !bsn_valid(o->bsn)) {
        fprintf(stderr, "regie user add: the BSN is not nine digits passing the 11-proef\n");
        return 1;
    }
    char pw[PASSWORD_LINE_MAX];
    long n = read_password(pw, sizeof pw);
    if (n < 0) return 1;
    struct accounts_enrolment e;
    const char *why = NULL;
    enum accounts_rc rc =
        accounts_add(acc, o->username, role, o->bsn, pw, (size_t)n, &e, NULL, &why);
    OPENSSL_cleanse(pw, sizeof pw);
    if (rc == ACCOUNTS_INVALID && why) {
        fprintf(stderr, "regie user add: %s\n", why);
        return 1;
    }
    if (rc != ACCOUNTS_OK) return fail("add", rc);
    printf("added %s (%s%s)\n", o->username, role == ACCOUNT_PATIENT ? "patient" : o->role,
           o->bsn ? ", with BSN" : "");
    int out = hand_out(o, &e);
    accounts_enrolment_free(&e);
    return out;
}

static int print_account(const struct account *a, void *ctx)
{
    int64_t now = *(const int64_t *)ctx;
    char created[32] = "?";
    time_t t = (time_t)a->created;
    struct tm tm;
    if (gmtime_r(&t, &tm)) strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *status = a->disabled             ? "disabled"
                         : a->pending_until      ? "pending" /* self sign-up, unconfirmed */
                         : a->locked_until > now ? "locked"
                                                 : "active";
    printf("%-24s %-12s %-4s %-8s %s\n", a->username, account_role_name(a->role),
           a->bsn[0] ? "yes" : "-", status, created);
    return 0;
}

static int do_list(struct accounts *acc)
{
    int64_t now = accounts_now(acc);
    printf("%-24s %-12s %-4s %-8s %s\n", "USERNAME", "ROLE", "BSN", "STATUS", "CREATED");
    enum accounts_rc rc = accounts_list(acc, print_account, &now);
    return rc == ACCOUNTS_OK ? 0 : fail("list", rc);
}

static int do_reset(struct accounts *acc, const struct options *o)
{
    struct account a;
    enum accounts_rc rc = accounts_get(acc, o->username, &a);
    if (rc != ACCOUNTS_OK) return fail("reset", rc);
    if (o->password) {
        char pw[PASSWORD_LINE_MAX];
        long n = read_password(pw, sizeof pw);
        if (n < 0) return 1;
        rc = accounts_set_password(acc, o->username, pw, (size_t)n, NULL);
        OPENSSL_cleanse(pw, sizeof pw);
        if (rc != ACCOUNTS_OK) return fail("reset", rc);
        printf("new password set for %s\n", a.username);
    }
    if (o->totp) {
        struct accounts_enrolment e;
        rc = accounts_reset_totp(acc, o->username, &e);
        if (rc != ACCOUNTS_OK) return fail("reset", rc);
        printf("new TOTP secret for %s\n", a.username);
        int out = hand_out(o, &e);
        accounts_enrolment_free(&e);
        if (out) return out;
    }
    return 0;
}

int cli_user(int argc, char **argv)
{
    struct options o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;
    struct accounts_config cfg;
    accounts_config_default(&cfg);
    if (o.issuer) {
        size_t n = strlen(o.issuer);
        if (n == 0 || n >= sizeof cfg.issuer) {
            fprintf(stderr, "regie user: --issuer must be 1-%zu bytes\n", sizeof cfg.issuer - 1);
            return 2;
        }
        memcpy(cfg.issuer, o.issuer, n + 1);
    }
    struct accounts *acc = accounts_open(o.accounts, &cfg);
    if (!acc) {
        fprintf(stderr, "regie user: cannot open the account database %s\n", o.accounts);
        return 1;
    }
    if (!strcmp(o.action, "add")) {
        rc = do_add(acc, &o);
    } else if (!strcmp(o.action, "list")) {
        rc = do_list(acc);
    } else if (!strcmp(o.action, "reset")) {
        rc = do_reset(acc, &o);
    } else {
        bool disable = !strcmp(o.action, "disable");
        enum accounts_rc r = accounts_set_disabled(acc, o.username, disable);
        rc = r == ACCOUNTS_OK ? 0 : fail(o.action, r);
        if (!rc) printf("%s %s\n", disable ? "disabled" : "enabled", o.username);
    }
    accounts_close(acc);
    return rc;
}
