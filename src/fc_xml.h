/*
 * fc_xml.h - safe use of libxml2 for untrusted XML: templates, the portal
 * XML format and the parts of an XLSX package all go through here.
 *
 * Rules applied everywhere: no network (XML_PARSE_NONET), no entity
 * substitution, no DTD loading, no XInclude, no XML_PARSE_HUGE, and any
 * DOCTYPE is refused. libxml2's messages are captured through structured
 * error handlers and turned into fc_error values; nothing reaches stderr.
 */
#ifndef FC_XML_H
#define FC_XML_H

#include <stddef.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "fc_error.h"

/* Parser options for every untrusted document. */
#define FC_XML_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA)

/* Initialises libxml2 once for the process (idempotent, call before any
 * other libxml2 use; the converters call it for you). */
void fc_xml_init(void);

/* Parses `len` bytes at `data` into a tree. `name` names the document in
 * messages. A DOCTYPE, a malformed document or a too deep tree (more than
 * 256 levels) is refused with FC_ERR_INPUT and the location "NAME:LINE".
 * On success stores the tree in *out (free with xmlFreeDoc). */
fc_status fc_xml_parse_tree(const char *data, size_t len, const char *name,
                            xmlDocPtr *out, fc_error *err);

/* Compiles an XML schema from `len` bytes of XSD at `xsd` (built in, so
 * trusted). Stores it in *out (free with xmlSchemaFree). FC_ERR_INTERNAL
 * when the schema itself is broken. */
fc_status fc_xml_schema_load(const unsigned char *xsd, size_t len, const char *name,
                             xmlSchemaPtr *out, fc_error *err);

/* Validates a parsed tree against `schema`. Returns FC_OK or `code` with the
 * first problem in `err` ("NAME:LINE: message"). When `report` is not NULL,
 * every problem is also passed to it (for `formconv validate`). */
fc_status fc_xml_validate_tree(xmlDocPtr doc, xmlSchemaPtr schema, const char *name,
                               fc_status code, fc_report_fn report, void *report_ctx,
                               fc_error *err);

/* Collects libxml2 structured errors for one operation. */
typedef struct fc_xml_errors {
    const char *name;       /* document name used in locations */
    fc_status code;         /* status to record problems with */
    fc_error first;         /* the first error seen (code FC_OK if none) */
    unsigned long count;    /* number of errors seen */
    fc_report_fn report;    /* optional receiver of every error */
    void *report_ctx;       /* its context */
} fc_xml_errors;

/* Prepares a collector. */
void fc_xml_errors_init(fc_xml_errors *errors, const char *name, fc_status code,
                        fc_report_fn report, void *report_ctx);

/* A libxml2 structured error handler (xmlStructuredErrorFunc) whose user
 * data is an fc_xml_errors. Warnings are ignored; errors are collected. */
void fc_xml_collect_error(void *errors, xmlErrorPtr error);

/* libxml2's process-wide (per-thread) error handlers, saved while a reader
 * or writer replaces them; pushes and pops nest. */
typedef struct fc_xml_handlers {
    xmlStructuredErrorFunc structured;  /* structured handler */
    void *structured_ctx;               /* its context */
    xmlGenericErrorFunc generic;        /* printf-style handler */
    void *generic_ctx;                  /* its context */
} fc_xml_handlers;

/* Saves libxml2's handlers into *saved and installs `handler` (with `ctx`)
 * for structured errors and a silent one for generic messages, so that
 * libxml2 never prints. Undo with fc_xml_handlers_pop. */
void fc_xml_handlers_push(fc_xml_handlers *saved, xmlStructuredErrorFunc handler, void *ctx);

/* Puts back the handlers fc_xml_handlers_push saved. */
void fc_xml_handlers_pop(const fc_xml_handlers *saved);

/* A structured error handler that drops what it is given (for code that
 * learns of failures through return values). */
void fc_xml_drop_error(void *ctx, xmlErrorPtr error);

/* Copies a libxml2 error message into `out` (size `size`): trailing newline
 * removed. Returns `out`. */
char *fc_xml_message(const xmlError *error, char *out, size_t size);

#endif
