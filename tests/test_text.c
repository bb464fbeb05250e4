/*
 * test_text.c - the text dump converter: the seed round trip, every shape
 * the reader accepts, encodings and line ends, quoting, bad inputs with
 * their messages, every prefix of the seed, and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_model.h"
#include "fc_textcodec.h"
#include "support.h"

/* The seed and its canonical conversion, loaded once. */
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

/* Converts text to text in memory; fails the test on error. */
static char *convert_ok(const void *input, size_t len, const fc_options *opts, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_convert("text", "text", input, len, "input.txt", opts, &out,
                                   out_len, &err);
    if (st != FC_OK) {
        char line[2048];
        fail_msg("conversion failed: %s", fc_error_format(&err, line, sizeof line));
    }
    return out;
}

/* Re-encodes `len` bytes of UTF-8 into `charset` with iconv. */
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

/* Replaces every "\n" of `input` by `eol`. */
static char *with_line_ends(const char *input, size_t len, const char *eol, size_t *out_len)
{
    size_t eol_len = strlen(eol);
    char *out = malloc(len * eol_len + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (input[i] == '\n') {
            memcpy(out + o, eol, eol_len);
            o += eol_len;
        } else {
            out[o++] = input[i];
        }
    }
    *out_len = o;
    return out;
}

static void test_seed_round_trip(void **state)
{
    (void)state;
    /* The golden file is the seed without its leading blank lines, with one
     * final newline: check that rule on the seed itself. */
    size_t skip = 0;
    while (skip < seed_len && seed[skip] == '\n')
        skip++;
    assert_int_equal(canonical_len, seed_len - skip + 1);
    assert_memory_equal(canonical, seed + skip, seed_len - skip);
    assert_int_equal(canonical[canonical_len - 1], '\n');

    size_t len;
    char *out = convert_ok(seed, seed_len, NULL, &len);
    assert_int_equal(len, canonical_len);
    assert_memory_equal(out, canonical, len);
    /* Converting the output again changes nothing. */
    size_t len2;
    char *again = convert_ok(out, len, NULL, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(again, out, len);
    free(out);
    free(again);
}

static void test_seed_model(void **state)
{
    (void)state;
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("text", seed, seed_len, "seed.txt", NULL, &doc, &err), FC_OK);
    assert_string_equal(doc->attachment, "附件 2");
    assert_int_equal(doc->form_count, 9);
    const fc_form *f = doc->forms[0];
    assert_string_equal(f->title, "部门项目支出预算绩效目标表");
    assert_string_equal(f->unit, "单位：万元");
    assert_int_equal(f->field_count, 8);
    assert_string_equal(fc_form_field(f, FC_FIELD_NAME), "基层服务计划-司法协理员工资");
    assert_string_equal(fc_form_field(f, FC_FIELD_DEPARTMENT), "吴忠市利通区司法局");
    assert_string_equal(fc_form_field(f, FC_FIELD_IMPLEMENTER), "吴忠市利通区司法局本级");
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "0101-一年期项目");
    assert_string_equal(fc_form_field(f, FC_FIELD_DURATION), "1 年");
    assert_string_equal(fc_form_field(f, FC_FIELD_DIVISION), "04-行政社保股");
    assert_string_equal(fc_form_field(f, FC_FIELD_AMOUNT), "71.900000");
    assert_string_equal(fc_form_field(f, FC_FIELD_GOAL), "保障基层服务人员-司法协理员工资按时发放");
    assert_false(f->fields[0].same_row);
    assert_false(f->fields[1].same_row);
    assert_true(f->fields[2].same_row);
    assert_int_equal(f->column_count, 4);
    assert_int_equal(f->indicator_count, 9);
    assert_string_equal(f->indicators[1].level1, "1-产出指标");
    assert_string_equal(f->indicators[1].level2, "12-质量指标");
    assert_string_equal(f->indicators[4].level2, "21-经济效益");
    assert_string_equal(f->indicators[4].name, "");
    assert_string_equal(f->indicators[4].target, "");
    assert_string_equal(f->indicators[8].target, "大于等于 90%");
    assert_string_equal(fc_form_field(doc->forms[1], FC_FIELD_DURATION), "1年");
    /* Form 8: a second-level cell left blank continues the one above. */
    const fc_form *f8 = doc->forms[7];
    assert_string_equal(f8->indicators[1].level1, "1-产出指标");
    assert_string_equal(f8->indicators[1].level2, "11-数量指标");
    assert_string_equal(f8->indicators[1].name, "法律援助案件数量");
    assert_int_equal(f8->indicator_count, 12);
    assert_string_equal(f8->indicators[11].level2, "31-服务对象满意度");
    assert_string_equal(f8->indicators[11].name, "人民调解员满意度");
    assert_int_equal(f8->note_count, 0);
    fc_doc_free(doc);
}

