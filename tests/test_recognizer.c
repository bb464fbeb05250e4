/*
 * test_recognizer.c - the shared recognizer on rows of cells shaped as real
 * sheets are: forms in any column, merged titles and values, categories
 * merged down, headers spanning columns, several blocks (sheets), notes, and
 * the inputs it must refuse.
 *
 * Rows are written in a small notation: cells separated by '|'; an empty
 * cell is absent; "<N>" before a text makes it span N columns, "[N]" N rows;
 * "~" is a cell covered by a merge from its left, "^" one covered from above.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_recognizer.h"
#include "support.h"

/* Location formatter: "sheet!ROW!COL" with zero-based numbers. */
static void locate(void *ctx, const fc_row *row, const fc_cell *cell, char *buf, size_t size)
{
    (void)ctx;
    if (cell)
        snprintf(buf, size, "sheet!%lu!%u", row->index, cell->col);
    else
        snprintf(buf, size, "sheet!%lu", row->index);
}

/* A recognizer feeding a collector, with the row counter. */
typedef struct harness {
    fc_options opts;        /* options (default template) */
    fc_sink *sink;          /* collector */
    fc_recognizer *rec;     /* recognizer under test */
    unsigned long next_row; /* index of the next row */
} harness;

static void harness_init(harness *h)
{
    h->opts = fc_test_options();
    h->sink = fc_collector_new();
    assert_non_null(h->sink);
    fc_error err;
    assert_int_equal(fc_recognizer_new(&h->opts, h->sink, locate, NULL, &h->rec, &err), FC_OK);
    h->next_row = 0;
}

static void harness_free(harness *h)
{
    fc_recognizer_free(h->rec);
    h->sink->destroy(h->sink);
}

/* Parses one row in the notation above and pushes it. */
static fc_status push(harness *h, const char *spec, fc_error *err)
{
    fc_cell cells[64];
    char texts[64][256];
    size_t count = 0;
    uint32_t col = 0;
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            fc_cell *c = &cells[count];
            memset(c, 0, sizeof *c);
            c->col = col;
            c->colspan = c->rowspan = 1;
            const char *t = p;
            size_t n = len;
            if (t[0] == '~') {
                c->covered = true;
                t++, n--;
            } else if (t[0] == '^') {
                c->covered = c->covered_above = true;
                t++, n--;
            }
            while (n >= 3 && (t[0] == '<' || t[0] == '[')) {
                char close = t[0] == '<' ? '>' : ']';
                unsigned v = (unsigned)strtoul(t + 1, NULL, 10);
                const char *q = memchr(t, close, n);
                assert_non_null(q);
                if (t[0] == '<')
                    c->colspan = v;
                else
                    c->rowspan = v;
                n -= (size_t)(q + 1 - t);
                t = q + 1;
            }
            memcpy(texts[count], t, n);
            texts[count][n] = '\0';
            c->text = texts[count];
            c->len = n;
            count++;
        }
        col++;
        if (!end)
            break;
        p = end + 1;
    }
    fc_row row;
    memset(&row, 0, sizeof row);
    row.index = h->next_row++;
    row.cells = cells;
    row.cell_count = count;
    return fc_recognizer_push(h->rec, &row, err);
}

/* Pushes rows that must all be accepted. */
static void push_all(harness *h, const char *const *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fc_error err;
        fc_error_clear(&err);
        if (push(h, rows[i], &err) != FC_OK)
            fail_msg("row %zu \"%s\" refused: %s: %s", i, rows[i], err.location, err.message);
    }
}

/* Finishes and returns the collected document. */
static fc_doc *finish(harness *h)
{
    fc_error err;
    fc_error_clear(&err);
    if (fc_recognizer_finish(h->rec, "sheet", &err) != FC_OK)
        fail_msg("finish failed: %s: %s", err.location, err.message);
    fc_doc *doc = fc_collector_take(h->sink);
    assert_non_null(doc);
    return doc;
}

