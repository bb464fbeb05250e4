/*
 * test_target.c - the target value grammar (src/fc_target.h): every notation
 * the issue lists, the grammar's edges, and the number helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fc_target.h"

/* One expected reading of a target text. */
typedef struct target_case {
    const char *text;      /* the target as written */
    fc_target_kind kind;   /* expected kind */
    const char *cmp;       /* expected computesign ("" unless quantitative) */
    const char *number;    /* expected indexval ("" unless quantitative) */
    const char *unit;      /* expected meterunit ("" when none) */
    bool written;          /* an operator or qualifier was written */
} target_case;

#define Q FC_TARGET_QUANTITATIVE
#define L FC_TARGET_QUALITATIVE
#define U FC_TARGET_UNPARSED
#define E FC_TARGET_EMPTY
#define GE "\xE2\x89\xA5"
#define LE "\xE2\x89\xA4"

/* Checks a table of cases, naming the failing text. */
static void check_cases(const target_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const target_case *c = &cases[i];
        fc_target t;
        fc_target_parse(c->text, strlen(c->text), &t);
        if (t.kind != c->kind || strcmp(fc_target_cmp_symbol(t.cmp), c->cmp) != 0 ||
            strcmp(t.number, c->number) != 0 || strcmp(t.unit, c->unit) != 0 ||
            t.cmp_written != c->written) {
            print_error("target \"%s\": got %s \"%s\" \"%s\" \"%s\" written=%d, expected %s "
                        "\"%s\" \"%s\" \"%s\" written=%d\n",
                        c->text, fc_target_kind_name(t.kind), fc_target_cmp_symbol(t.cmp),
                        t.number, t.unit, t.cmp_written, fc_target_kind_name(c->kind), c->cmp,
                        c->number, c->unit, c->written);
            fail();
        }
    }
}

