/*
 * support.c - helpers shared by the cmocka test programs.
 */
#define _GNU_SOURCE
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fc_io.h"
#include "fc_registry.h"

const char *fc_test_path(const char *relative)
{
    static char bufs[8][4096];
    static unsigned next;
    char *buf = bufs[next++ % 8];
    snprintf(buf, sizeof bufs[0], "%s/%s", FC_SOURCE_DIR, relative);
    return buf;
}

char *fc_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        cap *= 2;
        char *bigger = realloc(data, cap + 1);
        if (!bigger) {
            free(data);
            data = NULL;
        }
        data = bigger;
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        *len = n;
    }
    return data;
}

bool fc_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static fc_template_set *test_templates;

/* Frees the shared template at exit. */
static void free_templates(void)
{
    fc_template_set_free(test_templates);
    test_templates = NULL;
}

const fc_template_set *fc_test_templates(void)
{
    if (!test_templates) {
        fc_error err;
        if (fc_template_set_load_builtin(&test_templates, &err) != FC_OK) {
            fprintf(stderr, "cannot load the built-in templates: %s\n", err.message);
            abort();
        }
        atexit(free_templates);
    }
    return test_templates;
}

const fc_template *fc_test_template(void)
{
    return fc_test_templates()->items[0];
}

fc_options fc_test_options(void)
{
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tpl = fc_test_template();
    opts.templates = fc_test_templates();
    return opts;
}

/* Settings handed out by fc_test_set_option: a ring of arrays, so that an
 * option set keeps its array while a few more are made. */
#define SETTING_SETS 32
#define SETTINGS_PER_SET 8
static fc_setting setting_ring[SETTING_SETS][SETTINGS_PER_SET];
static size_t setting_next;

void fc_test_set_option(fc_options *opts, const char *name, const char *value)
{
    assert_true(opts->setting_count < SETTINGS_PER_SET);
    fc_setting *set = setting_ring[setting_next++ % SETTING_SETS];
    for (size_t i = 0; i < opts->setting_count; i++)
        set[i] = opts->settings[i];
    set[opts->setting_count].name = name;
    set[opts->setting_count].value = value ? value : "";
    opts->settings = set;
    opts->setting_count++;
}

/* Copies the committed bytes of a memory output into a malloc'd string. */
static fc_status take_memory(fc_output *output, char **out, size_t *out_len, fc_error *err)
{
    size_t n;
    const unsigned char *data = fc_output_memory_data(output, &n);
    *out = malloc(n + 1);
    if (!*out)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    memcpy(*out, data, n);
    (*out)[n] = '\0';
    *out_len = n;
    return FC_OK;
}

