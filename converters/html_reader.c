/*
 * html_reader.c - forms from web pages: saved by Excel ("Save as web page"),
 * WPS, LibreOffice or Gnumeric, written by a government site's content
 * system, or by formconv's own writer.
 *
 * The bytes are decoded to UTF-8 first (BOM, else the charset a <meta>
 * declares, else UTF-8 when the bytes are UTF-8 and GB18030 when not; see
 * fc_textcodec.h) and fed in chunks to libxml2's HTML push parser, told to
 * ignore the page's own charset declaration, never to touch the network and
 * never to print. Its SAX events drive:
 *
 *   - a grid per <table>: rows of cells in column order, where a cell takes
 *     the first column not covered by a rowspan from a row above, and every
 *     slot a rowspan or colspan covers becomes a covered cell, as the
 *     recognizer expects from a spreadsheet's merged ranges;
 *   - the cell's text as a browser shows it: runs of white space collapse to
 *     one space, white space at the ends goes, <br> and block elements in a
 *     cell are line breaks, &nbsp; is a space that does not collapse (so
 *     Excel's "a<span style='mso-spacerun:yes'>&nbsp; </span>b" is "a  b"),
 *     and a cell holding only white space is empty; entities and character
 *     references are decoded by the parser; scripts, styles, comments and
 *     the head are skipped;
 *   - lines of text outside tables (a <p>, a <caption>, a line ended by
 *     <br>): pushed as one-cell rows when the template takes them for part
 *     of a form (附件 2, the title, 单位：万元, 填报人：...); the rest of a
 *     page (navigation, dates, footers) is not the form's;
 *   - tables that are not a form's: a table one of whose cells holds a
 *     table is a frame for the page (a layout table): its cells' text counts
 *     as text outside tables and only the tables inside it give rows; and a
 *     table none of whose cells the template knows (no label, column header,
 *     title, unit line, attachment label or note) is the page's (a menu, a
 *     list of links) and gives no rows. A table's rows are held back until
 *     one of its cells is known (at most HOLD_ROWS rows or HOLD_BYTES of
 *     text: past that, the held rows are dropped); from then on they stream.
 *
 * Memory: one row (or the held-back rows) per open table, one line of page
 * text, the recognizer's form, and libxml2's stack of open elements. Time is
 * linear in the input.
 */
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fc_recognizer.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"
#include "fc_xml.h"
#include "html.h"

/* Raw bytes read and parsed per step. */
#define HTML_CHUNK (64 * 1024)
/* Deepest element nesting accepted. */
#define HTML_DEPTH_MAX 1024
/* Longest line of page text outside tables that may still be a form's
 * line (a title is at most 240 bytes); longer lines are page text. */
#define BLOCK_MAX 4096
/* Rows and text of a table held back until it is known not to be a layout table. */
#define HOLD_ROWS 1024
#define HOLD_BYTES ((size_t)4 << 20)
/* The HTML standard's clamps on spans. */
#define COLSPAN_MAX 1000
#define ROWSPAN_MAX 65534
/* How far into the page a <meta> charset is looked for. */
#define META_SCAN 4096

/* Text being collected for one cell or one line outside tables, white space
 * collapsed as a browser shows it. */
typedef struct text_run {
    fc_buf *buf;        /* where the text goes (shared; the run is its tail) */
    size_t start;       /* offset in buf of the run's first byte */
    size_t end;         /* offset just past its last character that is not a space */
    size_t max_bytes;   /* longest run accepted */
    bool space;         /* collapsible white space waits before the next character */
    unsigned breaks;    /* line breaks wait before the next character */
    bool overflow;      /* the run grew past max_bytes */
} text_run;

/* A cell of a table row: an anchor with its spans, or a covered slot. */
typedef struct slot {
    size_t off;          /* text offset in the table's text buffer */
    size_t len;          /* text length in bytes */
    uint32_t col;        /* zero-based column */
    uint32_t colspan;    /* columns the cell spans (1 for covered slots) */
    uint32_t rowspan;    /* rows the cell spans (1 for covered slots) */
    unsigned long line;  /* source line of the <td> */
    bool covered;        /* inside another cell's span */
    bool covered_above;  /* inside the span of a cell of a row above */
} slot;

/* One open <table>. */
typedef struct html_table {
    bool layout;          /* holds a table in a cell: a frame, its text is page text */
    bool known;           /* holds a cell the template knows: a form's table, its
                             rows go out as they end (until then they are held) */
    uint32_t *span_left;  /* per column: rows still covered from above */
    size_t span_cap;      /* allocated length of span_left */
    uint32_t width;       /* columns in use (span_left beyond is 0) */
    fc_buf text;          /* texts of the held rows and of the current row */
    slot *slots;          /* held rows' cells, then the current row's */
    size_t slot_count;    /* slots in use */
    size_t slot_cap;      /* allocated length of slots */
    size_t *row_ends;     /* per held row: its end index in slots */
    size_t row_count;     /* held rows */
    size_t row_cap;       /* allocated length of row_ends */
    size_t row_first;     /* index in slots of the current row's first cell */
    bool in_row;          /* a <tr> is open */
    bool in_cell;         /* a <td>/<th> is open */
    uint32_t next_col;    /* first column the next cell of the row may take */
    slot cell;            /* the open cell's place and spans */
    text_run run;         /* the open cell's text */
} html_table;

