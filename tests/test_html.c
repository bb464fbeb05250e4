/*
 * test_html.c - the HTML converter: the seed round trip, pages written by
 * LibreOffice, Gnumeric and imitations of Excel and content systems read to
 * the seed's forms, the grid of rowspans and colspans (reading and
 * writing), text as a browser shows it, charsets, what a page holds besides
 * forms, bad pages and limits, and the Nu HTML Checker on what the writer
 * makes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fc_model.h"
#include "support.h"

static char *seed;
static size_t seed_len;
static char *canonical;
static size_t canonical_len;

static int load_fixtures(void **state)
{
    (void)state;
    seed = fc_test_read_file(fc_test_path("fixtures/seed.txt"), &seed_len);
    canonical = fc_test_read_file(fc_test_path("fixtures/seed.canonical.txt"), &canonical_len);
    return seed && canonical ? 0 : -1;
}

static int free_fixtures(void **state)
{
    (void)state;
    free(seed);
    free(canonical);
    return 0;
}

/* Converts in memory; fails the test on error. */
static char *convert_ok(const char *from, const char *to, const void *input, size_t len,
                        const fc_options *opts, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_convert(from, to, input, len, "page.html", opts, &out, out_len, &err);
    if (st != FC_OK) {
        char line[2048];
        fail_msg("conversion %s -> %s failed: %s", from, to,
                 fc_error_format(&err, line, sizeof line));
    }
    return out;
}

/* Reads `page` as HTML and returns the first form's document (caller frees). */
static fc_doc *read_page(const char *page)
{
    fc_doc *doc = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_read_doc("html", page, strlen(page), "page.html", NULL, &doc, &err);
    if (st) {
        char line[2048];
        fail_msg("reading failed: %s", fc_error_format(&err, line, sizeof line));
    }
    return doc;
}

/* Expects reading `len` bytes of `page` to fail with `code` at `location`
 * and a message containing `words`. */
static void read_fails(const char *page, size_t len, fc_status code, const char *location,
                       const char *words)
{
    fc_doc *doc = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_read_doc("html", page, len, "page.html", NULL, &doc, &err);
    assert_null(doc);
    if (st != code || (location && strcmp(err.location, location) != 0) ||
        !strstr(err.message, words))
        fail_msg("expected %d at %s with '%s', got %d at %s: %s", code,
                 location ? location : "(any)", words, st, err.location, err.message);
}

/* A minimal form whose table part is `rows` (HTML rows). */
static char *form_page(const char *head, const char *rows)
{
#define FORM_PAGE "<!DOCTYPE html><html><head>%s</head><body>" \
                  "<p>部门项目支出预算绩效目标表</p><p>单位：万元</p><table>" \
                  "<tr><td>项目名称</td><td colspan=3>测试项目</td></tr>%s</table></body></html>"
    size_t n = strlen(FORM_PAGE) + strlen(head) + strlen(rows) + 1;
    char *page = malloc(n);
    assert_non_null(page);
    snprintf(page, n, FORM_PAGE, head, rows);
    return page;
}

/* ---- round trips and other programs' pages ---------------------------------- */

static void test_seed_round_trip(void **state)
{
    (void)state;
    size_t html_len, back_len, again_len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &html_len);
    char *back = convert_ok("html", "text", page, html_len, NULL, &back_len);
    assert_int_equal(back_len, canonical_len);
    assert_memory_equal(back, canonical, canonical_len);
    /* HTML -> HTML is stable, and the same forms give the same bytes. */
    char *again = convert_ok("html", "html", page, html_len, NULL, &again_len);
    assert_int_equal(again_len, html_len);
    assert_memory_equal(again, page, html_len);
    free(again);
    free(back);
    free(page);
}

static void test_other_programs_pages(void **state)
{
    (void)state;
    static const char *const pages[] = {
        "libreoffice-stacked.html", "libreoffice-sheets.html", "gnumeric-stacked.html",
        "gnumeric-sheets.html",     "excel-gb2312.htm",        "cms-article.html",
        "cms-frames-gbk.html",
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "fixtures/html-in/%s", pages[i]);
        size_t len, out_len;
        char *page = fc_test_read_file(fc_test_path(path), &len);
        assert_non_null(page);
        char *text = convert_ok("html", "text", page, len, NULL, &out_len);
        if (out_len != canonical_len || memcmp(text, canonical, canonical_len) != 0)
            fail_msg("%s does not read to the seed's forms:\n%s", pages[i], text);
        free(text);
        free(page);
    }
}