static void test_offset_and_merged(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "||附件 2",
        "||<4>部门项目支出预算绩效目标表|~|~|~",
        "|||||单位：万元",
        "||项目名称|<3>基层服务计划|~|~",
        "||主管部门|吴忠市利通区司法局|实施单位|本级",
        "||<2>项目属性|~|0101-一年期项目|",
        "||项目主管处室|04-行政社保股|项目年度金额|71.900000",
        "||一级指标|二级指标|三级指标|绩效值",
        "||[3]1-产出指标|[2]11-数量指标|人数|22 人",
        "||^|^|人数二|[2]良好",
        "||^|12-质量指标|合格率|^",
        "||[1]2-效益指标|21-经济效益||",
    };
    harness h;
    harness_init(&h);
    push_all(&h, rows, sizeof rows / sizeof rows[0]);
    fc_doc *doc = finish(&h);
    assert_string_equal(doc->attachment, "附件 2");
    assert_int_equal(doc->form_count, 1);
    const fc_form *f = doc->forms[0];
    assert_string_equal(f->title, "部门项目支出预算绩效目标表");
    assert_string_equal(f->unit, "单位：万元");
    assert_string_equal(f->origin, "sheet!1!2");
    assert_string_equal(fc_form_field(f, FC_FIELD_NAME), "基层服务计划");
    assert_string_equal(fc_form_field(f, FC_FIELD_IMPLEMENTER), "本级");
    /* The label spans two columns: its value is the cell after the range. */
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "0101-一年期项目");
    assert_string_equal(fc_form_field(f, FC_FIELD_AMOUNT), "71.900000");
    assert_int_equal(f->field_count, 6);
    assert_int_equal(f->indicator_count, 4);
    assert_string_equal(f->indicators[1].level1, "1-产出指标");
    assert_string_equal(f->indicators[1].level2, "11-数量指标");
    assert_string_equal(f->indicators[1].target, "良好");
    /* A target merged down is the target of every row it covers. */
    assert_string_equal(f->indicators[2].level2, "12-质量指标");
    assert_string_equal(f->indicators[2].target, "良好");
    assert_string_equal(f->indicators[3].level1, "2-效益指标");
    assert_string_equal(f->indicators[3].name, "");
    fc_doc_free(doc);
    harness_free(&h);
}

static void test_spanning_header_and_values(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "<3>部门项目支出预算绩效目标表|~|~|单位：万元",
        "项目名称|<4>甲|~|~|~",
        "项目属性|<2>0101-一年期项目|~|项目期限|1 年",
        "一级指标|二级指标|<2>三级指标|~|绩效值",
        "1-产出指标|11-数量指标|<2>人数|~|22 人",
        "||<2>次数|~|3 次",
        "一级指标|二级指标|<2>三级指标|~|绩效值",
        "|12-质量指标|合格率||100%",
        "||||||||说明",
    };
    harness h;
    harness_init(&h);
    push_all(&h, rows, sizeof rows / sizeof rows[0]);
    fc_doc *doc = finish(&h);
    assert_null(doc->attachment);
    const fc_form *f = doc->forms[0];
    /* Title and unit on one row. */
    assert_string_equal(f->title, "部门项目支出预算绩效目标表");
    assert_string_equal(f->unit, "单位：万元");
    assert_string_equal(fc_form_field(f, FC_FIELD_ATTRIBUTE), "0101-一年期项目");
    assert_string_equal(fc_form_field(f, FC_FIELD_DURATION), "1 年");
    assert_true(f->fields[2].same_row);
    /* Four columns although the name spans two; the repeated header row of
     * a new page adds nothing; a lone cell right of the table is a note. */
    assert_int_equal(f->column_count, 4);
    assert_int_equal(f->indicator_count, 3);
    assert_string_equal(f->indicators[0].name, "人数");
    assert_string_equal(f->indicators[0].target, "22 人");
    assert_string_equal(f->indicators[1].level2, "11-数量指标");
    assert_string_equal(f->indicators[1].name, "次数");
    assert_string_equal(f->indicators[2].level1, "1-产出指标");
    assert_string_equal(f->indicators[2].level2, "12-质量指标");
    assert_string_equal(f->indicators[2].target, "100%");
    assert_int_equal(f->note_count, 1);
    assert_int_equal(f->notes[0].place, FC_NOTE_AFTER_TABLE);
    assert_string_equal(f->notes[0].cells[0], "说明");
    fc_doc_free(doc);
    harness_free(&h);
}

