/*
 * test_xml.c - the portal XML format (converters/xml.c): golden output for
 * the seed, round trips through text, XML written by another tool, layout
 * hints, derived attributes, hostile inputs, limits, `validate`, the content
 * sniffer and the command line. Every XML this program writes is also
 * checked with `xmllint --noout --schema templates/formconv-forms-1.xsd`.
 */
#define _GNU_SOURCE
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fc_converter.h"
#include "fc_registry.h"
#include "support.h"

#define SCHEMA "templates/formconv-forms-1.xsd"
#define NS "urn:formconv:budget-target-forms:1"

/* ---- helpers ---------------------------------------------------------- */

/* Reads a fixture of the source tree; fails the test when it is missing. */
static char *fixture(const char *relative, size_t *len)
{
    char *data = fc_test_read_file(fc_test_path(relative), len);
    if (!data)
        fail_msg("missing fixture %s", relative);
    return data;
}

/* The canonical text of fixtures/seed.txt: what the text writer makes of
 * it (the dump without its leading blank lines, with a final newline). */
static char *canonical_seed(size_t *len)
{
    size_t n;
    char *raw = fixture("fixtures/seed.txt", &n);
    const char *body = raw;
    while (*body == '\n' || *body == '\r')
        body++;
    size_t body_len = strlen(body);
    char *out = malloc(body_len + 2);
    assert_non_null(out);
    memcpy(out, body, body_len);
    if (body_len == 0 || out[body_len - 1] != '\n')
        out[body_len++] = '\n';
    out[body_len] = '\0';
    *len = body_len;
    assert_true(n > body_len); /* the seed starts with blank lines */
    free(raw);
    return out;
}

/* The shared comparison (tests/support.h). */
#define assert_same_bytes fc_test_assert_same_bytes

/* Checks XML bytes with xmllint against the schema file. */
static void assert_schema_valid(const char *xml, size_t len, const char *what)
{
    char dir[4096], path[4200], schema[4096];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    snprintf(path, sizeof path, "%s/%s.xml", dir, what);
    snprintf(schema, sizeof schema, "%s", fc_test_path(SCHEMA));
    assert_true(fc_test_write_file(path, xml, len));
    const char *argv[] = {"/usr/bin/xmllint", "--noout", "--schema", schema, path, NULL};
    char *err = NULL;
    int status = fc_test_run(argv, NULL, NULL, &err);
    if (status != 0)
        fail_msg("xmllint rejects %s (exit %d): %s", what, status, err ? err : "");
    free(err);
    unlink(path);
    rmdir(dir);
}

/* Converts in memory and fails on error. */
static char *convert_ok(const char *from, const char *to, const char *input, size_t len,
                        const char *name, const fc_options *opts, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_convert(from, to, input, len, name, opts, &out, out_len, &err);
    if (st)
        fail_msg("%s -> %s of %s failed: %s: %s", from, to, name, err.location, err.message);
    return out;
}

/* Writes a held document as XML into memory (NULL on failure). */
static char *write_xml(const fc_doc *doc, const fc_options *opts, size_t *len, fc_error *err,
                       fc_status *status)
{
    char *out = NULL;
    *status = fc_test_write_doc("xml", doc, opts, &out, len, err);
    return out;
}

/* Warnings seen during one read. */
typedef struct warnings {
    int count;          /* how many */
    fc_error first;     /* the first */
    fc_error last;      /* the last */
} warnings;

/* Warning receiver for fc_options.warn. */
static void on_warning(void *ctx, const fc_error *w)
{
    warnings *ws = ctx;
    if (ws->count++ == 0)
        ws->first = *w;
    ws->last = *w;
}

/* Reads XML expecting failure; returns the status and fills `err`. The
 * output must not exist. */
static fc_status read_fails(const char *input, size_t len, const char *name,
                            const fc_options *opts, fc_error *err)
{
    char *out = NULL;
    size_t out_len = 0;
    fc_error_clear(err);
    fc_status st = fc_test_convert("xml", "text", input, len, name, opts, &out, &out_len, err);
    assert_int_not_equal(st, FC_OK);
    assert_null(out);
    return st;
}

/* Asserts that `haystack` contains `needle`. */
static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* ---- the seed ----------------------------------------------------------- */

/* The seed as XML is the golden file, and xmllint accepts it. */
static void test_seed_golden(void **state)
{
    (void)state;
    size_t text_len, golden_len, xml_len;
    char *text = fixture("fixtures/seed.txt", &text_len);
    char *golden = fixture("fixtures/xml/seed.xml", &golden_len);
    char *xml = convert_ok("text", "xml", text, text_len, "seed.txt", NULL, &xml_len);
    assert_same_bytes(xml, xml_len, golden, golden_len, "seed-golden");
    assert_schema_valid(xml, xml_len, "seed");
    /* Same input, same bytes. */
    size_t again_len;
    char *again = convert_ok("text", "xml", text, text_len, "seed.txt", NULL, &again_len);
    assert_same_bytes(again, again_len, xml, xml_len, "seed-again");
    free(again);
    free(xml);
    free(golden);
    free(text);
}

/* text -> XML -> text gives the seed's canonical text byte for byte, and
 * XML -> text -> XML gives the XML byte for byte. */
static void test_seed_round_trips(void **state)
{
    (void)state;
    size_t golden_len, canon_len, text_len, xml_len;
    char *golden = fixture("fixtures/xml/seed.xml", &golden_len);
    char *canon = canonical_seed(&canon_len);
    char *text = convert_ok("xml", "text", golden, golden_len, "seed.xml", NULL, &text_len);
    assert_same_bytes(text, text_len, canon, canon_len, "seed-xml-to-text");
    char *xml = convert_ok("text", "xml", text, text_len, "seed-canonical.txt", NULL, &xml_len);
    assert_same_bytes(xml, xml_len, golden, golden_len, "seed-text-to-xml");
    free(xml);
    free(text);
    free(canon);
    free(golden);
}

/* The seed's model survives XML: every form equal, the attachment kept, the
 * empty second-level categories kept as rows. */
static void test_seed_model(void **state)
{
    (void)state;
    size_t text_len, golden_len;
    char *text = fixture("fixtures/seed.txt", &text_len);
    char *golden = fixture("fixtures/xml/seed.xml", &golden_len);
    fc_doc *from_text = NULL, *from_xml = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("text", text, text_len, "seed.txt", NULL, &from_text, &err),
                     FC_OK);
    assert_int_equal(fc_test_read_doc("xml", golden, golden_len, "seed.xml", NULL, &from_xml, &err),
                     FC_OK);
    assert_int_equal(from_xml->form_count, 9);
    assert_int_equal(from_text->form_count, from_xml->form_count);
    assert_string_equal(from_xml->attachment, "附件 2");
    for (size_t i = 0; i < from_xml->form_count; i++)
        assert_true(fc_form_equal(from_text->forms[i], from_xml->forms[i]));
    const fc_form *first = from_xml->forms[0];
    assert_string_equal(first->origin, "seed.xml:5");
    /* 21-经济效益 has no indicator and is still a row. */
    bool found = false;
    for (size_t i = 0; i < first->indicator_count; i++)
        if (strcmp(first->indicators[i].level2, "21-经济效益") == 0) {
            assert_string_equal(first->indicators[i].name, "");
            assert_string_equal(first->indicators[i].target, "");
            found = true;
        }
    assert_true(found);
    fc_doc_free(from_text);
    fc_doc_free(from_xml);
    free(golden);
    free(text);
}

