/*
 * xlsx_writer.c - writes forms as the official 附件 2 attachment in an XLSX
 * workbook, with libxlsxwriter.
 *
 * The shared layout (fc_layout.h) turns each form into rows of cells with
 * merges and style roles; this file renders those rows: a format per role
 * (fonts from the template; labels centred, values left-aligned and wrapped,
 * thin borders on table cells), a height for every row computed from the
 * display width of its text against the width of its cell or merged range,
 * column widths from the template, and the page set-up of a printed
 * attachment (A4 portrait, one page wide, centred, a page break before every
 * form that shares a sheet with the one before).
 *
 * Layouts:
 *   stacked  all forms on one sheet, in order, in libxlsxwriter's
 *            constant_memory mode so memory stays flat. A sheet takes at most
 *            1,024 forms (Excel keeps at most 1,023 manual page breaks a
 *            sheet) and 1,048,576 rows; past either the forms continue on a
 *            new sheet. Constant-memory mode streams each row to a temporary
 *            file when the next one starts and silently drops text written to
 *            a row already streamed, so rows go strictly in order: the anchor
 *            cell of a merge with its format, then formatted blanks into the
 *            covered cells as their rows come. libxlsxwriter would keep every
 *            merged range in memory until the workbook is closed, so the
 *            ranges are not given to it: each is appended to a spill file (an
 *            unlinked temporary file), libxlsxwriter writes the workbook to a
 *            temporary file of its own, and xlsx_package.c copies that into
 *            the output with the ranges spliced into the sheets. Only the
 *            ranges still open (reaching the next row) stay in memory, for
 *            the overlap check and the row heights.
 *   sheets   one worksheet per form, named after the project. This mode keeps
 *            the cells in memory (constant-memory mode would hold a temporary
 *            file open per sheet, and hundreds of sheets exhaust the open-file
 *            limit).
 *
 * Safety: every string is checked (valid UTF-8, characters XML can carry, at
 * most 32,767 characters) and escaped (a literal _xHHHH_ becomes
 * _x005F_xHHHH_, a carriage return _x000D_) before the library sees it;
 * merges are checked for overlaps; numbers are formatted under the "C"
 * locale. libxlsxwriter reports I/O errors only when the workbook is closed
 * and, when its temporary files fill the disk, can even report success for a
 * workbook whose sheets were cut short, so after closing every part of the
 * package is inflated and checked (CRC, complete to its closing tag, each
 * sheet's last row present; xlsx_package.c, in the same pass that adds the
 * merged ranges of the stacked layout) before `end` succeeds.
 */
#include "xlsx.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "fc_layout.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"

/* Excel's limits. */
#define XLSX_MAX_ROWS ((uint32_t)LXW_ROW_MAX)     /* rows in a sheet */
#define XLSX_MAX_COLS ((uint32_t)LXW_COL_MAX)     /* columns in a sheet */
#define XLSX_MAX_BREAKS ((size_t)LXW_BREAKS_MAX)  /* manual page breaks in a sheet */
#define XLSX_MAX_TEXT ((size_t)32767)             /* characters in a cell */
#define XLSX_MAX_ROW_HEIGHT 409.0                 /* row height in points */
#define XLSX_SHEET_NAME_UNITS 31                  /* sheet name length in UTF-16 units */
#define XLSX_SHEET_NAME_BYTES (XLSX_SHEET_NAME_UNITS * 4 + 1) /* room for a name in UTF-8 */

/* Looks. */
#define DEFAULT_COLUMN_WIDTH FC_LAYOUT_DEFAULT_WIDTH  /* columns the template gives no width */
#define DEFAULT_FONT_NAME "宋体"    /* a role without a font in the template */
#define DEFAULT_FONT_SIZE 11.0     /* its size in points */
#define DEFAULT_LINE_FACTOR 1.45   /* line height / font size without a template value */
#define ROW_PADDING 7.0            /* points above and below the text of a row, together */
#define SPACER_HEIGHT 6.0          /* height of the layout's spacer rows in points */
#define INDENT_PX 10.0             /* pixels an indent of one level takes from a cell's width */
#define PAPER_A4 9                 /* Excel's paper code for A4 */
#define EXCEL_DEFAULT_HF_MARGIN 0.3 /* header/footer margin Excel assumes, inches */

/* Creation time recorded unless real timestamps are asked for, so that the
 * same input gives the same bytes: 2000-01-01T00:00:00Z. */
#define FIXED_CREATED ((time_t)946684800)

/* Buffer of the spill file of merged ranges (stacked layout). */
#define SPILL_BUFFER (64 * 1024)

/* How a role's cells look (fonts come from the template). */
typedef struct role_style {
    uint8_t align;               /* horizontal alignment (an lxw_format_alignments value) */
    bool wrap;                   /* wrap text within the cell */
    bool border;                 /* thin border on every side (table cells) */
} role_style;

/* Alignment, wrapping and borders per role, indexed by fc_role. */
static const role_style role_styles[FC_ROLE_COUNT] = {
    [FC_ROLE_NONE] = {LXW_ALIGN_LEFT, false, false},
    [FC_ROLE_ATTACHMENT] = {LXW_ALIGN_LEFT, false, false},
    [FC_ROLE_TITLE] = {LXW_ALIGN_CENTER, true, false},
    [FC_ROLE_UNIT] = {LXW_ALIGN_RIGHT, true, false},
    [FC_ROLE_LABEL] = {LXW_ALIGN_CENTER, true, true},
    [FC_ROLE_VALUE] = {LXW_ALIGN_LEFT, true, true},
    [FC_ROLE_COLUMN_HEADER] = {LXW_ALIGN_CENTER, true, true},
    [FC_ROLE_CATEGORY] = {LXW_ALIGN_CENTER, true, true},
    [FC_ROLE_INDICATOR] = {LXW_ALIGN_LEFT, true, true},
    [FC_ROLE_TARGET] = {LXW_ALIGN_LEFT, true, true},
    [FC_ROLE_NOTE] = {LXW_ALIGN_LEFT, true, false},
    [FC_ROLE_SUBTITLE] = {LXW_ALIGN_CENTER, true, false},
};

/* A merged range whose last row has not been written yet. */
typedef struct xlsx_merge {
    uint32_t first_row;  /* its first row on the sheet */
    uint32_t last_row;   /* its last row */
    uint32_t first_col;  /* its first column */
    uint32_t last_col;   /* its last column */
    fc_role role;        /* style of the anchor, given to the covered cells */
    double need;         /* points its text still needs from the rows not yet sized */
} xlsx_merge;

/* What is remembered of every sheet written, to check and finish the
 * workbook. */
typedef struct xlsx_sheet {
    lxw_worksheet *ws;       /* the worksheet (owned by the workbook until it closes) */
    fc_xlsx_sheet_info info; /* rows, streamed bytes and merged ranges in the spill file */
} xlsx_sheet;

/* A set of folded sheet names, for case-insensitive uniqueness. */
typedef struct name_set {
    char **slots;        /* open addressing table of malloc'd folded names (NULL: free) */
    size_t capacity;     /* number of slots, a power of two */
    size_t count;        /* names stored */
} name_set;