/* State of one page being read. */
typedef struct html_reader {
    const char *name;         /* input name for messages */
    fc_limits limits;         /* effective limits */
    const fc_template *tpl;   /* the template (which lines outside tables are a form's) */
    htmlParserCtxtPtr ctxt;   /* libxml2's parser (for line numbers) */
    fc_recognizer *rec;       /* receiver of rows */
    fc_status status;         /* first failure inside a callback */
    fc_error *err;            /* where it is described */
    unsigned depth;           /* open elements */
    unsigned skip;            /* open elements whose text is not shown (script, head, ...) */
    html_table *tables;       /* stack of open tables (entries reused) */
    size_t table_count;       /* open tables */
    size_t table_cap;         /* allocated entries */
    fc_buf block;             /* the line of page text being collected */
    text_run block_run;       /* its collector */
    unsigned long block_line; /* source line where it started */
    unsigned long rows;       /* rows pushed so far (row index) */
    fc_cell *cells;           /* scratch: the row being pushed */
    size_t cell_cap;          /* allocated length of cells */
    slot *scratch;            /* scratch: a row's slots in column order */
    size_t scratch_cap;       /* allocated length of scratch */
} html_reader;

/* ---- failures ---------------------------------------------------------- */

/* Current source line. */
static unsigned long current_line(const html_reader *r)
{
    return r->ctxt ? (unsigned long)xmlSAX2GetLineNumber(r->ctxt) : 0;
}

/* Records the first failure (printf-style, at `line`; 0: the current line)
 * and stops the parser. */
static void fail(html_reader *r, fc_status code, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(html_reader *r, fc_status code, unsigned long line, const char *fmt, ...)
{
    if (r->status)
        return;
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    r->status = fc_error_at_line(r->err, code, r->name, line ? line : current_line(r), 0, "%s",
                                 message);
    if (r->ctxt)
        xmlStopParser(r->ctxt);
}

/* Records a failure the recognizer (or the sink) already described. */
static void fail_with(html_reader *r, fc_status st)
{
    if (!r->status) {
        r->status = st;
        if (r->ctxt)
            xmlStopParser(r->ctxt);
    }
}

/* Grows `*array` (of `size`-byte items, `*cap` allocated) to hold `need`. */
static bool grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 16;
    while (want < need)
        want *= 2;
    void *bigger = realloc(*array, want * size);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = want;
    return true;
}

/* ---- text as shown ------------------------------------------------------ */

/* Starts collecting a run at the end of `buf`. */
static void run_begin(text_run *run, fc_buf *buf, size_t max_bytes)
{
    memset(run, 0, sizeof *run);
    run->buf = buf;
    run->start = run->end = buf->len;
    run->max_bytes = max_bytes;
}

/* Appends bytes to the run; false when out of memory. */
static bool run_put(text_run *run, const void *data, size_t len)
{
    if (run->buf->len - run->start + len > run->max_bytes) {
        run->overflow = true;
        return true;
    }
    return fc_buf_append(run->buf, data, len);
}

/* Writes the white space waiting before a character. */
static bool run_flush(text_run *run)
{
    bool ok = true;
    if (run->end > run->start) {
        for (; run->breaks && ok; run->breaks--)
            ok = run_put(run, "\n", 1);
        if (run->space && ok)
            ok = run_put(run, " ", 1);
    }
    run->breaks = 0;
    run->space = false;
    return ok;
}

/* Adds `len` bytes of parsed UTF-8 text. Returns FC_OK, FC_ERR_NOMEM, or
 * FC_ERR_INPUT for a character no cell may hold (its code point in *bad). */
static fc_status run_text(text_run *run, const unsigned char *s, size_t len, uint32_t *bad)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            run->space = true;
            i++;
            continue;
        }
        uint32_t cp = c;
        size_t n = 1;
        if (c >= 0x80) {
            n = fc_utf8_decode(s + i, len - i, &cp);
            if (n == 0) { /* libxml2 hands over valid UTF-8; be safe anyway */
                *bad = c;
                return FC_ERR_INPUT;
            }
        }
        if (cp == 0xA0) { /* &nbsp;: a space that does not collapse */
            if (run->end > run->start) {
                if (!run_flush(run) || !run_put(run, " ", 1))
                    return FC_ERR_NOMEM;
            }
            i += n;
            continue;
        }
        if (!fc_char_allowed(cp)) {
            *bad = cp;
            return FC_ERR_INPUT;
        }
        if (!run_flush(run) || !run_put(run, s + i, n))
            return FC_ERR_NOMEM;
        run->end = run->buf->len;
        i += n;
    }
    return FC_OK;
}

