/*
 * test_family.c - forms of the family as offices published them
 * (fixtures/family, sources in fixtures/family/SOURCES.md): each one, as a
 * tab-separated dump, as CSV in GB18030 (and UTF-8 with BOM) and as a
 * workbook with merged cells, reads to the expected XML (golden files), and
 * round-trips text <-> XLSX <-> XML byte for byte; the other forms of the
 * family are refused by name.
 *
 * Goldens: NAME.xml for NAME.txt and its CSVs; NAME.from-xlsx.xml where the
 * workbook reads differently (a merged extra column repeats its value on
 * every row it covers, where the dump leaves the rows blank); NAME.sheetN.xml
 * for the CSV of one sheet; NAME.expected for a refusal (its message).
 * Regenerate with FC_UPDATE_GOLDENS=1 after a deliberate change, and read
 * the diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Fixtures that are other forms of the family, refused by name. */
static const char *const refused[] = {
    "department-wide-overall",
    "department-wide-tasks",
    "selfeval-sichuan",
    "selfeval-standard",
};

/* True when `stem` names a refused fixture. */
static bool is_refused(const char *stem)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (strcmp(stem, refused[i]) == 0)
            return true;
    return false;
}

/* Path of fixtures/family/NAME in a static buffer (one of four). */
static const char *family(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    char rel[400];
    snprintf(rel, sizeof rel, "fixtures/family/%s", name);
    snprintf(b, sizeof bufs[0], "%s", fc_test_path(rel));
    return b;
}

/* The file names of fixtures/family ending with `suffix`, sorted; *count
 * receives their number. Free with free_names. */
static char **list(const char *suffix, size_t *count)
{
    DIR *d = opendir(family(""));
    assert_non_null(d);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    size_t slen = strlen(suffix);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= slen || strcmp(e->d_name + len - slen, suffix) != 0)
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *grown);
        assert_non_null(grown);
        names = grown;
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    *count = n;
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Converts the fixture file `name` (format `from`) to `to`; fails the test
 * with the error when it is refused. */
static char *convert_file(const char *name, const char *from, const char *to, size_t *len)
{
    size_t in_len;
    char *input = fc_test_read_file(family(name), &in_len);
    assert_non_null(input);
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    if (fc_test_convert(from, to, input, in_len, name, NULL, &out, len, &err) != FC_OK)
        fail_msg("%s -> %s refused: %s: %s", name, to, err.location, err.message);
    free(input);
    return out;
}

/* Converts bytes in memory, failing the test on refusal. */
static char *convert_bytes(const char *from, const char *to, const char *input, size_t len,
                           const char *what, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    if (fc_test_convert(from, to, input, len, what, NULL, &out, out_len, &err) != FC_OK)
        fail_msg("%s -> %s refused: %s: %s", what, to, err.location, err.message);
    return out;
}

/* Compares `actual` with the golden file `golden` (or writes it when
 * FC_UPDATE_GOLDENS is set). */
static void check_golden(const char *actual, size_t len, const char *golden)
{
    if (getenv("FC_UPDATE_GOLDENS")) {
        assert_true(fc_test_write_file(family(golden), actual, len));
        return;
    }
    size_t want_len;
    char *want = fc_test_read_file(family(golden), &want_len);
    if (!want)
        fail_msg("golden file %s is missing", golden);
    fc_test_assert_same_bytes(actual, len, want, want_len, golden);
    free(want);
}

/* Copies `name` without the suffix starting at its first '.' into `stem`. */
static void stem_of(const char *name, char *stem, size_t size)
{
    snprintf(stem, size, "%s", name);
    char *dot = strchr(stem, '.');
    if (dot)
        *dot = '\0';
}

/* Each dump reads to its golden XML; the XML, the canonical text and the
 * workbook made from it round-trip byte for byte. */
static void test_dumps(void **state)
{
    (void)state;
    size_t n;
    char **names = list(".txt", &n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        char stem[256], golden[300];
        stem_of(names[i], stem, sizeof stem);
        if (is_refused(stem))
            continue;
        size_t xml_len, text_len, back_len, again_len, book_len, via_len;
        char *xml = convert_file(names[i], "text", "xml", &xml_len);
        snprintf(golden, sizeof golden, "%s.xml", stem);
        check_golden(xml, xml_len, golden);
        char *text = convert_file(names[i], "text", "text", &text_len);
        /* text -> XML -> text, and XML -> text -> XML */
        char *back = convert_bytes("xml", "text", xml, xml_len, golden, &back_len);
        fc_test_assert_same_bytes(back, back_len, text, text_len, stem);
        char *again = convert_bytes("text", "xml", back, back_len, stem, &again_len);
        fc_test_assert_same_bytes(again, again_len, xml, xml_len, golden);
        /* text -> XLSX -> text, and XLSX -> XML */
        char *book = convert_bytes("text", "xlsx", text, text_len, stem, &book_len);
        char *via = convert_bytes("xlsx", "text", book, book_len, stem, &via_len);
        fc_test_assert_same_bytes(via, via_len, text, text_len, stem);
        free(via);
        via = convert_bytes("xlsx", "xml", book, book_len, stem, &via_len);
        fc_test_assert_same_bytes(via, via_len, xml, xml_len, golden);
        free(via);
        free(book);
        free(again);
        free(back);
        free(text);
        free(xml);
    }
    free_names(names, n);
}

