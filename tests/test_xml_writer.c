/*
 * test_xml_writer.c - the XML writer's own formatting (converters/xml.c
 * formats everything inside <forms> itself instead of calling libxml2's
 * writer per element):
 *   - every text is escaped byte for byte as libxml2's xmlTextWriter
 *     escapes it, in text content and in attribute values, in every place
 *     a form or document puts text, and reads back to the same form;
 *   - text XML cannot carry (invalid UTF-8, controls, U+FFFE/U+FFFF) is
 *     refused wherever it stands, with the form's location, and nothing is
 *     written; a writer that failed stays failed;
 *   - output far larger than the writer's buffer comes out whole;
 *   - empty containers are written as libxml2 writes them;
 *   - the document's unit line is the first form's, and a project carries
 *     its own only where it differs (<unit/> for none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "fc_converter.h"
#include "fc_registry.h"
#include "support.h"

/* Location given to the forms built here. */
#define ORIGIN "made.txt:9:1"

/* ---- helpers ---------------------------------------------------------- */

/* Concatenates `a` and `b` into a malloc'd string. */
static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    assert_non_null(s);
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* Copies `len` bytes at `s` into a malloc'd string. */
static char *copy_n(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    assert_non_null(c);
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

/* How libxml2's xmlTextWriter (in a document declared UTF-8, as the
 * writer's) writes `s` as an attribute value (*attr) and as text content
 * (*text); both malloc'd. */
static void libxml2_escapes(const char *s, char **attr, char **text)
{
    xmlBufferPtr buf = xmlBufferCreate();
    assert_non_null(buf);
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    assert_non_null(w);
    assert_true(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0);
    assert_true(xmlTextWriterStartElement(w, BAD_CAST "e") >= 0);
    assert_true(xmlTextWriterWriteAttribute(w, BAD_CAST "a", BAD_CAST s) >= 0);
    assert_true(xmlTextWriterWriteString(w, BAD_CAST s) >= 0);
    assert_true(xmlTextWriterEndDocument(w) >= 0);
    xmlFreeTextWriter(w);
    const char *xml = (const char *)xmlBufferContent(buf);
    /* <e a="ATTR">TEXT</e>: an escaped value holds no '"', escaped text no '<'. */
    const char *a = strstr(xml, "<e a=\"");
    assert_non_null(a);
    a += 6;
    const char *a_end = strchr(a, '"');
    assert_non_null(a_end);
    assert_true(a_end[1] == '>');
    const char *t = a_end + 2;
    const char *t_end = strstr(t, "</e>");
    assert_non_null(t_end);
    *attr = copy_n(a, (size_t)(a_end - a));
    *text = copy_n(t, (size_t)(t_end - t));
    xmlBufferFree(buf);
}

/* Number of non-overlapping occurrences of `needle` in `haystack`. */
static size_t count(const char *haystack, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* Fails unless `xml` holds `before` `middle` `after` at least `times` times. */
static void assert_holds(const char *xml, const char *before, const char *middle,
                         const char *after, size_t times)
{
    char *head = concat(before, middle);
    char *needle = concat(head, after);
    size_t n = count(xml, needle);
    if (n < times)
        fail_msg("the XML holds %zu (not %zu) times: %.200s", n, times, needle);
    free(needle);
    free(head);
}

/* Writes `doc` with the XML writer into memory. Returns the status; on
 * success *xml is the malloc'd, NUL-terminated output, else NULL. */
static fc_status write_doc(const fc_doc *doc, char **xml, size_t *len, fc_error *err)
{
    fc_error_clear(err);
    return fc_test_write_doc("xml", doc, NULL, xml, len, err);
}

/* Places in a form that carry text, for the tests below. */
typedef enum slot {
    SLOT_TITLE,       /* <title> text */
    SLOT_UNIT,        /* <unit> text */
    SLOT_NAME,        /* <name> field text */
    SLOT_LABEL,       /* <field label=...> */
    SLOT_FIELD,       /* <field> text */
    SLOT_ATTRIBUTE,   /* <attribute code=...> text: the name of a coded value */
    SLOT_LEVEL1,      /* <level1 name=...>, an element holding others */
    SLOT_LEVEL2,      /* <level2 name=.../>, an empty category */
    SLOT_HEADER,      /* <column header=...> of an extra column */
    SLOT_INDICATOR,   /* <indicator><name> text */
    SLOT_TARGET,      /* <target> text */
    SLOT_EXTRA,       /* <extra> text */
    SLOT_CELL,        /* <cell> text of a note */
    SLOT_ATTACHMENT,  /* <attachment> text of the document */
    SLOT_COUNT        /* number of slots; not a slot */
} slot;

/* Builds a document of one form with `text` in slot `where` (every slot
 * when `where` is SLOT_COUNT) and plain text elsewhere. */
static fc_doc *make_doc(const char *text, slot where)
{
    const fc_template *tpl = fc_test_template();
    const char *in[SLOT_COUNT];
    for (int k = 0; k < SLOT_COUNT; k++)
        in[k] = (where == SLOT_COUNT || where == (slot)k) ? text : "文本";
    char *attribute = concat("0101-", in[SLOT_ATTRIBUTE]);
    char *level1 = concat("1-", in[SLOT_LEVEL1]);
    char *level2 = concat("12-", in[SLOT_LEVEL2]);
    fc_doc *doc = fc_doc_new();
    fc_form *f = fc_form_new();
    assert_non_null(doc);
    assert_non_null(f);
    snprintf(f->origin, sizeof f->origin, ORIGIN);
    assert_int_equal(fc_doc_set_attachment(doc, in[SLOT_ATTACHMENT],
                                           strlen(in[SLOT_ATTACHMENT])), FC_OK);
    assert_int_equal(fc_form_set_title(f, in[SLOT_TITLE], strlen(in[SLOT_TITLE])), FC_OK);
    assert_int_equal(fc_form_set_unit(f, in[SLOT_UNIT], strlen(in[SLOT_UNIT])), FC_OK);
    const char *name_label = fc_template_label(tpl, FC_FIELD_NAME);
    const char *attr_label = fc_template_label(tpl, FC_FIELD_ATTRIBUTE);
    assert_int_equal(fc_form_add_field(f, FC_FIELD_NAME, name_label, strlen(name_label),
                                       in[SLOT_NAME], strlen(in[SLOT_NAME]), false), FC_OK);
    assert_int_equal(fc_form_add_field(f, FC_FIELD_ATTRIBUTE, attr_label, strlen(attr_label),
                                       attribute, strlen(attribute), false), FC_OK);
    assert_int_equal(fc_form_add_field(f, FC_FIELD_OTHER, in[SLOT_LABEL], strlen(in[SLOT_LABEL]),
                                       in[SLOT_FIELD], strlen(in[SLOT_FIELD]), false), FC_OK);
    fc_column columns[5];
    for (int k = 0; k < 4; k++)
        columns[k] = (fc_column){(fc_column_key)k, fc_template_column_header(tpl, (fc_column_key)k),
                                 NULL};
    columns[4] = (fc_column){FC_COL_EXTRA, in[SLOT_HEADER], NULL};
    assert_int_equal(fc_form_set_columns(f, columns, 5), FC_OK);
    const char *extra[1] = {in[SLOT_EXTRA]};
    assert_int_equal(fc_form_add_indicator(f, level1, "11-数量指标", in[SLOT_INDICATOR],
                                           in[SLOT_TARGET], extra), FC_OK);
    const char *none[1] = {""};
    assert_int_equal(fc_form_add_indicator(f, level1, level2, "", "", none), FC_OK);
    const char *cells[1] = {in[SLOT_CELL]};
    assert_int_equal(fc_form_add_note(f, FC_NOTE_AFTER_TABLE, 0, cells, 1), FC_OK);
    assert_int_equal(fc_doc_add_form(doc, f), FC_OK);
    free(attribute);
    free(level1);
    free(level2);
    return doc;
}

/* ---- escaping ----------------------------------------------------------- */

/* Texts that XML can carry, with everything the escaping treats apart. */
static const char *const carried[] = {
    "plain ASCII 123",
    "a&b<c>d\"e'f&amp;]]>",
    "line\nbreak\r\nand\ttab\r",
    "中文，全角：（括号）【812】「」、。",
    "\xc3\xa9\xc2\xb0\xc2\xb1\xc2\xa0\xc2\xbf",       /* é ° ± NBSP ¿: two bytes */
    "\xf0\xa0\x80\x80\xf0\x9f\x98\x80",               /* four bytes */
    "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbc\xef\xbf\x80",
                               /* U+0800 U+D7FF U+E000 U+FFFD U+FFFC U+FFC0 */
    "大于等于 90%",
    " 前后空格 ",
};

/* Every carried text comes out as libxml2 writes it, in every place, and
 * the XML reads back to the same form. */
static void test_escaping_matches_libxml2(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof carried / sizeof carried[0]; i++) {
        const char *s = carried[i];
        char *attr, *text;
        libxml2_escapes(s, &attr, &text);
        fc_doc *doc = make_doc(s, SLOT_COUNT);
        char *xml;
        size_t len;
        fc_error err;
        fc_status st = write_doc(doc, &xml, &len, &err);
        if (st)
            fail_msg("text %zu: %s: %s", i, err.location, err.message);
        assert_holds(xml, "<attachment>", text, "</attachment>", 1);
        assert_holds(xml, "<title>", text, "</title>", 1);
        assert_holds(xml, "<unit>", text, "</unit>", 1);
        assert_holds(xml, "<name>", text, "</name>", 2); /* the field and the indicator */
        assert_holds(xml, " label=\"", attr, "\"", 1);
        assert_holds(xml, ">", text, "</field>", 1);
        assert_holds(xml, "<attribute code=\"0101\">", text, "</attribute>", 1);
        assert_holds(xml, "<level1 code=\"1\" name=\"", attr, "\">", 1);
        assert_holds(xml, "<level2 code=\"12\" name=\"", attr, "\"/>", 1);
        assert_holds(xml, "<column key=\"extra\" header=\"", attr, "\"/>", 1);
        assert_holds(xml, ">", text, "</target>", 1);
        assert_holds(xml, "<extra>", text, "</extra>", 1);
        assert_holds(xml, "<cell>", text, "</cell>", 1);
        /* And back: the reader gets every text as it was. */
        fc_doc *back = NULL;
        st = fc_test_read_doc("xml", xml, len, "escaped.xml", NULL, &back, &err);
        if (st)
            fail_msg("text %zu reads back with %s: %s", i, err.location, err.message);
        assert_int_equal(back->form_count, 1);
        assert_string_equal(back->attachment, s);
        assert_true(fc_form_equal(back->forms[0], doc->forms[0]));
        fc_doc_free(back);
        fc_doc_free(doc);
        free(xml);
        free(attr);
        free(text);
    }
}

/* A text longer than the writer's buffer, with references throughout, in
 * every place: escaped as libxml2 does, whole. */
static void test_long_text(void **state)
{
    (void)state;
    static const char unit[] = "中&文\n<>\"\t，";
    size_t repeat = 12000; /* about 190 KB a text */
    char *s = malloc(repeat * (sizeof unit - 1) + 1);
    assert_non_null(s);
    for (size_t i = 0; i < repeat; i++)
        memcpy(s + i * (sizeof unit - 1), unit, sizeof unit - 1);
    s[repeat * (sizeof unit - 1)] = '\0';
    char *attr, *text;
    libxml2_escapes(s, &attr, &text);
    fc_doc *doc = make_doc(s, SLOT_COUNT);
    char *xml;
    size_t len;
    fc_error err;
    assert_int_equal(write_doc(doc, &xml, &len, &err), FC_OK);
    assert_true(len > 13 * strlen(s));
    assert_holds(xml, "<title>", text, "</title>", 1);
    assert_holds(xml, "<level1 code=\"1\" name=\"", attr, "\">", 1);
    assert_holds(xml, "<cell>", text, "</cell>", 1);
    assert_holds(xml, "<column key=\"extra\" header=\"", attr, "\"/>", 1);
    fc_doc_free(doc);
    free(xml);
    free(attr);
    free(text);
    free(s);
}

/* ---- refused text --------------------------------------------------------- */

/* Text XML cannot carry, and what the error names. */
static const struct {
    const char *bytes;    /* the bad part */
    const char *message;  /* a part of the message */
} refused[] = {
    {"\x01", "U+0001"},
    {"\x07", "U+0007"},
    {"\x0b", "U+000B"},
    {"\x0c", "U+000C"},
    {"\x1f", "U+001F"},
    {"\x7f", "U+007F"},
    {"\xc2\x80", "U+0080"},
    {"\xc2\x85", "U+0085"},
    {"\xc2\x9f", "U+009F"},
    {"\xef\xbf\xbe", "U+FFFE"},
    {"\xef\xbf\xbf", "U+FFFF"},
    {"\xff", "not valid UTF-8"},
    {"\x80", "not valid UTF-8"},
    {"\xc0\xaf", "not valid UTF-8"},          /* overlong '/' */
    {"\xe0\x80\xaf", "not valid UTF-8"},      /* overlong, three bytes */
    {"\xed\xa0\x80", "not valid UTF-8"},      /* a surrogate */
    {"\xf0\x80\x80\xaf", "not valid UTF-8"},  /* overlong, four bytes */
    {"\xf4\x90\x80\x80", "not valid UTF-8"},  /* past U+10FFFF */
    {"\xe4\xb8", "not valid UTF-8"},          /* truncated */
    {"\xe4\xb8x", "not valid UTF-8"},         /* bad continuation */
    {"\xef\xbcx", "not valid UTF-8"},         /* truncated fullwidth form */
};

/* Each of them, in each place, fails the conversion with FC_ERR_INPUT at
 * the form's location (the output's name for the document's attachment),
 * and nothing is written. */
static void test_refuses_bad_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *head = concat("中", refused[i].bytes);
        char *s = concat(head, "x");
        for (int k = 0; k < SLOT_COUNT; k++) {
            fc_doc *doc = make_doc(s, (slot)k);
            char *xml;
            size_t len;
            fc_error err;
            fc_status st = write_doc(doc, &xml, &len, &err);
            if (st != FC_ERR_INPUT)
                fail_msg("bad text %zu in place %d: status %d, not FC_ERR_INPUT", i, k, st);
            assert_null(xml);
            assert_string_equal(err.location, k == SLOT_ATTACHMENT ? "<memory>" : ORIGIN);
            if (!strstr(err.message, refused[i].message))
                fail_msg("bad text %zu in place %d: \"%s\" does not name %s", i, k,
                         err.message, refused[i].message);
            fc_doc_free(doc);
        }
        free(s);
        free(head);
    }
}

