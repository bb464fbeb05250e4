/*
 * xml.c - the XML format of the budget portal (namespace
 * urn:formconv:budget-target-forms:1, schema templates/formconv-forms-1.xsd,
 * built into the program).
 *
 * The format maps the form model directly (no rows of cells): a <forms>
 * document holds the attachment label, the unit line its forms share (the
 * first form's) and one <project> per form, with a <unit> of its own only
 * where the form's unit line differs (<unit/>: none), the header fields as
 * elements of their own, the indicators grouped first level
 * -> second level -> indicator, and the parsed target (fc_target.h) beside
 * the target as written. Optional layout hints (field labels as written,
 * header order and rows, table columns, code styles) make a round trip
 * through the XML exact; without them a form is laid out as the template's
 * default.
 *
 * Writing: one project per form as the forms arrive, UTF-8, indented,
 * deterministic; the document's unit line is written with the first form,
 * before its project (xml_writer.c).
 *
 * Reading (xml_reader.c): libxml2's xmlTextReader, streaming, validated against the
 * built-in schema while it reads (unless the option "no-validate" is given). Untrusted input
 * is safe: no network, no entity substitution, no DTD (a DOCTYPE is refused
 * before libxml2 sees it), only UTF-8, limits on depth, text lengths and
 * counts. The derived attributes (decimal value of the amount, parsed
 * target) are recomputed from the text; a disagreement is a warning. A
 * project without <unit> gets the document's unit line (none when the
 * document has none), an empty <unit/> gives none, any other its text.
 */
#include <limits.h>
#include <string.h>

#include "xml.h"

/* Zero-based default header row of `key` in the template, or UINT_MAX. */
static unsigned template_row(const fc_template *tpl, fc_field_key key)
{
    for (size_t i = 0; i < tpl->field_count; i++)
        if (tpl->fields[i].key == key)
            return tpl->fields[i].row;
    return UINT_MAX;
}

size_t fc_xmlfmt_field_rank(const fc_template *tpl, fc_field_key key)
{
    for (size_t i = 0; i < tpl->field_count; i++)
        if (tpl->fields[i].key == key)
            return i;
    return tpl->field_count + (size_t)key;
}

/* The default layout rule shared by writer and reader: two adjacent fields
 * share a row when both are dedicated elements whose keys the template
 * places on the same row. */
bool fc_xmlfmt_default_same_row(const fc_template *tpl, fc_field_key prev, bool prev_dedicated,
                                 fc_field_key cur, bool cur_dedicated)
{
    if (!prev_dedicated || !cur_dedicated)
        return false;
    unsigned a = template_row(tpl, prev), b = template_row(tpl, cur);
    return a != UINT_MAX && a == b;
}

/* Name of a note place as the schema spells it. */
const char *fc_xmlfmt_note_place_name(fc_note_place place)
{
    switch (place) {
    case FC_NOTE_BEFORE_TITLE: return "before-title";
    case FC_NOTE_IN_HEADER: return "header";
    case FC_NOTE_AFTER_TABLE: return "after-table";
    }
    return "after-table";
}

/* Bids high for XML in the format's namespace, low for other XML (and
 * lowest for Excel 2003 SpreadsheetML, which another reader may claim). */
static int xml_sniff(const unsigned char *head, size_t len)
{
    size_t i = (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= len || head[i] != '<')
        return 0;
    if (fc_xmlfmt_find(head, len, i, XML_NS_FAMILY) != SIZE_MAX)
        return 90;
    if (fc_xmlfmt_find(head, len, i, "urn:schemas-microsoft-com:office:spreadsheet") != SIZE_MAX)
        return 10;
    return 30;
}

static const char *const xml_extensions[] = {"xml", NULL};

/* The options of the XML reader. */
static const fc_option_def xml_options[] = {
    {"no-validate", 0, NULL, NULL, NULL, FC_OPT_READ, "skip schema validation"},
    {NULL, 0, NULL, NULL, NULL, 0, NULL},
};

/* The portal XML format. */
const fc_converter fc_xml_converter = {
    .name = "xml",
    .description = "budget portal XML (" XML_NS "), schema-validated",
    .extensions = xml_extensions,
    .media_type = "application/xml",
    .binary = false,
    .options = xml_options,
    .sniff = xml_sniff,
    .read = fc_xmlfmt_read,
    .open_writer = fc_xmlfmt_open_writer,
    .validate = fc_xmlfmt_validate,
};