/* The writer sink. */
typedef struct xlsx_writer {
    fc_sink base;                   /* sink interface (must be first) */
    fc_output *out;                 /* where the workbook goes (not owned) */
    const fc_template *tpl;         /* the template: fonts, margins (and widths of forms
                                       of the default template) */
    const fc_template_set *templates; /* where forms name their templates (widths), or NULL */
    fc_sheet_layout mode;           /* stacked or one sheet per form */
    bool real_timestamps;           /* record the current time instead of FIXED_CREATED */
    fc_report_fn warn;              /* receiver of warnings (may be NULL) */
    void *warn_ctx;                 /* its context */
    locale_t c_locale;              /* the "C" locale, active during library calls */
    fc_layout layout;               /* forms -> rows */
    char *attachment;               /* the document's attachment label (owned), or NULL */
    bool doc_started;               /* the attachment rows have been laid out */
    lxw_workbook *wb;               /* the workbook until it is closed or freed */
    const char *path;               /* the output's staging file (owned by out): libxlsxwriter
                                       writes it (sheets), or the finished package goes there
                                       (stacked) */
    char *package;                  /* stacked: the temporary file libxlsxwriter writes
                                       (malloc'd path; the file is removed by end or
                                       destroy), else NULL */
    FILE *ranges;                   /* stacked: the spill file of merged ranges, one
                                       fc_xlsx_range each (unlinked temporary), else NULL */
    uint64_t range_count;           /* ranges written to it */
    lxw_format *formats[FC_ROLE_COUNT]; /* a format per role (owned by the workbook) */
    double line_factor;             /* row height per line as a multiple of the font size */

    lxw_worksheet *ws;              /* the sheet being written, or NULL */
    char sheet_name[XLSX_SHEET_NAME_BYTES]; /* its name, for messages */
    uint32_t row;                   /* next row index on it */
    uint32_t width;                 /* columns in use on it */
    double *widths;                 /* width of each column in use, Excel character units */
    size_t width_capacity;          /* allocated length of widths */
    lxw_row_t *breaks;              /* its page breaks, 0-terminated (XLSX_MAX_BREAKS + 1 slots) */
    size_t break_count;             /* page breaks so far */
    xlsx_merge *merges;             /* merges reaching the next row */
    size_t merge_count;             /* number of them */
    size_t merge_capacity;          /* allocated length of merges */

    xlsx_sheet *sheets;             /* every sheet made, in order */
    size_t sheet_count;             /* number of sheets */
    size_t sheet_capacity;          /* allocated length of sheets */
    name_set names;                 /* folded names of the sheets */

    const fc_form *form;            /* the form being laid out (for messages) */
    size_t forms;                   /* forms received */
    char *title;                    /* document title property (owned), or NULL */
    char *subject;                  /* document subject: the department (owned), or NULL */
    fc_buf text;                    /* scratch: a cell's escaped, NUL-terminated text */
} xlsx_writer;

/* ---- Errors ---------------------------------------------------------- */

/* Sets `err` for a problem with the output as a whole. */
static fc_status fail(const xlsx_writer *w, fc_error *err, fc_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static fc_status fail(const xlsx_writer *w, fc_error *err, fc_status code, const char *fmt, ...)
{
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return fc_error_set(err, code, fc_output_name(w->out), "%s", message);
}

/* Sets `err` for a problem with the cell at `row`, `col` of the current
 * sheet; the message names the form's origin when it has one. */
static fc_status fail_at(const xlsx_writer *w, fc_error *err, fc_status code, uint32_t row,
                         uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static fc_status fail_at(const xlsx_writer *w, fc_error *err, fc_status code, uint32_t row,
                         uint32_t col, const char *fmt, ...)
{
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    const char *origin = w->form ? w->form->origin : "";
    if (origin[0])
        return fc_error_at_cell(err, code, fc_output_name(w->out), w->sheet_name, row, col,
                                "%s (form from %s)", message, origin);
    return fc_error_at_cell(err, code, fc_output_name(w->out), w->sheet_name, row, col, "%s",
                            message);
}

/* libxlsxwriter's description of `e` without its final period, in `buf`. */
static const char *lxw_reason(lxw_error e, char *buf, size_t size)
{
    snprintf(buf, size, "%s", lxw_strerror(e));
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '.')
        buf[n - 1] = '\0';
    return buf;
}

/* Turns a failed libxlsxwriter call into an fc_status. */
static fc_status lxw_fail(const xlsx_writer *w, fc_error *err, lxw_error e, const char *what)
{
    char reason[256];
    fc_status code = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? FC_ERR_NOMEM : FC_ERR_INTERNAL;
    return fail(w, err, code, "%s failed: %s", what, lxw_reason(e, reason, sizeof reason));
}

/* ---- Sheet names --------------------------------------------------------- */

/* Case folding for sheet names (Excel compares them case-insensitively):
 * ASCII, Latin-1, Greek, Cyrillic and fullwidth Latin letters. */
static uint32_t fold_char(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
        (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x410 && cp <= 0x42F) ||
        (cp >= 0xFF21 && cp <= 0xFF3A))
        return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    return cp;
}

/* Writes the folded form of the valid UTF-8 name `s` into `out` (at least
 * XLSX_SHEET_NAME_BYTES * 2 bytes). */
static void fold_name(const char *s, char *out)
{
    size_t len = strlen(s), i = 0, o = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            break;
        o += fc_utf8_encode(fold_char(cp), (unsigned char *)out + o);
        i += n;
    }
    out[o] = '\0';
}

/* FNV-1a hash of a string. */
static size_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* True when the folded name is in the set. */
static bool names_contain(const name_set *set, const char *folded)
{
    if (!set->capacity)
        return false;
    for (size_t i = hash_name(folded) & (set->capacity - 1);; i = (i + 1) & (set->capacity - 1)) {
        if (!set->slots[i])
            return false;
        if (strcmp(set->slots[i], folded) == 0)
            return true;
    }
}

/* Adds a folded name (copied). Returns false when out of memory. */
static bool names_add(name_set *set, const char *folded)
{
    if ((set->count + 1) * 2 > set->capacity) {
        size_t cap = set->capacity ? set->capacity * 2 : 16;
        char **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t k = 0; k < set->capacity; k++) {
            if (!set->slots[k])
                continue;
            size_t i = hash_name(set->slots[k]) & (cap - 1);
            while (slots[i])
                i = (i + 1) & (cap - 1);
            slots[i] = set->slots[k];
        }
        free(set->slots);
        set->slots = slots;
        set->capacity = cap;
    }
    char *copy = strdup(folded);
    if (!copy)
        return false;
    size_t i = hash_name(folded) & (set->capacity - 1);
    while (set->slots[i])
        i = (i + 1) & (set->capacity - 1);
    set->slots[i] = copy;
    set->count++;
    return true;
}