/* A <br>: a line break inside the run (none at its start). */
static void run_break(text_run *run)
{
    if (run->end > run->start || run->breaks)
        run->breaks++;
    run->space = false;
}

/* A block element's edge inside the run: at least one line break. */
static void run_boundary(text_run *run)
{
    if (run->end > run->start && run->breaks == 0)
        run->breaks = 1;
    run->space = false;
}

/* Ends the run: trailing white space goes. Returns its length. */
static size_t run_end(text_run *run)
{
    run->buf->len = run->end;
    run->breaks = 0;
    run->space = false;
    return run->end - run->start;
}

/* ---- rows to the recognizer --------------------------------------------- */

/* Location formatter for the recognizer: FILE:LINE of the cell's <td>. */
static void html_locate(void *ctx, const fc_row *row, const fc_cell *cell, char *buf,
                        size_t size)
{
    const html_reader *r = ctx;
    unsigned long line = cell ? cell->line : (row->cell_count ? row->cells[0].line : 0);
    if (line)
        snprintf(buf, size, "%s:%lu", r->name, line);
    else
        snprintf(buf, size, "%s", r->name);
}

/* Pushes `count` slots (column order) whose texts are in `text`. */
static void push_slots(html_reader *r, const slot *slots, size_t count, const fc_buf *text)
{
    if (r->status)
        return;
    if (!grow((void **)&r->cells, &r->cell_cap, count, sizeof *r->cells))
        return fail(r, FC_ERR_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < count; i++) {
        fc_cell *c = &r->cells[i];
        memset(c, 0, sizeof *c);
        c->text = slots[i].len ? text->data + slots[i].off : "";
        c->len = slots[i].len;
        c->col = slots[i].col;
        c->colspan = slots[i].colspan;
        c->rowspan = slots[i].rowspan;
        c->covered = slots[i].covered;
        c->covered_above = slots[i].covered_above;
        c->line = slots[i].line;
    }
    fc_row row;
    memset(&row, 0, sizeof row);
    row.index = r->rows++;
    row.cells = r->cells;
    row.cell_count = count;
    fc_status st = fc_recognizer_push(r->rec, &row, r->err);
    if (st)
        fail_with(r, st);
}

/* Pushes each line of page text in `text` (lines split at line breaks) as
 * a one-cell row when it is a form's line. */
static void push_line(html_reader *r, const char *text, size_t len, unsigned long line)
{
    while (len > 0 && !r->status) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        const char *part = text;
        size_t part_len = n;
        fc_utf8_trim(&part, &part_len);
        if (part_len && fc_recognizer_is_form_line(r->tpl, part, part_len)) {
            fc_buf holder = {(char *)part, part_len, part_len};
            slot s = {0, part_len, 0, 1, 1, line, false, false};
            push_slots(r, &s, 1, &holder);
        }
        text += nl ? n + 1 : n;
        len -= nl ? n + 1 : n;
    }
}

/* Ends the line of page text being collected (a block's edge) and pushes it. */
static void end_block(html_reader *r)
{
    size_t len = run_end(&r->block_run);
    if (!r->block_run.overflow)
        push_line(r, r->block.data, len, r->block_line);
    r->block.len = 0;
    run_begin(&r->block_run, &r->block, BLOCK_MAX);
    r->block_line = 0;
}

/* ---- tables -------------------------------------------------------------- */

/* The innermost open table, or NULL. */
static html_table *top_table(html_reader *r)
{
    return r->table_count ? &r->tables[r->table_count - 1] : NULL;
}

/* Pushes the held rows of `t` and empties them. */
static void flush_held(html_reader *r, html_table *t)
{
    size_t first = 0;
    for (size_t k = 0; k < t->row_count && !r->status; k++) {
        push_slots(r, t->slots + first, t->row_ends[k] - first, &t->text);
        first = t->row_ends[k];
    }
    t->row_count = 0;
    t->slot_count = 0;
    t->row_first = 0;
    t->text.len = 0;
}

/* Forgets the held rows of `t`. */
static void drop_held(html_table *t)
{
    t->row_count = 0;
    t->slot_count = 0;
    t->row_first = 0;
    t->text.len = 0;
}

/* Turns `t` into a layout table: what it held becomes page text. */
static void make_layout(html_reader *r, html_table *t)
{
    if (t->layout)
        return;
    /* The cells of held rows and of the current row, then the open cell. */
    for (size_t i = 0; i < t->slot_count && !r->status; i++)
        if (!t->slots[i].covered)
            push_line(r, t->text.data + t->slots[i].off, t->slots[i].len, t->slots[i].line);
    if (t->in_cell && !r->status) {
        size_t len = run_end(&t->run);
        if (!t->run.overflow)
            push_line(r, t->text.data + t->run.start, len, t->cell.line);
    }
    t->layout = true;
    t->row_count = t->slot_count = t->row_first = 0;
    t->text.len = 0;
}