/* ---- the writer's grid ----------------------------------------------------------- */

/* Numeric attribute of `node`, `fallback` when absent. */
static long attr_number(xmlNodePtr node, const char *name, long fallback)
{
    xmlChar *v = xmlGetProp(node, BAD_CAST name);
    long n = v ? strtol((const char *)v, NULL, 10) : fallback;
    xmlFree(v);
    return n;
}

/* Checks that the cells of `table` cover its grid exactly once: every row
 * as wide as the first, no slot taken twice, no rowspan past the end. */
static void check_grid(xmlNodePtr table, size_t *tables)
{
    enum { MAX_ROWS = 512, MAX_COLS = 16 };
    static unsigned char taken[MAX_ROWS][MAX_COLS];
    memset(taken, 0, sizeof taken);
    long rows = 0, width = -1;
    (*tables)++;
    for (xmlNodePtr tr = table->children; tr; tr = tr->next) {
        if (tr->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(tr->name, BAD_CAST "tbody") == 0) {
            tr = tr->children; /* the parser's implied tbody */
            if (!tr)
                break;
        }
        if (tr->type != XML_ELEMENT_NODE || xmlStrcmp(tr->name, BAD_CAST "tr") != 0)
            continue;
        assert_true(rows < MAX_ROWS);
        long col = 0;
        for (xmlNodePtr td = tr->children; td; td = td->next) {
            if (td->type != XML_ELEMENT_NODE)
                continue;
            while (col < MAX_COLS && taken[rows][col])
                col++;
            long cs = attr_number(td, "colspan", 1), rs = attr_number(td, "rowspan", 1);
            assert_true(cs >= 1 && rs >= 1 && col + cs <= MAX_COLS && rows + rs <= MAX_ROWS);
            for (long r = rows; r < rows + rs; r++)
                for (long c = col; c < col + cs; c++) {
                    if (taken[r][c])
                        fail_msg("table %zu: slot row %ld col %ld taken twice", *tables, r, c);
                    taken[r][c] = 1;
                }
            col += cs;
        }
        long used = 0;
        while (used < MAX_COLS && taken[rows][used])
            used++;
        for (long c = used; c < MAX_COLS; c++)
            if (taken[rows][c])
                fail_msg("table %zu: row %ld has a gap at column %ld", *tables, rows, used);
        if (width < 0)
            width = used;
        if (used != width)
            fail_msg("table %zu: row %ld is %ld columns wide, the first %ld", *tables, rows, used,
                     width);
        rows++;
    }
    for (long c = 0; c < MAX_COLS; c++)
        if (taken[rows][c])
            fail_msg("table %zu: a rowspan reaches past the last row", *tables);
    assert_true(rows > 0);
}

/* Finds every table under `node` and checks its grid. */
static void check_tables(xmlNodePtr node, size_t *tables)
{
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, BAD_CAST "table") == 0)
            check_grid(node, tables);
        else
            check_tables(node->children, tables);
    }
}

/* Parses `page` and checks every table's grid; returns the number of tables. */
static size_t check_page_grids(const char *page, size_t len)
{
    htmlDocPtr doc = htmlReadMemory(page, (int)len, "out.html", "UTF-8",
                                    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    assert_non_null(doc);
    size_t tables = 0;
    check_tables(xmlDocGetRootElement(doc), &tables);
    xmlFreeDoc(doc);
    return tables;
}

static void test_writer_grid(void **state)
{
    (void)state;
    size_t len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &len);
    assert_int_equal(check_page_grids(page, len), 9);
    /* The shapes of fixtures/text/shapes.txt: extra columns, notes, many
     * fields on a row, empty categories. */
    size_t shapes_len;
    char *shapes = fc_test_read_file(fc_test_path("fixtures/text/shapes.txt"), &shapes_len);
    assert_non_null(shapes);
    /* A tab inside a cell is white space to HTML: it reads back as a space. */
    char *tab = strstr(shapes, "的\t项目");
    assert_non_null(tab);
    tab[strlen("的")] = ' ';
    size_t out_len, back_len;
    char *out = convert_ok("text", "html", shapes, shapes_len, NULL, &out_len);
    assert_true(check_page_grids(out, out_len) >= 2);
    /* And they read back to the same forms. */
    char *back = convert_ok("html", "text", out, out_len, NULL, &back_len);
    size_t direct_len;
    char *direct = convert_ok("text", "text", shapes, shapes_len, NULL, &direct_len);
    assert_int_equal(back_len, direct_len);
    assert_memory_equal(back, direct, direct_len);
    free(direct);
    free(back);
    free(out);
    free(shapes);
    free(page);
}

