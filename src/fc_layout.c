/*
 * fc_layout.c - forms to rows of cells (see fc_layout.h for the arrangement).
 */
#include "fc_layout.h"

#include <stdlib.h>
#include <string.h>

void fc_layout_init(fc_layout *layout, const fc_template *tpl, fc_row_fn emit, void *ctx)
{
    memset(layout, 0, sizeof *layout);
    layout->tpl = tpl;
    layout->emit = emit;
    layout->ctx = ctx;
}

void fc_layout_free(fc_layout *layout)
{
    free(layout->cells);
    free(layout->run1);
    free(layout->run2);
    layout->cells = NULL;
    layout->run1 = layout->run2 = NULL;
    layout->cell_capacity = layout->run_capacity = 0;
}

/* Number of fields on the header row that starts at field `i`. */
static size_t row_pairs(const fc_form *form, size_t i)
{
    size_t pairs = 1;
    while (i + pairs < form->field_count && form->fields[i + pairs].same_row)
        pairs++;
    return pairs;
}

uint32_t fc_layout_width(const fc_form *form)
{
    size_t width = form->column_count + (form->table_label ? 1 : 0);
    for (size_t i = 0; i < form->field_count;) {
        size_t pairs = row_pairs(form, i);
        const fc_field *f = &form->fields[i];
        size_t need = (f->label_above ? pairs : 2 * pairs) + (f->group ? 1 : 0);
        if (need > width)
            width = need;
        i += pairs;
    }
    if (width < 2)
        width = 2;
    return width > UINT32_MAX ? UINT32_MAX : (uint32_t)width;
}

double fc_layout_column_width(const fc_template *tpl, const fc_form *form, uint32_t col)
{
    if (form->table_label) {
        if (col == 0)
            return FC_LAYOUT_LABEL_WIDTH;
        col--;
    }
    if (col >= form->column_count)
        return FC_LAYOUT_DEFAULT_WIDTH;
    const fc_column *c = &form->columns[col];
    if (c->key != FC_COL_EXTRA) {
        for (size_t i = 0; i < tpl->column_count; i++)
            if (tpl->columns[i].key == c->key && tpl->columns[i].width > 0)
                return tpl->columns[i].width;
        return FC_LAYOUT_DEFAULT_WIDTH;
    }
    char want[256];
    if (fc_label_key(c->header, strlen(c->header), want, sizeof want) == (size_t)-1)
        return FC_LAYOUT_DEFAULT_WIDTH;
    for (size_t i = 0; i < tpl->extra_column_count; i++) {
        const fc_template_column *extra = &tpl->extra_columns[i];
        if (extra->width > 0 && strcmp(want, extra->match_key) == 0)
            return extra->width;
    }
    return FC_LAYOUT_DEFAULT_WIDTH;
}

/* Makes room for `n` cells in the scratch row. */
static fc_status reserve_cells(fc_layout *layout, size_t n, fc_error *err)
{
    if (n <= layout->cell_capacity)
        return FC_OK;
    size_t want = n < 16 ? 16 : n;
    fc_cell *bigger = realloc(layout->cells, want * sizeof *bigger);
    if (!bigger)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    layout->cells = bigger;
    layout->cell_capacity = want;
    return FC_OK;
}

/* Fills `cell` as a plain cell at `col`. */
static void set_cell(fc_cell *cell, uint32_t col, const char *text, fc_role role)
{
    memset(cell, 0, sizeof *cell);
    cell->text = text ? text : "";
    cell->len = strlen(cell->text);
    cell->col = col;
    cell->colspan = 1;
    cell->rowspan = 1;
    cell->role = role;
}

/* Fills `cell` as a covered cell (no text) at `col`. */
static void set_covered(fc_cell *cell, uint32_t col, bool above, fc_role role)
{
    set_cell(cell, col, "", role);
    cell->covered = true;
    cell->covered_above = above;
}

/* Sends `count` scratch cells as one row. */
static fc_status emit_row(fc_layout *layout, size_t count, fc_role role, bool *form_start,
                          fc_error *err)
{
    fc_row row;
    memset(&row, 0, sizeof row);
    row.index = layout->next_row++;
    row.cells = layout->cells;
    row.cell_count = count;
    row.kind = FC_ROW_DATA;
    row.row_role = role;
    row.form_start = *form_start;
    *form_start = false;
    return layout->emit(layout->ctx, &row, err);
}

/* Sends an empty spacer row. */
static fc_status emit_spacer(fc_layout *layout, fc_error *err)
{
    fc_row row;
    memset(&row, 0, sizeof row);
    row.index = layout->next_row++;
    row.kind = FC_ROW_SPACER;
    return layout->emit(layout->ctx, &row, err);
}

