/*
 * fc_recognizer.h - turns rows of cells into forms.
 *
 * Every sheet-like reader (text dumps, XLSX) pushes its rows, in order, into
 * one recognizer, which finds the attachment label, titles, unit lines,
 * header fields, the indicator header and indicator rows, and notes, as the
 * template describes them, wherever they stand in the sheet. Completed forms
 * go to a sink one at a time; the recognizer keeps at most the form being
 * built, so memory does not grow with the number of forms.
 *
 * What it accepts:
 *   - blank rows anywhere; forms in any column; several forms in a row of
 *     rows, with or without titles (a known header label or a unit line after
 *     a table starts a new form);
 *   - header rows of label/value pairs, the value being the cell right of its
 *     label (a merged cell counts once); unknown labels are kept;
 *   - an indicator header found by its column names (merged header cells
 *     cover several columns; unknown columns are kept under their header);
 *   - indicator rows whose first- or second-level cell is blank or covered by
 *     a merge from above: "same as above";
 *   - notes: lines that are neither fields nor indicators.
 * What it rejects (FC_ERR_INPUT, with the location of the offending cell):
 *   an indicator row before its header, a form without header fields, an
 *   input without any form, more rows in a form than the limit allows.
 */
#ifndef FC_RECOGNIZER_H
#define FC_RECOGNIZER_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_converter.h"
#include "fc_sheet.h"

typedef struct fc_recognizer fc_recognizer;

/* Writes the location of `cell` in `row` (or of the row itself when `cell`
 * is NULL) into `buf` of `size` bytes: "FILE:LINE:COL" for text,
 * "FILE!Sheet!B12" for sheets. Provided by the reader. */
typedef void (*fc_locate_fn)(void *ctx, const fc_row *row, const fc_cell *cell,
                             char *buf, size_t size);

/* Creates a recognizer that sends forms to `sink` (not owned; the
 * recognizer calls begin and form, never end). `opts->tpl` must be set.
 * `locate` formats locations for messages. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_recognizer_new(const fc_options *opts, fc_sink *sink, fc_locate_fn locate,
                            void *locate_ctx, fc_recognizer **out, fc_error *err);

/* Frees the recognizer (a form still being built is dropped). NULL allowed. */
void fc_recognizer_free(fc_recognizer *rec);

/* Takes the next row. Cells are copied as needed; the row may be reused
 * after the call. May pass a completed form to the sink. Returns FC_OK, the
 * sink's failure, or FC_ERR_INPUT/FC_ERR_LIMIT with `err` set. */
fc_status fc_recognizer_push(fc_recognizer *rec, const fc_row *row, fc_error *err);

/* Ends the current block of rows (a sheet): the form being built is
 * completed and sent. Rows pushed later start afresh. */
fc_status fc_recognizer_break(fc_recognizer *rec, fc_error *err);

/* Ends the input: completes the last form. FC_ERR_INPUT when no form was
 * found at all; `where` names the input for that message. */
fc_status fc_recognizer_finish(fc_recognizer *rec, const char *where, fc_error *err);

/* Number of forms sent to the sink so far. */
size_t fc_recognizer_form_count(const fc_recognizer *rec);

/* True when `len` bytes of `text`, standing alone on a line, would be taken
 * as part of a form: an attachment label, a title, a unit line or the start
 * of a note (填报人：). Readers of pages that mix a form with other text
 * (HTML outside tables) use it to tell the form's lines from the page's. */
bool fc_recognizer_is_form_line(const fc_template *tpl, const char *text, size_t len);

#endif
