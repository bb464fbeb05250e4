/*
 * xml_reader.c - reads and validates the portal XML format (see xml.c for
 * the format): libxml2's xmlTextReader, streaming, validated against the
 * built-in schema while it reads (unless the option "no-validate" is given).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlreader.h>

#include "fc_embedded.h"
#include "fc_target.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"
#include "xml.h"

/* The elements of the format. */
typedef enum xml_elem {
    EL_DOCUMENT = 0,  /* no element open yet */
    EL_FORMS,         /* the root */
    EL_ATTACHMENT,    /* forms/attachment */
    EL_DOC_UNIT,      /* forms/unit: the unit line the forms share */
    EL_PROJECT,       /* forms/project */
    EL_TITLE,         /* project/title */
    EL_SUBTITLE,      /* project/subtitle: the line under the title */
    EL_UNIT,          /* project/unit: the form's own unit line */
    EL_F_NAME,        /* project/name ... project/goal: dedicated fields, */
    EL_F_DEPARTMENT,  /* in the order of fc_field_key */
    EL_F_IMPLEMENTER,
    EL_F_ATTRIBUTE,
    EL_F_DURATION,
    EL_F_DIVISION,
    EL_F_AMOUNT,
    EL_F_GOAL,
    EL_F_MIDTERM_GOAL,
    EL_F_FUND_TOTAL,
    EL_F_FUND_FISCAL,
    EL_F_FUND_OTHER,
    EL_FIELD,         /* project/field: a further header field */
    EL_INDICATORS,    /* project/indicators */
    EL_COLUMNS,       /* indicators/columns */
    EL_COLUMN,        /* columns/column */
    EL_LEVEL1,        /* indicators/level1 */
    EL_LEVEL2,        /* level1/level2 */
    EL_INDICATOR,     /* level2/indicator */
    EL_I_NAME,        /* indicator/name */
    EL_TARGET,        /* indicator/target */
    EL_MIDTERM_TARGET,/* indicator/midterm-target */
    EL_SCORE,         /* indicator/score */
    EL_EXPLANATION,   /* indicator/explanation */
    EL_EXTRA,         /* indicator/extra */
    EL_NOTE,          /* project/note */
    EL_CELL,          /* note/cell */
    EL_COUNT          /* number of elements; not an element */
} xml_elem;

/* What the reader knows of each element. */
typedef struct elem_info {
    const char *name;    /* local name */
    xml_elem parent;     /* the element it appears in */
    bool leaf;           /* holds text (and no elements) */
    const char *attrs;   /* allowed attributes, space-separated, with spaces around */
} elem_info;

static const elem_info elements[EL_COUNT] = {
    [EL_DOCUMENT] = {"", EL_DOCUMENT, false, " "},
    [EL_FORMS] = {"forms", EL_DOCUMENT, false, " "},
    [EL_ATTACHMENT] = {"attachment", EL_FORMS, true, " "},
    [EL_DOC_UNIT] = {"unit", EL_FORMS, true, " "},
    [EL_PROJECT] = {"project", EL_FORMS, false, " template "},
    [EL_TITLE] = {"title", EL_PROJECT, true, " "},
    [EL_SUBTITLE] = {"subtitle", EL_PROJECT, true, " "},
    [EL_UNIT] = {"unit", EL_PROJECT, true, " "},
    [EL_F_NAME] = {"name", EL_PROJECT, true, " label position row group above "},
    [EL_F_DEPARTMENT] = {"department", EL_PROJECT, true, " label position row group above "},
    [EL_F_IMPLEMENTER] = {"implementer", EL_PROJECT, true, " label position row group above "},
    [EL_F_ATTRIBUTE] = {"attribute", EL_PROJECT, true,
                        " label position row group above code style "},
    [EL_F_DURATION] = {"duration", EL_PROJECT, true, " label position row group above "},
    [EL_F_DIVISION] = {"division", EL_PROJECT, true,
                       " label position row group above code style "},
    [EL_F_AMOUNT] = {"amount", EL_PROJECT, true, " label position row group above value "},
    [EL_F_GOAL] = {"goal", EL_PROJECT, true, " label position row group above "},
    [EL_F_MIDTERM_GOAL] = {"midterm-goal", EL_PROJECT, true, " label position row group above "},
    [EL_F_FUND_TOTAL] = {"fund-total", EL_PROJECT, true,
                         " label position row group above value "},
    [EL_F_FUND_FISCAL] = {"fund-fiscal", EL_PROJECT, true,
                          " label position row group above value "},
    [EL_F_FUND_OTHER] = {"fund-other", EL_PROJECT, true,
                         " label position row group above value "},
    [EL_FIELD] = {"field", EL_PROJECT, true, " label key position row group above "},
    [EL_INDICATORS] = {"indicators", EL_PROJECT, false, " label "},
    [EL_COLUMNS] = {"columns", EL_INDICATORS, false, " "},
    [EL_COLUMN] = {"column", EL_COLUMNS, false, " key header subheader "},
    [EL_LEVEL1] = {"level1", EL_INDICATORS, false, " code name style "},
    [EL_LEVEL2] = {"level2", EL_LEVEL1, false, " code name style "},
    [EL_INDICATOR] = {"indicator", EL_LEVEL2, false, " "},
    [EL_I_NAME] = {"name", EL_INDICATOR, true, " "},
    [EL_TARGET] = {"target", EL_INDICATOR, true, " kind computesign indexval meterunit "},
    [EL_MIDTERM_TARGET] = {"midterm-target", EL_INDICATOR, true,
                           " kind computesign indexval meterunit "},
    [EL_SCORE] = {"score", EL_INDICATOR, true, " "},
    [EL_EXPLANATION] = {"explanation", EL_INDICATOR, true, " "},
    [EL_EXTRA] = {"extra", EL_INDICATOR, true, " "},
    [EL_NOTE] = {"note", EL_PROJECT, false, " place after-fields "},
    [EL_CELL] = {"cell", EL_NOTE, true, " "},
};

/* Deepest nesting of the format (forms/project/indicators/level1/level2/
 * indicator/name). */
#define XML_STACK_MAX 8

/* A short attribute value kept until the element ends. */
typedef struct short_value {
    bool given;     /* the attribute was present */
    bool too_long;  /* it did not fit in text */
    char text[64];  /* its value */
} short_value;

/* Attributes of the element being read (only what the model needs). */
typedef struct xml_attrs {
    const char *label;        /* label / header (copied into the form), or NULL */
    const char *name;         /* category name (copied into the form), or NULL */
    short_value code;         /* code of a coded value */
    fc_code_style style;      /* code style (FC_CODE_DASH unless given) */
    bool has_style;           /* style was given */
    unsigned long position;   /* header position hint (0: none) */
    unsigned long row;        /* header row hint (0: none) */
    bool has_key;             /* key was given */
    fc_field_key field_key;   /* field/@key */
    fc_column_key column_key; /* column/@key */
    bool has_place;           /* place was given */
    fc_note_place place;      /* note/@place */
    size_t after_fields;      /* note/@after-fields */
    short_value value;        /* amount/@value */
    short_value kind;         /* target/@kind */
    short_value computesign;  /* target/@computesign */
    short_value indexval;     /* target/@indexval */
    short_value meterunit;    /* target/@meterunit */
    const char *group;        /* a field's group (copied into the form), or NULL */
    const char *subheader;    /* a column's subheader (copied into the form), or NULL */
    bool has_group;           /* group was given ("" means none) */
    bool above;               /* a field's above */
    bool has_above;           /* above was given */
    short_value template_id;  /* project/@template */
} xml_attrs;

/* Layout facts of one header field, in the order the fields were read. */
typedef struct field_hint {
    unsigned long position;   /* position hint (0: none) */
    unsigned long row;        /* row hint (0: none) */
    bool dedicated;           /* read from a dedicated element */
    const char *group;        /* its block (in the form), or NULL */
    bool above;               /* its label stands above its value */
} field_hint;

