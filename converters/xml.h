/*
 * xml.h - private header of the portal XML module (converters/xml*.c).
 *
 * The module's public face is the descriptor fc_xml_converter (xml.c); the
 * writer lives in xml_writer.c and the reader and validator in
 * xml_reader.c. Nothing outside converters/xml*.c and the tests includes it.
 */
#ifndef FC_XMLFMT_H
#define FC_XMLFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_converter.h"
#include "fc_xml.h"

/* The namespace of this version of the format, and the part every version
 * shares (for telling "another version" from "not ours"). */
#define XML_NS "urn:formconv:budget-target-forms:1"
#define XML_NS_FAMILY "urn:formconv:budget-target-forms:"

/* Name of the built-in schema in messages. */
#define XML_SCHEMA_NAME "formconv-forms-1.xsd"

/* Parser options: fc_xml's safe set, plus line numbers past 65535 and
 * compact storage of small text nodes, but without XML_PARSE_NOCDATA: in
 * libxml2 2.9.14 the reader's streaming schema validation drops the text of
 * a CDATA section that NOCDATA turned into characters (measured: <t><![CDATA[
 * xx]]></t> reads as empty). CDATA nodes are taken as text instead. */
#define XML_READ_OPTIONS \
    ((FC_XML_PARSE_OPTIONS & ~XML_PARSE_NOCDATA) | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT)

/* Creates the XML writer: a sink writing one <project> per form to `out`
 * (not owned, not committed). `opts->tpl` gives the default labels, rows
 * and columns the layout hints are compared with. Returns FC_OK and *sink
 * (free with (*sink)->destroy) or FC_ERR_USAGE / FC_ERR_NOMEM. */
fc_status fc_xmlfmt_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                fc_error *err);

/* Reads an XML document from `in` into `sink` (begin and each form; the
 * caller ends the sink), validating it against the built-in schema unless
 * the option "no-validate" is given. Returns FC_OK or the first problem with its line. */
fc_status fc_xmlfmt_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err);

/* Checks `in` against the schema and the format's limits without building
 * forms, passing every problem to `report`. Returns FC_OK when there is
 * none, else FC_ERR_INPUT (or a read failure) with the first one in `err`. */
fc_status fc_xmlfmt_validate(fc_input *in, const fc_options *opts, fc_report_fn report,
                             void *report_ctx, fc_error *err);

/* The default layout rule shared by writer and reader: two adjacent fields
 * share a row when both are dedicated elements whose keys the template
 * places on the same row. */
bool fc_xmlfmt_default_same_row(const fc_template *tpl, fc_field_key prev, bool prev_dedicated,
                                fc_field_key cur, bool cur_dedicated);

/* The place of a dedicated field with `key` in the template's default
 * order: its index among the template's fields, or after them all (in key
 * order) when the template has no such field. A project's header is in the
 * default order when its dedicated fields come first, in increasing rank,
 * and the other fields after them. */
size_t fc_xmlfmt_field_rank(const fc_template *tpl, fc_field_key key);

/* The attribute value naming a note place ("before-title", "header", "after-table"). */
const char *fc_xmlfmt_note_place_name(fc_note_place place);

/* Finds `needle` in head[from, len); returns its offset or SIZE_MAX. */
size_t fc_xmlfmt_find(const unsigned char *head, size_t len, size_t from, const char *needle);

#endif
