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
 *   部门项目支出预算绩效目标表           (TITLE, merged across the table, spacer)
 *   单位：万元                          (UNIT, merged across the table, spacer)
 *   项目名称 | value ...                 (LABEL | VALUE, one or more pairs a row;
 *                                         a value spans the rest of its segment)
 *   一级指标 | 二级指标 | 三级指标 | 绩效值  (COLUMN_HEADER)
 *   1-产出指标 | 11-数量指标 | name | target (CATEGORY cells merged down over
 *              |            | ...          their runs; covered cells are "")
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

/* Number of sheet columns the form's table spans: its indicator columns, or
 * more when a header row holds more label/value pairs than they allow. */
uint32_t fc_layout_width(const fc_form *form);

#endif
