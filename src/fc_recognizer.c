/*
 * fc_recognizer.c - rows of cells to forms, driven by the template.
 *
 * States: IDLE (between forms), HEAD (title seen, reading unit, fields and
 * header notes), TABLE (indicator header seen, reading indicator rows), TAIL
 * (the table ended with a note; more notes may follow). A completed form is
 * held back until the next one begins or the input ends, so that notes
 * found after it can still be attached to it; leading notes waiting for the
 * next form's title are held in `pending`.
 */
#include "fc_recognizer.h"

#include <stdlib.h>
#include <string.h>

#include "fc_utf8.h"

/* Longest text that can still be a title, attachment label or unit, in bytes. */
#define TITLE_MAX 240
#define UNIT_MAX 60
/* Buffer for squeezed comparisons. */
#define SQUEEZE_MAX 256

/* Where the recognizer is within a form. */
typedef enum rec_state {
    ST_IDLE = 0, /* no form open */
    ST_HEAD,     /* reading the header part of a form */
    ST_TABLE,    /* reading indicator rows */
    ST_TAIL      /* after the table: notes */
} rec_state;

/* A range of source columns that belongs to one model column. */
typedef struct col_range {
    uint32_t first;   /* first source column */
    uint32_t last;    /* last source column (inclusive) */
} col_range;

struct fc_recognizer {
    const fc_options *opts;   /* options (template, limits) */
    const fc_template *tpl;   /* the template */
    fc_sink *sink;            /* receiver of forms (not owned) */
    fc_locate_fn locate;      /* location formatter of the reader */
    void *locate_ctx;         /* its context */
    rec_state state;          /* where we are */
    fc_form *form;            /* the form being built (state != ST_IDLE) */
    fc_form *done;            /* a completed form not yet sent, or holds nothing */
    bool have_done;           /* `done` holds a form */
    fc_form *pending;         /* notes waiting for the next form's title */
    char *attachment;         /* the document's attachment label (malloc) */
    bool begun;               /* sink->begin was called */
    size_t forms_sent;        /* forms given to the sink */
    size_t form_rows;         /* non-blank rows in the current form */
    size_t row_limit;         /* most rows per form */
    col_range *ranges;        /* source columns of each model column (column_count) */
    size_t range_capacity;    /* allocated length of ranges */
    uint32_t table_col0;      /* first source column of the indicator table */
    uint32_t table_width;     /* source columns the indicator header spans */
    const fc_cell **vis;      /* scratch: visible cells of the current row */
    size_t vis_capacity;      /* allocated length of vis */
    const char **values;      /* scratch: one value per model column */
    bool *inherit;            /* scratch: column covered from above */
    size_t values_capacity;   /* allocated length of values and inherit */
    fc_doc doc;               /* what begin() receives (attachment only) */
};

/* Sets `err` for an allocation that failed while filling `form` (may be
 * NULL): the form outgrew its size limit (input rejected) or memory ran out. */
static fc_status no_room(const fc_form *form, fc_error *err)
{
    if (form && form->arena.limit_hit)
        return fc_error_set(err, FC_ERR_LIMIT, form->origin,
                            "form holds more text than the limit of %zu bytes",
                            form->arena.limit);
    return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
}

fc_status fc_recognizer_new(const fc_options *opts, fc_sink *sink, fc_locate_fn locate,
                            void *locate_ctx, fc_recognizer **out, fc_error *err)
{
    *out = NULL;
    fc_recognizer *rec = calloc(1, sizeof *rec);
    if (!rec)
        return no_room(NULL, err);
    rec->opts = opts;
    rec->tpl = opts->tpl;
    rec->sink = sink;
    rec->locate = locate;
    rec->locate_ctx = locate_ctx;
    rec->row_limit = opts->limits.form_rows ? opts->limits.form_rows : 100000;
    rec->form = fc_form_new();
    rec->done = fc_form_new();
    rec->pending = fc_form_new();
    if (!rec->form || !rec->done || !rec->pending) {
        fc_recognizer_free(rec);
        return no_room(NULL, err);
    }
    size_t form_bytes = opts->limits.form_bytes ? opts->limits.form_bytes : FC_FORM_ARENA_LIMIT;
    rec->form->arena.limit = rec->done->arena.limit = rec->pending->arena.limit = form_bytes;
    *out = rec;
    return FC_OK;
}