/* A richer dump (extra fields and columns, codes in brackets, quoted cells
 * with line breaks, notes, empty categories) keeps its canonical text
 * through XML, and its XML through text. */
static void test_variant_round_trips(void **state)
{
    (void)state;
    size_t text_len, golden_len, canon_len, xml_len, back_len, xml2_len;
    char *text = fixture("fixtures/xml/variant.txt", &text_len);
    char *golden = fixture("fixtures/xml/variant.xml", &golden_len);
    char *canon = convert_ok("text", "text", text, text_len, "variant.txt", NULL, &canon_len);
    char *xml = convert_ok("text", "xml", text, text_len, "variant.txt", NULL, &xml_len);
    assert_same_bytes(xml, xml_len, golden, golden_len, "variant-golden");
    assert_schema_valid(xml, xml_len, "variant");
    char *back = convert_ok("xml", "text", xml, xml_len, "variant.xml", NULL, &back_len);
    assert_same_bytes(back, back_len, canon, canon_len, "variant-xml-to-text");
    char *xml2 = convert_ok("text", "xml", back, back_len, "variant2.txt", NULL, &xml2_len);
    assert_same_bytes(xml2, xml2_len, xml, xml_len, "variant-text-to-xml");
    free(xml2);
    free(back);
    free(xml);
    free(canon);
    free(golden);
    free(text);
}

/* ---- unit lines: the document's and the forms' ------------------------------ */

/* Every text dump among the fixtures (the seed, fixtures/text, the variant,
 * the dumps the XLSX reader tests expect; not the broken ones of
 * fixtures/bad, nor fixtures/xlsx, which describes workbooks) keeps its
 * canonical text through XML and its XML through text, and reads from the
 * XML to the same forms, unit lines included. */
static void test_text_fixtures_round_trip(void **state)
{
    (void)state;
    static const char *const patterns[] = {"fixtures/*.txt", "fixtures/text/*.txt",
                                           "fixtures/xml/*.txt", "fixtures/xlsx-in/*.txt"};
    glob_t found;
    memset(&found, 0, sizeof found);
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char pattern[4096];
        snprintf(pattern, sizeof pattern, "%s", fc_test_path(patterns[i]));
        int rc = glob(pattern, i ? GLOB_APPEND : 0, NULL, &found);
        assert_true(rc == 0 || rc == GLOB_NOMATCH);
    }
    /* The seed and its canonical text, shapes (and canonical), the two unit
     * fixtures, the variant, five dumps of XLSX files. */
    assert_true(found.gl_pathc >= 12);
    size_t with_unit_change = 0;
    for (size_t i = 0; i < found.gl_pathc; i++) {
        const char *path = found.gl_pathv[i];
        const char *name = strrchr(path, '/') + 1;
        size_t text_len, canon_len, xml_len, back_len, again_len;
        char *text = fc_test_read_file(path, &text_len);
        assert_non_null(text);
        char *canon = convert_ok("text", "text", text, text_len, name, NULL, &canon_len);
        char *xml = convert_ok("text", "xml", text, text_len, name, NULL, &xml_len);
        assert_schema_valid(xml, xml_len, "fixture");
        char *back = convert_ok("xml", "text", xml, xml_len, name, NULL, &back_len);
        assert_same_bytes(back, back_len, canon, canon_len, name);
        char *again = convert_ok("text", "xml", back, back_len, name, NULL, &again_len);
        assert_same_bytes(again, again_len, xml, xml_len, name);
        fc_doc *from_text = NULL, *from_xml = NULL;
        fc_error err;
        assert_int_equal(fc_test_read_doc("text", text, text_len, name, NULL, &from_text, &err),
                         FC_OK);
        assert_int_equal(fc_test_read_doc("xml", xml, xml_len, name, NULL, &from_xml, &err),
                         FC_OK);
        assert_int_equal(from_xml->form_count, from_text->form_count);
        for (size_t k = 0; k < from_text->form_count; k++) {
            if (!fc_form_equal(from_xml->forms[k], from_text->forms[k]))
                fail_msg("%s: form %zu differs after XML", name, k + 1);
            if (k > 0 && (from_text->forms[k]->unit == NULL) !=
                             (from_text->forms[0]->unit == NULL))
                with_unit_change++;
        }
        fc_doc_free(from_text);
        fc_doc_free(from_xml);
        free(again);
        free(back);
        free(xml);
        free(canon);
        free(text);
    }
    assert_true(with_unit_change > 0); /* some fixture mixes forms with and without units */
    globfree(&found);
}

/* Reads XML `xml` and checks the unit line of each form: `units` holds
 * `count` entries, NULL for "none". */
static void assert_units(const char *xml, size_t len, const char *name, const fc_options *opts,
                         const char *const *units, size_t count)
{
    fc_doc *doc = NULL;
    fc_error err;
    fc_status st = fc_test_read_doc("xml", xml, len, name, opts, &doc, &err);
    if (st)
        fail_msg("%s: %s: %s", name, err.location, err.message);
    assert_int_equal(doc->form_count, count);
    for (size_t i = 0; i < count; i++) {
        const char *unit = doc->forms[i]->unit;
        if (units[i] == NULL ? unit != NULL : (unit == NULL || strcmp(unit, units[i]) != 0))
            fail_msg("%s: form %zu has unit line \"%s\", not \"%s\"", name, i + 1,
                     unit ? unit : "(none)", units[i] ? units[i] : "(none)");
    }
    fc_doc_free(doc);
}

/* Forms with different unit lines in one document, a form without one
 * after forms with one and the reverse, a document whose first form has
 * none: the golden XML carries the first form's unit line in forms/unit and
 * a project/unit only where a form differs; it reads back to every form's
 * own unit line. */