/* The problems libxml2 reported while reading one document. */
typedef struct xml_problems {
    const char *name;        /* document name for locations */
    unsigned long count;     /* problems seen */
    fc_error first;          /* the first one */
    fc_error first_fatal;    /* the first well-formedness error (code FC_OK if none): a
                                truncated file also upsets the validator, but this says why */
    fc_report_fn report;     /* optional receiver of every problem */
    void *report_ctx;        /* its context */
} xml_problems;

/* State of one XML document being read. */
typedef struct xml_reader {
    const char *name;             /* input name for messages */
    const fc_options *opts;       /* options (templates, warnings) */
    const fc_template *tpl;       /* the open project's template (defaults) */
    fc_limits limits;             /* effective limits */
    fc_input *in;                 /* the input */
    xmlTextReaderPtr r;           /* libxml2's reader */
    xml_problems errors;          /* libxml2's errors */
    fc_error io_error;            /* failure of the input (code FC_OK if none) */
    bool eof;                     /* the input has no more bytes */
    int open_elements;            /* validation only: elements opened and not closed */
    fc_sink *sink;                /* receiver of forms */
    char *attachment;             /* attachment label (malloc), or NULL */
    char *doc_unit;               /* the document's unit line (malloc), or NULL for none */
    bool begun;                   /* sink->begin was called */
    fc_form *form;                /* the form being read (reused) */
    unsigned long form_line;      /* line of its <project> */
    xml_elem stack[XML_STACK_MAX];/* open elements */
    int depth;                    /* number of open elements */
    fc_buf text;                  /* text of the open leaf element */
    xml_attrs attrs;              /* attributes of the open leaf element */
    field_hint *hints;            /* per field of the form, in reading order */
    size_t hint_capacity;         /* allocated length of hints */
    fc_column *columns;           /* columns being declared */
    size_t column_count;          /* their number */
    size_t column_capacity;       /* allocated length of columns */
    bool columns_set;             /* the form's columns are settled */
    bool has_column[FC_COL_EXTRA];/* keyed columns the table has */
    const char *level1;           /* the open first-level category (in the form) */
    const char *level2;           /* the open second-level category (in the form) */
    bool level1_has_children;     /* the open level1 held a level2 */
    bool level2_has_children;     /* the open level2 held an indicator */
    const char *ind_name;         /* the open indicator's name, or NULL */
    const char *ind_target;       /* its target, or NULL */
    const char *ind_midterm;      /* its mid-term target, or NULL */
    const char *ind_score;        /* its score, or NULL */
    const char *ind_explanation;  /* its explanation, or NULL */
    const char **extras;          /* its extra values (extra_count slots) */
    size_t extras_capacity;       /* allocated length of extras */
    size_t extras_read;           /* extra values read so far */
    const char **cells;           /* cells of the open note */
    size_t cell_count;            /* their number */
    size_t cell_capacity;         /* allocated length of cells */
    fc_note_place note_place;     /* place of the open note */
    size_t note_after;            /* its after-fields */
} xml_reader;

/* Replaces every `from` in the NUL-terminated `text` (of `size` bytes) by `to`. */
static void replace_all(char *text, size_t size, const char *from, const char *to)
{
    size_t from_len = strlen(from), to_len = strlen(to);
    char *at = text;
    while ((at = strstr(at, from)) != NULL) {
        size_t tail = strlen(at + from_len);
        if ((size_t)(at - text) + to_len + tail + 1 > size)
            return;
        memmove(at + to_len, at + from_len, tail + 1);
        memcpy(at, to, to_len);
        at += to_len;
    }
}

/* Turns a libxml2 message into one plain line: no line breaks, no
 * namespace of our own elements, and clearer words for the common cases. */
static void tidy_message(const xmlError *e, char *out, size_t size)
{
    char raw[FC_ERROR_MESSAGE_MAX];
    fc_xml_message(e, raw, sizeof raw);
    for (char *p = raw; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (e->code == XML_SCHEMAV_CVC_ELT_1) {
        /* "Element '{ns}name': No matching global declaration available..." */
        const char *found = strchr(raw, '\'');
        const char *close = found ? strchr(found + 1, '\'') : NULL;
        int n = (found && close) ? (int)(close - found - 1) : 0;
        const char *what = found ? found + 1 : "";
        const char *hint = "";
        if (n && strstr(raw, XML_NS_FAMILY))
            hint = " (another version of the format)";
        else if (n && strstr(raw, "urn:schemas-microsoft-com:office:spreadsheet"))
            hint = " (Excel 2003 XML, SpreadsheetML)";
        snprintf(out, size, "not a formconv XML document: the root element is %.*s%s, "
                 "expected forms in namespace %s", n, what, hint, XML_NS);
        return;
    }
    if (strncmp(raw, "Input is not proper UTF-8", 25) == 0) {
        const char *bytes = strstr(raw, "Bytes:");
        snprintf(out, size, "invalid UTF-8 (the format is UTF-8)%s%s", bytes ? "; " : "",
                 bytes ? bytes : "");
        return;
    }
    snprintf(out, size, "%s", raw);
    replace_all(out, size, "{" XML_NS "}", "");
    size_t len = strlen(out);
    while (len && (out[len - 1] == ' ' || out[len - 1] == '.'))
        out[--len] = '\0';
}

/* Prepares the problem collector. */
static void problems_init(xml_problems *p, const char *name, fc_report_fn report,
                          void *report_ctx)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->report = report;
    p->report_ctx = report_ctx;
}

/* Records a problem found by formconv itself. */
static void problems_add(xml_problems *p, const fc_error *problem, bool fatal)
{
    if (p->count == 0)
        p->first = *problem;
    if (fatal && p->first_fatal.code == FC_OK)
        p->first_fatal = *problem;
    if (p->count < ULONG_MAX)
        p->count++;
    if (p->report)
        p->report(p->report_ctx, problem);
}

/* libxml2's structured error handler (user data: an xml_problems).
 * Warnings are dropped; errors are collected with FILE:LINE. */
static void collect_problem(void *data, xmlErrorPtr e)
{
    xml_problems *p = data;
    if (!p || !e || e->level == XML_ERR_WARNING)
        return;
    char message[FC_ERROR_MESSAGE_MAX];
    tidy_message(e, message, sizeof message);
    fc_error problem;
    fc_error_at_line(&problem, FC_ERR_INPUT, p->name, e->line > 0 ? (unsigned long)e->line : 0,
                     0, "%s", message);
    problems_add(p, &problem, e->level == XML_ERR_FATAL);
}

/* Line of the reader's current node (the parser's line as a fallback). */
static unsigned long current_line(const xml_reader *x)
{
    if (!x->r)
        return 0;
    xmlNodePtr node = xmlTextReaderCurrentNode(x->r);
    long line = node ? xmlGetLineNo(node) : -1;
    if (line <= 0)
        line = xmlTextReaderGetParserLineNumber(x->r);
    return line > 0 ? (unsigned long)line : 0;
}