void fc_recognizer_free(fc_recognizer *rec)
{
    if (!rec)
        return;
    fc_form_free(rec->form);
    fc_form_free(rec->done);
    fc_form_free(rec->pending);
    free(rec->attachment);
    free(rec->ranges);
    free(rec->vis);
    free(rec->values);
    free(rec->inherit);
    free(rec);
}

size_t fc_recognizer_form_count(const fc_recognizer *rec)
{
    return rec->forms_sent + (rec->have_done ? 1 : 0);
}

/* Formats the location of `cell` (or the row) into `buf`. */
static void where(const fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                  char *buf, size_t size)
{
    buf[0] = '\0';
    if (rec->locate)
        rec->locate(rec->locate_ctx, row, cell, buf, size);
}

/* Sets `err` to an input error located at `cell` of `row`. */
static fc_status reject(const fc_recognizer *rec, fc_error *err, fc_status code,
                        const fc_row *row, const fc_cell *cell, const char *message)
{
    char loc[FC_ERROR_LOCATION_MAX];
    where(rec, row, cell, loc, sizeof loc);
    return fc_error_set(err, code, loc, "%s", message);
}

/* Squeezes a cell's text into `buf`; returns false when it is too long. */
static bool squeeze_cell(const fc_cell *cell, char *buf, size_t size)
{
    if (cell->len >= size)
        return false;
    return fc_utf8_squeeze(cell->text, cell->len, buf, size) != (size_t)-1;
}

/* True when `s` starts with `prefix`. */
static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Returns the byte length of a colon (':' or '：') at `s`, or 0. */
static size_t colon_at(const char *s)
{
    if (s[0] == ':')
        return 1;
    if (memcmp(s, "\xEF\xBC\x9A", 3) == 0 && s[0])
        return 3;
    return 0;
}

/* True when the cell's raw text holds a colon (':' or '：') in its first
 * `within` bytes: a cheap test before squeezing. */
static bool has_colon(const fc_cell *cell, size_t within)
{
    size_t n = cell->len < within ? cell->len : within;
    if (memchr(cell->text, ':', n))
        return true;
    for (size_t i = 0; i + 3 <= n; i++)
        if ((unsigned char)cell->text[i] == 0xEF && memcmp(cell->text + i, "\xEF\xBC\x9A", 3) == 0)
            return true;
    return false;
}

/* True when the cell's raw text, after leading white space, starts with the
 * first character of `word`: a cheap test before squeezing. */
static bool starts_with_char_of(const fc_cell *cell, const char *word)
{
    size_t n = 1;
    while (word[n] && ((unsigned char)word[n] & 0xC0) == 0x80)
        n++;
    const char *t = cell->text;
    size_t len = cell->len;
    if (len && ((unsigned char)t[0] <= 0x20 || (unsigned char)t[0] == 0xE3 ||
                (unsigned char)t[0] == 0xC2 || (unsigned char)t[0] == 0xE2))
        fc_utf8_trim(&t, &len); /* may start with white space */
    return len >= n && memcmp(t, word, n) == 0;
}