/* Frees the set. */
static void names_free(name_set *set)
{
    for (size_t i = 0; i < set->capacity; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* True for a character a sheet name cannot hold. */
static bool name_char_forbidden(uint32_t cp)
{
    return cp == '[' || cp == ']' || cp == ':' || cp == '*' || cp == '?' || cp == '/' ||
           cp == '\\' || cp == '\t' || cp == '\n' || cp == '\r' || !fc_char_allowed(cp);
}

/* Copies the usable part of `len` bytes of valid UTF-8 `s` into `out`
 * (XLSX_SHEET_NAME_BYTES): forbidden characters removed, leading and
 * trailing white space and apostrophes dropped, at most `units` UTF-16
 * units. */
static void clean_name(const char *s, size_t len, size_t units, char *out)
{
    size_t i = 0, o = 0, used = 0;
    size_t keep = 0; /* bytes of out up to the last character that may end a name */
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0)
            break;
        i += n;
        if (name_char_forbidden(cp))
            continue;
        bool edge = cp == '\'' || fc_char_is_space(cp);
        if (o == 0 && edge)
            continue;
        size_t u = cp > 0xFFFF ? 2 : 1;
        if (used + u > units)
            break;
        o += fc_utf8_encode(cp, (unsigned char *)out + o);
        used += u;
        if (!edge)
            keep = o;
    }
    out[keep] = '\0';
}

/* Picks a new sheet's name from `base` (may be NULL or empty): cleaned as
 * Excel requires, "Sheet<number>" when nothing is left, and made unique
 * (case-insensitively, "History" being reserved by Excel) with a " (2)",
 * " (3)", ... suffix. Records it and stores it in `out`. */
static fc_status pick_sheet_name(xlsx_writer *w, const char *base, size_t number, char *out,
                                 fc_error *err)
{
    char clean[XLSX_SHEET_NAME_BYTES];
    char folded[XLSX_SHEET_NAME_BYTES * 2];
    size_t base_len = base ? strlen(base) : 0;
    if (base_len && fc_utf8_valid_prefix((const unsigned char *)base, base_len) != base_len)
        base_len = 0;
    clean_name(base ? base : "", base_len, XLSX_SHEET_NAME_UNITS, clean);
    if (!clean[0])
        snprintf(clean, sizeof clean, "Sheet%zu", number);
    strcpy(out, clean);
    for (unsigned long k = 2;; k++) {
        fold_name(out, folded);
        if (strcmp(folded, "history") != 0 && !names_contain(&w->names, folded))
            break;
        char suffix[32];
        int slen = snprintf(suffix, sizeof suffix, " (%lu)", k);
        char shorter[XLSX_SHEET_NAME_BYTES];
        clean_name(clean, strlen(clean), XLSX_SHEET_NAME_UNITS - (size_t)slen, shorter);
        size_t n = strlen(shorter); /* fits: at most 31 - strlen(suffix) units */
        memcpy(out, shorter, n);
        memcpy(out + n, suffix, (size_t)slen + 1);
    }
    if (!names_add(&w->names, folded))
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    lxw_error e = workbook_validate_sheet_name(w->wb, out);
    if (e)
        return fail(w, err, FC_ERR_INTERNAL, "sheet name '%s' refused: %s", out,
                    lxw_strerror(e));
    return FC_OK;
}

/* ---- Formats --------------------------------------------------------- */

/* Font of `role` from the template, with defaults. */
static void role_font(const xlsx_writer *w, fc_role role, const char **name, double *size,
                      bool *bold)
{
    const fc_font *f = &w->tpl->fonts[role];
    *name = (f->name && f->name[0]) ? f->name : DEFAULT_FONT_NAME;
    *size = f->size > 0 ? f->size : DEFAULT_FONT_SIZE;
    *bold = f->bold;
}

/* True when roles `a` and `b` look the same (same font and style). */
static bool same_look(const xlsx_writer *w, fc_role a, fc_role b)
{
    const char *name_a, *name_b;
    double size_a, size_b;
    bool bold_a, bold_b;
    role_font(w, a, &name_a, &size_a, &bold_a);
    role_font(w, b, &name_b, &size_b, &bold_b);
    return strcmp(name_a, name_b) == 0 && size_a == size_b && bold_a == bold_b &&
           role_styles[a].align == role_styles[b].align &&
           role_styles[a].wrap == role_styles[b].wrap &&
           role_styles[a].border == role_styles[b].border;
}

/* Creates the format of every role. Roles that look the same share one
 * format: libxlsxwriter 1.1.4 caches the style index only on the first of
 * several equal formats and hashes the others again for every cell. */
static fc_status make_formats(xlsx_writer *w, fc_error *err)
{
    for (int r = 0; r < FC_ROLE_COUNT; r++) {
        w->formats[r] = NULL;
        for (int k = 0; k < r && !w->formats[r]; k++)
            if (same_look(w, (fc_role)k, (fc_role)r))
                w->formats[r] = w->formats[k];
        if (w->formats[r])
            continue;
        lxw_format *f = workbook_add_format(w->wb);
        if (!f)
            return fail(w, err, FC_ERR_NOMEM, "out of memory");
        const char *name;
        double size;
        bool bold;
        role_font(w, (fc_role)r, &name, &size, &bold);
        format_set_font_name(f, name);
        format_set_font_size(f, size);
        if (bold)
            format_set_bold(f);
        format_set_align(f, role_styles[r].align);
        format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
        if (role_styles[r].wrap)
            format_set_text_wrap(f);
        if (role_styles[r].border && role_styles[r].align == LXW_ALIGN_LEFT)
            format_set_indent(f, 1); /* a little air between a border and left-aligned text */
        if (role_styles[r].border)
            format_set_border(f, LXW_BORDER_THIN);
        w->formats[r] = f;
    }
    return FC_OK;
}

/* ---- Text: checks, escapes, measure -------------------------------------- */

/* What a cell's text needs. */
typedef struct text_info {
    size_t lines;        /* lines it takes when wrapped at the given capacity */
    bool escape;         /* it holds '_' or CR, so it may need escaping */
} text_info;

/* Places a run of `width` display units that cannot be broken onto the
 * current line of `cap` units (breaking it across lines only when it is
 * longer than a line). */
static void place_run(size_t width, size_t cap, size_t *lines, size_t *used)
{
    if (width == 0)
        return;
    if (*used + width <= cap) {
        *used += width;
        return;
    }
    if (*used > 0) {
        (*lines)++;
        *used = 0;
    }
    while (width > cap) {
        (*lines)++;
        width -= cap;
    }
    *used = width;
}

/* Checks `len` bytes of `text` for the cell at row/col (valid UTF-8,
 * characters a cell can hold, at most 32,767 of them) and counts the lines
 * it takes wrapped at `cap` display units a line (a CJK character is two
 * units; a line breaks at a space, before and after a wide character, or
 * inside a word longer than a line). */