/* Sets `err` to a problem (printf-style) at the current node. */
static fc_status reject(const xml_reader *x, fc_error *err, fc_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static fc_status reject(const xml_reader *x, fc_error *err, fc_status code, const char *fmt, ...)
{
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return fc_error_at_line(err, code, x->name, current_line(x), 0, "%s", message);
}

/* Reports a warning (printf-style) at `line`. */
static void warn(const xml_reader *x, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(const xml_reader *x, unsigned long line, const char *fmt, ...)
{
    if (!x->opts->warn)
        return;
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fc_error w;
    fc_error_at_line(&w, FC_OK, x->name, line, 0, "%s", message);
    w.severity = FC_SEVERITY_WARNING;
    x->opts->warn(x->opts->warn_ctx, &w);
}

/* Out of memory (or over the form's arena limit). */
static fc_status no_memory(const xml_reader *x, fc_error *err)
{
    return reject(x, err, FC_ERR_NOMEM, "out of memory (or the form exceeds %zu MiB)",
                  (size_t)(FC_FORM_ARENA_LIMIT >> 20));
}

/* Input callback of libxml2's reader. */
static int xml_in_read(void *ctx, char *buf, int len)
{
    xml_reader *x = ctx;
    if (x->io_error.code)
        return -1;
    size_t got = 0;
    if (len <= 0)
        return 0;
    if (fc_input_read(x->in, buf, (size_t)len, &got, &x->io_error))
        return -1;
    if (got == 0)
        x->eof = true;
    return (int)got;
}

/* Close callback: the input belongs to the caller. */
static int xml_in_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Line (1-based) of byte `offset` of `head`. */
static unsigned long line_of(const unsigned char *head, size_t offset)
{
    unsigned long line = 1;
    for (size_t i = 0; i < offset; i++)
        if (head[i] == '\n')
            line++;
    return line;
}

size_t fc_xmlfmt_find(const unsigned char *head, size_t len, size_t from, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++)
        if (head[i] == (unsigned char)needle[0] && memcmp(head + i, needle, n) == 0)
            return i;
    return SIZE_MAX;
}

/* Checks the encoding named in an XML declaration head[from, to). */
static fc_status check_declaration(const char *name, const unsigned char *head, size_t from,
                                   size_t to, fc_error *err)
{
    size_t at = fc_xmlfmt_find(head, to, from, "encoding");
    if (at == SIZE_MAX)
        return FC_OK;
    size_t i = at + 8;
    while (i < to && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i < to && head[i] == '=')
        i++;
    while (i < to && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= to || (head[i] != '"' && head[i] != '\''))
        return FC_OK; /* malformed: libxml2 says so */
    unsigned char quote = head[i++];
    size_t start = i;
    while (i < to && head[i] != quote)
        i++;
    size_t n = i - start;
    char value[32];
    if (n < sizeof value) {
        memcpy(value, head + start, n);
        value[n] = '\0';
        if (strcasecmp(value, "UTF-8") == 0 || strcasecmp(value, "UTF8") == 0)
            return FC_OK;
    }
    return fc_error_at_line(err, FC_ERR_INPUT, name, line_of(head, at), 0,
                            "encoding \"%.*s\" is not supported: the format is UTF-8",
                            (int)(n < 32 ? n : 32), (const char *)head + start);
}

/* Looks at the prolog before libxml2 does: only UTF-8 is accepted and any
 * DOCTYPE is refused here, so that no DTD, entity declaration or external
 * subset is ever parsed. */
static fc_status prescan(fc_input *in, const char *name, fc_error *err)
{
    size_t len = 0;
    const unsigned char *head = fc_input_peek(in, &len, err);
    if (!head)
        return err ? err->code : FC_ERR_READ;
    if (len == 0)
        return fc_error_set(err, FC_ERR_INPUT, name, "empty input: not an XML document");
    if (len >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF) ||
                     (head[0] == 0 && head[1] == '<') || (head[0] == '<' && head[1] == 0)))
        return fc_error_at_line(err, FC_ERR_INPUT, name, 1, 0,
                                "UTF-16 XML is not supported: the format is UTF-8");
    size_t i = (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
    for (;;) {
        while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
            i++;
        if (i >= len)
            break;
        if (head[i] != '<')
            return FC_OK; /* not XML: libxml2 says so */
        if (i + 1 < len && head[i + 1] == '?') {
            size_t end = fc_xmlfmt_find(head, len, i + 2, "?>");
            if (end == SIZE_MAX)
                break;
            if (i + 5 < len && memcmp(head + i, "<?xml", 5) == 0 &&
                (head[i + 5] == ' ' || head[i + 5] == '\t' || head[i + 5] == '\r' ||
                 head[i + 5] == '\n')) {
                fc_status st = check_declaration(name, head, i + 5, end, err);
                if (st)
                    return st;
            }
            i = end + 2;
            continue;
        }
        if (i + 3 < len && memcmp(head + i, "<!--", 4) == 0) {
            size_t end = fc_xmlfmt_find(head, len, i + 4, "-->");
            if (end == SIZE_MAX)
                break;
            i = end + 3;
            continue;
        }
        if (i + 1 < len && head[i + 1] == '!')
            return fc_error_at_line(err, FC_ERR_INPUT, name, line_of(head, i), 0,
                                    "a DOCTYPE is not allowed (no DTDs, no entity declarations)");
        return FC_OK; /* the root element starts here */
    }
    if (len >= FC_PEEK_SIZE)
        return fc_error_at_line(err, FC_ERR_LIMIT, name, line_of(head, i), 0,
                                "the XML prolog is longer than %d bytes", FC_PEEK_SIZE);
    return FC_OK; /* a truncated prolog: libxml2 says what is missing */
}

/* Creates libxml2's reader over `in`, validating against `vctxt` when it
 * is not NULL, with errors going to x->errors. */
static fc_status open_reader(xml_reader *x, xmlSchemaValidCtxtPtr vctxt, fc_error *err)
{
    x->r = xmlReaderForIO(xml_in_read, xml_in_close, x, x->name, NULL, XML_READ_OPTIONS);
    if (!x->r)
        return fc_error_set(err, FC_ERR_NOMEM, x->name, "out of memory");
    xmlTextReaderSetStructuredErrorHandler(x->r, collect_problem, &x->errors);
    if (vctxt && xmlTextReaderSchemaValidateCtxt(x->r, vctxt, 0) != 0)
        return fc_error_set(err, FC_ERR_INTERNAL, x->name, "cannot start schema validation");
    return FC_OK;
}

/* Compiles the built-in schema and a validation context reporting to
 * x->errors. */
static fc_status load_schema(xml_reader *x, xmlSchemaPtr *schema, xmlSchemaValidCtxtPtr *vctxt,
                             fc_error *err)
{
    *vctxt = NULL;
    fc_status st = fc_xml_schema_load(fc_embedded_forms_xsd, fc_embedded_forms_xsd_size,
                                      XML_SCHEMA_NAME, schema, err);
    if (st)
        return st;
    *vctxt = xmlSchemaNewValidCtxt(*schema);
    if (!*vctxt)
        return fc_error_set(err, FC_ERR_NOMEM, x->name, "out of memory");
    xmlSchemaSetValidStructuredErrors(*vctxt, collect_problem, &x->errors);
    return FC_OK;
}

/* The error that stopped libxml2 (or the input), as a status. */
static fc_status libxml_failure(xml_reader *x, fc_error *err)
{
    if (x->io_error.code) {
        if (err)
            *err = x->io_error;
        return x->io_error.code;
    }
    if (x->errors.first_fatal.code && x->eof && x->depth > 0) {
        const fc_error *f = &x->errors.first_fatal;
        return fc_error_set(err, FC_ERR_INPUT, f->location, "the document ends before its "
                            "elements are closed (truncated?): %s", f->message);
    }
    if (x->errors.count) {
        if (err)
            *err = x->errors.first_fatal.code ? x->errors.first_fatal : x->errors.first;
        return FC_ERR_INPUT;
    }
    return reject(x, err, FC_ERR_INPUT, "malformed XML");
}

/* Copies a text into the form, checking its length in characters. */
static fc_status keep_text(xml_reader *x, const char *text, size_t len, const char *what,
                           const char **out, fc_error *err)
{
    if (len > x->limits.cell_chars && fc_utf8_length(text, len) > x->limits.cell_chars)
        return reject(x, err, FC_ERR_LIMIT, "%s longer than the limit of %zu characters", what,
                      x->limits.cell_chars);
    *out = fc_form_strdup(x->form, text, len);
    return *out ? FC_OK : no_memory(x, err);
}