static void test_shapes(void **state)
{
    (void)state;
    size_t in_len, want_len, len;
    char *in = fc_test_read_file(fc_test_path("fixtures/text/shapes.txt"), &in_len);
    char *want = fc_test_read_file(fc_test_path("fixtures/text/shapes.canonical.txt"), &want_len);
    assert_non_null(in);
    assert_non_null(want);
    char *out = convert_ok(in, in_len, NULL, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, len);

    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("text", in, in_len, "shapes.txt", NULL, &doc, &err), FC_OK);
    assert_string_equal(doc->attachment, "附件2");
    assert_int_equal(doc->form_count, 2);
    const fc_form *f = doc->forms[0];
    /* Quoted cells: doubled quotes, a tab and a line break inside. */
    assert_string_equal(fc_form_field(f, FC_FIELD_NAME), "带\"引号\"的\t项目");
    assert_string_equal(fc_form_field(f, FC_FIELD_GOAL), "第一行\n第二行");
    /* An unknown label is kept as it came. */
    assert_int_equal(f->fields[1].key, FC_FIELD_OTHER);
    assert_string_equal(f->fields[1].label, "项目编码");
    assert_string_equal(f->fields[1].value, "640302-001");
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "[812]专项");
    assert_string_equal(fc_form_field(f, FC_FIELD_DIVISION), "【812033】财务股");
    assert_string_equal(fc_form_field(f, FC_FIELD_AMOUNT), "1,200.50");
    /* Extra columns are kept under their headers, in their places. */
    assert_int_equal(f->column_count, 6);
    static const fc_column_key keys[] = {FC_COL_LEVEL1, FC_COL_LEVEL2, FC_COL_NAME,
                                         FC_COL_EXTRA, FC_COL_TARGET, FC_COL_EXTRA};
    for (int i = 0; i < 6; i++)
        assert_int_equal(f->columns[i].key, keys[i]);
    assert_string_equal(f->columns[3].header, "指标性质");
    assert_string_equal(f->columns[5].header, "度量单位");
    assert_int_equal(f->indicator_count, 6);
    assert_string_equal(f->indicators[1].level1, "1-产出指标");
    assert_string_equal(f->indicators[1].level2, "11-数量指标");
    assert_string_equal(f->indicators[1].extra[0], "≥");
    assert_string_equal(f->indicators[1].extra[1], "人次");
    assert_string_equal(f->indicators[1].target, "200");
    assert_string_equal(f->indicators[3].level2, "21-经济效益");
    assert_string_equal(f->indicators[3].name, "");
    /* A first-level row with nothing else keeps an empty second level. */
    assert_string_equal(f->indicators[4].level1, "4-成本指标");
    assert_string_equal(f->indicators[4].level2, "");
    /* The note after the table keeps its cells, empty ones included. */
    assert_int_equal(f->note_count, 1);
    assert_int_equal(f->notes[0].place, FC_NOTE_AFTER_TABLE);
    assert_int_equal(f->notes[0].cell_count, 3);
    assert_string_equal(f->notes[0].cells[0], "填报人：张三");
    assert_string_equal(f->notes[0].cells[1], "");
    /* The second form: a leading note (the 附件2 above it is the
     * document's attachment label again, not a note), no unit, the
     * template's columns. */
    const fc_form *g = doc->forms[1];
    assert_int_equal(g->note_count, 1);
    assert_int_equal(g->notes[0].place, FC_NOTE_BEFORE_TITLE);
    assert_string_equal(g->notes[0].cells[0], "说明：第二张表");
    assert_null(g->unit);
    assert_int_equal(g->field_count, 1);
    assert_string_equal(g->indicators[0].level1, "产出");
    /* And the canonical output reads back to the same model. */
    fc_doc *back = NULL;
    assert_int_equal(fc_test_read_doc("text", out, len, "out.txt", NULL, &back, &err), FC_OK);
    assert_int_equal(back->form_count, 2);
    for (size_t i = 0; i < 2; i++)
        assert_true(fc_form_equal(back->forms[i], doc->forms[i]));
    fc_doc_free(back);
    fc_doc_free(doc);
    free(in);
    free(want);
    free(out);
}

