/*
 * test_cli.c - the formconv program as users run it: options, exit codes,
 * standard input and output, all-or-nothing outputs, refusing to write over
 * the input, validate, and flat memory on 100,000 forms.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support.h"

/* Scratch directory of this run. */
static char dir[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Path of `name` in the scratch directory (one of four rotating static
 * buffers: valid for the next three calls). */
static const char *scratch(const char *name)
{
    static char bufs[4][4200];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* Runs formconv with the NULL-terminated arguments `args`; returns the
 * exit status. */
static int run_argv(const char *stdin_path, char **out, char **err, const char *const *args)
{
    const char *argv[16] = {FC_BINARY};
    size_t n = 1;
    while (n < 15 && args[n - 1]) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    return fc_test_run(argv, stdin_path, out, err);
}
#define run(in, out, err, ...) run_argv(in, out, err, (const char *const[]){__VA_ARGS__, NULL})

/* Number of entries in the scratch directory whose name contains `part`. */
static int count_files(const char *part)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, part))
            n++;
    closedir(d);
    return n;
}

static void test_version_and_help(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    assert_int_equal(run(NULL, &out, &err, "--version", NULL, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(out, "formconv 0.1.0\n");
    free(out);
    free(err);
    assert_int_equal(run(NULL, &out, &err, "--help", NULL, NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "convert IN"));
    assert_non_null(strstr(out, "Exit status"));
    free(out);
    free(err);
    assert_int_equal(run(NULL, &out, &err, "convert", "--help", NULL, NULL, NULL, NULL), 0);
    static const char *const options[] = {"--output", "--from", "--to", "--encoding",
                                          "--output-encoding", "--layout", "--template",
                                          "--no-validate", "--real-timestamps"};
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (!strstr(out, options[i]))
            fail_msg("convert --help does not mention %s", options[i]);
    free(out);
    free(err);
    assert_int_equal(run(NULL, &out, &err, "validate", "-h", NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "validate FILE"));
    free(out);
    free(err);
    assert_int_equal(run(NULL, &out, &err, "formats", "--help", NULL, NULL, NULL, NULL), 0);
    free(out);
    free(err);
    /* No command at all is a usage error. */
    assert_int_equal(run(NULL, &out, &err, NULL, NULL, NULL, NULL, NULL, NULL), 2);
    free(out);
    free(err);
}

static void test_formats(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run(NULL, &out, NULL, "formats", NULL, NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "\ntext   rw"));
    assert_non_null(strstr(out, "txt,tsv"));
    free(out);
}

static void test_convert_file_and_streams(void **state)
{
    (void)state;
    size_t want_len, got_len;
    char *want = fc_test_read_file(fc_test_path("fixtures/seed.canonical.txt"), &want_len);
    const char *target = scratch("seed.txt");
    char *out = NULL, *err = NULL;
    assert_int_equal(run(NULL, &out, &err, "convert", fc_test_path("fixtures/seed.txt"), "-o",
                         target, NULL, NULL), 0);
    assert_string_equal(out, "");
    assert_string_equal(err, "");
    free(out);
    free(err);
    char *got = fc_test_read_file(target, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    /* No staging file is left behind. */
    assert_int_equal(count_files(".formconv-"), 0);
    /* Standard input to standard output. */
    assert_int_equal(run(fc_test_path("fixtures/seed.txt"), &out, &err, "convert", "-", NULL,
                         NULL, NULL, NULL), 0);
    assert_string_equal(out, want);
    free(out);
    free(err);
    /* -f and -t decide over names; .tsv means text. */
    char odd_in[4200];
    snprintf(odd_in, sizeof odd_in, "%s", scratch("seed.data"));
    assert_true(fc_test_write_file(odd_in, want, want_len));
    assert_int_equal(run(NULL, NULL, NULL, "convert", "-f", "text", odd_in, "-o",
                         scratch("x.tsv"), NULL), 0);
    assert_int_equal(run(NULL, NULL, NULL, "convert", odd_in, "-t", "text", "-o",
                         scratch("x.out")), 0);
    got = fc_test_read_file(scratch("x.out"), &got_len);
    assert_int_equal(got_len, want_len);
    free(got);
    /* One thread or two: the same bytes. */
    assert_int_equal(run(NULL, NULL, NULL, "convert", "--threads=1", odd_in, "-o",
                         scratch("t1.txt")), 0);
    assert_int_equal(run(NULL, NULL, NULL, "convert", "--threads=2", odd_in, "-o",
                         scratch("t2.txt")), 0);
    size_t t1_len, t2_len;
    char *t1 = fc_test_read_file(scratch("t1.txt"), &t1_len);
    char *t2 = fc_test_read_file(scratch("t2.txt"), &t2_len);
    assert_int_equal(t1_len, want_len);
    assert_int_equal(t2_len, want_len);
    assert_memory_equal(t1, want, want_len);
    assert_memory_equal(t2, want, want_len);
    free(t1);
    free(t2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", "--threads=3", odd_in, NULL), 2);
    /* An output encoding. */
    assert_int_equal(run(NULL, NULL, NULL, "convert", odd_in, "-E", "utf-16le", "-o",
                         scratch("u16.txt")), 0);
    got = fc_test_read_file(scratch("u16.txt"), &got_len);
    assert_int_equal((unsigned char)got[0], 0xFF);
    assert_int_equal((unsigned char)got[1], 0xFE);
    free(got);
    free(want);
}

static void test_rejected_input_leaves_nothing(void **state)
{
    (void)state;
    const char *target = scratch("keep.txt");
    assert_true(fc_test_write_file(target, "OLD", 3));
    char *out = NULL, *err = NULL;
    assert_int_equal(run(NULL, &out, &err, "convert",
                         fc_test_path("fixtures/bad/indicator-before-header.txt"), "-o", target,
                         NULL, NULL), 1);
    /* One line, FILE:LINE:COL: what is wrong. */
    char expected[1024];
    snprintf(expected, sizeof expected,
             "%s:7:1: indicator row before its header (一级指标/二级指标/三级指标/绩效值)\n",
             fc_test_path("fixtures/bad/indicator-before-header.txt"));
    assert_string_equal(err, expected);
    free(out);
    free(err);
    size_t len;
    char *kept = fc_test_read_file(target, &len);
    assert_string_equal(kept, "OLD");
    free(kept);
    assert_int_equal(count_files(".formconv-"), 0);
    /* A missing input. */
    assert_int_equal(run(NULL, NULL, &err, "convert", scratch("missing.txt"), "-o",
                         scratch("never.txt"), NULL, NULL), 1);
    assert_non_null(strstr(err, "cannot open: No such file or directory"));
    free(err);
    assert_int_equal(access(scratch("never.txt"), F_OK), -1);
}

static void test_usage_errors(void **state)
{
    (void)state;
    const char *seed = fc_test_path("fixtures/seed.txt");
    char *err = NULL;
    assert_int_equal(run(NULL, NULL, &err, "convert", "--bogus", seed, NULL, NULL, NULL), 2);
    assert_non_null(strstr(err, "unknown option '--bogus'"));
    free(err);
    assert_int_equal(run(NULL, NULL, NULL, "convert", NULL, NULL, NULL, NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "-t", "pdf", NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "-e", "latin9", NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "-o", scratch("x.doc"), NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "-l", "tiled", NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, seed, NULL, NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "frobnicate", NULL, NULL, NULL, NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "validate", seed, "-o", "x", NULL, NULL), 2);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "--template", scratch("none.xml"),
                         NULL, NULL), 2);
}

static void test_refuses_to_overwrite_input(void **state)
{
    (void)state;
    size_t len;
    char *seed = fc_test_read_file(fc_test_path("fixtures/seed.txt"), &len);
    const char *in = scratch("input.txt");
    assert_true(fc_test_write_file(in, seed, len));
    char *err = NULL;
    assert_int_equal(run(NULL, NULL, &err, "convert", in, "-o", in, NULL, NULL), 2);
    assert_non_null(strstr(err, "refusing to write over the input"));
    free(err);
    const char *link_path = scratch("hardlink.txt");
    assert_int_equal(link(in, link_path), 0);
    assert_int_equal(run(NULL, NULL, NULL, "convert", in, "-o", link_path, NULL, NULL), 2);
    size_t after_len;
    char *after = fc_test_read_file(in, &after_len);
    assert_int_equal(after_len, len);
    assert_memory_equal(after, seed, len);
    free(after);
    free(seed);
}

static void test_output_failures(void **state)
{
    (void)state;
    const char *seed = fc_test_path("fixtures/seed.txt");
    char *err = NULL;
    /* A directory that does not exist, and a "directory" that is a file. */
    assert_int_equal(run(NULL, NULL, &err, "convert", seed, "-o", scratch("nodir/out.txt"), NULL,
                         NULL), 3);
    assert_non_null(strstr(err, "cannot create a file in"));
    free(err);
    const char *file = scratch("plainfile");
    assert_true(fc_test_write_file(file, "x", 1));
    char target[4300];
    snprintf(target, sizeof target, "%s/out.txt", file);
    assert_int_equal(run(NULL, NULL, NULL, "convert", seed, "-o", target, NULL, NULL), 3);
    /* A full disk, imitated by a file size limit of 4 KiB: the write fails
     * midway, the exit status says so, and nothing is left behind. */
    const char *target2 = scratch("full.txt");
    assert_true(fc_test_write_file(target2, "OLD", 3));
    char script[8192];
    snprintf(script, sizeof script, "ulimit -f 4; exec '%s' convert --threads=2 '%s' -o '%s'",
             FC_BINARY,
             fc_test_path("fixtures/seed.txt"), target2);
    /* The seed's output is 8 KB: make it bigger than the limit for sure. */
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *out = NULL;
    assert_int_equal(fc_test_run(argv, NULL, &out, &err), 3);
    assert_non_null(strstr(err, "File too large"));
    free(out);
    free(err);
    size_t len;
    char *kept = fc_test_read_file(target2, &len);
    assert_string_equal(kept, "OLD");
    free(kept);
    assert_int_equal(count_files(".formconv-"), 0);
}

/* A format option the chosen formats do not take is a warning, and the
 * conversion goes on; an option for output given to validate is refused. */
static void test_inapplicable_options(void **state)
{
    (void)state;
    const char *seed = fc_test_path("fixtures/seed.txt");
    char *err = NULL;
    assert_int_equal(run(NULL, NULL, &err, "convert", seed, "-t", "xml", "-l", "sheets", "-o",
                         scratch("w.xml"), NULL), 0);
    assert_string_equal(err, "formconv: warning: option '-l' does not apply to xml output; "
                             "ignored\n");
    free(err);
    assert_int_equal(run(NULL, NULL, &err, "convert", seed, "--output-encoding=gb18030", "-o",
                         scratch("w.xlsx"), NULL), 0);
    assert_string_equal(err, "formconv: warning: option '--output-encoding' does not apply to "
                             "xlsx output; ignored\n");
    free(err);
    assert_int_equal(run(NULL, NULL, &err, "convert", fc_test_path("fixtures/xml/seed.xml"),
                         "-e", "gbk", "-o", scratch("w.txt"), NULL), 0);
    assert_string_equal(err, "formconv: warning: option '-e' does not apply to xml input; "
                             "ignored\n");
    free(err);
    assert_int_equal(run(NULL, NULL, &err, "validate", seed, "-E", "gb18030", NULL), 2);
    assert_non_null(strstr(err, "option '-E' is not for validate"));
    free(err);
}

static void test_validate(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    assert_int_equal(run(NULL, &out, &err, "validate", fc_test_path("fixtures/seed.txt"), NULL,
                         NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "seed.txt: ok"));
    assert_string_equal(err, "");
    free(out);
    free(err);
    assert_int_equal(run(NULL, &out, &err, "validate", fc_test_path("fixtures/seed.txt"),
                         fc_test_path("fixtures/text/shapes.txt"), NULL, NULL, NULL), 1);
    assert_non_null(strstr(out, "seed.txt: ok"));
    assert_non_null(strstr(err, "shapes.txt:5:1: form 1"));
    assert_non_null(strstr(err, "annual amount \"1,200.50\" is not a decimal number"));
    assert_non_null(strstr(err, "shapes.txt:28:1: form 2 (办公经费): has no field 主管部门"));
    free(out);
    free(err);
    /* A file that cannot be read at all is a problem too. */
    assert_int_equal(run(NULL, &out, &err, "validate",
                         fc_test_path("fixtures/bad/unterminated-quote.txt"), NULL, NULL, NULL,
                         NULL), 1);
    assert_non_null(strstr(err, "unterminated-quote.txt:3:6: unterminated quote"));
    free(out);
    free(err);
}

/* Runs `argv` through the measure tool (a small native program, so that the
 * peak counts only formconv even when this test runs under valgrind) and
 * returns its exit status and peak resident set in KiB. */
static int run_measured(const char *const argv[], long *peak_kb)
{
    const char *full[16] = {FC_MEASURE, "-o", "/dev/null", "--"};
    size_t n = 4;
    for (size_t i = 0; argv[i] && n < 15; i++)
        full[n++] = argv[i];
    full[n] = NULL;
    char *out = NULL;
    int status = fc_test_run(full, NULL, &out, NULL);
    const char *rss = out ? strstr(out, "peak_rss_kb=") : NULL;
    assert_non_null(rss);
    *peak_kb = strtol(rss + strlen("peak_rss_kb="), NULL, 10);
    free(out);
    return status;
}

static void test_memory_is_flat(void **state)
{
    (void)state;
    /* 100,000 forms (about 90 MB) through the plain build: peak memory stays
     * under 32 MB, and the same as for 1,000 forms within a few MB. */
    size_t form_len;
    char *all = fc_test_read_file(fc_test_path("fixtures/seed.canonical.txt"), &form_len);
    /* One form: from the first title to the blank line before the second. */
    char *first = strstr(all, "部门项目支出预算绩效目标表");
    char *second = strstr(first + 1, "\n部门项目支出预算绩效目标表");
    assert_non_null(second);
    size_t one = (size_t)(second + 1 - first);
    long peak[2];
    const size_t counts[2] = {1000, 100000};
    for (int k = 0; k < 2; k++) {
        const char *path = scratch("many.txt");
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        char block[64 * 1024];
        size_t per_block = sizeof block / one, filled = 0;
        for (size_t i = 0; i < per_block; i++)
            memcpy(block + i * one, first, one);
        fputs("附件 2\n\n", f);
        while (filled < counts[k]) {
            size_t n = counts[k] - filled < per_block ? counts[k] - filled : per_block;
            assert_int_equal(fwrite(block, one, n, f), n);
            filled += n;
        }
        assert_int_equal(fclose(f), 0);
        const char *argv[] = {FC_PLAIN_BINARY, "convert", path, "-o", scratch("many.out.txt"),
                              NULL};
        assert_int_equal(run_measured(argv, &peak[k]), 0);
        struct stat sb;
        assert_int_equal(stat(scratch("many.out.txt"), &sb), 0);
        assert_true((size_t)sb.st_size >= counts[k] * one);
    }
    if (peak[1] >= 32 * 1024)
        fail_msg("peak RSS %ld KiB for 100,000 forms", peak[1]);
    if (peak[1] > peak[0] + 4096)
        fail_msg("memory grows with forms: %ld KiB for 1,000, %ld KiB for 100,000", peak[0],
                 peak[1]);
    unlink(scratch("many.txt"));
    unlink(scratch("many.out.txt"));
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_convert_file_and_streams),
        cmocka_unit_test(test_rejected_input_leaves_nothing),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_refuses_to_overwrite_input),
        cmocka_unit_test(test_output_failures),
        cmocka_unit_test(test_inapplicable_options),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_memory_is_flat),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
