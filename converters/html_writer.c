/*
 * html_writer.c - forms as a web page: the official table of each form,
 * laid out by the shared layout (fc_layout.h), merged cells as rowspan and
 * colspan.
 *
 * The page is standalone UTF-8 HTML5: one <style> (fonts per role from the
 * template, A4 print settings with a page per form), no script, no external
 * resource. Each form is a <section> holding one <table>; every cell is a
 * <td> with the class "r-ROLE" of its layout role (fc_role_name), so a role
 * the layout gains is styled by its template font with no code here. Rows
 * the layout sends before the first form (附件 2) become paragraphs.
 *
 * The rows of one form are held until the form is laid out (the table's
 * width must be known before its first row), then written: memory grows
 * with the largest form, not with the number of forms. Every table covers
 * its grid exactly once: gaps the layout leaves are filled with empty
 * cells.
 *
 * For `formconv serve`, value cells carry data-field (the field's index in
 * the form), indicator rows data-indicator (the indicator's index) and
 * their cells data-col (the model column), so a problem can be shown next
 * to its cell.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_html.h"
#include "fc_layout.h"
#include "fc_textcodec.h"
#include "fc_version.h"
#include "html.h"

/* Bytes gathered before they are handed to the output. */
#define HTML_FLUSH (128 * 1024)

/* A cell of a held row. */
typedef struct held_cell {
    size_t off;          /* text offset in the writer's text buffer */
    size_t len;          /* text length */
    uint32_t col;        /* zero-based column */
    uint32_t colspan;    /* columns spanned */
    uint32_t rowspan;    /* rows spanned */
    fc_role role;        /* layout role */
    bool covered;        /* inside another cell's span */
} held_cell;

/* A held row. */
typedef struct held_row {
    size_t first;        /* index of its first cell */
    size_t count;        /* its cells */
    fc_role row_role;    /* the layout's role of the row */
} held_row;

/* The writer. */
typedef struct html_writer {
    fc_sink base;            /* sink interface (must be first) */
    fc_output *out;          /* destination (not owned) */
    const fc_template *tpl;  /* fonts and widths */
    bool fragment;           /* only the tables, no page around them */
    fc_layout layout;        /* forms to rows */
    fc_buf page;             /* bytes waiting for the output */
    const fc_form *form;     /* the form being laid out, NULL between forms */
    fc_buf text;             /* texts of the held rows */
    held_cell *cells;        /* cells of the held rows */
    size_t cell_count;       /* cells in use */
    size_t cell_cap;         /* allocated cells */
    held_row *rows;          /* the held rows */
    size_t row_count;        /* rows in use */
    size_t row_cap;          /* allocated rows */
    uint32_t *cover;         /* per column: rows still covered from above (writing) */
    size_t cover_cap;        /* allocated length of cover */
} html_writer;

/* Grows `*array` (of `size`-byte items) to hold `need`. */
static bool grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 64;
    while (want < need)
        want *= 2;
    void *bigger = realloc(*array, want * size);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = want;
    return true;
}

/* Appends a NUL-terminated string. */
static bool put(fc_buf *b, const char *s)
{
    return fc_buf_append(b, s, strlen(s));
}

/* Appends printf-style text (short pieces only). */
static bool putf(fc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool putf(fc_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < sizeof tmp && fc_buf_append(b, tmp, (size_t)n);
}

/* Appends text escaped for HTML content or a quoted attribute: line breaks
 * become <br> (in content), a space after a space or after a line break
 * becomes &nbsp; so that runs of spaces survive a reader that collapses
 * white space (spaces at either end of a cell do not: pages pad cells
 * with them). */
static bool put_text(fc_buf *b, const char *s, size_t len, bool attribute)
{
    if (!fc_buf_reserve(b, len + 16))
        return false;
    size_t plain = 0;
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        const char *rep = NULL;
        size_t skip = 1;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attribute ? "&quot;" : NULL; break;
        case '\r':
            if (i + 1 < len && s[i + 1] == '\n')
                skip = 2;
            rep = attribute ? " " : "<br>";
            break;
        case '\n': rep = attribute ? " " : "<br>"; break;
        case ' ':
            /* A space a reader would collapse: after another space or
             * after a line break. */
            rep = !attribute && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n') ? "&nbsp;"
                                                                           : NULL;
            break;
        default: break;
        }
        if (!rep)
            continue;
        ok = fc_buf_append(b, s + plain, i - plain) && put(b, rep);
        i += skip - 1;
        plain = i + 1;
    }
    return ok && fc_buf_append(b, s + plain, len - plain);
}

