/*
 * xml_writer.c - writes the portal XML format (see xml.c for the format).
 *
 * libxml2's xmlTextWriter writes the frame of the document: the XML
 * declaration, the root <forms> with its namespace, and its end. What
 * stands inside the root (the attachment, the document's unit line and one
 * <project> per form, with line breaks and indentation) is formatted here
 * into a buffer of XML_PENDING_MAX bytes, which goes to libxml2 in one
 * xmlTextWriterWriteRawLen call each time it fills, and at the end.
 * libxml2's writer spends about ten small buffer writes, a list look-up, a
 * malloc and a strdup on every element and attribute: on the bench dump
 * (a seed-like form, 2.8 KB of XML) writing a form took about 98,000
 * instructions with every element going through it, 47,000 this way.
 *
 * The bytes are the ones libxml2's writer makes without its own
 * indentation: "<name a="v">", "<name a="v"/>" for an element without
 * content, "<name></name>" for empty text, and libxml2's escaping (see
 * escape_text), which the golden files and tests/test_xml_writer.c check.
 * Every text is checked as it is escaped: only valid UTF-8 holding
 * characters XML 1.0 can carry is written; anything else fails the form
 * with the first bad character.
 * */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "fc_target.h"
#include "fc_utf8.h"
#include "xml.h"


/* Most elements open at once inside <forms>: the format nests
 * project/indicators/level1/level2/indicator (5). */
#define XML_LEVELS 8

/* Size of the buffer of formatted XML handed to libxml2 in one piece. */
#define XML_PENDING_MAX (64 * 1024)

/* A sink that writes the XML format. */
typedef struct xml_writer {
    fc_sink base;                  /* sink interface (must be first) */
    fc_output *out;                /* destination (not owned, not committed here) */
    const fc_template *tpl;        /* the form's template: default labels, rows, columns */
    const fc_template *base_tpl;   /* the options' template (forced or the set's default) */
    const fc_template_set *templates; /* the set forms name their templates in, or NULL */
    xmlTextWriterPtr w;            /* libxml2's writer over `out`: the document's frame */
    fc_error io_error;             /* first failure of the output (code FC_OK if none) */
    bool bad_text;                 /* a text XML cannot carry was met */
    uint32_t bad_char;             /* with bad_text: its first bad character
                                      (0xFFFFFFFF: invalid UTF-8) */
    bool raw_failed;               /* libxml2 refused the formatted XML */
    bool too_deep;                 /* w_start met more than XML_LEVELS open elements */
    bool out_of_memory;            /* a scratch array could not grow */
    size_t forms;                  /* projects written so far */
    char *doc_unit;                /* the document's unit line (forms/unit): the first
                                      form's, malloc'd; NULL when it has none */
    int level;                     /* elements open inside <forms> (0: at the root) */
    const char *open[XML_LEVELS];  /* names of the open elements, outermost first */
    bool in_start_tag;             /* the last start tag written still lacks its
                                      ">" (or "/>" when nothing follows inside) */
    char *pending;                 /* formatted XML not yet handed to libxml2
                                      (XML_PENDING_MAX bytes) */
    size_t pending_len;            /* bytes used in pending */
    size_t *order;                 /* scratch: header fields in element order */
    unsigned *rows;                /* scratch: header row of each field (1-based) */
    bool *dedicated;               /* scratch: field written as its own element */
    size_t field_cap;              /* allocated length of order, rows, dedicated */
} xml_writer;

/* Output callback of libxml2's buffer: hands the bytes to the fc_output. */
static int xml_out_write(void *ctx, const char *buf, int len)
{
    xml_writer *x = ctx;
    if (x->io_error.code)
        return -1;
    if (len <= 0)
        return 0;
    if (fc_output_write(x->out, buf, (size_t)len, &x->io_error))
        return -1;
    return len;
}

/* True once the writer has failed: it writes nothing more. */
static bool w_failed(const xml_writer *x)
{
    return x->bad_text || x->raw_failed || x->too_deep || x->out_of_memory || x->io_error.code;
}

/* Hands the formatted XML gathered in x->pending to libxml2's writer and
 * empties the buffer. Returns false when libxml2 or the output failed
 * (then x->raw_failed stays set). */