/* Stores a short attribute value. */
static void keep_short(short_value *v, const char *value)
{
    size_t n = strlen(value);
    v->given = true;
    v->too_long = n >= sizeof v->text;
    if (v->too_long)
        n = sizeof v->text - 1;
    memcpy(v->text, value, n);
    v->text[n] = '\0';
}

/* Parses a 1-based ordinal; false when it is not one. */
static bool parse_ordinal(const char *value, unsigned long *out)
{
    char *end;
    if (value[0] < '0' || value[0] > '9')
        return false;
    unsigned long v = strtoul(value, &end, 10);
    if (*end || v == 0 || v > UINT_MAX)
        return false;
    *out = v;
    return true;
}

/* True when `name` is one of the space-separated names in `list`. */
static bool attribute_allowed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) == n && n && memcmp(p, name, n) == 0)
            return true;
        p = end;
    }
    return false;
}

/* Takes one attribute of element `el`. */
static fc_status take_attribute(xml_reader *x, xml_elem el, const char *name, const char *value,
                                fc_error *err)
{
    xml_attrs *a = &x->attrs;
    if (!attribute_allowed(elements[el].attrs, name))
        return reject(x, err, FC_ERR_INPUT, "unknown attribute \"%.40s\" on <%s>", name,
                      elements[el].name);
    size_t len = strlen(value);
    if (strcmp(name, "label") == 0 || strcmp(name, "header") == 0)
        return keep_text(x, value, len, "label", &a->label, err);
    if (strcmp(name, "name") == 0)
        return keep_text(x, value, len, "category name", &a->name, err);
    if (strcmp(name, "code") == 0) {
        keep_short(&a->code, value);
        if (a->code.too_long || len == 0)
            return reject(x, err, FC_ERR_INPUT, "code \"%.40s\" is not a code (1 to 32 letters "
                          "and digits)", value);
        return FC_OK;
    }
    if (strcmp(name, "style") == 0) {
        a->has_style = true;
        if (!fc_code_style_parse(value, &a->style) || a->style == FC_CODE_NONE)
            return reject(x, err, FC_ERR_INPUT, "style \"%.40s\" is not dash, bracket or "
                          "lenticular", value);
        return FC_OK;
    }
    if (strcmp(name, "position") == 0 || strcmp(name, "row") == 0) {
        unsigned long *slot = name[0] == 'p' ? &a->position : &a->row;
        if (!parse_ordinal(value, slot))
            return reject(x, err, FC_ERR_INPUT, "%s \"%.40s\" is not a number from 1", name,
                          value);
        return FC_OK;
    }
    if (strcmp(name, "subheader") == 0)
        return keep_text(x, value, len, "subheader", &a->subheader, err);
    if (strcmp(name, "group") == 0) {
        a->has_group = true;
        return len ? keep_text(x, value, len, "group", &a->group, err) : FC_OK;
    }
    if (strcmp(name, "above") == 0) {
        a->has_above = true;
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
            a->above = true;
        else if (strcmp(value, "false") != 0 && strcmp(value, "0") != 0)
            return reject(x, err, FC_ERR_INPUT, "above \"%.40s\" is not true or false", value);
        return FC_OK;
    }
    if (strcmp(name, "template") == 0) {
        keep_short(&a->template_id, value);
        return FC_OK;
    }
    if (strcmp(name, "key") == 0) {
        a->has_key = true;
        if (el == EL_COLUMN) {
            for (int k = FC_COL_LEVEL1; k <= FC_COL_EXTRA; k++)
                if (strcmp(value, fc_column_key_name((fc_column_key)k)) == 0) {
                    a->column_key = (fc_column_key)k;
                    return FC_OK;
                }
            return reject(x, err, FC_ERR_INPUT, "column key \"%.40s\" is not level1, level2, "
                          "name, target, midterm-target, score, explanation or extra", value);
        }
        for (int k = FC_FIELD_NAME; k < FC_FIELD_KEY_COUNT; k++)
            if (strcmp(value, fc_field_key_name((fc_field_key)k)) == 0) {
                a->field_key = (fc_field_key)k;
                return FC_OK;
            }
        return reject(x, err, FC_ERR_INPUT, "field key \"%.40s\" is not a known field", value);
    }
    if (strcmp(name, "place") == 0) {
        static const fc_note_place places[] = {FC_NOTE_BEFORE_TITLE, FC_NOTE_IN_HEADER,
                                               FC_NOTE_AFTER_TABLE};
        a->has_place = true;
        for (size_t i = 0; i < 3; i++)
            if (strcmp(value, fc_xmlfmt_note_place_name(places[i])) == 0) {
                a->place = places[i];
                return FC_OK;
            }
        return reject(x, err, FC_ERR_INPUT, "note place \"%.40s\" is not before-title, header "
                      "or after-table", value);
    }
    if (strcmp(name, "after-fields") == 0) {
        unsigned long v = 0;
        if (strcmp(value, "0") != 0 && !parse_ordinal(value, &v))
            return reject(x, err, FC_ERR_INPUT, "after-fields \"%.40s\" is not a number", value);
        a->after_fields = v;
        return FC_OK;
    }
    short_value *slot = strcmp(name, "value") == 0         ? &a->value
                        : strcmp(name, "kind") == 0        ? &a->kind
                        : strcmp(name, "computesign") == 0 ? &a->computesign
                        : strcmp(name, "indexval") == 0    ? &a->indexval
                                                           : &a->meterunit;
    keep_short(slot, value);
    return FC_OK;
}

/* Reads the attributes of the current element into x->attrs. */
static fc_status read_attributes(xml_reader *x, xml_elem el, fc_error *err)
{
    memset(&x->attrs, 0, sizeof x->attrs);
    x->attrs.style = FC_CODE_DASH;
    fc_status st = FC_OK;
    if (!xmlTextReaderHasAttributes(x->r))
        return FC_OK;
    while (!st && xmlTextReaderMoveToNextAttribute(x->r) == 1) {
        if (xmlTextReaderIsNamespaceDecl(x->r) == 1 || xmlTextReaderConstNamespaceUri(x->r))
            continue; /* xmlns, xsi:, xml: and other vocabularies */
        const char *name = (const char *)xmlTextReaderConstLocalName(x->r);
        const char *value = (const char *)xmlTextReaderConstValue(x->r);
        st = take_attribute(x, el, name ? name : "", value ? value : "", err);
    }
    xmlTextReaderMoveToElement(x->r);
    return st;
}

/* Joins a code (x->attrs.code, style) and a name into the form. */
static fc_status join_coded(xml_reader *x, const char *name, const char **out, fc_error *err)
{
    const xml_attrs *a = &x->attrs;
    if (!a->code.given) {
        if (a->has_style)
            return reject(x, err, FC_ERR_INPUT, "a code style without a code");
        *out = fc_form_strdup(x->form, name, strlen(name));
        return *out ? FC_OK : no_memory(x, err);
    }
    fc_coded parts = {a->style, a->code.text, strlen(a->code.text), name, strlen(name)};
    size_t need = fc_code_join(&parts, NULL, 0);
    char *joined = fc_arena_alloc(&x->form->arena, need + 1);
    if (!joined)
        return no_memory(x, err);
    fc_code_join(&parts, joined, need + 1);
    *out = joined;
    return FC_OK;
}