/* One input encoding variant made from the UTF-8 seed. */
typedef struct variant {
    const char *name;       /* what it imitates */
    const char *charset;    /* iconv name, NULL to keep UTF-8 */
    const char *bom;        /* bytes put first */
    size_t bom_len;         /* their count */
    const char *eol;        /* line end */
    const char *forced;     /* --encoding, or NULL */
} variant;

static void test_input_encodings(void **state)
{
    (void)state;
    static const variant variants[] = {
        {"UTF-8 with BOM", NULL, "\xEF\xBB\xBF", 3, "\n", NULL},
        {"UTF-8, CRLF", NULL, "", 0, "\r\n", NULL},
        {"UTF-8, CR", NULL, "", 0, "\r", NULL},
        {"Excel Unicode text (UTF-16LE, BOM, CRLF)", "UTF-16LE", "\xFF\xFE", 2, "\r\n", NULL},
        {"UTF-16BE with BOM", "UTF-16BE", "\xFE\xFF", 2, "\n", NULL},
        {"UTF-16LE without BOM", "UTF-16LE", "", 0, "\n", NULL},
        {"Chinese Windows text (GB18030, CRLF)", "GB18030", "", 0, "\r\n", NULL},
        {"GBK forced", "GBK", "", 0, "\n", "gb18030"},
        {"UTF-16LE forced, BOM skipped", "UTF-16LE", "\xFF\xFE", 2, "\n", "utf-16le"},
        {"UTF-8 forced with BOM", NULL, "\xEF\xBB\xBF", 3, "\r\n", "utf-8"},
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const variant *v = &variants[i];
        size_t eol_len, body_len;
        char *eol = with_line_ends(seed, seed_len, v->eol, &eol_len);
        char *body = v->charset ? reencode(eol, eol_len, v->charset, &body_len) : eol;
        if (!v->charset)
            body_len = eol_len;
        char *input = malloc(v->bom_len + body_len);
        assert_non_null(input);
        memcpy(input, v->bom, v->bom_len);
        memcpy(input + v->bom_len, body, body_len);
        fc_options opts = fc_test_options();
        if (v->forced)
            fc_test_set_option(&opts, "encoding", v->forced);
        size_t len;
        char *out = convert_ok(input, v->bom_len + body_len, &opts, &len);
        if (len != canonical_len || memcmp(out, canonical, len) != 0)
            fail_msg("variant '%s' did not read back to the canonical text", v->name);
        free(out);
        free(input);
        if (body != eol)
            free(body);
        free(eol);
    }
}