/* Hands the waiting bytes to the output once there are enough of them. */
static fc_status maybe_flush(html_writer *w, bool force, fc_error *err)
{
    if (!force && w->page.len < HTML_FLUSH)
        return FC_OK;
    fc_status st = fc_output_write(w->out, w->page.data, w->page.len, err);
    w->page.len = 0;
    return st;
}

/* Sets `err` for a failed allocation. */
static fc_status no_memory(const html_writer *w, fc_error *err)
{
    return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(w->out), "out of memory");
}

/* ---- the stylesheet ----------------------------------------------------- */

/* Text alignment of a role's cells (roles not named here: left). */
static const char *role_align(const char *role)
{
    static const char *const centred[] = {"title", "label", "column-header", "category"};
    for (size_t i = 0; i < sizeof centred / sizeof centred[0]; i++)
        if (strcmp(role, centred[i]) == 0)
            return "center";
    return strcmp(role, "unit") == 0 ? "right" : "left";
}

/* True for roles drawn outside the table's borders (roles not named here
 * are table cells). */
static bool role_unboxed(const char *role)
{
    static const char *const outside[] = {"none", "attachment", "title", "unit", "note"};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        if (strcmp(role, outside[i]) == 0)
            return true;
    return false;
}

/* Appends a CSS string literal (font names come from a template). */
static bool put_css_string(fc_buf *b, const char *s)
{
    bool ok = put(b, "\"");
    for (; *s && ok; s++) {
        if (*s == '"' || *s == '\\' || *s == '<' || (unsigned char)*s < 0x20)
            ok = putf(b, "\\%x ", (unsigned char)*s);
        else
            ok = fc_buf_append(b, s, 1);
    }
    return ok && put(b, "\"");
}

/* Writes the stylesheet into `b`. */
static bool build_stylesheet(const fc_template *tpl, fc_buf *b)
{
    const fc_font *body = &tpl->fonts[FC_ROLE_VALUE];
    bool ok = putf(b,
                   "@page{size:A4 portrait;margin:%.2fin %.2fin %.2fin %.2fin}\n"
                   "body{margin:1.5em auto;max-width:60em;padding:0 1em;color:#000;"
                   "background:#fff;font-family:",
                   tpl->margin_top, tpl->margin_right, tpl->margin_bottom, tpl->margin_left);
    ok = ok && (body->name ? put_css_string(b, body->name) && put(b, ",") : true) &&
         put(b, "serif}\n"
                "section.form{margin:0 0 3em}\n"
                "table.form{border-collapse:collapse;width:100%;table-layout:fixed}\n"
                "table.form td{border:1px solid #000;padding:.25em .4em;vertical-align:middle;"
                "overflow-wrap:anywhere}\n");
    for (int r = 0; r < FC_ROLE_COUNT && ok; r++) {
        const char *name = fc_role_name((fc_role)r);
        const fc_font *font = &tpl->fonts[r];
        ok = putf(b, ".r-%s{text-align:%s", name, role_align(name));
        if (ok && font->name && font->name[0])
            ok = put(b, ";font-family:") && put_css_string(b, font->name) && put(b, ",serif");
        if (ok && font->size > 0)
            ok = putf(b, ";font-size:%.1fpt", font->size);
        if (ok)
            ok = putf(b, ";font-weight:%s}\n", font->bold ? "bold" : "normal");
        if (ok && role_unboxed(name))
            ok = putf(b, "table.form td.r-%s{border:none}\n", name);
    }
    ok = ok && put(b, "td.r-title{padding:.2em 0 .6em}\np.r-attachment{margin:0 0 1em}\n");
    /* Column widths as shares of the table, from the template's widths of
     * the keyed columns (an extra column counts 12, as in the workbook). */
    static const char *const keys[] = {"level1", "level2", "name", "target"};
    double total = 0;
    for (size_t k = 0; k < tpl->column_count && k < 4; k++)
        total += tpl->columns[k].width > 0 ? tpl->columns[k].width : 12;
    if (total <= 0)
        total = 48;
    for (size_t k = 0; k < tpl->column_count && k < 4 && ok; k++)
        ok = putf(b, "col.c-%s{width:%.1f%%}\n",
                  keys[tpl->columns[k].key < 4 ? tpl->columns[k].key : 0],
                  (tpl->columns[k].width > 0 ? tpl->columns[k].width : 12) * 100 / total);
    ok = ok && putf(b, "col.c-extra{width:%.1f%%}\n", 12 * 100 / total);
    ok = ok && put(b, "@media print{body{margin:0;max-width:none;padding:0}"
                      "section.form{margin:0;break-before:page}"
                      "section.form:first-of-type{break-before:auto}"
                      "tr{break-inside:avoid}}\n");
    return ok;
}