/* CSV in GB18030 (and UTF-8 with BOM), comma-separated with Excel's
 * quoting, reads to the dump's golden (one sheet's CSV to its own). */
static void test_csv(void **state)
{
    (void)state;
    size_t n;
    char **names = list(".csv", &n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        char stem[256], golden[300];
        stem_of(names[i], stem, sizeof stem);
        if (is_refused(stem))
            continue;
        const char *sheet = strstr(names[i], ".sheet");
        if (sheet)
            snprintf(golden, sizeof golden, "%s.sheet%c.xml", stem, sheet[6]);
        else
            snprintf(golden, sizeof golden, "%s.xml", stem);
        size_t xml_len;
        char *xml = convert_file(names[i], "csv", "xml", &xml_len);
        check_golden(xml, xml_len, golden);
        free(xml);
    }
    free_names(names, n);
}

/* Workbooks with merged cells read to the dump's golden, or to their own
 * where merges say more (NAME.from-xlsx.xml). */
static void test_workbooks(void **state)
{
    (void)state;
    size_t n;
    char **names = list(".xlsx", &n);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        char stem[256], golden[300];
        stem_of(names[i], stem, sizeof stem);
        if (is_refused(stem))
            continue;
        size_t xml_len;
        char *xml = convert_file(names[i], "xlsx", "xml", &xml_len);
        char own[300];
        snprintf(own, sizeof own, "%s.from-xlsx.xml", stem);
        snprintf(golden, sizeof golden, "%s.xml", stem);
        size_t dump_len;
        char *dump = fc_test_read_file(family(golden), &dump_len);
        assert_non_null(dump);
        bool same = dump_len == xml_len && memcmp(dump, xml, xml_len) == 0;
        free(dump);
        if (getenv("FC_UPDATE_GOLDENS")) {
            /* The workbook's own golden only where it reads differently. */
            if (same)
                remove(family(own));
            else
                check_golden(xml, xml_len, own);
        } else {
            size_t own_len;
            char *mine = fc_test_read_file(family(own), &own_len);
            if (mine)
                check_golden(xml, xml_len, own);
            else if (!same)
                check_golden(xml, xml_len, golden);
            free(mine);
        }
        free(xml);
    }
    free_names(names, n);
}

/* The other forms of the family: refused with their name, in every format,
 * at the cell that shows what they are. */
static void test_refusals(void **state)
{
    (void)state;
    static const char *const formats[][2] = {
        {".txt", "text"}, {".gb18030.csv", "csv"}, {".xlsx", "xlsx"}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char golden[300];
        snprintf(golden, sizeof golden, "%s.expected", refused[i]);
        size_t want_len;
        char *want = fc_test_read_file(family(golden), &want_len);
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            char name[300];
            snprintf(name, sizeof name, "%s%s", refused[i], formats[f][0]);
            size_t in_len;
            char *input = fc_test_read_file(family(name), &in_len);
            assert_non_null(input);
            char *out = NULL;
            size_t out_len;
            fc_error err;
            fc_error_clear(&err);
            assert_int_equal(fc_test_convert(formats[f][1], "xml", input, in_len, name, NULL,
                                             &out, &out_len, &err),
                             FC_ERR_INPUT);
            assert_null(out);
            if (f == 0 && getenv("FC_UPDATE_GOLDENS")) {
                char line[2048];
                snprintf(line, sizeof line, "%s: %s\n", err.location, err.message);
                assert_true(fc_test_write_file(family(golden), line, strlen(line)));
            } else if (f == 0) {
                char line[2048];
                snprintf(line, sizeof line, "%s: %s\n", err.location, err.message);
                assert_non_null(want);
                fc_test_assert_same_bytes(line, strlen(line), want, want_len, golden);
            }
            /* Every format names the form alike. */
            if (!strstr(err.message, "formconv has no template for it") ||
                !(strstr(err.message, "自评表") || strstr(err.message, "部门整体支出绩效目标表")))
                fail_msg("%s: %s", name, err.message);
            free(input);
        }
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dumps),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_workbooks),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
