/*
 * fc_recognizer.c - rows of cells to forms, driven by the templates.
 *
 * Two parts. The row classifier (classify) looks at one row in the light
 * of where the recognizer stands and says what kind of row it is (a title,
 * header fields, the indicator header, an indicator, a note, ...) without
 * changing anything; it refuses rows no rule explains. The state machine
 * then takes the row through one small transition function per kind
 * (on_title, on_fields, on_table_header, on_indicator, ...).
 *
 * States: IDLE (between forms), HEAD (title seen, reading the unit line,
 * header fields and header notes), ABOVE (a row of labels was read whose
 * values stand on the next row), TABLE (indicator header seen, reading
 * indicator rows), TAIL (the table ended with a note; more notes may
 * follow) and LIST (reading a flat list: one row per indicator, the
 * project's columns on every row). A completed form is held back until the
 * next one begins or the input ends, so that notes found after it can
 * still be attached to it; leading notes waiting for the next form's title
 * are held in `pending`. When a form is complete its template is chosen
 * (choose_template).
 *
 * Labels, columns and categories are matched against one template: the
 * forced one, or the union of the set's (fc_template_set.all), so that
 * reading does not depend on the choice made at the end.
 */
#include "fc_recognizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_utf8.h"

/* Longest text that can still be a title, attachment label or unit, in bytes. */
#define TITLE_MAX 240
#define UNIT_MAX 60
/* Buffer for squeezed comparisons. */
#define SQUEEZE_MAX 256
/* Longest unknown text taken for a field label, in characters. */
#define LABEL_CHARS_MAX 24
/* Most labels on one row of labels standing above their values. */
#define ABOVE_MAX 8

/* Where the recognizer is within a form. */
typedef enum rec_state {
    ST_IDLE = 0, /* no form open */
    ST_HEAD,     /* reading the header part of a form */
    ST_ABOVE,    /* a row of labels was read: their values come next */
    ST_TABLE,    /* reading indicator rows */
    ST_TAIL,     /* after the table: notes */
    ST_LIST      /* reading a flat list */
} rec_state;

/* What a row is. */
typedef enum row_kind {
    ROW_NONE = 0,       /* nothing left once the attachment and unit are taken out */
    ROW_TITLE,          /* a form's title */
    ROW_SUBTITLE,       /* the line under the title, "（2022年度）" */
    ROW_FIELDS,         /* label/value pairs */
    ROW_ABOVE_LABELS,   /* labels whose values stand on the next row */
    ROW_ABOVE_VALUES,   /* the values under a row of labels */
    ROW_TABLE_HEADER,   /* the indicator header */
    ROW_REPEAT_HEADER,  /* the same header again on a new page */
    ROW_SUBHEADER,      /* a second header row under headers spanning columns */
    ROW_INDICATOR,      /* one indicator */
    ROW_NOTE,           /* a line of the page rather than the grid */
    ROW_LIST_HEADER,    /* the header of a flat list */
    ROW_LIST_ITEM       /* one row of a flat list */
} row_kind;

/* A range of source columns that belongs to one model column. */
typedef struct col_range {
    uint32_t first;   /* first source column */
    uint32_t last;    /* last source column (inclusive) */
} col_range;

/* A label standing above its value: where it is and what it is. */
typedef struct above_label {
    const fc_cell *cell;  /* the label cell (valid only during its row) */
    uint32_t col;         /* its first source column */
    fc_field_key key;     /* its meaning */
    const char *label;    /* its text, copied into the form */
} above_label;

/* A column of a flat list: a project field or an indicator column. */
typedef struct list_column {
    col_range cols;       /* its source columns */
    bool is_field;        /* a project column (else an indicator column) */
    fc_field_key key;     /* for a project column: its meaning */
    const char *label;    /* for a project column: its header (malloc'd) */
    char *value;          /* for a project column: the current project's value (malloc'd) */
} list_column;

/* Longest comparison key kept for a cell, in bytes. */
#define KEY_MAX (SQUEEZE_MAX + 8)

/* The comparison keys (fc_label_key) of the cells of the row being read,
 * each made once however many things the cell is compared with. */
typedef struct key_cache {
    const fc_cell *cells;     /* the row's cells the keys belong to */
    size_t count;             /* their number */
    char (*keys)[KEY_MAX];    /* the key of each cell */
    unsigned char *state;     /* per cell: 0 not made, 1 made, 2 none (too long) */
    uint32_t *first;          /* per cell: fc_key_first_char + 1, or 0 not made yet */
    size_t capacity;          /* allocated length of keys and state */
    char scratch[KEY_MAX];    /* the key of a cell of no row (valid until the next) */
} key_cache;

/* A row, classified. */
typedef struct row_class {
    row_kind kind;                /* what it is */
    const fc_cell *attachment;    /* an attachment label taken out of the row, or NULL */
    const fc_cell *unit;          /* a unit line taken out of the row, or NULL */
    size_t n;                     /* visible cells left in rec->vis */
} row_class;

struct fc_recognizer {
    const fc_options *opts;   /* options (templates, limits) */
    const fc_template *tpl;   /* the template labels are matched against (forced or union) */
    const fc_template_set *set; /* the templates chosen from, or NULL when one is forced */
    const fc_template *list_tpl; /* the template of flat lists (forced or in the set), or NULL */
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
    bool has_table_label;     /* the table has a label column left of it */
    bool has_subheader;       /* the table's header has a second row */
    uint32_t table_label_col; /* its source column */
    const char *group;        /* the open block's label (in the form), or NULL */
    uint32_t group_col;       /* source column of the open block's label */
    bool group_above;         /* the open block's labels stand above their values */
    uint32_t midterm_col;     /* in the open block, the column of labels headed by a
                                 mid-term one (中期资金总额), or UINT32_MAX */
    above_label above[ABOVE_MAX]; /* the row of labels waiting for its values */
    size_t above_count;       /* number of them */
    list_column *list;        /* the columns of the flat list being read */
    size_t list_count;        /* their number */
    char *list_title;         /* the title above the flat list (malloc'd), or NULL */
    char *list_unit;          /* the unit line above the flat list (malloc'd), or NULL */
    bool list_form_open;      /* a project of the list is being read */
    bool blank_in_tail;       /* a blank row came in or after the table: a line of the
                                 page after it leads up to the next form */
    key_cache *keys;          /* comparison keys of the current row's cells */
    const fc_cell **vis;      /* scratch: visible cells of the current row */
    size_t vis_capacity;      /* allocated length of vis */
    const char **values;      /* scratch: one value per model column */
    bool *inherit;            /* scratch: column covered from above */
    size_t values_capacity;   /* allocated length of values and inherit */
    fc_doc doc;               /* what begin() receives (attachment only) */
};

/* ---- Errors and locations ---------------------------------------------- */

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

/* Formats the location of `cell` (or the row) into `buf`. */
static void where(const fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                  char *buf, size_t size)
{
    buf[0] = '\0';
    if (rec->locate)
        rec->locate(rec->locate_ctx, row, cell, buf, size);
}

/* Sets `err` to an input error (printf-style message) located at `cell`
 * of `row`. */