static void test_sheets_and_notes(void **state)
{
    (void)state;
    static const char *const sheet1[] = {
        "附件2",
        "部门项目支出预算绩效目标表",
        "单位：万元",
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|绩效值",
        "1-产出指标|11-数量指标|人数|1 人",
        "<4>填报人：张三|~|~|~",
    };
    static const char *const sheet2[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|乙||",
        "一级指标|二级指标|三级指标|绩效值",
        "产出|数量|份数|2 份",
    };
    static const char *const sheet3[] = {
        "本表数据仅供参考",
    };
    harness h;
    harness_init(&h);
    fc_error err;
    push_all(&h, sheet1, sizeof sheet1 / sizeof sheet1[0]);
    assert_int_equal(fc_recognizer_break(h.rec, &err), FC_OK);
    push_all(&h, sheet2, sizeof sheet2 / sizeof sheet2[0]);
    assert_int_equal(fc_recognizer_break(h.rec, &err), FC_OK);
    push_all(&h, sheet3, 1);
    fc_doc *doc = finish(&h);
    assert_int_equal(doc->form_count, 2);
    assert_string_equal(doc->attachment, "附件2");
    const fc_form *a = doc->forms[0];
    assert_int_equal(a->note_count, 1);
    assert_int_equal(a->notes[0].place, FC_NOTE_AFTER_TABLE);
    assert_string_equal(a->notes[0].cells[0], "填报人：张三");
    /* A sheet holding only a note: the note follows the last form. */
    const fc_form *b = doc->forms[1];
    assert_int_equal(b->note_count, 1);
    assert_int_equal(b->notes[0].place, FC_NOTE_AFTER_TABLE);
    assert_string_equal(b->notes[0].cells[0], "本表数据仅供参考");
    fc_doc_free(doc);
    harness_free(&h);
}

static void test_forms_without_titles(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|绩效值",
        "1-产出指标|11-数量指标|人数|1 人",
        "项目名称|乙||",
        "一级指标|二级指标|三级指标|绩效值",
        "1-产出指标|11-数量指标|人数|2 人",
        "单位：元",
        "项目名称|丙||",
    };
    harness h;
    harness_init(&h);
    push_all(&h, rows, sizeof rows / sizeof rows[0]);
    fc_doc *doc = finish(&h);
    assert_int_equal(doc->form_count, 3);
    assert_null(doc->forms[0]->title);
    assert_string_equal(fc_form_field(doc->forms[1], FC_FIELD_NAME), "乙");
    assert_string_equal(doc->forms[2]->unit, "单位：元");
    assert_string_equal(fc_form_field(doc->forms[2], FC_FIELD_NAME), "丙");
    /* A form without an indicator table gets the template's columns. */
    assert_int_equal(doc->forms[2]->column_count, 4);
    assert_int_equal(doc->forms[2]->indicator_count, 0);
    fc_doc_free(doc);
    harness_free(&h);
}

/* Pushes rows until one is refused; checks status, location and message. */
static void expect_refusal(const char *const *rows, size_t n, bool at_finish, fc_status want,
                           const char *where, const char *words, size_t limit_rows)
{
    harness h;
    harness_init(&h);
    h.opts.limits.form_rows = limit_rows;
    fc_recognizer_free(h.rec);
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_recognizer_new(&h.opts, h.sink, locate, NULL, &h.rec, &err), FC_OK);
    fc_status st = FC_OK;
    for (size_t i = 0; i < n && st == FC_OK; i++)
        st = push(&h, rows[i], &err);
    if (at_finish) {
        assert_int_equal(st, FC_OK);
        st = fc_recognizer_finish(h.rec, "sheet", &err);
    }
    assert_int_equal(st, want);
    assert_string_equal(err.location, where);
    if (!strstr(err.message, words))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
    harness_free(&h);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const before_header[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "|12-质量指标|合格率|100%",
    };
    expect_refusal(before_header, 3, false, FC_ERR_INPUT, "sheet!2!1",
                   "indicator row before its header", 0);
    static const char *const leading_indicator[] = {
        "1-产出指标|11-数量指标|人数|1 人",
    };
    expect_refusal(leading_indicator, 1, false, FC_ERR_INPUT, "sheet!0!0",
                   "indicator row before its header", 0);
    static const char *const header_first[] = {
        "一级指标|二级指标|三级指标|绩效值",
    };
    expect_refusal(header_first, 1, false, FC_ERR_INPUT, "sheet!0!0",
                   "indicator header without a form", 0);
    static const char *const no_fields[] = {
        "部门项目支出预算绩效目标表",
        "单位：万元",
        "一级指标|二级指标|三级指标|绩效值",
    };
    expect_refusal(no_fields, 3, false, FC_ERR_INPUT, "sheet!2!0", "no header fields", 0);
    static const char *const two_titles[] = {
        "部门项目支出预算绩效目标表",
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
    };
    expect_refusal(two_titles, 3, false, FC_ERR_INPUT, "sheet!0!0", "no header fields", 0);
    static const char *const only_notes[] = {
        "说明：没有表",
    };
    expect_refusal(only_notes, 1, true, FC_ERR_INPUT, "sheet", "no form found", 0);
    static const char *const long_form[] = {
        "部门项目支出预算绩效目标表", "项目名称|甲||", "一级指标|二级指标|三级指标|绩效值",
        "1-产出指标|11-数量指标|a|1", "||b|2", "||c|3",
    };
    expect_refusal(long_form, 6, false, FC_ERR_LIMIT, "sheet!5!2", "more rows", 4);
}