static bool flush_pending(xml_writer *x)
{
    if (x->pending_len > 0 && !x->raw_failed) {
        fc_xml_handlers saved;
        fc_xml_handlers_push(&saved, fc_xml_drop_error, NULL);
        if (xmlTextWriterWriteRawLen(x->w, BAD_CAST x->pending, (int)x->pending_len) < 0)
            x->raw_failed = true;
        fc_xml_handlers_pop(&saved);
    }
    x->pending_len = 0;
    return !x->raw_failed;
}

/* put's way for bytes that do not fit in what is left of x->pending:
 * fills it, hands it to libxml2, and goes on with the rest. */
static void put_slow(xml_writer *x, const char *s, size_t len)
{
    while (len > 0 && !x->raw_failed) {
        size_t n = XML_PENDING_MAX - x->pending_len;
        if (n > len)
            n = len;
        memcpy(x->pending + x->pending_len, s, n);
        x->pending_len += n;
        s += n;
        len -= n;
        if (x->pending_len == XML_PENDING_MAX)
            flush_pending(x);
    }
}

/* Appends `len` bytes of formatted XML. A failure of libxml2 or of the
 * output is kept in x->raw_failed (the caller checks it at the end of the
 * form); the bytes are then dropped. */
static inline void put(xml_writer *x, const char *s, size_t len)
{
    if (XML_PENDING_MAX - x->pending_len >= len) {
        memcpy(x->pending + x->pending_len, s, len);
        x->pending_len += len;
    } else {
        put_slow(x, s, len);
    }
}

/* Records that a text holds code point `bad` XML cannot carry (0xFFFFFFFF:
 * invalid UTF-8). Returns false, for the caller to stop at once. */
static bool w_bad(xml_writer *x, uint32_t bad)
{
    if (!x->bad_text) {
        x->bad_text = true;
        x->bad_char = bad;
    }
    return false;
}

/* What escape_text does with each byte. */
enum {
    ESC_PLAIN = 0,  /* ASCII copied as is */
    ESC_REF,        /* & < > " and CR: always written as a reference */
    ESC_SPACE,      /* LF and TAB: a reference in an attribute value, else as is */
    ESC_BAD,        /* NUL, the other C0 controls and DEL: XML cannot carry them */
    ESC_LEAD3,      /* E1-EC, EE, EF: first byte of a three-byte sequence that is
                       an allowed character whenever it is well formed (no
                       overlong form, no surrogate), except EF BF BE/BF */
    ESC_MULTI       /* any other byte >= 0x80: decoded and checked */
};

/* The class of every byte value for escape_text (B: ESC_BAD, P:
 * ESC_PLAIN, R: ESC_REF, S: ESC_SPACE, L3: ESC_LEAD3, M: ESC_MULTI). */
#define B ESC_BAD
#define P ESC_PLAIN
#define R ESC_REF
#define S ESC_SPACE
#define L3 ESC_LEAD3
#define M ESC_MULTI
static const unsigned char escape_class[256] = {
    B, B, B, B, B, B, B, B, B, S, S, B, B, R, B, B,          /* 00-0F */
    B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,          /* 10-1F */
    P, P, R, P, P, P, R, P, P, P, P, P, P, P, P, P,          /* 20-2F: " & */
    P, P, P, P, P, P, P, P, P, P, P, P, R, P, R, P,          /* 30-3F: < > */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,          /* 40-4F */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,          /* 50-5F */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,          /* 60-6F */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, B,          /* 70-7F: DEL */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* 80-8F */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* 90-9F */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* A0-AF */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* B0-BF */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* C0-CF */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* D0-DF */
    M, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, M, L3, L3, /* E0-EF */
    M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,          /* F0-FF */
};
#undef B
#undef P
#undef R
#undef S
#undef L3
#undef M

/* The reference that stands for ASCII byte `c` of class ESC_REF or
 * ESC_SPACE. */
static const char *escape_reference(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\r': return "&#13;";
    case '\n': return "&#10;";
    default: return "&#9;"; /* '\t' */
    }
}