/* Makes the form's columns the declared ones or the template's. */
static fc_status settle_columns(xml_reader *x, fc_error *err)
{
    if (x->columns_set)
        return FC_OK;
    fc_status st = x->column_count ? fc_form_set_columns(x->form, x->columns, x->column_count)
                                   : fc_template_apply_columns(x->tpl, x->form);
    if (st)
        return no_memory(x, err);
    memset(x->has_column, 0, sizeof x->has_column);
    for (size_t k = 0; k < x->form->column_count; k++)
        if (x->form->columns[k].key != FC_COL_EXTRA)
            x->has_column[x->form->columns[k].key] = true;
    if (x->form->extra_count > x->extras_capacity) {
        const char **bigger = realloc(x->extras, x->form->extra_count * sizeof *bigger);
        if (!bigger)
            return no_memory(x, err);
        x->extras = bigger;
        x->extras_capacity = x->form->extra_count;
    }
    x->columns_set = true;
    return FC_OK;
}

/* Checks that a value for keyed column `key` has a column to stand in. */
static fc_status need_column(xml_reader *x, fc_column_key key, const char *value,
                             fc_error *err)
{
    if (value[0] && !x->has_column[key])
        return reject(x, err, FC_ERR_INPUT, "a %s value \"%.60s\" but the table has no %s "
                      "column (see <columns>)", fc_column_key_name(key), value,
                      fc_column_key_name(key));
    return FC_OK;
}

/* Appends an indicator row from the open categories and indicator. */
static fc_status push_row(xml_reader *x, fc_error *err)
{
    fc_form *form = x->form;
    if (form->indicator_count >= x->limits.form_rows)
        return reject(x, err, FC_ERR_LIMIT, "project has more indicators than the limit of %zu",
                      x->limits.form_rows);
    const char *keyed[FC_COL_KEYED] = {x->level1, x->level2, x->ind_name, x->ind_target,
                                       x->ind_midterm, x->ind_score, x->ind_explanation};
    fc_status st = FC_OK;
    for (int k = FC_COL_NAME; k < FC_COL_EXTRA && !st; k++)
        st = need_column(x, (fc_column_key)k, keyed[k] ? keyed[k] : "", err);
    if (st)
        return st;
    for (size_t k = x->extras_read; k < form->extra_count; k++)
        x->extras[k] = "";
    if (fc_form_push_keyed(form, keyed, form->extra_count ? x->extras : NULL))
        return no_memory(x, err);
    return FC_OK;
}

/* Compares the derived attributes of a target with its text. */
static void check_target(xml_reader *x, const char *target)
{
    const xml_attrs *a = &x->attrs;
    if (!a->kind.given && !a->computesign.given && !a->indexval.given && !a->meterunit.given)
        return;
    fc_target t;
    fc_target_parse(target, strlen(target), &t);
    bool quantitative = t.kind == FC_TARGET_QUANTITATIVE;
    fc_target_cmp cmp;
    bool agree = true;
    if (a->kind.given && strcmp(a->kind.text, fc_target_kind_name(t.kind)) != 0)
        agree = false;
    if (a->computesign.given && (!quantitative || !fc_target_cmp_parse(a->computesign.text, &cmp) ||
                                 cmp != t.cmp))
        agree = false;
    if (a->indexval.given && (!quantitative || !fc_decimal_equal(a->indexval.text, t.number)))
        agree = false;
    if (a->meterunit.given && (!quantitative || strcmp(a->meterunit.text, t.unit) != 0))
        agree = false;
    if (agree)
        return;
    char reading[160];
    if (quantitative)
        snprintf(reading, sizeof reading, "quantitative, computesign %s, indexval %s%s%s",
                 fc_target_cmp_symbol(t.cmp), t.number, t.unit[0] ? ", meterunit " : "",
                 t.unit);
    else
        snprintf(reading, sizeof reading, "%s", fc_target_kind_name(t.kind));
    warn(x, current_line(x), "target \"%.200s\" reads as %s; its attributes say otherwise "
         "(kind=\"%s\" computesign=\"%s\" indexval=\"%s\" meterunit=\"%s\"); the text is kept",
         target, reading, a->kind.text, a->computesign.text, a->indexval.text,
         a->meterunit.text);
}

/* Compares the derived decimal value of an amount with its text. */
static void check_amount(xml_reader *x, const char *amount)
{
    const xml_attrs *a = &x->attrs;
    if (!a->value.given)
        return;
    char number[FC_TARGET_NUMBER_MAX];
    if (!fc_target_number(amount, strlen(amount), number, sizeof number))
        warn(x, current_line(x), "amount \"%.200s\" is not a number but its value attribute "
             "says %s; the text is kept", amount, a->value.text);
    else if (!fc_decimal_equal(number, a->value.text))
        warn(x, current_line(x), "amount \"%.200s\" has the value %s, not %s as its value "
             "attribute says; the text is kept", amount, number, a->value.text);
}

/* Appends a header field read from element `el` with text `value`. */
static fc_status add_field(xml_reader *x, xml_elem el, const char *value, size_t len,
                           fc_error *err)
{
    fc_form *form = x->form;
    const xml_attrs *a = &x->attrs;
    if (form->field_count >= x->limits.form_rows)
        return reject(x, err, FC_ERR_LIMIT, "project has more header fields than the limit "
                      "of %zu", x->limits.form_rows);
    fc_field_key key = FC_FIELD_OTHER;
    bool dedicated = el != EL_FIELD;
    if (dedicated)
        key = (fc_field_key)(FC_FIELD_NAME + (el - EL_F_NAME));
    else if (a->has_key)
        key = a->field_key;
    if (!dedicated && !a->label)
        return reject(x, err, FC_ERR_INPUT, "<field> needs a label attribute");
    const char *label = a->label ? a->label : fc_template_label(x->tpl, key);
    if (!label[0] && x->opts->templates && x->opts->templates->all)
        label = fc_template_label(x->opts->templates->all, key);
    const char *text = value;
    size_t text_len = len;
    if (el == EL_F_ATTRIBUTE || el == EL_F_DIVISION) {
        fc_status st = join_coded(x, value, &text, err);
        if (st)
            return st;
        text_len = strlen(text);
    } else if (el == EL_F_AMOUNT || el == EL_F_FUND_TOTAL || el == EL_F_FUND_FISCAL ||
               el == EL_F_FUND_OTHER) {
        check_amount(x, value);
    }
    if (form->field_count >= x->hint_capacity) {
        size_t want = x->hint_capacity ? x->hint_capacity * 2 : 16;
        field_hint *bigger = realloc(x->hints, want * sizeof *bigger);
        if (!bigger)
            return no_memory(x, err);
        x->hints = bigger;
        x->hint_capacity = want;
    }
    /* The block: as given, else the template's for a dedicated field. */
    const fc_template_field *tf = dedicated ? fc_template_field_of(x->tpl, key) : NULL;
    const char *group = a->has_group ? a->group : (tf ? tf->group : NULL);
    bool above = a->has_above ? a->above : (tf && tf->label_above);
    x->hints[form->field_count] = (field_hint){a->position, a->row, dedicated, group, above};
    if (fc_form_add_field(form, key, label, strlen(label), text, text_len, false))
        return no_memory(x, err);
    return FC_OK;
}

/* Orders the header fields and sets their rows from the hints (or the
 * default layout) once the project's fields are all read. */