static void test_writer_page(void **state)
{
    (void)state;
    size_t len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &len);
    assert_true(strncmp(page, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 34) == 0);
    assert_non_null(strstr(page, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(page, "@page{size:A4 portrait;"));
    assert_non_null(strstr(page, "break-before:page"));
    assert_non_null(strstr(page, ".r-title{text-align:center;font-family:\"黑体\",serif;"
                                 "font-size:18.0pt"));
    assert_non_null(strstr(page, "<td class=\"r-category\" rowspan=\"5\" data-col=\"0\">"
                                 "1-产出指标</td>"));
    /* Nothing from outside. */
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "http:"));
    assert_null(strstr(page, "https:"));
    assert_null(strstr(page, "<link"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "url("));
    /* One section per form. */
    size_t sections = 0;
    for (const char *p = page; (p = strstr(p, "<section class=\"form\">")); p++)
        sections++;
    assert_int_equal(sections, 9);
    /* A fragment: the tables alone. */
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "fragment", NULL);
    size_t frag_len;
    char *frag = convert_ok("text", "html", seed, seed_len, &opts, &frag_len);
    assert_true(strncmp(frag, "<p class=\"r-attachment\">附件 2</p>\n<section", 40) == 0);
    assert_null(strstr(frag, "<html"));
    assert_null(strstr(frag, "<style"));
    size_t back_len;
    char *back = convert_ok("html", "text", frag, frag_len, NULL, &back_len);
    assert_memory_equal(back, canonical, canonical_len);
    free(back);
    free(frag);
    free(page);
}

static void test_writer_texts(void **state)
{
    (void)state;
    /* Markup characters, runs of spaces and line breaks survive. */
    const char *dump = "部门项目支出预算绩效目标表\n单位：万元\n"
                       "项目名称\t\"a<b>&c  d\"\"\n第二行\"\n"
                       "一级指标\t二级指标\t三级指标\t绩效值\n"
                       "1-产出指标\t11-数量指标\t人数\t大于等于   90%\n";
    size_t len, back_len;
    char *page = convert_ok("text", "html", dump, strlen(dump), NULL, &len);
    assert_non_null(strstr(page, "a&lt;b&gt;&amp;c &nbsp;d\"<br>第二行"));
    assert_non_null(strstr(page, "大于等于 &nbsp;&nbsp;90%"));
    char *back = convert_ok("html", "text", page, len, NULL, &back_len);
    size_t direct_len;
    char *direct = convert_ok("text", "text", dump, strlen(dump), NULL, &direct_len);
    assert_int_equal(back_len, direct_len);
    assert_memory_equal(back, direct, direct_len);
    free(direct);
    free(back);
    free(page);
}

/* Runs the Nu HTML Checker on the writer's page. */
static void test_nu_checker(void **state)
{
    (void)state;
    const char *jar = fc_test_path("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
    if (access("/usr/bin/java", X_OK) != 0 || access(jar, R_OK) != 0) {
        print_message("skip: java (default-jre-headless) or vnu.jar (sh tools/setup.sh --tests) "
                      "is missing\n");
        skip();
    }
    if (fc_test_under_valgrind()) {
        print_message("skip: the Nu checker's JVM is not run under valgrind (checked plain)\n");
        skip();
    }
    const char *dir = fc_test_tmpdir();
    char path[1024], frag_path[1024];
    snprintf(path, sizeof path, "%s/seed.html", dir);
    size_t len, shapes_len, out_len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &len);
    assert_true(fc_test_write_file(path, page, len));
    char *shapes = fc_test_read_file(fc_test_path("fixtures/text/shapes.txt"), &shapes_len);
    char *out = convert_ok("text", "html", shapes, shapes_len, NULL, &out_len);
    snprintf(frag_path, sizeof frag_path, "%s/shapes.html", dir);
    assert_true(fc_test_write_file(frag_path, out, out_len));
    const char *argv[] = {"/usr/bin/java", "-jar", jar, "--errors-only", "--also-check-css",
                          path, frag_path, NULL};
    char *messages = NULL;
    int status = fc_test_run(argv, NULL, NULL, &messages);
    if (status != 0)
        fail_msg("the Nu HTML Checker found problems (exit %d):\n%s", status,
                 messages ? messages : "");
    free(messages);
    free(out);
    free(shapes);
    free(page);
    fc_test_rmtree(dir);
}

