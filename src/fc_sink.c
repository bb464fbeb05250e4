/*
 * fc_sink.c - the collecting sink, and running a held document into a sink.
 */
#include "fc_sink.h"

#include <stdlib.h>
#include <string.h>

/* A sink that keeps copies of the forms. */
typedef struct collector {
    fc_sink base;   /* sink interface (must be first) */
    fc_doc *doc;    /* the document being collected */
} collector;

static fc_status collect_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    collector *c = (collector *)self;
    fc_doc_free(c->doc);
    c->doc = fc_doc_new();
    if (!c->doc)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    if (doc && doc->attachment &&
        fc_doc_set_attachment(c->doc, doc->attachment, strlen(doc->attachment)))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    return FC_OK;
}

static fc_status collect_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    collector *c = (collector *)self;
    if (!c->doc)
        return fc_error_set(err, FC_ERR_INTERNAL, NULL, "form before begin");
    fc_form *copy = fc_form_new();
    if (!copy || fc_form_copy(copy, form)) {
        fc_form_free(copy);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    if (fc_doc_add_form(c->doc, copy))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    return FC_OK;
}

static fc_status collect_end(fc_sink *self, fc_error *err)
{
    (void)self;
    (void)err;
    return FC_OK;
}

static void collect_destroy(fc_sink *self)
{
    collector *c = (collector *)self;
    if (!c)
        return;
    fc_doc_free(c->doc);
    free(c);
}

fc_sink *fc_collector_new(void)
{
    collector *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base.begin = collect_begin;
    c->base.form = collect_form;
    c->base.end = collect_end;
    c->base.destroy = collect_destroy;
    return &c->base;
}

fc_doc *fc_collector_take(fc_sink *sink)
{
    collector *c = (collector *)sink;
    fc_doc *doc = c->doc;
    c->doc = NULL;
    return doc;
}

fc_status fc_sink_run_doc(fc_sink *sink, const fc_doc *doc, fc_error *err)
{
    fc_doc header = {.attachment = doc->attachment};
    fc_status st = sink->begin(sink, &header, err);
    for (size_t i = 0; !st && i < doc->form_count; i++)
        st = sink->form(sink, doc->forms[i], err);
    if (!st)
        st = sink->end(sink, err);
    return st;
}