/* True when the cell is a title: contains a title keyword, not too long. */
static bool is_title(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    if (cell->len > TITLE_MAX || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    for (size_t i = 0; i < tpl->title_keyword_count; i++)
        if (strstr(buf, tpl->title_keywords[i]))
            return true;
    return false;
}

/* True when the cell is exactly the template's title (white space aside):
 * a title even where a lone indicator name could stand, such as an
 * unmerged title cell in the name column below the previous form's table
 * of a hand-made sheet. */
static bool is_exact_title(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX], title[SQUEEZE_MAX];
    if (cell->len > TITLE_MAX || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    size_t n = strlen(tpl->title);
    if (n >= sizeof title || fc_utf8_squeeze(tpl->title, n, title, sizeof title) == (size_t)-1)
        return false;
    return strcmp(buf, title) == 0;
}

/* True when the cell is an attachment label such as "附件 2" or "附件二：". */
static bool is_attachment(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    const char *prefix = tpl->attachment_prefix;
    if (cell->len > 40 || !starts_with_char_of(cell, prefix) || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    if (!starts_with(buf, prefix))
        return false;
    const char *rest = buf + strlen(prefix);
    size_t n = strlen(rest);
    if (n == 0 || n > 9)
        return false;
    unsigned char c = (unsigned char)rest[0];
    if (c >= '0' && c <= '9')
        return true;
    /* Fullwidth digits and Chinese numerals. */
    static const char *const numerals[] = {"０", "１", "２", "３", "４", "５", "６", "７",
                                           "８", "９", "一", "二", "三", "四", "五", "六",
                                           "七", "八", "九", "十"};
    for (size_t i = 0; i < sizeof numerals / sizeof numerals[0]; i++)
        if (starts_with(rest, numerals[i]))
            return true;
    return false;
}

/* True when the cell is a unit line such as "单位：万元". */
static bool is_unit(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    if (cell->len > UNIT_MAX || !has_colon(cell, UNIT_MAX))
        return false;
    bool candidate = false;
    for (size_t i = 0; i < tpl->unit_prefix_count && !candidate; i++)
        candidate = starts_with_char_of(cell, tpl->unit_prefixes[i]);
    if (!candidate || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    for (size_t i = 0; i < tpl->unit_prefix_count; i++) {
        const char *prefix = tpl->unit_prefixes[i];
        if (!starts_with(buf, prefix))
            continue;
        size_t colon = colon_at(buf + strlen(prefix));
        if (colon && buf[strlen(prefix) + colon] != '\0')
            return true;
    }
    return false;
}

/* True when the cell starts like a note: a note prefix and a colon. */
static bool is_note_start(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    size_t len = cell->len < 90 ? cell->len : 90;
    if (!has_colon(cell, len))
        return false;
    fc_cell head = *cell;
    /* Only the beginning matters; cut on a character boundary. */
    while (len > 0 && len < cell->len && ((unsigned char)cell->text[len] & 0xC0) == 0x80)
        len--;
    head.len = len;
    if (!squeeze_cell(&head, buf, sizeof buf))
        return false;
    for (size_t i = 0; i < tpl->note_prefix_count; i++) {
        const char *prefix = tpl->note_prefixes[i];
        if (starts_with(buf, prefix) && colon_at(buf + strlen(prefix)))
            return true;
        /* A cell that is only "填报人：" was squeezed to "填报人". */
        if (strcmp(buf, prefix) == 0 && len == cell->len && cell->len > strlen(prefix))
            return true;
    }
    return false;
}

bool fc_recognizer_is_form_line(const fc_template *tpl, const char *text, size_t len)
{
    fc_cell cell;
    memset(&cell, 0, sizeof cell);
    cell.text = text;
    cell.len = len;
    cell.colspan = cell.rowspan = 1;
    return is_attachment(tpl, &cell) || is_title(tpl, &cell) || is_unit(tpl, &cell) ||
           is_note_start(tpl, &cell);
}

/* True when the cell is a known header label; sets *key. */
static bool is_label(const fc_template *tpl, const fc_cell *cell, fc_field_key *key)
{
    return cell->len <= SQUEEZE_MAX &&
           fc_template_match_label(tpl, cell->text, cell->len, key);
}

/* True when the visible cells look like an indicator header row. */
static bool is_indicator_header(const fc_template *tpl, const fc_cell *const *vis, size_t n)
{
    if (n < 2)
        return false;
    bool level1 = false, other = false;
    for (size_t i = 0; i < n; i++) {
        fc_column_key key;
        if (vis[i]->len > SQUEEZE_MAX ||
            !fc_template_match_column(tpl, vis[i]->text, vis[i]->len, &key))
            continue;
        if (key == FC_COL_LEVEL1)
            level1 = true;
        else if (key == FC_COL_LEVEL2 || key == FC_COL_NAME)
            other = true;
    }
    return level1 && other;
}

/* Inside a table, a repeated indicator header must start with the first
 * column's header: checks that cheaply before the full test. */
static bool starts_header(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    const fc_form *form = rec->form;
    if (n < 2 || form->column_count == 0)
        return false;
    const char *first = form->columns[0].header;
    return vis[0]->len == strlen(first) && memcmp(vis[0]->text, first, vis[0]->len) == 0;
}

/* True when the visible cells look like an indicator row: a known category
 * in the first or second visible cell. */
static bool looks_like_indicator(const fc_template *tpl, const fc_cell *const *vis, size_t n)
{
    if (n < 2)
        return false;
    if (fc_template_is_category(tpl, 1, vis[0]->text, vis[0]->len) ||
        fc_template_is_category(tpl, 2, vis[0]->text, vis[0]->len))
        return true;
    return fc_template_is_category(tpl, 2, vis[1]->text, vis[1]->len);
}

/* Makes room for `n` entries in the scratch arrays. */
static bool reserve_scratch(fc_recognizer *rec, size_t cells, size_t columns)
{
    if (cells > rec->vis_capacity) {
        const fc_cell **bigger = realloc(rec->vis, cells * sizeof *bigger);
        if (!bigger)
            return false;
        rec->vis = bigger;
        rec->vis_capacity = cells;
    }
    if (columns > rec->values_capacity) {
        const char **values = realloc(rec->values, columns * sizeof *values);
        if (!values)
            return false;
        rec->values = values;
        bool *inherit = realloc(rec->inherit, columns * sizeof *inherit);
        if (!inherit)
            return false;
        rec->inherit = inherit;
        rec->values_capacity = columns;
    }
    return true;
}

/* Sends the held-back form to the sink (calling begin first if needed). */
static fc_status send_done(fc_recognizer *rec, fc_error *err)
{
    if (!rec->have_done)
        return FC_OK;
    fc_status st = FC_OK;
    if (!rec->begun) {
        rec->doc.attachment = rec->attachment;
        st = rec->sink->begin(rec->sink, &rec->doc, err);
        rec->doc.attachment = NULL;
        if (st)
            return st;
        rec->begun = true;
    }
    if (rec->sink->take) {
        /* Hand the form over instead of having it copied. */
        size_t limit = rec->done->arena.limit;
        st = rec->sink->take(rec->sink, &rec->done, err);
        rec->done->arena.limit = limit;
    } else {
        st = rec->sink->form(rec->sink, rec->done, err);
    }
    rec->have_done = false;
    fc_form_reset(rec->done);
    if (!st)
        rec->forms_sent++;
    return st;
}

/* Moves the pending notes into `form` at `place`. */
static fc_status adopt_pending(fc_recognizer *rec, fc_form *form, fc_note_place place,
                               fc_error *err)
{
    for (size_t i = 0; i < rec->pending->note_count; i++) {
        const fc_note *n = &rec->pending->notes[i];
        if (fc_form_add_note(form, place, form->field_count, n->cells, n->cell_count))
            return no_room(form, err);
    }
    fc_form_reset(rec->pending);
    return FC_OK;
}

/* Completes the form being built: checks it and holds it back as `done`
 * (sending the one held before). */
static fc_status complete_form(fc_recognizer *rec, fc_error *err)
{
    if (rec->state == ST_IDLE)
        return FC_OK;
    fc_form *form = rec->form;
    if (form->field_count == 0)
        return fc_error_set(err, FC_ERR_INPUT, form->origin,
                            "form has no header fields (项目名称, 主管部门, ...)");
    if (form->column_count == 0 && fc_template_apply_columns(rec->tpl, form))
        return no_room(rec->form, err);
    fc_status st = send_done(rec, err);
    if (st)
        return st;
    rec->form = rec->done;
    rec->done = form;
    rec->have_done = true;
    rec->state = ST_IDLE;
    rec->table_width = 0;
    return FC_OK;
}

/* Opens a new form at `row` (completing the current one), taking the
 * pending notes as notes before its title. */
static fc_status open_form(fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                           fc_error *err)
{
    fc_status st = complete_form(rec, err);
    if (st)
        return st;
    fc_form_reset(rec->form);
    where(rec, row, cell, rec->form->origin, sizeof rec->form->origin);
    st = adopt_pending(rec, rec->form, FC_NOTE_BEFORE_TITLE, err);
    if (st)
        return st;
    rec->state = ST_HEAD;
    rec->form_rows = 0;
    return FC_OK;
}

/* Records the visible cells `vis[0..n)` of `row` as a note at `place`,
 * keeping the empty cells between them. */
static fc_status add_note(fc_form *form, fc_note_place place,
                          const fc_row *row, const fc_cell *const *vis, size_t n,
                          fc_error *err)
{
    if (n == 0)
        return FC_OK;
    /* Cells of the row from the first visible one to the last, uncovered. */
    size_t first = (size_t)(vis[0] - row->cells);
    size_t last = (size_t)(vis[n - 1] - row->cells);
    size_t count = 0;
    const char *stack_cells[16];
    const char **cells = stack_cells;
    if (last - first + 1 > 16) {
        cells = malloc((last - first + 1) * sizeof *cells);
        if (!cells)
            return no_room(form, err);
    }
    fc_status st = FC_OK;
    /* Visible cells are the only non-blank ones, but blank ones in between
     * keep their place; extracted cells (attachment, unit) are skipped. */
    size_t v = 0;
    for (size_t i = first; i <= last && !st; i++) {
        const fc_cell *c = &row->cells[i];
        if (c->covered)
            continue;
        bool visible = v < n && vis[v] == c;
        if (visible)
            v++;
        else if (!fc_utf8_is_blank(c->text, c->len))
            continue; /* a cell taken out of this row (attachment or unit) */
        const char *copy = fc_form_strdup(form, c->text, c->len);
        if (!copy)
            st = no_room(form, err);
        else
            cells[count++] = copy;
    }
    if (!st && fc_form_add_note(form, place, form->field_count, cells, count))
        st = no_room(form, err);
    if (cells != stack_cells)
        free(cells);
    return st;
}

/* Reads the label/value pairs of a header row into the form. */
static fc_status add_fields(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_form *form = rec->form;
    bool first = true;
    size_t i = 0;
    while (i < row->cell_count) {
        const fc_cell *label = &row->cells[i];
        if (label->covered || fc_utf8_is_blank(label->text, label->len)) {
            i++;
            continue;
        }
        uint32_t value_col = label->col + (label->colspan ? label->colspan : 1);
        const fc_cell *value = NULL;
        size_t j = i + 1;
        while (j < row->cell_count && row->cells[j].col < value_col)
            j++;
        if (j < row->cell_count && row->cells[j].col == value_col && !row->cells[j].covered) {
            value = &row->cells[j];
            j++;
        }
        fc_field_key key = FC_FIELD_OTHER;
        if (!is_label(rec->tpl, label, &key))
            key = FC_FIELD_OTHER;
        if (fc_form_add_field(form, key, label->text, label->len, value ? value->text : "",
                              value ? value->len : 0, !first))
            return no_room(rec->form, err);
        first = false;
        i = j;
    }
    return FC_OK;
}

/* Makes the indicator header row the form's columns. */
static fc_status set_columns(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_form *form = rec->form;
    size_t n = 0;
    for (size_t i = 0; i < row->cell_count; i++)
        if (!row->cells[i].covered && !fc_utf8_is_blank(row->cells[i].text, row->cells[i].len))
            n++;
    fc_column *cols = calloc(n ? n : 1, sizeof *cols);
    char **headers = calloc(n ? n : 1, sizeof *headers);
    col_range *ranges = n > rec->range_capacity ? realloc(rec->ranges, n * sizeof *ranges)
                                                : rec->ranges;
    if (!cols || !headers || !ranges) {
        free(cols);
        free(headers);
        return no_room(rec->form, err);
    }
    if (n > rec->range_capacity) {
        rec->ranges = ranges;
        rec->range_capacity = n;
    }
    fc_status st = FC_OK;
    bool seen[FC_COL_EXTRA] = {false};
    size_t k = 0;
    for (size_t i = 0; i < row->cell_count && !st; i++) {
        const fc_cell *c = &row->cells[i];
        if (c->covered || fc_utf8_is_blank(c->text, c->len))
            continue;
        fc_column_key key = FC_COL_EXTRA;
        if (c->len > SQUEEZE_MAX || !fc_template_match_column(rec->tpl, c->text, c->len, &key))
            key = FC_COL_EXTRA;
        if (key != FC_COL_EXTRA) {
            if (seen[key])
                key = FC_COL_EXTRA;
            else
                seen[key] = true;
        }
        headers[k] = malloc(c->len + 1);
        if (!headers[k]) {
            st = no_room(rec->form, err);
            break;
        }
        memcpy(headers[k], c->text, c->len);
        headers[k][c->len] = '\0';
        cols[k].key = key;
        cols[k].header = headers[k];
        rec->ranges[k].first = c->col;
        rec->ranges[k].last = c->col + (c->colspan > 1 ? c->colspan - 1 : 0);
        k++;
    }
    if (!st && fc_form_set_columns(form, cols, k))
        st = no_room(rec->form, err);
    for (size_t i = 0; i < n; i++)
        free(headers[i]);
    free(headers);
    free(cols);
    if (st)
        return st;
    rec->table_col0 = k ? rec->ranges[0].first : 0;
    rec->table_width = k ? rec->ranges[k - 1].last - rec->table_col0 + 1 : 0;
    return FC_OK;
}

/* True when the row's columns equal the form's current columns. */
static bool same_header(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    const fc_form *form = rec->form;
    if (n != form->column_count)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strlen(form->columns[i].header) != vis[i]->len ||
            memcmp(form->columns[i].header, vis[i]->text, vis[i]->len) != 0)
            return false;
    return true;
}

/* Finds the model column of source column `col`, or -1. */
static long column_of(const fc_recognizer *rec, uint32_t col)
{
    for (size_t i = 0; i < rec->form->column_count; i++)
        if (col >= rec->ranges[i].first && col <= rec->ranges[i].last)
            return (long)i;
    return -1;
}

/* Adds a column without header for source column `col` (a value stood
 * where the header had none). Returns its index or -1 on failure. */
static long add_unheaded_column(fc_recognizer *rec, uint32_t col, fc_error *err)
{
    fc_form *form = rec->form;
    size_t index = 0;
    while (index < form->column_count && rec->ranges[index].first < col)
        index++;
    if (form->column_count + 1 > rec->range_capacity) {
        size_t want = (form->column_count + 1) * 2;
        col_range *bigger = realloc(rec->ranges, want * sizeof *bigger);
        if (!bigger) {
            no_room(rec->form, err);
            return -1;
        }
        rec->ranges = bigger;
        rec->range_capacity = want;
    }
    if (fc_form_insert_column(form, index, FC_COL_EXTRA, "", 0)) {
        no_room(rec->form, err);
        return -1;
    }
    memmove(rec->ranges + index + 1, rec->ranges + index,
            (form->column_count - 1 - index) * sizeof *rec->ranges);
    rec->ranges[index].first = rec->ranges[index].last = col;
    return (long)index;
}

/* Reads one indicator row into the form. */
static fc_status add_indicator(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_form *form = rec->form;
    /* Unheaded columns first, so that the column count is final. */
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *c = &row->cells[i];
        if (c->covered || fc_utf8_is_blank(c->text, c->len) || column_of(rec, c->col) >= 0)
            continue;
        if (add_unheaded_column(rec, c->col, err) < 0)
            return err ? err->code : FC_ERR_NOMEM;
    }
    size_t ncols = form->column_count;
    if (!reserve_scratch(rec, 0, ncols + 1))
        return no_room(rec->form, err);
    for (size_t i = 0; i < ncols; i++) {
        rec->values[i] = NULL;
        rec->inherit[i] = false;
    }
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *c = &row->cells[i];
        long k = column_of(rec, c->col);
        if (k < 0)
            continue;
        if (c->covered) {
            if (c->covered_above)
                rec->inherit[k] = true;
            continue;
        }
        if (rec->values[k] && rec->values[k][0])
            continue; /* a second cell in a merged header's range: keep the first */
        if (c->len == 0) {
            rec->values[k] = "";
            continue;
        }
        const char *copy = fc_form_strdup(form, c->text, c->len);
        if (!copy)
            return no_room(rec->form, err);
        rec->values[k] = copy;
    }
    const fc_indicator *prev = form->indicator_count
                                   ? &form->indicators[form->indicator_count - 1]
                                   : NULL;
    const char *level1 = "", *level2 = "", *name = "", *target = "";
    bool level1_continues = false;
    size_t e = 0;
    const char *extras_local[64];
    const char **extras = form->extra_count <= 64 ? extras_local
                                                  : malloc(form->extra_count * sizeof *extras);
    if (!extras)
        return no_room(rec->form, err);
    for (size_t k = 0; k < ncols; k++) {
        const char *v = rec->values[k];
        bool blank = !v || fc_utf8_is_blank(v, strlen(v));
        switch (form->columns[k].key) {
        case FC_COL_LEVEL1:
            if (blank && prev) {
                level1 = prev->level1;
                level1_continues = true;
            } else {
                level1 = v ? v : "";
                level1_continues = prev && strcmp(level1, prev->level1) == 0;
            }
            break;
        case FC_COL_LEVEL2:
            break; /* resolved below, once level 1 is known */
        case FC_COL_NAME:
            name = v ? v : (rec->inherit[k] && prev ? prev->name : "");
            break;
        case FC_COL_TARGET:
            target = v ? v : (rec->inherit[k] && prev ? prev->target : "");
            break;
        case FC_COL_EXTRA:
            extras[e] = v ? v : (rec->inherit[k] && prev ? prev->extra[e] : "");
            e++;
            break;
        }
    }
    int l2 = fc_form_column_index(form, FC_COL_LEVEL2);
    if (l2 >= 0) {
        const char *v = rec->values[l2];
        bool blank = !v || fc_utf8_is_blank(v, strlen(v));
        if (blank && prev && (level1_continues || fc_form_column_index(form, FC_COL_LEVEL1) < 0))
            level2 = prev->level2;
        else
            level2 = v ? v : "";
    }
    fc_status st = FC_OK;
    if (fc_form_push_indicator(form, level1, level2, name, target, extras))
        st = no_room(rec->form, err);
    if (extras != extras_local)
        free(extras);
    return st;
}

