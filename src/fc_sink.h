/*
 * fc_sink.h - the consumer of a stream of forms.
 *
 * Forms stream: a reader pushes the document's start, then each form, then
 * the end into an fc_sink; a writer is an fc_sink. The reader owns the form
 * it passes and may reuse it when the call returns, so memory does not grow
 * with the number of forms.
 */
#ifndef FC_SINK_H
#define FC_SINK_H

#include "fc_error.h"
#include "fc_model.h"

/* A consumer of forms. Writers and collectors embed it as their first member. */
typedef struct fc_sink fc_sink;
struct fc_sink {
    /* Called once before the first form with the document's attachment
     * label (`doc->attachment`, may be NULL; doc->forms is empty). */
    fc_status (*begin)(fc_sink *self, const fc_doc *doc, fc_error *err);
    /* Called once per form, in order. `form` belongs to the caller. */
    fc_status (*form)(fc_sink *self, const fc_form *form, fc_error *err);
    /* Called once after the last form: finish the output (the caller
     * commits it). */
    fc_status (*end)(fc_sink *self, fc_error *err);
    /* Frees the sink. When `end` was not called or failed, everything written
     * is discarded (no partial output remains). */
    void (*destroy)(fc_sink *self);
    /* Optional (NULL when absent): like `form`, but the sink keeps the form
     * instead of copying it. On entry *form is a filled form made by
     * fc_form_new; on success the sink owns it and *form is an empty form
     * for the caller to fill next. On failure *form is unchanged. */
    fc_status (*take)(fc_sink *self, fc_form **form, fc_error *err);
};

/* A sink that keeps every form in an fc_doc, for tests and for writers that
 * need all forms at once. Create with fc_collector_new (NULL when out of
 * memory); after the reader has run, fc_collector_take hands over the
 * document. Free it with its destroy. */
fc_sink *fc_collector_new(void);

/* Returns the collected document (the caller frees it with fc_doc_free) and
 * leaves the collector empty. NULL if nothing began or memory ran out. */
fc_doc *fc_collector_take(fc_sink *collector);

/* Runs a whole document (`doc` with its forms) into `sink`: begin, each
 * form, end. Returns the first failure. */
fc_status fc_sink_run_doc(fc_sink *sink, const fc_doc *doc, fc_error *err);

#endif