static void test_unit_goldens(void **state)
{
    (void)state;
    static const struct {
        const char *text;         /* the text fixture */
        const char *golden;       /* its XML */
        const char *units[5];     /* the unit line of each form */
        size_t count;             /* number of forms */
        const char *doc_unit;     /* what forms/unit holds, NULL when absent */
        size_t own_units;         /* projects with <unit>text</unit> */
        size_t empty_units;       /* projects with <unit/> */
    } cases[] = {
        {"fixtures/text/units.txt", "fixtures/xml/units.xml",
         {"单位：万元", "单位：元", NULL, "单位：万元", "金额单位：万元"}, 5,
         "单位：万元", 2, 1},
        {"fixtures/text/units-none-first.txt", "fixtures/xml/units-none-first.xml",
         {NULL, "单位：万元", NULL}, 3, NULL, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t text_len, golden_len, xml_len;
        char *text = fixture(cases[i].text, &text_len);
        char *golden = fixture(cases[i].golden, &golden_len);
        const char *name = strrchr(cases[i].text, '/') + 1;
        char *xml = convert_ok("text", "xml", text, text_len, name, NULL, &xml_len);
        assert_same_bytes(xml, xml_len, golden, golden_len, name);
        assert_schema_valid(xml, xml_len, "units");
        assert_units(xml, xml_len, name, NULL, cases[i].units, cases[i].count);
        /* Without the schema the reader gives the same unit lines. */
        fc_options opts = fc_test_options();
        fc_test_set_option(&opts, "no-validate", NULL);
        assert_units(xml, xml_len, name, &opts, cases[i].units, cases[i].count);
        /* Where the unit elements stand. */
        const char *first_project = strstr(xml, "<project>");
        assert_non_null(first_project);
        const char *doc_unit = strstr(xml, "\n  <unit>");
        if (cases[i].doc_unit) {
            char want[128];
            snprintf(want, sizeof want, "\n  <unit>%s</unit>\n  <project>", cases[i].doc_unit);
            assert_non_null(strstr(xml, want));
            assert_true(doc_unit != NULL && doc_unit < first_project);
        } else {
            assert_null(doc_unit);
        }
        size_t own = 0, empty = 0;
        for (const char *p = strstr(xml, "\n    <unit"); p; p = strstr(p + 1, "\n    <unit"))
            own += strncmp(p, "\n    <unit>", 11) == 0, empty += strncmp(p, "\n    <unit/>", 12) == 0;
        assert_int_equal(own, cases[i].own_units);
        assert_int_equal(empty, cases[i].empty_units);
        free(xml);
        free(golden);
        free(text);
    }
}

/* How the reader resolves unit lines in XML written by hand: a project
 * without <unit> has the document's, <unit/> (or <unit></unit>) none, any
 * other its text as written; an empty forms/unit is no document unit. */
static void test_unit_reading(void **state)
{
    (void)state;
    static const char with_doc_unit[] =
        "<forms xmlns='" NS "'><attachment>附件 2</attachment><unit>单位：万元</unit>"
        "<project><name>a</name></project>"
        "<project><unit/><name>b</name></project>"
        "<project><unit></unit><name>c</name></project>"
        "<project><unit>单位：元</unit><name>d</name></project>"
        "<project><unit> </unit><name>e</name></project>"
        "<project><unit>单位&#xFF1A;<![CDATA[万元]]></unit><name>f</name></project>"
        "<project><name>g</name></project>"
        "</forms>";
    static const char *const units1[] = {"单位：万元", NULL, NULL, "单位：元", " ",
                                         "单位：万元", "单位：万元"};
    fc_options lax = fc_test_options();
    fc_test_set_option(&lax, "no-validate", NULL);
    assert_units(with_doc_unit, sizeof with_doc_unit - 1, "doc-unit.xml", NULL, units1, 7);
    assert_units(with_doc_unit, sizeof with_doc_unit - 1, "doc-unit.xml", &lax, units1, 7);

    static const char without[] =
        "<forms xmlns='" NS "'>"
        "<project><name>a</name></project>"
        "<project><unit/><name>b</name></project>"
        "<project><unit>单位：元</unit><name>c</name></project>"
        "<project><name>d</name></project>"
        "</forms>";
    static const char *const units2[] = {NULL, NULL, "单位：元", NULL};
    assert_units(without, sizeof without - 1, "no-doc-unit.xml", NULL, units2, 4);

    static const char empty_doc_unit[] =
        "<forms xmlns='" NS "'><unit/>"
        "<project><name>a</name></project>"
        "<project><unit>单位：元</unit><name>b</name></project>"
        "</forms>";
    static const char *const units3[] = {NULL, "单位：元"};
    assert_units(empty_doc_unit, sizeof empty_doc_unit - 1, "empty-doc-unit.xml", NULL, units3, 2);

    /* The document's unit comes after the attachment and before the
     * projects: the schema says so, and without it the reader. */
    static const char late[] =
        "<forms xmlns='" NS "'>\n<project><name>a</name></project>\n<unit>单位：元</unit>\n"
        "</forms>";
    fc_error err;
    assert_int_equal(read_fails(late, sizeof late - 1, "late.xml", NULL, &err), FC_ERR_INPUT);
    assert_string_equal(err.location, "late.xml:3");
    assert_contains(err.message, "unit");
    assert_int_equal(read_fails(late, sizeof late - 1, "late.xml", &lax, &err), FC_ERR_INPUT);
    assert_string_equal(err.location, "late.xml:3");
    assert_contains(err.message, "<unit> must come before the projects");
    static const char swapped[] =
        "<forms xmlns='" NS "'>\n<unit>单位：元</unit>\n<attachment>附件 2</attachment>\n"
        "<project><name>a</name></project></forms>";
    assert_int_equal(read_fails(swapped, sizeof swapped - 1, "swapped.xml", NULL, &err),
                     FC_ERR_INPUT);
    assert_string_equal(err.location, "swapped.xml:3");
    assert_contains(err.message, "attachment");
    /* An attribute on either unit element is refused, as before. */
    static const char attr[] =
        "<forms xmlns='" NS "'>\n<unit none='1'/>\n<project><name>a</name></project></forms>";
    assert_int_equal(read_fails(attr, sizeof attr - 1, "attr.xml", &lax, &err), FC_ERR_INPUT);
    assert_contains(err.message, "unknown attribute \"none\" on <unit>");
}

/* A document written before forms/unit existed (every project with its own
 * <unit>, the document none) is still valid, reads to the seed's forms, and
 * is written again in today's form. */
static void test_unit_before_revision(void **state)
{
    (void)state;
    size_t old_len, golden_len, text_len, canon_len, xml_len, back_len;
    char *old = fixture("fixtures/xml/seed-project-units.xml", &old_len);
    char *golden = fixture("fixtures/xml/seed.xml", &golden_len);
    char *text = fixture("fixtures/seed.txt", &text_len);
    assert_schema_valid(old, old_len, "before-revision");
    assert_non_null(strstr(old, "\n    <unit>单位：万元</unit>"));
    assert_null(strstr(old, "\n  <unit>"));
    fc_doc *seed = NULL, *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("text", text, text_len, "seed.txt", NULL, &seed, &err),
                     FC_OK);
    assert_int_equal(fc_test_read_doc("xml", old, old_len, "old.xml", NULL, &doc, &err), FC_OK);
    assert_int_equal(doc->form_count, seed->form_count);
    assert_string_equal(doc->attachment, seed->attachment);
    for (size_t i = 0; i < seed->form_count; i++)
        assert_true(fc_form_equal(doc->forms[i], seed->forms[i]));
    char *canon = canonical_seed(&canon_len);
    char *back = convert_ok("xml", "text", old, old_len, "old.xml", NULL, &back_len);
    assert_same_bytes(back, back_len, canon, canon_len, "before-revision-text");
    char *xml = convert_ok("xml", "xml", old, old_len, "old.xml", NULL, &xml_len);
    assert_same_bytes(xml, xml_len, golden, golden_len, "before-revision-xml");
    free(xml);
    free(back);
    free(canon);
    fc_doc_free(doc);
    fc_doc_free(seed);
    free(text);
    free(golden);
    free(old);
}