/* After a refused form the writer refuses everything: a good form and the
 * end fail with the same error. */
static void test_failure_stays(void **state)
{
    (void)state;
    const fc_converter *conv = fc_converter_by_name("xml");
    fc_options opts = fc_test_options();
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    fc_error err;
    assert_int_equal(fc_output_memory(&out, &err), FC_OK);
    assert_int_equal(conv->open_writer(out, &opts, &sink, &err), FC_OK);
    fc_doc *bad = make_doc("\x07", SLOT_CELL);
    fc_doc *good = make_doc("好", SLOT_COUNT);
    assert_int_equal(sink->begin(sink, good, &err), FC_OK);
    assert_int_equal(sink->form(sink, good->forms[0], &err), FC_OK);
    assert_int_equal(sink->form(sink, bad->forms[0], &err), FC_ERR_INPUT);
    assert_non_null(strstr(err.message, "U+0007"));
    fc_error_clear(&err);
    assert_int_equal(sink->form(sink, good->forms[0], &err), FC_ERR_INPUT);
    assert_non_null(strstr(err.message, "U+0007"));
    fc_error_clear(&err);
    assert_int_equal(sink->end(sink, &err), FC_ERR_INPUT);
    assert_non_null(strstr(err.message, "U+0007"));
    sink->destroy(sink);
    fc_output_free(out);
    fc_doc_free(bad);
    fc_doc_free(good);
}

