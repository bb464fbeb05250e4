/*
 * test_xlsx_reader.c - the XLSX reader: workbooks made by other tools, the
 * package's parts and cell types, number formats, merged cells, forms
 * wherever they stand, and untrusted archives (zip bombs, CRC errors,
 * truncation, encryption, DOCTYPE, missing parts, not a workbook).
 *
 * Small workbooks are built here with minizip's zip.h from XML written in
 * the test, so each case shows exactly what the file holds.
 */
#define _GNU_SOURCE /* memmem */
#include <locale.h>
#include <math.h> /* NAN */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <zip.h>

#include "../converters/xlsx.h"
#include "fc_registry.h"
#include "support.h"

/* ---- building workbooks ------------------------------------------------ */

/* One entry of a zip built by a test. */
typedef struct part {
    const char *name;      /* entry name */
    const char *data;      /* its bytes (NUL-terminated unless len is set) */
    size_t len;            /* bytes, or 0 for strlen(data) */
    int method;            /* 0 stored, else deflate */
    const char *password;  /* encrypt with this password, or NULL */
} part;

/* Builds a zip of `n` parts; returns malloc'd bytes and their count. */
static char *make_zip(const part *parts, size_t n, size_t *len)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    snprintf(path, sizeof path, "%s/book.zip", dir);
    zipFile z = zipOpen64(path, APPEND_STATUS_CREATE);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        size_t size = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_fileinfo info;
        memset(&info, 0, sizeof info);
        unsigned long crc = crc32(0L, (const Bytef *)parts[i].data, (uInt)size);
        int rc = zipOpenNewFileInZip3_64(z, parts[i].name, &info, NULL, 0, NULL, 0, NULL,
                                         parts[i].method == 0 ? 0 : Z_DEFLATED,
                                         parts[i].method == 0 ? 0 : Z_BEST_COMPRESSION, 0,
                                         -MAX_WBITS, DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY,
                                         parts[i].password, crc, 0);
        assert_int_equal(rc, ZIP_OK);
        assert_int_equal(zipWriteInFileInZip(z, parts[i].data, (unsigned)size), ZIP_OK);
        assert_int_equal(zipCloseFileInZip(z), ZIP_OK);
    }
    assert_int_equal(zipClose(z, NULL), ZIP_OK);
    char *data = fc_test_read_file(path, len);
    assert_non_null(data);
    fc_test_rmtree(dir);
    return data;
}