/* ---- XML from other tools ------------------------------------------------ */

/* A prefix, reordered attributes, CDATA, comments, character references and
 * other white space read to the same model as the seed's first two forms. */
static void test_other_tool(void **state)
{
    (void)state;
    size_t text_len, other_len;
    char *text = fixture("fixtures/seed.txt", &text_len);
    char *other = fixture("fixtures/xml/other-tool.xml", &other_len);
    fc_doc *seed = NULL, *doc = NULL;
    fc_error err;
    warnings ws = {0};
    fc_options opts = fc_test_options();
    opts.warn = on_warning;
    opts.warn_ctx = &ws;
    assert_int_equal(fc_test_read_doc("text", text, text_len, "seed.txt", NULL, &seed, &err),
                     FC_OK);
    fc_status st = fc_test_read_doc("xml", other, other_len, "other-tool.xml", &opts, &doc, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_int_equal(ws.count, 0); /* its derived attributes agree with the text */
    assert_int_equal(doc->form_count, 2);
    assert_string_equal(doc->attachment, seed->attachment);
    for (size_t i = 0; i < 2; i++)
        assert_true(fc_form_equal(doc->forms[i], seed->forms[i]));
    fc_doc_free(seed);
    fc_doc_free(doc);
    free(other);
    free(text);
}

/* Without layout hints a form is laid out as the template's default: its
 * rows, its columns, its labels. */
static void test_default_layout(void **state)
{
    (void)state;
    static const char xml[] =
        "<f:forms xmlns:f='" NS "'><f:project>"
        "<f:name>名</f:name><f:department>部</f:department><f:implementer>实</f:implementer>"
        "<f:attribute>无代码</f:attribute><f:duration>1年</f:duration>"
        "<f:division code='A1' style='lenticular'>办</f:division><f:amount>1</f:amount>"
        "<f:goal>目</f:goal><f:field label='项目编码'>P1</f:field>"
        "<f:field label='资金来源'>财政</f:field>"
        "<f:indicators><f:level1 name='产出'/></f:indicators>"
        "</f:project></f:forms>";
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("xml", xml, sizeof xml - 1, "plain.xml", NULL, &doc, &err),
                     FC_OK);
    const fc_form *form = doc->forms[0];
    static const fc_field_key keys[] = {FC_FIELD_NAME, FC_FIELD_DEPARTMENT, FC_FIELD_IMPLEMENTER,
                                        FC_FIELD_ATTRIBUTE, FC_FIELD_DURATION, FC_FIELD_DIVISION,
                                        FC_FIELD_AMOUNT, FC_FIELD_GOAL, FC_FIELD_OTHER,
                                        FC_FIELD_OTHER};
    static const bool same_row[] = {false, false, true, false, true, false, true, false, false,
                                    false};
    static const char *const labels[] = {"项目名称", "主管部门", "实施单位", "项目属性", "项目期限",
                                         "项目主管处室", "项目年度金额", "年度总体绩效目标",
                                         "项目编码", "资金来源"};
    assert_int_equal(form->field_count, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(form->fields[i].key, keys[i]);
        assert_int_equal(form->fields[i].same_row, same_row[i]);
        assert_string_equal(form->fields[i].label, labels[i]);
    }
    assert_string_equal(form->fields[3].value, "无代码");
    assert_string_equal(form->fields[5].value, "【A1】办");
    assert_null(form->title);
    assert_null(form->unit);
    assert_int_equal(form->column_count, 4);
    assert_string_equal(form->columns[0].header, "一级指标");
    assert_string_equal(form->columns[3].header, "绩效值");
    assert_int_equal(form->indicator_count, 1);
    assert_string_equal(form->indicators[0].level1, "产出");
    assert_string_equal(form->indicators[0].level2, "");
    fc_doc_free(doc);
}

/* ---- layout hints: everything the model holds ------------------------------ */

/* Adds a field, failing on error. */
static void add_field(fc_form *form, fc_field_key key, const char *label, const char *value,
                      bool same_row)
{
    assert_int_equal(fc_form_add_field(form, key, label, strlen(label), value, strlen(value),
                                       same_row),
                     FC_OK);
}

/* Adds an indicator row with three extra values, failing on error. */
static void add_row(fc_form *form, const char *l1, const char *l2, const char *name,
                    const char *target, const char *e1, const char *e2, const char *e3)
{
    const char *extra[] = {e1, e2, e3};
    assert_int_equal(fc_form_add_indicator(form, l1, l2, name, target, extra), FC_OK);
}

/* A document whose forms use every freedom of the model. */
static fc_doc *unusual_doc(void)
{
    fc_doc *doc = fc_doc_new();
    assert_non_null(doc);
    assert_int_equal(fc_doc_set_attachment(doc, "附件2-1", strlen("附件2-1")), FC_OK);

    fc_form *f = fc_form_new();
    assert_non_null(f);
    assert_int_equal(fc_form_set_unit(f, "金额单位：元", strlen("金额单位：元")), FC_OK);
    add_field(f, FC_FIELD_OTHER, "项目编码", "P-001", false);
    add_field(f, FC_FIELD_NAME, "项目名称", "  <名称> & \"引号\" 'apos'\t", true);
    add_field(f, FC_FIELD_DEPARTMENT, "主管部门：", "部门", false);
    add_field(f, FC_FIELD_IMPLEMENTER, "实施单位", "", true);
    add_field(f, FC_FIELD_DIVISION, "项目主管处室", "【812033】办公室", false);
    add_field(f, FC_FIELD_ATTRIBUTE, "项目属性", "[01]经常性项目", true);
    add_field(f, FC_FIELD_AMOUNT, "项目年度金额", " 1,000.50 ", false);
    add_field(f, FC_FIELD_DURATION, "项目期限", "三年", true);
    add_field(f, FC_FIELD_GOAL, "年度总体\n绩效目标", "第一行\r\n第二行\n\t缩进\r", false);
    add_field(f, FC_FIELD_NAME, "项目名称", "第二个名称", false);
    add_field(f, FC_FIELD_OTHER, "资金来源", "", false);
    fc_column columns[] = {
        {FC_COL_LEVEL1, "一级指标", NULL}, {FC_COL_LEVEL2, "二级指标", NULL},
        {FC_COL_NAME, "指标名称", NULL},   {FC_COL_EXTRA, "指标性质", NULL},
        {FC_COL_TARGET, "绩效值", NULL},   {FC_COL_EXTRA, "", NULL},
        {FC_COL_EXTRA, "备注", NULL},
    };
    assert_int_equal(fc_form_set_columns(f, columns, 7), FC_OK);
    add_row(f, "1-产出指标", "11-数量指标", "甲", "≥95%", "定量", "", "a\tb");
    add_row(f, "1-产出指标", "11-数量指标", "", "", "", "", "");
    add_row(f, "1-产出指标", "12-质量指标", "", "", "", "", "");
    add_row(f, "2-效益指标", "", "", "", "", "", "");
    add_row(f, "[3]满意度", "", "乙", "良好", "", "", "");
    add_row(f, "1-产出指标", "11-数量指标", "丙", "1,2个", "", "x", "");
    add_row(f, "", "", "丁", "𠀀 ext-B", "", "", "");
    add_row(f, "4-", "【0x1】社会成本", "戊", "", "", "", "");
    const char *before[] = {"说明："};
    const char *header[] = {"注：", "", "见附件"};
    const char *after[] = {"填报人：张三"};
    assert_int_equal(fc_form_add_note(f, FC_NOTE_BEFORE_TITLE, 0, before, 1), FC_OK);
    assert_int_equal(fc_form_add_note(f, FC_NOTE_IN_HEADER, 2, header, 3), FC_OK);
    assert_int_equal(fc_form_add_note(f, FC_NOTE_AFTER_TABLE, 0, after, 1), FC_OK);
    assert_int_equal(fc_doc_add_form(doc, f), FC_OK);

    fc_form *g = fc_form_new();
    assert_non_null(g);
    assert_int_equal(fc_form_set_title(g, "", 0), FC_OK);
    add_field(g, FC_FIELD_NAME, "项目名称", "无指标表的项目", false);
    assert_int_equal(fc_doc_add_form(doc, g), FC_OK);
    return doc;
}

