/*
 * xlsx_floor.c - benchmark helper: the floor of writing the stacked 附件 2
 * workbook with libxlsxwriter. It writes the same cells, merges, formats,
 * spacer rows and page breaks as formconv's XLSX writer (constant_memory
 * mode, each merge registered with no format while its first row is
 * written, anchors and formatted blanks after) and nothing else: no text
 * checks or escapes, no row-height measuring (fixed heights), no overlap
 * checks, no reading back of the written file.
 *
 * Usage: xlsx_floor MODE DUMP OUT.xlsx
 *   MODE formconv  read DUMP with formconv's text reader and lay the forms
 *                  out with the shared layout (fc_layout.h), as formconv
 *                  does: the difference to `formconv convert` is the
 *                  writer alone.
 *   MODE split     read DUMP (as tests/bench/gen_dump.c writes it) with a
 *                  bare line and tab splitter: the library's floor with an
 *                  almost free reader.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "fc_converter.h"
#include "fc_layout.h"
#include "fc_registry.h"

/* The widths and fonts of the default template. */
static const double widths[4] = {18, 22, 32, 26};

/* The bare writer's state. */
typedef struct floor_writer {
    lxw_workbook *wb;          /* the workbook */
    lxw_worksheet *ws;         /* the current sheet */
    lxw_format *fmt[FC_ROLE_COUNT]; /* a format per role */
    uint32_t row;              /* next row on the sheet */
    lxw_row_t breaks[LXW_BREAKS_MAX + 1]; /* page breaks of the sheet, 0-terminated */
    size_t break_count;        /* page breaks so far */
    int sheets;                /* sheets made */
} floor_writer;

/* Ends the current sheet: widths, print area, page breaks. */
static void end_sheet(floor_writer *f)
{
    if (!f->ws)
        return;
    for (int c = 0; c < 4; c++)
        worksheet_set_column(f->ws, c, c, widths[c], NULL);
    if (f->row)
        worksheet_print_area(f->ws, 0, 0, f->row - 1, 3);
    if (f->break_count) {
        f->breaks[f->break_count] = 0;
        worksheet_set_h_pagebreaks(f->ws, f->breaks);
    }
    f->ws = NULL;
}

/* Starts a sheet with the attachment's page set-up. */
static void new_sheet(floor_writer *f)
{
    end_sheet(f);
    char name[32];
    snprintf(name, sizeof name, "Sheet%d", ++f->sheets);
    f->ws = workbook_add_worksheet(f->wb, name);
    worksheet_set_paper(f->ws, 9);
    worksheet_set_portrait(f->ws);
    worksheet_fit_to_pages(f->ws, 1, 0);
    worksheet_center_horizontally(f->ws);
    worksheet_set_margins(f->ws, 0.6, 0.6, 0.75, 0.75);
    f->row = 0;
    f->break_count = 0;
}

/* Creates the workbook and the formats. */
static void open_floor(floor_writer *f, const char *path)
{
    memset(f, 0, sizeof *f);
    static char dir[4096]; /* temporary files beside the output, as formconv keeps them */
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = dir};
    f->wb = workbook_new_opt(path, &o);
    for (int r = 0; r < FC_ROLE_COUNT; r++) {
        /* One format per distinct look (libxlsxwriter hashes duplicates per cell). */
        if (r == FC_ROLE_CATEGORY) {
            f->fmt[r] = f->fmt[FC_ROLE_LABEL];
            continue;
        }
        if (r == FC_ROLE_INDICATOR || r == FC_ROLE_TARGET || r == FC_ROLE_NOTE) {
            f->fmt[r] = f->fmt[r == FC_ROLE_NOTE ? FC_ROLE_NONE : FC_ROLE_VALUE];
            continue;
        }
        lxw_format *x = workbook_add_format(f->wb);
        bool table = r >= FC_ROLE_LABEL && r <= FC_ROLE_TARGET;
        format_set_font_name(x, r == FC_ROLE_ATTACHMENT || r == FC_ROLE_TITLE ? "黑体" : "宋体");
        format_set_font_size(x, r == FC_ROLE_TITLE ? 18 : r == FC_ROLE_ATTACHMENT ? 12 : 11);
        format_set_align(x, r == FC_ROLE_LABEL || r == FC_ROLE_TITLE ||
                                    r == FC_ROLE_COLUMN_HEADER ? LXW_ALIGN_CENTER
                            : r == FC_ROLE_UNIT ? LXW_ALIGN_RIGHT : LXW_ALIGN_LEFT);
        format_set_align(x, LXW_ALIGN_VERTICAL_CENTER);
        if (r != FC_ROLE_ATTACHMENT)
            format_set_text_wrap(x);
        if (table)
            format_set_border(x, LXW_BORDER_THIN);
        if (table && (r == FC_ROLE_VALUE || r == FC_ROLE_INDICATOR || r == FC_ROLE_TARGET))
            format_set_indent(x, 1);
        if (r == FC_ROLE_COLUMN_HEADER)
            format_set_bold(x);
        f->fmt[r] = x;
    }
    new_sheet(f);
}