static void test_forced_encoding_mismatch(void **state)
{
    (void)state;
    size_t gb_len;
    char *gb = reencode(seed, seed_len, "GB18030", &gb_len);
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "encoding", "utf-8");
    char *out = NULL;
    size_t len;
    fc_error err;
    assert_int_equal(fc_test_convert("text", "text", gb, gb_len, "gb.txt", &opts, &out, &len, &err),
                     FC_ERR_ENCODING);
    assert_null(out);
    assert_string_equal(err.location, "gb.txt:3:1");
    assert_non_null(strstr(err.message, "invalid UTF-8 byte 0xB8"));
    free(gb);
}

/* One output encoding: what to ask for and how to check the bytes. */
typedef struct out_case {
    const char *enc;        /* --output-encoding */
    const char *charset;    /* iconv name of the body */
    const char *bom;        /* expected first bytes */
    size_t bom_len;         /* their count */
} out_case;

static void test_output_encodings(void **state)
{
    (void)state;
    static const out_case cases[] = {
        {"utf-8-bom", NULL, "\xEF\xBB\xBF", 3},
        {"gb18030", "GB18030", "", 0},
        {"utf-16le", "UTF-16LE", "\xFF\xFE", 2},
        {"utf-16be", "UTF-16BE", "\xFE\xFF", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const out_case *c = &cases[i];
        fc_options opts = fc_test_options();
        fc_test_set_option(&opts, "output-encoding", c->enc);
        size_t len;
        char *out = convert_ok(seed, seed_len, &opts, &len);
        size_t body_len = canonical_len;
        char *body = c->charset ? reencode(canonical, canonical_len, c->charset, &body_len)
                                : canonical;
        assert_int_equal(len, c->bom_len + body_len);
        assert_memory_equal(out, c->bom, c->bom_len);
        assert_memory_equal(out + c->bom_len, body, body_len);
        /* And it reads back to the same text. */
        size_t back_len;
        char *back = convert_ok(out, len, NULL, &back_len);
        assert_int_equal(back_len, canonical_len);
        assert_memory_equal(back, canonical, back_len);
        free(back);
        free(out);
        if (body != canonical)
            free(body);
    }
}

static void test_quoting(void **state)
{
    (void)state;
    /* Excel quotes a cell holding a tab, a quote or a line break, doubling
     * quotes; a quote elsewhere in an unquoted cell is literal, and a cell
     * that only starts with a quote is literal too. */
    const char *input =
        "部门项目支出预算绩效目标表\n"
        "项目名称\t\"a\"\"b\"\t\t\n"
        "主管部门\t\"x\ty\"\t实施单位\t\"1\r\n2\"\n"
        "项目属性\t5\"寸\t项目期限\t\"3\"年\n"
        "年度总体绩效目标\t\"\"\t\t\n"
        "一级指标\t二级指标\t三级指标\t绩效值\n"
        "1-产出指标\t11-数量指标\t\"\"\"引号\"\"\"\t≥1\n";
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("text", input, strlen(input), "q.txt", NULL, &doc, &err),
                     FC_OK);
    const fc_form *f = doc->forms[0];
    assert_string_equal(fc_form_field(f, FC_FIELD_NAME), "a\"b");
    assert_string_equal(fc_form_field(f, FC_FIELD_DEPARTMENT), "x\ty");
    assert_string_equal(fc_form_field(f, FC_FIELD_IMPLEMENTER), "1\r\n2");
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "5\"寸");
    assert_string_equal(fc_form_field(f, FC_FIELD_DURATION), "\"3\"年");
    assert_string_equal(fc_form_field(f, FC_FIELD_GOAL), "");
    assert_string_equal(f->indicators[0].name, "\"引号\"");
    size_t len;
    char *out = convert_ok(input, strlen(input), NULL, &len);
    /* Written back the way Excel writes it. */
    assert_non_null(strstr(out, "项目名称\t\"a\"\"b\"\t\t\n"));
    assert_non_null(strstr(out, "主管部门\t\"x\ty\"\t实施单位\t\"1\r\n2\"\n"));
    assert_non_null(strstr(out, "项目属性\t\"5\"\"寸\"\t项目期限\t\"\"\"3\"\"年\"\n"));
    assert_non_null(strstr(out, "\t\"\"\"引号\"\"\"\t"));
    /* ... and read identically. */
    fc_doc *back = NULL;
    assert_int_equal(fc_test_read_doc("text", out, len, "q2.txt", NULL, &back, &err), FC_OK);
    assert_true(fc_form_equal(back->forms[0], doc->forms[0]));
    fc_doc_free(back);
    fc_doc_free(doc);
    free(out);
}