/* ---- layout --------------------------------------------------------------- */

/* Many forms make many times the writer's buffer: the document is the
 * one-form document with its project repeated, byte for byte. */
static void test_many_forms(void **state)
{
    (void)state;
    fc_doc *one = make_doc("项目", SLOT_COUNT);
    char *single;
    size_t single_len;
    fc_error err;
    assert_int_equal(write_doc(one, &single, &single_len, &err), FC_OK);
    const char *project = strstr(single, "\n  <project>");
    const char *end = strstr(single, "\n</forms>\n");
    assert_non_null(project);
    assert_non_null(end);
    assert_int_equal(end + strlen("\n</forms>\n") - single, (ptrdiff_t)single_len);
    size_t head_len = (size_t)(project - single), project_len = (size_t)(end - project);
    size_t copies = 3 * 65536 / project_len + 2;

    fc_doc *many = fc_doc_new();
    assert_non_null(many);
    assert_int_equal(fc_doc_set_attachment(many, one->attachment, strlen(one->attachment)),
                     FC_OK);
    for (size_t i = 0; i < copies; i++) {
        fc_form *f = fc_form_new();
        assert_non_null(f);
        assert_int_equal(fc_form_copy(f, one->forms[0]), FC_OK);
        assert_int_equal(fc_doc_add_form(many, f), FC_OK);
    }
    char *xml;
    size_t len;
    assert_int_equal(write_doc(many, &xml, &len, &err), FC_OK);
    assert_int_equal(len, head_len + copies * project_len + strlen("\n</forms>\n"));
    assert_memory_equal(xml, single, head_len);
    for (size_t i = 0; i < copies; i++)
        assert_memory_equal(xml + head_len + i * project_len, project, project_len);
    assert_string_equal(xml + head_len + copies * project_len, "\n</forms>\n");
    free(xml);
    free(single);
    fc_doc_free(many);
    fc_doc_free(one);
}

