/*
 * fc_xml.c - safe libxml2 parsing, schema loading and error capture.
 */
#include "fc_xml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

void fc_xml_init(void)
{
    static int done;
    if (!done) {
        xmlInitParser();
        done = 1;
    }
}

char *fc_xml_message(const xmlError *error, char *out, size_t size)
{
    snprintf(out, size, "%s", (error && error->message) ? error->message : "malformed XML");
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    return out;
}

void fc_xml_errors_init(fc_xml_errors *errors, const char *name, fc_status code,
                        fc_report_fn report, void *report_ctx)
{
    errors->name = name;
    errors->code = code;
    fc_error_clear(&errors->first);
    errors->count = 0;
    errors->report = report;
    errors->report_ctx = report_ctx;
}

void fc_xml_collect_error(void *data, xmlErrorPtr error)
{
    fc_xml_errors *errors = data;
    if (!errors || !error || error->level == XML_ERR_WARNING)
        return;
    char message[FC_ERROR_MESSAGE_MAX];
    fc_xml_message(error, message, sizeof message);
    fc_error problem;
    unsigned long line = error->line > 0 ? (unsigned long)error->line : 0;
    fc_error_at_line(&problem, errors->code, errors->name, line, 0, "%s", message);
    if (errors->count == 0)
        errors->first = problem;
    if (errors->count < ULONG_MAX)
        errors->count++;
    if (errors->report)
        errors->report(errors->report_ctx, &problem);
}

/* Parser state shared with the DOCTYPE hook. */
typedef struct tree_parse {
    fc_xml_errors errors;   /* errors seen while parsing */
    int saw_doctype;        /* the document declared a DOCTYPE */
    unsigned long doctype_line; /* where */
} tree_parse;

/* SAX hook for <!DOCTYPE ...>: refuse the document at once. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xmlParserCtxtPtr parser = ctx;
    tree_parse *state = parser->_private;
    if (state && !state->saw_doctype) {
        state->saw_doctype = 1;
        state->doctype_line = (unsigned long)xmlSAX2GetLineNumber(ctx);
    }
    xmlStopParser(parser);
}

fc_status fc_xml_parse_tree(const char *data, size_t len, const char *name,
                            xmlDocPtr *out, fc_error *err)
{
    *out = NULL;
    fc_xml_init();
    if (len > INT_MAX)
        return fc_error_at_line(err, FC_ERR_LIMIT, name, 0, 0, "XML document too large");
    tree_parse state;
    memset(&state, 0, sizeof state);
    fc_xml_errors_init(&state.errors, name, FC_ERR_INPUT, NULL, NULL);
    xmlParserCtxtPtr parser = xmlNewParserCtxt();
    if (!parser)
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    parser->_private = &state;
    parser->sax->internalSubset = refuse_doctype;
    xmlSetStructuredErrorFunc(&state.errors, fc_xml_collect_error);
    xmlDocPtr doc = xmlCtxtReadMemory(parser, data, (int)len, name, NULL,
                                      FC_XML_PARSE_OPTIONS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    int well_formed = parser->wellFormed;
    xmlFreeParserCtxt(parser);
    if (state.saw_doctype) {
        xmlFreeDoc(doc);
        return fc_error_at_line(err, FC_ERR_INPUT, name, state.doctype_line, 0,
                                "a DOCTYPE is not allowed");
    }
    if (!doc || !well_formed || state.errors.count) {
        xmlFreeDoc(doc);
        if (state.errors.count) {
            if (err)
                *err = state.errors.first;
            return FC_ERR_INPUT;
        }
        return fc_error_at_line(err, FC_ERR_INPUT, name, 0, 0, "malformed XML");
    }
    *out = doc;
    return FC_OK;
}

fc_status fc_xml_schema_load(const unsigned char *xsd, size_t len, const char *name,
                             xmlSchemaPtr *out, fc_error *err)
{
    *out = NULL;
    fc_xml_init();
    fc_xml_errors errors;
    fc_xml_errors_init(&errors, name, FC_ERR_INTERNAL, NULL, NULL);
    xmlSchemaParserCtxtPtr ctxt = xmlSchemaNewMemParserCtxt((const char *)xsd, (int)len);
    if (!ctxt)
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    xmlSchemaSetParserStructuredErrors(ctxt, fc_xml_collect_error, &errors);
    xmlSetStructuredErrorFunc(&errors, fc_xml_collect_error);
    xmlSchemaPtr schema = xmlSchemaParse(ctxt);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlSchemaFreeParserCtxt(ctxt);
    if (!schema) {
        if (errors.count && err) {
            *err = errors.first;
            return FC_ERR_INTERNAL;
        }
        return fc_error_set(err, FC_ERR_INTERNAL, name, "built-in schema does not compile");
    }
    *out = schema;
    return FC_OK;
}

fc_status fc_xml_validate_tree(xmlDocPtr doc, xmlSchemaPtr schema, const char *name,
                               fc_status code, fc_report_fn report, void *report_ctx,
                               fc_error *err)
{
    fc_xml_errors errors;
    fc_xml_errors_init(&errors, name, code, report, report_ctx);
    xmlSchemaValidCtxtPtr valid = xmlSchemaNewValidCtxt(schema);
    if (!valid)
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    xmlSchemaSetValidStructuredErrors(valid, fc_xml_collect_error, &errors);
    int rc = xmlSchemaValidateDoc(valid, doc);
    xmlSchemaFreeValidCtxt(valid);
    if (rc == 0 && errors.count == 0)
        return FC_OK;
    if (errors.count) {
        if (err)
            *err = errors.first;
        return code;
    }
    return fc_error_at_line(err, code, name, 0, 0, "document does not match its schema");
}

void fc_xml_drop_error(void *ctx, xmlErrorPtr error)
{
    (void)ctx;
    (void)error;
}

/* A generic (printf-style) error handler that drops the message. */
static void drop_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void fc_xml_handlers_push(fc_xml_handlers *saved, xmlStructuredErrorFunc handler, void *ctx)
{
    saved->structured = xmlStructuredError;
    saved->structured_ctx = xmlStructuredErrorContext;
    saved->generic = xmlGenericError;
    saved->generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(ctx, handler);
    xmlSetGenericErrorFunc(NULL, drop_generic);
}

void fc_xml_handlers_pop(const fc_xml_handlers *saved)
{
    xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
    xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}