/* Sends a row of one cell spanning `width` columns. */
static fc_status emit_banner(fc_layout *layout, const char *text, fc_role role,
                             uint32_t width, bool *form_start, fc_error *err)
{
    fc_status st = reserve_cells(layout, 1, err);
    if (st)
        return st;
    set_cell(&layout->cells[0], 0, text, role);
    layout->cells[0].colspan = width;
    return emit_row(layout, 1, role, form_start, err);
}

/* Sends a note: one cell spans the table, several cells sit side by side. */
static fc_status emit_note(fc_layout *layout, const fc_note *note, uint32_t width,
                           bool *form_start, fc_error *err)
{
    if (note->cell_count == 1)
        return emit_banner(layout, note->cells[0], FC_ROLE_NOTE, width, form_start, err);
    fc_status st = reserve_cells(layout, note->cell_count, err);
    if (st)
        return st;
    for (size_t i = 0; i < note->cell_count; i++)
        set_cell(&layout->cells[i], (uint32_t)i, note->cells[i], FC_ROLE_NOTE);
    return emit_row(layout, note->cell_count, FC_ROLE_NOTE, form_start, err);
}

fc_status fc_layout_begin(fc_layout *layout, const fc_doc *doc, fc_error *err)
{
    if (!doc || !doc->attachment)
        return FC_OK;
    bool no_break = false;
    fc_status st = reserve_cells(layout, 1, err);
    if (st)
        return st;
    set_cell(&layout->cells[0], 0, doc->attachment, FC_ROLE_ATTACHMENT);
    st = emit_row(layout, 1, FC_ROLE_ATTACHMENT, &no_break, err);
    if (!st)
        st = emit_spacer(layout, err);
    return st;
}

/* Sends the header notes that stand after `fields_done` fields. */
static fc_status emit_header_notes(fc_layout *layout, const fc_form *form, size_t *next_note,
                                   size_t fields_done, uint32_t width, bool *form_start,
                                   fc_error *err)
{
    fc_status st = FC_OK;
    while (*next_note < form->note_count && !st) {
        const fc_note *note = &form->notes[*next_note];
        if (note->place != FC_NOTE_IN_HEADER) {
            (*next_note)++;
            continue;
        }
        if (note->after_fields > fields_done)
            break;
        st = emit_note(layout, note, width, form_start, err);
        (*next_note)++;
    }
    return st;
}

/* Physical rows the header row starting at field `i` takes (2 when its
 * labels stand above their values). */
static uint32_t row_height(const fc_form *form, size_t i)
{
    return form->fields[i].label_above ? 2 : 1;
}

/* True when the fields at `a` and `b` stand in the same block. */
static bool same_group(const fc_field *a, const fc_field *b)
{
    return a->group && b->group && strcmp(a->group, b->group) == 0;
}

/* Rows the block starting at the header row of field `i` takes, down to
 * the first row whose field is not in its group. */
static uint32_t block_height(const fc_form *form, size_t i)
{
    uint32_t height = 0;
    size_t j = i;
    while (j < form->field_count && (j == i || same_group(&form->fields[i], &form->fields[j]))) {
        height += row_height(form, j);
        j += row_pairs(form, j);
    }
    return height;
}

/* Fills the scratch cells of one physical header row: the group cell (or
 * the cell it covers) at column 0, then the row's fields from column
 * `base`: label and value side by side, or (labels_row / values_row of a
 * label-above row) only labels or only values, each over its segment.
 * Returns the number of cells. */
static size_t fill_field_row(fc_layout *layout, const fc_form *form, size_t i, size_t pairs,
                             uint32_t width, uint32_t group_span, bool covered_group,
                             int part)
{
    const fc_field *first = &form->fields[i];
    size_t count = 0;
    uint32_t base = first->group ? 1 : 0;
    if (first->group) {
        if (covered_group) {
            set_covered(&layout->cells[count++], 0, true, FC_ROLE_LABEL);
        } else {
            set_cell(&layout->cells[count], 0, first->group, FC_ROLE_LABEL);
            layout->cells[count++].rowspan = group_span;
        }
    }
    uint32_t segment = (width - base) / (uint32_t)pairs;
    for (size_t p = 0; p < pairs; p++) {
        const fc_field *field = &form->fields[i + p];
        uint32_t start = base + (uint32_t)p * segment;
        uint32_t end = (p + 1 == pairs) ? width - 1 : start + segment - 1;
        uint32_t value_col = start;
        if (part == 0) { /* label beside value */
            set_cell(&layout->cells[count++], start, field->label, FC_ROLE_LABEL);
            value_col = start + 1;
        }
        const char *text = part == 1 ? field->label : field->value;
        fc_role role = part == 1 ? FC_ROLE_LABEL : FC_ROLE_VALUE;
        set_cell(&layout->cells[count], value_col, text, role);
        layout->cells[count++].colspan = end - value_col + 1;
        for (uint32_t c = value_col + 1; c <= end; c++)
            set_covered(&layout->cells[count++], c, false, role);
    }
    return count;
}