/* True when, inside an indicator table, `cell` is an ordinary unmerged cell
 * of the indicator name or target column: a lone indicator name there is
 * not a title even if it mentions one. */
static bool inside_table_text(const fc_recognizer *rec, const fc_cell *cell)
{
    if (rec->state != ST_TABLE || cell->colspan > 1)
        return false;
    long k = column_of(rec, cell->col);
    if (k < 0)
        return false;
    fc_column_key key = rec->form->columns[k].key;
    return key == FC_COL_NAME || key == FC_COL_TARGET || key == FC_COL_EXTRA;
}

/* Collects the visible cells of `row` into rec->vis; returns their count. */
static size_t visible_cells(fc_recognizer *rec, const fc_row *row)
{
    size_t n = 0;
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *c = &row->cells[i];
        if (c->covered || c->len == 0 || fc_utf8_is_blank(c->text, c->len))
            continue;
        rec->vis[n++] = c;
    }
    return n;
}

fc_status fc_recognizer_push(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    if (!reserve_scratch(rec, row->cell_count, 0))
        return no_room(rec->form, err);
    size_t n = visible_cells(rec, row);
    if (n == 0)
        return FC_OK;
    const fc_template *tpl = rec->tpl;
    fc_status st = FC_OK;

    if (rec->state != ST_IDLE && ++rec->form_rows > rec->row_limit)
        return reject(rec, err, FC_ERR_LIMIT, row, rec->vis[0],
                      "form has more rows than the limit allows");

    /* The attachment label and the unit line may share a row with other
     * cells: take them out first. */
    const fc_cell *attachment = NULL, *unit = NULL;
    size_t kept = 0;
    /* An indicator row (three or more cells in a table) holds neither. */
    bool extract = rec->state != ST_TABLE || n <= 2;
    for (size_t i = 0; i < n && !extract; i++)
        rec->vis[kept++] = rec->vis[i];
    for (size_t i = 0; i < n && extract; i++) {
        const fc_cell *c = rec->vis[i];
        if (!attachment && is_attachment(tpl, c))
            attachment = c;
        else if (!unit && is_unit(tpl, c))
            unit = c;
        else
            rec->vis[kept++] = c;
    }
    n = kept;

    if (attachment) {
        if (rec->state == ST_IDLE && !rec->begun && !rec->have_done && !rec->attachment &&
            rec->pending->note_count == 0) {
            rec->attachment = malloc(attachment->len + 1);
            if (!rec->attachment)
                return no_room(rec->form, err);
            memcpy(rec->attachment, attachment->text, attachment->len);
            rec->attachment[attachment->len] = '\0';
        } else if (rec->state == ST_HEAD) {
            st = add_note(rec->form, FC_NOTE_IN_HEADER, row, &attachment, 1, err);
        } else {
            st = add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, &attachment, 1, err);
            if (!st && rec->state == ST_TABLE)
                rec->state = ST_TAIL;
        }
        if (st)
            return st;
    }

    if (n > 0) {
        const fc_cell *const *vis = rec->vis;
        fc_field_key key;
        bool label;
        if (n == 1 && is_title(tpl, vis[0]) &&
            (!inside_table_text(rec, vis[0]) || is_exact_title(tpl, vis[0]))) {
            st = open_form(rec, row, vis[0], err);
            if (!st)
                st = fc_form_set_title(rec->form, vis[0]->text, vis[0]->len)
                         ? no_room(rec->form, err)
                         : FC_OK;
        } else if (!(label = (rec->state != ST_TABLE || vis[0]->col <= rec->table_col0) &&
                             is_label(tpl, vis[0], &key)) &&
                   (rec->state != ST_TABLE || starts_header(rec, vis, n)) &&
                   is_indicator_header(tpl, vis, n)) {
            if (rec->state == ST_TABLE && same_header(rec, vis, n)) {
                /* A header repeated on a new printed page: nothing new. */
            } else if (rec->state == ST_HEAD) {
                if (rec->form->field_count == 0)
                    return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                                  "indicator table of a form that has no header fields");
                st = set_columns(rec, row, err);
                if (!st)
                    rec->state = ST_TABLE;
            } else {
                return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                              "indicator header without a form above it (no title or fields)");
            }
        } else if (label) {
            if (rec->state != ST_HEAD)
                st = open_form(rec, row, vis[0], err);
            if (!st)
                st = add_fields(rec, row, err);
        } else if ((rec->state == ST_IDLE || rec->state == ST_HEAD) &&
                   looks_like_indicator(tpl, vis, n)) {
            return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                          "indicator row before its header (一级指标/二级指标/三级指标/绩效值)");
        } else {
            switch (rec->state) {
            case ST_IDLE:
                st = add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
                break;
            case ST_HEAD:
                if (n >= 2)
                    st = add_fields(rec, row, err);
                else
                    st = add_note(rec->form, FC_NOTE_IN_HEADER, row, vis, n, err);
                break;
            case ST_TABLE:
                if (is_note_start(tpl, vis[0]) ||
                    (n == 1 && rec->table_width > 1 && vis[0]->colspan >= rec->table_width)) {
                    st = add_note(rec->form, FC_NOTE_AFTER_TABLE, row, vis, n, err);
                    rec->state = ST_TAIL;
                } else {
                    st = add_indicator(rec, row, err);
                }
                break;
            case ST_TAIL:
                /* Once a line was set aside for the next form, the ones
                 * after it lead up to that form too. */
                if (rec->pending->note_count)
                    st = add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
                else
                    st = add_note(rec->form, FC_NOTE_AFTER_TABLE, row, vis, n, err);
                break;
            }
        }
        if (st)
            return st;
    }

    if (unit) {
        if (rec->state == ST_HEAD && !rec->form->unit) {
            st = fc_form_set_unit(rec->form, unit->text, unit->len) ? FC_ERR_NOMEM : FC_OK;
        } else if (rec->state == ST_HEAD) {
            st = add_note(rec->form, FC_NOTE_IN_HEADER, row, &unit, 1, err);
        } else {
            st = open_form(rec, row, unit, err);
            if (!st && fc_form_set_unit(rec->form, unit->text, unit->len))
                st = FC_ERR_NOMEM;
        }
        if (st == FC_ERR_NOMEM)
            return no_room(rec->form, err);
        if (st)
            return st;
    }
    return FC_OK;
}

/* Puts pending notes after the last form (open or held back). */
static fc_status settle_pending(fc_recognizer *rec, fc_error *err)
{
    if (rec->pending->note_count == 0)
        return FC_OK;
    if (rec->state != ST_IDLE)
        return adopt_pending(rec, rec->form, FC_NOTE_AFTER_TABLE, err);
    if (rec->have_done)
        return adopt_pending(rec, rec->done, FC_NOTE_AFTER_TABLE, err);
    return FC_OK;
}

fc_status fc_recognizer_break(fc_recognizer *rec, fc_error *err)
{
    fc_status st = settle_pending(rec, err);
    if (!st)
        st = complete_form(rec, err);
    return st;
}

fc_status fc_recognizer_finish(fc_recognizer *rec, const char *name, fc_error *err)
{
    fc_status st = fc_recognizer_break(rec, err);
    if (st)
        return st;
    if (!rec->have_done && rec->forms_sent == 0)
        return fc_error_set(err, FC_ERR_INPUT, name,
                            "no form found (expected a title such as %s or a field such as %s)",
                            rec->tpl->title, fc_template_label(rec->tpl, FC_FIELD_NAME));
    return send_done(rec, err);
}