fc_status fc_html_stylesheet(const fc_template *tpl, char **css, size_t *len, fc_error *err)
{
    fc_buf b = {NULL, 0, 0};
    if (!build_stylesheet(tpl, &b) || !fc_buf_append(&b, "", 1)) {
        fc_buf_free(&b);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    *css = b.data;
    *len = b.len - 1;
    return FC_OK;
}

/* ---- rows ---------------------------------------------------------------- */

/* Row receiver: rows of a form are held; rows outside forms are paragraphs. */
static fc_status html_row(void *ctx, const fc_row *row, fc_error *err)
{
    html_writer *w = ctx;
    if (row->kind == FC_ROW_SPACER)
        return FC_OK;
    if (!w->form) {
        bool ok = true;
        for (size_t i = 0; i < row->cell_count && ok; i++) {
            const fc_cell *c = &row->cells[i];
            if (c->covered || c->len == 0)
                continue;
            ok = putf(&w->page, "<p class=\"r-%s\">", fc_role_name(c->role)) &&
                 put_text(&w->page, c->text, c->len, false) && put(&w->page, "</p>\n");
        }
        return ok ? maybe_flush(w, false, err) : no_memory(w, err);
    }
    if (!grow((void **)&w->rows, &w->row_cap, w->row_count + 1, sizeof *w->rows) ||
        !grow((void **)&w->cells, &w->cell_cap, w->cell_count + row->cell_count,
              sizeof *w->cells))
        return no_memory(w, err);
    held_row *h = &w->rows[w->row_count++];
    h->first = w->cell_count;
    h->count = row->cell_count;
    h->row_role = row->row_role;
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *c = &row->cells[i];
        held_cell *hc = &w->cells[w->cell_count++];
        hc->off = w->text.len;
        hc->len = c->covered ? 0 : c->len;
        hc->col = c->col;
        hc->colspan = c->colspan ? c->colspan : 1;
        hc->rowspan = c->rowspan ? c->rowspan : 1;
        hc->role = c->role;
        hc->covered = c->covered;
        if (hc->len && !fc_buf_append(&w->text, c->text, c->len))
            return no_memory(w, err);
    }
    return FC_OK;
}

/* Columns the held rows need (spans included), at least `min`. */
static uint32_t held_width(const html_writer *w, uint32_t min)
{
    uint32_t width = min;
    for (size_t i = 0; i < w->cell_count; i++) {
        const held_cell *c = &w->cells[i];
        if (c->col + c->colspan > width)
            width = c->col + c->colspan;
    }
    return width;
}

/* Name of a model column's class (the key's name: level1, score, extra, ...). */
static const char *column_class(fc_column_key key)
{
    return fc_column_key_name(key);
}

/* Appends `count` empty cells' worth of one empty cell spanning them. */
static bool put_gap(fc_buf *b, uint32_t count)
{
    if (count == 0)
        return true;
    if (count == 1)
        return put(b, "<td class=\"r-none\"></td>");
    return putf(b, "<td class=\"r-none\" colspan=\"%u\"></td>", count);
}