/* Sends the header field rows (and the header notes among them). */
static fc_status emit_fields(fc_layout *layout, const fc_form *form, uint32_t width,
                             bool *form_start, fc_error *err)
{
    size_t next_note = 0;
    fc_status st = emit_header_notes(layout, form, &next_note, 0, width, form_start, err);
    st = st ? st : reserve_cells(layout, width, err);
    size_t i = 0;
    while (!st && i < form->field_count) {
        size_t pairs = row_pairs(form, i);
        const fc_field *f = &form->fields[i];
        bool opens = f->group && (i == 0 || !same_group(&form->fields[i - 1], f));
        uint32_t span = opens ? block_height(form, i) : 0;
        /* part 0: labels beside values; 1 and 2: the labels row, then the
         * values row of a label-above row. */
        int parts[2] = {f->label_above ? 1 : 0, 2};
        int nparts = f->label_above ? 2 : 1;
        for (int k = 0; k < nparts && !st; k++) {
            bool covered = f->group && !(opens && k == 0);
            size_t count = fill_field_row(layout, form, i, pairs, width, span, covered, parts[k]);
            st = emit_row(layout, count, parts[k] == 1 ? FC_ROLE_LABEL : FC_ROLE_VALUE,
                          form_start, err);
        }
        i += pairs;
        if (!st)
            st = emit_header_notes(layout, form, &next_note, i, width, form_start, err);
    }
    /* Notes recorded after more fields than remain (defensive). */
    if (!st)
        st = emit_header_notes(layout, form, &next_note, (size_t)-1, width, form_start, err);
    return st;
}

/* Computes the runs of equal categories: run1[i] (run2[i]) is the number of
 * rows the first-level (second-level) cell starting at row i spans, or 0
 * when row i continues a run. */
static fc_status compute_runs(fc_layout *layout, const fc_form *form, fc_error *err)
{
    size_t n = form->indicator_count;
    if (n > layout->run_capacity) {
        uint32_t *r1 = realloc(layout->run1, n * sizeof *r1);
        if (!r1)
            return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
        layout->run1 = r1;
        uint32_t *r2 = realloc(layout->run2, n * sizeof *r2);
        if (!r2)
            return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
        layout->run2 = r2;
        layout->run_capacity = n;
    }
    size_t start1 = 0, start2 = 0;
    for (size_t i = 0; i < n; i++) {
        const fc_indicator *row = &form->indicators[i];
        bool new1 = i == 0 || strcmp(row->level1, form->indicators[i - 1].level1) != 0;
        bool new2 = new1 || strcmp(row->level2, form->indicators[i - 1].level2) != 0;
        layout->run1[i] = layout->run2[i] = 0;
        if (new1)
            start1 = i;
        if (new2)
            start2 = i;
        layout->run1[start1]++;
        layout->run2[start2]++;
    }
    return FC_OK;
}

/* The role of a table cell in column `key`. */
static fc_role column_role(fc_column_key key)
{
    switch (key) {
    case FC_COL_LEVEL1:
    case FC_COL_LEVEL2: return FC_ROLE_CATEGORY;
    case FC_COL_NAME: return FC_ROLE_INDICATOR;
    default: return FC_ROLE_TARGET;
    }
}

/* Pads the scratch row after its last table cell up to `width` columns:
 * the last cell spans the rest. */
static size_t pad_row(fc_layout *layout, size_t count, uint32_t first_free, uint32_t width)
{
    if (count == 0 || first_free >= width)
        return count;
    fc_cell *last = &layout->cells[count - 1];
    last->colspan = width - last->col;
    fc_role role = last->role;
    for (uint32_t c = first_free; c < width; c++)
        set_covered(&layout->cells[count++], c, false, role);
    return count;
}