/* Writes one laid-out row: merge with no format, anchor, formatted blanks. */
static fc_status floor_row(void *ctx, const fc_row *row, fc_error *err)
{
    (void)err;
    floor_writer *f = ctx;
    if (row->kind == FC_ROW_SPACER) {
        if (f->row)
            worksheet_set_row(f->ws, f->row++, 6, NULL);
        return FC_OK;
    }
    if (row->form_start) {
        if (f->break_count >= LXW_BREAKS_MAX || f->row > LXW_ROW_MAX - 200)
            new_sheet(f);
        else if (f->row)
            f->breaks[f->break_count++] = f->row;
    }
    uint32_t r = f->row++;
    worksheet_set_row(f->ws, r, row->row_role == FC_ROLE_TITLE ? 36 : 23, NULL);
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *c = &row->cells[i];
        lxw_format *x = f->fmt[c->role];
        if (c->covered) {
            worksheet_write_blank(f->ws, r, c->col, x);
            continue;
        }
        if (c->colspan > 1 || c->rowspan > 1)
            worksheet_merge_range(f->ws, r, c->col, r + c->rowspan - 1, c->col + c->colspan - 1,
                                  "", NULL);
        if (c->len)
            worksheet_write_string(f->ws, r, c->col, c->text, x);
        else
            worksheet_write_blank(f->ws, r, c->col, x);
    }
    return FC_OK;
}

/* ---- MODE formconv: formconv's reader and layout, bare writes ---------- */

/* A sink that lays forms out into floor_row. */
typedef struct floor_sink {
    fc_sink base;        /* sink interface (must be first) */
    fc_layout layout;    /* forms -> rows */
    floor_writer *f;     /* the bare writer */
} floor_sink;

/* fc_sink.begin: the attachment rows. */
static fc_status sink_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    return fc_layout_begin(&((floor_sink *)self)->layout, doc, err);
}

/* fc_sink.form: one form's rows. */
static fc_status sink_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    return fc_layout_form(&((floor_sink *)self)->layout, form, err);
}

/* MODE formconv: reads `dump` with formconv's reader into `f`. */
static int run_formconv(const char *dump, floor_writer *f)
{
    fc_template *tpl = NULL;
    fc_error err;
    fc_error_clear(&err);
    if (fc_template_load_default(&tpl, &err))
        return 1;
    floor_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.base.begin = sink_begin;
    sink.base.form = sink_form;
    sink.f = f;
    fc_layout_init(&sink.layout, tpl, floor_row, f);
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tpl = tpl;
    fc_input *in = NULL;
    fc_status st = fc_input_open(dump, &in, &err);
    if (!st)
        st = fc_converter_by_name("text")->read(in, &opts, &sink.base, &err);
    if (st)
        fprintf(stderr, "xlsx_floor: %s\n", err.message);
    fc_input_free(in);
    fc_layout_free(&sink.layout);
    fc_template_free(tpl);
    return st ? 1 : 0;
}

/* ---- MODE split: a bare splitter for generated dumps --------------------- */

/* One line of the dump split at tabs (cells point into the line). */
typedef struct line {
    char *cell[4];   /* up to four cells */
    int count;       /* number of cells */
} line;

/* Splits `s` at tabs into at most four cells. */
static void split_line(char *s, line *l)
{
    l->count = 0;
    for (;;) {
        l->cell[l->count++] = s;
        char *tab = strchr(s, '\t');
        if (!tab || l->count == 4)
            break;
        *tab = '\0';
        s = tab + 1;
    }
}