/* A bad input and the one line it must produce. */
static void check_bad(const char *file, fc_status want_status)
{
    char path[512], expected_path[512];
    snprintf(path, sizeof path, "fixtures/bad/%s", file);
    const char *dot = strrchr(file, '.');
    snprintf(expected_path, sizeof expected_path, "fixtures/bad/%.*s.expected",
             (int)(dot - file), file);
    size_t len, want_len;
    char *input = fc_test_read_file(fc_test_path(path), &len);
    char *want = fc_test_read_file(fc_test_path(expected_path), &want_len);
    assert_non_null(input);
    assert_non_null(want);
    if (want_len && want[want_len - 1] == '\n')
        want[--want_len] = '\0';
    char *out = NULL;
    size_t out_len;
    fc_error err;
    fc_error_clear(&err);
    fc_options opts = fc_test_options();
    fc_status st = fc_test_convert("text", "text", input, len, file, &opts, &out, &out_len, &err);
    char line[2048];
    fc_error_format(&err, line, sizeof line);
    if (st != want_status || strcmp(line, want) != 0)
        fail_msg("%s: got status %d \"%s\", want %d \"%s\"", file, st, line, want_status, want);
    assert_null(out);
    free(input);
    free(want);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    check_bad("binary.bin", FC_ERR_INPUT);
    check_bad("blank-only.txt", FC_ERR_INPUT);
    check_bad("cell-too-long.txt", FC_ERR_LIMIT);
    check_bad("control-char.txt", FC_ERR_INPUT);
    check_bad("empty.txt", FC_ERR_INPUT);
    check_bad("form-without-fields.txt", FC_ERR_INPUT);
    check_bad("indicator-before-header.txt", FC_ERR_INPUT);
    check_bad("invalid-gb18030.txt", FC_ERR_ENCODING);
    check_bad("invalid-utf8.txt", FC_ERR_ENCODING);
    check_bad("unterminated-quote.txt", FC_ERR_INPUT);
}

static void test_utf16_errors(void **state)
{
    (void)state;
    /* "部门" then a lone low surrogate, in UTF-16LE with BOM. */
    const char lone[] = "\xFF\xFE\xE8\x90\xE8\x95\x00\xDC\n\x00";
    char *out = NULL;
    size_t len;
    fc_error err;
    assert_int_equal(fc_test_convert("text", "text", lone, sizeof lone - 1, "u.txt", NULL, &out,
                                     &len, &err), FC_ERR_ENCODING);
    assert_string_equal(err.location, "u.txt:1:3");
    assert_non_null(strstr(err.message, "unpaired UTF-16 surrogate 0xDC00"));
    /* An odd number of bytes. */
    const char odd[] = "\xFF\xFE\x41\x00\x42";
    assert_int_equal(fc_test_convert("text", "text", odd, sizeof odd - 1, "o.txt", NULL, &out,
                                     &len, &err), FC_ERR_ENCODING);
    assert_non_null(strstr(err.message, "odd number of bytes"));
}

