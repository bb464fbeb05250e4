/*
 * xlsx.h - private header of the XLSX module (converters/xlsx*.c).
 *
 * The module is split into a writer (xlsx_writer.c, libxlsxwriter) and a
 * reader; xlsx.c holds the descriptor that joins them. Nothing outside
 * converters/xlsx*.c includes this header: the rest of formconv reaches the
 * format only through `fc_xlsx_converter` in the registry.
 */
#ifndef FC_XLSX_H
#define FC_XLSX_H

#include "fc_converter.h"

/* Creates the XLSX writer: a sink that lays out each form it receives as
 * the official 附件 2 table (fc_layout.h) and writes a workbook to the
 * staging file of `out` (fc_output_path), with libxlsxwriter's temporary
 * files in fc_output_tmpdir(out). `opts->tpl` gives fonts, column widths
 * and page set-up; `opts->layout` chooses one sheet for all forms
 * (FC_LAYOUT_STACKED, constant memory) or one sheet per form
 * (FC_LAYOUT_SHEETS). The workbook is written and checked by the sink's
 * `end`; the caller then commits `out`. Returns FC_OK and *sink (free with
 * (*sink)->destroy), or FC_ERR_NOMEM / FC_ERR_OUTPUT with `err` set. The
 * sink does not own `out` and never commits it. */
fc_status fc_xlsx_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                              fc_error *err);

#endif