static fc_status check_text(const xlsx_writer *w, const char *text, size_t len, size_t cap,
                            uint32_t row, uint32_t col, text_info *info, fc_error *err)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t lines = 1, used = 0, word = 0, chars = 0;
    info->escape = false;
    size_t i = 0;
    while (i < len) {
        uint32_t cp = p[i];
        size_t n = 1;
        if (cp >= 0x80) {
            n = fc_utf8_decode(p + i, len - i, &cp);
            if (n == 0)
                return fail_at(w, err, FC_ERR_OUTPUT, row, col,
                               "text is not valid UTF-8 (byte 0x%02X at offset %zu)", p[i], i);
        }
        if (!fc_char_allowed(cp))
            return fail_at(w, err, FC_ERR_OUTPUT, row, col,
                           "text holds control character U+%04X, which a workbook cannot store",
                           (unsigned)cp);
        i += n;
        chars++;
        if (cp == '_' || cp == '\r')
            info->escape = true;
        if (cp == '\n') {
            place_run(word, cap, &lines, &used);
            word = 0;
            lines++;
            used = 0;
            continue;
        }
        int cw = fc_char_width(cp);
        if (cp == '\r' || cw == 0)
            continue;
        if (fc_char_is_space(cp)) {
            place_run(word, cap, &lines, &used);
            word = 0;
            if (used + (size_t)cw <= cap)
                used += (size_t)cw;
        } else if (cw == 2) {
            place_run(word, cap, &lines, &used);
            word = 0;
            place_run(2, cap, &lines, &used);
        } else {
            word += (size_t)cw;
        }
    }
    if (chars > XLSX_MAX_TEXT)
        return fail_at(w, err, FC_ERR_OUTPUT, row, col,
                       "text of %zu characters is longer than an Excel cell holds (%zu)", chars,
                       XLSX_MAX_TEXT);
    place_run(word, cap, &lines, &used);
    info->lines = lines;
    return FC_OK;
}

