/*
 * fc_pipeline.h - runs a writer on a thread of its own.
 *
 * Reading and writing a form cost about the same, so on a machine with two
 * cores a conversion goes nearly twice as fast when the writer works on one
 * batch of forms while the reader fills the next. The pipeline is a sink
 * that copies each form it receives into a small ring of batches and hands
 * full batches to a thread that passes them, in order, to the real writer.
 * Memory stays bounded (three batches of forms) and the output is the same,
 * byte for byte, as without the pipeline.
 */
#ifndef FC_PIPELINE_H
#define FC_PIPELINE_H

#include "fc_converter.h"

/* Wraps the writer sink `inner`: on success *out is a sink that forwards
 * begin at once, forms in batches through a writer thread, and end after the
 * last batch; the first failure of `inner` is returned by the next call on
 * *out. *out owns `inner` (its destroy destroys `inner`, also on failure
 * here). Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_pipeline_new(fc_sink *inner, fc_sink **out, fc_error *err);

#endif