static fc_status reject(const fc_recognizer *rec, fc_error *err, fc_status code,
                        const fc_row *row, const fc_cell *cell, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static fc_status reject(const fc_recognizer *rec, fc_error *err, fc_status code,
                        const fc_row *row, const fc_cell *cell, const char *fmt, ...)
{
    char loc[FC_ERROR_LOCATION_MAX];
    where(rec, row, cell, loc, sizeof loc);
    va_list ap;
    va_start(ap, fmt);
    fc_status st = fc_error_setv(err, code, loc, fmt, ap);
    va_end(ap);
    return st;
}

/* Copies a cell's text into a NUL-terminated buffer for a message, cut on
 * a character boundary. Returns `buf`. */
static const char *quote_cell(const fc_cell *cell, char *buf, size_t size)
{
    size_t n = cell->len < size - 1 ? cell->len : size - 1;
    while (n > 0 && n < cell->len && ((unsigned char)cell->text[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, cell->text, n);
    buf[n] = '\0';
    return buf;
}

/* ---- Setup ------------------------------------------------------------ */

fc_status fc_recognizer_new(const fc_options *opts, fc_sink *sink, fc_locate_fn locate,
                            void *locate_ctx, fc_recognizer **out, fc_error *err)
{
    *out = NULL;
    fc_recognizer *rec = calloc(1, sizeof *rec);
    if (!rec)
        return no_room(NULL, err);
    rec->opts = opts;
    rec->set = opts->templates;
    rec->tpl = rec->set && rec->set->all ? rec->set->all : opts->tpl;
    if (rec->set) {
        for (size_t i = 0; i < rec->set->count && !rec->list_tpl; i++)
            if (rec->set->items[i]->list_shape)
                rec->list_tpl = rec->set->items[i];
    } else if (opts->tpl && opts->tpl->list_shape) {
        rec->list_tpl = opts->tpl;
    }
    rec->sink = sink;
    rec->locate = locate;
    rec->locate_ctx = locate_ctx;
    rec->row_limit = opts->limits.form_rows ? opts->limits.form_rows : 100000;
    rec->midterm_col = UINT32_MAX;
    rec->form = fc_form_new();
    rec->done = fc_form_new();
    rec->pending = fc_form_new();
    rec->keys = calloc(1, sizeof *rec->keys);
    if (!rec->form || !rec->done || !rec->pending || !rec->keys) {
        fc_recognizer_free(rec);
        return no_room(NULL, err);
    }
    size_t form_bytes = opts->limits.form_bytes ? opts->limits.form_bytes : FC_FORM_ARENA_LIMIT;
    rec->form->arena.limit = rec->done->arena.limit = rec->pending->arena.limit = form_bytes;
    *out = rec;
    return FC_OK;
}

/* Forgets the columns of a flat list. */
static void clear_list(fc_recognizer *rec)
{
    for (size_t i = 0; i < rec->list_count; i++) {
        free((char *)rec->list[i].label);
        free(rec->list[i].value);
    }
    free(rec->list);
    rec->list = NULL;
    rec->list_count = 0;
    rec->list_form_open = false;
}

void fc_recognizer_free(fc_recognizer *rec)
{
    if (!rec)
        return;
    fc_form_free(rec->form);
    fc_form_free(rec->done);
    fc_form_free(rec->pending);
    if (rec->keys) {
        free(rec->keys->keys);
        free(rec->keys->state);
        free(rec->keys->first);
        free(rec->keys);
    }
    clear_list(rec);
    free(rec->list_title);
    free(rec->list_unit);
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

/* ---- What a cell is ---------------------------------------------------- */

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
    if (s[0] && memcmp(s, "\xEF\xBC\x9A", 3) == 0)
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

/* True when the cell's text ends with a colon (':' or '：'), white space
 * aside: a label waiting for its value. */
static bool ends_with_colon(const fc_cell *cell)
{
    const char *t = cell->text;
    size_t len = cell->len;
    fc_utf8_trim(&t, &len);
    return (len >= 1 && t[len - 1] == ':') ||
           (len >= 3 && memcmp(t + len - 3, "\xEF\xBC\x9A", 3) == 0);
}

/* True when the cell holds a note keyword (签字, 盖章, 审核意见, 合计):
 * a line of the page, not of the grid. */
static bool has_note_keyword(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    if (tpl->note_keyword_count == 0 || cell->len > 90 || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    for (size_t i = 0; i < tpl->note_keyword_count; i++)
        if (strstr(buf, tpl->note_keywords[i]))
            return true;
    return false;
}

/* True when the cell is a line of the page: a note prefix with a colon or
 * a note keyword. */
static bool is_note_line(const fc_template *tpl, const fc_cell *cell)
{
    return is_note_start(tpl, cell) || has_note_keyword(tpl, cell);
}

/* Starts the key cache on `row`. Returns false when out of memory. */
static bool keys_begin(const fc_recognizer *rec, const fc_row *row)
{
    key_cache *kc = rec->keys;
    if (row->cell_count > kc->capacity) {
        char (*keys)[KEY_MAX] = realloc(kc->keys, row->cell_count * sizeof *keys);
        if (!keys)
            return false;
        kc->keys = keys;
        unsigned char *state = realloc(kc->state, row->cell_count);
        if (!state)
            return false;
        kc->state = state;
        uint32_t *first = realloc(kc->first, row->cell_count * sizeof *first);
        if (!first)
            return false;
        kc->first = first;
        kc->capacity = row->cell_count;
    }
    kc->cells = row->cells;
    kc->count = row->cell_count;
    if (row->cell_count) {
        memset(kc->state, 0, row->cell_count);
        memset(kc->first, 0, row->cell_count * sizeof *kc->first);
    }
    return true;
}

/* The first character of the key of `cell` (fc_key_first_char), made once
 * per cell of the current row. */
static uint32_t cell_first(const fc_recognizer *rec, const fc_cell *cell)
{
    key_cache *kc = rec->keys;
    if (!kc->cells || cell < kc->cells || cell >= kc->cells + kc->count)
        return fc_key_first_char(cell->text, cell->len);
    size_t i = (size_t)(cell - kc->cells);
    if (!kc->first[i])
        kc->first[i] = fc_key_first_char(cell->text, cell->len) + 1;
    return kc->first[i] - 1;
}

/* The comparison key of `cell` (fc_label_key), made once per cell of the
 * current row; "" when it has none (too long). A cell of no row (made by
 * the recognizer) gets a key valid until the next such call. */
static const char *cell_key(const fc_recognizer *rec, const fc_cell *cell)
{
    key_cache *kc = rec->keys;
    bool cached = kc->cells && cell >= kc->cells && cell < kc->cells + kc->count;
    size_t i = cached ? (size_t)(cell - kc->cells) : 0;
    char *buf = cached ? kc->keys[i] : kc->scratch;
    if (cached && kc->state[i] == 1)
        return buf;
    if (cached && kc->state[i] == 2)
        return "";
    bool made = cell->len <= SQUEEZE_MAX &&
                fc_label_key(cell->text, cell->len, buf, KEY_MAX) != (size_t)-1;
    if (cached)
        kc->state[i] = made ? 1 : 2;
    return made ? buf : "";
}

/* True when the cell is a header label `tpl` knows; sets *key. */
static bool is_label(const fc_recognizer *rec, const fc_template *tpl, const fc_cell *cell,
                     fc_field_key *key)
{
    return fc_bloom_has(&tpl->label_bloom, cell_first(rec, cell)) &&
           fc_template_lookup_label(tpl, cell_key(rec, cell), key);
}

/* True when the cell is an indicator column header `tpl` knows; sets *key. */
static bool is_column(const fc_recognizer *rec, const fc_template *tpl, const fc_cell *cell,
                      fc_column_key *key)
{
    return fc_bloom_has(&tpl->column_bloom, cell_first(rec, cell)) &&
           fc_template_lookup_column(tpl, cell_key(rec, cell), key);
}

/* True when the cell is the table's label (绩效指标) or one of its aliases. */
static bool is_table_label(const fc_recognizer *rec, const fc_cell *cell)
{
    return fc_template_lookup_table_label(rec->tpl, cell_key(rec, cell));
}

/* True when the text is a number, an amount, a percentage or a date: text
 * that is a value and can never be a label or a category. */
static bool is_numeric(const char *text, size_t len)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        switch (text[i]) {
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            digits++;
            break;
        case '+': case '-': case '.': case ',': case '%': case '/': case ':': case ' ':
        case '\t':
            break;
        default:
            return false;
        }
    }
    return digits > 0;
}

/* True when an unknown cell can stand for a field label: short text with
 * a letter or CJK character, no sentence punctuation, not a number. */
static bool label_shaped(const fc_template *tpl, const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    if (cell->len > 4 * LABEL_CHARS_MAX || !squeeze_cell(cell, buf, sizeof buf) || !buf[0])
        return false;
    size_t len = strlen(buf);
    if (fc_utf8_length(buf, len) > LABEL_CHARS_MAX || is_numeric(buf, len))
        return false;
    /* A label never starts with a digit or a comparison: "132万元",
     * "2022年" and "≥90%" are values. */
    if ((buf[0] >= '0' && buf[0] <= '9') || strchr("<>=+-", buf[0]) ||
        starts_with(buf, "≥") || starts_with(buf, "≤") || starts_with(buf, "＜") ||
        starts_with(buf, "＞") || starts_with(buf, "＝"))
        return false;
    /* 。，；！？ and their ASCII kin mark sentences, not labels. */
    static const char *const stops[] = {"\xE3\x80\x82", "\xEF\xBC\x8C", "\xEF\xBC\x9B",
                                        "\xEF\xBC\x81", "\xEF\xBC\x9F", ";", "!", "?"};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        if (strstr(buf, stops[i]))
            return false;
    if (fc_template_is_category(tpl, 1, cell->text, cell->len) ||
        fc_template_is_category(tpl, 2, cell->text, cell->len))
        return false;
    bool letter = false;
    for (size_t i = 0; i < len && !letter; i++) {
        unsigned char c = (unsigned char)buf[i];
        letter = c >= 0x80 || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    return letter;
}

/* True when the cell is a year line under a title: "（2022年度）",
 * "(2022年)", "2022年度". */
static bool is_year_line(const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    if (cell->len > 60 || !squeeze_cell(cell, buf, sizeof buf))
        return false;
    size_t n = strlen(buf);
    const char *p = buf;
    if (starts_with(p, "（"))
        p += 3;
    else if (*p == '(')
        p++;
    size_t digits = 0;
    while (p[digits] >= '0' && p[digits] <= '9')
        digits++;
    if (digits != 4 || !starts_with(p + 4, "年"))
        return false;
    const char *end = buf + n;
    if (n >= 3 && strcmp(end - 3, "）") == 0)
        end -= 3;
    else if (n >= 1 && end[-1] == ')')
        end--;
    /* What stands between the year and the bracket is short: 年, 年度,
     * 年预算, or a span "2021-2023年". */
    return (size_t)(end - p) <= 24;
}

/* ---- Rows --------------------------------------------------------------- */

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

/* The cell of `row` at source column `col`, or NULL. */
static const fc_cell *cell_at(const fc_row *row, uint32_t col)
{
    for (size_t i = 0; i < row->cell_count; i++)
        if (row->cells[i].col == col)
            return &row->cells[i];
    return NULL;
}

/* True when `row` has nothing at source column `col`: no cell, a blank
 * one, or one covered by a merge. */
static bool empty_at(const fc_row *row, uint32_t col)
{
    const fc_cell *c = cell_at(row, col);
    return !c || c->covered || fc_utf8_is_blank(c->text, c->len);
}

/* Finds the model column of source column `col`, or -1. */
static long column_of(const fc_recognizer *rec, uint32_t col)
{
    for (size_t i = 0; i < rec->form->column_count; i++)
        if (col >= rec->ranges[i].first && col <= rec->ranges[i].last)
            return (long)i;
    return -1;
}

/* True when, inside an indicator table, `cell` is an ordinary unmerged cell
 * of a column after the categories: a lone indicator name there is not a
 * title even if it mentions one. */
static bool inside_table_text(const fc_recognizer *rec, const fc_cell *cell)
{
    if (rec->state != ST_TABLE || cell->colspan > 1)
        return false;
    long k = column_of(rec, cell->col);
    if (k < 0)
        return false;
    fc_column_key key = rec->form->columns[k].key;
    return key != FC_COL_LEVEL1 && key != FC_COL_LEVEL2;
}

/* True when the visible cells hold the indicator header: a first-level
 * column and a second-level or name column; or, after the table's label
 * (绩效指标), a name and a target column (a table without categories). */
static bool is_indicator_header(const fc_recognizer *rec, const fc_template *tpl,
                                const fc_cell *const *vis, size_t n)
{
    if (n < 2)
        return false;
    bool level1 = false, other = false, name = false, target = false;
    for (size_t i = 0; i < n; i++) {
        fc_column_key key;
        if (!is_column(rec, tpl, vis[i], &key))
            continue;
        if (key == FC_COL_LEVEL1)
            level1 = true;
        else if (key == FC_COL_LEVEL2 || key == FC_COL_NAME)
            other = true;
        name |= key == FC_COL_NAME;
        target |= key == FC_COL_TARGET || key == FC_COL_MIDTERM_TARGET;
    }
    if (level1 && other)
        return true;
    return n >= 3 && name && target && is_table_label(rec, vis[0]);
}

/* The byte length of the label part of a cell written "LABEL：VALUE"
 * (the label and its colon), when the text before the first colon is a
 * known label (or, with `shaped`, an unknown one shaped like a label) and
 * a value follows; else 0. */
static size_t label_colon_split(const fc_recognizer *rec, const fc_template *tpl,
                                const fc_cell *cell, bool shaped)
{
    size_t limit = 4 * LABEL_CHARS_MAX;
    if (cell->len < limit)
        limit = cell->len;
    /* Most cells hold no colon at all. */
    if (!memchr(cell->text, ':', limit) && !memchr(cell->text, 0xEF, limit))
        return 0;
    for (size_t i = 1; i < limit; i++) {
        size_t colon = cell->text[i] == ':' ? 1
                       : (i + 3 <= cell->len && memcmp(cell->text + i, "\xEF\xBC\x9A", 3) == 0)
                           ? 3
                           : 0;
        if (!colon)
            continue;
        if (fc_utf8_is_blank(cell->text + i + colon, cell->len - i - colon))
            return 0;
        fc_cell head = *cell;
        head.len = i;
        fc_field_key key;
        if (is_label(rec, tpl, &head, &key) || (shaped && label_shaped(tpl, &head)))
            return i + colon;
        return 0;
    }
    return 0;
}

/* Number of the visible cells that are known column headers other than
 * extra ones. */
static size_t known_headers(const fc_recognizer *rec, const fc_template *tpl,
                            const fc_cell *const *vis, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        fc_column_key key;
        if (is_column(rec, tpl, vis[i], &key) && key != FC_COL_EXTRA)
            count++;
    }
    return count;
}

/* True when the row starts as the current table's header did: its first
 * visible cell (after the table's label) is the first column's header. */
static bool starts_header(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    const fc_form *form = rec->form;
    size_t skip = rec->has_table_label && n > 0 && vis[0]->col == rec->table_label_col ? 1 : 0;
    if (n < skip + 2 || form->column_count == 0)
        return false;
    const char *first = form->columns[0].header;
    return vis[skip]->len == strlen(first) && memcmp(vis[skip]->text, first, vis[skip]->len) == 0;
}

/* True when the row repeats the current table's header (a new printed page). */
static bool same_header(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    const fc_form *form = rec->form;
    size_t skip = rec->has_table_label && n > 0 && vis[0]->col == rec->table_label_col ? 1 : 0;
    if (n - skip != form->column_count)
        return false;
    for (size_t i = 0; i < form->column_count; i++)
        if (strlen(form->columns[i].header) != vis[i + skip]->len ||
            memcmp(form->columns[i].header, vis[i + skip]->text, vis[i + skip]->len) != 0)
            return false;
    return true;
}

/* True when the row is a second header row: right under the header,
 * nothing in the category and name columns, short texts that are no
 * numbers and no categories. */
static bool is_subheader_row(const fc_recognizer *rec, const fc_row *row,
                             const fc_cell *const *vis, size_t n)
{
    const fc_form *form = rec->form;
    if (rec->state != ST_TABLE || form->indicator_count || rec->has_subheader || n == 0)
        return false;
    for (size_t k = 0; k < form->column_count; k++) {
        fc_column_key key = form->columns[k].key;
        if ((key == FC_COL_LEVEL1 || key == FC_COL_LEVEL2 || key == FC_COL_NAME) &&
            !empty_at(row, rec->ranges[k].first))
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        const fc_cell *c = vis[i];
        if (c->len > 4 * LABEL_CHARS_MAX || is_numeric(c->text, c->len) ||
            fc_template_is_category(rec->tpl, 1, c->text, c->len) ||
            fc_template_is_category(rec->tpl, 2, c->text, c->len) ||
            (rec->has_table_label && c->col == rec->table_label_col) ||
            c->col < rec->table_col0)
            return false;
    }
    return true;
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

/* True when the visible cells hold the header of a flat list: the project
 * name among the labels and the indicator header among the columns. */
static bool is_list_header(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    if (!rec->list_tpl || n < 3 || !is_indicator_header(rec, rec->tpl, vis, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        fc_field_key key;
        fc_column_key ckey;
        if (!is_column(rec, rec->list_tpl, vis[i], &ckey) && is_label(rec, rec->list_tpl, vis[i], &key) &&
            key == FC_FIELD_NAME)
            return true;
    }
    return false;
}

/* True when a row of a flat list is a total (a department's sum): no
 * indicator in it and no project name. */
static bool is_list_total(const fc_recognizer *rec, const fc_row *row)
{
    bool has_name_column = false;
    for (size_t i = 0; i < rec->list_count; i++) {
        const list_column *lc = &rec->list[i];
        bool blank = empty_at(row, lc->cols.first);
        if (!lc->is_field && !blank)
            return false;
        if (lc->is_field && lc->key == FC_FIELD_NAME) {
            has_name_column = true;
            if (!blank)
                return false;
        }
    }
    return has_name_column;
}

/* Refuses a row that reveals another form of the family: the title, or any
 * of the visible cells as a label or header. */
static fc_status check_other_form(const fc_recognizer *rec, const fc_row *row,
                                  const fc_cell *const *vis, size_t n, bool title,
                                  fc_error *err)
{
    if (rec->tpl->other_count == 0)
        return FC_OK;
    for (size_t i = 0; i < n; i++) {
        const fc_template_other *o =
            title ? fc_template_other_form(rec->tpl, vis[i]->text, vis[i]->len, true)
            : fc_bloom_has(&rec->tpl->other_bloom, cell_first(rec, vis[i]))
                ? fc_template_lookup_other(rec->tpl, cell_key(rec, vis[i]))
                : NULL;
        if (o)
            return reject(rec, err, FC_ERR_INPUT, row, vis[i],
                          "this is a %s (%s), not a 绩效目标表; formconv has no template for it",
                          o->name, o->english);
    }
    return FC_OK;
}

/* True when the first visible cell continues the open block of header
 * rows: the block's column is empty in this row and the row starts right
 * of it. */
static bool continues_group(const fc_recognizer *rec, const fc_row *row,
                            const fc_cell *const *vis)
{
    return rec->group && vis[0]->col > rec->group_col && empty_at(row, rec->group_col);
}

/* True when vis[0] opens a block of header rows: a known block label, or a
 * label-shaped cell merged down whose neighbour is a known label. */
static bool opens_group(const fc_recognizer *rec, const fc_cell *const *vis, size_t n)
{
    if (n < 2)
        return false;
    fc_field_key key;
    /* The cell beside first: in most header rows it is a value. */
    if (!is_label(rec, rec->tpl, vis[1], &key) &&
        label_colon_split(rec, rec->tpl, vis[1], false) == 0)
        return false;
    return fc_template_lookup_group(rec->tpl, cell_key(rec, vis[0])) >= 0 ||
           (vis[0]->rowspan > 1 && !is_label(rec, rec->tpl, vis[0], &key) &&
            label_shaped(rec->tpl, vis[0]));
}

/* True when the visible cells from `from` are a row of labels standing
 * above their values: an open block whose labels stand above, or at least
 * two goal labels (年度目标, 中期目标) with nothing beside them. */
static bool is_above_row(const fc_recognizer *rec, const fc_row *row,
                         const fc_cell *const *vis, size_t n, size_t from, bool above_group)
{
    if (above_group)
        return true;
    if (n - from < 2)
        return false;
    for (size_t i = from; i < n; i++) {
        fc_field_key key;
        if (!is_label(rec, rec->tpl, vis[i], &key) ||
            (key != FC_FIELD_GOAL && key != FC_FIELD_MIDTERM_GOAL))
            return false;
        uint32_t right = vis[i]->col + (vis[i]->colspan ? vis[i]->colspan : 1);
        if (i + 1 < n && vis[i + 1]->col == right)
            return false; /* a label right beside the next: pairs */
        (void)row;
    }
    return true;
}

/* Takes the attachment label and the unit line out of the visible cells
 * (they may share a row with others) into `cls`. */
static void take_out_banners(const fc_recognizer *rec, row_class *cls)
{
    size_t n = cls->n, kept = 0;
    /* An indicator row (three or more cells in a table) holds neither. */
    if (rec->state == ST_TABLE && n > 2)
        return;
    if (rec->state == ST_LIST && n > 2)
        return;
    for (size_t i = 0; i < n; i++) {
        const fc_cell *c = rec->vis[i];
        if (!cls->attachment && is_attachment(rec->tpl, c))
            cls->attachment = c;
        else if (!cls->unit && is_unit(rec->tpl, c))
            cls->unit = c;
        else
            rec->vis[kept++] = c;
    }
    cls->n = kept;
}

/* The row classifier: says what `row` is, given the state, without
 * changing anything. Refuses rows no rule explains. */
static fc_status classify(const fc_recognizer *rec, const fc_row *row, row_class *cls,
                          fc_error *err)
{
    take_out_banners(rec, cls);
    size_t n = cls->n;
    if (n == 0) {
        cls->kind = ROW_NONE;
        return FC_OK;
    }
    const fc_template *tpl = rec->tpl;
    const fc_cell *const *vis = rec->vis;
    fc_field_key key;
    fc_status st;

    if (rec->state == ST_ABOVE) {
        cls->kind = is_indicator_header(rec, tpl, vis, n) ? ROW_TABLE_HEADER : ROW_ABOVE_VALUES;
        return FC_OK;
    }
    /* The common row inside a table: an indicator whose categories are
     * those above (its first cell right of the first column). Only a note
     * could start there; a title, a label or a header cannot. */
    if (rec->state == ST_TABLE && n >= 2 && rec->form->indicator_count > 0 &&
        vis[0]->col > rec->table_col0 && column_of(rec, vis[0]->col) >= 0 &&
        !is_note_start(tpl, vis[0])) {
        cls->kind = ROW_INDICATOR;
        return FC_OK;
    }
    if (n == 1 && is_title(tpl, vis[0]) &&
        (!inside_table_text(rec, vis[0]) || is_exact_title(tpl, vis[0])) &&
        !(rec->state == ST_LIST && !is_exact_title(tpl, vis[0]))) {
        if ((st = check_other_form(rec, row, vis, 1, true, err)))
            return st;
        cls->kind = ROW_TITLE;
        return FC_OK;
    }
    if (n == 1 && rec->state == ST_HEAD && rec->form->title && !rec->form->subtitle &&
        rec->form->field_count == 0 && is_year_line(vis[0])) {
        cls->kind = ROW_SUBTITLE;
        return FC_OK;
    }
    if (rec->state == ST_LIST) {
        if (is_list_header(rec, vis, n))
            cls->kind = ROW_REPEAT_HEADER;
        else if (is_note_line(tpl, vis[0]) || (n == 1 && vis[0]->colspan > 1) ||
                 is_list_total(rec, row))
            cls->kind = ROW_NOTE;
        else
            cls->kind = ROW_LIST_ITEM;
        return FC_OK;
    }
    bool in_table = rec->state == ST_TABLE;
    bool label_first = (!in_table || vis[0]->col <= rec->table_col0) && is_label(rec, tpl, vis[0], &key);
    /* Inside a table only a row starting as the header did can repeat it:
     * a cheap test before every cell is looked up. */
    bool header = (!in_table || starts_header(rec, vis, n)) &&
                  is_indicator_header(rec, tpl, vis, n);
    /* 年度绩效目标（90分） heading the table is its label, not the goal. */
    if (header && label_first && is_table_label(rec, vis[0]))
        label_first = false;
    if (rec->state == ST_IDLE || rec->state == ST_HEAD) {
        if ((st = check_other_form(rec, row, vis, n, false, err)))
            return st;
        if (n == 1 && rec->state == ST_IDLE && (st = check_other_form(rec, row, vis, 1, true, err)))
            return st;
    }
    if (!label_first && header) {
        if ((st = check_other_form(rec, row, vis, n, false, err)))
            return st;
        if (is_list_header(rec, vis, n))
            cls->kind = ROW_LIST_HEADER;
        else if (in_table && same_header(rec, vis, n))
            cls->kind = ROW_REPEAT_HEADER;
        else
            cls->kind = ROW_TABLE_HEADER;
        return FC_OK;
    }
    if (!in_table && header && is_list_header(rec, vis, n)) {
        cls->kind = ROW_LIST_HEADER;
        return FC_OK;
    }
    if (!label_first && !in_table && rec->state != ST_TAIL &&
        known_headers(rec, tpl, vis, n) >= 2) {
        /* Almost the indicator header: name what does not fit. */
        for (size_t i = 0; i < n; i++) {
            fc_column_key ckey;
            if (!is_column(rec, tpl, vis[i], &ckey) &&
                !(i == 0 && is_table_label(rec, vis[i]))) {
                char text[120];
                return reject(rec, err, FC_ERR_INPUT, row, vis[i],
                              "unexpected indicator column header \"%s\": the header needs "
                              "%s and %s (and may have %s)", quote_cell(vis[i], text, sizeof text),
                              fc_template_column_header(tpl, FC_COL_LEVEL1),
                              fc_template_column_header(tpl, FC_COL_NAME),
                              fc_template_column_header(tpl, FC_COL_TARGET));
            }
        }
        return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                      "indicator header without a %s column",
                      fc_template_column_header(tpl, FC_COL_LEVEL1));
    }
    bool group_row = !in_table && rec->state != ST_TAIL &&
                     (opens_group(rec, vis, n) || (rec->state == ST_HEAD &&
                                                   continues_group(rec, row, vis)));
    if (label_first || group_row) {
        if ((st = check_other_form(rec, row, vis, n, false, err)))
            return st;
        bool opens = group_row && opens_group(rec, vis, n);
        bool above_group = false;
        if (opens) {
            int g = fc_template_lookup_group(tpl, cell_key(rec, vis[0]));
            above_group = g >= 0 && tpl->groups[g].label_above;
        } else if (group_row) {
            above_group = rec->group_above;
        }
        cls->kind = is_above_row(rec, row, vis, n, opens ? 1 : 0, above_group) ? ROW_ABOVE_LABELS
                                                                              : ROW_FIELDS;
        return FC_OK;
    }
    switch (rec->state) {
    case ST_IDLE:
        if (looks_like_indicator(tpl, vis, n))
            return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                          "indicator row before its header (%s/%s/%s/%s)",
                          fc_template_column_header(tpl, FC_COL_LEVEL1),
                          fc_template_column_header(tpl, FC_COL_LEVEL2),
                          fc_template_column_header(tpl, FC_COL_NAME),
                          fc_template_column_header(tpl, FC_COL_TARGET));
        cls->kind = ROW_NOTE;
        return FC_OK;
    case ST_HEAD:
        if (looks_like_indicator(tpl, vis, n))
            return reject(rec, err, FC_ERR_INPUT, row, vis[0],
                          "indicator row before its header (%s/%s/%s/%s)",
                          fc_template_column_header(tpl, FC_COL_LEVEL1),
                          fc_template_column_header(tpl, FC_COL_LEVEL2),
                          fc_template_column_header(tpl, FC_COL_NAME),
                          fc_template_column_header(tpl, FC_COL_TARGET));
        if (is_note_line(tpl, vis[0]))
            cls->kind = ROW_NOTE;
        else if (n == 1)
            cls->kind = label_colon_split(rec, tpl, vis[0], false) ? ROW_FIELDS : ROW_NOTE;
        else
            cls->kind = ROW_FIELDS;
        return FC_OK;
    case ST_TABLE: {
        const fc_cell *first = vis[0];
        if (is_subheader_row(rec, row, vis, n)) {
            cls->kind = ROW_SUBHEADER;
            return FC_OK;
        }
        bool in_label_col = rec->has_table_label && first->col == rec->table_label_col;
        bool outside = first->col < rec->table_col0 && !in_label_col;
        /* A keyword line starts at the table's left edge and holds a cell
         * or two: an indicator named 填报人员培训 is not one. */
        bool keyword_line = n <= 2 && first->col <= rec->table_col0 &&
                            has_note_keyword(tpl, first);
        if (is_note_start(tpl, first) || keyword_line ||
            (n == 1 && ((rec->table_width > 1 && first->colspan >= rec->table_width) ||
                        column_of(rec, first->col) < 0 || in_label_col)) ||
            (in_label_col && n >= 1) || outside)
            cls->kind = ROW_NOTE;
        else
            cls->kind = ROW_INDICATOR;
        return FC_OK;
    }
    case ST_TAIL:
    case ST_ABOVE:
    case ST_LIST:
        break;
    }
    cls->kind = ROW_NOTE;
    return FC_OK;
}

/* ---- Forms ------------------------------------------------------------ */

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

/* True when `form` shows `feature`. */
static bool has_feature(const fc_form *form, const fc_feature *feature)
{
    switch (feature->kind) {
    case FC_FEATURE_TITLE: {
        char buf[SQUEEZE_MAX];
        return form->title && strlen(form->title) < sizeof buf &&
               fc_utf8_squeeze(form->title, strlen(form->title), buf, sizeof buf) !=
                   (size_t)-1 &&
               strstr(buf, feature->text) != NULL;
    }
    case FC_FEATURE_FIELD:
        return fc_form_field(form, (fc_field_key)feature->key) != NULL;
    case FC_FEATURE_COLUMN:
        return fc_form_column_index(form, (fc_column_key)feature->key) >= 0;
    case FC_FEATURE_CATEGORY: {
        const char *last = NULL;
        for (size_t i = 0; i < form->indicator_count; i++) {
            const fc_indicator *row = &form->indicators[i];
            const char *text = feature->level == 1 ? row->level1 : row->level2;
            if (text == last || (last && strcmp(text, last) == 0))
                continue; /* a run of the same category: checked once */
            last = text;
            char key[SQUEEZE_MAX];
            size_t len = strlen(text);
            if (len < sizeof key && fc_category_key(text, len, key, sizeof key) != (size_t)-1 &&
                strcmp(key, feature->text) == 0)
                return true;
        }
        return false;
    }
    }
    return false;
}

/* True when `form` meets every need of `tpl`. */
static bool meets_needs(const fc_template *tpl, const fc_form *form)
{
    for (size_t i = 0; i < tpl->need_count; i++) {
        bool any = false;
        for (size_t k = 0; k < tpl->needs[i].count && !any; k++)
            any = has_feature(form, &tpl->needs[i].any[k]);
        if (!any)
            return false;
    }
    return true;
}

/* Number of the form's labels and columns `tpl` does not know. */
static size_t unknown_parts(const fc_template *tpl, const fc_form *form)
{
    size_t count = 0;
    for (size_t i = 0; i < form->field_count; i++) {
        fc_field_key key;
        const fc_field *f = &form->fields[i];
        if (!fc_template_match_label(tpl, f->label, strlen(f->label), &key) || key != f->key)
            count++;
    }
    for (size_t i = 0; i < form->column_count; i++) {
        fc_column_key key;
        const fc_column *c = &form->columns[i];
        if (!fc_template_match_column(tpl, c->header, strlen(c->header), &key) || key != c->key)
            count++;
    }
    return count;
}

/* Chooses the template `form` follows among the set's table templates:
 * those whose needs the form meets; of them the most specific (most
 * needs), then the one that knows most of its labels and columns. Two
 * that fit equally: the form is refused, naming both. */
static fc_status choose_template(fc_recognizer *rec, fc_form *form, fc_error *err)
{
    if (!rec->set)
        return FC_OK;
    /* The candidates with the most needs met. */
    const fc_template *best[8];
    size_t count = 0;
    for (size_t i = 0; i < rec->set->count; i++) {
        const fc_template *t = rec->set->items[i];
        if (t->list_shape || (count && t->need_count < best[0]->need_count) ||
            !meets_needs(t, form))
            continue;
        if (count && t->need_count > best[0]->need_count)
            count = 0;
        if (count < sizeof best / sizeof best[0])
            best[count++] = t;
    }
    const fc_template *chosen = count ? best[0] : NULL, *tie = NULL;
    if (count > 1) {
        /* Then the one that knows most of the form's labels and columns. */
        size_t fewest = unknown_parts(best[0], form);
        for (size_t i = 1; i < count; i++) {
            size_t unknown = unknown_parts(best[i], form);
            if (unknown < fewest) {
                chosen = best[i];
                fewest = unknown;
                tie = NULL;
            } else if (unknown == fewest && !tie) {
                tie = best[i];
            }
        }
    }
    if (tie)
        return fc_error_set(err, FC_ERR_INPUT, form->origin,
                            "form fits the templates %s (%s) and %s (%s) equally; choose one "
                            "with --template", chosen->id, chosen->name, tie->id, tie->name);
    if (!chosen || chosen == rec->set->items[0])
        return FC_OK;
    return fc_form_set_template(form, chosen->id) ? no_room(form, err) : FC_OK;
}

/* Completes the form being built: checks it, chooses its template and
 * holds it back as `done` (sending the one held before). */
static fc_status complete_form(fc_recognizer *rec, fc_error *err)
{
    if (rec->state == ST_IDLE)
        return FC_OK;
    fc_form *form = rec->form;
    if (form->field_count == 0)
        return fc_error_set(err, FC_ERR_INPUT, form->origin,
                            "form has no header fields: a title, but no %s row below it",
                            fc_template_label(rec->tpl, FC_FIELD_NAME));
    if (form->column_count == 0 && fc_template_apply_columns(rec->opts->tpl, form))
        return no_room(rec->form, err);
    fc_status st = choose_template(rec, form, err);
    if (!st)
        st = send_done(rec, err);
    if (st)
        return st;
    rec->form = rec->done;
    rec->done = form;
    rec->have_done = true;
    rec->state = ST_IDLE;
    rec->table_width = 0;
    rec->has_table_label = false;
    rec->group = NULL;
    rec->above_count = 0;
    rec->blank_in_tail = false;
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
 * keeping the empty columns between them as empty cells (a sheet that
 * leaves empty cells out and a text dump that writes them read alike);
 * columns covered by a merge, and cells taken out of the row (attachment,
 * unit), are left out. */
static fc_status add_note(fc_form *form, fc_note_place place,
                          const fc_row *row, const fc_cell *const *vis, size_t n,
                          fc_error *err)
{
    if (n == 0)
        return FC_OK;
    uint32_t first = vis[0]->col, last = vis[n - 1]->col;
    size_t span = (size_t)(last - first) + 1;
    const char *stack_cells[16];
    const char **cells = stack_cells;
    if (span > 16) {
        cells = malloc(span * sizeof *cells);
        if (!cells)
            return no_room(form, err);
    }
    fc_status st = FC_OK;
    size_t count = 0, v = 0, i = 0;
    for (uint32_t col = first; col <= last && !st; col++) {
        while (i < row->cell_count && row->cells[i].col < col)
            i++;
        const fc_cell *c = i < row->cell_count && row->cells[i].col == col ? &row->cells[i]
                                                                            : NULL;
        if (c && c->covered)
            continue;
        const char *text = "";
        size_t len = 0;
        if (v < n && vis[v]->col == col) {
            text = vis[v]->text;
            len = vis[v]->len;
            v++;
        } else if (c && !fc_utf8_is_blank(c->text, c->len)) {
            continue; /* a cell taken out of this row (attachment or unit) */
        } else if (c) {
            text = c->text;
            len = c->len;
        }
        const char *copy = fc_form_strdup(form, text, len);
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

/* ---- Transitions ------------------------------------------------------ */

/* The attachment label: the document's when it comes first; the same label
 * again (a sheet or a dump of its own repeating it) is that label, not a
 * note; another one is a note. */
static fc_status on_attachment(fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                               fc_error *err)
{
    if (rec->state == ST_IDLE && !rec->begun && !rec->have_done && !rec->attachment &&
        rec->pending->note_count == 0) {
        rec->attachment = malloc(cell->len + 1);
        if (!rec->attachment)
            return no_room(rec->form, err);
        memcpy(rec->attachment, cell->text, cell->len);
        rec->attachment[cell->len] = '\0';
        return FC_OK;
    }
    char a[SQUEEZE_MAX], b[SQUEEZE_MAX];
    const char *doc = rec->attachment;
    if (doc && rec->state != ST_HEAD && rec->state != ST_ABOVE &&
        rec->pending->note_count == 0 && squeeze_cell(cell, a, sizeof a) &&
        strlen(doc) < sizeof b && fc_utf8_squeeze(doc, strlen(doc), b, sizeof b) != (size_t)-1 &&
        strcmp(a, b) == 0) {
        /* It heads what follows: the form above is complete, and lines
         * after it lead up to the next form. */
        if (rec->state == ST_TABLE || rec->state == ST_TAIL)
            return complete_form(rec, err);
        return FC_OK;
    }
    if (rec->state == ST_HEAD)
        return add_note(rec->form, FC_NOTE_IN_HEADER, row, &cell, 1, err);
    fc_status st = add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, &cell, 1, err);
    if (!st && rec->state == ST_TABLE)
        rec->state = ST_TAIL;
    return st;
}

/* A title opens a form (a title above a flat list is the list's). */
static fc_status on_title(fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                          fc_error *err)
{
    fc_status st = open_form(rec, row, cell, err);
    if (!st && fc_form_set_title(rec->form, cell->text, cell->len))
        st = no_room(rec->form, err);
    return st;
}

/* The line under the title. */
static fc_status on_subtitle(fc_recognizer *rec, const fc_cell *cell, fc_error *err)
{
    return fc_form_set_subtitle(rec->form, cell->text, cell->len) ? no_room(rec->form, err)
                                                                  : FC_OK;
}

/* A unit line: the form's, a header note when it has one already, or the
 * start of a form without a title. */
static fc_status on_unit(fc_recognizer *rec, const fc_row *row, const fc_cell *unit,
                         fc_error *err)
{
    fc_status st = FC_OK;
    if (rec->state == ST_HEAD && !rec->form->unit)
        st = fc_form_set_unit(rec->form, unit->text, unit->len) ? FC_ERR_NOMEM : FC_OK;
    else if (rec->state == ST_HEAD)
        return add_note(rec->form, FC_NOTE_IN_HEADER, row, &unit, 1, err);
    else {
        st = open_form(rec, row, unit, err);
        if (!st && fc_form_set_unit(rec->form, unit->text, unit->len))
            st = FC_ERR_NOMEM;
    }
    return st == FC_ERR_NOMEM ? no_room(rec->form, err) : st;
}

/* Adds one header field, keeping the first field of each key keyed (a
 * second 其中：财政拨款 on the row is kept under its label). */
static fc_status put_field(fc_recognizer *rec, fc_field_key key, const fc_cell *label,
                           const char *value, size_t value_len, bool same_row, bool above,
                           fc_error *err)
{
    fc_form *form = rec->form;
    if (key != FC_FIELD_OTHER && fc_form_field(form, key))
        key = FC_FIELD_OTHER;
    if (fc_form_add_field(form, key, label->text, label->len, value, value_len, same_row))
        return no_room(form, err);
    if ((rec->group || above) &&
        fc_form_set_field_block(form, rec->group, rec->group ? strlen(rec->group) : 0, above))
        return no_room(form, err);
    return FC_OK;
}

/* The meaning of a cell in a label position: a known label, or an unknown
 * one shaped like a label (kept as FC_FIELD_OTHER); anything else is
 * refused, for a value never becomes a label. */
static fc_status label_key(const fc_recognizer *rec, const fc_row *row, const fc_cell *cell,
                           fc_field_key *key, fc_error *err)
{
    if (is_label(rec, rec->tpl, cell, key))
        return FC_OK;
    *key = FC_FIELD_OTHER;
    if (label_shaped(rec->tpl, cell))
        return FC_OK;
    char text[120];
    return reject(rec, err, FC_ERR_INPUT, row, cell,
                  "\"%s\" stands where a field label belongs (such as %s or %s) but is not one; "
                  "no rule of the template explains this cell",
                  quote_cell(cell, text, sizeof text), fc_template_label(rec->tpl, FC_FIELD_NAME),
                  fc_template_label(rec->tpl, FC_FIELD_DEPARTMENT));
}

/* Opens or continues a block of header rows for a row whose visible
 * cells are rec->vis[0..n); returns the index of the first pair's label. */
static fc_status settle_group(fc_recognizer *rec, const fc_row *row, size_t n, size_t *start,
                              fc_error *err)
{
    const fc_cell *const *vis = rec->vis;
    *start = 0;
    if (rec->state == ST_HEAD && continues_group(rec, row, vis))
        return FC_OK;
    if (opens_group(rec, vis, n)) {
        const char *copy = fc_form_strdup(rec->form, vis[0]->text, vis[0]->len);
        if (!copy)
            return no_room(rec->form, err);
        int g = fc_template_lookup_group(rec->tpl, cell_key(rec, vis[0]));
        rec->group = copy;
        rec->group_col = vis[0]->col;
        rec->group_above = g >= 0 && rec->tpl->groups[g].label_above;
        rec->midterm_col = UINT32_MAX;
        *start = 1;
        return FC_OK;
    }
    rec->group = NULL;
    return FC_OK;
}

/* Reads the label/value pairs of a header row into the form. */
static fc_status on_fields(fc_recognizer *rec, const fc_row *row, size_t n, fc_error *err)
{
    if (rec->state != ST_HEAD) {
        fc_status st = open_form(rec, row, rec->vis[0], err);
        if (st)
            return st;
    }
    size_t start;
    fc_status st = settle_group(rec, row, n, &start, err);
    if (st)
        return st;
    const fc_cell *first_label = rec->vis[start];
    size_t i = (size_t)(first_label - row->cells);
    bool first = true;
    while (i < row->cell_count) {
        const fc_cell *label = &row->cells[i];
        if (label->covered || fc_utf8_is_blank(label->text, label->len)) {
            i++;
            continue;
        }
        fc_field_key key;
        uint32_t right = label->col + (label->colspan ? label->colspan : 1);
        const fc_cell *beside = cell_at(row, right);
        fc_field_key beside_key;
        bool value_beside = !empty_at(row, right) && !is_label(rec, rec->tpl, beside, &beside_key);
        /* A cell holding label and value is split only where no value
         * stands beside it ("其中:当年市级财政资金 | 132万元" is a label). */
        size_t split = is_label(rec, rec->tpl, label, &key) || value_beside
                           ? 0
                           : label_colon_split(rec, rec->tpl, label, true);
        if (split) {
            /* "主管部门：324-甘孜州..." : label and value in one cell. */
            fc_cell head = *label;
            head.len = split;
            const char *v = label->text + split;
            size_t vlen = label->len - split;
            fc_utf8_trim(&v, &vlen);
            if (!is_label(rec, rec->tpl, &head, &key))
                key = FC_FIELD_OTHER;
            st = put_field(rec, key, &head, v, vlen, !first, false, err);
            if (st)
                return st;
            first = false;
            i++;
            continue;
        }
        if ((st = label_key(rec, row, label, &key, err)))
            return st;
        if (rec->group) {
            /* Under 中期资金总额 stand the mid-term parts, which keep their
             * labels: the keyed fund parts are the year's. */
            const char *t = label->text;
            size_t tlen = label->len;
            fc_utf8_trim(&t, &tlen);
            if (tlen >= 6 && memcmp(t, "中期", 6) == 0)
                rec->midterm_col = label->col;
            else if (label->col == rec->midterm_col)
                key = FC_FIELD_OTHER;
        }
        uint32_t value_col = label->col + (label->colspan ? label->colspan : 1);
        const fc_cell *value = NULL;
        size_t j = i + 1;
        while (j < row->cell_count && row->cells[j].col < value_col)
            j++;
        if (j < row->cell_count && row->cells[j].col == value_col && !row->cells[j].covered) {
            fc_field_key next_key;
            const fc_cell *next = &row->cells[j];
            /* A known label right beside this one, or a cell ending with a
             * colon ("项目经办人电话:"): this one has no value. */
            bool blank = fc_utf8_is_blank(next->text, next->len);
            bool labelish = !blank && (ends_with_colon(next) ||
                                       (is_label(rec, rec->tpl, next, &next_key) &&
                                        key != FC_FIELD_OTHER));
            if (!labelish)
                value = &row->cells[j++];
        }
        st = put_field(rec, key, label, value ? value->text : "", value ? value->len : 0, !first,
                       false, err);
        if (st)
            return st;
        first = false;
        i = j;
    }
    return FC_OK;
}

/* A row of labels whose values stand on the next row. */
static fc_status on_above_labels(fc_recognizer *rec, const fc_row *row, size_t n,
                                 fc_error *err)
{
    if (rec->state != ST_HEAD) {
        fc_status st = open_form(rec, row, rec->vis[0], err);
        if (st)
            return st;
    }
    size_t start;
    fc_status st = settle_group(rec, row, n, &start, err);
    if (st)
        return st;
    rec->above_count = 0;
    for (size_t i = start; i < n; i++) {
        if (rec->above_count == ABOVE_MAX)
            return reject(rec, err, FC_ERR_INPUT, row, rec->vis[i],
                          "more than %d labels on a row of labels", ABOVE_MAX);
        above_label *a = &rec->above[rec->above_count++];
        if ((st = label_key(rec, row, rec->vis[i], &a->key, err)))
            return st;
        a->col = rec->vis[i]->col;
        a->cell = rec->vis[i];
        a->label = fc_form_strdup(rec->form, rec->vis[i]->text, rec->vis[i]->len);
        if (!a->label)
            return no_room(rec->form, err);
    }
    rec->state = ST_ABOVE;
    return FC_OK;
}

/* Adds the fields of the waiting row of labels, with the values found in
 * `row` (NULL: none) under each. */
static fc_status settle_above(fc_recognizer *rec, const fc_row *row, size_t n, fc_error *err)
{
    const fc_cell *values[ABOVE_MAX] = {NULL};
    for (size_t v = 0; row && v < n; v++) {
        const fc_cell *c = rec->vis[v];
        size_t k = rec->above_count;
        while (k > 0 && rec->above[k - 1].col > c->col)
            k--;
        if (k == 0 || values[k - 1])
            return reject(rec, err, FC_ERR_INPUT, row, c,
                          "a value under no label of the row above (or under one that has a "
                          "value already); no rule of the template explains this cell");
        values[k - 1] = c;
    }
    rec->state = ST_HEAD;
    for (size_t k = 0; k < rec->above_count; k++) {
        const above_label *a = &rec->above[k];
        fc_cell label = {.text = a->label, .len = strlen(a->label)};
        fc_status st = put_field(rec, a->key, &label, values[k] ? values[k]->text : "",
                                 values[k] ? values[k]->len : 0, k > 0, true, err);
        if (st)
            return st;
    }
    rec->above_count = 0;
    return FC_OK;
}

/* True when a cell left of the first-level header names the block of
 * indicators ("本年度⏎绩效指标"): it speaks of 绩效 and 指标 or 目标. */
static bool names_a_block(const fc_cell *cell)
{
    char buf[SQUEEZE_MAX];
    return squeeze_cell(cell, buf, sizeof buf) && strstr(buf, "绩效") &&
           (strstr(buf, "指标") || strstr(buf, "目标"));
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
    bool level1_seen = false;
    size_t k = 0;
    rec->has_table_label = false;
    for (size_t i = 0; i < row->cell_count && !st; i++) {
        const fc_cell *c = &row->cells[i];
        if (c->covered || fc_utf8_is_blank(c->text, c->len))
            continue;
        fc_column_key key = FC_COL_EXTRA;
        bool known = is_column(rec, rec->tpl, c, &key);
        bool label_text = is_table_label(rec, c);
        if (!known && !level1_seen && !rec->has_table_label && k == 0 &&
            (label_text || c->rowspan > 1 || names_a_block(c))) {
            /* The label down the left of the table. */
            if (fc_form_set_table_label(form, c->text, c->len)) {
                st = no_room(rec->form, err);
                break;
            }
            rec->has_table_label = true;
            rec->table_label_col = c->col;
            continue;
        }
        if (!known && label_text && level1_seen && !seen[FC_COL_NAME])
            key = FC_COL_NAME, known = true; /* 绩效指标 heading the names */
        if (!known)
            key = FC_COL_EXTRA;
        if (key != FC_COL_EXTRA) {
            if (seen[key])
                key = FC_COL_EXTRA;
            else
                seen[key] = true;
        }
        level1_seen |= key == FC_COL_LEVEL1;
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

/* The indicator header: the form's columns; the form's header part ends. */
static fc_status on_table_header(fc_recognizer *rec, const fc_row *row, size_t n,
                                 fc_error *err)
{
    fc_status st = FC_OK;
    if (rec->state == ST_ABOVE)
        st = settle_above(rec, NULL, 0, err);
    if (st)
        return st;
    if (rec->state != ST_HEAD)
        return reject(rec, err, FC_ERR_INPUT, row, rec->vis[0],
                      "indicator header without a form above it (no title or fields)");
    if (rec->form->field_count == 0)
        return reject(rec, err, FC_ERR_INPUT, row, rec->vis[0],
                      "indicator table of a form that has no header fields (no %s row)",
                      fc_template_label(rec->tpl, FC_FIELD_NAME));
    (void)n;
    st = set_columns(rec, row, err);
    if (st)
        return st;
    /* The columns must be the template's: a name column, and a target
     * unless no header stands unexplained (a header that almost matches
     * is named). */
    const fc_form *form = rec->form;
    const fc_column *unknown = NULL;
    for (size_t k = 0; k < form->column_count && !unknown; k++) {
        fc_column_key key;
        const fc_column *c = &form->columns[k];
        if (c->key == FC_COL_EXTRA &&
            !fc_template_match_column(rec->tpl, c->header, strlen(c->header), &key))
            unknown = c;
    }
    bool has_name = fc_form_column_index(form, FC_COL_NAME) >= 0;
    bool has_target = fc_form_column_index(form, FC_COL_TARGET) >= 0 ||
                      fc_form_column_index(form, FC_COL_MIDTERM_TARGET) >= 0;
    if (!has_name || (!has_target && unknown)) {
        const char *missing = fc_template_column_header(rec->tpl, has_name ? FC_COL_TARGET
                                                                           : FC_COL_NAME);
        if (unknown) {
            const fc_cell *cell = NULL;
            for (size_t i = 0; i < n && !cell; i++)
                if (rec->vis[i]->len == strlen(unknown->header) &&
                    memcmp(rec->vis[i]->text, unknown->header, rec->vis[i]->len) == 0)
                    cell = rec->vis[i];
            char text[120];
            snprintf(text, sizeof text, "%.100s", unknown->header);
            return reject(rec, err, FC_ERR_INPUT, row, cell ? cell : rec->vis[0],
                          "unexpected indicator column header \"%s\": the header has no %s "
                          "column, and no rule of the template explains this one", text,
                          missing);
        }
        return reject(rec, err, FC_ERR_INPUT, row, rec->vis[0],
                      "indicator header without a %s column", missing);
    }
    rec->group = NULL;
    rec->has_subheader = false;
    rec->state = ST_TABLE;
    return FC_OK;
}

/* A second header row: each column with texts under it becomes one
 * column per text, with the header above and the text as its subheader; a
 * text right of every column (a header merged across columns in the sheet,
 * whose merge a text dump does not keep) belongs to the column left of it. */
static fc_status on_subheader(fc_recognizer *rec, const fc_row *row, size_t n, fc_error *err)
{
    fc_form *form = rec->form;
    size_t ncols = form->column_count;
    size_t cap = ncols + n;
    fc_column *cols = calloc(cap, sizeof *cols);
    col_range *ranges = malloc(cap * sizeof *ranges);
    if (!cols || !ranges) {
        free(cols);
        free(ranges);
        return no_room(form, err);
    }
    size_t out = 0, v = 0;
    for (size_t k = 0; k < ncols; k++) {
        uint32_t first = rec->ranges[k].first;
        uint32_t last = k + 1 < ncols ? rec->ranges[k + 1].first - 1 : UINT32_MAX;
        size_t subs = 0;
        while (v < n && rec->vis[v]->col < first)
            v++; /* left of the table: is_subheader_row let none through */
        while (v + subs < n && rec->vis[v + subs]->col <= last)
            subs++;
        if (subs == 0) {
            cols[out] = form->columns[k];
            ranges[out++] = rec->ranges[k];
            continue;
        }
        for (size_t s = 0; s < subs; s++) {
            const fc_cell *c = rec->vis[v + s];
            const char *sub = fc_form_strdup(form, c->text, c->len);
            if (!sub) {
                free(cols);
                free(ranges);
                return no_room(form, err);
            }
            cols[out].key = s == 0 ? form->columns[k].key : FC_COL_EXTRA;
            cols[out].header = form->columns[k].header;
            cols[out].subheader = sub;
            ranges[out].first = s == 0 ? first : c->col;
            ranges[out].last = s + 1 < subs ? rec->vis[v + s + 1]->col - 1
                               : rec->ranges[k].last > c->col ? rec->ranges[k].last
                                                              : c->col;
            out++;
        }
        v += subs;
    }
    (void)row;
    fc_status st = fc_form_set_columns(form, cols, out) ? no_room(form, err) : FC_OK;
    if (!st && out > rec->range_capacity) {
        col_range *bigger = realloc(rec->ranges, out * sizeof *bigger);
        if (!bigger)
            st = no_room(form, err);
        else {
            rec->ranges = bigger;
            rec->range_capacity = out;
        }
    }
    if (!st) {
        memcpy(rec->ranges, ranges, out * sizeof *ranges);
        rec->table_width = rec->ranges[out - 1].last - rec->table_col0 + 1;
        rec->has_subheader = true;
    }
    free(cols);
    free(ranges);
    return st;
}

/* True when `text` (len bytes) can stand in a category column: not a
 * number or amount. */
static bool category_ok(const char *text)
{
    return !is_numeric(text, strlen(text));
}

/* Reads the values of the model columns from `row` into rec->values and
 * rec->inherit; a visible cell under no column is refused. */
static fc_status read_columns(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_form *form = rec->form;
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
        bool blank = c->covered || fc_utf8_is_blank(c->text, c->len);
        if (k < 0) {
            if (blank || (rec->has_table_label && c->col == rec->table_label_col))
                continue;
            char text[120];
            return reject(rec, err, FC_ERR_INPUT, row, c,
                          "\"%s\" stands in no column of the indicator table (no header above "
                          "it); no rule of the template explains this cell",
                          quote_cell(c, text, sizeof text));
        }
        if (c->covered) {
            if (c->covered_above)
                rec->inherit[k] = true;
            continue;
        }
        if (c->len == 0 || fc_utf8_is_blank(c->text, c->len)) {
            if (!rec->values[k])
                rec->values[k] = c->len ? fc_form_strdup(form, c->text, c->len) : "";
            if (!rec->values[k])
                return no_room(rec->form, err);
            continue;
        }
        if (rec->values[k] && rec->values[k][0]) {
            /* Two texts under one header spanning several columns. */
            char text[120];
            return reject(rec, err, FC_ERR_INPUT, row, c,
                          "\"%s\" is a second text under the column \"%s\", which already has "
                          "one in this row; no rule of the template explains this cell",
                          quote_cell(c, text, sizeof text), form->columns[k].header);
        }
        const char *copy = fc_form_strdup(form, c->text, c->len);
        if (!copy)
            return no_room(rec->form, err);
        rec->values[k] = copy;
    }
    return FC_OK;
}

/* Turns rec->values into an indicator row of the form: blank first- and
 * second-level cells mean "same as above", covered ones take the value
 * above. Categories that are numbers are refused. */
static fc_status push_values(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_form *form = rec->form;
    size_t ncols = form->column_count;
    const fc_indicator *prev = form->indicator_count
                                   ? &form->indicators[form->indicator_count - 1]
                                   : NULL;
    const char *keyed[FC_COL_KEYED] = {NULL};
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
        fc_column_key key = form->columns[k].key;
        if (key == FC_COL_LEVEL1) {
            if (blank && prev) {
                keyed[key] = prev->level1;
                level1_continues = true;
            } else {
                keyed[key] = v ? v : "";
                level1_continues = prev && strcmp(keyed[key], prev->level1) == 0;
            }
        } else if (key == FC_COL_LEVEL2) {
            /* resolved below, once level 1 is known */
        } else if (key == FC_COL_EXTRA) {
            extras[e] = v ? v : (rec->inherit[k] && prev ? prev->extra[e] : "");
            e++;
        } else {
            keyed[key] = v ? v : (rec->inherit[k] && prev ? fc_indicator_value(prev, key) : "");
        }
    }
    int l2 = fc_form_column_index(form, FC_COL_LEVEL2);
    if (l2 >= 0) {
        const char *v = rec->values[l2];
        bool blank = !v || fc_utf8_is_blank(v, strlen(v));
        if (blank && prev && (level1_continues || fc_form_column_index(form, FC_COL_LEVEL1) < 0))
            keyed[FC_COL_LEVEL2] = prev->level2;
        else
            keyed[FC_COL_LEVEL2] = v ? v : "";
    }
    fc_status st = FC_OK;
    for (int level = 0; level < 2 && !st; level++) {
        const char *text = keyed[level == 0 ? FC_COL_LEVEL1 : FC_COL_LEVEL2];
        int k = fc_form_column_index(form, level == 0 ? FC_COL_LEVEL1 : FC_COL_LEVEL2);
        if (text && k >= 0 && rec->values[k] && !category_ok(text)) {
            const fc_cell *c = NULL;
            for (size_t i = 0; i < row->cell_count && !c; i++)
                if (column_of(rec, row->cells[i].col) == k && !row->cells[i].covered)
                    c = &row->cells[i];
            st = reject(rec, err, FC_ERR_INPUT, row, c,
                        "\"%.100s\" is a number where a %s category belongs; no rule of the "
                        "template explains this cell", text, level == 0 ? "first-level"
                                                                        : "second-level");
        }
    }
    if (!st && fc_form_push_keyed(form, keyed, extras))
        st = no_room(rec->form, err);
    if (extras != extras_local)
        free(extras);
    return st;
}

/* One indicator row. */
static fc_status on_indicator(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_status st = read_columns(rec, row, err);
    return st ? st : push_values(rec, row, err);
}

/* A line of the page: before the next form, in the header, or after the
 * table. */
static fc_status on_note(fc_recognizer *rec, const fc_row *row, size_t n, fc_error *err)
{
    const fc_cell *const *vis = rec->vis;
    switch (rec->state) {
    case ST_IDLE:
        return add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
    case ST_HEAD:
        return add_note(rec->form, FC_NOTE_IN_HEADER, row, vis, n, err);
    case ST_TABLE:
        rec->state = ST_TAIL;
        if (rec->blank_in_tail)
            return add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
        return add_note(rec->form, FC_NOTE_AFTER_TABLE, row, vis, n, err);
    case ST_TAIL:
        /* Lines after a blank row lead up to the next form, and once a
         * line was set aside for it, the ones after it do too. */
        if (rec->pending->note_count || rec->blank_in_tail)
            return add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
        return add_note(rec->form, FC_NOTE_AFTER_TABLE, row, vis, n, err);
    case ST_LIST:
        if (rec->list_form_open)
            return add_note(rec->form, FC_NOTE_AFTER_TABLE, row, vis, n, err);
        return add_note(rec->pending, FC_NOTE_BEFORE_TITLE, row, vis, n, err);
    case ST_ABOVE:
        break;
    }
    return FC_OK;
}

/* ---- Flat lists ------------------------------------------------------- */

/* Copies `len` bytes of `text` into a malloc'd string (NULL when out of memory). */
static char *dup_text(const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

/* The header of a flat list: the project's columns and the indicator
 * columns. A title and unit line read before it belong to every form. */
static fc_status on_list_header(fc_recognizer *rec, const fc_row *row, size_t n, fc_error *err)
{
    const fc_template *lt = rec->list_tpl;
    fc_status st = FC_OK;
    /* What was read as the start of a form (the title above the list) is
     * the list's title. */
    char *title = NULL, *unit = NULL;
    if (rec->state == ST_HEAD && rec->form->field_count == 0) {
        if (rec->form->title && !(title = dup_text(rec->form->title, strlen(rec->form->title))))
            return no_room(NULL, err);
        if (rec->form->unit && !(unit = dup_text(rec->form->unit, strlen(rec->form->unit)))) {
            free(title);
            return no_room(NULL, err);
        }
        for (size_t i = 0; i < rec->form->note_count; i++) {
            const fc_note *note = &rec->form->notes[i];
            if (fc_form_add_note(rec->pending, FC_NOTE_BEFORE_TITLE, 0, note->cells,
                                 note->cell_count)) {
                free(title);
                free(unit);
                return no_room(rec->pending, err);
            }
        }
        fc_form_reset(rec->form);
        rec->state = ST_IDLE;
    } else {
        st = complete_form(rec, err);
    }
    if (st) {
        free(title);
        free(unit);
        return st;
    }
    free(rec->list_title);
    free(rec->list_unit);
    rec->list_title = title;
    rec->list_unit = unit;
    clear_list(rec);
    rec->list = calloc(n, sizeof *rec->list);
    if (!rec->list)
        return no_room(NULL, err);
    bool indicators_begun = false;
    for (size_t i = 0; i < n; i++) {
        const fc_cell *c = rec->vis[i];
        list_column *lc = &rec->list[rec->list_count++];
        lc->cols.first = c->col;
        lc->cols.last = c->col + (c->colspan > 1 ? c->colspan - 1 : 0);
        fc_column_key ckey;
        fc_field_key fkey = FC_FIELD_OTHER;
        bool column = is_column(rec, lt, c, &ckey);
        indicators_begun |= column && ckey != FC_COL_EXTRA;
        lc->is_field = !column && !indicators_begun;
        if (lc->is_field) {
            if (!is_label(rec, lt, c, &fkey) && !label_shaped(lt, c)) {
                char text[120];
                return reject(rec, err, FC_ERR_INPUT, row, c,
                              "\"%s\" heads a column of the list but is no project column "
                              "label; no rule of the template explains this cell",
                              quote_cell(c, text, sizeof text));
            }
            lc->key = fkey;
        }
        if (!(lc->label = dup_text(c->text, c->len)))
            return no_room(NULL, err);
    }
    rec->state = ST_LIST;
    rec->list_form_open = false;
    return FC_OK;
}

/* Opens the form of the list's next project at `row`. */
static fc_status open_list_form(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    fc_status st = FC_OK;
    if (rec->list_form_open) {
        rec->state = ST_TABLE; /* complete_form works on an open form */
        st = complete_form(rec, err);
        if (st)
            return st;
    }
    fc_form *form = rec->form;
    fc_form_reset(form);
    where(rec, row, NULL, form->origin, sizeof form->origin);
    st = adopt_pending(rec, form, FC_NOTE_BEFORE_TITLE, err);
    if (!st && rec->list_title && fc_form_set_title(form, rec->list_title, strlen(rec->list_title)))
        st = no_room(form, err);
    if (!st && rec->list_unit && fc_form_set_unit(form, rec->list_unit, strlen(rec->list_unit)))
        st = no_room(form, err);
    const fc_template *as = fc_template_set_find(rec->set, rec->list_tpl->forms_as);
    if (!st && rec->set && as != rec->set->items[0] &&
        fc_form_set_template(form, rec->list_tpl->forms_as))
        st = no_room(form, err);
    /* Fields in the list's order, each on a row of its own. */
    for (size_t i = 0; i < rec->list_count && !st; i++) {
        const list_column *lc = &rec->list[i];
        if (!lc->is_field)
            continue;
        fc_field_key key = lc->key;
        if (key != FC_FIELD_OTHER && fc_form_field(form, key))
            key = FC_FIELD_OTHER;
        const char *v = lc->value ? lc->value : "";
        if (fc_form_add_field(form, key, lc->label, strlen(lc->label), v, strlen(v), false))
            st = no_room(form, err);
    }
    /* The indicator columns, and where they stand. */
    size_t ncols = 0;
    for (size_t i = 0; i < rec->list_count; i++)
        ncols += !rec->list[i].is_field;
    fc_column *cols = calloc(ncols ? ncols : 1, sizeof *cols);
    col_range *ranges = ncols > rec->range_capacity
                            ? realloc(rec->ranges, ncols * sizeof *ranges)
                            : rec->ranges;
    if (!cols || !ranges) {
        free(cols);
        return no_room(form, err);
    }
    if (ncols > rec->range_capacity) {
        rec->ranges = ranges;
        rec->range_capacity = ncols;
    }
    bool seen[FC_COL_EXTRA] = {false};
    size_t k = 0;
    for (size_t i = 0; i < rec->list_count; i++) {
        const list_column *lc = &rec->list[i];
        if (lc->is_field)
            continue;
        fc_column_key key = FC_COL_EXTRA;
        if (!fc_template_match_column(rec->list_tpl, lc->label, strlen(lc->label), &key) ||
            (key != FC_COL_EXTRA && seen[key]))
            key = FC_COL_EXTRA;
        if (key != FC_COL_EXTRA)
            seen[key] = true;
        cols[k].key = key;
        cols[k].header = lc->label;
        rec->ranges[k++] = lc->cols;
    }
    if (!st && fc_form_set_columns(form, cols, k))
        st = no_room(form, err);
    free(cols);
    rec->table_col0 = k ? rec->ranges[0].first : 0;
    rec->table_width = 0;
    rec->has_table_label = false;
    rec->state = ST_LIST;
    rec->list_form_open = !st;
    rec->form_rows = 0;
    return st;
}

/* One row of a flat list: a new project when a project column shows
 * another value, then its indicator. */
static fc_status on_list_item(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    bool changed = !rec->list_form_open;
    for (size_t i = 0; i < rec->list_count; i++) {
        list_column *lc = &rec->list[i];
        if (!lc->is_field)
            continue;
        const fc_cell *c = cell_at(row, lc->cols.first);
        if (!c || c->covered || fc_utf8_is_blank(c->text, c->len))
            continue; /* same as above */
        if (!lc->value || strlen(lc->value) != c->len || memcmp(lc->value, c->text, c->len)) {
            char *copy = dup_text(c->text, c->len);
            if (!copy)
                return no_room(rec->form, err);
            free(lc->value);
            lc->value = copy;
            changed = true;
        }
    }
    fc_status st = FC_OK;
    if (changed)
        st = open_list_form(rec, row, err);
    if (st)
        return st;
    /* The project's columns are read; what remains is the indicator. */
    rec->state = ST_TABLE;
    fc_row rest = *row;
    fc_cell local[64];
    fc_cell *cells = row->cell_count <= 64 ? local : malloc(row->cell_count * sizeof *cells);
    if (!cells)
        return no_room(rec->form, err);
    size_t count = 0;
    for (size_t i = 0; i < row->cell_count; i++) {
        bool field = false;
        for (size_t k = 0; k < rec->list_count && !field; k++)
            field = rec->list[k].is_field && row->cells[i].col >= rec->list[k].cols.first &&
                    row->cells[i].col <= rec->list[k].cols.last;
        if (!field)
            cells[count++] = row->cells[i];
    }
    rest.cells = cells;
    rest.cell_count = count;
    st = on_indicator(rec, &rest, err);
    if (cells != local)
        free(cells);
    rec->state = ST_LIST;
    return st;
}

/* ---- The state machine ------------------------------------------------ */

fc_status fc_recognizer_push(fc_recognizer *rec, const fc_row *row, fc_error *err)
{
    if (!reserve_scratch(rec, row->cell_count, 0) || !keys_begin(rec, row))
        return no_room(rec->form, err);
    row_class cls = {ROW_NONE, NULL, NULL, visible_cells(rec, row)};
    if (cls.n == 0) {
        rec->blank_in_tail |= rec->state == ST_TAIL || rec->state == ST_TABLE;
        return FC_OK;
    }
    if (rec->state != ST_IDLE && ++rec->form_rows > rec->row_limit)
        return reject(rec, err, FC_ERR_LIMIT, row, rec->vis[0],
                      "form has more rows than the limit allows");
    fc_status st = classify(rec, row, &cls, err);
    if (st)
        return st;
    bool blank_before = rec->blank_in_tail;
    if (cls.attachment && (st = on_attachment(rec, row, cls.attachment, err)))
        return st;
    size_t n = cls.n;
    switch (cls.kind) {
    case ROW_NONE: break;
    case ROW_TITLE: st = on_title(rec, row, rec->vis[0], err); break;
    case ROW_SUBTITLE: st = on_subtitle(rec, rec->vis[0], err); break;
    case ROW_FIELDS: st = on_fields(rec, row, n, err); break;
    case ROW_ABOVE_LABELS: st = on_above_labels(rec, row, n, err); break;
    case ROW_ABOVE_VALUES: st = settle_above(rec, row, n, err); break;
    case ROW_TABLE_HEADER: st = on_table_header(rec, row, n, err); break;
    case ROW_REPEAT_HEADER: break; /* a header repeated on a new printed page */
    case ROW_SUBHEADER: st = on_subheader(rec, row, n, err); break;
    case ROW_INDICATOR: st = on_indicator(rec, row, err); break;
    case ROW_NOTE: st = on_note(rec, row, n, err); break;
    case ROW_LIST_HEADER: st = on_list_header(rec, row, n, err); break;
    case ROW_LIST_ITEM: st = on_list_item(rec, row, err); break;
    }
    if (!st && cls.unit)
        st = on_unit(rec, row, cls.unit, err);
    if (!(rec->state == ST_TAIL && blank_before))
        rec->blank_in_tail = false;
    return st;
}

/* Puts pending notes after the last form (open or held back). */
static fc_status settle_pending(fc_recognizer *rec, fc_error *err)
{
    if (rec->pending->note_count == 0)
        return FC_OK;
    if (rec->state != ST_IDLE && !(rec->state == ST_LIST && !rec->list_form_open))
        return adopt_pending(rec, rec->form, FC_NOTE_AFTER_TABLE, err);
    if (rec->have_done)
        return adopt_pending(rec, rec->done, FC_NOTE_AFTER_TABLE, err);
    return FC_OK;
}

fc_status fc_recognizer_break(fc_recognizer *rec, fc_error *err)
{
    fc_status st = FC_OK;
    if (rec->state == ST_ABOVE)
        st = settle_above(rec, NULL, 0, err);
    if (!st)
        st = settle_pending(rec, err);
    if (!st && rec->state == ST_LIST) {
        if (rec->list_form_open)
            rec->state = ST_TABLE;
        else
            rec->state = ST_IDLE;
        clear_list(rec);
    }
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
                            rec->opts->tpl->title, fc_template_label(rec->tpl, FC_FIELD_NAME));
    return send_done(rec, err);
}
