/*
 * test_template.c - the built-in form template, templates users bring, and
 * broken templates refused with their location.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_template.h"
#include "support.h"

static void test_default_template(void **state)
{
    (void)state;
    fc_template *tpl = NULL;
    fc_error err;
    assert_int_equal(fc_template_load_default(&tpl, &err), FC_OK);
    assert_string_equal(tpl->title, "部门项目支出预算绩效目标表");
    assert_string_equal(tpl->attachment, "附件 2");
    assert_string_equal(tpl->unit, "单位：万元");
    assert_int_equal(tpl->column_count, 4);
    assert_string_equal(fc_template_column_header(tpl, FC_COL_TARGET), "绩效值");
    assert_string_equal(fc_template_label(tpl, FC_FIELD_DIVISION), "项目主管处室");
    /* Default rows of the header: name alone, then pairs, the goal alone. */
    assert_int_equal(tpl->field_count, 8);
    assert_int_equal(tpl->fields[0].row, 0);
    assert_int_equal(tpl->fields[1].row, 1);
    assert_int_equal(tpl->fields[2].row, 1);
    assert_int_equal(tpl->fields[7].row, 4);
    assert_string_equal(tpl->fonts[FC_ROLE_TITLE].name, "黑体");
    assert_string_equal(tpl->fonts[FC_ROLE_VALUE].name, "宋体");
    assert_true(tpl->fonts[FC_ROLE_COLUMN_HEADER].bold);
    /* Labels match without spaces and colons, aliases included. */
    fc_field_key key;
    assert_true(fc_template_match_label(tpl, "项 目 名 称：", strlen("项 目 名 称："), &key));
    assert_int_equal(key, FC_FIELD_NAME);
    assert_true(fc_template_match_label(tpl, "主管处室", strlen("主管处室"), &key));
    assert_int_equal(key, FC_FIELD_DIVISION);
    assert_true(fc_template_match_label(tpl, "资金来源", strlen("资金来源"), &key));
    assert_int_equal(key, FC_FIELD_OTHER);
    assert_false(fc_template_match_label(tpl, "司法协理员人数", strlen("司法协理员人数"), &key));
    fc_column_key col;
    assert_true(fc_template_match_column(tpl, "指标值", strlen("指标值"), &col));
    assert_int_equal(col, FC_COL_TARGET);
    assert_true(fc_template_match_column(tpl, "度量单位", strlen("度量单位"), &col));
    assert_int_equal(col, FC_COL_EXTRA);
    assert_true(fc_template_is_category(tpl, 1, "1-产出指标", strlen("1-产出指标")));
    assert_true(fc_template_is_category(tpl, 2, "经济效益指标", strlen("经济效益指标")));
    assert_true(fc_template_is_category(tpl, 2, "【21】经济效益", strlen("【21】经济效益")));
    assert_false(fc_template_is_category(tpl, 1, "人数", strlen("人数")));
    fc_template_free(tpl);
}

static void test_custom_template(void **state)
{
    (void)state;
    fc_template *tpl = NULL;
    fc_error err;
    assert_int_equal(fc_template_load_file(fc_test_path("fixtures/templates/custom-template.xml"),
                                           &tpl, &err), FC_OK);
    const char *dump = "项目绩效目标申报表\n"
                       "项目全名\t甲\t\t\n"
                       "一级指标\t二级指标\t三级指标\t目标值\n"
                       "1-产出指标\t11-数量指标\t人数\t1 人\n";
    fc_options opts = fc_test_options();
    opts.tpl = tpl;
    opts.templates = NULL; /* forced on every form */
    fc_doc *doc = NULL;
    assert_int_equal(fc_test_read_doc("text", dump, strlen(dump), "c.txt", &opts, &doc, &err),
                     FC_OK);
    assert_string_equal(doc->forms[0]->title, "项目绩效目标申报表");
    assert_string_equal(fc_form_field(doc->forms[0], FC_FIELD_NAME), "甲");
    assert_int_equal(doc->forms[0]->columns[3].key, FC_COL_TARGET);
    fc_doc_free(doc);
    /* The default template does not know the label: it keeps it as it came. */
    assert_int_equal(fc_test_read_doc("text", dump, strlen(dump), "c.txt", NULL, &doc, &err),
                     FC_OK);
    assert_null(fc_form_field(doc->forms[0], FC_FIELD_NAME));
    assert_int_equal(doc->forms[0]->fields[0].key, FC_FIELD_OTHER);
    assert_string_equal(doc->forms[0]->fields[0].label, "项目全名");
    fc_doc_free(doc);
    fc_template_free(tpl);
}

/* A broken template: its file, the location and words the error names. */
static void expect_broken(const char *file, const char *location, const char *words)
{
    char path[256];
    snprintf(path, sizeof path, "fixtures/templates/%s", file);
    const char *full = fc_test_path(path);
    fc_template *tpl = NULL;
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_template_load_file(full, &tpl, &err), FC_ERR_TEMPLATE);
    assert_null(tpl);
    char want[4200];
    snprintf(want, sizeof want, "%s%s", full, location);
    assert_string_equal(err.location, want);
    if (!strstr(err.message, words))
        fail_msg("%s: message \"%s\" lacks \"%s\"", file, err.message, words);
}

static void test_broken_templates(void **state)
{
    (void)state;
    expect_broken("bad-malformed.xml", ":4", "Premature end of data");
    expect_broken("bad-doctype.xml", ":2", "a DOCTYPE is not allowed");
    expect_broken("bad-schema.xml", ":16", "'text' is required");
    expect_broken("bad-attribute.xml", ":54", "'extra' is not allowed");
    expect_broken("bad-missing-name.xml", "", "no field \"name\"");
    fc_template *tpl = NULL;
    fc_error err;
    assert_int_equal(fc_template_load_file(fc_test_path("fixtures/templates/none.xml"), &tpl,
                                           &err), FC_ERR_READ);
    assert_int_equal(fc_template_load_memory("", 0, "empty.xml", &tpl, &err), FC_ERR_TEMPLATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_template),
        cmocka_unit_test(test_custom_template),
        cmocka_unit_test(test_broken_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