/* ---- reading: grid, text, charset --------------------------------------------- */

static void test_read_grid(void **state)
{
    (void)state;
    /* Categories merged down; a cell displaced by a rowspan from above; a
     * header row whose last column spans two; thead/tbody. */
    char *page = form_page("",
                           "<thead><tr><th>一级指标</th><th>二级指标</th><th>三级指标</th>"
                           "<th colspan=2>绩效值</th></tr></thead><tbody>"
                           "<tr><td rowspan=3>1-产出指标</td><td rowspan=2>11-数量指标</td>"
                           "<td>甲</td><td colspan=2>1 人</td></tr>"
                           "<tr><td>乙</td><td colspan=2>2 人</td></tr>"
                           "<tr><td>12-质量指标</td><td>丙</td><td colspan=2>100%</td></tr>"
                           "<tr><td rowspan=0>2-效益指标</td><td>21-经济效益</td><td></td>"
                           "<td colspan=2></td></tr></tbody>");
    fc_doc *doc = read_page(page);
    assert_int_equal(doc->form_count, 1);
    const fc_form *f = doc->forms[0];
    assert_int_equal(f->indicator_count, 4);
    assert_string_equal(f->indicators[1].level1, "1-产出指标");
    assert_string_equal(f->indicators[1].level2, "11-数量指标");
    assert_string_equal(f->indicators[1].name, "乙");
    assert_string_equal(f->indicators[1].target, "2 人");
    assert_string_equal(f->indicators[2].level1, "1-产出指标");
    assert_string_equal(f->indicators[2].level2, "12-质量指标");
    assert_string_equal(f->indicators[2].name, "丙");
    assert_string_equal(f->indicators[3].level1, "2-效益指标");
    assert_string_equal(f->indicators[3].name, "");
    assert_string_equal(f->title, "部门项目支出预算绩效目标表");
    assert_string_equal(f->unit, "单位：万元");
    fc_doc_free(doc);
    free(page);
}

static void test_read_texts(void **state)
{
    (void)state;
    char *page = form_page("<style>td{color:red}</style><script>var x = '<td>主管部门</td>';"
                           "</script><title>项目名称</title>",
                           "<!-- <tr><td>实施单位</td><td>注释</td></tr> -->"
                           "<tr><td>主管部门</td><td>\n  a&amp;b&#x4E00;&#19968;&nbsp;&nbsp;c"
                           "<br>d  <b>e</b>\t<span style='mso-spacerun:yes'>&nbsp; </span>f"
                           "</td><td>实施单位</td><td><p>第一段</p><p>第二段 </p> </td></tr>"
                           "<tr><td>项目属性</td><td>&nbsp;</td><td>项目期限</td>"
                           "<td> &nbsp;1&nbsp;年&nbsp; </td></tr>"
                           "<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>绩效值</td></tr>"
                           "<tr><td>1-产出指标</td><td>11-数量指标</td><td>x</td><td>&ge;90&#37;</td></tr>");
    fc_doc *doc = read_page(page);
    const fc_form *f = doc->forms[0];
    assert_int_equal(f->field_count, 5);
    assert_string_equal(fc_form_field(f, FC_FIELD_DEPARTMENT), "a&b一一  c\nd e   f");
    assert_string_equal(fc_form_field(f, FC_FIELD_IMPLEMENTER), "第一段\n第二段");
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "");
    assert_string_equal(fc_form_field(f, FC_FIELD_DURATION), "1 年");
    assert_string_equal(f->indicators[0].target, "≥90%");
    assert_int_equal(f->note_count, 0);
    fc_doc_free(doc);
    free(page);
}