static const char CONTENT_TYPES[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "</Types>";

static const char ROOT_RELS[] =
    "<?xml version=\"1.0\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

static const char WORKBOOK[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

static const char WORKBOOK_RELS[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

static const char NS[] = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";

/* Inline-string cell XML. */
static char *istr(const char *ref, const char *text)
{
    char *s = NULL;
    size_t n = strlen(text) + strlen(ref) + 64;
    s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "<c r=\"%s\" t=\"inlineStr\"><is><t>%s</t></is></c>", ref, text);
    return s;
}

/* printf into a malloc'd string. */
static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(NULL, 0, format, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, format);
    vsnprintf(s, (size_t)n + 1, format, ap);
    va_end(ap);
    return s;
}

/* A sheet part around `rows` (the <row> elements) and `tail` (after
 * sheetData: mergeCells). */
static char *sheet_xml(const char *rows, const char *tail)
{
    return fmt("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet %s><sheetData>%s"
               "</sheetData>%s</worksheet>", NS, rows, tail ? tail : "");
}

/* A workbook of the standard parts plus a sheet, shared strings and styles
 * (either may be NULL). */
static char *make_book(const char *sheet, const char *sst, const char *styles, size_t *len)
{
    part parts[7];
    size_t n = 0;
    parts[n++] = (part){"[Content_Types].xml", CONTENT_TYPES, 0, 8, NULL};
    parts[n++] = (part){"_rels/.rels", ROOT_RELS, 0, 8, NULL};
    parts[n++] = (part){"xl/workbook.xml", WORKBOOK, 0, 8, NULL};
    parts[n++] = (part){"xl/_rels/workbook.xml.rels", WORKBOOK_RELS, 0, 8, NULL};
    parts[n++] = (part){"xl/worksheets/sheet1.xml", sheet, 0, 8, NULL};
    if (sst)
        parts[n++] = (part){"xl/sharedStrings.xml", sst, 0, 8, NULL};
    if (styles)
        parts[n++] = (part){"xl/styles.xml", styles, 0, 8, NULL};
    return make_zip(parts, n, len);
}

/* Reads workbook bytes to canonical text; returns the status, *text the
 * output (malloc'd) on success. */
static fc_status read_text(const char *book, size_t len, const fc_options *opts, char **text,
                           fc_error *err)
{
    size_t out_len;
    return fc_test_convert("xlsx", "text", book, len, "book.xlsx", opts, text, &out_len, err);
}

/* The rows of a small valid form, cells from column `col` (a letter) on
 * row `row0` (1-based), with `amount` as the XML of the amount cell's
 * content (t and value) and `target` likewise for the first target. */
static char *form_rows(char col, int row0)
{
    char c0[2] = {col, 0}, c1[2] = {(char)(col + 1), 0}, c2[2] = {(char)(col + 2), 0},
         c3[2] = {(char)(col + 3), 0};
    char ref[8][16];
    char *cells[16];
    int r = row0;
    snprintf(ref[0], 16, "%s%d", c0, r);
    cells[0] = istr(ref[0], "部门项目支出预算绩效目标表");
    snprintf(ref[1], 16, "%s%d", c0, r + 1);
    cells[1] = istr(ref[1], "项目名称");
    snprintf(ref[2], 16, "%s%d", c1, r + 1);
    cells[2] = istr(ref[2], "测试项目");
    char *rows = fmt(
        "<row r=\"%d\">%s</row><row r=\"%d\">%s%s</row>"
        "<row r=\"%d\"><c r=\"%s%d\" t=\"inlineStr\"><is><t>一级指标</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>二级指标</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>三级指标</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>绩效值</t></is></c></row>"
        "<row r=\"%d\"><c r=\"%s%d\" t=\"inlineStr\"><is><t>1-产出指标</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>11-数量指标</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>人数</t></is></c>"
        "<c r=\"%s%d\" t=\"inlineStr\"><is><t>22 人</t></is></c></row>",
        r, cells[0], r + 1, cells[1], cells[2], r + 2, c0, r + 2, c1, r + 2, c2, r + 2, c3,
        r + 2, r + 3, c0, r + 3, c1, r + 3, c2, r + 3, c3, r + 3);
    for (int i = 0; i < 3; i++)
        free(cells[i]);
    return rows;
}

static const char SMALL_FORM_TEXT[] =
    "部门项目支出预算绩效目标表\n\n项目名称\t测试项目\t\t\n"
    "一级指标\t二级指标\t三级指标\t绩效值\n1-产出指标\t11-数量指标\t人数\t22 人\n";

/* Expects reading `book` to fail with `code`, a location equal to
 * `location` and a message containing `needle`. */
static void expect_error(const char *book, size_t len, const fc_options *opts, fc_status code,
                         const char *location, const char *needle)
{
    char *text = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = read_text(book, len, opts, &text, &err);
    if (st != code || strcmp(err.location, location) != 0 ||
        (needle && !strstr(err.message, needle)))
        fail_msg("expected %d at \"%s\" (\"%s\"), got %d at \"%s\": %s", (int)code, location,
                 needle ? needle : "", (int)st, err.location, err.message);
    assert_null(text);
}

/* ---- workbooks made by other tools -------------------------------------- */

/* Every fixtures/xlsx-in/NAME.xlsx reads to NAME.txt. */
static void test_fixtures(void **state)
{
    (void)state;
    static const char *const names[] = {"openpyxl-layout", "libreoffice-resave", "gnumeric-dump",
                                        "sheetjs-dump", "exceljs-layout"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        size_t len, want_len;
        snprintf(path, sizeof path, "fixtures/xlsx-in/%s.xlsx", names[i]);
        char *book = fc_test_read_file(fc_test_path(path), &len);
        assert_non_null(book);
        snprintf(path, sizeof path, "fixtures/xlsx-in/%s.txt", names[i]);
        char *want = fc_test_read_file(fc_test_path(path), &want_len);
        assert_non_null(want);
        char *text = NULL;
        fc_error err;
        fc_status st = read_text(book, len, NULL, &text, &err);
        if (st)
            fail_msg("%s: %s: %s", names[i], err.location, err.message);
        if (strcmp(text, want) != 0)
            fail_msg("%s reads differently:\n%s", names[i], text);
        free(text);
        free(want);
        free(book);
    }
}

/* The gnumeric fixture shows what a spreadsheet displays: the numbers
 * Gnumeric made of 71.900000 and 100%. */
static void test_gnumeric_display(void **state)
{
    (void)state;
    size_t len;
    char *want = fc_test_read_file(fc_test_path("fixtures/xlsx-in/gnumeric-dump.txt"), &len);
    assert_non_null(want);
    assert_non_null(strstr(want, "项目年度金额\t71.9\n"));
    assert_non_null(strstr(want, "资金支付率\t100.00%\n"));
    assert_non_null(strstr(want, "项目年度金额\t53.76\n"));
    free(want);
}

/* The command line reads a workbook from standard input too, and leaves no
 * output behind when the input is bad. */
static void test_cli_stdin_and_no_output(void **state)
{
    (void)state;
    const char *argv[] = {FC_BINARY, "convert", "-", "-f", "xlsx", "-o", "-", NULL};
    char *out = NULL, *errs = NULL;
    int rc = fc_test_run(argv, fc_test_path("fixtures/xlsx-in/exceljs-layout.xlsx"), &out, &errs);
    assert_int_equal(rc, 0);
    size_t len;
    char *want = fc_test_read_file(fc_test_path("fixtures/xlsx-in/exceljs-layout.txt"), &len);
    assert_non_null(want);
    assert_string_equal(out, want);
    free(want);
    free(out);
    free(errs);

    /* A truncated workbook: an error naming the input, no output file. */
    char *book = fc_test_read_file(fc_test_path("fixtures/xlsx-in/openpyxl-layout.xlsx"), &len);
    assert_non_null(book);
    char dir[4096], in_path[4200], out_path[4200];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    snprintf(in_path, sizeof in_path, "%s/cut.xlsx", dir);
    snprintf(out_path, sizeof out_path, "%s/cut.txt", dir);
    assert_true(fc_test_write_file(in_path, book, len - 100));
    free(book);
    const char *argv2[] = {FC_BINARY, "convert", in_path, "-o", out_path, NULL};
    rc = fc_test_run(argv2, NULL, &out, &errs);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(errs, "cut.xlsx"));
    struct stat st;
    assert_int_not_equal(stat(out_path, &st), 0);
    free(out);
    free(errs);
    fc_test_rmtree(dir);
}

/* text -> XLSX -> text gives the canonical text back for `path`. */
static void round_trip_one(const char *path)
{
    size_t len, canon_len, book_len, back_len;
    char *text = fc_test_read_file(path, &len);
    assert_non_null(text);
    char *canon = NULL, *book = NULL, *back = NULL;
    fc_error err;
    if (fc_test_convert("text", "text", text, len, path, NULL, &canon, &canon_len, &err))
        fail_msg("%s: %s: %s", path, err.location, err.message);
    if (fc_test_convert("text", "xlsx", text, len, path, NULL, &book, &book_len, &err))
        fail_msg("%s: %s: %s", path, err.location, err.message);
    if (fc_test_convert("xlsx", "text", book, book_len, "rt.xlsx", NULL, &back, &back_len, &err))
        fail_msg("%s: %s: %s", path, err.location, err.message);
    if (strcmp(back, canon) != 0)
        fail_msg("%s does not come back from XLSX:\n%s", path, back);
    free(text);
    free(canon);
    free(book);
    free(back);
}