static fc_status settle_fields(xml_reader *x, fc_error *err)
{
    fc_form *form = x->form;
    size_t n = form->field_count;
    size_t positions = 0, rows = 0;
    for (size_t i = 0; i < n; i++) {
        positions += x->hints[i].position != 0;
        rows += x->hints[i].row != 0;
    }
    if ((positions && positions != n) || (rows && rows != n))
        return fc_error_at_line(err, FC_ERR_INPUT, x->name, x->form_line, 0,
                                "layout hints (position, row) must be on every header field "
                                "of a project or on none");
    if (positions) {
        fc_field *sorted = malloc(n * sizeof *sorted);
        field_hint *hints = malloc(n * sizeof *hints);
        bool *taken = calloc(n, sizeof *taken);
        fc_status st = (sorted && hints && taken) ? FC_OK : no_memory(x, err);
        for (size_t i = 0; !st && i < n; i++) {
            size_t p = x->hints[i].position - 1;
            if (p >= n || taken[p])
                st = fc_error_at_line(err, FC_ERR_INPUT, x->name, x->form_line, 0,
                                      "header field position %lu is %s", x->hints[i].position,
                                      p >= n ? "larger than the number of fields" : "repeated");
            else {
                taken[p] = true;
                sorted[p] = form->fields[i];
                hints[p] = x->hints[i];
            }
        }
        if (!st) {
            memcpy(form->fields, sorted, n * sizeof *sorted);
            memcpy(x->hints, hints, n * sizeof *hints);
        }
        free(sorted);
        free(hints);
        free(taken);
        if (st)
            return st;
    }
    if (!positions) {
        /* The default order: the dedicated fields in the template's order
         * (elements come in the schema's), then the others as read. A
         * stable insertion sort: headers are short. */
        for (size_t i = 1; i < n; i++) {
            fc_field f = form->fields[i];
            field_hint h = x->hints[i];
            size_t rank = h.dedicated ? fc_xmlfmt_field_rank(x->tpl, f.key) : SIZE_MAX;
            size_t j = i;
            while (j > 0 && rank < (x->hints[j - 1].dedicated
                                        ? fc_xmlfmt_field_rank(x->tpl, form->fields[j - 1].key)
                                        : SIZE_MAX)) {
                form->fields[j] = form->fields[j - 1];
                x->hints[j] = x->hints[j - 1];
                j--;
            }
            form->fields[j] = f;
            x->hints[j] = h;
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool same = false;
        if (i > 0 && rows) {
            if (x->hints[i].row < x->hints[i - 1].row)
                return fc_error_at_line(err, FC_ERR_INPUT, x->name, x->form_line, 0,
                                        "header field rows go backwards (row %lu after row %lu)",
                                        x->hints[i].row, x->hints[i - 1].row);
            same = x->hints[i].row == x->hints[i - 1].row;
        } else if (i > 0) {
            same = fc_xmlfmt_default_same_row(x->tpl, form->fields[i - 1].key,
                                    x->hints[i - 1].dedicated, form->fields[i].key,
                                    x->hints[i].dedicated);
        }
        form->fields[i].same_row = same;
        form->fields[i].group = x->hints[i].group;
        form->fields[i].label_above = x->hints[i].above;
    }
    return FC_OK;
}

/* The element `name` may be as a child of `parent`; EL_COUNT if none. */
static xml_elem child_element(xml_elem parent, const char *name)
{
    for (int e = EL_FORMS; e < EL_COUNT; e++)
        if (elements[e].parent == parent && elements[e].name[0] == name[0] &&
            strcmp(elements[e].name, name) == 0)
            return (xml_elem)e;
    return EL_COUNT;
}

/* An element opens. */
static fc_status start_element(xml_reader *x, fc_error *err)
{
    int depth = xmlTextReaderDepth(x->r);
    if (depth < 0 || (size_t)depth + 1 > x->limits.xml_depth)
        return reject(x, err, FC_ERR_LIMIT, "elements nested deeper than the limit of %zu",
                      x->limits.xml_depth);
    const char *local = (const char *)xmlTextReaderConstLocalName(x->r);
    const char *ns = (const char *)xmlTextReaderConstNamespaceUri(x->r);
    xml_elem parent = x->depth ? x->stack[x->depth - 1] : EL_DOCUMENT;
    if (!local)
        return no_memory(x, err);
    if (!ns || strcmp(ns, XML_NS) != 0) {
        if (parent != EL_DOCUMENT)
            return reject(x, err, FC_ERR_INPUT, "unexpected element <%s>%s%s inside <%s>", local,
                          ns ? " in namespace " : " without namespace", ns ? ns : "",
                          elements[parent].name);
        if (ns && strncmp(ns, XML_NS_FAMILY, strlen(XML_NS_FAMILY)) == 0)
            return reject(x, err, FC_ERR_INPUT, "namespace %s is another version of the "
                          "format; this formconv reads %s", ns, XML_NS);
        if (ns && strcmp(ns, "urn:schemas-microsoft-com:office:spreadsheet") == 0)
            return reject(x, err, FC_ERR_INPUT, "this is Excel 2003 XML (SpreadsheetML), not "
                          "the formconv XML format (namespace %s)", XML_NS);
        return reject(x, err, FC_ERR_INPUT, "root element <%s>%s%s is not <forms> in namespace %s",
                      local, ns ? " in namespace " : " without namespace", ns ? ns : "", XML_NS);
    }
    xml_elem el = child_element(parent, local);
    if (el == EL_COUNT || x->depth >= XML_STACK_MAX) {
        if (parent == EL_DOCUMENT)
            return reject(x, err, FC_ERR_INPUT, "root element <%s> is not <forms>", local);
        return reject(x, err, FC_ERR_INPUT, "unexpected element <%s> inside <%s>", local,
                      elements[parent].name);
    }
    fc_status st = read_attributes(x, el, err);
    if (st)
        return st;
    x->stack[x->depth++] = el;
    x->text.len = 0;
    fc_form *form = x->form;
    switch (el) {
    case EL_PROJECT:
        if (!x->begun) {
            fc_doc doc = {.attachment = x->attachment};
            st = x->sink->begin(x->sink, &doc, err);
            if (st)
                return st;
            x->begun = true;
        }
        fc_form_reset(form);
        if (x->attrs.template_id.given) {
            const fc_template_set *set = x->opts->templates;
            if (x->attrs.template_id.too_long ||
                (set ? !fc_template_set_find(set, x->attrs.template_id.text)
                     : strcmp(x->attrs.template_id.text, x->opts->tpl->id) != 0))
                return reject(x, err, FC_ERR_INPUT, "template \"%.40s\" is not a template this "
                              "formconv knows (see formconv templates)",
                              x->attrs.template_id.text);
            if (fc_form_set_template(form, x->attrs.template_id.text))
                return no_memory(x, err);
        }
        x->tpl = fc_template_for_form(x->opts->templates, x->opts->tpl, form);
        /* The document's unit line, unless the project's <unit> says otherwise. */
        if (x->doc_unit && fc_form_set_unit(form, x->doc_unit, strlen(x->doc_unit)))
            return no_memory(x, err);
        x->form_line = current_line(x);
        snprintf(form->origin, sizeof form->origin, "%s:%lu", x->name, x->form_line);
        x->columns_set = false;
        x->column_count = 0;
        break;
    case EL_COLUMN: {
        if (x->column_count >= x->limits.row_cells)
            return reject(x, err, FC_ERR_LIMIT, "more columns than the limit of %zu",
                          x->limits.row_cells);
        if (!x->attrs.has_key)
            return reject(x, err, FC_ERR_INPUT, "<column> needs a key attribute");
        fc_column_key key = x->attrs.column_key;
        for (size_t k = 0; k < x->column_count; k++)
            if (key != FC_COL_EXTRA && x->columns[k].key == key)
                return reject(x, err, FC_ERR_INPUT, "the %s column is declared twice",
                              fc_column_key_name(key));
        if (x->column_count >= x->column_capacity) {
            size_t want = x->column_capacity ? x->column_capacity * 2 : 16;
            fc_column *bigger = realloc(x->columns, want * sizeof *bigger);
            if (!bigger)
                return no_memory(x, err);
            x->columns = bigger;
            x->column_capacity = want;
        }
        const char *header = x->attrs.label;
        if (!header)
            header = key == FC_COL_EXTRA ? "" : fc_template_column_header(x->tpl, key);
        if (!header[0] && key != FC_COL_EXTRA && x->opts->templates && x->opts->templates->all)
            header = fc_template_column_header(x->opts->templates->all, key);
        x->columns[x->column_count++] = (fc_column){key, header, x->attrs.subheader};
        break;
    }
    case EL_COLUMNS:
        if (x->columns_set)
            return reject(x, err, FC_ERR_INPUT, "<columns> must come before the indicators");
        break;
    case EL_LEVEL1:
    case EL_LEVEL2: {
        st = settle_columns(x, err);
        if (st)
            return st;
        if (!x->attrs.name)
            return reject(x, err, FC_ERR_INPUT, "<%s> needs a name attribute", local);
        const char *joined;
        st = join_coded(x, x->attrs.name, &joined, err);
        if (!st)
            st = need_column(x, el == EL_LEVEL1 ? FC_COL_LEVEL1 : FC_COL_LEVEL2, joined, err);
        if (st)
            return st;
        if (el == EL_LEVEL1) {
            x->level1 = joined;
            x->level1_has_children = false;
        } else {
            x->level2 = joined;
            x->level2_has_children = false;
            x->level1_has_children = true;
        }
        break;
    }
    case EL_INDICATORS:
        /* The label down the table's left: as given ("" for none), else
         * the template's. */
        if (x->attrs.label) {
            if (x->attrs.label[0] && fc_form_set_table_label(form, x->attrs.label,
                                                             strlen(x->attrs.label)))
                return no_memory(x, err);
        } else if (x->tpl->table_label &&
                   fc_form_set_table_label(form, x->tpl->table_label,
                                           strlen(x->tpl->table_label))) {
            return no_memory(x, err);
        }
        break;
    case EL_INDICATOR:
        x->level2_has_children = true;
        x->ind_name = x->ind_target = NULL;
        x->ind_midterm = x->ind_score = x->ind_explanation = NULL;
        x->extras_read = 0;
        break;
    case EL_NOTE:
        if (!x->attrs.has_place)
            return reject(x, err, FC_ERR_INPUT, "<note> needs a place attribute");
        if (form->note_count >= x->limits.form_rows)
            return reject(x, err, FC_ERR_LIMIT, "project has more notes than the limit of %zu",
                          x->limits.form_rows);
        x->note_place = x->attrs.place;
        x->note_after = x->attrs.after_fields;
        x->cell_count = 0;
        break;
    case EL_CELL:
        if (x->cell_count >= x->limits.row_cells)
            return reject(x, err, FC_ERR_LIMIT, "note has more cells than the limit of %zu",
                          x->limits.row_cells);
        break;
    case EL_EXTRA:
        if (!x->columns_set || x->extras_read >= form->extra_count)
            return reject(x, err, FC_ERR_INPUT, "more <extra> values than the table has extra "
                          "columns (%zu)", form->extra_count);
        break;
    case EL_ATTACHMENT:
    case EL_DOC_UNIT:
        if (x->begun)
            return reject(x, err, FC_ERR_INPUT, "<%s> must come before the projects", local);
        break;
    default:
        break;
    }
    return FC_OK;
}

/* The open element closes. */
static fc_status end_element(xml_reader *x, fc_error *err)
{
    if (x->depth == 0)
        return reject(x, err, FC_ERR_INTERNAL, "end of an element that never started");
    xml_elem el = x->stack[--x->depth];
    fc_form *form = x->form;
    fc_status st = FC_OK;
    const char *kept = NULL;
    if (elements[el].leaf) {
        if (!fc_buf_append(&x->text, "", 1))
            return no_memory(x, err);
        x->text.len--;
        if (el != EL_F_ATTRIBUTE && el != EL_F_DIVISION) {
            st = keep_text(x, x->text.data, x->text.len, "text", &kept, err);
            if (st)
                return st;
        } else if (x->text.len > x->limits.cell_chars &&
                   fc_utf8_length(x->text.data, x->text.len) > x->limits.cell_chars) {
            return reject(x, err, FC_ERR_LIMIT, "text longer than the limit of %zu characters",
                          x->limits.cell_chars);
        }
    }
    switch (el) {
    case EL_ATTACHMENT:
        free(x->attachment);
        x->attachment = malloc(x->text.len + 1);
        if (!x->attachment)
            return no_memory(x, err);
        memcpy(x->attachment, x->text.data, x->text.len + 1);
        break;
    case EL_DOC_UNIT:
        /* An empty element (the schema allows it; the writer leaves the
         * element out instead): the document has no unit line. */
        free(x->doc_unit);
        x->doc_unit = NULL;
        if (x->text.len > 0) {
            x->doc_unit = malloc(x->text.len + 1);
            if (!x->doc_unit)
                return no_memory(x, err);
            memcpy(x->doc_unit, x->text.data, x->text.len + 1);
        }
        break;
    case EL_TITLE:
        form->title = kept;
        break;
    case EL_SUBTITLE:
        form->subtitle = kept;
        break;
    case EL_UNIT:
        /* Empty: no unit line, although the document has one. */
        form->unit = x->text.len > 0 ? kept : NULL;
        break;
    case EL_F_NAME: case EL_F_DEPARTMENT: case EL_F_IMPLEMENTER: case EL_F_ATTRIBUTE:
    case EL_F_DURATION: case EL_F_DIVISION: case EL_F_AMOUNT: case EL_F_GOAL:
    case EL_F_MIDTERM_GOAL: case EL_F_FUND_TOTAL: case EL_F_FUND_FISCAL: case EL_F_FUND_OTHER:
    case EL_FIELD:
        st = add_field(x, el, kept ? kept : x->text.data, kept ? strlen(kept) : x->text.len, err);
        break;
    case EL_COLUMNS:
        if (x->column_count == 0)
            return reject(x, err, FC_ERR_INPUT, "<columns> declares no column");
        st = settle_columns(x, err);
        break;
    case EL_INDICATORS:
        st = settle_columns(x, err);
        break;
    case EL_LEVEL1:
        if (!x->level1_has_children) {
            x->level2 = "";
            x->ind_name = x->ind_target = NULL;
            x->ind_midterm = x->ind_score = x->ind_explanation = NULL;
            x->extras_read = 0;
            st = push_row(x, err);
        }
        break;
    case EL_LEVEL2:
        if (!x->level2_has_children) {
            x->ind_name = x->ind_target = NULL;
            x->ind_midterm = x->ind_score = x->ind_explanation = NULL;
            x->extras_read = 0;
            st = push_row(x, err);
        }
        break;
    case EL_I_NAME:
        x->ind_name = kept;
        break;
    case EL_TARGET:
        x->ind_target = kept;
        check_target(x, kept);
        break;
    case EL_MIDTERM_TARGET:
        x->ind_midterm = kept;
        check_target(x, kept);
        break;
    case EL_SCORE:
        x->ind_score = kept;
        break;
    case EL_EXPLANATION:
        x->ind_explanation = kept;
        break;
    case EL_EXTRA:
        x->extras[x->extras_read++] = kept;
        break;
    case EL_INDICATOR:
        st = push_row(x, err);
        break;
    case EL_CELL:
        if (x->cell_count >= x->cell_capacity) {
            size_t want = x->cell_capacity ? x->cell_capacity * 2 : 8;
            const char **bigger = realloc(x->cells, want * sizeof *bigger);
            if (!bigger)
                return no_memory(x, err);
            x->cells = bigger;
            x->cell_capacity = want;
        }
        x->cells[x->cell_count++] = kept;
        break;
    case EL_NOTE:
        if (x->cell_count == 0)
            return reject(x, err, FC_ERR_INPUT, "<note> holds no cell");
        if (fc_form_add_note(form, x->note_place, x->note_after, x->cells, x->cell_count))
            return no_memory(x, err);
        break;
    case EL_PROJECT:
        st = settle_fields(x, err);
        if (!st)
            st = x->sink->form(x->sink, form, err);
        break;
    default:
        break;
    }
    return st;
}

/* Text (or CDATA, or white space) inside the open element. */
static fc_status take_text(xml_reader *x, fc_error *err)
{
    const char *value = (const char *)xmlTextReaderConstValue(x->r);
    size_t len = value ? strlen(value) : 0;
    xml_elem el = x->depth ? x->stack[x->depth - 1] : EL_DOCUMENT;
    if (!elements[el].leaf) {
        /* Between elements only XML white space may stand. */
        if (value && strspn(value, " \t\r\n") == len)
            return FC_OK;
        return reject(x, err, FC_ERR_INPUT, "text \"%.40s\" is not allowed inside <%s>",
                      value ? value : "", el == EL_DOCUMENT ? "the document" : elements[el].name);
    }
    if (x->text.len + len > x->limits.cell_chars * 4 + 4)
        return reject(x, err, FC_ERR_LIMIT, "text longer than the limit of %zu characters",
                      x->limits.cell_chars);
    if (!fc_buf_append(&x->text, value, len))
        return no_memory(x, err);
    return FC_OK;
}

/* Runs libxml2's reader over the document, building forms. */
static fc_status read_document(xml_reader *x, bool build, fc_error *err)
{
    fc_status st = FC_OK;
    int ret;
    while ((ret = xmlTextReaderRead(x->r)) == 1) {
        if (x->errors.count || x->io_error.code)
            break;
        int type = xmlTextReaderNodeType(x->r);
        switch (type) {
        case XML_READER_TYPE_ELEMENT:
            if (!build) {
                int depth = xmlTextReaderDepth(x->r);
                if (depth < 0 || (size_t)depth + 1 > x->limits.xml_depth)
                    st = reject(x, err, FC_ERR_LIMIT, "elements nested deeper than the limit "
                                "of %zu", x->limits.xml_depth);
                break;
            }
            st = start_element(x, err);
            if (!st && xmlTextReaderIsEmptyElement(x->r))
                st = end_element(x, err);
            break;
        case XML_READER_TYPE_END_ELEMENT:
            if (build)
                st = end_element(x, err);
            break;
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
            /* Blank text: layout between elements, or the value of a leaf. */
            if (build && x->depth && elements[x->stack[x->depth - 1]].leaf)
                st = take_text(x, err);
            break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
            if (build)
                st = take_text(x, err);
            break;
        case XML_READER_TYPE_DOCUMENT_TYPE:
        case XML_READER_TYPE_ENTITY_REFERENCE:
        case XML_READER_TYPE_ENTITY:
            st = reject(x, err, FC_ERR_INPUT, "DTDs and entities are not allowed");
            break;
        default:
            break; /* comments, processing instructions */
        }
        if (st)
            return st;
    }
    if (ret < 0 || x->errors.count || x->io_error.code)
        return libxml_failure(x, err);
    return FC_OK;
}

/* Frees everything a reader state holds (not the input or the sink). */
static void reader_free(xml_reader *x)
{
    if (x->r)
        xmlFreeTextReader(x->r);
    fc_form_free(x->form);
    fc_buf_free(&x->text);
    free(x->attachment);
    free(x->doc_unit);
    free(x->hints);
    free(x->columns);
    free(x->extras);
    free(x->cells);
}

/* Prepares a reader state. */
static void reader_init(xml_reader *x, fc_input *in, const fc_options *opts,
                        fc_report_fn report, void *report_ctx)
{
    memset(x, 0, sizeof *x);
    x->in = in;
    x->name = fc_input_name(in);
    x->opts = opts;
    x->tpl = opts->tpl;
    x->limits = opts->limits;
    fc_limits_apply_defaults(&x->limits);
    problems_init(&x->errors, x->name, report, report_ctx);
}

fc_status fc_xmlfmt_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    if (!opts || !opts->tpl)
        return fc_error_set(err, FC_ERR_USAGE, NULL, "the XML reader needs a template");
    fc_xml_init();
    xml_reader x;
    reader_init(&x, in, opts, NULL, NULL);
    x.sink = sink;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt = NULL;
    fc_status st = prescan(in, x.name, err);
    if (!st && !(x.form = fc_form_new()))
        st = fc_error_set(err, FC_ERR_NOMEM, x.name, "out of memory");
    if (!st && !opts->checked && !fc_options_flag(opts, "no-validate"))
        st = load_schema(&x, &schema, &vctxt, err);
    if (!st) {
        fc_xml_handlers saved;
        fc_xml_handlers_push(&saved, collect_problem, &x.errors);
        st = open_reader(&x, vctxt, err);
        if (!st)
            st = read_document(&x, true, err);
        if (!st && vctxt && xmlTextReaderIsValid(x.r) != 1)
            st = libxml_failure(&x, err);
        fc_xml_handlers_pop(&saved);
    }
    if (!st && !x.begun)
        st = fc_error_set(err, FC_ERR_INPUT, x.name, "no <project> in the document");
    reader_free(&x);
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    return st;
}