/* True when `p` (with `avail` bytes) starts with an escape _xHHHH_. */
static bool is_escape(const char *p, size_t avail)
{
    if (avail < 7 || p[0] != '_' || p[1] != 'x' || p[6] != '_')
        return false;
    for (int k = 2; k < 6; k++) {
        char c = p[k];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* Copies `len` bytes of `text` into w->text, NUL-terminated; with `escape`,
 * writes a '_' that starts _xHHHH_ as _x005F_ and a carriage return as
 * _x000D_ (OOXML's escapes; a bare CR would become LF when read). */
static fc_status stage_text(xlsx_writer *w, const char *text, size_t len, bool escape,
                            fc_error *err)
{
    w->text.len = 0;
    bool ok = true;
    if (!escape) {
        ok = fc_buf_append(&w->text, text, len);
    } else {
        size_t start = 0;
        for (size_t i = 0; ok && i < len; i++) {
            const char *add = NULL;
            if (text[i] == '_' && is_escape(text + i, len - i))
                add = "_x005F";
            else if (text[i] == '\r')
                add = "_x000D_";
            if (!add)
                continue;
            ok = fc_buf_append(&w->text, text + start, i - start) &&
                 fc_buf_append(&w->text, add, strlen(add));
            start = text[i] == '\r' ? i + 1 : i;
        }
        if (ok)
            ok = fc_buf_append(&w->text, text + start, len - start);
    }
    if (ok)
        ok = fc_buf_append(&w->text, "", 1);
    if (!ok)
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    return FC_OK;
}

/* Width of columns [first, first + count) in pixels as Excel draws them at
 * 100% (a column of width W is 7 W + 5 pixels with the default font). */
static double columns_px(const xlsx_writer *w, uint32_t first, uint32_t count)
{
    double px = 0;
    for (uint32_t j = first; j < first + count; j++) {
        double width = j < w->width ? w->widths[j] : DEFAULT_COLUMN_WIDTH;
        px += width * 7.0 + 5.0;
    }
    return px;
}

/* Display units (a CJK character is two) that fit on a line of a cell
 * `px` pixels wide in a font of `size` points: a unit is half an em, the
 * cell loses a few pixels of padding, and 5% is kept in reserve for the
 * difference between fonts and for line-breaking rules. */
static size_t line_capacity(double px, double size)
{
    double unit = size * 96.0 / 72.0 / 2.0;
    double cap = floor((px - 6.0) / unit * 0.95);
    return cap < 2 ? 2 : (size_t)cap;
}

/* ---- Sheets ---------------------------------------------------------- */

/* Widens the current sheet's columns to hold `form` (a column is as wide
 * as the widest the forms on the sheet ask for). */
static fc_status fit_columns(xlsx_writer *w, const fc_form *form, uint32_t width, fc_error *err)
{
    if (width > w->width_capacity) {
        size_t cap = w->width_capacity ? w->width_capacity : 8;
        while (cap < width)
            cap *= 2;
        double *bigger = realloc(w->widths, cap * sizeof *bigger);
        if (!bigger)
            return fail(w, err, FC_ERR_NOMEM, "out of memory");
        w->widths = bigger;
        w->width_capacity = cap;
    }
    for (uint32_t j = 0; j < width; j++) {
        double want = fc_layout_column_width(fc_template_for_form(w->templates, w->tpl, form),
                                             form, j);
        if (j >= w->width || want > w->widths[j])
            w->widths[j] = want;
    }
    if (width > w->width)
        w->width = width;
    return FC_OK;
}

/* Sets the page of a new sheet: A4 portrait, one page wide, centred, the
 * template's margins, no gridlines on screen (the table has its borders),
 * and no "number stored as text" marks (values are text on purpose). */
static void set_page(const xlsx_writer *w, lxw_worksheet *ws)
{
    const fc_template *tpl = w->tpl;
    worksheet_set_paper(ws, PAPER_A4);
    worksheet_set_portrait(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_center_horizontally(ws);
    worksheet_set_margins(ws, tpl->margin_left > 0 ? tpl->margin_left : -1,
                          tpl->margin_right > 0 ? tpl->margin_right : -1,
                          tpl->margin_top > 0 ? tpl->margin_top : -1,
                          tpl->margin_bottom > 0 ? tpl->margin_bottom : -1);
    if (tpl->margin_header > 0 && tpl->margin_header != EXCEL_DEFAULT_HF_MARGIN) {
        lxw_header_footer_options hf = {.margin = tpl->margin_header};
        worksheet_set_header_opt(ws, "", &hf);
    }
    if (tpl->margin_footer > 0 && tpl->margin_footer != EXCEL_DEFAULT_HF_MARGIN) {
        lxw_header_footer_options hf = {.margin = tpl->margin_footer};
        worksheet_set_footer_opt(ws, "", &hf);
    }
    worksheet_gridlines(ws, LXW_HIDE_ALL_GRIDLINES);
    worksheet_ignore_errors(ws, LXW_IGNORE_NUMBER_STORED_AS_TEXT, "A1:XFD1048576");
}

/* Finishes the current sheet: column widths, print area, page breaks. */
static fc_status finish_sheet(xlsx_writer *w, fc_error *err)
{
    if (!w->ws)
        return FC_OK;
    lxw_worksheet *ws = w->ws;
    for (uint32_t j = 0; j < w->width; j++) {
        lxw_error e = worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, w->widths[j], NULL);
        if (e)
            return lxw_fail(w, err, e, "setting a column width");
    }
    if (w->row > 0 && w->width > 0) {
        lxw_error e = worksheet_print_area(ws, 0, 0, w->row - 1, (lxw_col_t)(w->width - 1));
        if (e)
            return lxw_fail(w, err, e, "setting the print area");
    }
    if (w->break_count) {
        w->breaks[w->break_count] = 0;
        lxw_error e = worksheet_set_h_pagebreaks(ws, w->breaks);
        if (e)
            return lxw_fail(w, err, e, "setting page breaks");
    }
    w->sheets[w->sheet_count - 1].info.rows = w->row;
    w->ws = NULL;
    return FC_OK;
}

/* Starts a new sheet named after `base` (see pick_sheet_name). */
static fc_status start_sheet(xlsx_writer *w, const char *base, fc_error *err)
{
    fc_status st = finish_sheet(w, err);
    if (st)
        return st;
    if (w->sheet_count == w->sheet_capacity) {
        size_t cap = w->sheet_capacity ? w->sheet_capacity * 2 : 4;
        xlsx_sheet *bigger = realloc(w->sheets, cap * sizeof *bigger);
        if (!bigger)
            return fail(w, err, FC_ERR_NOMEM, "out of memory");
        w->sheets = bigger;
        w->sheet_capacity = cap;
    }
    st = pick_sheet_name(w, base, w->sheet_count + 1, w->sheet_name, err);
    if (st)
        return st;
    errno = 0;
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, w->sheet_name);
    if (!ws) {
        int e = errno;
        if (w->mode == FC_LAYOUT_STACKED)
            return fail(w, err, FC_ERR_OUTPUT, "cannot create a temporary file in %s: %s",
                        fc_output_tmpdir(w->out), e ? strerror(e) : "unknown error");
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    }
    set_page(w, ws);
    w->sheets[w->sheet_count++] =
        (xlsx_sheet){.ws = ws, .info = {.range_first = w->range_count}};
    w->ws = ws;
    w->row = 0;
    w->width = 0;
    w->break_count = 0;
    w->merge_count = 0;
    return FC_OK;
}

/* True when a write to the sheet's temporary file (constant memory mode
 * streams rows to it; libxlsxwriter does not check) or to the spill file of
 * merged ranges has failed. */
static bool sheet_stream_failed(const xlsx_writer *w)
{
    return (w->ws && w->ws->optimize_tmpfile && ferror(w->ws->optimize_tmpfile)) ||
           (w->ranges && ferror(w->ranges));
}

/* ---- Rows ------------------------------------------------------------ */

/* The role of `cell`, NONE for a value out of range. */
static fc_role cell_role(const fc_cell *cell)
{
    return cell->role < FC_ROLE_COUNT ? cell->role : FC_ROLE_NONE;
}

/* Index of the active merge covering (row, col), or -1. */
static long merge_at(const xlsx_writer *w, uint32_t row, uint32_t col)
{
    for (size_t i = 0; i < w->merge_count; i++) {
        const xlsx_merge *m = &w->merges[i];
        if (row >= m->first_row && row <= m->last_row && col >= m->first_col &&
            col <= m->last_col)
            return (long)i;
    }
    return -1;
}

/* Records the merged range of rows first_row..last_row and columns
 * first_col..last_col of the current sheet. Stacked: appended to the spill
 * file, and libxlsxwriter's <dimension> is widened to its last cell as
 * worksheet_merge_range would have done. Sheets: registered with
 * libxlsxwriter. */
static fc_status record_range(xlsx_writer *w, uint32_t first_row, uint32_t last_row,
                              uint32_t first_col, uint32_t last_col, fc_error *err)
{
    if (!w->ranges) {
        /* No format: with one, libxlsxwriter would write blanks into the
         * covered cells at once. */
        lxw_error e = worksheet_merge_range(w->ws, first_row, (lxw_col_t)first_col, last_row,
                                            (lxw_col_t)last_col, "", NULL);
        return e ? lxw_fail(w, err, e, "merging cells") : FC_OK;
    }
    fc_xlsx_range range = {first_row, last_row, first_col, last_col};
    errno = 0;
    if (fwrite(&range, sizeof range, 1, w->ranges) != 1)
        return fail(w, err, FC_ERR_OUTPUT, "cannot write temporary data in %s: %s",
                    fc_output_tmpdir(w->out), errno ? strerror(errno) : "write error");
    w->range_count++;
    w->sheets[w->sheet_count - 1].info.range_count++;
    lxw_worksheet *ws = w->ws;
    if (last_row < ws->dim_rowmin)
        ws->dim_rowmin = last_row;
    if (last_row > ws->dim_rowmax)
        ws->dim_rowmax = last_row;
    if (last_col < ws->dim_colmin)
        ws->dim_colmin = (lxw_col_t)last_col;
    if (last_col > ws->dim_colmax)
        ws->dim_colmax = (lxw_col_t)last_col;
    return FC_OK;
}

/* Records the merge of `cell` (rowspan x colspan from `row`) after checking
 * it against the merges still open (the only ones that can overlap it:
 * merges come in row order), and keeps it among them. */
static fc_status add_merge(xlsx_writer *w, const fc_cell *cell, uint32_t row, uint32_t rows,
                           uint32_t cols, double need, fc_error *err)
{
    uint32_t last_row = row + rows - 1, last_col = cell->col + cols - 1;
    if (last_row >= XLSX_MAX_ROWS || last_col >= XLSX_MAX_COLS)
        return fail_at(w, err, FC_ERR_OUTPUT, row, cell->col,
                       "merged range reaches past the edge of an Excel sheet");
    for (size_t i = 0; i < w->merge_count; i++) {
        const xlsx_merge *m = &w->merges[i];
        if (row <= m->last_row && last_row >= m->first_row && cell->col <= m->last_col &&
            last_col >= m->first_col) {
            char a[8];
            return fail_at(w, err, FC_ERR_INTERNAL, row, cell->col,
                           "merged range overlaps the range from %s%lu",
                           fc_column_name(m->first_col, a), (unsigned long)m->first_row + 1);
        }
    }
    if (w->merge_count == w->merge_capacity) {
        size_t cap = w->merge_capacity ? w->merge_capacity * 2 : 16;
        xlsx_merge *bigger = realloc(w->merges, cap * sizeof *bigger);
        if (!bigger)
            return fail(w, err, FC_ERR_NOMEM, "out of memory");
        w->merges = bigger;
        w->merge_capacity = cap;
    }
    fc_status st = record_range(w, row, last_row, cell->col, last_col, err);
    if (st)
        return st;
    w->merges[w->merge_count++] = (xlsx_merge){
        .first_row = row, .last_row = last_row, .first_col = cell->col,
        .last_col = last_col, .role = cell_role(cell), .need = need};
    return FC_OK;
}

/* Height in points of `lines` lines of the font of `role`, with padding. */
static double lines_height(const xlsx_writer *w, fc_role role, size_t lines)
{
    const char *name;
    double size;
    bool bold;
    role_font(w, role, &name, &size, &bold);
    return (double)lines * size * w->line_factor + ROW_PADDING;
}

/* Writes a spacer row (nothing at the top of a sheet). */
static fc_status write_spacer(xlsx_writer *w, fc_error *err)
{
    if (w->row == 0)
        return FC_OK;
    if (w->row >= XLSX_MAX_ROWS)
        return fail_at(w, err, FC_ERR_OUTPUT, XLSX_MAX_ROWS - 1, 0,
                       "form does not fit on an Excel sheet (1,048,576 rows)");
    lxw_error e = worksheet_set_row(w->ws, w->row, SPACER_HEIGHT, NULL);
    if (e)
        return lxw_fail(w, err, e, "setting a row height");
    w->row++;
    return FC_OK;
}

/* First pass over row `r`: checks the cells' order and text, measures the
 * height each text needs in its cell or merged range, and registers the
 * merges that start here. *height receives the height the row needs for
 * its own cells (a merge over several rows keeps its need for later). */
static fc_status measure_cells(xlsx_writer *w, const fc_row *row, uint32_t r, double *height,
                               fc_error *err)
{
    *height = lines_height(w, row->row_role < FC_ROLE_COUNT ? row->row_role : FC_ROLE_NONE, 1);
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *cell = &row->cells[i];
        fc_role role = cell_role(cell);
        if (cell->col >= XLSX_MAX_COLS)
            return fail_at(w, err, FC_ERR_OUTPUT, r, XLSX_MAX_COLS - 1,
                           "form is wider than an Excel sheet (16,384 columns)");
        if (i > 0 && cell->col <= row->cells[i - 1].col)
            return fail_at(w, err, FC_ERR_INTERNAL, r, cell->col, "cells out of column order");
        if (cell->covered)
            continue;
        if (merge_at(w, r, cell->col) >= 0)
            return fail_at(w, err, FC_ERR_INTERNAL, r, cell->col,
                           "cell lies inside a merged range");
        uint32_t cols = cell->colspan ? cell->colspan : 1;
        uint32_t rows = cell->rowspan ? cell->rowspan : 1;
        if (cols > XLSX_MAX_COLS - cell->col)
            cols = XLSX_MAX_COLS - cell->col;
        const char *font;
        double size;
        bool bold;
        role_font(w, role, &font, &size, &bold);
        double px = columns_px(w, cell->col, cols);
        if (role_styles[role].border && role_styles[role].align == LXW_ALIGN_LEFT)
            px -= INDENT_PX;
        text_info info = {1, false};
        fc_status st = check_text(w, cell->text, cell->len, line_capacity(px, size), r,
                                  cell->col, &info, err);
        if (st)
            return st;
        double need = lines_height(w, role, role_styles[role].wrap ? info.lines : 1);
        if (role == FC_ROLE_TITLE && need < w->tpl->title_row_height)
            need = w->tpl->title_row_height;
        if (rows > 1 || cols > 1) {
            st = add_merge(w, cell, r, rows, cols, rows > 1 ? need : 0, err);
            if (st)
                return st;
        }
        if (rows == 1 && need > *height)
            *height = need;
    }
    return FC_OK;
}

/* Sets the height of row `r`: what its cells need, and at least an even
 * share of what each merge over several rows still needs from its rows left
 * (its last row takes all that is left), capped at Excel's maximum (with a
 * warning). Stores the height set in *height. */
static fc_status size_row(xlsx_writer *w, uint32_t r, double *height, fc_error *err)
{
    for (size_t i = 0; i < w->merge_count; i++) {
        const xlsx_merge *m = &w->merges[i];
        if (m->last_row == m->first_row || r < m->first_row || r > m->last_row)
            continue;
        double share = m->need / (double)(m->last_row - r + 1);
        if (share > *height)
            *height = share;
    }
    if (*height > XLSX_MAX_ROW_HEIGHT) {
        if (w->warn) {
            fc_error warning;
            fc_error_clear(&warning);
            fail_at(w, &warning, FC_OK, r, 0,
                    "row needs %.0f points but Excel allows at most %.0f: its text may be cut",
                    *height, XLSX_MAX_ROW_HEIGHT);
            warning.severity = FC_SEVERITY_WARNING;
            w->warn(w->warn_ctx, &warning);
        }
        *height = XLSX_MAX_ROW_HEIGHT;
    }
    *height = ceil(*height * 4.0) / 4.0;
    lxw_error e = worksheet_set_row(w->ws, r, *height, NULL);
    return e ? lxw_fail(w, err, e, "setting a row height") : FC_OK;
}

/* Second pass over row `r`: writes the cells' text (escaped) with their
 * role's format, and formatted blanks into bordered cells left empty. */
static fc_status write_cells(xlsx_writer *w, const fc_row *row, uint32_t r, fc_error *err)
{
    for (size_t i = 0; i < row->cell_count; i++) {
        const fc_cell *cell = &row->cells[i];
        fc_role role = cell_role(cell);
        lxw_format *format = w->formats[role];
        lxw_error e = LXW_NO_ERROR;
        if (cell->covered) {
            /* Blanks inside a merge are written by fill_merges, in the anchor's style. */
            if (role_styles[role].border && merge_at(w, r, cell->col) < 0)
                e = worksheet_write_blank(w->ws, r, (lxw_col_t)cell->col, format);
        } else if (cell->len == 0) {
            if (role_styles[role].border)
                e = worksheet_write_blank(w->ws, r, (lxw_col_t)cell->col, format);
        } else {
            bool escape =
                memchr(cell->text, '_', cell->len) || memchr(cell->text, '\r', cell->len);
            fc_status st = stage_text(w, cell->text, cell->len, escape, err);
            if (st)
                return st;
            e = worksheet_write_string(w->ws, r, (lxw_col_t)cell->col, w->text.data, format);
            if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
                return fail_at(w, err, FC_ERR_OUTPUT, r, cell->col,
                               "text with its escapes is longer than an Excel cell holds (%zu)",
                               XLSX_MAX_TEXT);
        }
        if (e)
            return lxw_fail(w, err, e, "writing a cell");
    }
    return FC_OK;
}

/* Writes formatted blanks into the covered cells that bordered merges have
 * on row `r`, so every cell of the table draws its border. */
static fc_status fill_merges(xlsx_writer *w, uint32_t r, fc_error *err)
{
    for (size_t i = 0; i < w->merge_count; i++) {
        const xlsx_merge *m = &w->merges[i];
        if (!role_styles[m->role].border || r < m->first_row || r > m->last_row)
            continue;
        for (uint32_t c = m->first_col; c <= m->last_col; c++) {
            if (r == m->first_row && c == m->first_col)
                continue;
            lxw_error e = worksheet_write_blank(w->ws, r, (lxw_col_t)c, w->formats[m->role]);
            if (e)
                return lxw_fail(w, err, e, "writing a cell");
        }
    }
    return FC_OK;
}

/* After row `r` (of `height` points): drops the merges that end here and
 * takes the height from what the others still need. */
static void settle_merges(xlsx_writer *w, uint32_t r, double height)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->merge_count; i++) {
        xlsx_merge *m = &w->merges[i];
        if (m->last_row <= r)
            continue;
        if (m->first_row <= r)
            m->need -= height;
        w->merges[kept++] = *m;
    }
    w->merge_count = kept;
}