/* Opens a table (nested in the innermost one when that has a cell open). */
static void open_table(html_reader *r)
{
    html_table *outer = top_table(r);
    if (outer && outer->in_cell)
        make_layout(r, outer);
    if (r->table_count == r->table_cap) {
        size_t old = r->table_cap;
        if (!grow((void **)&r->tables, &r->table_cap, r->table_count + 1, sizeof *r->tables))
            return fail(r, FC_ERR_NOMEM, 0, "out of memory");
        memset(r->tables + old, 0, (r->table_cap - old) * sizeof *r->tables);
        /* The open tables moved: their cell runs follow their buffers. */
        for (size_t i = 0; i < r->table_count; i++)
            r->tables[i].run.buf = &r->tables[i].text;
    }
    html_table *t = &r->tables[r->table_count++];
    /* Keep the allocations of an entry used before. */
    uint32_t *span_left = t->span_left;
    size_t span_cap = t->span_cap;
    fc_buf text = t->text;
    slot *slots = t->slots;
    size_t slot_cap = t->slot_cap;
    size_t *row_ends = t->row_ends;
    size_t row_cap = t->row_cap;
    memset(t, 0, sizeof *t);
    t->span_left = span_left;
    t->span_cap = span_cap;
    t->text = text;
    t->text.len = 0;
    t->slots = slots;
    t->slot_cap = slot_cap;
    t->row_ends = row_ends;
    t->row_cap = row_cap;
}

/* Reads a span attribute: digits (leading white space and a sign allowed,
 * trailing garbage ignored, as browsers do); `fallback` when absent or not
 * a number; clamped to `max`. */
static uint32_t span_value(const xmlChar *value, uint32_t fallback, uint32_t max)
{
    if (!value)
        return fallback;
    const char *p = (const char *)value;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
        p++;
    if (*p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return fallback;
    unsigned long v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > max)
            return max;
        p++;
    }
    return (uint32_t)v;
}

/* Makes sure span_left covers `cols` columns. */
static bool reserve_columns(html_table *t, size_t cols)
{
    size_t old = t->span_cap;
    if (!grow((void **)&t->span_left, &t->span_cap, cols, sizeof *t->span_left))
        return false;
    memset(t->span_left + old, 0, (t->span_cap - old) * sizeof *t->span_left);
    return true;
}

/* Starts a row of `t`. */
static void begin_row(html_reader *r, html_table *t)
{
    (void)r;
    t->in_row = true;
    t->next_col = 0;
    t->row_first = t->slot_count;
}

/* Ends the open cell of `t`. */
static void end_cell(html_reader *r, html_table *t)
{
    if (!t->in_cell)
        return;
    t->in_cell = false;
    if (t->layout) {
        end_block(r);
        return;
    }
    size_t len = run_end(&t->run);
    if (t->run.overflow)
        return fail(r, FC_ERR_LIMIT, t->cell.line,
                    "cell longer than the limit of %zu characters", r->limits.cell_chars);
    if (len > r->limits.cell_chars &&
        fc_utf8_length(t->text.data + t->run.start, len) > r->limits.cell_chars)
        return fail(r, FC_ERR_LIMIT, t->cell.line,
                    "cell longer than the limit of %zu characters", r->limits.cell_chars);
    if (!t->known && len) {
        const char *text = t->text.data + t->run.start;
        fc_field_key key;
        fc_column_key column;
        t->known = fc_recognizer_is_form_line(r->tpl, text, len) ||
                   fc_template_match_label(r->tpl, text, len, &key) ||
                   fc_template_match_column(r->tpl, text, len, &column);
    }
    if (!grow((void **)&t->slots, &t->slot_cap, t->slot_count + 1, sizeof *t->slots))
        return fail(r, FC_ERR_NOMEM, 0, "out of memory");
    slot *s = &t->slots[t->slot_count++];
    *s = t->cell;
    s->off = t->run.start;
    s->len = len;
}

/* Opens a cell of `t` with the spans in `atts`. */
static void begin_cell(html_reader *r, html_table *t, const xmlChar **atts)
{
    if (!t->in_row)
        begin_row(r, t);
    end_cell(r, t);
    if (r->status)
        return;
    t->in_cell = true;
    if (t->layout) {
        end_block(r);
        return;
    }
    const xmlChar *colspan = NULL, *rowspan = NULL;
    for (size_t i = 0; atts && atts[i]; i += 2) {
        if (xmlStrcasecmp(atts[i], BAD_CAST "colspan") == 0)
            colspan = atts[i + 1];
        else if (xmlStrcasecmp(atts[i], BAD_CAST "rowspan") == 0)
            rowspan = atts[i + 1];
    }
    uint32_t cs = span_value(colspan, 1, COLSPAN_MAX);
    uint32_t rs = span_value(rowspan, 1, ROWSPAN_MAX);
    if (cs == 0)
        cs = 1;
    if (rs == 0) /* "to the end of the row group": clipped at the table's end */
        rs = ROWSPAN_MAX;
    uint32_t col = t->next_col;
    while (col < t->width && t->span_left[col] > 0)
        col++;
    /* A cell running into a slot covered from above stops before it. */
    uint32_t take = 1;
    while (take < cs && (col + take >= t->width || t->span_left[col + take] == 0))
        take++;
    cs = take;
    if ((size_t)col + cs > r->limits.row_cells)
        return fail(r, FC_ERR_LIMIT, 0, "row has more cells than the limit of %zu allows",
                    r->limits.row_cells);
    if (!reserve_columns(t, (size_t)col + cs))
        return fail(r, FC_ERR_NOMEM, 0, "out of memory");
    t->next_col = col + cs;
    memset(&t->cell, 0, sizeof t->cell);
    t->cell.col = col;
    t->cell.colspan = cs;
    t->cell.rowspan = rs;
    t->cell.line = current_line(r);
    run_begin(&t->run, &t->text, r->limits.cell_chars * 4);
}