/* An element that holds nothing is "<name/>", as libxml2 writes it; a
 * document without attachment starts with its first project. */
static void test_empty_elements(void **state)
{
    (void)state;
    const fc_template *tpl = fc_test_template();
    fc_doc *doc = fc_doc_new();
    fc_form *f = fc_form_new();
    assert_non_null(doc);
    assert_non_null(f);
    const char *label = fc_template_label(tpl, FC_FIELD_NAME);
    assert_int_equal(fc_form_add_field(f, FC_FIELD_NAME, label, strlen(label), "", 0, false),
                     FC_OK);
    assert_int_equal(fc_template_apply_columns(tpl, f), FC_OK);
    assert_int_equal(fc_doc_add_form(doc, f), FC_OK);
    char *xml;
    size_t len;
    fc_error err;
    assert_int_equal(write_doc(doc, &xml, &len, &err), FC_OK);
    assert_string_equal(xml,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<forms xmlns=\"urn:formconv:budget-target-forms:1\">\n"
                        "  <project>\n"
                        "    <name></name>\n"
                        "    <indicators/>\n"
                        "  </project>\n"
                        "</forms>\n");
    free(xml);
    fc_doc_free(doc);
}

/* ---- unit lines -------------------------------------------------------------- */

/* A document of `count` forms, one project name each, whose unit lines are
 * `units` (NULL: none). The forms' origins are made.txt:LINE:1 with LINE
 * the form's number. */