fc_status fc_xmlfmt_validate(fc_input *in, const fc_options *opts, fc_report_fn report,
                             void *report_ctx, fc_error *err)
{
    fc_xml_init();
    fc_options defaults;
    if (!opts) {
        memset(&defaults, 0, sizeof defaults);
        opts = &defaults;
    }
    xml_reader x;
    reader_init(&x, in, opts, report, report_ctx);
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt = NULL;
    fc_error first;
    fc_error_clear(&first);
    fc_status st = prescan(in, x.name, &first);
    if (st == FC_ERR_INPUT || st == FC_ERR_LIMIT) {
        problems_add(&x.errors, &first, true);
        st = FC_OK;
    } else if (!st) {
        st = load_schema(&x, &schema, &vctxt, &first);
        if (!st) {
            fc_xml_handlers saved;
            fc_xml_handlers_push(&saved, collect_problem, &x.errors);
            st = open_reader(&x, vctxt, &first);
            int ret = 0;
            while (!st && (ret = xmlTextReaderRead(x.r)) == 1) {
                int type = xmlTextReaderNodeType(x.r);
                int depth = xmlTextReaderDepth(x.r);
                if (type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(x.r))
                    x.open_elements++;
                else if (type == XML_READER_TYPE_END_ELEMENT)
                    x.open_elements--;
                fc_error problem;
                if (type == XML_READER_TYPE_ELEMENT &&
                    (depth < 0 || (size_t)depth + 1 > x.limits.xml_depth))
                    reject(&x, &problem, FC_ERR_LIMIT, "elements nested deeper than the "
                           "limit of %zu", x.limits.xml_depth);
                else if (type == XML_READER_TYPE_DOCUMENT_TYPE ||
                         type == XML_READER_TYPE_ENTITY_REFERENCE)
                    reject(&x, &problem, FC_ERR_INPUT, "DTDs and entities are not allowed");
                else
                    continue;
                problems_add(&x.errors, &problem, true);
                break;
            }
            if (!st && x.io_error.code) {
                st = libxml_failure(&x, &first);
            } else if (!st && x.errors.first_fatal.code && x.eof && x.open_elements > 0) {
                fc_error problem;
                fc_error_set(&problem, FC_ERR_INPUT, x.errors.first_fatal.location,
                             "the document ends before its elements are closed (truncated?)");
                problems_add(&x.errors, &problem, false);
            }
            else if (!st && x.errors.count == 0 &&
                     (ret < 0 || xmlTextReaderIsValid(x.r) != 1)) {
                fc_error problem;
                reject(&x, &problem, FC_ERR_INPUT, ret < 0 ? "malformed XML"
                                                           : "document does not match the schema");
                problems_add(&x.errors, &problem, false);
            }
            fc_xml_handlers_pop(&saved);
        }
    }
    if (!st && x.errors.count) {
        first = x.errors.first;
        st = FC_ERR_INPUT;
    }
    if (st && err)
        *err = first;
    reader_free(&x);
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    return st;
}