static void test_every_prefix(void **state)
{
    (void)state;
    /* Every prefix of the seed gives a clean error or output that reads
     * back to itself. */
    size_t errors = 0, outputs = 0;
    for (size_t n = 0; n <= seed_len; n++) {
        char *out = NULL;
        size_t len;
        fc_error err;
        fc_error_clear(&err);
        fc_status st = fc_test_convert("text", "text", seed, n, "prefix.txt", NULL, &out, &len,
                                       &err);
        if (st != FC_OK) {
            assert_null(out);
            assert_true(st == FC_ERR_INPUT || st == FC_ERR_ENCODING);
            assert_true(strncmp(err.location, "prefix.txt:", 11) == 0);
            assert_true(err.message[0] != '\0');
            errors++;
            continue;
        }
        size_t again_len;
        char *again = convert_ok(out, len, NULL, &again_len);
        if (again_len != len || memcmp(again, out, len) != 0)
            fail_msg("prefix of %zu bytes: output does not read back to itself", n);
        outputs++;
        free(again);
        free(out);
    }
    /* Both outcomes happen: short prefixes and prefixes that end inside a
     * character fail, the others convert. */
    assert_true(errors > 0);
    assert_true(outputs > seed_len / 4);
}

static void test_limits(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len;
    fc_error err;
    fc_options opts = fc_test_options();
    opts.limits.cell_chars = 5;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "l.txt", &opts, &out, &len,
                                     &err), FC_ERR_LIMIT);
    assert_string_equal(err.location, "l.txt:5:1");
    opts = fc_test_options();
    opts.limits.row_cells = 3;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "l.txt", &opts, &out, &len,
                                     &err), FC_ERR_LIMIT);
    assert_string_equal(err.location, "l.txt:9:22");
    opts = fc_test_options();
    opts.limits.form_rows = 10;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "l.txt", &opts, &out, &len,
                                     &err), FC_ERR_LIMIT);
    assert_string_equal(err.location, "l.txt:18:2");
    opts = fc_test_options();
    opts.limits.form_bytes = 500;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "l.txt", &opts, &out, &len,
                                     &err), FC_ERR_LIMIT);
    assert_string_equal(err.location, "l.txt:5:1");
    assert_non_null(strstr(err.message, "limit of 500 bytes"));
    opts = fc_test_options();
    opts.limits.line_bytes = 40;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "l.txt", &opts, &out, &len,
                                     &err), FC_ERR_LIMIT);
    assert_null(out);
}

/* Converts `input` from `from` to `to` with `opts` (NULL: defaults),
 * failing the test on refusal. */
static char *convert_as(const char *from, const char *to, const char *input, size_t len,
                        const fc_options *opts, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    if (fc_test_convert(from, to, input, len, "in", opts, &out, out_len, &err) != FC_OK) {
        char line[2048];
        fail_msg("%s -> %s failed: %s", from, to, fc_error_format(&err, line, sizeof line));
    }
    return out;
}

/* CSV: RFC 4180 and Excel's quoting, CRLF, and back to the same forms. */
static void test_csv(void **state)
{
    (void)state;
    size_t csv_len, back_len;
    char *csv = convert_as("text", "csv", seed, seed_len, NULL, &csv_len);
    assert_non_null(strstr(csv, "\r\n项目名称,基层服务计划-司法协理员工资,,\r\n"));
    assert_null(strstr(csv, "\t"));
    char *back = convert_as("csv", "text", csv, csv_len, NULL, &back_len);
    assert_int_equal(back_len, canonical_len);
    assert_memory_equal(back, canonical, canonical_len);
    free(back);
    free(csv);
    /* A cell holding the delimiter, a quote or a line break is quoted;
     * a tab is plain text in CSV. */
    const char *input =
        "部门项目支出预算绩效目标表\n"
        "项目名称\t\"a,b\"\t\t\n"
        "主管部门\t\"x\"\"y\"\t实施单位\t\"1\n2\"\n"
        "一级指标\t二级指标\t三级指标\t绩效值\n"
        "1-产出指标\t11-数量指标\t\"t\tab\"\t≥1,000\n";
    csv = convert_as("text", "csv", input, strlen(input), NULL, &csv_len);
    assert_non_null(strstr(csv, "项目名称,\"a,b\",,\r\n"));
    assert_non_null(strstr(csv, "主管部门,\"x\"\"y\",实施单位,\"1\n2\"\r\n"));
    assert_non_null(strstr(csv, "1-产出指标,11-数量指标,t\tab,\"≥1,000\"\r\n"));
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("csv", csv, csv_len, "q.csv", NULL, &doc, &err), FC_OK);
    const fc_form *f = doc->forms[0];
    assert_string_equal(fc_form_field(f, FC_FIELD_NAME), "a,b");
    assert_string_equal(fc_form_field(f, FC_FIELD_DEPARTMENT), "x\"y");
    assert_string_equal(fc_form_field(f, FC_FIELD_IMPLEMENTER), "1\n2");
    assert_string_equal(f->indicators[0].name, "t\tab");
    assert_string_equal(f->indicators[0].target, "≥1,000");
    fc_doc_free(doc);
    free(csv);
}