/* Writes the held rows of the form as one section. */
static fc_status write_form(html_writer *w, const fc_form *form, fc_error *err)
{
    uint32_t width = held_width(w, fc_layout_width(form));
    if (!grow((void **)&w->cover, &w->cover_cap, width, sizeof *w->cover))
        return no_memory(w, err);
    memset(w->cover, 0, width * sizeof *w->cover);
    fc_buf *b = &w->page;
    bool ok = put(b, "<section class=\"form\">\n<table class=\"form\">\n<colgroup>");
    for (uint32_t k = 0; k < width && ok; k++)
        ok = putf(b, "<col class=\"c-%s\">",
                  k < form->column_count ? column_class(form->columns[k].key) : "extra");
    ok = ok && put(b, "</colgroup>\n");
    size_t labels = 0, indicators = 0;
    for (size_t r = 0; r < w->row_count && ok; r++) {
        const held_row *row = &w->rows[r];
        bool indicator_row = row->row_role == FC_ROLE_INDICATOR;
        if (indicator_row)
            ok = putf(b, "<tr data-indicator=\"%zu\">", indicators++);
        else
            ok = put(b, "<tr>");
        uint32_t col = 0;
        bool after_label = false;
        for (size_t i = 0; i < row->count && ok; i++) {
            const held_cell *c = &w->cells[row->first + i];
            if (c->covered || c->col < col)
                continue;
            /* Free columns before the cell, except those covered from above. */
            while (col < c->col && ok) {
                uint32_t run = 0;
                while (col + run < c->col && w->cover[col + run] == 0)
                    run++;
                ok = put_gap(b, run);
                col += run;
                while (col < c->col && w->cover[col] > 0)
                    col++;
            }
            ok = ok && putf(b, "<td class=\"r-%s\"", fc_role_name(c->role));
            if (ok && c->colspan > 1)
                ok = putf(b, " colspan=\"%u\"", c->colspan);
            if (ok && c->rowspan > 1)
                ok = putf(b, " rowspan=\"%u\"", c->rowspan);
            if (ok && c->role == FC_ROLE_VALUE && after_label)
                ok = putf(b, " data-field=\"%zu\"", labels - 1);
            if (ok && indicator_row)
                ok = putf(b, " data-col=\"%u\"", c->col);
            ok = ok && put(b, ">") && put_text(b, w->text.data + c->off, c->len, false) &&
                 put(b, "</td>");
            after_label = c->role == FC_ROLE_LABEL;
            if (after_label)
                labels++;
            for (uint32_t k = c->col; k < c->col + c->colspan && k < width; k++)
                if (c->rowspan > 1)
                    w->cover[k] = c->rowspan; /* decremented below with the row */
            col = c->col + c->colspan;
        }
        /* Columns after the last cell. */
        while (col < width && ok) {
            uint32_t run = 0;
            while (col + run < width && w->cover[col + run] == 0)
                run++;
            ok = put_gap(b, run);
            col += run;
            while (col < width && w->cover[col] > 0)
                col++;
        }
        ok = ok && put(b, "</tr>\n");
        for (uint32_t k = 0; k < width; k++)
            if (w->cover[k] > 0)
                w->cover[k]--;
    }
    ok = ok && put(b, "</table>\n</section>\n");
    if (!ok)
        return no_memory(w, err);
    return maybe_flush(w, false, err);
}

/* ---- the sink ------------------------------------------------------------ */

static fc_status html_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    html_writer *w = (html_writer *)self;
    if (!w->fragment) {
        bool ok = put(&w->page, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
                                "<meta charset=\"utf-8\">\n"
                                "<meta name=\"viewport\" content=\"width=device-width, "
                                "initial-scale=1\">\n") &&
                  putf(&w->page, "<meta name=\"generator\" content=\"formconv %s\">\n<title>",
                       FC_VERSION) &&
                  put_text(&w->page, w->tpl->title, strlen(w->tpl->title), false) &&
                  put(&w->page, "</title>\n<style>\n") && build_stylesheet(w->tpl, &w->page) &&
                  put(&w->page, "</style>\n</head>\n<body>\n");
        if (!ok)
            return no_memory(w, err);
    }
    return fc_layout_begin(&w->layout, doc, err);
}

static fc_status html_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    html_writer *w = (html_writer *)self;
    w->form = form;
    w->row_count = w->cell_count = 0;
    w->text.len = 0;
    fc_status st = fc_layout_form(&w->layout, form, err);
    w->form = NULL;
    if (!st)
        st = write_form(w, form, err);
    return st;
}

static fc_status html_end(fc_sink *self, fc_error *err)
{
    html_writer *w = (html_writer *)self;
    if (!w->fragment && !put(&w->page, "</body>\n</html>\n"))
        return no_memory(w, err);
    return maybe_flush(w, true, err);
}

static void html_destroy(fc_sink *self)
{
    html_writer *w = (html_writer *)self;
    if (!w)
        return;
    fc_layout_free(&w->layout);
    fc_buf_free(&w->page);
    fc_buf_free(&w->text);
    free(w->cells);
    free(w->rows);
    free(w->cover);
    free(w);
}

fc_status fc_htmlfmt_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                 fc_error *err)
{
    *sink = NULL;
    html_writer *w = calloc(1, sizeof *w);
    if (!w)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    w->base.begin = html_begin;
    w->base.form = html_form;
    w->base.end = html_end;
    w->base.destroy = html_destroy;
    w->out = out;
    w->tpl = opts->tpl;
    w->fragment = fc_options_flag(opts, "fragment");
    fc_layout_init(&w->layout, opts->tpl, html_row, w);
    *sink = &w->base;
    return FC_OK;
}
