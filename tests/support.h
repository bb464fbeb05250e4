/*
 * support.h - helpers shared by the cmocka test programs.
 */
#ifndef FC_TEST_SUPPORT_H
#define FC_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_converter.h"

/* Absolute path of `relative` inside the source tree (one of eight rotating
 * static buffers: valid for the next seven calls). */
const char *fc_test_path(const char *relative);

/* Reads a whole file; returns malloc'd bytes (NUL-terminated, not counted
 * in *len) or NULL. */
char *fc_test_read_file(const char *path, size_t *len);

/* Writes `len` bytes to `path`; returns true on success. */
bool fc_test_write_file(const char *path, const void *data, size_t len);

/* The built-in template set, loaded once (freed at exit). */
const fc_template_set *fc_test_templates(void);

/* The default template (the set's first). */
const fc_template *fc_test_template(void);

/* Options with the built-in templates (chosen per form, the default
 * first) and default limits. */
fc_options fc_test_options(void);

/* Converts `len` bytes of `input` (named `name` in messages) from format
 * `from` to format `to` entirely in memory. On success returns FC_OK and a
 * malloc'd *out (NUL-terminated, *out_len bytes); on failure returns the
 * status with `err` set and *out NULL. `opts` may be NULL (defaults). */
fc_status fc_test_convert(const char *from, const char *to, const void *input, size_t len,
                          const char *name, const fc_options *opts, char **out,
                          size_t *out_len, fc_error *err);

/* Adds the format option `name` with `value` (NULL for a flag) to `opts`
 * (the settings array is the test support's own; at most 8 per options). */
void fc_test_set_option(fc_options *opts, const char *name, const char *value);

/* Writes a held document (`doc` with its forms) in format `to` into memory.
 * On success returns FC_OK and a malloc'd *out (NUL-terminated, *out_len
 * bytes); on failure returns the status with `err` set and *out NULL.
 * `opts` may be NULL (defaults). */
fc_status fc_test_write_doc(const char *to, const fc_doc *doc, const fc_options *opts,
                            char **out, size_t *out_len, fc_error *err);

/* Runs LibreOffice headless to convert `path` with `filter` (e.g. "pdf")
 * into `outdir`, with a private profile there; fails the calling cmocka
 * test when LibreOffice fails. */
void fc_test_soffice_convert(const char *path, const char *filter, const char *outdir);

/* Reads `len` bytes of `input` in format `from` into a document held in
 * memory (*doc, free with fc_doc_free). */
fc_status fc_test_read_doc(const char *from, const void *input, size_t len, const char *name,
                           const fc_options *opts, fc_doc **doc, fc_error *err);

/* A fresh empty directory under $TMPDIR (static buffer, valid until the
 * next call). Remove it with fc_test_rmtree. */
const char *fc_test_tmpdir(void);

/* Removes `path` and everything below it. */
void fc_test_rmtree(const char *path);

/* Runs `argv` (argv[0] a path) with stdin from `stdin_path` (NULL: /dev/null)
 * and captures stdout and stderr into malloc'd strings (either pointer may
 * be NULL to discard). Returns the exit status, or -1 when it could not run
 * or died by a signal. */
int fc_test_run(const char *const argv[], const char *stdin_path, char **out, char **err);

/* Makes a decimal-comma locale available: builds de_DE.UTF-8 with localedef
 * (package locales) into a private directory once per process and points
 * LOCPATH at it. Returns the locale's name for setlocale, or NULL (with a
 * message on stderr) when it cannot be built. */
const char *fc_test_comma_locale(void);

/* True when running under valgrind (FC_UNDER_VALGRIND set by tests/run.sh). */
bool fc_test_under_valgrind(void);

/* Fails the cmocka test with the first differing offset when two byte
 * strings differ, and leaves the actual bytes in fc_test_tmpdir() as
 * WHAT.actual for inspection. */
void fc_test_assert_same_bytes(const char *actual, size_t actual_len, const char *expected,
                               size_t expected_len, const char *what);

#endif