/* Appends `len` bytes of `text`, escaped, to the formatted XML. The one
 * place of the escaping rules, libxml2's own: in text content & < > " and
 * CR become &amp; &lt; &gt; &quot; &#13; (xmlEncodeSpecialChars); in an
 * attribute value (`attribute`) LF and TAB also become &#10; &#9;
 * (xmlBufAttrSerializeTxtContent), so that attribute value normalisation
 * cannot change them. Every other character is copied as is (UTF-8 stays
 * UTF-8), in runs. Returns false, with x->bad_char set, when the text is
 * not valid UTF-8 or holds a character fc_char_allowed refuses (a NUL
 * byte within `len` too); what came before it may have been appended. */
static bool escape_text(xml_writer *x, const char *text, size_t len, bool attribute)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + len;
    const unsigned char *run = p; /* first byte not yet appended */
    while (p < end) {
        unsigned char c = *p;
        unsigned char cls = escape_class[c];
        if (cls == ESC_LEAD3 && end - p >= 3 && (p[1] & 0xC0) == 0x80 &&
            (p[2] & 0xC0) == 0x80 && (c != 0xEF || p[1] != 0xBF)) {
            p += 3;
            continue;
        }
        if (cls == ESC_PLAIN || (cls == ESC_SPACE && !attribute)) {
            p++;
            continue;
        }
        if (cls == ESC_LEAD3 || cls == ESC_MULTI) {
            uint32_t cp;
            size_t n = fc_utf8_decode(p, (size_t)(end - p), &cp);
            if (n == 0)
                return w_bad(x, 0xFFFFFFFFu);
            if (!fc_char_allowed(cp))
                return w_bad(x, cp);
            p += n;
            continue;
        }
        if (cls == ESC_BAD)
            return w_bad(x, c);
        /* A byte written as a reference: the run before it goes first. */
        put(x, (const char *)run, (size_t)(p - run));
        const char *ref = escape_reference(c);
        put(x, ref, strlen(ref));
        run = ++p;
    }
    put(x, (const char *)run, (size_t)(p - run));
    return true;
}

/* Line break and indentation: "\n" then two spaces per level. */
static const char indentation[] = "\n                                ";

/* Bytes of line break and indentation for an element at `level`. */
static inline size_t indent_len(int level)
{
    if (level >= XML_LEVELS)
        level = XML_LEVELS - 1;
    return 1 + 2 * (size_t)(level + 1);
}

/* Writes "<`name`" on a line of its own at the current level, after
 * ending the start tag of the element it goes in. Attributes may follow
 * (w_attr); then leaf_end, or w_start's caller writes what it holds. */
static inline void start_tag(xml_writer *x, const char *name)
{
    if (x->in_start_tag)
        put(x, ">", 1);
    put(x, indentation, indent_len(x->level));
    put(x, "<", 1);
    put(x, name, strlen(name));
    x->in_start_tag = true;
}

/* Adds attribute `name`="`value`" (`len` bytes, escaped) to the start tag
 * being written. Returns false for text XML cannot carry. */
static bool w_attr_len(xml_writer *x, const char *name, const char *value, size_t len)
{
    put(x, " ", 1);
    put(x, name, strlen(name));
    put(x, "=\"", 2);
    bool ok = escape_text(x, value, len, true);
    put(x, "\"", 1);
    return ok;
}

/* w_attr_len for a NUL-terminated `value`. */
static bool w_attr(xml_writer *x, const char *name, const char *value)
{
    return w_attr_len(x, name, value, strlen(value));
}

/* Adds an unsigned number as attribute `name`. */
static bool w_attr_uint(xml_writer *x, const char *name, size_t value)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%zu", value);
    return w_attr_len(x, name, buf, (size_t)n);
}

/* Ends the element `name` that start_tag began as a leaf: "/>" when `text`
 * is NULL, else ">", the `len` bytes of `text` escaped and "</name>" (so
 * "<name></name>" for empty text, as libxml2 writes it). Returns false for
 * text XML cannot carry. */
static bool leaf_end(xml_writer *x, const char *name, const char *text, size_t len)
{
    x->in_start_tag = false;
    if (!text) {
        put(x, "/>", 2);
        return true;
    }
    put(x, ">", 1);
    if (!escape_text(x, text, len, false))
        return false;
    put(x, "</", 2);
    put(x, name, strlen(name));
    put(x, ">", 1);
    return true;
}