/* The rules of issue 11: a value never becomes a label, a row-label
 * column is no indicator column, a number is no category, a header that
 * almost matches names its stranger, other forms are named. */
static void test_no_silent_misplacement(void **state)
{
    (void)state;
    static const char *const value_as_label[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲|30000|乙",
    };
    expect_refusal(value_as_label, 2, false, FC_ERR_INPUT, "sheet!1!2",
                   "\"30000\" stands where a field label belongs", 0);
    static const char *const amount_as_label[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲|132万元|",
    };
    expect_refusal(amount_as_label, 2, false, FC_ERR_INPUT, "sheet!1!2",
                   "\"132万元\" stands where a field label belongs", 0);
    static const char *const number_as_category[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|绩效值",
        "产出指标|数量指标|人数|1人",
        "30000|数量指标|次数|2次",
    };
    expect_refusal(number_as_category, 5, false, FC_ERR_INPUT, "sheet!4!0",
                   "\"30000\" is a number where a first-level category belongs", 0);
    static const char *const shifted[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "一级指标|二级指标|指标名目|绩效值",
    };
    expect_refusal(shifted, 3, false, FC_ERR_INPUT, "sheet!2!2",
                   "unexpected indicator column header \"指标名目\"", 0);
    static const char *const near_miss[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "指标类别|二级指标|三级指标|绩效值",
    };
    expect_refusal(near_miss, 3, false, FC_ERR_INPUT, "sheet!2!0",
                   "unexpected indicator column header \"指标类别\"", 0);
    static const char *const outside[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|绩效值",
        "产出指标|数量指标|人数|1人|备用",
    };
    expect_refusal(outside, 4, false, FC_ERR_INPUT, "sheet!3!4",
                   "stands in no column of the indicator table", 0);
    static const char *const selfeval[] = {
        "部门预算项目支出绩效自评表（2023年度）",
        "项目名称|甲||",
    };
    expect_refusal(selfeval, 2, false, FC_ERR_INPUT, "sheet!0!0",
                   "this is a 项目支出绩效自评表 (self-evaluation form), not a 绩效目标表; "
                   "formconv has no template for it", 0);
    static const char *const selfeval_columns[] = {
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|年度指标值|实际完成值|分值|得分",
    };
    expect_refusal(selfeval_columns, 2, false, FC_ERR_INPUT, "sheet!1!4",
                   "this is a 项目支出绩效自评表", 0);
    static const char *const department[] = {
        "部门整体支出绩效目标表",
        "部门名称|某局||",
        "部门职能|负责某事||",
    };
    expect_refusal(department, 3, false, FC_ERR_INPUT, "sheet!0!0",
                   "this is a 部门整体支出绩效目标表 (department-wide form)", 0);
}

/* The variants' parts: a row-label column merged down the table, fund rows
 * under a block label merged down, mid-term and annual goals above their
 * texts, markers on categories, the 2021 framework chosen by its columns. */