/* Orders the current row's cells by column and adds the covered slots. */
static bool complete_row(html_reader *r, html_table *t)
{
    size_t first = t->row_first, count = t->slot_count - first;
    uint32_t width = t->width;
    for (size_t i = first; i < t->slot_count; i++)
        if (t->slots[i].col + t->slots[i].colspan > width)
            width = t->slots[i].col + t->slots[i].colspan;
    if (!grow((void **)&r->scratch, &r->scratch_cap, width + 1, sizeof *r->scratch))
        return false;
    /* Cells come in increasing column order already (each takes a column
     * after the one before); walk the columns once. */
    size_t n = 0, k = first;
    for (uint32_t col = 0; col < width;) {
        if (k < t->slot_count && t->slots[k].col == col) {
            const slot *a = &t->slots[k++];
            r->scratch[n++] = *a;
            for (uint32_t c = col + 1; c < col + a->colspan; c++)
                r->scratch[n++] = (slot){0, 0, c, 1, 1, a->line, true, false};
            col += a->colspan;
        } else {
            if (col < t->width && t->span_left[col] > 0)
                r->scratch[n++] = (slot){0, 0, col, 1, 1, 0, true, true};
            col++;
        }
    }
    if (!grow((void **)&t->slots, &t->slot_cap, first + n, sizeof *t->slots))
        return false;
    memcpy(t->slots + first, r->scratch, n * sizeof *r->scratch);
    t->slot_count = first + n;
    (void)count;
    /* Spans from above move down a row; this row's rowspans start. */
    for (uint32_t c = 0; c < t->width; c++)
        if (t->span_left[c] > 0)
            t->span_left[c]--;
    for (size_t i = first; i < t->slot_count; i++) {
        const slot *s = &t->slots[i];
        if (!s->covered && s->rowspan > 1)
            for (uint32_t c = s->col; c < s->col + s->colspan; c++)
                t->span_left[c] = s->rowspan - 1;
    }
    t->width = width;
    return true;
}

/* Ends the open row of `t`: pushes it, or holds it back. */
static void end_row(html_reader *r, html_table *t)
{
    end_cell(r, t);
    if (!t->in_row || r->status)
        return;
    t->in_row = false;
    if (t->layout)
        return;
    if (!complete_row(r, t))
        return fail(r, FC_ERR_NOMEM, 0, "out of memory");
    if (!grow((void **)&t->row_ends, &t->row_cap, t->row_count + 1, sizeof *t->row_ends))
        return fail(r, FC_ERR_NOMEM, 0, "out of memory");
    t->row_ends[t->row_count++] = t->slot_count;
    if (t->known)
        flush_held(r, t);
    else if (t->row_count >= HOLD_ROWS || t->text.len >= HOLD_BYTES)
        drop_held(t); /* that much without a form's word: not a form's table */
}

/* Ends a row group (<tbody>, <thead>, <tfoot>): rowspans stop at its end. */
static void end_row_group(html_reader *r, html_table *t)
{
    end_row(r, t);
    if (t->span_left)
        memset(t->span_left, 0, t->span_cap * sizeof *t->span_left);
}

/* Closes the innermost table: its held rows are a data table's. */
static void close_table(html_reader *r)
{
    html_table *t = top_table(r);
    if (!t)
        return;
    end_row(r, t);
    if (t->known && !t->layout && !r->status) {
        flush_held(r, t);
        /* The end of a table is a blank row to the recognizer: a line of
         * the page after it leads up to the next form, as after a blank
         * line of a dump. */
        fc_row blank;
        memset(&blank, 0, sizeof blank);
        blank.index = r->rows++;
        fc_status st = r->status ? FC_OK : fc_recognizer_push(r->rec, &blank, r->err);
        if (st)
            fail_with(r, st);
    }
    r->table_count--;
}

/* ---- SAX events ------------------------------------------------------------ */

