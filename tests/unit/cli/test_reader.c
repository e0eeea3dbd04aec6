#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/reader.h"

/* A temporary file holding n bytes of data; the path is written to path. */
static void write_temp(char *path, size_t path_len, const void *data, size_t n)
{
    snprintf(path, path_len, "/tmp/regie-test-reader-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

/* data bzip2-compressed; *out_len gets the size. Caller frees. */
static char *compress(const char *data, size_t n, unsigned *out_len)
{
    unsigned cap = (unsigned)(n + n / 100 + 600);
    char *out = malloc(cap);
    assert_non_null(out);
    *out_len = cap;
    assert_int_equal(BZ2_bzBuffToBuffCompress(out, out_len, (char *)data, (unsigned)n, 1, 0, 0),
                     BZ_OK);
    return out;
}

/* Reads the whole file at path through the reader; returns the bytes (caller frees) or NULL with
 * err set. */
static char *read_all(const char *path, bool *bz, char *err, size_t err_len)
{
    struct cli_reader *r = cli_reader_open(path, err, err_len);
    if (!r) return NULL;
    if (bz) *bz = cli_reader_is_bzip2(r);
    struct buf b;
    buf_init(&b, 1 << 24);
    int rc = cli_reader_rest(r, &b, err, err_len);
    cli_reader_close(r);
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    size_t len;
    char *s = buf_steal(&b, &len);
    return s ? s : strdup("");
}

/* Text larger than the reader's 64 KiB chunks, so lines cross chunk boundaries. */
static char *big_text(size_t lines)
{
    struct buf b;
    buf_init(&b, 1 << 24);
    for (size_t i = 0; i < lines; i++)
        buf_printf(&b, "{\"resourceType\":\"Basic\",\"id\":\"b%zu\"}\n", i);
    size_t len;
    return buf_steal(&b, &len);
}

static void plain_file_reads_lines(void **state)
{
    char path[64], err[256];
    const char text[] = "first\n\nthird\r\nlast-without-newline";
    write_temp(path, sizeof path, text, sizeof text - 1);
    struct cli_reader *r = cli_reader_open(path, err, sizeof err);
    assert_non_null(r);
    assert_false(cli_reader_is_bzip2(r));
    struct buf line;
    buf_init(&line, 1024);
    const char *want[] = {"first", "", "third\r", "last-without-newline"};
    for (size_t i = 0; i < 4; i++) {
        buf_reset(&line);
        assert_int_equal(cli_reader_line(r, &line, err, sizeof err), 1);
        assert_int_equal(line.len, strlen(want[i]));
        assert_memory_equal(line.len ? line.data : "", want[i], line.len);
    }
    buf_reset(&line);
    assert_int_equal(cli_reader_line(r, &line, err, sizeof err), 0);
    buf_free(&line);
    cli_reader_close(r);
    unlink(path);
}

static void bzip2_is_detected_by_magic_and_decoded(void **state)
{
    char *text = big_text(5000); /* about 190 KB */
    unsigned zlen;
    char *z = compress(text, strlen(text), &zlen);
    char path[64], err[256];
    write_temp(path, sizeof path, z, zlen); /* no .bz2 in the name: the magic decides */
    bool bz = false;
    char *back = read_all(path, &bz, err, sizeof err);
    assert_non_null(back);
    assert_true(bz);
    assert_string_equal(back, text);

    /* Line by line, every line crosses back intact. */
    struct cli_reader *r = cli_reader_open(path, err, sizeof err);
    struct buf line;
    buf_init(&line, 1024);
    size_t n = 0;
    for (;;) {
        buf_reset(&line);
        int rc = cli_reader_line(r, &line, err, sizeof err);
        if (rc == 0) break;
        assert_int_equal(rc, 1);
        char want[64];
        snprintf(want, sizeof want, "{\"resourceType\":\"Basic\",\"id\":\"b%zu\"}", n);
        assert_string_equal(line.data, want);
        n++;
    }
    assert_int_equal(n, 5000);
    buf_free(&line);
    cli_reader_close(r);
    free(back);
    free(z);
    free(text);
    unlink(path);
}

static void concatenated_bzip2_streams_are_read_in_order(void **state)
{
    unsigned l1, l2;
    char *a = compress("part one\n", 9, &l1);
    char *b = compress("part two\n", 9, &l2);
    char *both = malloc(l1 + l2);
    memcpy(both, a, l1);
    memcpy(both + l1, b, l2);
    char path[64], err[256];
    write_temp(path, sizeof path, both, l1 + l2);
    char *back = read_all(path, NULL, err, sizeof err);
    assert_non_null(back);
    assert_string_equal(back, "part one\npart two\n");
    free(back);
    free(both);
    free(a);
    free(b);
    unlink(path);
}

static void corrupt_bzip2_is_an_error(void **state)
{
    char *text = big_text(2000);
    unsigned zlen;
    char *z = compress(text, strlen(text), &zlen);
    for (unsigned i = zlen / 2; i < zlen / 2 + 16; i++) z[i] ^= 0x5a;
    char path[64], err[256] = "";
    write_temp(path, sizeof path, z, zlen);
    assert_null(read_all(path, NULL, err, sizeof err));
    assert_non_null(strstr(err, "corrupt bzip2"));
    free(z);
    free(text);
    unlink(path);
}

static void truncated_bzip2_is_an_error(void **state)
{
    char *text = big_text(2000);
    unsigned zlen;
    char *z = compress(text, strlen(text), &zlen);
    char path[64], err[256] = "";
    write_temp(path, sizeof path, z, zlen - 100);
    assert_null(read_all(path, NULL, err, sizeof err));
    assert_true(strstr(err, "ends early") || strstr(err, "corrupt"));
    free(z);
    free(text);
    unlink(path);
}

static void plain_file_named_bz2_is_read_plain(void **state)
{
    char path[64], err[256];
    write_temp(path, sizeof path, "{\"a\":1}", 7);
    char named[80];
    snprintf(named, sizeof named, "%s.bz2", path);
    assert_int_equal(rename(path, named), 0);
    bool bz = true;
    char *back = read_all(named, &bz, err, sizeof err);
    assert_non_null(back);
    assert_false(bz);
    assert_string_equal(back, "{\"a\":1}");
    free(back);
    unlink(named);
}

/* A pipe that hands over the magic one byte at a time, and the rest later: still bzip2, and every
 * byte arrives. */
static void bzip2_from_a_slow_pipe(void **state)
{
    char *text = big_text(3000);
    unsigned zlen;
    char *z = compress(text, strlen(text), &zlen);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        for (unsigned i = 0; i < 3; i++) {
            if (write(p[1], z + i, 1) != 1) _exit(1);
            usleep(20000);
        }
        if (write(p[1], z + 3, zlen - 3) != (ssize_t)(zlen - 3)) _exit(1);
        _exit(0);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "rb");
    char err[256] = "";
    struct cli_reader *r = cli_reader_from_stream(f, err, sizeof err);
    assert_non_null(r);
    assert_true(cli_reader_is_bzip2(r));
    struct buf b;
    buf_init(&b, 1 << 24);
    assert_int_equal(cli_reader_rest(r, &b, err, sizeof err), 0);
    assert_int_equal(b.len, strlen(text));
    assert_memory_equal(b.data, text, b.len);
    cli_reader_close(r);
    fclose(f);
    int status;
    waitpid(pid, &status, 0);
    assert_int_equal(status, 0);
    buf_free(&b);
    free(z);
    free(text);
}

static void limits_and_missing_files(void **state)
{
    char path[64], err[256] = "";
    write_temp(path, sizeof path, "0123456789abcdef\n", 17);
    struct cli_reader *r = cli_reader_open(path, err, sizeof err);
    struct buf line;
    buf_init(&line, 8);
    assert_int_equal(cli_reader_line(r, &line, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 8"));
    buf_free(&line);
    cli_reader_close(r);
    unlink(path);

    assert_null(cli_reader_open("/nonexistent/regie/file.json", err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    assert_null(cli_reader_open("/tmp", err, sizeof err));
    assert_non_null(strstr(err, "directory"));
}

static void empty_file_reads_nothing(void **state)
{
    char path[64], err[256];
    write_temp(path, sizeof path, "", 0);
    struct cli_reader *r = cli_reader_open(path, err, sizeof err);
    assert_non_null(r);
    assert_false(cli_reader_is_bzip2(r));
    struct buf line;
    buf_init(&line, 8);
    assert_int_equal(cli_reader_line(r, &line, err, sizeof err), 0);
    char tmp[4];
    assert_int_equal(cli_reader_read(r, tmp, sizeof tmp, err, sizeof err), 0);
    buf_free(&line);
    cli_reader_close(r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_file_reads_lines),
        cmocka_unit_test(bzip2_is_detected_by_magic_and_decoded),
        cmocka_unit_test(concatenated_bzip2_streams_are_read_in_order),
        cmocka_unit_test(corrupt_bzip2_is_an_error),
        cmocka_unit_test(truncated_bzip2_is_an_error),
        cmocka_unit_test(plain_file_named_bz2_is_read_plain),
        cmocka_unit_test(bzip2_from_a_slow_pipe),
        cmocka_unit_test(limits_and_missing_files),
        cmocka_unit_test(empty_file_reads_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