fc_status fc_test_convert(const char *from, const char *to, const void *input, size_t len,
                          const char *name, const fc_options *opts, char **out,
                          size_t *out_len, fc_error *err)
{
    *out = NULL;
    *out_len = 0;
    fc_options defaults = fc_test_options();
    if (!opts)
        opts = &defaults;
    const fc_converter *reader = fc_converter_by_name(from);
    const fc_converter *writer = fc_converter_by_name(to);
    if (!reader || !writer || !reader->read || !writer->open_writer)
        return fc_error_set(err, FC_ERR_USAGE, NULL, "no converter %s -> %s", from, to);
    fc_input *in = NULL;
    fc_output *output = NULL;
    fc_sink *sink = NULL;
    fc_status st = fc_input_from_memory(input, len, name, &in, err);
    if (!st)
        st = fc_output_memory(&output, err);
    if (!st)
        st = writer->open_writer(output, opts, &sink, err);
    if (!st)
        st = reader->read(in, opts, sink, err);
    if (!st)
        st = sink->end(sink, err);
    if (!st)
        st = fc_output_commit(output, err);
    if (!st)
        st = take_memory(output, out, out_len, err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(output);
    fc_input_free(in);
    return st;
}

fc_status fc_test_write_doc(const char *to, const fc_doc *doc, const fc_options *opts,
                            char **out, size_t *out_len, fc_error *err)
{
    *out = NULL;
    *out_len = 0;
    fc_options defaults = fc_test_options();
    if (!opts)
        opts = &defaults;
    const fc_converter *writer = fc_converter_by_name(to);
    if (!writer || !writer->open_writer)
        return fc_error_set(err, FC_ERR_USAGE, NULL, "no writer %s", to);
    fc_output *output = NULL;
    fc_sink *sink = NULL;
    fc_status st = fc_output_memory(&output, err);
    if (!st)
        st = writer->open_writer(output, opts, &sink, err);
    if (!st)
        st = fc_sink_run_doc(sink, doc, err);
    if (!st)
        st = fc_output_commit(output, err);
    if (!st)
        st = take_memory(output, out, out_len, err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(output);
    return st;
}

void fc_test_soffice_convert(const char *path, const char *filter, const char *outdir)
{
    char profile[4400];
    snprintf(profile, sizeof profile, "-env:UserInstallation=file://%s/profile", outdir);
    const char *argv[] = {"/usr/bin/soffice", "--headless", "--norestore", profile,
                          "--convert-to", filter, "--outdir", outdir, path, NULL};
    char *out = NULL, *errs = NULL;
    int status = fc_test_run(argv, NULL, &out, &errs);
    if (status != 0)
        fprintf(stderr, "soffice: %s%s\n", out ? out : "", errs ? errs : "");
    assert_int_equal(status, 0);
    free(out);
    free(errs);
}

fc_status fc_test_read_doc(const char *from, const void *input, size_t len, const char *name,
                           const fc_options *opts, fc_doc **doc, fc_error *err)
{
    *doc = NULL;
    fc_options defaults = fc_test_options();
    if (!opts)
        opts = &defaults;
    const fc_converter *reader = fc_converter_by_name(from);
    if (!reader || !reader->read)
        return fc_error_set(err, FC_ERR_USAGE, NULL, "no reader %s", from);
    fc_input *in = NULL;
    fc_sink *sink = fc_collector_new();
    if (!sink)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    fc_status st = fc_input_from_memory(input, len, name, &in, err);
    if (!st)
        st = reader->read(in, opts, sink, err);
    if (!st)
        *doc = fc_collector_take(sink);
    sink->destroy(sink);
    fc_input_free(in);
    return st;
}

const char *fc_test_tmpdir(void)
{
    static char buf[4096];
    const char *base = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/formconv-test-XXXXXX", (base && *base) ? base : "/tmp");
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        abort();
    }
    return buf;
}

/* Reads everything from `fd` into a malloc'd string. */
static char *drain(int fd)
{
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    for (;;) {
        if (!data)
            return NULL;
        if (n + 1 >= cap) {
            char *bigger = realloc(data, cap *= 2);
            if (!bigger) {
                free(data);
                return NULL;
            }
            data = bigger;
        }
        ssize_t got = read(fd, data + n, cap - n - 1);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    data[n] = '\0';
    return data;
}

int fc_test_run(const char *const argv[], const char *stdin_path, char **out, char **err)
{
    char out_path[] = "/tmp/fc-test-out-XXXXXX";
    char err_path[] = "/tmp/fc-test-err-XXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    if (out_fd < 0 || err_fd < 0)
        return -1;
    unlink(out_path);
    unlink(err_path);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int in_fd = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        if (in_fd < 0)
            _exit(127);
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    if (out) {
        lseek(out_fd, 0, SEEK_SET);
        *out = drain(out_fd);
    }
    if (err) {
        lseek(err_fd, 0, SEEK_SET);
        *err = drain(err_fd);
    }
    close(out_fd);
    close(err_fd);
    if (!WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

bool fc_test_under_valgrind(void)
{
    return getenv("FC_UNDER_VALGRIND") != NULL;
}

void fc_test_rmtree(const char *path)
{
    const char *argv[] = {"/bin/rm", "-rf", path, NULL};
    fc_test_run(argv, NULL, NULL, NULL);
}

/* Directory of the built locale, removed at exit. */
static char locale_root[4096];

/* Removes the built locale. */
static void remove_locale(void)
{
    if (locale_root[0])
        fc_test_rmtree(locale_root);
}

const char *fc_test_comma_locale(void)
{
    char *dir = locale_root;
    if (!dir[0]) {
        char locale_dir[4200];
        snprintf(dir, sizeof locale_root, "%s", fc_test_tmpdir());
        atexit(remove_locale);
        snprintf(locale_dir, sizeof locale_dir, "%s/de_DE.UTF-8", dir);
        const char *argv[] = {"/usr/bin/localedef", "-i", "de_DE", "-f", "UTF-8", locale_dir,
                              NULL};
        char *errs = NULL;
        int status = fc_test_run(argv, NULL, NULL, &errs);
        if (status != 0) {
            fprintf(stderr, "localedef (package locales) failed: %s\n", errs ? errs : "");
            free(errs);
            dir[0] = '\0';
            return NULL;
        }
        free(errs);
    }
    setenv("LOCPATH", dir, 1);
    return "de_DE.UTF-8";
}

void fc_test_assert_same_bytes(const char *actual, size_t actual_len, const char *expected,
                               size_t expected_len, const char *what)
{
    if (actual_len == expected_len && memcmp(actual, expected, actual_len) == 0)
        return;
    size_t i = 0;
    while (i < actual_len && i < expected_len && actual[i] == expected[i])
        i++;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.actual", fc_test_tmpdir(), what);
    fc_test_write_file(path, actual, actual_len);
    fail_msg("%s: output differs from the expected bytes at offset %zu (actual %zu bytes, "
             "expected %zu; actual written to %s)", what, i, actual_len, expected_len, path);
}
