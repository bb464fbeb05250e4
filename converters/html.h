/*
 * html.h - private header of the HTML module (converters/html*.c).
 *
 * The module's public face is the descriptor fc_html_converter (html.c)
 * and fc_html_stylesheet (src/fc_html.h); the reader lives in
 * html_reader.c and the writer in html_writer.c. Nothing outside
 * converters/html*.c and the tests includes this header.
 */
#ifndef FC_HTMLFMT_H
#define FC_HTMLFMT_H

#include "fc_converter.h"

/* Reads every form of an HTML page from `in` into `sink` (begin and each
 * form, not end). Tables become rows of cells (rowspan/colspan as merged
 * ranges) for the shared recognizer; see html_reader.c for the rules.
 * Returns FC_OK, or FC_ERR_INPUT/FC_ERR_ENCODING/FC_ERR_LIMIT/FC_ERR_READ
 * with `err` located "FILE:LINE", or the sink's failure. */
fc_status fc_htmlfmt_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err);

/* Creates the HTML writer: a sink writing one standalone UTF-8 HTML5 page
 * (or, with the option "fragment", only the forms' tables) to `out` (not
 * owned, not committed). Returns FC_OK and *sink (free with its destroy),
 * or FC_ERR_NOMEM. */
fc_status fc_htmlfmt_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                 fc_error *err);

#endif
