/*
 * fc_sheet.h - rows of cells: what sheet-like formats (text dumps, XLSX)
 * exchange with the recognizer and the layout.
 *
 * A sheet reader turns its bytes into fc_row values and pushes them into the
 * recognizer (fc_recognizer.h), which builds forms. A sheet writer receives
 * fc_row values from the layout (fc_layout.h) and turns them into bytes.
 * Neither kind of module knows anything about forms.
 */
#ifndef FC_SHEET_H
#define FC_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fc_template.h"

/* One cell of a row. */
typedef struct fc_cell {
    const char *text;     /* UTF-8 text, not necessarily NUL-terminated; "" when empty */
    size_t len;           /* its length in bytes */
    uint32_t col;         /* zero-based column */
    uint32_t colspan;     /* columns a merged range covers from here (1: not merged) */
    uint32_t rowspan;     /* rows a merged range covers from here (1: not merged) */
    bool covered;         /* inside a merged range but not its top-left cell */
    bool covered_above;   /* covered by a range whose first row is above this row */
    fc_role role;         /* style role (set by the layout; readers leave FC_ROLE_NONE) */
    unsigned long line;   /* source line where the cell starts (text readers; 0 otherwise) */
    unsigned long pos;    /* source column in characters, 1-based; 0 when unknown (the
                             reader's fc_locate_fn then works it out on demand) */
} fc_cell;

/* What kind of row the layout produced (readers leave FC_ROW_DATA). */
typedef enum fc_row_kind {
    FC_ROW_DATA = 0,      /* an ordinary row of cells */
    FC_ROW_SPACER         /* an empty row that separates parts of the layout */
} fc_row_kind;

/* One row: cells in increasing column order. Empty cells may be absent. */
typedef struct fc_row {
    unsigned long index;  /* zero-based row number in the sheet (text: line - 1) */
    const fc_cell *cells; /* the cells, sorted by column */
    size_t cell_count;    /* number of cells */
    fc_row_kind kind;     /* data or spacer */
    fc_role row_role;     /* the role that decides the row's height (layout only) */
    bool form_start;      /* first row of a form other than the first (page break here) */
} fc_row;

#endif