/* Re-encodes UTF-8 into `charset`. */
static char *reencode(const char *input, size_t len, const char *charset, size_t *out_len)
{
    iconv_t cd = iconv_open(charset, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 4 + 16;
    char *out = malloc(cap);
    assert_non_null(out);
    char *src = (char *)input, *dst = out;
    size_t src_left = len, dst_left = cap;
    assert_true(iconv(cd, &src, &src_left, &dst, &dst_left) != (size_t)-1);
    iconv_close(cd);
    *out_len = cap - dst_left;
    return out;
}

static void test_read_charsets(void **state)
{
    (void)state;
    size_t len, out_len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &len);
    /* GB18030 bytes under each way of declaring it. */
    static const char *const metas[] = {
        "<meta charset=\"gb2312\">",
        "<meta http-equiv=Content-Type content=\"text/html; charset=GBK\">",
        "<META HTTP-EQUIV='content-type' CONTENT='text/html;charset=gb18030'>",
    };
    for (size_t i = 0; i < 3; i++) {
        char *swapped = malloc(len + 200);
        assert_non_null(swapped);
        const char *at = strstr(page, "<meta charset=\"utf-8\">");
        size_t head = (size_t)(at - page);
        size_t n = (size_t)snprintf(swapped, len + 200, "%.*s%s%s", (int)head, page, metas[i],
                                    at + strlen("<meta charset=\"utf-8\">"));
        size_t gb_len;
        char *gb = reencode(swapped, n, "GB18030", &gb_len);
        char *text = convert_ok("html", "text", gb, gb_len, NULL, &out_len);
        assert_memory_equal(text, canonical, canonical_len);
        free(text);
        free(gb);
        free(swapped);
    }
    /* Undeclared GBK bytes: not UTF-8, so GB18030. */
    {
        const char *at = strstr(page, "<meta charset=\"utf-8\">");
        char *bare = strdup(page);
        memset(bare + (at - page), ' ', strlen("<meta charset=\"utf-8\">"));
        size_t gb_len;
        char *gb = reencode(bare, len, "GB18030", &gb_len);
        char *text = convert_ok("html", "text", gb, gb_len, NULL, &out_len);
        assert_memory_equal(text, canonical, canonical_len);
        free(text);
        free(gb);
        free(bare);
    }
    /* UTF-16LE with a BOM (the page still says utf-8: the BOM wins). */
    {
        size_t u16_len;
        char *u16 = reencode(page, len, "UTF-16LE", &u16_len);
        char *with_bom = malloc(u16_len + 2);
        memcpy(with_bom, "\xFF\xFE", 2);
        memcpy(with_bom + 2, u16, u16_len);
        char *text = convert_ok("html", "text", with_bom, u16_len + 2, NULL, &out_len);
        assert_memory_equal(text, canonical, canonical_len);
        free(text);
        free(with_bom);
        free(u16);
    }
    free(page);
    /* A charset formconv does not read, and Latin-1 with a non-ASCII byte. */
    const char *big5 = "<html><head><meta charset=big5></head><body></body></html>";
    read_fails(big5, strlen(big5), FC_ERR_ENCODING, "page.html", "charset 'big5'");
    const char *latin = "<html><head><meta charset=iso-8859-1></head><body>\n\xE9</body></html>";
    read_fails(latin, strlen(latin), FC_ERR_ENCODING, NULL, "byte 0xE9 at offset 51");
    /* Bytes invalid in the declared charset. */
    const char *bad = "<html><head><meta charset=utf-8></head><body><p>\xFF\xFE\xFD</p></body></html>";
    read_fails(bad, strlen(bad), FC_ERR_ENCODING, NULL, "byte offset 48");
}

/* ---- what is not a form ----------------------------------------------------------- */

static void test_read_page_furniture(void **state)
{
    (void)state;
    /* A menu table, a layout table around the form, page text: none of it
     * ends up in the form. */
    const char *page =
        "<html><body><h1>某某局2024年部门预算公开</h1><p>发布时间：2024-02-01</p>"
        "<table><tr><td>首页</td><td>信息公开</td></tr></table>"
        "<table><tr><td>当前位置：首页</td></tr><tr><td>"
        "<div>附件 2</div><div>部门项目支出预算绩效目标表</div>"
        "<table><tr><td>项目名称</td><td>甲</td></tr>"
        "<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>绩效值</td></tr>"
        "<tr><td>1-产出指标</td><td>11-数量指标</td><td>x</td><td>1</td></tr></table>"
        "<p>填报人：张三</p></td></tr><tr><td>版权所有</td></tr></table></body></html>";
    fc_doc *doc = read_page(page);
    assert_string_equal(doc->attachment, "附件 2");
    assert_int_equal(doc->form_count, 1);
    const fc_form *f = doc->forms[0];
    assert_int_equal(f->field_count, 1);
    assert_int_equal(f->indicator_count, 1);
    assert_int_equal(f->note_count, 1);
    assert_string_equal(f->notes[0].cells[0], "填报人：张三");
    fc_doc_free(doc);
}