static fc_doc *unit_doc(const char *const *units, size_t count)
{
    const fc_template *tpl = fc_test_template();
    const char *label = fc_template_label(tpl, FC_FIELD_NAME);
    fc_doc *doc = fc_doc_new();
    assert_non_null(doc);
    for (size_t i = 0; i < count; i++) {
        fc_form *f = fc_form_new();
        assert_non_null(f);
        snprintf(f->origin, sizeof f->origin, "made.txt:%zu:1", i + 1);
        if (units[i])
            assert_int_equal(fc_form_set_unit(f, units[i], strlen(units[i])), FC_OK);
        assert_int_equal(fc_form_add_field(f, FC_FIELD_NAME, label, strlen(label), "项目",
                                           strlen("项目"), false), FC_OK);
        assert_int_equal(fc_doc_add_form(doc, f), FC_OK);
    }
    return doc;
}

/* The unit element of the project that starts at `project` ("" when it
 * has none), malloc'd. */
static char *project_unit(const char *project)
{
    const char *end = strstr(project, "\n  </project>");
    const char *unit = strstr(project, "\n    <unit");
    assert_non_null(end);
    if (!unit || unit > end)
        return copy_n("", 0);
    unit += 5;
    return copy_n(unit, (size_t)(strchr(unit, '\n') - unit));
}

/* The document's unit line is the first form's; a project says <unit> only
 * where its form differs: its text for another line, <unit/> for none. An
 * empty unit line (which only a program can make) is written as none. The
 * XML reads back to every form's unit line. */