/* Writes <name>text</name> (NUL-terminated `text`) on a line of its own. */
static bool w_leaf(xml_writer *x, const char *name, const char *text)
{
    start_tag(x, name);
    return leaf_end(x, name, text, strlen(text));
}

/* Starts element `name`, which holds elements, on a line of its own;
 * attributes may follow, then its elements, then w_end. Returns false (and
 * sets x->too_deep) past XML_LEVELS open elements. */
static bool w_start(xml_writer *x, const char *name)
{
    if (x->level >= XML_LEVELS) {
        x->too_deep = true;
        return false;
    }
    start_tag(x, name);
    x->open[x->level++] = name;
    return true;
}

/* Ends the innermost element w_start opened: "/>" when nothing was written
 * inside it, else its end tag on a line of its own. */
static void w_end(xml_writer *x)
{
    const char *name = x->open[--x->level];
    if (x->in_start_tag) {
        x->in_start_tag = false;
        put(x, "/>", 2);
        return;
    }
    put(x, indentation, indent_len(x->level));
    put(x, "</", 2);
    put(x, name, strlen(name));
    put(x, ">", 1);
}

/* Splits the coded `text` ("0101-一年期项目") into *parts and adds its
 * code (when it has one), its name (with `with_name`) and its style (when
 * not the dash) as attributes of the start tag being written. */
static bool coded_attrs(xml_writer *x, const char *text, bool with_name, fc_coded *parts)
{
    fc_code_split(text, strlen(text), parts);
    bool ok = true;
    if (parts->style != FC_CODE_NONE)
        ok = w_attr_len(x, "code", parts->code, parts->code_len);
    if (ok && with_name)
        ok = w_attr_len(x, "name", parts->name, parts->name_len);
    if (ok && parts->style != FC_CODE_NONE && parts->style != FC_CODE_DASH)
        ok = w_attr(x, "style", fc_code_style_name(parts->style));
    return ok;
}

/* Grows the per-field scratch arrays to `n` entries. */
static bool w_fields_scratch(xml_writer *x, size_t n)
{
    if (n <= x->field_cap)
        return true;
    size_t want = n < 32 ? 32 : n * 2;
    size_t *order = realloc(x->order, want * sizeof *order);
    if (order)
        x->order = order;
    unsigned *rows = realloc(x->rows, want * sizeof *rows);
    if (rows)
        x->rows = rows;
    bool *dedicated = realloc(x->dedicated, want * sizeof *dedicated);
    if (dedicated)
        x->dedicated = dedicated;
    if (!order || !rows || !dedicated)
        return false;
    x->field_cap = want;
    return true;
}

/* Writes one header field. `hints` adds position and row. */
static bool w_field(xml_writer *x, const fc_form *form, size_t index, bool hints)
{
    const fc_field *f = &form->fields[index];
    bool dedicated = x->dedicated[index];
    const char *element = dedicated ? fc_field_key_name(f->key) : "field";
    bool ok = true;
    start_tag(x, element);
    if (!dedicated || strcmp(f->label, fc_template_label(x->tpl, f->key)) != 0)
        ok = w_attr(x, "label", f->label);
    if (ok && !dedicated && f->key != FC_FIELD_OTHER)
        ok = w_attr(x, "key", fc_field_key_name(f->key));
    if (ok && hints)
        ok = w_attr_uint(x, "position", index + 1) && w_attr_uint(x, "row", x->rows[index]);
    /* The block the field stands in, where it is not the template's. */
    const fc_template_field *tf = dedicated ? fc_template_field_of(x->tpl, f->key) : NULL;
    const char *default_group = tf ? tf->group : NULL;
    bool default_above = tf && tf->label_above;
    if (ok && !(f->group == default_group ||
                (f->group && default_group && strcmp(f->group, default_group) == 0)))
        ok = w_attr(x, "group", f->group ? f->group : "");
    if (ok && f->label_above != default_above)
        ok = w_attr(x, "above", f->label_above ? "true" : "false");
    const char *text = f->value;
    size_t len = strlen(text);
    if (ok && dedicated && (f->key == FC_FIELD_ATTRIBUTE || f->key == FC_FIELD_DIVISION)) {
        fc_coded parts;
        ok = coded_attrs(x, text, false, &parts);
        text = parts.name;
        len = parts.name_len;
    } else if (ok && dedicated &&
               (f->key == FC_FIELD_AMOUNT || f->key == FC_FIELD_FUND_TOTAL ||
                f->key == FC_FIELD_FUND_FISCAL || f->key == FC_FIELD_FUND_OTHER)) {
        char number[FC_TARGET_NUMBER_MAX], canonical[FC_TARGET_NUMBER_MAX];
        if (fc_target_number(text, len, number, sizeof number) &&
            fc_decimal_canonical(number, canonical, sizeof canonical))
            ok = w_attr(x, "value", canonical);
    }
    return ok && leaf_end(x, element, text, len);
}

