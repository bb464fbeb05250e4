/*
 * test_diag.c - diagnostics as one line of text or JSON: locations taken
 * apart, JSON escaping, the warning mark, and records too long for their
 * buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>


#include "fc_diag.h"
#include "support.h"

/* A location and what it is taken apart into. */
typedef struct where_case {
    const char *location;  /* as in fc_error */
    const char *file;      /* expected file */
    unsigned long line;    /* expected line (0: none) */
    unsigned long column;  /* expected column (0: none) */
    const char *sheet;     /* expected sheet (NULL: none) */
    const char *cell;      /* expected cell (NULL: none) */
    const char *part;      /* expected part (NULL: none) */
} where_case;

/* Asserts that n bytes at s equal the NUL-terminated `want` (NULL: s is NULL). */
static void assert_span(const char *s, size_t n, const char *want)
{
    if (!want) {
        assert_null(s);
        return;
    }
    assert_non_null(s);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

static void test_parse_location(void **state)
{
    (void)state;
    static const where_case cases[] = {
        {"x.txt:3:1", "x.txt", 3, 1, NULL, NULL, NULL},
        {"dir:a/x.txt:12", "dir:a/x.txt", 12, 0, NULL, NULL, NULL},
        {"C:/forms/x.txt:7:20", "C:/forms/x.txt", 7, 20, NULL, NULL, NULL},
        {"book.xlsx!Sheet1!B12", "book.xlsx", 0, 0, "Sheet1", "B12", NULL},
        {"book.xlsx!附件2 (续)!XFD1048576", "book.xlsx", 0, 0, "附件2 (续)", "XFD1048576", NULL},
        {"book.xlsx!xl/worksheets/sheet1.xml", "book.xlsx", 0, 0, NULL, NULL,
         "xl/worksheets/sheet1.xml"},
        {"<stdin>", "<stdin>", 0, 0, NULL, NULL, NULL},
        {"x.txt:abc", "x.txt:abc", 0, 0, NULL, NULL, NULL},
        {"", "", 0, 0, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const where_case *c = &cases[i];
        fc_diag_where w;
        fc_diag_parse_location(c->location, &w);
        assert_span(w.file, w.file_len, c->file);
        assert_int_equal(w.line, c->line);
        assert_int_equal(w.column, c->column);
        assert_span(w.sheet, w.sheet_len, c->sheet);
        assert_span(w.cell, w.cell_len, c->cell);
        assert_span(w.part, w.part_len, c->part);
    }
}

static void test_text_lines(void **state)
{
    (void)state;
    fc_error e;
    char line[FC_DIAG_LINE_MAX];
    fc_error_set(&e, FC_ERR_INPUT, "x.txt:3:1", "no form found");
    assert_string_equal(fc_diag_format(&e, FC_DIAG_TEXT, line, sizeof line),
                        "x.txt:3:1: no form found");
    e.severity = FC_SEVERITY_WARNING;
    assert_string_equal(fc_diag_format(&e, FC_DIAG_TEXT, line, sizeof line),
                        "warning: x.txt:3:1: no form found");
    fc_error_clear(&e);
    assert_int_equal(e.severity, FC_SEVERITY_ERROR);
}

/* Checks that `json` is one line and that python3's json module reads its
 * message back to `message`. */
static void assert_json_message(const char *json, const char *message)
{
    assert_null(strchr(json, '\n'));
    char *argv_json = malloc(strlen(json) + 1);
    assert_non_null(argv_json);
    strcpy(argv_json, json);
    const char *argv[] = {"/usr/bin/python3", "-c",
                          "import json,sys; sys.stdout.write(json.loads(sys.argv[1])['message'])",
                          argv_json, NULL};
    char *out = NULL, *errs = NULL;
    int status = fc_test_run(argv, NULL, &out, &errs);
    if (status != 0)
        fail_msg("python3 could not read %s: %s", json, errs ? errs : "");
    assert_string_equal(out, message);
    free(out);
    free(errs);
    free(argv_json);
}

static void test_json_records(void **state)
{
    (void)state;
    fc_error e;
    char line[FC_DIAG_LINE_MAX];
    fc_error_set(&e, FC_ERR_INPUT, "x.txt:3:1", "bad \"value\"\nwith\ta break\\ and \x01 U+2028:\xE2\x80\xA8.");
    fc_diag_format(&e, FC_DIAG_JSON, line, sizeof line);
    assert_string_equal(line,
                        "{\"file\":\"x.txt\",\"line\":3,\"column\":1,\"severity\":\"error\","
                        "\"code\":\"input\",\"message\":\"bad \\\"value\\\"\\nwith\\ta break\\\\ "
                        "and \\u0001 U+2028:\\u2028.\"}");
    assert_json_message(line, e.message);
    fc_error_set(&e, FC_ERR_LIMIT, "b.xlsx!表一!C4", "too long");
    e.severity = FC_SEVERITY_WARNING;
    fc_diag_format(&e, FC_DIAG_JSON, line, sizeof line);
    assert_string_equal(line, "{\"file\":\"b.xlsx\",\"sheet\":\"表一\",\"cell\":\"C4\","
                              "\"severity\":\"warning\",\"code\":\"limit\",\"message\":\"too long\"}");
    fc_error_set(&e, FC_ERR_USAGE, NULL, "no location");
    fc_diag_format(&e, FC_DIAG_JSON, line, sizeof line);
    assert_string_equal(line, "{\"file\":null,\"severity\":\"error\",\"code\":\"usage\","
                              "\"message\":\"no location\"}");
}

/* A record that does not fit its buffer keeps valid JSON: the message is
 * shortened on a character boundary. */
static void test_json_too_long(void **state)
{
    (void)state;
    fc_error e;
    char message[600];
    size_t n = 0;
    while (n + 3 < sizeof message - 1) {
        memcpy(message + n, "项", 3);
        n += 3;
    }
    message[n] = '\0';
    fc_error_set(&e, FC_ERR_INPUT, "x.txt:1:1", "%s", message);
    char line[200];
    fc_diag_format(&e, FC_DIAG_JSON, line, sizeof line);
    assert_true(strlen(line) < sizeof line);
    assert_int_equal(line[strlen(line) - 1], '}');
    const char *m = strstr(line, "\"message\":\"");
    assert_non_null(m);
    size_t kept = strlen(m) - strlen("\"message\":\"") - 2;
    assert_true(kept > 0 && kept % 3 == 0);
    assert_memory_equal(m + strlen("\"message\":\""), message, kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_location),
        cmocka_unit_test(test_text_lines),
        cmocka_unit_test(test_json_records),
        cmocka_unit_test(test_json_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