/* Every text fixture (fixtures/ *.txt and fixtures/xlsx-in/ *.txt) makes the
 * round trip text -> XLSX -> text. */
static void test_round_trip(void **state)
{
    (void)state;
    const fc_converter *xlsx = fc_converter_by_name("xlsx");
    assert_non_null(xlsx);
    assert_non_null(xlsx->open_writer);
    static const char *const dirs[] = {"fixtures", "fixtures/xlsx-in"};
    size_t count = 0;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", fc_test_path(dirs[d]));
        DIR *dp = opendir(dir);
        assert_non_null(dp);
        struct dirent *de;
        while ((de = readdir(dp)) != NULL) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            round_trip_one(path);
            count++;
        }
        closedir(dp);
    }
    assert_true(count >= 6);
}

/* ---- the package and cell types ----------------------------------------- */

/* Shared strings (rich runs, phonetic runs, empty entries, escapes,
 * CDATA), inline rich strings, str, b, e, d and numbers under formats,
 * rows and cells without r, an x: prefix on every element. */
static void test_cell_types(void **state)
{
    (void)state;
    const char *sst =
        "<x:sst xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"99\">"
        "<x:si><x:t>部门项目支出预算绩效目标表</x:t></x:si>"
        "<x:si><x:t/></x:si>"                                     /* 1: empty, keeps its index */
        "<x:si><x:r><x:t>基层</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t xml:space=\"preserve\"> 服务</x:t></x:r>"
        "<x:rPh sb=\"0\" eb=\"1\"><x:t>ジ</x:t></x:rPh><x:phoneticPr fontId=\"1\"/></x:si>" /* 2 */
        "<x:si><x:t>项目名称</x:t></x:si>"                          /* 3 */
        "<x:si><x:t><![CDATA[A&B]]>_x0041__x005F_x0042_</x:t></x:si>" /* 4 */
        "<x:si><x:t>  </x:t></x:si>"                                /* 5: blanks */
        "</x:sst>";
    const char *styles =
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"0.000000\"/>"
        "<numFmt numFmtId=\"165\" formatCode=\"0&quot; 人&quot;\"/>"
        "<numFmt numFmtId=\"166\" formatCode=\"yyyy-mm-dd\"/></numFmts>"
        "<cellStyleXfs count=\"1\"><xf numFmtId=\"10\"/></cellStyleXfs>"
        "<cellXfs count=\"8\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"9\"/>"
        "<xf numFmtId=\"165\"/><xf numFmtId=\"4\"/><xf numFmtId=\"49\"/><xf numFmtId=\"166\"/>"
        "<xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    char *sheet = fmt(
        "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<x:sheetData>"
        "<x:row><x:c t=\"s\"><x:v>0</x:v></x:c></x:row>"               /* A1, rows without r */
        "<x:row><x:c t=\"s\"><x:v>3</x:v></x:c><x:c t=\"s\"><x:v>2</x:v></x:c></x:row>"
        "<x:row r=\"4\"><x:c r=\"A4\" t=\"inlineStr\"><x:is><x:t>主管部门</x:t></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:r><x:t>吴忠</x:t></x:r><x:r><x:t>市</x:t></x:r>"
        "<x:rPh><x:t>ウ</x:t></x:rPh></x:is></x:c>"
        "<x:c t=\"inlineStr\"><x:is><x:t>实施单位</x:t></x:is></x:c>"
        "<x:c t=\"str\"><x:f>A1</x:f><x:v>_x0041_BC</x:v></x:c></x:row>"
        "<x:row r=\"5\"><x:c r=\"A5\" t=\"inlineStr\"><x:is><x:t>项目属性</x:t></x:is></x:c>"
        "<x:c r=\"B5\" t=\"s\"><x:v>4</x:v></x:c>"
        "<x:c r=\"C5\" t=\"inlineStr\"><x:is><x:t>项目期限</x:t></x:is></x:c>"
        "<x:c r=\"D5\" t=\"e\"><x:v>#N/A</x:v></x:c></x:row>"
        "<x:row r=\"6\"><x:c r=\"A6\" t=\"inlineStr\"><x:is><x:t>项目主管处室</x:t></x:is></x:c>"
        "<x:c r=\"B6\" t=\"b\"><x:v>1</x:v></x:c>"
        "<x:c r=\"C6\" t=\"inlineStr\"><x:is><x:t>项目年度金额</x:t></x:is></x:c>"
        "<x:c r=\"D6\" s=\"1\"><x:v>71.900000000000006</x:v></x:c></x:row>"
        "<x:row r=\"7\"><x:c r=\"A7\" t=\"inlineStr\"><x:is><x:t>一级指标</x:t></x:is></x:c>"
        "<x:c r=\"B7\" t=\"inlineStr\"><x:is><x:t>二级指标</x:t></x:is></x:c>"
        "<x:c r=\"C7\" t=\"inlineStr\"><x:is><x:t>三级指标</x:t></x:is></x:c>"
        "<x:c r=\"D7\" t=\"inlineStr\"><x:is><x:t>绩效值</x:t></x:is></x:c></x:row>"
        "<x:row r=\"8\"><x:c r=\"A8\" t=\"inlineStr\"><x:is><x:t>1-产出指标</x:t></x:is></x:c>"
        "<x:c r=\"B8\" t=\"inlineStr\"><x:is><x:t>11-数量指标</x:t></x:is></x:c>"
        "<x:c r=\"C8\"><x:v>71.90000000000001</x:v></x:c><x:c r=\"D8\" s=\"2\"><x:v>0.9</x:v></x:c></x:row>"
        "<x:row r=\"9\"><x:c r=\"C9\" s=\"3\"><x:v>22</x:v></x:c><x:c r=\"D9\" s=\"4\"><x:v>1234567.891</x:v></x:c></x:row>"
        "<x:row r=\"10\"><x:c r=\"C10\" s=\"5\"><x:v>0.1</x:v></x:c><x:c r=\"D10\" t=\"d\" s=\"6\"><x:v>2024-05-01T00:00:00Z</x:v></x:c></x:row>"
        "<x:row r=\"11\"><x:c r=\"C11\" s=\"7\"><x:v>45413</x:v></x:c><x:c r=\"D11\" t=\"d\"><x:v>2024-05-01</x:v></x:c></x:row>"
        "<x:row r=\"12\"><x:c r=\"C12\" t=\"s\"><x:v>1</x:v></x:c><x:c r=\"D12\" t=\"s\"/></x:row>"
        "<x:row r=\"13\"><x:c r=\"C13\" t=\"s\"><x:v>5</x:v></x:c><x:c r=\"D13\"><x:v>-0.5</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>");
    size_t len;
    char *book = make_book(sheet, sst, styles, &len);
    char *text = NULL;
    fc_error err;
    fc_status st = read_text(book, len, NULL, &text, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_string_equal(text,
                        "部门项目支出预算绩效目标表\n\n"
                        "项目名称\t基层 服务\t\t\n"
                        "主管部门\t吴忠市\t实施单位\tABC\n"
                        "项目属性\tA&BA_x0042_\t项目期限\t#N/A\n"
                        "项目主管处室\tTRUE\t项目年度金额\t71.900000\n"
                        "一级指标\t二级指标\t三级指标\t绩效值\n"
                        "1-产出指标\t11-数量指标\t71.9\t90%\n"
                        "\t\t22 人\t1,234,567.89\n"
                        "\t\t0.1\t2024-05-01\n"
                        "\t\t2024/5/1\t2024-05-01\n"
                        "\t\t  \t-0.5\n");
    free(text);
    free(book);
    free(sheet);
}