/* Labels, header order and rows, columns, code styles, empty rows, notes
 * and odd characters all come back from the XML; the XML is the golden
 * file, valid, and the same when written again. */
static void test_layout_hints(void **state)
{
    (void)state;
    fc_doc *doc = unusual_doc();
    fc_options opts = fc_test_options();
    fc_error err;
    fc_status st;
    size_t len, golden_len, again_len;
    char *xml = write_xml(doc, &opts, &len, &err, &st);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    char *golden = fixture("fixtures/xml/layout.xml", &golden_len);
    assert_same_bytes(xml, len, golden, golden_len, "layout-golden");
    assert_schema_valid(xml, len, "layout");
    fc_doc *back = NULL;
    st = fc_test_read_doc("xml", xml, len, "layout.xml", NULL, &back, &err);
    if (st)
        fail_msg("%s: %s", err.location, err.message);
    assert_string_equal(back->attachment, doc->attachment);
    assert_int_equal(back->form_count, doc->form_count);
    for (size_t i = 0; i < doc->form_count; i++)
        assert_true(fc_form_equal(back->forms[i], doc->forms[i]));
    char *again = write_xml(back, &opts, &again_len, &err, &st);
    assert_int_equal(st, FC_OK);
    assert_same_bytes(again, again_len, xml, len, "layout-again");
    free(again);
    fc_doc_free(back);
    free(golden);
    free(xml);
    fc_doc_free(doc);
}

/* Layout hints on some fields only, positions out of range or repeated,
 * rows going backwards: each is a clear error. */
static void test_bad_hints(void **state)
{
    (void)state;
    static const struct {
        const char *body;     /* the project's fields */
        const char *message;  /* expected part of the error */
    } cases[] = {
        {"<name position='1' row='1'>a</name><department>b</department>", "on every header field"},
        {"<name position='1' row='1'>a</name><department position='3' row='1'>b</department>",
         "larger than the number of fields"},
        {"<name position='1' row='1'>a</name><department position='1' row='2'>b</department>",
         "repeated"},
        {"<name position='1' row='2'>a</name><department position='2' row='1'>b</department>",
         "go backwards"},
        {"<attribute style='bracket'>a</attribute>", "code style without a code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[1024];
        int n = snprintf(xml, sizeof xml, "<forms xmlns='%s'>\n<project>%s</project></forms>", NS,
                         cases[i].body);
        fc_error err;
        assert_int_equal(read_fails(xml, (size_t)n, "hints.xml", NULL, &err), FC_ERR_INPUT);
        assert_string_equal(err.location, "hints.xml:2");
        assert_contains(err.message, cases[i].message);
    }
}

/* ---- derived attributes ---------------------------------------------------- */

/* Derived attributes that disagree with the text are warnings; the text
 * wins. */
static void test_derived_disagree(void **state)
{
    (void)state;
    static const char xml[] =
        "<forms xmlns='" NS "'>\n"
        "<project>\n"
        "<name>x</name>\n"
        "<amount value='71.8'>71.900000</amount>\n"
        "<indicators><level1 code='1' name='产出指标'><level2 code='11' name='数量指标'>\n"
        "<indicator><name>n</name>\n"
        "<target kind='quantitative' computesign='≤' indexval='90' meterunit='%'>大于等于 90%</target>\n"
        "</indicator>\n"
        "<indicator><name>m</name><target kind='qualitative'>良好</target></indicator>\n"
        "<indicator><name>k</name><target indexval='90.00'>90%</target></indicator>\n"
        "</level2></level1></indicators></project></forms>\n";
    warnings ws = {0};
    fc_options opts = fc_test_options();
    opts.warn = on_warning;
    opts.warn_ctx = &ws;
    fc_doc *doc = NULL;
    fc_error err;
    assert_int_equal(fc_test_read_doc("xml", xml, sizeof xml - 1, "derived.xml", &opts, &doc, &err),
                     FC_OK);
    assert_int_equal(ws.count, 2);
    assert_string_equal(ws.first.location, "derived.xml:4");
    assert_contains(ws.first.message, "71.8");
    assert_string_equal(ws.last.location, "derived.xml:7");
    assert_contains(ws.last.message, "computesign ≥");
    assert_string_equal(doc->forms[0]->indicators[0].target, "大于等于 90%");
    assert_string_equal(fc_form_field(doc->forms[0], FC_FIELD_AMOUNT), "71.900000");
    fc_doc_free(doc);
    /* Without a warning receiver the read still succeeds. */
    assert_int_equal(fc_test_read_doc("xml", xml, sizeof xml - 1, "derived.xml", NULL, &doc, &err),
                     FC_OK);
    fc_doc_free(doc);
}

/* ---- hostile and broken inputs ---------------------------------------------- */

/* One hostile fixture: rejected with the status, location and words given,
 * with and without schema validation. */
static void check_hostile(const char *relative, fc_status status, const char *location,
                          const char *message, const char *message_unvalidated)
{
    size_t len;
    char *data = fixture(relative, &len);
    const char *name = strrchr(relative, '/') + 1;
    fc_error err;
    assert_int_equal(read_fails(data, len, name, NULL, &err), status);
    assert_string_equal(err.location, location);
    assert_contains(err.message, message);
    assert_null(strstr(err.message, "root:")); /* nothing of /etc/passwd */
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "no-validate", NULL);
    assert_int_equal(read_fails(data, len, name, &opts, &err), status);
    assert_contains(err.message, message_unvalidated);
    free(data);
}