/* Receives one laid-out row (fc_row_fn): a spacer, or a row whose cells are
 * checked and measured, whose merges are registered, whose height is set,
 * and whose cells and merge blanks are written, strictly in order. */
static fc_status write_row(void *ctx, const fc_row *row, fc_error *err)
{
    xlsx_writer *w = ctx;
    if (row->kind == FC_ROW_SPACER)
        return write_spacer(w, err);
    uint32_t r = w->row;
    if (r >= XLSX_MAX_ROWS)
        return fail_at(w, err, FC_ERR_OUTPUT, XLSX_MAX_ROWS - 1, 0,
                       "form does not fit on an Excel sheet (1,048,576 rows)");
    if (row->form_start && w->mode == FC_LAYOUT_STACKED && r > 0) {
        if (w->break_count >= XLSX_MAX_BREAKS)
            return fail_at(w, err, FC_ERR_INTERNAL, r, 0, "too many page breaks on a sheet");
        w->breaks[w->break_count++] = r;
    }
    double height = 0;
    fc_status st = measure_cells(w, row, r, &height, err);
    if (!st)
        st = size_row(w, r, &height, err);
    if (!st)
        st = write_cells(w, row, r, err);
    if (!st)
        st = fill_merges(w, r, err);
    if (st)
        return st;
    settle_merges(w, r, height);
    w->row++;
    return FC_OK;
}