static void test_variant_parts(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "<6>项目支出绩效目标表|~|~|~|~|~",
        "<6>（2022年度）|~|~|~|~|~",
        "项目名称|<5>甲|~|~|~|~",
        "主管部门|<2>某局|~|实施单位|<2>某中心|~",
        "[3]项目资金（万元）|年度资金总额|<4>100|~|~|~",
        "^|其中：财政拨款|<4>80|~|~|~",
        "^|其他资金|<4>20|~|~|~",
        "年度总体目标|<5>完成任务|~|~|~|~",
        "[4]年度绩效目标（90分）|一级指标|二级指标|三级指标|指标值|分值|指标解释",
        "^|[2]成本指标（0-20）分|经济成本指标|建设成本|≤65万元|10|控制成本",
        "^|^|社会成本指标|||",
        "^|产出指标（必填）|数量指标|人数|1人|20|",
    };
    harness h;
    harness_init(&h);
    push_all(&h, rows, sizeof rows / sizeof rows[0]);
    fc_doc *doc = finish(&h);
    assert_int_equal(doc->form_count, 1);
    const fc_form *f = doc->forms[0];
    assert_string_equal(f->subtitle, "（2022年度）");
    assert_string_equal(f->template_id, "2021");
    assert_string_equal(fc_form_field(f, FC_FIELD_FUND_TOTAL), "100");
    assert_string_equal(fc_form_field(f, FC_FIELD_FUND_FISCAL), "80");
    assert_string_equal(fc_form_field(f, FC_FIELD_FUND_OTHER), "20");
    assert_string_equal(f->fields[3].group, "项目资金（万元）");
    assert_string_equal(f->fields[5].group, "项目资金（万元）");
    assert_null(f->fields[6].group);
    assert_string_equal(fc_form_field(f, FC_FIELD_GOAL), "完成任务");
    assert_string_equal(f->table_label, "年度绩效目标（90分）");
    assert_int_equal(f->column_count, 6);
    assert_int_equal(f->columns[0].key, FC_COL_LEVEL1);
    assert_int_equal(f->columns[2].key, FC_COL_NAME);
    assert_int_equal(f->columns[4].key, FC_COL_SCORE);
    assert_int_equal(f->columns[5].key, FC_COL_EXPLANATION);
    assert_int_equal(f->indicator_count, 3);
    /* Markers stay as written. */
    assert_string_equal(f->indicators[0].level1, "成本指标（0-20）分");
    assert_string_equal(f->indicators[0].name, "建设成本");
    assert_string_equal(f->indicators[0].score, "10");
    assert_string_equal(f->indicators[0].explanation, "控制成本");
    assert_string_equal(f->indicators[1].level1, "成本指标（0-20）分");
    assert_string_equal(f->indicators[1].level2, "社会成本指标");
    assert_string_equal(f->indicators[2].level1, "产出指标（必填）");
    fc_doc_free(doc);
    harness_free(&h);

    static const char *const midterm[] = {
        "项目支出绩效目标申报表",
        "项目名称|甲|||",
        "[2]总体目标|<2>中期目标|~|<2>年度目标|~",
        "^|<2>三年完成|~|<2>今年完成一半|~",
        "一级指标|二级指标|三级指标|中期指标值|年度指标值",
        "产出指标|数量指标|人数|3人|1人",
    };
    harness_init(&h);
    push_all(&h, midterm, sizeof midterm / sizeof midterm[0]);
    doc = finish(&h);
    f = doc->forms[0];
    assert_string_equal(f->template_id, "midterm");
    assert_string_equal(fc_form_field(f, FC_FIELD_MIDTERM_GOAL), "三年完成");
    assert_string_equal(fc_form_field(f, FC_FIELD_GOAL), "今年完成一半");
    assert_true(f->fields[1].label_above);
    assert_true(f->fields[2].label_above);
    assert_true(f->fields[2].same_row);
    assert_string_equal(f->fields[2].group, "总体目标");
    assert_string_equal(f->indicators[0].midterm_target, "3人");
    assert_string_equal(f->indicators[0].target, "1人");
    fc_doc_free(doc);
    harness_free(&h);
}

/* A flat list: one row per indicator, the project's columns repeated or
 * left blank (same as above), several projects, a total row. */