/* Writes the header fields: dedicated elements in schema order, then the
 * others in form order, with layout hints when the form's order or rows
 * are not the default ones for that element order. */
static bool w_fields(xml_writer *x, const fc_form *form)
{
    size_t n = form->field_count;
    if (n == 0)
        return true;
    if (!w_fields_scratch(x, n)) {
        x->out_of_memory = true;
        return false;
    }
    size_t first[FC_FIELD_KEY_COUNT];
    for (int k = 0; k < FC_FIELD_KEY_COUNT; k++)
        first[k] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        fc_field_key key = form->fields[i].key;
        x->dedicated[i] = false;
        if (key != FC_FIELD_OTHER && key < FC_FIELD_KEY_COUNT && first[key] == SIZE_MAX) {
            first[key] = i;
            x->dedicated[i] = true;
        }
    }
    size_t count = 0;
    for (int k = FC_FIELD_NAME; k < FC_FIELD_KEY_COUNT; k++)
        if (first[k] != SIZE_MAX)
            x->order[count++] = first[k];
    for (size_t i = 0; i < n; i++)
        if (!x->dedicated[i])
            x->order[count++] = i;
    /* Rows as laid out, and whether they and the order match the default
     * (dedicated fields first, in the template's order, then the others). */
    bool hints = false, others_begun = false;
    size_t last_rank = 0;
    unsigned row = 0;
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && form->fields[i].same_row;
        if (!same)
            row++;
        x->rows[i] = row;
        if (x->dedicated[i]) {
            size_t rank = fc_xmlfmt_field_rank(x->tpl, form->fields[i].key);
            if (others_begun || (i > 0 && rank < last_rank))
                hints = true;
            last_rank = rank;
        } else {
            others_begun = true;
        }
        if (!hints && i > 0 &&
            same != fc_xmlfmt_default_same_row(x->tpl, form->fields[i - 1].key,
                                                   x->dedicated[i - 1], form->fields[i].key,
                                                   x->dedicated[i]))
            hints = true;
    }
    bool ok = true;
    for (size_t j = 0; ok && j < n; j++)
        ok = w_field(x, form, x->order[j], hints);
    return ok;
}

/* True when the form's columns are the template's four keyed ones. */
static bool default_columns(const fc_template *tpl, const fc_form *form)
{
    if (form->column_count != tpl->column_count)
        return false;
    for (size_t k = 0; k < form->column_count; k++)
        if (form->columns[k].key != tpl->columns[k].key ||
            strcmp(form->columns[k].header, tpl->columns[k].header) != 0 ||
            form->columns[k].subheader)
            return false;
    return true;
}

/* Writes <columns> when the table is not the template's default. */
static bool w_columns(xml_writer *x, const fc_form *form)
{
    if (form->column_count == 0 || default_columns(x->tpl, form))
        return true;
    bool ok = w_start(x, "columns");
    for (size_t k = 0; ok && k < form->column_count; k++) {
        const fc_column *c = &form->columns[k];
        start_tag(x, "column");
        ok = w_attr(x, "key", fc_column_key_name(c->key));
        if (ok && (c->key == FC_COL_EXTRA ||
                   strcmp(c->header, fc_template_column_header(x->tpl, c->key)) != 0))
            ok = w_attr(x, "header", c->header);
        if (ok && c->subheader)
            ok = w_attr(x, "subheader", c->subheader);
        ok = ok && leaf_end(x, "column", NULL, 0);
    }
    if (ok)
        w_end(x);
    return ok;
}