static void test_hostile_external_entity(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-xxe.xml", FC_ERR_INPUT, "hostile-xxe.xml:2",
                  "DOCTYPE is not allowed", "DOCTYPE is not allowed");
}

static void test_hostile_billion_laughs(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-billion-laughs.xml", FC_ERR_INPUT,
                  "hostile-billion-laughs.xml:2", "DOCTYPE is not allowed",
                  "DOCTYPE is not allowed");
}

static void test_hostile_doctype(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-doctype.xml", FC_ERR_INPUT, "hostile-doctype.xml:3",
                  "DOCTYPE is not allowed", "DOCTYPE is not allowed");
}

static void test_hostile_invalid_utf8(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-invalid-utf8.xml", FC_ERR_INPUT,
                  "hostile-invalid-utf8.xml:4", "invalid UTF-8", "invalid UTF-8");
}

static void test_hostile_wrong_namespace(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-wrong-namespace.xml", FC_ERR_INPUT,
                  "hostile-wrong-namespace.xml:2", "not a formconv XML document",
                  "another version of the format");
}

static void test_hostile_missing_element(void **state)
{
    (void)state;
    size_t len;
    char *data = fixture("fixtures/xml/hostile-missing-element.xml", &len);
    fc_error err;
    assert_int_equal(read_fails(data, len, "missing.xml", NULL, &err), FC_ERR_INPUT);
    assert_string_equal(err.location, "missing.xml:9");
    assert_contains(err.message, "Expected is ( name )");
    /* --no-validate skips the schema: the indicator reads with an empty name. */
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "no-validate", NULL);
    fc_doc *doc = NULL;
    assert_int_equal(fc_test_read_doc("xml", data, len, "missing.xml", &opts, &doc, &err), FC_OK);
    assert_string_equal(doc->forms[0]->indicators[0].name, "");
    assert_string_equal(doc->forms[0]->indicators[0].target, "22 人");
    fc_doc_free(doc);
    free(data);
}

static void test_hostile_truncated(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-truncated.xml", FC_ERR_INPUT, "hostile-truncated.xml:25",
                  "truncated", "truncated");
    /* Cut anywhere, the seed's XML is refused and nothing is written. */
    size_t len;
    char *data = fixture("fixtures/xml/seed.xml", &len);
    static const size_t cuts[] = {0, 1, 20, 60, 1000, 3001, 5000, 10000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fc_error err;
        read_fails(data, cuts[i] < len ? cuts[i] : len - 1, "cut.xml", NULL, &err);
        assert_true(err.message[0] != '\0');
    }
    free(data);
}

static void test_hostile_encodings(void **state)
{
    (void)state;
    check_hostile("fixtures/xml/hostile-gbk.xml", FC_ERR_INPUT, "hostile-gbk.xml:1",
                  "encoding \"GBK\" is not supported", "is not supported");
    static const char utf16[] = "\xFF\xFE<\0f\0/\0>\0";
    fc_error err;
    assert_int_equal(read_fails(utf16, sizeof utf16 - 1, "u16.xml", NULL, &err), FC_ERR_INPUT);
    assert_contains(err.message, "UTF-16");
    static const char entity[] = "<forms xmlns='" NS "'><project><name>&x;</name></project></forms>";
    assert_int_equal(read_fails(entity, sizeof entity - 1, "entity.xml", NULL, &err), FC_ERR_INPUT);
    assert_contains(err.message, "Entity 'x' not defined");
    static const char empty[] = "";
    assert_int_equal(read_fails(empty, 0, "empty.xml", NULL, &err), FC_ERR_INPUT);
    static const char no_project[] = "<forms xmlns='" NS "'/>";
    assert_int_equal(read_fails(no_project, sizeof no_project - 1, "none.xml", NULL, &err),
                     FC_ERR_INPUT);
    static const char sheet[] = "<?xml version='1.0'?><Workbook "
                                "xmlns='urn:schemas-microsoft-com:office:spreadsheet'/>";
    assert_int_equal(read_fails(sheet, sizeof sheet - 1, "book.xml", NULL, &err), FC_ERR_INPUT);
    assert_contains(err.message, "SpreadsheetML");
}

/* 10,000 nested elements: refused by the schema, by the reader's grammar
 * without it, and by the depth limit. */
static void test_hostile_deep_nesting(void **state)
{
    (void)state;
    const size_t depth = 10000;
    const char head[] = "<forms xmlns='" NS "'>";
    size_t cap = sizeof head + depth * 21 + 16;
    char *xml = malloc(cap);
    assert_non_null(xml);
    size_t n = (size_t)snprintf(xml, cap, "%s", head);
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(xml + n, cap - n, "<project>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(xml + n, cap - n, "</project>");
    n += (size_t)snprintf(xml + n, cap - n, "</forms>");
    fc_error err;
    assert_int_equal(read_fails(xml, n, "deep.xml", NULL, &err), FC_ERR_INPUT);
    assert_contains(err.message, "not expected");
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "no-validate", NULL);
    assert_int_equal(read_fails(xml, n, "deep.xml", &opts, &err), FC_ERR_INPUT);
    assert_contains(err.message, "unexpected element <project> inside <project>");
    /* Nesting that libxml2 alone refuses (past 256 levels, no HUGE option). */
    n = (size_t)snprintf(xml, cap, "%s", head);
    for (size_t i = 0; i < depth; i++)
        n += (size_t)snprintf(xml + n, cap - n, "<a>");
    assert_int_equal(read_fails(xml, n, "deep2.xml", NULL, &err), FC_ERR_INPUT);
    free(xml);
    /* The depth limit itself, on a valid document. */
    size_t len;
    char *seed = fixture("fixtures/xml/seed.xml", &len);
    opts = fc_test_options();
    opts.limits.xml_depth = 3;
    assert_int_equal(read_fails(seed, len, "seed.xml", &opts, &err), FC_ERR_LIMIT);
    assert_contains(err.message, "deeper than the limit of 3");
    assert_string_equal(err.location, "seed.xml:16");
    free(seed);
}

/* Sizes from the input are limited: text length, rows, columns. */
static void test_limits(void **state)
{
    (void)state;
    size_t len;
    char *seed = fixture("fixtures/xml/seed.xml", &len);
    fc_options opts = fc_test_options();
    fc_error err;
    opts.limits.cell_chars = 5;
    assert_int_equal(read_fails(seed, len, "seed.xml", &opts, &err), FC_ERR_LIMIT);
    assert_contains(err.message, "longer than the limit of 5 characters");
    opts = fc_test_options();
    opts.limits.form_rows = 9;
    assert_int_equal(read_fails(seed, len, "seed.xml", &opts, &err), FC_ERR_LIMIT);
    assert_contains(err.message, "more indicators than the limit of 9");
    opts = fc_test_options();
    opts.limits.row_cells = 2;
    static const char cols[] = "<forms xmlns='" NS "'><project><name>a</name><indicators><columns>"
                               "<column key='level1'/><column key='name'/><column key='target'/>"
                               "</columns></indicators></project></forms>";
    assert_int_equal(read_fails(cols, sizeof cols - 1, "cols.xml", &opts, &err), FC_ERR_LIMIT);
    assert_contains(err.message, "more columns than the limit of 2");
    free(seed);
}

