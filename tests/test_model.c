/*
 * test_model.c - the form model, code/name splitting, the arena and the
 * UTF-8 helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fc_arena.h"
#include "fc_model.h"
#include "fc_utf8.h"
#include "support.h"

/* One case of code splitting: the text, and what should come out. */
typedef struct split_case {
    const char *text;       /* input */
    fc_code_style style;    /* expected style */
    const char *code;       /* expected code (NULL for none) */
    const char *name;       /* expected name */
} split_case;

static void test_code_split_and_join(void **state)
{
    (void)state;
    static const split_case cases[] = {
        {"0101-一年期项目", FC_CODE_DASH, "0101", "一年期项目"},
        {"04-行政社保股", FC_CODE_DASH, "04", "行政社保股"},
        {"1-产出指标", FC_CODE_DASH, "1", "产出指标"},
        {"11-数量指标", FC_CODE_DASH, "11", "数量指标"},
        {"[812]名称", FC_CODE_BRACKET, "812", "名称"},
        {"【812033】名称", FC_CODE_LENTICULAR, "812033", "名称"},
        {"[812]", FC_CODE_BRACKET, "812", ""},
        {"A01-专项", FC_CODE_DASH, "A01", "专项"},
        /* Not codes: kept whole as the name. */
        {"产出指标", FC_CODE_NONE, NULL, "产出指标"},
        {"2024年重点乡村村干部生活补助", FC_CODE_NONE, NULL, "2024年重点乡村村干部生活补助"},
        {"1-", FC_CODE_NONE, NULL, "1-"},
        {"-产出", FC_CODE_NONE, NULL, "-产出"},
        {"ABC-名称", FC_CODE_NONE, NULL, "ABC-名称"},
        {"1 - 产出指标", FC_CODE_NONE, NULL, "1 - 产出指标"},
        {"[8 12]名称", FC_CODE_NONE, NULL, "[8 12]名称"},
        {"【812033名称", FC_CODE_NONE, NULL, "【812033名称"},
        {"123456789012345678901234567890123-x", FC_CODE_NONE, NULL,
         "123456789012345678901234567890123-x"},
        {"", FC_CODE_NONE, NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const split_case *c = &cases[i];
        fc_coded parts;
        fc_code_split(c->text, strlen(c->text), &parts);
        assert_int_equal(parts.style, c->style);
        if (c->code) {
            assert_int_equal(parts.code_len, strlen(c->code));
            assert_memory_equal(parts.code, c->code, parts.code_len);
        } else {
            assert_null(parts.code);
        }
        assert_int_equal(parts.name_len, strlen(c->name));
        assert_memory_equal(parts.name, c->name, parts.name_len);
        /* The inverse gives the text back exactly. */
        char buf[128];
        size_t n = fc_code_join(&parts, buf, sizeof buf);
        assert_int_equal(n, strlen(c->text));
        assert_string_equal(buf, c->text);
    }
    /* Joining into a short buffer reports the full length and truncates. */
    fc_coded parts;
    fc_code_split("0101-一年期项目", strlen("0101-一年期项目"), &parts);
    char small[6];
    assert_int_equal(fc_code_join(&parts, small, sizeof small), strlen("0101-一年期项目"));
    assert_string_equal(small, "0101-");
    fc_code_style style;
    assert_true(fc_code_style_parse("lenticular", &style));
    assert_int_equal(style, FC_CODE_LENTICULAR);
    assert_false(fc_code_style_parse("round", &style));
}

static void test_form_building(void **state)
{
    (void)state;
    fc_form *form = fc_form_new();
    assert_non_null(form);
    assert_int_equal(fc_form_set_title(form, "部门项目支出预算绩效目标表", strlen("部门项目支出预算绩效目标表")), FC_OK);
    assert_int_equal(fc_form_add_field(form, FC_FIELD_NAME, "项目名称", strlen("项目名称"), "甲", strlen("甲"), false), FC_OK);
    assert_int_equal(fc_form_add_field(form, FC_FIELD_OTHER, "项目编码", strlen("项目编码"), "007", 3, false), FC_OK);
    assert_int_equal(fc_form_add_field(form, FC_FIELD_AMOUNT, "项目年度金额", strlen("项目年度金额"), "71.900000", 9, true), FC_OK);
    assert_string_equal(fc_form_field(form, FC_FIELD_NAME), "甲");
    assert_string_equal(fc_form_field(form, FC_FIELD_AMOUNT), "71.900000");
    assert_null(fc_form_field(form, FC_FIELD_GOAL));
    assert_null(fc_form_field(form, FC_FIELD_OTHER));
    assert_string_equal(form->fields[1].value, "007");

    fc_column cols[] = {{FC_COL_LEVEL1, "一级指标", NULL}, {FC_COL_LEVEL2, "二级指标", NULL},
                        {FC_COL_NAME, "三级指标", NULL}, {FC_COL_TARGET, "绩效值", NULL}};
    assert_int_equal(fc_form_set_columns(form, cols, 4), FC_OK);
    assert_int_equal(form->extra_count, 0);
    assert_int_equal(fc_form_add_indicator(form, "1-产出指标", "11-数量指标", "人数", "22 人", NULL), FC_OK);
    assert_int_equal(fc_form_add_indicator(form, "1-产出指标", "12-质量指标", NULL, NULL, NULL), FC_OK);
    assert_string_equal(form->indicators[1].name, "");
    /* Columns are fixed once indicators exist, except extra columns. */
    assert_int_equal(fc_form_set_columns(form, cols, 4), FC_ERR_INTERNAL);
    assert_int_equal(fc_form_insert_column(form, 4, FC_COL_TARGET, "x", 1), FC_ERR_INTERNAL);
    assert_int_equal(fc_form_insert_column(form, 3, FC_COL_EXTRA, "度量单位", strlen("度量单位")), FC_OK);
    assert_int_equal(form->column_count, 5);
    assert_int_equal(form->extra_count, 1);
    assert_int_equal(form->columns[3].key, FC_COL_EXTRA);
    assert_int_equal(form->columns[4].key, FC_COL_TARGET);
    assert_string_equal(form->indicators[0].extra[0], "");
    const char *extra[] = {"人"};
    assert_int_equal(fc_form_add_indicator(form, "2-效益指标", "", "x", "1", extra), FC_OK);
    assert_string_equal(form->indicators[2].extra[0], "人");
    assert_int_equal(fc_form_column_index(form, FC_COL_TARGET), 4);
    assert_int_equal(fc_form_column_index(form, FC_COL_EXTRA), 3);

    const char *note[] = {"填报人：张三", "", "联系电话：1"};
    assert_int_equal(fc_form_add_note(form, FC_NOTE_AFTER_TABLE, 0, note, 3), FC_OK);
    assert_int_equal(fc_form_add_note(form, FC_NOTE_AFTER_TABLE, 0, note, 0), FC_ERR_INTERNAL);

    /* A deep copy is equal and independent. */
    fc_form *copy = fc_form_new();
    assert_int_equal(fc_form_copy(copy, form), FC_OK);
    assert_true(fc_form_equal(copy, form));
    fc_form_free(form);
    assert_string_equal(copy->notes[0].cells[2], "联系电话：1");
    assert_string_equal(copy->indicators[2].extra[0], "人");

    /* Any difference is seen. */
    fc_form *other = fc_form_new();
    assert_int_equal(fc_form_copy(other, copy), FC_OK);
    assert_int_equal(fc_form_set_unit(other, "单位：元", strlen("单位：元")), FC_OK);
    assert_false(fc_form_equal(copy, other));
    fc_form_reset(other);
    assert_int_equal(other->field_count, 0);
    assert_null(other->title);
    fc_form_free(other);
    fc_form_free(copy);
}

static void test_document(void **state)
{
    (void)state;
    fc_doc *doc = fc_doc_new();
    assert_non_null(doc);
    assert_int_equal(fc_doc_set_attachment(doc, "附件 2", strlen("附件 2")), FC_OK);
    assert_string_equal(doc->attachment, "附件 2");
    for (int i = 0; i < 40; i++)
        assert_int_equal(fc_doc_add_form(doc, fc_form_new()), FC_OK);
    assert_int_equal(doc->form_count, 40);
    assert_int_equal(fc_doc_set_attachment(doc, NULL, 0), FC_OK);
    assert_null(doc->attachment);
    fc_doc_free(doc);
}

static void test_arena(void **state)
{
    (void)state;
    fc_arena arena;
    fc_arena_init(&arena, 100000);
    char *a = fc_arena_strndup(&arena, "abc", 3);
    assert_string_equal(a, "abc");
    /* A large block gets its own chunk; small ones keep coming from the first. */
    void *big = fc_arena_alloc(&arena, 50000);
    assert_non_null(big);
    memset(big, 1, 50000);
    char *b = fc_arena_strndup(&arena, "de", 2);
    assert_string_equal(b, "de");
    /* The limit is enforced. */
    assert_null(fc_arena_alloc(&arena, 60000));
    fc_arena_reset(&arena);
    assert_int_equal(arena.used, 0);
    assert_non_null(fc_arena_alloc(&arena, 60000));
    fc_arena_free(&arena);
}

static void test_utf8(void **state)
{
    (void)state;
    const unsigned char bad[] = {'a', 0xE4, 0xB8, 'b'};
    assert_int_equal(fc_utf8_valid_prefix(bad, sizeof bad), 1);
    const unsigned char overlong[] = {0xC0, 0xAF};
    assert_int_equal(fc_utf8_valid_prefix(overlong, 2), 0);
    const unsigned char surrogate[] = {0xED, 0xA0, 0x80};
    assert_int_equal(fc_utf8_valid_prefix(surrogate, 3), 0);
    const char *mixed = "大于等于 90%";
    assert_int_equal(fc_utf8_valid_prefix((const unsigned char *)mixed, strlen(mixed)),
                     strlen(mixed));
    assert_int_equal(fc_utf8_length(mixed, strlen(mixed)), 8);
    /* Display width: CJK counts two. */
    assert_int_equal(fc_utf8_width(mixed, strlen(mixed)), 12);
    assert_int_equal(fc_utf8_width("ＡＢ", strlen("ＡＢ")), 4);
    char out[64];
    assert_int_equal(fc_utf8_squeeze("项 目　名称：", strlen("项 目　名称："), out, sizeof out),
                     strlen("项目名称"));
    assert_string_equal(out, "项目名称");
    assert_int_equal(fc_utf8_squeeze("abc:", 4, out, sizeof out), 3);
    assert_int_equal(fc_utf8_squeeze("abcdef", 6, out, 4), (size_t)-1);
    assert_true(fc_utf8_is_blank(" \t　", strlen(" \t　")));
    assert_false(fc_utf8_is_blank(" x", 2));
    const char *t = "　 良好 ";
    size_t n = strlen(t);
    fc_utf8_trim(&t, &n);
    assert_int_equal(n, strlen("良好"));
    assert_memory_equal(t, "良好", n);
    assert_true(fc_char_allowed('\t'));
    assert_false(fc_char_allowed(0x01));
    assert_false(fc_char_allowed(0x85));
    assert_false(fc_char_allowed(0xFFFE));
    unsigned char enc[4];
    assert_int_equal(fc_utf8_encode(0x20000, enc), 4);
    assert_int_equal(fc_utf8_encode(0xD800, enc), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_split_and_join),
        cmocka_unit_test(test_form_building),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