static void test_read_bad_pages(void **state)
{
    (void)state;
    const char *none = "<html><body><p>没有表格</p><table><tr><td>a</td></tr></table></body></html>";
    read_fails(none, strlen(none), FC_ERR_INPUT, "page.html", "no form found");
    read_fails("", 0, FC_ERR_INPUT, "page.html:1", "empty input");
    const char *frames = "<html><frameset rows=\"*\"><frame src=\"sheet001.htm\"></frameset></html>";
    read_fails(frames, strlen(frames), FC_ERR_INPUT, NULL, "a frameset page");
    const char binary[] = "<html>\0\0\0\x01\x02";
    read_fails(binary, sizeof binary - 1, FC_ERR_INPUT, "page.html", "binary data");
    /* An indicator row before its header, located at its line. */
    char *page = form_page("", "\n<tr><td>1-产出指标</td><td>11-数量指标</td><td>x</td><td>1</td>"
                               "</tr>");
    read_fails(page, strlen(page), FC_ERR_INPUT, "page.html:2", "indicator row before");
    free(page);
    /* A control character from a reference. */
    page = form_page("", "<tr><td>主管部门</td><td>a&#1;b</td></tr>");
    read_fails(page, strlen(page), FC_ERR_INPUT, NULL, "control character");
    free(page);
}

static void test_read_limits(void **state)
{
    (void)state;
    fc_options opts = fc_test_options();
    opts.limits.row_cells = 8;
    char *page = form_page("", "<tr><td>主管部门</td><td colspan=9999>x</td></tr>");
    fc_doc *doc = NULL;
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_test_read_doc("html", page, strlen(page), "l.html", &opts, &doc, &err),
                     FC_ERR_LIMIT);
    assert_non_null(strstr(err.message, "more cells than the limit of 8"));
    free(page);
    opts = fc_test_options();
    opts.limits.cell_chars = 10;
    page = form_page("", "<tr><td>主管部门</td><td>一二三四五六七八九十十一</td></tr>");
    assert_int_equal(fc_test_read_doc("html", page, strlen(page), "l.html", &opts, &doc, &err),
                     FC_ERR_LIMIT);
    assert_non_null(strstr(err.message, "limit of 10 characters"));
    free(page);
    /* Deep nesting. */
    size_t n = 2000 * 5 + 64;
    char *deep = malloc(n);
    size_t used = 0;
    used += (size_t)sprintf(deep, "<html><body>");
    for (int i = 0; i < 2000; i++)
        used += (size_t)sprintf(deep + used, "<div>");
    read_fails(deep, used, FC_ERR_LIMIT, NULL, "nested deeper than 1024");
    free(deep);
}

/* Every prefix of a page (in steps) reads or fails cleanly. */
static void test_every_prefix(void **state)
{
    (void)state;
    size_t len;
    char *page = convert_ok("text", "html", seed, seed_len, NULL, &len);
    size_t step = fc_test_under_valgrind() ? 4099 : 257;
    for (size_t cut = 0; cut < len; cut += step) {
        fc_doc *doc = NULL;
        fc_error err;
        fc_error_clear(&err);
        fc_status st = fc_test_read_doc("html", page, cut, "cut.html", NULL, &doc, &err);
        assert_true(st == FC_OK || st == FC_ERR_INPUT || st == FC_ERR_ENCODING);
        fc_doc_free(doc);
    }
    free(page);
}

static void test_sniff(void **state)
{
    (void)state;
    size_t len;
    char *page = fc_test_read_file(fc_test_path("fixtures/html-in/excel-gb2312.htm"), &len);
    fc_input *in = NULL;
    fc_error err;
    assert_int_equal(fc_input_from_memory(page, len, "x", &in, &err), FC_OK);
    extern const fc_converter fc_html_converter;
    assert_true(fc_html_converter.sniff((const unsigned char *)page, len) >= 50);
    assert_int_equal(fc_html_converter.sniff((const unsigned char *)"项目名称\t甲\n", 16), 0);
    fc_input_free(in);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_round_trip),
        cmocka_unit_test(test_other_programs_pages),
        cmocka_unit_test(test_writer_grid),
        cmocka_unit_test(test_writer_page),
        cmocka_unit_test(test_writer_texts),
        cmocka_unit_test(test_nu_checker),
        cmocka_unit_test(test_read_grid),
        cmocka_unit_test(test_read_texts),
        cmocka_unit_test(test_read_charsets),
        cmocka_unit_test(test_read_page_furniture),
        cmocka_unit_test(test_read_bad_pages),
        cmocka_unit_test(test_read_limits),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, load_fixtures, free_fixtures);
}