/* Sends the indicator header and the indicator rows. */
static fc_status emit_table(fc_layout *layout, const fc_form *form, uint32_t width,
                            bool *form_start, fc_error *err)
{
    size_t ncols = form->column_count;
    uint32_t base = form->table_label ? 1 : 0;
    fc_status st = reserve_cells(layout, width > ncols + base ? width : ncols + base, err);
    if (st)
        return st;
    uint32_t end = base + (uint32_t)ncols;
    bool two = false; /* a second header row under headers spanning columns */
    for (size_t k = 0; k < ncols && !two; k++)
        two = form->columns[k].subheader != NULL;
    size_t count = 0;
    if (form->table_label) {
        set_cell(&layout->cells[count], 0, form->table_label, FC_ROLE_LABEL);
        layout->cells[count++].rowspan = (uint32_t)(form->indicator_count + 1 + two);
    }
    for (size_t k = 0; k < ncols; k++) {
        const fc_column *c = &form->columns[k];
        uint32_t col = base + (uint32_t)k;
        if (c->subheader && k > 0 && form->columns[k - 1].subheader &&
            strcmp(form->columns[k - 1].header, c->header) == 0) {
            set_covered(&layout->cells[count++], col, false, FC_ROLE_COLUMN_HEADER);
            continue;
        }
        set_cell(&layout->cells[count], col, c->header, FC_ROLE_COLUMN_HEADER);
        if (c->subheader) {
            uint32_t run = 1;
            while (k + run < ncols && form->columns[k + run].subheader &&
                   strcmp(form->columns[k + run].header, c->header) == 0)
                run++;
            layout->cells[count].colspan = run;
        } else if (two) {
            layout->cells[count].rowspan = 2;
        }
        count++;
    }
    count = pad_row(layout, count, end, width);
    st = emit_row(layout, count, FC_ROLE_COLUMN_HEADER, form_start, err);
    if (!st && two) {
        count = 0;
        if (form->table_label)
            set_covered(&layout->cells[count++], 0, true, FC_ROLE_LABEL);
        for (size_t k = 0; k < ncols; k++) {
            const fc_column *c = &form->columns[k];
            if (c->subheader)
                set_cell(&layout->cells[count++], base + (uint32_t)k, c->subheader,
                         FC_ROLE_COLUMN_HEADER);
            else
                set_covered(&layout->cells[count++], base + (uint32_t)k, true,
                            FC_ROLE_COLUMN_HEADER);
        }
        count = pad_row(layout, count, end, width);
        st = emit_row(layout, count, FC_ROLE_COLUMN_HEADER, form_start, err);
    }
    if (!st)
        st = compute_runs(layout, form, err);
    for (size_t i = 0; !st && i < form->indicator_count; i++) {
        const fc_indicator *row = &form->indicators[i];
        size_t extra = 0;
        count = 0;
        if (form->table_label)
            set_covered(&layout->cells[count++], 0, true, FC_ROLE_LABEL);
        for (size_t k = 0; k < ncols; k++) {
            fc_cell *cell = &layout->cells[count++];
            uint32_t col = base + (uint32_t)k;
            fc_column_key key = form->columns[k].key;
            if (key == FC_COL_LEVEL1 || key == FC_COL_LEVEL2) {
                uint32_t run = key == FC_COL_LEVEL1 ? layout->run1[i] : layout->run2[i];
                if (run == 0) {
                    set_covered(cell, col, true, FC_ROLE_CATEGORY);
                } else {
                    set_cell(cell, col, fc_indicator_value(row, key), FC_ROLE_CATEGORY);
                    cell->rowspan = run;
                }
            } else if (key == FC_COL_EXTRA) {
                set_cell(cell, col, row->extra ? row->extra[extra] : "", FC_ROLE_TARGET);
                extra++;
            } else {
                set_cell(cell, col, fc_indicator_value(row, key), column_role(key));
            }
        }
        count = pad_row(layout, count, end, width);
        st = emit_row(layout, count, FC_ROLE_INDICATOR, form_start, err);
    }
    return st;
}

fc_status fc_layout_form(fc_layout *layout, const fc_form *form, fc_error *err)
{
    uint32_t width = fc_layout_width(form);
    bool form_start = layout->forms > 0;
    fc_status st = FC_OK;
    if (layout->forms > 0)
        st = emit_spacer(layout, err);
    for (size_t i = 0; !st && i < form->note_count; i++)
        if (form->notes[i].place == FC_NOTE_BEFORE_TITLE) {
            st = emit_note(layout, &form->notes[i], width, &form_start, err);
            if (!st)
                st = emit_spacer(layout, err);
        }
    if (!st && form->title) {
        st = emit_banner(layout, form->title, FC_ROLE_TITLE, width, &form_start, err);
        if (!st && form->subtitle)
            st = emit_banner(layout, form->subtitle, FC_ROLE_SUBTITLE, width, &form_start, err);
        if (!st)
            st = emit_spacer(layout, err);
    } else if (!st && form->subtitle) {
        st = emit_banner(layout, form->subtitle, FC_ROLE_SUBTITLE, width, &form_start, err);
        if (!st)
            st = emit_spacer(layout, err);
    }
    if (!st && form->unit) {
        st = emit_banner(layout, form->unit, FC_ROLE_UNIT, width, &form_start, err);
        if (!st)
            st = emit_spacer(layout, err);
    }
    if (!st)
        st = emit_fields(layout, form, width, &form_start, err);
    if (!st && form->column_count)
        st = emit_table(layout, form, width, &form_start, err);
    for (size_t i = 0; !st && i < form->note_count; i++)
        if (form->notes[i].place == FC_NOTE_AFTER_TABLE)
            st = emit_note(layout, &form->notes[i], width, &form_start, err);
    layout->forms++;
    return st;
}