/* Writes the buffered indicator rows with their category runs merged. */
static void flush_table(floor_writer *f, line *rows, int n, bool *first_row)
{
    fc_cell cells[4];
    for (int i = 0; i < n; i++) {
        int count = 0;
        for (int k = 0; k < 4; k++) {
            fc_cell *c = &cells[count++];
            memset(c, 0, sizeof *c);
            c->col = (uint32_t)k;
            c->colspan = c->rowspan = 1;
            c->text = k < rows[i].count ? rows[i].cell[k] : "";
            c->len = strlen(c->text);
            c->role = k < 2 ? FC_ROLE_CATEGORY : k == 2 ? FC_ROLE_INDICATOR : FC_ROLE_TARGET;
            if (k < 2) {
                if (c->len == 0 && i > 0) {
                    c->covered = c->covered_above = true;
                } else {
                    int run = 1;
                    while (i + run < n && rows[i + run].cell[k][0] == '\0')
                        run++;
                    if (k == 1) { /* a second-level run ends where a first-level one starts */
                        int j = 1;
                        while (j < run && rows[i + j].cell[0][0] == '\0')
                            j++;
                        run = j;
                    }
                    c->rowspan = (uint32_t)run;
                }
            }
        }
        fc_row row;
        memset(&row, 0, sizeof row);
        row.cells = cells;
        row.cell_count = (size_t)count;
        row.row_role = FC_ROLE_INDICATOR;
        row.form_start = *first_row;
        *first_row = false;
        floor_row(f, &row, NULL);
    }
}

/* MODE split: reads `dump` line by line into `f`. */
static int run_split(const char *dump, floor_writer *f)
{
    FILE *in = fopen(dump, "r");
    if (!in)
        return 1;
    size_t cap = 0;
    char *buf = NULL;
    ssize_t got;
    line table[64];
    char *table_text[64] = {0};
    int table_rows = 0, forms = 0;
    bool in_table = false, first_row = false;
    fc_cell cells[4];
    while ((got = getline(&buf, &cap, in)) >= 0) {
        if (got && buf[got - 1] == '\n')
            buf[--got] = '\0';
        if (in_table && (got == 0 || table_rows == 64)) {
            flush_table(f, table, table_rows, &first_row);
            for (int i = 0; i < table_rows; i++)
                free(table_text[i]);
            table_rows = 0;
            in_table = false;
        }
        fc_row row;
        memset(&row, 0, sizeof row);
        row.cells = cells;
        if (got == 0) {
            row.kind = FC_ROW_SPACER;
            floor_row(f, &row, NULL);
            continue;
        }
        if (in_table) {
            table_text[table_rows] = strdup(buf);
            split_line(table_text[table_rows], &table[table_rows]);
            table_rows++;
            continue;
        }
        line l;
        split_line(buf, &l);
        memset(cells, 0, sizeof cells);
        for (int k = 0; k < 4; k++) {
            cells[k].col = (uint32_t)k;
            cells[k].colspan = cells[k].rowspan = 1;
            cells[k].text = k < l.count ? l.cell[k] : "";
            cells[k].len = strlen(cells[k].text);
        }
        if (l.count == 1) { /* attachment, title or unit */
            bool attachment = strncmp(buf, "附件", strlen("附件")) == 0;
            bool title = strstr(buf, "目标表") != NULL;
            cells[0].role = attachment ? FC_ROLE_ATTACHMENT : title ? FC_ROLE_TITLE : FC_ROLE_UNIT;
            cells[0].colspan = attachment ? 1 : 4;
            row.cell_count = 1;
            row.row_role = cells[0].role;
            if (title) {
                row.form_start = forms++ > 0;
            }
        } else if (strcmp(l.cell[0], "一级指标") == 0) {
            for (int k = 0; k < 4; k++)
                cells[k].role = FC_ROLE_COLUMN_HEADER;
            row.cell_count = 4;
            in_table = true;
        } else {
            cells[0].role = cells[2].role = FC_ROLE_LABEL;
            cells[1].role = cells[3].role = FC_ROLE_VALUE;
            if (cells[2].len == 0 && cells[3].len == 0) {
                cells[1].colspan = 3;
                cells[2].covered = cells[3].covered = true;
                cells[2].role = FC_ROLE_VALUE;
            }
            row.cell_count = 4;
        }
        floor_row(f, &row, NULL);
    }
    if (table_rows)
        flush_table(f, table, table_rows, &first_row);
    for (int i = 0; i < table_rows; i++)
        free(table_text[i]);
    free(buf);
    fclose(in);
    return 0;
}

/* Writes the workbook; exits 0 on success. */
int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "formconv") != 0 && strcmp(argv[1], "split") != 0)) {
        fprintf(stderr, "usage: xlsx_floor formconv|split DUMP OUT.xlsx\n");
        return 2;
    }
    floor_writer f;
    open_floor(&f, argv[3]);
    int status = strcmp(argv[1], "formconv") == 0 ? run_formconv(argv[2], &f)
                                                  : run_split(argv[2], &f);
    end_sheet(&f);
    lxw_doc_properties props = {.title = "部门项目支出预算绩效目标表", .author = "formconv",
                                .created = 946684800};
    workbook_set_properties(f.wb, &props);
    if (workbook_close(f.wb) != LXW_NO_ERROR)
        status = 1;
    return status;
}