/* ---- The sink ------------------------------------------------------------ */

/* Lays out the document's opening rows once, on the first sheet. */
static fc_status start_document(xlsx_writer *w, fc_error *err)
{
    if (w->doc_started)
        return FC_OK;
    w->doc_started = true;
    fc_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.attachment = w->attachment;
    return fc_layout_begin(&w->layout, &doc, err);
}

/* Rows a form can take at most, attachment rows included. */
static size_t form_row_bound(const fc_form *form)
{
    return 2 + 1 + 2 * form->note_count + 4 + form->field_count + 1 + form->indicator_count;
}

/* Copies a string for a property (NULL stays NULL). */
static bool keep_property(char **slot, const char *value)
{
    if (*slot || !value || !value[0])
        return true;
    *slot = strdup(value);
    return *slot != NULL;
}

/* fc_sink.begin: keeps the document's attachment label; its row is laid
 * out on the first sheet, which the first form names (sheets layout). */
static fc_status xlsx_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    xlsx_writer *w = (xlsx_writer *)self;
    free(w->attachment);
    w->attachment = NULL;
    if (doc && doc->attachment && !(w->attachment = strdup(doc->attachment)))
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    return FC_OK;
}

/* Puts `form` on a sheet: its own (sheets), or the current one while it has
 * room for the form's rows and a page break (stacked). */
static fc_status place_form(xlsx_writer *w, const fc_form *form, uint32_t width, fc_error *err)
{
    fc_status st = FC_OK;
    if (w->mode == FC_LAYOUT_SHEETS) {
        st = start_sheet(w, fc_form_field(form, FC_FIELD_NAME), err);
    } else if (!w->ws) {
        st = start_sheet(w, w->tpl->title, err);
    } else {
        size_t bound = form_row_bound(form);
        if (w->break_count >= XLSX_MAX_BREAKS || bound > XLSX_MAX_ROWS - w->row)
            st = start_sheet(w, w->tpl->title, err);
    }
    if (!st)
        st = fit_columns(w, form, width, err);
    return st;
}

/* Writes one form (under the "C" locale): places it on a sheet, lays it
 * out through write_row, remembers the document properties, and fails
 * early when the temporary sheet data can no longer be written. */
static fc_status xlsx_form_locked(xlsx_writer *w, const fc_form *form, fc_error *err)
{
    uint32_t width = fc_layout_width(form);
    if (width > XLSX_MAX_COLS)
        return fail(w, err, FC_ERR_OUTPUT,
                    "a form %lu columns wide does not fit on an Excel sheet (16,384)%s%s",
                    (unsigned long)width, form->origin[0] ? ": form from " : "", form->origin);
    fc_status st = place_form(w, form, width, err);
    if (!st)
        st = start_document(w, err);
    if (!st && (!keep_property(&w->title, form->title) ||
                !keep_property(&w->subject, fc_form_field(form, FC_FIELD_DEPARTMENT))))
        st = fail(w, err, FC_ERR_NOMEM, "out of memory");
    if (!st)
        st = fc_layout_form(&w->layout, form, err);
    if (!st && sheet_stream_failed(w))
        st = fail(w, err, FC_ERR_OUTPUT,
                  "cannot write temporary data in %s (is the file system full?)",
                  fc_output_tmpdir(w->out));
    return st;
}

/* fc_sink.form: writes one form. */
static fc_status xlsx_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    xlsx_writer *w = (xlsx_writer *)self;
    if (!w->wb)
        return fail(w, err, FC_ERR_INTERNAL, "form after the workbook was closed");
    locale_t old = uselocale(w->c_locale);
    w->form = form;
    fc_status st = xlsx_form_locked(w, form, err);
    w->form = NULL;
    w->forms++;
    uselocale(old);
    return st;
}

/* Checks every part of the package libxlsxwriter wrote and, in the stacked
 * layout, writes the finished package (with the merged ranges) to the
 * output's staging file; then removes libxlsxwriter's package. */
static fc_status finish_package(xlsx_writer *w, fc_error *err)
{
    fc_xlsx_sheet_info *infos = malloc((w->sheet_count ? w->sheet_count : 1) * sizeof *infos);
    fc_status st = FC_OK;
    if (!infos) {
        st = fail(w, err, FC_ERR_NOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < w->sheet_count; i++)
            infos[i] = w->sheets[i].info;
        fc_xlsx_package_job job = {
            .package = w->package ? w->package : w->path,
            .target = w->package ? w->path : NULL,
            .ranges = w->ranges,
            .sheets = infos,
            .sheet_count = w->sheet_count,
            .name = fc_output_name(w->out),
            .tmpdir = fc_output_tmpdir(w->out),
        };
        st = fc_xlsx_finish_package(&job, err);
        free(infos);
    }
    if (w->package) {
        unlink(w->package);
        free(w->package);
        w->package = NULL;
    }
    return st;
}

/* Finishes the last sheet, checks the temporary files, sets the document
 * properties, closes (writes) the workbook, and checks and finishes what
 * was written. */