/* Elements whose edges end a line of text (block-level and table parts). */
static bool is_block(const char *name)
{
    static const char *const blocks[] = {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "caption", "tr", "td", "th", "thead", "tbody", "tfoot", "section", "article",
        "header", "footer", "nav", "aside", "main", "blockquote", "pre", "center", "hr",
        "address", "form", "fieldset", "figure", "figcaption", "body", "html", "colgroup",
        "col", "details", "summary", "menu", "dir", "legend", "hgroup", "noscript"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcmp(name, blocks[i]) == 0)
            return true;
    return false;
}

/* Elements whose content is never shown as text. */
static bool is_hidden(const char *name)
{
    return strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
           strcmp(name, "head") == 0 || strcmp(name, "title") == 0 ||
           strcmp(name, "template") == 0 || strcmp(name, "textarea") == 0 ||
           strcmp(name, "select") == 0 || strcmp(name, "object") == 0 ||
           strcmp(name, "iframe") == 0 || strcmp(name, "xml") == 0 ||
           strcmp(name, "caption") == 0;
}

/* The text run that text goes to now: the open cell of the innermost data
 * table, else the line of page text. */
static text_run *current_run(html_reader *r)
{
    html_table *t = top_table(r);
    if (t && t->in_cell && !t->layout)
        return &t->run;
    if (r->block_line == 0)
        r->block_line = current_line(r);
    return &r->block_run;
}

static void sax_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
    html_reader *r = ctx;
    if (r->status)
        return;
    if (++r->depth > HTML_DEPTH_MAX)
        return fail(r, FC_ERR_LIMIT, 0, "elements nested deeper than %d levels", HTML_DEPTH_MAX);
    const char *name = (const char *)xname;
    if (r->skip || is_hidden(name)) {
        r->skip++;
        return;
    }
    if (strcmp(name, "frameset") == 0 || strcmp(name, "frame") == 0)
        return fail(r, FC_ERR_INPUT, 0,
                    "a frameset page (Excel saves a workbook of several sheets so): "
                    "read the page of one sheet, in the folder of files beside it");
    html_table *t = top_table(r);
    bool in_cell = t && t->in_cell && !t->layout;
    if (strcmp(name, "br") == 0) {
        if (in_cell)
            run_break(&t->run);
        else
            end_block(r);
        return;
    }
    if (strcmp(name, "table") == 0) {
        end_block(r);
        open_table(r);
        return;
    }
    if (t && (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)) {
        end_block(r);
        begin_cell(r, t, atts);
        return;
    }
    if (t && strcmp(name, "tr") == 0) {
        end_block(r);
        end_row(r, t);
        if (!r->status)
            begin_row(r, t);
        return;
    }
    if (t && (strcmp(name, "tbody") == 0 || strcmp(name, "thead") == 0 ||
              strcmp(name, "tfoot") == 0)) {
        end_block(r);
        end_row_group(r, t);
        return;
    }
    if (is_block(name)) {
        if (in_cell)
            run_boundary(&t->run);
        else
            end_block(r);
    }
}

static void sax_end(void *ctx, const xmlChar *xname)
{
    html_reader *r = ctx;
    if (r->depth)
        r->depth--;
    if (r->status)
        return;
    const char *name = (const char *)xname;
    if (r->skip) {
        r->skip--;
        return;
    }
    html_table *t = top_table(r);
    if (strcmp(name, "table") == 0) {
        if (t) {
            close_table(r);
            end_block(r);
        }
        return;
    }
    if (t && (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)) {
        end_cell(r, t);
        return;
    }
    if (t && strcmp(name, "tr") == 0) {
        end_row(r, t);
        return;
    }
    if (t && (strcmp(name, "tbody") == 0 || strcmp(name, "thead") == 0 ||
              strcmp(name, "tfoot") == 0)) {
        end_row_group(r, t);
        return;
    }
    if (is_block(name)) {
        if (t && t->in_cell && !t->layout)
            run_boundary(&t->run);
        else
            end_block(r);
    }
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
    html_reader *r = ctx;
    if (r->status || r->skip || len <= 0)
        return;
    text_run *run = current_run(r);
    uint32_t bad = 0;
    fc_status st = run_text(run, ch, (size_t)len, &bad);
    if (st == FC_ERR_NOMEM)
        return fail(r, st, 0, "out of memory");
    if (st)
        return fail(r, st, 0, "control character U+%04X", (unsigned)bad);
}

/* Script and style content (libxml2 hands it over as CDATA): not shown. */
static void sax_cdata(void *ctx, const xmlChar *value, int len)
{
    (void)ctx;
    (void)value;
    (void)len;
}

/* libxml2's own messages: the parser recovers as browsers do; nothing is printed. */
static void sax_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Structured errors: the parser recovers from malformed markup as browsers
 * do, and those messages are dropped; but a character no cell may hold
 * (a control character, &#1;) is dropped by libxml2 without a trace, and
 * a value must not change silently: that is refused. */
static void sax_structured(void *ctx, xmlErrorPtr error)
{
    html_reader *r = ctx;
    if (!error || (error->code != XML_ERR_INVALID_CHAR && error->code != XML_ERR_INVALID_CHARREF))
        return;
    char message[160];
    snprintf(message, sizeof message, "%s", error->message ? error->message : "");
    size_t n = strlen(message);
    while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
        message[--n] = '\0';
    fail(r, FC_ERR_INPUT, error->line > 0 ? (unsigned long)error->line : 0,
         "control character or invalid character reference (%s)", message);
}

/* ---- the charset ------------------------------------------------------------ */

/* Lower-cases ASCII into `out` (NUL-terminated, at most `cap` - 1 bytes). */
static void lower_copy(const unsigned char *s, size_t len, char *out, size_t cap)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    out[n] = '\0';
}