/* True when an indicator row holds nothing but its categories. */
static bool empty_row(const fc_form *form, const fc_indicator *row)
{
    for (int k = FC_COL_NAME; k < FC_COL_EXTRA; k++)
        if (fc_indicator_value(row, (fc_column_key)k)[0])
            return false;
    for (size_t k = 0; k < form->extra_count; k++)
        if (row->extra && row->extra[k][0])
            return false;
    return true;
}

/* Writes a target (element `name`: target, midterm-target) with its
 * derived reading. */
static bool w_target(xml_writer *x, const char *name, const char *target)
{
    size_t len = strlen(target);
    fc_target t;
    fc_target_parse(target, len, &t);
    bool ok = true;
    start_tag(x, name);
    if (t.kind != FC_TARGET_EMPTY)
        ok = w_attr(x, "kind", fc_target_kind_name(t.kind));
    if (ok && t.kind == FC_TARGET_QUANTITATIVE) {
        ok = w_attr(x, "computesign", fc_target_cmp_symbol(t.cmp)) &&
             w_attr(x, "indexval", t.number);
        if (ok && t.unit[0])
            ok = w_attr(x, "meterunit", t.unit);
    }
    return ok && leaf_end(x, name, target, len);
}

/* Writes one indicator row: <indicator> around name, target, the
 * mid-term target, score and explanation the table has, and extras. */
static bool w_indicator(xml_writer *x, const fc_form *form, const fc_indicator *row)
{
    bool ok = w_start(x, "indicator") && w_leaf(x, "name", row->name) &&
              w_target(x, "target", row->target);
    if (ok && fc_form_column_index(form, FC_COL_MIDTERM_TARGET) >= 0)
        ok = w_target(x, "midterm-target", row->midterm_target);
    if (ok && fc_form_column_index(form, FC_COL_SCORE) >= 0)
        ok = w_leaf(x, "score", row->score);
    if (ok && fc_form_column_index(form, FC_COL_EXPLANATION) >= 0)
        ok = w_leaf(x, "explanation", row->explanation);
    for (size_t k = 0; ok && k < form->extra_count; k++)
        ok = w_leaf(x, "extra", row->extra ? row->extra[k] : "");
    if (ok)
        w_end(x);
    return ok;
}

/* Writes the indicator rows [from, to) of one first-level run. */
static bool w_level1(xml_writer *x, const fc_form *form, size_t from, size_t to)
{
    const fc_indicator *rows = form->indicators;
    fc_coded parts;
    /* One empty row without a second level: the element alone says it. */
    if (to - from == 1 && rows[from].level2[0] == '\0' && empty_row(form, &rows[from])) {
        start_tag(x, "level1");
        return coded_attrs(x, rows[from].level1, true, &parts) && leaf_end(x, "level1", NULL, 0);
    }
    bool ok = w_start(x, "level1") && coded_attrs(x, rows[from].level1, true, &parts);
    size_t i = from;
    while (ok && i < to) {
        size_t j = i + 1;
        while (j < to && strcmp(rows[j].level2, rows[i].level2) == 0)
            j++;
        if (j - i == 1 && empty_row(form, &rows[i])) {
            /* A category without indicators: an empty element. */
            start_tag(x, "level2");
            ok = coded_attrs(x, rows[i].level2, true, &parts) && leaf_end(x, "level2", NULL, 0);
        } else {
            ok = w_start(x, "level2") && coded_attrs(x, rows[i].level2, true, &parts);
            for (size_t k = i; ok && k < j; k++)
                ok = w_indicator(x, form, &rows[k]);
            if (ok)
                w_end(x);
        }
        i = j;
    }
    if (ok)
        w_end(x);
    return ok;
}

/* Writes the indicator table. */
static bool w_indicators(xml_writer *x, const fc_form *form)
{
    bool ok = w_start(x, "indicators");
    /* The label down the table's left, where it is not the template's. */
    const char *label = form->table_label, *fallback = x->tpl->table_label;
    if (ok && !(label == fallback || (label && fallback && strcmp(label, fallback) == 0)))
        ok = w_attr(x, "label", label ? label : "");
    ok = ok && w_columns(x, form);
    size_t i = 0;
    while (ok && i < form->indicator_count) {
        size_t j = i + 1;
        while (j < form->indicator_count &&
               strcmp(form->indicators[j].level1, form->indicators[i].level1) == 0)
            j++;
        ok = w_level1(x, form, i, j);
        i = j;
    }
    if (ok)
        w_end(x);
    return ok;
}

