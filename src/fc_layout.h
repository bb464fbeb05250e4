/*
 * fc_layout.h - turns forms into rows of cells, the inverse of the recognizer.
 *
 * The layout is the canonical arrangement of the official table, the one the
 * seed dump shows; every sheet-like writer (text dump, XLSX) renders its rows.
 * For a document it emits:
 *
 *   附件 2                              (ATTACHMENT, once, then a spacer)
 *   [spacer between forms]
 *   notes before the title              (NOTE, each followed by a spacer)
 *   部门项目支出预算绩效目标表           (TITLE, merged across the table)
 *   （2022年度）                         (SUBTITLE when the form has one; spacer)
 *   单位：万元                          (UNIT, merged across the table, spacer)
 *   项目名称 | value ...                 (LABEL | VALUE, one or more pairs a row;
 *                                         a value spans the rest of its segment)
 *   项目资金 | 年度资金总额 | value       (a group's LABEL merged down its rows,
 *            | 其中：财政拨款 | value       then the pairs from the second column)
 *   总体目标 | 中期目标 | 年度目标          (label-above rows: a row of labels,
 *            | text     | text             then a row of values, same spans)
 *   绩效指标 | 一级指标 | ... | 绩效值     (the table label, when the form has
 *            | 1-产出指标 | 11-数量指标 |... one, merged down the whole table;
 *                                         COLUMN_HEADER; CATEGORY cells merged
 *                                         down over their runs; covered "")
 *   notes after the table               (NOTE)
 *
 * Merged ranges are given on their first cell (colspan/rowspan); covered
 * cells that a text dump needs as padding are present with covered = true
 * and empty text. A writer that merges must fill any other covered position
 * itself (title, unit and one-cell notes carry no covered cells).
 */
#ifndef FC_LAYOUT_H
#define FC_LAYOUT_H

#include "fc_converter.h"
#include "fc_sheet.h"

/* Receives one laid-out row; `row` is only valid during the call. */
typedef fc_status (*fc_row_fn)(void *ctx, const fc_row *row, fc_error *err);

/* Layout state across the forms of one document. */
typedef struct fc_layout {
    const fc_template *tpl;   /* the template (fonts are the writer's business) */
    fc_row_fn emit;           /* receiver of rows */
    void *ctx;                /* its context */
    size_t forms;             /* forms laid out so far */
    unsigned long next_row;   /* index given to the next row */
    fc_cell *cells;           /* scratch cells of one row */
    size_t cell_capacity;     /* allocated length of cells */
    uint32_t *run1;           /* scratch: rows each first-level run spans (per indicator) */
    uint32_t *run2;           /* scratch: rows each second-level run spans (per indicator) */
    size_t run_capacity;      /* allocated length of run1 and run2 */
} fc_layout;

/* Prepares a layout that sends rows to `emit`. Allocates nothing. */
void fc_layout_init(fc_layout *layout, const fc_template *tpl, fc_row_fn emit, void *ctx);

/* Frees the layout's scratch memory. */
void fc_layout_free(fc_layout *layout);

/* Emits the rows that open the document (its attachment label). */
fc_status fc_layout_begin(fc_layout *layout, const fc_doc *doc, fc_error *err);

/* Emits the rows of one form. */
fc_status fc_layout_form(fc_layout *layout, const fc_form *form, fc_error *err);

/* Number of sheet columns the form's table spans: its indicator columns
 * (and the table label's), or more when a header row holds more
 * label/value pairs than they allow. */
uint32_t fc_layout_width(const fc_form *form);

/* Default width of a column the template does not size, and of the table
 * label's column, in Excel character units. */
#define FC_LAYOUT_DEFAULT_WIDTH 12.0
#define FC_LAYOUT_LABEL_WIDTH 8.0

/* Width `tpl` gives sheet column `col` of `form` as laid out, in Excel
 * character units: the table label's column, a keyed column's template
 * width, a known extra column's, else FC_LAYOUT_DEFAULT_WIDTH. */
double fc_layout_column_width(const fc_template *tpl, const fc_form *form, uint32_t col);

#endif