static fc_status xlsx_end_locked(xlsx_writer *w, fc_error *err)
{
    fc_status st = FC_OK;
    if (!w->ws && w->sheet_count == 0) {
        st = start_sheet(w, w->tpl->title, err);
        if (!st)
            st = start_document(w, err);
    }
    if (!st)
        st = finish_sheet(w, err);
    for (size_t i = 0; !st && i < w->sheet_count; i++) {
        FILE *f = w->sheets[i].ws->optimize_tmpfile;
        if (!f)
            continue;
        errno = 0;
        if (fflush(f) != 0 || ferror(f))
            st = fail(w, err, FC_ERR_OUTPUT, "cannot write temporary data in %s: %s",
                      fc_output_tmpdir(w->out), errno ? strerror(errno) : "write error");
        off_t size = ftello(f);
        w->sheets[i].info.data_bytes = size > 0 ? (uint64_t)size : 0;
    }
    if (!st && w->ranges) {
        errno = 0;
        if (fflush(w->ranges) != 0 || ferror(w->ranges))
            st = fail(w, err, FC_ERR_OUTPUT, "cannot write temporary data in %s: %s",
                      fc_output_tmpdir(w->out), errno ? strerror(errno) : "write error");
    }
    if (st)
        return st;
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    props.title = w->title ? w->title : w->tpl->title;
    props.subject = w->subject;
    props.author = "formconv";
    props.created = w->real_timestamps ? time(NULL) : FIXED_CREATED;
    lxw_error e = workbook_set_properties(w->wb, &props);
    if (e)
        return lxw_fail(w, err, e, "setting the document properties");
    errno = 0;
    e = workbook_close(w->wb); /* frees the workbook, also on failure */
    int saved = errno;
    w->wb = NULL;
    w->ws = NULL;
    if (e) {
        char reason[256];
        const char *why = lxw_reason(e, reason, sizeof reason);
        if (e == LXW_ERROR_MEMORY_MALLOC_FAILED)
            return fail(w, err, FC_ERR_NOMEM, "out of memory");
        return fail(w, err, FC_ERR_OUTPUT, "cannot write the workbook (temporary files in %s): "
                    "%s%s%s", fc_output_tmpdir(w->out), why, saved ? ": " : "",
                    saved ? strerror(saved) : "");
    }
    return finish_package(w, err);
}

/* fc_sink.end: writes the workbook to the staging file and checks it. */
static fc_status xlsx_end(fc_sink *self, fc_error *err)
{
    xlsx_writer *w = (xlsx_writer *)self;
    if (!w->wb)
        return fail(w, err, FC_ERR_INTERNAL, "the workbook was already closed");
    locale_t old = uselocale(w->c_locale);
    fc_status st = xlsx_end_locked(w, err);
    uselocale(old);
    return st;
}

/* fc_sink.destroy: frees the writer; a workbook never closed is dropped
 * without writing anything (the caller then discards the output). */
static void xlsx_destroy(fc_sink *self)
{
    xlsx_writer *w = (xlsx_writer *)self;
    if (!w)
        return;
    if (w->wb) {
        /* Never closed: drop everything without writing. */
        lxw_workbook_free(w->wb);
    }
    if (w->package) {
        unlink(w->package);
        free(w->package);
    }
    if (w->ranges)
        fclose(w->ranges);
    fc_layout_free(&w->layout);
    if (w->c_locale != (locale_t)0)
        freelocale(w->c_locale);
    names_free(&w->names);
    free(w->attachment);
    free(w->widths);
    free(w->breaks);
    free(w->merges);
    free(w->sheets);
    free(w->title);
    free(w->subject);
    fc_buf_free(&w->text);
    free(w);
}

/* Stacked layout: creates the temporary file libxlsxwriter will write the
 * package to and the spill file of merged ranges (unlinked at once), both in
 * the output's temporary directory. */
static fc_status open_temporaries(xlsx_writer *w, fc_error *err)
{
    const char *dir = fc_output_tmpdir(w->out);
    size_t size = strlen(dir) + 32;
    char *spill = malloc(size);
    w->package = malloc(size);
    if (!spill || !w->package) {
        free(spill);
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    }
    snprintf(w->package, size, "%s/.formconv-xlsx-XXXXXX", dir);
    snprintf(spill, size, "%s/.formconv-merges-XXXXXX", dir);
    int fd = mkstemp(w->package);
    if (fd < 0) {
        int e = errno;
        free(w->package);
        w->package = NULL;
        free(spill);
        return fail(w, err, FC_ERR_OUTPUT, "cannot create a temporary file in %s: %s", dir,
                    strerror(e));
    }
    close(fd);
    fd = mkstemp(spill);
    int e = errno;
    if (fd >= 0)
        unlink(spill);
    free(spill);
    if (fd < 0)
        return fail(w, err, FC_ERR_OUTPUT, "cannot create a temporary file in %s: %s", dir,
                    strerror(e));
    w->ranges = fdopen(fd, "w+b");
    if (!w->ranges) {
        close(fd);
        return fail(w, err, FC_ERR_NOMEM, "out of memory");
    }
    setvbuf(w->ranges, NULL, _IOFBF, SPILL_BUFFER);
    return FC_OK;
}

/* See xlsx.h. */
fc_status fc_xlsx_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                              fc_error *err)
{
    *sink = NULL;
    if (!opts || !opts->tpl)
        return fc_error_set(err, FC_ERR_USAGE, fc_output_name(out), "no form template given");
    xlsx_writer *w = calloc(1, sizeof *w);
    if (!w)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    w->base.begin = xlsx_begin;
    w->base.form = xlsx_form;
    w->base.end = xlsx_end;
    w->base.destroy = xlsx_destroy;
    w->out = out;
    w->tpl = opts->tpl;
    w->templates = opts->templates;
    int layout = fc_options_choice(opts, "layout", fc_xlsx_layouts, FC_LAYOUT_STACKED, err);
    if (layout < 0) {
        free(w);
        return FC_ERR_USAGE;
    }
    w->mode = (fc_sheet_layout)layout;
    w->real_timestamps = fc_options_flag(opts, "real-timestamps");
    w->warn = opts->warn;
    w->warn_ctx = opts->warn_ctx;
    w->line_factor = opts->tpl->line_height_factor > 0 ? opts->tpl->line_height_factor
                                                       : DEFAULT_LINE_FACTOR;
    fc_layout_init(&w->layout, opts->tpl, write_row, w);
    fc_status st = FC_OK;
    w->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    w->breaks = malloc((XLSX_MAX_BREAKS + 1) * sizeof *w->breaks);
    if (w->c_locale == (locale_t)0 || !w->breaks)
        st = fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    if (!st) {
        w->path = fc_output_path(out, err);
        if (!w->path)
            st = err && err->code ? err->code : FC_ERR_OUTPUT;
    }
    if (!st && w->mode == FC_LAYOUT_STACKED)
        st = open_temporaries(w, err);
    if (!st) {
        locale_t old = uselocale(w->c_locale);
        lxw_workbook_options options;
        memset(&options, 0, sizeof options);
        options.constant_memory = w->mode == FC_LAYOUT_STACKED ? LXW_TRUE : LXW_FALSE;
        options.tmpdir = (char *)fc_output_tmpdir(out);
        w->wb = workbook_new_opt(w->package ? w->package : w->path, &options);
        if (!w->wb)
            st = fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
        else
            st = make_formats(w, err);
        uselocale(old);
    }
    if (st) {
        xlsx_destroy(&w->base);
        return st;
    }
    *sink = &w->base;
    return FC_OK;
}