/* Writes one note. */
static bool w_note(xml_writer *x, const fc_note *note)
{
    bool ok = w_start(x, "note") && w_attr(x, "place", fc_xmlfmt_note_place_name(note->place));
    if (ok && note->place == FC_NOTE_IN_HEADER)
        ok = w_attr_uint(x, "after-fields", note->after_fields);
    for (size_t k = 0; ok && k < note->cell_count; k++)
        ok = w_leaf(x, "cell", note->cells[k]);
    if (ok)
        w_end(x);
    return ok;
}

/* The unit line `form` carries in the XML: its own, or NULL for none. An
 * empty unit line counts as none: no reader makes one, and the format
 * spells "no unit line" as an empty <unit/> (only a program building forms
 * itself can hand over ""; it comes back as none). */
static const char *form_unit(const fc_form *form)
{
    return form->unit && form->unit[0] ? form->unit : NULL;
}

/* Writes forms/unit, the unit line the document's forms share: the first
 * form's `unit` (nothing when NULL). Keeps a copy in x->doc_unit for the
 * forms that follow. */
static bool w_doc_unit(xml_writer *x, const char *unit)
{
    if (!unit)
        return true;
    size_t len = strlen(unit);
    x->doc_unit = malloc(len + 1);
    if (!x->doc_unit) {
        x->out_of_memory = true;
        return false;
    }
    memcpy(x->doc_unit, unit, len + 1);
    return w_leaf(x, "unit", unit);
}

/* Writes project/unit only where the form's unit line (`unit`, NULL for
 * none) is not the document's: its text when it is another line, an empty
 * <unit/> when the form has none although the document has one. */
static bool w_project_unit(xml_writer *x, const char *unit)
{
    if (!unit) {
        if (!x->doc_unit)
            return true;
        start_tag(x, "unit");
        return leaf_end(x, "unit", NULL, 0);
    }
    if (x->doc_unit && strcmp(unit, x->doc_unit) == 0)
        return true;
    return w_leaf(x, "unit", unit);
}

/* Turns the writer's failure into an error located at `where`. */
static fc_status w_failure(xml_writer *x, const char *where, fc_error *err)
{
    if (x->io_error.code) {
        if (err)
            *err = x->io_error;
        return x->io_error.code;
    }
    if (x->bad_text && x->bad_char == 0xFFFFFFFFu)
        return fc_error_set(err, FC_ERR_INPUT, where, "text is not valid UTF-8; "
                            "it cannot be written as XML");
    if (x->bad_text)
        return fc_error_set(err, FC_ERR_INPUT, where, "text holds the character U+%04X, "
                            "which XML cannot carry", (unsigned)x->bad_char);
    if (x->out_of_memory)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(x->out),
                            "out of memory while writing XML");
    if (x->too_deep)
        return fc_error_set(err, FC_ERR_INTERNAL, fc_output_name(x->out),
                            "elements nested deeper than the writer tracks");
    return fc_error_set(err, FC_ERR_INTERNAL, fc_output_name(x->out),
                        "libxml2's writer failed");
}

static fc_status xml_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    xml_writer *x = (xml_writer *)self;
    fc_xml_handlers saved;
    fc_xml_handlers_push(&saved, fc_xml_drop_error, NULL);
    bool ok = xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) >= 0 &&
              xmlTextWriterStartElementNS(x->w, NULL, BAD_CAST "forms", BAD_CAST XML_NS) >= 0;
    fc_xml_handlers_pop(&saved);
    if (!ok)
        x->raw_failed = true;
    /* libxml2 ends the root's start tag itself when the first raw text
     * comes: what follows stands inside <forms>. */
    x->level = 0;
    x->in_start_tag = false;
    if (ok && doc && doc->attachment)
        ok = w_leaf(x, "attachment", doc->attachment);
    return ok && !w_failed(x) ? FC_OK : w_failure(x, fc_output_name(x->out), err);
}