static void test_unit_lines(void **state)
{
    (void)state;
    static const struct {
        const char *units[5];       /* the forms' unit lines (NULL: none) */
        size_t count;               /* number of forms */
        const char *head;           /* forms/unit as written, "" when absent */
        const char *projects[5];    /* each project's unit element, "" when absent */
        const char *back[5];        /* the unit lines read back */
    } cases[] = {
        {{"单位：万元", "单位：元", NULL, "单位：万元", ""}, 5,
         "<unit>单位：万元</unit>",
         {"", "<unit>单位：元</unit>", "<unit/>", "", "<unit/>"},
         {"单位：万元", "单位：元", NULL, "单位：万元", NULL}},
        {{NULL, "a&<b>\"", NULL, "a&<b>\""}, 4,
         "",
         {"", "<unit>a&amp;&lt;b&gt;&quot;</unit>", "", "<unit>a&amp;&lt;b&gt;&quot;</unit>"},
         {NULL, "a&<b>\"", NULL, "a&<b>\""}},
        {{"", "单位：元"}, 2, "", {"", "<unit>单位：元</unit>"}, {NULL, "单位：元"}},
        {{"单位：万元"}, 1, "<unit>单位：万元</unit>", {""}, {"单位：万元"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fc_doc *doc = unit_doc(cases[i].units, cases[i].count);
        char *xml;
        size_t len;
        fc_error err;
        assert_int_equal(write_doc(doc, &xml, &len, &err), FC_OK);
        const char *root = strstr(xml, "<forms xmlns=\"urn:formconv:budget-target-forms:1\">");
        const char *first = strstr(xml, "\n  <project>");
        assert_non_null(root);
        assert_non_null(first);
        char *head = copy_n(root, (size_t)(first - root));
        char *want = concat("<forms xmlns=\"urn:formconv:budget-target-forms:1\">",
                            cases[i].head[0] ? "\n  " : "");
        char *want_head = concat(want, cases[i].head);
        assert_string_equal(head, want_head);
        size_t k = 0;
        for (const char *p = first; p; p = strstr(p + 1, "\n  <project>"), k++) {
            assert_true(k < cases[i].count);
            char *unit = project_unit(p);
            if (strcmp(unit, cases[i].projects[k]) != 0)
                fail_msg("case %zu, project %zu: unit element \"%s\", not \"%s\"", i, k + 1,
                         unit, cases[i].projects[k]);
            free(unit);
        }
        assert_int_equal(k, cases[i].count);
        fc_doc *back = NULL;
        assert_int_equal(fc_test_read_doc("xml", xml, len, "units.xml", NULL, &back, &err), FC_OK);
        assert_int_equal(back->form_count, cases[i].count);
        for (k = 0; k < cases[i].count; k++) {
            const char *got = back->forms[k]->unit;
            const char *expected = cases[i].back[k];
            if (expected ? !got || strcmp(got, expected) != 0 : got != NULL)
                fail_msg("case %zu, form %zu reads back with unit \"%s\"", i, k + 1,
                         got ? got : "(none)");
        }
        /* Written again, the same bytes. */
        char *again;
        size_t again_len;
        assert_int_equal(write_doc(back, &again, &again_len, &err), FC_OK);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, xml, len);
        free(again);
        fc_doc_free(back);
        free(want_head);
        free(want);
        free(head);
        free(xml);
        fc_doc_free(doc);
    }
}

/* Text XML cannot carry in the unit line of a later form (written in its
 * project) or of the first form (written as the document's) fails at that
 * form, and nothing is written. */
static void test_unit_bad_text(void **state)
{
    (void)state;
    static const char *const later[] = {"单位：万元", "单位\x07"};
    static const char *const first[] = {"单位\x07", "单位：万元"};
    const char *const *docs[] = {later, first};
    const char *where[] = {"made.txt:2:1", "made.txt:1:1"};
    for (size_t i = 0; i < 2; i++) {
        fc_doc *doc = unit_doc(docs[i], 2);
        char *xml;
        size_t len;
        fc_error err;
        assert_int_equal(write_doc(doc, &xml, &len, &err), FC_ERR_INPUT);
        assert_null(xml);
        assert_string_equal(err.location, where[i]);
        assert_non_null(strstr(err.message, "U+0007"));
        fc_doc_free(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping_matches_libxml2),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_refuses_bad_text),
        cmocka_unit_test(test_failure_stays),
        cmocka_unit_test(test_many_forms),
        cmocka_unit_test(test_empty_elements),
        cmocka_unit_test(test_unit_lines),
        cmocka_unit_test(test_unit_bad_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