static void test_flat_list(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "项目绩效目标汇总表",
        "单位名称|项目名称|预算数|年度目标|一级指标|二级指标|三级指标|指标值",
        "某局|||300||||",
        "某局|甲|100|完成甲|产出指标|数量指标|人数|1人",
        "||||效益指标|社会效益指标|稳定|稳定",
        "某局|乙|200|完成乙|产出指标|质量指标|合格率|100%",
    };
    harness h;
    harness_init(&h);
    push_all(&h, rows, sizeof rows / sizeof rows[0]);
    fc_doc *doc = finish(&h);
    assert_int_equal(doc->form_count, 2);
    const fc_form *a = doc->forms[0], *b = doc->forms[1];
    assert_null(a->template_id); /* written as the default template's official table */
    assert_string_equal(a->title, "项目绩效目标汇总表");
    assert_string_equal(fc_form_field(a, FC_FIELD_NAME), "甲");
    assert_string_equal(fc_form_field(a, FC_FIELD_IMPLEMENTER), "某局");
    assert_string_equal(fc_form_field(a, FC_FIELD_AMOUNT), "100");
    assert_string_equal(fc_form_field(a, FC_FIELD_GOAL), "完成甲");
    assert_int_equal(a->indicator_count, 2);
    assert_string_equal(a->indicators[1].level1, "效益指标");
    /* The total row stays a note, before the first form. */
    assert_int_equal(a->note_count, 1);
    assert_int_equal(a->notes[0].place, FC_NOTE_BEFORE_TITLE);
    assert_string_equal(fc_form_field(b, FC_FIELD_NAME), "乙");
    assert_int_equal(b->indicator_count, 1);
    fc_doc_free(doc);
    harness_free(&h);
}

/* Two templates that fit a form equally: the form is refused, naming
 * both. */
static void test_template_tie(void **state)
{
    (void)state;
    fc_template *def = NULL, *a = NULL, *b = NULL;
    fc_template_set *set = NULL;
    fc_error err;
    assert_int_equal(fc_template_load_default(&def, &err), FC_OK);
    assert_int_equal(fc_template_set_single(def, &set, &err), FC_OK);
    assert_int_equal(fc_template_load_file(fc_test_path("fixtures/templates/tie-a.xml"), &a,
                                           &err), FC_OK);
    assert_int_equal(fc_template_set_add(set, a, &err), FC_OK);
    assert_int_equal(fc_template_load_file(fc_test_path("fixtures/templates/tie-b.xml"), &b,
                                           &err), FC_OK);
    assert_int_equal(fc_template_set_add(set, b, &err), FC_OK);
    /* The same id twice is refused (and the template freed). */
    fc_template *again = NULL;
    assert_int_equal(fc_template_load_file(fc_test_path("fixtures/templates/tie-b.xml"), &again,
                                           &err), FC_OK);
    assert_int_equal(fc_template_set_add(set, again, &err), FC_ERR_TEMPLATE);
    assert_non_null(strstr(err.message, "tie-b"));
    harness h;
    h.opts = fc_test_options();
    h.opts.templates = set;
    h.opts.tpl = set->items[0];
    h.sink = fc_collector_new();
    assert_int_equal(fc_recognizer_new(&h.opts, h.sink, locate, NULL, &h.rec, &err), FC_OK);
    h.next_row = 0;
    static const char *const rows[] = {
        "部门项目支出预算绩效目标表",
        "项目名称|甲||",
        "一级指标|二级指标|三级指标|绩效值|分值",
        "产出指标|数量指标|人数|1人|10",
    };
    push_all(&h, rows, 4);
    fc_error_clear(&err);
    assert_int_equal(fc_recognizer_finish(h.rec, "sheet", &err), FC_ERR_INPUT);
    assert_string_equal(err.location, "sheet!0!0");
    assert_non_null(strstr(err.message, "fits the templates tie-a"));
    assert_non_null(strstr(err.message, "and tie-b"));
    harness_free(&h);
    fc_template_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_and_merged),
        cmocka_unit_test(test_spanning_header_and_values),
        cmocka_unit_test(test_sheets_and_notes),
        cmocka_unit_test(test_forms_without_titles),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_no_silent_misplacement),
        cmocka_unit_test(test_variant_parts),
        cmocka_unit_test(test_flat_list),
        cmocka_unit_test(test_template_tie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