/* Finds the charset a <meta> declares in the first bytes of the page
 * (`<meta charset=X>` or `<meta http-equiv=Content-Type content="...;
 * charset=X">`). Copies its name into `out` (lower case); false when none. */
static bool meta_charset(const unsigned char *head, size_t len, char *out, size_t cap)
{
    char text[META_SCAN + 1];
    lower_copy(head, len < META_SCAN ? len : META_SCAN, text, sizeof text);
    const char *p = text;
    while ((p = strstr(p, "<meta")) != NULL) {
        const char *end = strchr(p, '>');
        if (!end)
            return false;
        const char *cs = p;
        while ((cs = strstr(cs, "charset")) != NULL && cs < end) {
            const char *v = cs + 7;
            while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
                v++;
            if (*v != '=') {
                cs = v;
                continue;
            }
            v++;
            while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r' || *v == '"' ||
                   *v == '\'')
                v++;
            size_t n = 0;
            while (v + n < end && ((v[n] >= 'a' && v[n] <= 'z') || (v[n] >= '0' && v[n] <= '9') ||
                                   v[n] == '-' || v[n] == '_' || v[n] == '.' || v[n] == ':'))
                n++;
            if (n == 0 || n >= cap)
                return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

/* Maps a declared charset to a decoder. *ascii_only is set for charsets
 * formconv does not decode but whose ASCII it shares (the page must then be
 * ASCII). False for an unknown charset. */
static bool charset_encoding(const char *name, fc_encoding *enc, bool *ascii_only)
{
    static const char *const gb[] = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "windows-936",
                                     "euc-cn", "x-euc-cn", "csgb2312", "chinese", "iso-ir-58",
                                     "gb_2312-80", "ms936"};
    static const char *const ascii[] = {"us-ascii", "ascii", "iso-8859-1", "latin1",
                                        "windows-1252", "cp1252", "iso-8859-15"};
    *ascii_only = false;
    if (strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0 ||
        strcmp(name, "unicode-1-1-utf-8") == 0) {
        *enc = FC_ENC_UTF8;
        return true;
    }
    for (size_t i = 0; i < sizeof gb / sizeof gb[0]; i++)
        if (strcmp(name, gb[i]) == 0) {
            *enc = FC_ENC_GB18030;
            return true;
        }
    for (size_t i = 0; i < sizeof ascii / sizeof ascii[0]; i++)
        if (strcmp(name, ascii[i]) == 0) {
            *enc = FC_ENC_UTF8;
            *ascii_only = true;
            return true;
        }
    return false;
}

/* ---- the reader ---------------------------------------------------------------- */

/* Frees what the reader holds. */
static void reader_free(html_reader *r)
{
    if (r->ctxt)
        htmlFreeParserCtxt(r->ctxt);
    fc_recognizer_free(r->rec);
    for (size_t i = 0; i < r->table_cap; i++) {
        free(r->tables[i].span_left);
        fc_buf_free(&r->tables[i].text);
        free(r->tables[i].slots);
        free(r->tables[i].row_ends);
    }
    free(r->tables);
    fc_buf_free(&r->block);
    free(r->cells);
    free(r->scratch);
}

/* Chooses the decoder of the page from its first bytes. */
static fc_status choose_encoding(html_reader *r, const unsigned char *head, size_t len,
                                 fc_detected *det, bool *ascii_only, fc_error *err)
{
    size_t bad = 0;
    *ascii_only = false;
    if (fc_detect_encoding(head, len, len < FC_PEEK_SIZE, FC_ENC_AUTO, det, &bad))
        return fc_error_at_line(err, FC_ERR_INPUT, r->name, 0, 0,
                                "binary data (NUL byte at offset %zu): not a web page", bad);
    if (det->bom_len)
        return FC_OK; /* a byte order mark wins over any declaration */
    char declared[48];
    if (!meta_charset(head, len, declared, sizeof declared))
        return FC_OK; /* UTF-8 when the bytes are UTF-8, else GB18030 */
    fc_encoding enc;
    if (!charset_encoding(declared, &enc, ascii_only))
        return fc_error_at_line(err, FC_ERR_ENCODING, r->name, 0, 0,
                                "the page declares charset '%s', which formconv does not read "
                                "(UTF-8, GB18030/GBK/GB2312, UTF-16)", declared);
    if (det->encoding == FC_ENC_UTF16LE || det->encoding == FC_ENC_UTF16BE)
        return FC_OK; /* the bytes are UTF-16 whatever the page says */
    det->encoding = enc;
    det->guessed = false;
    return FC_OK;
}

fc_status fc_htmlfmt_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    html_reader r;
    memset(&r, 0, sizeof r);
    r.name = fc_input_name(in);
    r.limits = opts->limits;
    fc_limits_apply_defaults(&r.limits);
    /* Lines outside tables are compared with what every template knows. */
    r.tpl = opts->templates && opts->templates->all ? opts->templates->all : opts->tpl;
    r.err = err;
    run_begin(&r.block_run, &r.block, BLOCK_MAX);

    size_t head_len = 0;
    const unsigned char *head = fc_input_peek(in, &head_len, err);
    if (!head)
        return err ? err->code : FC_ERR_READ;
    if (head_len == 0)
        return fc_error_at_line(err, FC_ERR_INPUT, r.name, 1, 0, "empty input: no form found");
    fc_detected det;
    bool ascii_only = false;
    fc_status st = choose_encoding(&r, head, head_len, &det, &ascii_only, err);
    if (st)
        return st;

    fc_xml_init();
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = sax_start;
    sax.endElement = sax_end;
    sax.characters = sax_text;
    sax.ignorableWhitespace = sax_text;
    sax.cdataBlock = sax_cdata;
    sax.warning = sax_quiet;
    sax.error = sax_quiet;
    sax.fatalError = sax_quiet;
    sax.serror = sax_structured;
    sax.initialized = XML_SAX2_MAGIC; /* so that libxml2 reports through serror */

    fc_decoder *dec = NULL;
    unsigned char *raw = malloc(HTML_CHUNK);
    fc_buf utf8 = {NULL, 0, 0};
    if (!raw)
        st = fc_error_set(err, FC_ERR_NOMEM, r.name, "out of memory");
    if (!st)
        st = fc_decoder_new(det.encoding, det.guessed, &dec, err);
    if (!st)
        st = fc_recognizer_new(opts, sink, html_locate, &r, &r.rec, err);
    if (!st) {
        r.ctxt = htmlCreatePushParserCtxt(&sax, &r, NULL, 0, r.name, XML_CHAR_ENCODING_UTF8);
        if (!r.ctxt)
            st = fc_error_set(err, FC_ERR_NOMEM, r.name, "out of memory");
        else
            htmlCtxtUseOptions(r.ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                           HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC);
    }

    size_t skip = det.bom_len;
    size_t carry = 0;
    uint64_t decoded_offset = 0;
    bool eof = false;
    while (!st && !eof) {
        size_t got = 0;
        st = fc_input_read(in, raw + carry, HTML_CHUNK - carry, &got, err);
        if (st)
            break;
        eof = got == 0;
        if (skip) {
            size_t n = got < skip ? got : skip;
            memmove(raw + carry, raw + carry + n, got - n);
            got -= n;
            skip -= n;
        }
        size_t avail = carry + got;
        size_t consumed = 0;
        if (ascii_only) {
            for (size_t i = 0; i < avail; i++)
                if (raw[i] >= 0x80) {
                    st = fc_error_at_line(err, FC_ERR_ENCODING, r.name, current_line(&r), 0,
                                          "byte 0x%02X at offset %llu is not ASCII, and the "
                                          "page's declared charset is not one formconv reads",
                                          raw[i],
                                          (unsigned long long)(decoded_offset + i + det.bom_len));
                    break;
                }
            if (st)
                break;
        }
        fc_error decode_err;
        fc_error_clear(&decode_err);
        utf8.len = 0;
        fc_status dst = fc_decoder_run(dec, raw, avail, eof, &utf8, &consumed, &decode_err);
        if (utf8.len && !r.status)
            htmlParseChunk(r.ctxt, utf8.data, (int)utf8.len, 0);
        if (r.status) {
            st = r.status;
            break;
        }
        if (dst == FC_ERR_ENCODING) {
            st = fc_error_at_line(err, FC_ERR_ENCODING, r.name, current_line(&r), 0,
                                  "%s (%s page, byte offset %llu)", decode_err.message,
                                  fc_encoding_name(fc_decoder_encoding(dec)),
                                  (unsigned long long)(decoded_offset + consumed + det.bom_len));
            break;
        }
        if (dst) {
            if (err)
                *err = decode_err;
            st = dst;
            break;
        }
        decoded_offset += consumed;
        carry = avail - consumed;
        memmove(raw, raw + consumed, carry);
    }
    if (!st) {
        htmlParseChunk(r.ctxt, NULL, 0, 1);
        st = r.status;
    }
    /* Whatever the parser left open. */
    while (!st && r.table_count) {
        close_table(&r);
        st = r.status;
    }
    if (!st) {
        end_block(&r);
        st = r.status;
    }
    if (!st)
        st = fc_recognizer_finish(r.rec, r.name, err);
    reader_free(&r);
    fc_decoder_free(dec);
    fc_buf_free(&utf8);
    free(raw);
    return st;
}