/* Semantic errors the schema cannot express. */
static void test_inconsistent_tables(void **state)
{
    (void)state;
    static const struct {
        const char *indicators;  /* content of <indicators> */
        const char *message;     /* expected part of the error */
    } cases[] = {
        {"<columns><column key='name'/><column key='target'/></columns>"
         "<level1 name='产出'><level2 name=''><indicator><name>a</name><target/></indicator>"
         "</level2></level1>", "the table has no level1 column"},
        {"<columns><column key='level1'/><column key='level1'/></columns>", "declared twice"},
        {"<level1 name='a'><level2 name='b'><indicator><name>x</name><target/><extra>e</extra>"
         "</indicator></level2></level1>", "more <extra> values than the table has"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[1024];
        int n = snprintf(xml, sizeof xml, "<forms xmlns='%s'><project><name>p</name>"
                         "<indicators>%s</indicators></project></forms>", NS, cases[i].indicators);
        fc_error err;
        assert_int_equal(read_fails(xml, (size_t)n, "table.xml", NULL, &err), FC_ERR_INPUT);
        assert_contains(err.message, cases[i].message);
    }
}

/* The writer refuses text XML cannot carry instead of writing bad XML. */
static void test_writer_refuses_control_characters(void **state)
{
    (void)state;
    fc_doc *doc = fc_doc_new();
    fc_form *f = fc_form_new();
    assert_non_null(doc);
    assert_non_null(f);
    add_field(f, FC_FIELD_NAME, "项目名称", "bell\x07", false);
    snprintf(f->origin, sizeof f->origin, "made.txt:7:1");
    assert_int_equal(fc_doc_add_form(doc, f), FC_OK);
    fc_options opts = fc_test_options();
    fc_error err;
    fc_status st;
    size_t len;
    char *xml = write_xml(doc, &opts, &len, &err, &st);
    assert_int_equal(st, FC_ERR_INPUT);
    assert_null(xml);
    assert_string_equal(err.location, "made.txt:7:1");
    assert_contains(err.message, "U+0007");
    fc_doc_free(doc);
}

/* A document without forms is refused rather than written invalid. */
static void test_writer_refuses_empty_document(void **state)
{
    (void)state;
    fc_doc *doc = fc_doc_new();
    assert_non_null(doc);
    fc_options opts = fc_test_options();
    fc_error err;
    fc_status st;
    size_t len;
    char *xml = write_xml(doc, &opts, &len, &err, &st);
    assert_int_equal(st, FC_ERR_INPUT);
    assert_null(xml);
    assert_contains(err.message, "at least one project");
    fc_doc_free(doc);
}

/* ---- validate ----------------------------------------------------------------- */

/* Problems reported through validate's callback. */
typedef struct problems {
    int count;               /* how many */
    fc_error list[16];       /* the first sixteen */
} problems;

static void on_problem(void *ctx, const fc_error *problem)
{
    problems *p = ctx;
    if (p->count < 16)
        p->list[p->count] = *problem;
    p->count++;
}

/* Runs the descriptor's validate over bytes. */
static fc_status run_validate(const char *data, size_t len, const char *name, problems *p,
                              fc_error *err)
{
    const fc_converter *xml = fc_converter_by_name("xml");
    assert_non_null(xml->validate);
    fc_input *in = NULL;
    assert_int_equal(fc_input_from_memory(data, len, name, &in, err), FC_OK);
    fc_options opts = fc_test_options();
    memset(p, 0, sizeof *p);
    fc_error_clear(err);
    fc_status st = xml->validate(in, &opts, on_problem, p, err);
    fc_input_free(in);
    return st;
}

/* Every problem is reported with its line; the first is the error. */
static void test_validate_reports_every_problem(void **state)
{
    (void)state;
    static const char xml[] =
        "<forms xmlns='" NS "'>\n"                           /* 1 */
        "  <project>\n"                                      /* 2 */
        "    <name>x</name>\n"                               /* 3 */
        "    <amount value='abc'>1</amount>\n"               /* 4 */
        "    <indicators>\n"                                 /* 5 */
        "      <level1 code='1-' name='a'/>\n"               /* 6 */
        "      <level1 name='b' style='curly'/>\n"           /* 7 */
        "    </indicators>\n"                                /* 8 */
        "    <note place='nowhere'><cell>c</cell></note>\n"  /* 9 */
        "  </project>\n"                                     /* 10 */
        "  <project>\n"                                      /* 11 */
        "    <bogus/>\n"                                     /* 12 */
        "  </project>\n"                                     /* 13 */
        "</forms>\n";
    problems p;
    fc_error err;
    assert_int_equal(run_validate(xml, sizeof xml - 1, "multi.xml", &p, &err), FC_ERR_INPUT);
    static const char *const where[] = {"multi.xml:4", "multi.xml:6", "multi.xml:7",
                                        "multi.xml:9", "multi.xml:12"};
    assert_int_equal(p.count, 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(p.list[i].location, where[i]);
    assert_contains(p.list[0].message, "'abc'");
    assert_contains(p.list[4].message, "'bogus'");
    assert_string_equal(err.location, p.list[0].location);
    assert_string_equal(err.message, p.list[0].message);

    size_t len;
    char *seed = fixture("fixtures/xml/seed.xml", &len);
    assert_int_equal(run_validate(seed, len, "seed.xml", &p, &err), FC_OK);
    assert_int_equal(p.count, 0);
    free(seed);

    char *xxe = fixture("fixtures/xml/hostile-xxe.xml", &len);
    assert_int_equal(run_validate(xxe, len, "xxe.xml", &p, &err), FC_ERR_INPUT);
    assert_int_equal(p.count, 1);
    assert_contains(p.list[0].message, "DOCTYPE");
    free(xxe);

    char *cut = fixture("fixtures/xml/hostile-truncated.xml", &len);
    assert_int_equal(run_validate(cut, len, "cut.xml", &p, &err), FC_ERR_INPUT);
    assert_true(p.count >= 1);
    assert_contains(p.list[p.count - 1].message, "truncated");
    free(cut);
}

/* ---- the sniffer ---------------------------------------------------------------- */

static void test_sniff(void **state)
{
    (void)state;
    const fc_converter *xml = fc_converter_by_name("xml");
    const fc_converter *text = fc_converter_by_name("text");
    assert_non_null(xml);
    assert_string_equal(xml->extensions[0], "xml");
    size_t len;
    char *seed = fixture("fixtures/xml/seed.xml", &len);
    assert_int_equal(xml->sniff((const unsigned char *)seed, len), 90);
    assert_ptr_equal(fc_converter_by_content((const unsigned char *)seed, len), xml);
    free(seed);
    static const char other[] = "\xEF\xBB\xBF\n <?xml version='1.0'?><doc/>";
    static const char sheet[] = "<?xml version='1.0'?><Workbook xmlns="
                                "'urn:schemas-microsoft-com:office:spreadsheet'/>";
    int other_score = xml->sniff((const unsigned char *)other, sizeof other - 1);
    int sheet_score = xml->sniff((const unsigned char *)sheet, sizeof sheet - 1);
    assert_true(other_score > text->sniff((const unsigned char *)other, sizeof other - 1));
    assert_true(sheet_score < other_score);
    assert_true(sheet_score > 0 && sheet_score < 50); /* leaves room for a SpreadsheetML reader */
    char *dump = fixture("fixtures/seed.txt", &len);
    assert_int_equal(xml->sniff((const unsigned char *)dump, len), 0);
    assert_ptr_equal(fc_converter_by_content((const unsigned char *)dump, len), text);
    free(dump);
}

/* ---- the command line -------------------------------------------------------------- */

/* True when `path` exists. */
static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* convert text -> XML -> text and validate through the program itself. */
static void test_cli(void **state)
{
    (void)state;
    char dir[4096], xml_path[4200], txt_path[4200], bad_path[4200], seed[4096];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    snprintf(xml_path, sizeof xml_path, "%s/x.xml", dir);
    snprintf(txt_path, sizeof txt_path, "%s/y.txt", dir);
    snprintf(bad_path, sizeof bad_path, "%s/z.txt", dir);
    snprintf(seed, sizeof seed, "%s", fc_test_path("fixtures/seed.txt"));

    const char *to_xml[] = {FC_BINARY, "convert", seed, "-o", xml_path, NULL};
    assert_int_equal(fc_test_run(to_xml, NULL, NULL, NULL), 0);
    size_t len, golden_len;
    char *written = fc_test_read_file(xml_path, &len);
    char *golden = fixture("fixtures/xml/seed.xml", &golden_len);
    assert_non_null(written);
    assert_same_bytes(written, len, golden, golden_len, "cli-seed-xml");

    const char *to_text[] = {FC_BINARY, "convert", xml_path, "-o", txt_path, NULL};
    assert_int_equal(fc_test_run(to_text, NULL, NULL, NULL), 0);
    size_t text_len, canon_len;
    char *text = fc_test_read_file(txt_path, &text_len);
    char *canon = canonical_seed(&canon_len);
    assert_non_null(text);
    assert_same_bytes(text, text_len, canon, canon_len, "cli-seed-text");

    char *out = NULL, *err = NULL;
    const char *validate[] = {FC_BINARY, "validate", xml_path, NULL};
    assert_int_equal(fc_test_run(validate, NULL, &out, &err), 0);
    assert_contains(out, "x.xml: ok");
    free(out);
    free(err);

    /* Reading from standard input: the content says it is XML. */
    const char *from_stdin[] = {FC_BINARY, "convert", "-", NULL};
    assert_int_equal(fc_test_run(from_stdin, xml_path, &out, NULL), 0);
    assert_same_bytes(out, strlen(out), canon, canon_len, "cli-stdin");
    free(out);

    /* A hostile input: exit 1, FILE:LINE on stderr, and no output file. */
    char hostile[4096];
    snprintf(hostile, sizeof hostile, "%s", fc_test_path("fixtures/xml/hostile-xxe.xml"));
    const char *bad[] = {FC_BINARY, "convert", hostile, "-o", bad_path, NULL};
    assert_int_equal(fc_test_run(bad, NULL, NULL, &err), 1);
    assert_contains(err, "hostile-xxe.xml:2: a DOCTYPE is not allowed");
    assert_null(strstr(err, "root:"));
    assert_false(exists(bad_path));
    free(err);
    const char *bad_validate[] = {FC_BINARY, "validate", hostile, xml_path, NULL};
    assert_int_equal(fc_test_run(bad_validate, NULL, &out, &err), 1);
    assert_contains(err, "hostile-xxe.xml:2");
    assert_contains(out, "x.xml: ok");
    free(out);
    free(err);

    /* A document invalid in several places: every problem listed. */
    char multi[4200];
    snprintf(multi, sizeof multi, "%s/multi.xml", dir);
    static const char doc[] = "<forms xmlns='" NS "'>\n<project>\n<bogus/>\n</project>\n"
                              "<project>\n<name code='1'>x</name>\n</project>\n</forms>\n";
    assert_true(fc_test_write_file(multi, doc, sizeof doc - 1));
    const char *validate_multi[] = {FC_BINARY, "validate", multi, NULL};
    assert_int_equal(fc_test_run(validate_multi, NULL, &out, &err), 1);
    assert_contains(err, "multi.xml:3: Element 'bogus'");
    assert_contains(err, "multi.xml:6: Element 'name', attribute 'code'");
    assert_null(strstr(out, "ok"));
    free(out);
    free(err);

    /* --no-validate reads what the schema would refuse. */
    char missing[4096];
    snprintf(missing, sizeof missing, "%s", fc_test_path("fixtures/xml/hostile-missing-element.xml"));
    const char *strict[] = {FC_BINARY, "convert", missing, "-o", bad_path, NULL};
    assert_int_equal(fc_test_run(strict, NULL, NULL, NULL), 1);
    assert_false(exists(bad_path));
    const char *lax[] = {FC_BINARY, "convert", "--no-validate", missing, "-o", bad_path, NULL};
    assert_int_equal(fc_test_run(lax, NULL, NULL, NULL), 0);
    assert_true(exists(bad_path));

    unlink(xml_path);
    unlink(txt_path);
    unlink(bad_path);
    unlink(multi);
    rmdir(dir);
    free(canon);
    free(text);
    free(golden);
    free(written);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_golden),
        cmocka_unit_test(test_seed_round_trips),
        cmocka_unit_test(test_seed_model),
        cmocka_unit_test(test_variant_round_trips),
        cmocka_unit_test(test_text_fixtures_round_trip),
        cmocka_unit_test(test_unit_goldens),
        cmocka_unit_test(test_unit_reading),
        cmocka_unit_test(test_unit_before_revision),
        cmocka_unit_test(test_other_tool),
        cmocka_unit_test(test_default_layout),
        cmocka_unit_test(test_layout_hints),
        cmocka_unit_test(test_bad_hints),
        cmocka_unit_test(test_derived_disagree),
        cmocka_unit_test(test_hostile_external_entity),
        cmocka_unit_test(test_hostile_billion_laughs),
        cmocka_unit_test(test_hostile_doctype),
        cmocka_unit_test(test_hostile_invalid_utf8),
        cmocka_unit_test(test_hostile_wrong_namespace),
        cmocka_unit_test(test_hostile_missing_element),
        cmocka_unit_test(test_hostile_truncated),
        cmocka_unit_test(test_hostile_encodings),
        cmocka_unit_test(test_hostile_deep_nesting),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_inconsistent_tables),
        cmocka_unit_test(test_writer_refuses_control_characters),
        cmocka_unit_test(test_writer_refuses_empty_document),
        cmocka_unit_test(test_validate_reports_every_problem),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