static fc_status xml_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    xml_writer *x = (xml_writer *)self;
    const char *where = form->origin[0] ? form->origin : fc_output_name(x->out);
    if (w_failed(x))
        return w_failure(x, where, err);
    const char *unit = form_unit(form);
    bool ok = true;
    /* The document's unit line is the first form's: it stands after the
     * attachment (written by xml_begin, nothing in between) and before the
     * first project. */
    if (x->forms == 0)
        ok = w_doc_unit(x, unit);
    x->tpl = fc_template_for_form(x->templates, x->base_tpl, form);
    ok = ok && w_start(x, "project");
    if (ok && form->template_id)
        ok = w_attr(x, "template", form->template_id);
    if (ok && form->title)
        ok = w_leaf(x, "title", form->title);
    if (ok && form->subtitle)
        ok = w_leaf(x, "subtitle", form->subtitle);
    ok = ok && w_project_unit(x, unit);
    ok = ok && w_fields(x, form);
    if (ok && (form->column_count || form->indicator_count))
        ok = w_indicators(x, form);
    for (size_t i = 0; ok && i < form->note_count; i++)
        ok = w_note(x, &form->notes[i]);
    if (ok)
        w_end(x);
    if (!ok || w_failed(x))
        return w_failure(x, where, err);
    x->forms++;
    return FC_OK;
}

static fc_status xml_end(fc_sink *self, fc_error *err)
{
    xml_writer *x = (xml_writer *)self;
    if (w_failed(x))
        return w_failure(x, fc_output_name(x->out), err);
    if (x->forms == 0) /* the schema needs a project: never write what it refuses */
        return fc_error_set(err, FC_ERR_INPUT, fc_output_name(x->out),
                            "no form to write: an XML document holds at least one project");
    put(x, indentation, 1);
    bool ok = flush_pending(x);
    fc_xml_handlers saved;
    fc_xml_handlers_push(&saved, fc_xml_drop_error, NULL);
    ok = ok && xmlTextWriterEndDocument(x->w) >= 0 && xmlTextWriterFlush(x->w) >= 0;
    /* Freeing the writer flushes libxml2's buffer into the output. */
    xmlFreeTextWriter(x->w);
    x->w = NULL;
    fc_xml_handlers_pop(&saved);
    if (!ok || x->io_error.code) {
        x->raw_failed = true;
        return w_failure(x, fc_output_name(x->out), err);
    }
    return FC_OK;
}

static void xml_destroy(fc_sink *self)
{
    xml_writer *x = (xml_writer *)self;
    if (!x)
        return;
    if (x->w) {
        fc_xml_handlers saved;
        fc_xml_handlers_push(&saved, fc_xml_drop_error, NULL);
        xmlFreeTextWriter(x->w);
        fc_xml_handlers_pop(&saved);
    }
    free(x->pending);
    free(x->doc_unit);
    free(x->order);
    free(x->rows);
    free(x->dedicated);
    free(x);
}

fc_status fc_xmlfmt_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                fc_error *err)
{
    *sink = NULL;
    fc_xml_init();
    if (!opts || !opts->tpl)
        return fc_error_set(err, FC_ERR_USAGE, NULL, "the XML writer needs a template");
    xml_writer *x = calloc(1, sizeof *x);
    if (!x)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    x->base.begin = xml_begin;
    x->base.form = xml_form;
    x->base.end = xml_end;
    x->base.destroy = xml_destroy;
    x->out = out;
    x->tpl = x->base_tpl = opts->tpl;
    x->templates = opts->templates;
    x->pending = malloc(XML_PENDING_MAX);
    fc_xml_handlers saved;
    fc_xml_handlers_push(&saved, fc_xml_drop_error, NULL);
    xmlOutputBufferPtr buffer = x->pending ? xmlOutputBufferCreateIO(xml_out_write, NULL, x,
                                                                     NULL) : NULL;
    if (buffer)
        x->w = xmlNewTextWriter(buffer); /* owns the buffer from here on */
    fc_xml_handlers_pop(&saved);
    if (!x->w) {
        if (buffer)
            xmlOutputBufferClose(buffer);
        xml_destroy(&x->base);
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    }
    *sink = &x->base;
    return FC_OK;
}