/* The delimiter: detected (';' in CSV, '|' in text), forced with the
 * "delimiter" option, chosen for output with "output-delimiter"; LF or
 * CRLF with "eol". */
static void test_delimiters(void **state)
{
    (void)state;
    const char *semicolons =
        "部门项目支出预算绩效目标表\r\n"
        "项目名称;甲;;\r\n"
        "一级指标;二级指标;三级指标;绩效值\r\n"
        "1-产出指标;11-数量指标;人数;\"1,5\"\r\n";
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("csv", semicolons, strlen(semicolons), "s.csv", NULL, &doc,
                                      &err), FC_OK);
    assert_string_equal(doc->forms[0]->indicators[0].target, "1,5");
    fc_doc_free(doc);
    const char *pipes =
        "部门项目支出预算绩效目标表\n"
        "项目名称|甲||\n"
        "一级指标|二级指标|三级指标|绩效值\n"
        "1-产出指标|11-数量指标|人数|1人\n";
    assert_int_equal(fc_test_read_doc("text", pipes, strlen(pipes), "p.txt", NULL, &doc, &err),
                     FC_OK);
    assert_string_equal(fc_form_field(doc->forms[0], FC_FIELD_NAME), "甲");
    fc_doc_free(doc);
    /* Forced: the tab read as the tab, and pipes as text when told so. */
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "delimiter", "tab");
    size_t len;
    char *out = convert_as("text", "text", seed, seed_len, &opts, &len);
    assert_int_equal(len, canonical_len);
    free(out);
    fc_options forced = fc_test_options();
    fc_test_set_option(&forced, "delimiter", "semicolon");
    char *refused = NULL;
    assert_int_equal(fc_test_convert("text", "text", pipes, strlen(pipes), "p.txt", &forced,
                                     &refused, &len, &err), FC_ERR_INPUT);
    /* Output: pipes and CRLF. */
    fc_options w = fc_test_options();
    fc_test_set_option(&w, "output-delimiter", "pipe");
    fc_test_set_option(&w, "eol", "crlf");
    out = convert_as("text", "text", pipes, strlen(pipes), &w, &len);
    assert_non_null(strstr(out, "\r\n项目名称|甲||\r\n"));
    assert_null(strstr(out, "\t"));
    free(out);
    /* A file with commas on too few lines to be sure: the refusal says so. */
    const char *unsure =
        "附表,（2024年度）\n"
        "说明\n"
        "甲\n"
        "乙\n";
    assert_int_equal(fc_test_convert("text", "text", unsure, strlen(unsure), "u.txt", NULL,
                                     &refused, &len, &err), FC_ERR_INPUT);
    assert_null(refused);
    if (!strstr(err.message, "no line of the file holds a tab, but 1 of its first 4 lines "
                             "hold ','") ||
        !strstr(err.message, "use --delimiter ','"))
        fail_msg("no delimiter hint: %s", err.message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_round_trip),
        cmocka_unit_test(test_seed_model),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_input_encodings),
        cmocka_unit_test(test_forced_encoding_mismatch),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_output_encodings),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_utf16_errors),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, load_fixtures, free_fixtures);
}