/* Every notation the issue names, exactly as written there. */
static void test_issue_notations(void **state)
{
    (void)state;
    static const target_case cases[] = {
        {"大于等于 90%", Q, GE, "90", "%", true},
        {"大于90%", Q, ">", "90", "%", true},
        {"大于 90%", Q, ">", "90", "%", true},
        {"≥95%", Q, GE, "95", "%", true},
        {">=17600株", Q, GE, "17600", "株", true},
        {"90%以上", Q, GE, "90", "%", true},
        {"1100 件以上", Q, GE, "1100", "件", true},
        {"600 件以上", Q, GE, "600", "件", true},
        {"不低于85%", Q, GE, "85", "%", true},
        {"不超过", U, "", "", "", false},   /* an operator without a value */
        {"≤65万元", Q, LE, "65", "万元", true},
        {"＝100%", Q, "=", "100", "%", true},
        {"=11个", Q, "=", "11", "个", true},
        {"22 人", Q, "=", "22", "人", false},
        {"100%", Q, "=", "100", "%", false},
        {"2024 年", Q, "=", "2024", "年", false},
        {"71.9 万元", Q, "=", "71.9", "万元", false},
        {"190 万", Q, "=", "190", "万", false},
        {"良好", L, "", "", "", false},
        {"优良", L, "", "", "", false},
        {"达成预期指标", L, "", "", "", false},
        {"不超预算", L, "", "", "", false},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Operator words and symbols, ASCII and fullwidth, and the qualifiers. */
static void test_operators_and_qualifiers(void **state)
{
    (void)state;
    static const target_case cases[] = {
        {"大于或等于90%", Q, GE, "90", "%", true},
        {"不少于 3 次", Q, GE, "3", "次", true},
        {"至少5场", Q, GE, "5", "场", true},
        {"达到95%", Q, GE, "95", "%", true},
        {"＞＝95％", Q, GE, "95", "%", true},
        {"⩾ 80 分", Q, GE, "80", "分", true},
        {"高于60%", Q, ">", "60", "%", true},
        {"超过 10 户", Q, ">", "10", "户", true},
        {"＞3", Q, ">", "3", "", true},
        {"小于等于5天", Q, LE, "5", "天", true},
        {"不高于 2%", Q, LE, "2", "%", true},
        {"不超过30个工作日", Q, LE, "30", "个工作日", true},
        {"<=0.5‰", Q, LE, "0.5", "‰", true},
        {"小于1%", Q, "<", "1", "%", true},
        {"低于 5 起", Q, "<", "5", "起", true},
        {"＜10", Q, "<", "10", "", true},
        {"等于 1 项", Q, "=", "1", "项", true},
        {"95%及以上", Q, GE, "95", "%", true},
        {"3 次 以上", Q, GE, "3", "次", true},
        {"5%以下", Q, LE, "5", "%", true},
        {"65万元以内", Q, LE, "65", "万元", true},
        {"30个工作日内", Q, LE, "30", "个工作日", true},
        {"≥90%以上", Q, GE, "90", "%", true},        /* operator and qualifier agree */
        {"大于90%以上", U, "", "", "", false},       /* they disagree: not guessed */
        {"≤5%以上", U, "", "", "", false},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Numbers: decimals, grouping, fullwidth digits, signs, and their limits. */
static void test_numbers(void **state)
{
    (void)state;
    static const target_case cases[] = {
        {"17,600株", Q, "=", "17600", "株", false},
        {"1,234,567.25 元", Q, "=", "1234567.25", "元", false},
        {"１２，０００人", Q, "=", "12000", "人", false},
        {"９０．５％", Q, "=", "90.5", "%", false},
        {"≤-5%", Q, LE, "-5", "%", true},
        {"−3℃", Q, "=", "-3", "℃", false},
        {"0.00", Q, "=", "0.00", "", false},
        {"1,2个", U, "", "", "", false},             /* not a grouping in threes */
        {"1234,567", U, "", "", "", false},
        {"90.", U, "", "", "", false},
        {".5", U, "", "", "", false},
        {"1.5.2", U, "", "", "", false},
        {"12345678901234567890", Q, "=", "12345678901234567890", "", false},
        {"123456789012345678901", U, "", "", "", false}, /* more than 20 digits */
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Units: words, signs, and what is not a unit. */
static void test_units(void **state)
{
    (void)state;
    static const target_case cases[] = {
        {"500㎡", Q, "=", "500", "㎡", false},
        {"200 元/人", Q, "=", "200", "元/人", false},
        {"3 km", Q, "=", "3", "km", false},
        {"3 ｋｍ", Q, "=", "3", "km", false},         /* fullwidth letters folded */
        {"25℃", Q, "=", "25", "℃", false},
        {"10 平方米", Q, "=", "10", "平方米", false},
        {"2 个工作日", Q, "=", "2", "个工作日", false},
        {"100%完成", U, "", "", "", false},          /* % only on its own */
        {"90%，良好", U, "", "", "", false},         /* punctuation in the unit */
        {"1-2个", U, "", "", "", false},             /* a second number */
        {"1 年 2 月", U, "", "", "", false},
        {"5 个 月", U, "", "", "", false},           /* space inside the unit */
        {"3 abcdefghi", U, "", "", "", false},       /* longer than 8 characters */
        {"100%（含）", U, "", "", "", false},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Qualitative words, text that is never guessed, blanks. */
static void test_qualitative_unparsed_empty(void **state)
{
    (void)state;
    static const target_case cases[] = {
        {"效果明显", L, "", "", "", false},
        {"第一季度", L, "", "", "", false},          /* Chinese numerals are words */
        {"大于预期", L, "", "", "", false},
        {"Good", L, "", "", "", false},
        {"  良好\xE3\x80\x80", L, "", "", "", false}, /* ideographic space trimmed */
        {"约90%", U, "", "", "", false},
        {"±5%", U, "", "", "", false},
        {"完成率≥90%", U, "", "", "", false},        /* text before the operator */
        {"≥90%且≤100%", U, "", "", "", false},
        {"2024年12月31日前", U, "", "", "", false},
        {"≥", U, "", "", "", false},
        {"以上", U, "", "", "", false},
        {"——", U, "", "", "", false},                /* punctuation only */
        {"/", U, "", "", "", false},
        {"", E, "", "", "", false},
        {" \t ", E, "", "", "", false},
        {"\xE3\x80\x80", E, "", "", "", false},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Invalid UTF-8 and NULL never crash and are never quantitative. */
static void test_invalid_input(void **state)
{
    (void)state;
    fc_target t;
    fc_target_parse("90\xFF%", 4, &t);
    assert_int_equal(t.kind, FC_TARGET_UNPARSED);
    fc_target_parse("\xE5\xA4", 2, &t);
    assert_int_equal(t.kind, FC_TARGET_UNPARSED);
    fc_target_parse(NULL, 0, &t);
    assert_int_equal(t.kind, FC_TARGET_EMPTY);
    /* A long qualitative text is still read (no folding limit applies). */
    char longtext[3 * 400 + 1];
    for (int i = 0; i < 400; i++)
        memcpy(longtext + 3 * i, "好", 3);
    longtext[1200] = '\0';
    fc_target_parse(longtext, 1200, &t);
    assert_int_equal(t.kind, FC_TARGET_QUALITATIVE);
    longtext[600] = '9';
    fc_target_parse(longtext, 1200, &t);
    assert_int_equal(t.kind, FC_TARGET_UNPARSED);
}

/* fc_target_number, fc_decimal_canonical and fc_decimal_equal. */
static void test_number_helpers(void **state)
{
    (void)state;
    char out[FC_TARGET_NUMBER_MAX];
    assert_true(fc_target_number("71.900000", 9, out, sizeof out));
    assert_string_equal(out, "71.900000");
    const char *spaced = " １,２３４.５\xE3\x80\x80";
    assert_true(fc_target_number(spaced, strlen(spaced), out, sizeof out));
    assert_string_equal(out, "1234.5");
    assert_false(fc_target_number("71.9万元", strlen("71.9万元"), out, sizeof out));
    assert_false(fc_target_number("", 0, out, sizeof out));
    assert_false(fc_target_number("-", 1, out, sizeof out));
    assert_false(fc_target_number("1", 1, out, 4)); /* buffer too small */

    static const char *const canon[][2] = {
        {"71.900000", "71.9"}, {"8.000000", "8"}, {"0100", "100"}, {"-0.0", "0"},
        {"0.50", "0.5"},       {"-007.250", "-7.25"}, {"0", "0"},
    };
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        assert_true(fc_decimal_canonical(canon[i][0], out, sizeof out));
        assert_string_equal(out, canon[i][1]);
    }
    assert_false(fc_decimal_canonical("1.", out, sizeof out));
    assert_false(fc_decimal_canonical("abc", out, sizeof out));
    assert_false(fc_decimal_canonical("1e5", out, sizeof out));
    assert_false(fc_decimal_canonical("123456", out, 4));

    assert_true(fc_decimal_equal("90", "90.0"));
    assert_true(fc_decimal_equal("-0", "0.000"));
    assert_true(fc_decimal_equal("007.10", "7.1"));
    assert_false(fc_decimal_equal("1", "10"));
    assert_false(fc_decimal_equal("-1", "1"));
    assert_false(fc_decimal_equal("1.05", "1.5"));
    assert_false(fc_decimal_equal("x", "x"));
}

/* Names and symbols go both ways. */
static void test_names(void **state)
{
    (void)state;
    static const fc_target_kind kinds[] = {FC_TARGET_EMPTY, FC_TARGET_QUANTITATIVE,
                                           FC_TARGET_QUALITATIVE, FC_TARGET_UNPARSED};
    for (size_t i = 0; i < 4; i++) {
        fc_target_kind k;
        assert_true(fc_target_kind_parse(fc_target_kind_name(kinds[i]), &k));
        assert_int_equal(k, kinds[i]);
    }
    fc_target_kind k;
    assert_false(fc_target_kind_parse("numeric", &k));
    static const fc_target_cmp cmps[] = {FC_CMP_EQ, FC_CMP_GT, FC_CMP_GE, FC_CMP_LT, FC_CMP_LE};
    for (size_t i = 0; i < 5; i++) {
        fc_target_cmp c;
        assert_true(fc_target_cmp_parse(fc_target_cmp_symbol(cmps[i]), &c));
        assert_int_equal(c, cmps[i]);
    }
    fc_target_cmp c;
    assert_true(fc_target_cmp_parse(">=", &c));
    assert_int_equal(c, FC_CMP_GE);
    assert_true(fc_target_cmp_parse("<=", &c));
    assert_int_equal(c, FC_CMP_LE);
    assert_false(fc_target_cmp_parse("", &c));
    assert_false(fc_target_cmp_parse("==", &c));
    assert_string_equal(fc_target_cmp_symbol(FC_CMP_NONE), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_notations),
        cmocka_unit_test(test_operators_and_qualifiers),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_qualitative_unparsed_empty),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_number_helpers),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