/* Parts are found through the relationships: absolute targets, names in
 * another case, a workbook elsewhere than xl/, the strict namespace,
 * 1904 dates, and a sheet order other than the part names'. */
static void test_package_paths(void **state)
{
    (void)state;
    const char *root_rels =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"r\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument\" Target=\"/Book/WB.xml\"/>"
        "</Relationships>";
    const char *wb =
        "<workbook xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\" "
        "xmlns:r=\"http://purl.oclc.org/ooxml/officeDocument/relationships\">"
        "<workbookPr date1904=\"true\"/><sheets>"
        "<sheet name=\"第二\" sheetId=\"2\" r:id=\"b\"/><sheet name=\"第一\" sheetId=\"1\" r:id=\"a\"/>"
        "<sheet name=\"图\" sheetId=\"3\" r:id=\"c\"/></sheets></workbook>";
    const char *wb_rels =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"a\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" Target=\"/BOOK/sheets/ONE.XML\"/>"
        "<Relationship Id=\"b\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" Target=\"./sheets/../sheets/two%20x.xml\"/>"
        "<Relationship Id=\"c\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/chartsheet\" Target=\"charts/c.xml\"/>"
        "</Relationships>";
    char *rows1 = form_rows('A', 1);
    char *sheet1 = fmt("<worksheet xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\">"
                       "<sheetData>%s</sheetData></worksheet>", rows1);
    /* The first sheet in workbook order holds only a date serial under a
     * date format: 1 in the 1904 system is 1904-01-02. */
    char *sheet2 = fmt("%s", "<worksheet xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\">"
                       "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>附件 2</t></is></c>"
                       "<c r=\"B1\" s=\"1\"><v>1</v></c></row></sheetData></worksheet>");
    const char *styles = "<styleSheet xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\">"
                         "<cellXfs><xf/><xf numFmtId=\"14\"/></cellXfs></styleSheet>";
    part parts[] = {
        {"_rels/.rels", root_rels, 0, 8, NULL},
        {"book/wb.xml", wb, 0, 8, NULL},
        {"book/_rels/wb.xml.rels", wb_rels, 0, 8, NULL},
        {"book/sheets/one.xml", sheet1, 0, 0, NULL},
        {"book/sheets/two x.xml", sheet2, 0, 8, NULL},
        {"book/styles.xml", styles, 0, 8, NULL},
    };
    size_t len;
    char *book = make_zip(parts, sizeof parts / sizeof parts[0], &len);
    char *text = NULL;
    fc_error err;
    fc_status st = read_text(book, len, NULL, &text, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    /* 附件 2 and the date sit before the first form: a note kept with it. */
    assert_non_null(strstr(text, SMALL_FORM_TEXT));
    assert_non_null(strstr(text, "1904/1/2"));
    free(text);
    free(book);
    free(rows1);
    free(sheet1);
    free(sheet2);
}

/* ---- merged cells and forms wherever they stand ------------------------- */

/* Merges after the data, a table from D5, values merged over columns, the
 * third-level column over two columns, categories merged down, a
 * <mergeCell> inside a comment and CDATA (not a merge), an x: prefix on
 * mergeCell, LibreOffice's leftovers in covered cells. */
static void test_merges(void **state)
{
    (void)state;
    char *rows = fmt("%s",
        "<row r=\"5\"><c r=\"D5\" t=\"inlineStr\"><is><t>部门项目支出预算绩效目标表</t></is></c>"
        "<c r=\"F5\" t=\"inlineStr\"><is><t>left over</t></is></c></row>"
        "<row r=\"6\"><c r=\"H6\" t=\"inlineStr\"><is><t>单位：万元</t></is></c></row>"
        "<row r=\"7\"><c r=\"D7\" t=\"inlineStr\"><is><t>项目名称</t></is></c>"
        "<c r=\"E7\" t=\"inlineStr\"><is><t>名称<![CDATA[<mergeCell ref=\"D9:D12\"/>]]></t></is></c></row>"
        "<row r=\"8\"><c r=\"D8\" t=\"inlineStr\"><is><t>主管部门</t></is></c>"
        "<c r=\"E8\" t=\"inlineStr\"><is><t>部门</t></is></c>"
        "<c r=\"G8\" t=\"inlineStr\"><is><t>实施单位</t></is></c>"
        "<c r=\"H8\" t=\"inlineStr\"><is><t>单位</t></is></c></row>"
        "<!-- <mergeCell ref=\"E10:E12\"/> -->"
        "<row r=\"9\"><c r=\"D9\" t=\"inlineStr\"><is><t>一级指标</t></is></c>"
        "<c r=\"E9\" t=\"inlineStr\"><is><t>二级指标</t></is></c>"
        "<c r=\"F9\" t=\"inlineStr\"><is><t>三级指标</t></is></c>"
        "<c r=\"H9\" t=\"inlineStr\"><is><t>绩效值</t></is></c></row>"
        "<row r=\"10\"><c r=\"D10\" t=\"inlineStr\"><is><t>1-产出指标</t></is></c>"
        "<c r=\"E10\" t=\"inlineStr\"><is><t>11-数量指标</t></is></c>"
        "<c r=\"F10\" t=\"inlineStr\"><is><t>人数</t></is></c>"
        "<c r=\"H10\" t=\"inlineStr\"><is><t>22 人</t></is></c></row>"
        "<row r=\"11\"><c r=\"E11\" t=\"inlineStr\"><is><t>12-质量指标</t></is></c>"
        "<c r=\"F11\" t=\"inlineStr\"><is><t>支付率</t></is></c>"
        "<c r=\"H11\" t=\"inlineStr\"><is><t>100%</t></is></c></row>"
        "<row r=\"12\"><c r=\"D12\" t=\"inlineStr\"><is><t>hidden</t></is></c>"
        "<c r=\"F12\" t=\"inlineStr\"><is><t>及时率</t></is></c></row>");
    char *sheet = sheet_xml(rows,
                            "<mergeCells count=\"7\"><mergeCell ref=\"D5:I5\"/><mergeCell ref=\"H6:I6\"/>"
                            "<mergeCell ref=\"E7:I7\"/><mergeCell ref=\"E8:F8\"/>"
                            "<x:mergeCell xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" ref=\"H8:I8\"/>"
                            "<mergeCell ref='F9:G9'/><mergeCell ref=\"H9:I9\"/>"
                            "<mergeCell ref=\"D10:D12\"/><mergeCell ref=\"E11:E12\"/>"
                            "<mergeCell ref=\"F10:G10\"/><mergeCell ref=\"A1\"/></mergeCells>");
    size_t len;
    char *book = make_book(sheet, NULL, NULL, &len);
    char *text = NULL;
    fc_error err;
    fc_status st = read_text(book, len, NULL, &text, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_string_equal(text,
                        "部门项目支出预算绩效目标表\n\n单位：万元\n\n"
                        "项目名称\t\"名称<mergeCell ref=\"\"D9:D12\"\"/>\"\t\t\n"
                        "主管部门\t部门\t实施单位\t单位\n"
                        "一级指标\t二级指标\t三级指标\t绩效值\n"
                        "1-产出指标\t11-数量指标\t人数\t22 人\n"
                        "\t12-质量指标\t支付率\t100%\n"
                        "\t\t及时率\t\n");
    free(text);
    free(book);
    free(sheet);
    free(rows);
}

/* The rows the reader pushes carry spans on anchors and covered flags. */
static void test_merge_cells_in_doc(void **state)
{
    (void)state;
    /* A target merged down over two rows: the second row inherits it. */
    char *rows = fmt("%s",
        "<row r=\"2\"><c r=\"B2\" t=\"inlineStr\"><is><t>项目名称</t></is></c>"
        "<c r=\"C2\" t=\"inlineStr\"><is><t>X</t></is></c></row>"
        "<row r=\"3\"><c r=\"B3\" t=\"inlineStr\"><is><t>一级指标</t></is></c>"
        "<c r=\"C3\" t=\"inlineStr\"><is><t>二级指标</t></is></c>"
        "<c r=\"D3\" t=\"inlineStr\"><is><t>三级指标</t></is></c>"
        "<c r=\"E3\" t=\"inlineStr\"><is><t>绩效值</t></is></c></row>"
        "<row r=\"4\"><c r=\"B4\" t=\"inlineStr\"><is><t>1-产出指标</t></is></c>"
        "<c r=\"C4\" t=\"inlineStr\"><is><t>11-数量指标</t></is></c>"
        "<c r=\"D4\" t=\"inlineStr\"><is><t>甲</t></is></c>"
        "<c r=\"E4\" t=\"inlineStr\"><is><t>良好</t></is></c></row>"
        "<row r=\"5\"><c r=\"D5\" t=\"inlineStr\"><is><t>乙</t></is></c></row>");
    char *sheet = sheet_xml(rows, "<mergeCells><mergeCell ref=\"E4:E5\"/><mergeCell ref=\"C4:C5\"/>"
                                  "<mergeCell ref=\"B4:B5\"/></mergeCells>");
    size_t len;
    char *book = make_book(sheet, NULL, NULL, &len);
    fc_doc *doc = NULL;
    fc_error err;
    fc_status st = fc_test_read_doc("xlsx", book, len, "book.xlsx", NULL, &doc, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_int_equal(doc->form_count, 1);
    const fc_form *f = doc->forms[0];
    assert_int_equal(f->indicator_count, 2);
    assert_string_equal(f->indicators[1].level1, "1-产出指标");
    assert_string_equal(f->indicators[1].level2, "11-数量指标");
    assert_string_equal(f->indicators[1].name, "乙");
    assert_string_equal(f->indicators[1].target, "良好");
    assert_string_equal(f->origin, "book.xlsx!Sheet1!B2");
    fc_doc_free(doc);
    free(book);
    free(sheet);
    free(rows);
}

/* Several forms on one sheet and one per sheet; rows out of order and
 * overlapping merges are errors at their place. */
static void test_forms_and_sheets(void **state)
{
    (void)state;
    char *a = form_rows('B', 3), *b = form_rows('C', 20);
    char *both = fmt("%s%s", a, b);
    char *sheet = sheet_xml(both, NULL);
    size_t len;
    char *book = make_book(sheet, NULL, NULL, &len);
    fc_doc *doc = NULL;
    fc_error err;
    fc_status st = fc_test_read_doc("xlsx", book, len, "book.xlsx", NULL, &doc, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_int_equal(doc->form_count, 2);
    assert_string_equal(doc->forms[1]->origin, "book.xlsx!Sheet1!C20");
    fc_doc_free(doc);
    free(book);
    free(sheet);

    /* Rows out of order. */
    char *rev = fmt("%s<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>x</t></is></c></row>", a);
    sheet = sheet_xml(rev, NULL);
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!Sheet1!A2", "out of order");
    free(book);
    free(sheet);
    free(rev);

    /* Overlapping merges. */
    sheet = sheet_xml(a, "<mergeCells><mergeCell ref=\"B3:E3\"/><mergeCell ref=\"D2:D4\"/></mergeCells>");
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "overlap");
    free(book);
    free(sheet);
    free(a);
    free(b);
    free(both);
}

/* ---- untrusted files ------------------------------------------------------ */

/* Anything that is not a workbook is refused with a clear message. */
static void test_not_a_workbook(void **state)
{
    (void)state;
    static const char fake[] = "PK\3\4 not really a zip, just bytes that start like one";
    expect_error(fake, sizeof fake - 1, NULL, FC_ERR_INPUT, "book.xlsx", "not a zip archive");
    const char *docx_types =
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    const char *docx_rels =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";
    part docx[] = {{"[Content_Types].xml", docx_types, 0, 8, NULL},
                   {"_rels/.rels", docx_rels, 0, 8, NULL},
                   {"word/document.xml", "<w:document xmlns:w=\"x\"/>", 0, 8, NULL}};
    size_t len;
    char *book = make_zip(docx, 3, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx", "Word document");
    /* The sniffer bids low for it, high for a workbook, nothing for text. */
    int low = fc_xlsx_sniff((const unsigned char *)book, len);
    free(book);
    part other[] = {{"hello.txt", "hello", 0, 8, NULL}};
    book = make_zip(other, 1, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx", "no spreadsheet part");
    free(book);
    char *sheet = sheet_xml("", NULL);
    book = make_book(sheet, NULL, NULL, &len);
    int high = fc_xlsx_sniff((const unsigned char *)book, len);
    assert_true(high >= 90);
    assert_true(low > 0 && low < 20);
    assert_int_equal(fc_xlsx_sniff((const unsigned char *)"附件 2\t\n", 9), 0);
    /* An empty workbook has no form. */
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx", "no form found");
    free(book);
    free(sheet);
}

/* Broken archives: truncated, a CRC error, an encrypted part, a missing
 * part, a DOCTYPE, malformed XML. */
static void test_broken_archives(void **state)
{
    (void)state;
    char *rows = form_rows('A', 1);
    char *sheet = sheet_xml(rows, NULL);
    size_t len;
    char *book = make_book(sheet, NULL, NULL, &len);
    /* Cut anywhere: always an error, never a crash. */
    for (size_t cut = 0; cut < len; cut += len / 23 + 1) {
        char *text = NULL;
        fc_error err;
        assert_int_not_equal(read_text(book, cut, NULL, &text, &err), FC_OK);
        assert_null(text);
        assert_non_null(strstr(err.location, "book.xlsx"));
    }
    free(book);

    /* A stored part with one byte changed: the CRC says so. */
    part parts[] = {{"[Content_Types].xml", CONTENT_TYPES, 0, 8, NULL},
                    {"_rels/.rels", ROOT_RELS, 0, 8, NULL},
                    {"xl/workbook.xml", WORKBOOK, 0, 8, NULL},
                    {"xl/_rels/workbook.xml.rels", WORKBOOK_RELS, 0, 8, NULL},
                    {"xl/worksheets/sheet1.xml", sheet, 0, 0, NULL}};
    book = make_zip(parts, 5, &len);
    char *hit = memmem(book, len, "测试项目", strlen("测试项目"));
    assert_non_null(hit);
    hit[0] = hit[3]; /* still valid UTF-8 and XML: only the CRC can tell */
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "CRC");
    free(book);

    /* An encrypted part. */
    parts[4].password = "secret";
    parts[4].method = 8;
    book = make_zip(parts, 5, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "encrypted");
    free(book);
    parts[4].password = NULL;

    /* A missing worksheet. */
    book = make_zip(parts, 4, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "missing");
    free(book);

    /* A DOCTYPE (an entity bomb would follow). */
    char *doctype = fmt("<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"aaaa\">]>"
                        "<worksheet %s><sheetData/></worksheet>", NS);
    parts[4].data = doctype;
    book = make_zip(parts, 5, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "DOCTYPE");
    free(book);
    free(doctype);

    /* Malformed XML and an undefined entity. */
    char *bad = fmt("<worksheet %s><sheetData><row><c t=\"inlineStr\"><is><t>&ha;</t></is></c>"
                    "</row></sheetData></worksheet>", NS);
    parts[4].data = bad;
    book = make_zip(parts, 5, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "line 1");
    free(book);
    free(bad);
    parts[4].data = "<worksheet><sheetData><row>";
    book = make_zip(parts, 5, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "malformed");
    free(book);
    /* A workbook part that is not a workbook. */
    parts[2].data = "<document/>";
    book = make_zip(parts, 5, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx", "not a workbook");
    free(book);
    free(sheet);
    free(rows);
}

/* Zip bombs and the size limits: the declared size, the ratio, the number
 * of entries, cells, rows, columns, strings. */
static void test_limits(void **state)
{
    (void)state;
    char *rows = form_rows('A', 1);
    char *sheet = sheet_xml(rows, NULL);
    size_t len;
    /* 4 MiB of blanks inflate more than 200 times. */
    size_t big = (size_t)4 << 20;
    char *blanks = malloc(big + 1);
    assert_non_null(blanks);
    memset(blanks, ' ', big);
    size_t head = strlen(sheet);
    memcpy(blanks, sheet, head - strlen("</worksheet>"));
    memcpy(blanks + big - strlen("</worksheet>"), "</worksheet>", strlen("</worksheet>"));
    blanks[big] = '\0';
    char *book = make_book(blanks, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_LIMIT, "book.xlsx!xl/worksheets/sheet1.xml", "zip bomb");
    /* With a higher ratio it is read, unless its size passes part_bytes. */
    fc_options opts = fc_test_options();
    opts.limits.ratio = 100000;
    char *text = NULL;
    fc_error err;
    assert_int_equal(read_text(book, len, &opts, &text, &err), FC_OK);
    assert_string_equal(text, SMALL_FORM_TEXT);
    free(text);
    opts.limits.part_bytes = big - 1;
    expect_error(book, len, &opts, FC_ERR_LIMIT, "book.xlsx!xl/worksheets/sheet1.xml",
                 "more than the limit");
    free(book);
    free(blanks);

    book = make_book(sheet, NULL, NULL, &len);
    opts = fc_test_options();
    opts.limits.entries = 4;
    expect_error(book, len, &opts, FC_ERR_LIMIT, "book.xlsx", "entries");
    opts = fc_test_options();
    opts.limits.cell_chars = 5;
    expect_error(book, len, &opts, FC_ERR_LIMIT, "book.xlsx!Sheet1!A1", "limit of 5 characters");
    opts = fc_test_options();
    opts.limits.row_cells = 3;
    expect_error(book, len, &opts, FC_ERR_LIMIT, "book.xlsx!Sheet1!D3", "limit of 3");
    opts = fc_test_options();
    opts.limits.xml_depth = 3;
    expect_error(book, len, &opts, FC_ERR_LIMIT, "book.xlsx!xl/worksheets/sheet1.xml", "deeper");
    free(book);
    free(sheet);

    /* A column beyond XFD, a row beyond 1048576. */
    sheet = sheet_xml("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>", NULL);
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!Sheet1!A1", "bad cell reference");
    free(book);
    free(sheet);
    sheet = sheet_xml("<row r=\"1048577\"><c><v>1</v></c></row>", NULL);
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!xl/worksheets/sheet1.xml", "bad row number");
    free(book);
    free(sheet);
    /* A shared string beyond the table, a number that is not one. */
    char *bad = fmt("%s<row r=\"12\"><c r=\"B12\" t=\"s\"><v>7</v></c></row>", rows);
    sheet = sheet_xml(bad, NULL);
    book = make_book(sheet, "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                            "<si><t>a</t></si></sst>", NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!Sheet1!B12", "shared string 7");
    free(book);
    free(sheet);
    free(bad);
    bad = fmt("%s<row r=\"12\"><c r=\"C12\"><v>0x1p3</v></c></row>", rows);
    sheet = sheet_xml(bad, NULL);
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!Sheet1!C12", "number cell");
    free(book);
    free(sheet);
    free(bad);
    /* The recognizer's errors point at cells too. */
    sheet = sheet_xml("<row r=\"3\"><c r=\"C3\" t=\"inlineStr\"><is><t>1-产出指标</t></is></c>"
                      "<c r=\"D3\" t=\"inlineStr\"><is><t>11-数量指标</t></is></c></row>", NULL);
    book = make_book(sheet, NULL, NULL, &len);
    expect_error(book, len, NULL, FC_ERR_INPUT, "book.xlsx!Sheet1!C3", "before its header");
    free(book);
    free(sheet);
    free(rows);
}

/* ---- number formats ------------------------------------------------------- */

/* One number, one format code, the text shown. */
typedef struct shown {
    double value;       /* the stored number */
    const char *code;   /* its format code */
    const char *text;   /* what a spreadsheet displays */
} shown;

static void test_number_formats(void **state)
{
    (void)state;
    static const shown cases[] = {
        {71.90000000000001, "General", "71.9"},
        {71.9, "0.000000", "71.900000"},
        {53.76, "0.000000", "53.760000"},
        {0.1 + 0.2, "General", "0.3"},
        {78844205.95900001, "General", "78844205.959"},
        {123456789012345678.0, "General", "1.23456789012346E+17"},
        {0.0000000001, "General", "1E-10"},
        {-5, "General", "-5"},
        {0, "General", "0"},
        {2.5, "0", "3"},
        {-2.5, "0", "-3"},
        {2.675, "0.00", "2.68"},
        {0.125, "0.00", "0.13"},
        {1234567.891, "#,##0.00", "1,234,567.89"},
        {-1234.5, "#,##0.00", "-1,234.50"},
        {0, "#,##0", "0"},
        {1234567, "#,##0,", "1,235"},
        {1, "0%", "100%"},
        {0.905, "0%", "91%"},
        {1, "0.00%", "100.00%"},
        {0.075, "0.0%", "7.5%"},
        {22, "@", "22"},
        {2024, "0\"年\"", "2024年"},
        {22, "0\" 人\"", "22 人"},
        {0.9, "0%\"以上\"", "90%以上"},
        {17600, "\">=\"0\"株\"", ">=17600株"},
        {5, "\\≤0\"万元\"", "≤5万元"},
        {-0.001, "0.00", "0.00"},
        {3, "0.00;(0.00);\"零\"", "3.00"},
        {-3, "0.00;(0.00);\"零\"", "(3.00)"},
        {0, "0.00;(0.00);\"零\"", "零"},
        {12345.678, "[$¥-804]#,##0.00", "¥12,345.68"},
        {1234, "[Red][>=1000]#,##0;0", "1,234"},
        {5, "000", "005"},
        {1234567, "000-0000", "123-4567"},
        {3.5, "#.##", "3.5"},
        {3, "0.0#", "3.0"},
        {0.5, "?/?", "0.5"},
        {12345, "0.00E+00", "1.23E+04"},
        {0.00012, "0.0E+0", "1.2E-4"},
        {12345, "##0.0E+0", "12.3E+3"},
        {1.5, "0_);(0)", "2 "},
        {45413, "yyyy-mm-dd", "2024-05-01"},
        {45413, "yyyy\"年\"m\"月\"d\"日\"", "2024年5月1日"},
        {45413.75, "yyyy/m/d h:mm", "2024/5/1 18:00"},
        {45413.75, "h:mm AM/PM", "6:00 PM"},
        {45413.5, "上午/下午h\"时\"mm\"分\"", "下午12时00分"},
        {45413, "dddd mmm d", "Wednesday May 1"},
        {45413, "aaaa", "星期三"},
        {1.25, "[h]:mm", "30:00"},
        {0.5, "mm:ss.0", "00:00.0"},
        {60, "yyyy-mm-dd", "1900-02-29"},
        {61, "yyyy-mm-dd", "1900-03-01"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fc_numfmt *f = fc_numfmt_compile(cases[i].code, strlen(cases[i].code));
        assert_non_null(f);
        fc_buf out = {0};
        assert_true(fc_numfmt_format(f, cases[i].value, false, &out));
        assert_true(fc_buf_append(&out, "", 1));
        if (strcmp(out.data, cases[i].text) != 0)
            fail_msg("%.17g under %s: got \"%s\", want \"%s\"", cases[i].value, cases[i].code,
                     out.data, cases[i].text);
        fc_buf_free(&out);
        fc_numfmt_free(f);
    }
    /* Built-in ids, the 1904 system, General alone. */
    const char *code = fc_numfmt_builtin(10);
    assert_string_equal(code, "0.00%");
    assert_null(fc_numfmt_builtin(23));
    fc_numfmt *f = fc_numfmt_compile(fc_numfmt_builtin(14), strlen(fc_numfmt_builtin(14)));
    fc_buf out = {0};
    assert_true(fc_numfmt_format(f, 0, true, &out));
    assert_true(fc_buf_append(&out, "", 1));
    assert_string_equal(out.data, "1904/1/1");
    assert_true(fc_numfmt_is_date(f));
    fc_buf_free(&out);
    fc_numfmt_free(f);
    f = fc_numfmt_compile("general", 7);
    assert_true(fc_numfmt_is_general(f));
    fc_numfmt_free(f);
    /* Formats asking for absurd widths, and values no cell stores. */
    static const char wide[] = "0.0E+0000000000000000000000000000000000000000;[hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh]";
    f = fc_numfmt_compile(wide, sizeof wide - 1);
    assert_non_null(f);
    assert_true(fc_numfmt_format(f, 12345, false, &out));
    assert_true(fc_numfmt_format(f, -1.5, false, &out));
    assert_true(fc_numfmt_format(f, NAN, false, &out));
    assert_true(fc_buf_append(&out, "", 1));
    assert_non_null(strstr(out.data, "1.2E+000000000000000000000004-1.5"));
    assert_non_null(strstr(out.data, "#NUM!"));
    fc_buf_free(&out);
    fc_numfmt_free(f);
    /* Stored numbers: only decimal syntax. */
    double v;
    assert_true(fc_numfmt_parse_number(" 7.19E1 ", 8, &v));
    assert_true(v == 71.9);
    assert_false(fc_numfmt_parse_number("inf", 3, &v));
    assert_false(fc_numfmt_parse_number("1,5", 3, &v));
    assert_false(fc_numfmt_parse_number("", 0, &v));
    assert_true(fc_numfmt_parse_iso_date("2024-05-01T12:00:00Z", 20, false, &v));
    assert_true(v == 45413.5);
    assert_false(fc_numfmt_parse_iso_date("2024-13-01", 10, false, &v));
}

/* LC_NUMERIC does not change a digit: under a decimal-comma locale. */
static void test_locale_independent(void **state)
{
    (void)state;
    const char *comma = fc_test_comma_locale();
    assert_non_null(comma);
    assert_non_null(setlocale(LC_NUMERIC, comma));
    assert_string_equal(localeconv()->decimal_point, ",");
    fc_numfmt *f = fc_numfmt_compile("0.000000", 8);
    fc_buf out = {0};
    assert_true(fc_numfmt_format(f, 71.9, false, &out));
    assert_true(fc_buf_append(&out, "", 1));
    assert_string_equal(out.data, "71.900000");
    double v;
    assert_true(fc_numfmt_parse_number("71.9", 4, &v));
    assert_true(v > 71.89 && v < 71.91);
    fc_buf_free(&out);
    fc_numfmt_free(f);
    setlocale(LC_NUMERIC, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_gnumeric_display),
        cmocka_unit_test(test_cli_stdin_and_no_output),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_cell_types),
        cmocka_unit_test(test_package_paths),
        cmocka_unit_test(test_merges),
        cmocka_unit_test(test_merge_cells_in_doc),
        cmocka_unit_test(test_forms_and_sheets),
        cmocka_unit_test(test_not_a_workbook),
        cmocka_unit_test(test_broken_archives),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_number_formats),
        cmocka_unit_test(test_locale_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
