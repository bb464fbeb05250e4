/*
 * text.c - delimited text: the legacy text dump (one table row per line,
 * cells separated by tabs, as budget systems and Excel's "text (tab
 * delimited)" and "Unicode text" exports write it) and, through the same
 * machinery, CSV (csv.c) and '|'- or ';'-separated text.
 *
 * Reading: detect the encoding (BOM; UTF-8, else GB18030; UTF-16 with or
 * without BOM), decode to UTF-8 chunk by chunk, choose the delimiter (the
 * dialect's, the "delimiter" option, or detected from the first lines),
 * split lines (LF, CRLF, CR) and cells (Excel-style quoting: "a""b",
 * delimiters and line breaks inside quotes), and push the rows into the
 * shared recognizer. Writing: the shared layout's rows, cells quoted as
 * Excel does, in UTF-8 (optionally with a BOM), GB18030 or UTF-16 with a
 * BOM, with LF or CRLF line ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_layout.h"
#include "fc_recognizer.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"
#include "text.h"

/* Raw bytes read per step. */
#define TEXT_CHUNK (256 * 1024)
/* Encoded bytes gathered before they are handed to the output. */
#define TEXT_FLUSH (128 * 1024)

/* State of one text dump being read. */
typedef struct text_reader {
    const char *name;         /* input name for messages */
    fc_limits limits;         /* effective limits */
    fc_buf text;              /* decoded UTF-8 not yet split, starting at a row start */
    unsigned long line;       /* line number of the byte at line_offset */
    size_t line_offset;       /* offset in text of the first row not yet pushed */
    fc_cell *cells;           /* cells of the row being split */
    size_t *starts;           /* offset in text where each cell starts (for locations) */
    size_t cell_capacity;     /* allocated length of cells and starts */
    fc_recognizer *rec;       /* receiver of rows */
    const fc_text_dialect *dialect; /* the format's conventions */
    char delim;               /* the cell delimiter; '\0' until chosen */
    bool delim_forced;        /* given by the "delimiter" option */
    bool delim_ready;         /* the delimiter is chosen and `special` set */
    unsigned char special[256]; /* special_byte with the delimiter marked */
    size_t head_lines;        /* non-blank lines in the head the delimiter was chosen on */
    size_t head_hits[3];      /* of them, lines holding ',' '|' ';' */
    bool head_tabs;           /* the head holds a tab */
    unsigned long first_line; /* first line holding text (0: none yet) */
} text_reader;

/* Line and character column of byte `offset` of r->text. */
static void text_position(const text_reader *r, size_t offset, unsigned long *line,
                          unsigned long *col)
{
    unsigned long l = r->line;
    size_t line_start = r->line_offset < offset ? r->line_offset : offset;
    const char *p = r->text.data;
    for (size_t i = line_start; i < offset; i++) {
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 >= offset || p[i + 1] != '\n'))) {
            l++;
            line_start = i + 1;
        }
    }
    *line = l;
    *col = (unsigned long)fc_utf8_length(p + line_start, offset - line_start) + 1;
}

/* Location formatter for the recognizer: FILE:LINE:COL of a cell. Cells
 * carry no column (computing one for every cell would cost more than the
 * rest of the reading); it is worked out here from where the cell starts. */
static void text_locate(void *ctx, const fc_row *row, const fc_cell *cell, char *buf,
                        size_t size)
{
    const text_reader *r = ctx;
    if (cell && cell >= r->cells && cell < r->cells + r->cell_capacity) {
        unsigned long line, col;
        text_position(r, r->starts[cell - r->cells], &line, &col);
        snprintf(buf, size, "%s:%lu:%lu", r->name, line, col);
    } else {
        snprintf(buf, size, "%s:%lu", r->name, row->index + 1);
    }
}

/* Sets `err` to a problem (printf-style message) at byte `offset` of r->text. */
static fc_status text_reject(const text_reader *r, fc_error *err, fc_status code, size_t offset,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static fc_status text_reject(const text_reader *r, fc_error *err, fc_status code, size_t offset,
                             const char *fmt, ...)
{
    unsigned long line, col;
    text_position(r, offset, &line, &col);
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return fc_error_at_line(err, code, r->name, line, col, "%s", message);
}

/* Describes a forbidden character at `p` (invalid in every output format). */
static void describe_char(const unsigned char *p, size_t avail, char *buf, size_t size)
{
    uint32_t cp = p[0];
    if (p[0] >= 0x80)
        fc_utf8_decode(p, avail, &cp);
    snprintf(buf, size, "%s U+%04X", cp == 0 ? "binary data: NUL character" :
             "control character", (unsigned)cp);
}

/* Length of a forbidden character starting at p[0] (a C0/C1 control, DEL,
 * U+FFFE or U+FFFF other than TAB, LF, CR), or 0 when it is allowed.
 * `avail` bytes are valid UTF-8 from p. */
static size_t forbidden_at(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x20)
        return (c == '\t' || c == '\n' || c == '\r') ? 0 : 1;
    if (c == 0x7F)
        return 1;
    if (c == 0xC2 && avail >= 2 && p[1] >= 0x80 && p[1] <= 0x9F)
        return 2;
    if (c == 0xEF && avail >= 3 && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
        return 3;
    return 0;
}

/* Bytes the cell scanner must look at: controls (TAB, LF and CR end a
 * cell; others are refused), DEL, and the lead bytes of the C1 controls
 * (0xC2) and of U+FFFE/U+FFFF (0xEF). */
static const unsigned char special_byte[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1,
    [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1,
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [0x7F] = 1, [0xC2] = 1, [0xEF] = 1,
};

/* Adds a cell to the row being split. */
static fc_status push_cell(text_reader *r, size_t count, const char *text, size_t len,
                           unsigned long line, size_t offset, fc_error *err)
{
    if (count >= r->limits.row_cells)
        return text_reject(r, err, FC_ERR_LIMIT, offset, "%s",
                           "row has more cells than the limit allows");
    if (count >= r->cell_capacity) {
        size_t want = r->cell_capacity ? r->cell_capacity * 2 : 32;
        fc_cell *bigger = realloc(r->cells, want * sizeof *bigger);
        if (!bigger)
            return fc_error_set(err, FC_ERR_NOMEM, r->name, "out of memory");
        r->cells = bigger;
        size_t *starts = realloc(r->starts, want * sizeof *starts);
        if (!starts)
            return fc_error_set(err, FC_ERR_NOMEM, r->name, "out of memory");
        r->starts = starts;
        r->cell_capacity = want;
    }
    if (len > r->limits.cell_chars && fc_utf8_length(text, len) > r->limits.cell_chars) {
        return text_reject(r, err, FC_ERR_LIMIT, offset,
                           "cell longer than the limit of %zu characters", r->limits.cell_chars);
    }
    fc_cell *cell = &r->cells[count];
    memset(cell, 0, sizeof *cell);
    cell->text = text;
    cell->len = len;
    cell->col = (uint32_t)count;
    cell->colspan = 1;
    cell->rowspan = 1;
    cell->line = line;
    r->starts[count] = offset;
    return FC_OK;
}

/* Result of trying to split one row. */
typedef enum split_result {
    SPLIT_ROW,      /* a complete row was split */
    SPLIT_MORE      /* the row continues past the buffer: read more first */
} split_result;

/* Scans a quoted cell opening at `open` (r->text.data[open] == '"'). On
 * success stores the offset just past the closing quote in *close_end and
 * returns FC_OK; *found is false when the buffer ends first. */
static fc_status scan_quoted(text_reader *r, size_t open, bool final, bool *found,
                             size_t *close_end, fc_error *err)
{
    const unsigned char *p = (const unsigned char *)r->text.data;
    size_t end = r->text.len;
    size_t max_bytes = r->limits.cell_chars * 4 + 2;
    *found = false;
    size_t j = open + 1;
    while (j < end) {
        unsigned char c = p[j];
        if (c == '"') {
            if (j + 1 < end && p[j + 1] == '"') {
                j += 2;
                continue;
            }
            if (j + 1 >= end && !final)
                return FC_OK; /* cannot tell "" from a closing quote yet */
            *found = true;
            *close_end = j + 1;
            return FC_OK;
        }
        size_t bad = forbidden_at(p + j, end - j);
        if (bad) {
            char what[64];
            describe_char(p + j, end - j, what, sizeof what);
            return text_reject(r, err, FC_ERR_INPUT, j, "%s", what);
        }
        j++;
        if (j - open > max_bytes) {
            return text_reject(r, err, FC_ERR_LIMIT, open,
                               "quoted cell longer than the limit of %zu characters "
                               "(a quote that is never closed?)", r->limits.cell_chars);
        }
    }
    if (final)
        return text_reject(r, err, FC_ERR_INPUT, open, "%s",
                           "unterminated quote: the cell's closing \" is missing");
    return FC_OK;
}

/* Removes the quotes of the cell [open, close_end) in place, undoubling
 * inner quotes. Returns the unquoted length (starting at open + 1). */
static size_t unquote(char *p, size_t open, size_t close_end)
{
    size_t w = open + 1, j = w;
    size_t last = close_end - 1; /* the closing quote */
    while (j < last) {
        if (p[j] == '"' && p[j + 1] == '"')
            j++;
        p[w++] = p[j++];
    }
    return w - (open + 1);
}

/* Splits the row starting at `start` of r->text and pushes it. Stores the
 * offset after its line end in *next. */
static fc_status split_row(text_reader *r, size_t start, bool final, split_result *result,
                           size_t *next, fc_error *err)
{
    char *text = r->text.data;
    const unsigned char *p = (const unsigned char *)text;
    size_t end = r->text.len;
    size_t count = 0;
    size_t i = start;
    unsigned long line = r->line;
    *result = SPLIT_MORE;
    for (;;) {
        size_t cell_start = i;
        unsigned long cell_line = line;
        const char *cell_text;
        size_t cell_len;
        bool quoted = false;
        if (i < end && p[i] == '"') {
            bool found;
            size_t close_end = 0;
            fc_status st = scan_quoted(r, i, final, &found, &close_end, err);
            if (st)
                return st;
            if (!found)
                return FC_OK; /* need more input */
            unsigned char after = close_end < end ? p[close_end] : 0;
            if (close_end >= end && !final)
                return FC_OK;
            if (close_end >= end || after == (unsigned char)r->delim || after == '\n' ||
                after == '\r') {
                /* A proper quoted cell: count the line breaks inside it. */
                for (size_t k = i; k < close_end; k++)
                    if (p[k] == '\n' || (p[k] == '\r' && p[k + 1] != '\n'))
                        line++;
                cell_len = unquote(text, i, close_end);
                cell_text = text + i + 1;
                i = close_end;
                quoted = true;
            }
        }
        if (!quoted) {
            /* Unquoted: up to the next tab or line end; a quote is literal. */
            size_t j = i;
            const unsigned char *special = r->special;
            const unsigned char delim = (unsigned char)r->delim;
            while (j < end) {
                unsigned char c = p[j];
                if (!special[c]) {
                    j++;
                    continue;
                }
                if (c == delim || c == '\n' || c == '\r')
                    break;
                size_t bad = forbidden_at(p + j, end - j);
                if (bad) {
                    char what[64];
                    describe_char(p + j, end - j, what, sizeof what);
                    return text_reject(r, err, FC_ERR_INPUT, j, "%s", what);
                }
                j++;
            }
            if (j - start > r->limits.line_bytes) {
                return text_reject(r, err, FC_ERR_LIMIT, start,
                                   "line longer than the limit of %zu bytes", r->limits.line_bytes);
            }
            if (j >= end && !final)
                return FC_OK;
            cell_text = text + i;
            cell_len = j - i;
            i = j;
        }
        fc_status st = push_cell(r, count, cell_text, cell_len, cell_line, cell_start, err);
        if (st)
            return st;
        count++;
        if (i >= end) {
            /* Last line of the input, without a line end. */
            *next = end;
            break;
        }
        if (p[i] == (unsigned char)r->delim) {
            i++;
            continue;
        }
        if (p[i] == '\r') {
            if (i + 1 >= end && !final)
                return FC_OK; /* may be the first half of CRLF */
            *next = (i + 1 < end && p[i + 1] == '\n') ? i + 2 : i + 1;
        } else { /* '\n' */
            *next = i + 1;
        }
        line++;
        break;
    }
    fc_row row;
    memset(&row, 0, sizeof row);
    row.index = r->line - 1;
    row.cells = r->cells;
    row.cell_count = count;
    /* A line holding nothing is a row without cells. */
    if (count == 1 && r->cells[0].len == 0)
        row.cell_count = 0;
    for (size_t k = 0; k < row.cell_count && !r->first_line; k++)
        if (!fc_utf8_is_blank(r->cells[k].text, r->cells[k].len))
            r->first_line = r->line;
    fc_status st = fc_recognizer_push(r->rec, &row, err);
    if (st)
        return st;
    r->line = line;
    r->line_offset = *next;
    *result = SPLIT_ROW;
    return FC_OK;
}

/* The delimiters detection chooses among when the head has no tab. */
static const char other_delims[3] = {',', '|', ';'};

/* Counts, over the lines of the decoded head (at most `len` bytes of
 * `text`), the non-blank lines and the lines holding each of ',' '|' ';'
 * outside quotes, and whether a tab stands anywhere. */
static void scan_head(text_reader *r, const char *text, size_t len)
{
    bool in_quotes = false, blank = true;
    bool hit[3] = {false, false, false};
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        if (c == '"') {
            in_quotes = !in_quotes;
            blank = false;
            continue;
        }
        if (in_quotes)
            continue;
        if (c == '\n' || c == '\r') {
            if (!blank) {
                r->head_lines++;
                for (int k = 0; k < 3; k++)
                    r->head_hits[k] += hit[k];
            }
            blank = true;
            hit[0] = hit[1] = hit[2] = false;
            continue;
        }
        if (c == '\t')
            r->head_tabs = true;
        for (int k = 0; k < 3; k++)
            hit[k] |= c == other_delims[k];
        if (c != ' ' && c != '\t')
            blank = false;
    }
}

/* Chooses the delimiter from the decoded head: the forced one, else a tab
 * when the head holds one (the dialect's own delimiter when it is not the
 * tab and stands on enough lines), else the one of ',' '|' ';' found on
 * most lines when it stands on at least half of them, else the dialect's. */
static void choose_delimiter(text_reader *r, const char *text, size_t len)
{
    size_t head = len < FC_TEXT_DETECT_BYTES ? len : FC_TEXT_DETECT_BYTES;
    scan_head(r, text, head);
    if (!r->delim_forced) {
        char chosen = r->dialect->delimiter;
        size_t lines = r->head_lines ? r->head_lines : 1;
        int best = -1;
        for (int k = 0; k < 3; k++)
            if (r->head_hits[k] * 2 >= lines && r->head_hits[k] > 0 &&
                (best < 0 || r->head_hits[k] > r->head_hits[best]))
                best = k;
        bool own_ok = false;
        for (int k = 0; k < 3; k++)
            if (other_delims[k] == r->dialect->delimiter)
                own_ok = r->head_hits[k] * 4 >= lines && r->head_hits[k] > 0;
        if (r->dialect->delimiter == '\t' && r->head_tabs)
            chosen = '\t';
        else if (own_ok)
            chosen = r->dialect->delimiter;
        else if (r->head_tabs)
            chosen = '\t';
        else if (best >= 0)
            chosen = other_delims[best];
        r->delim = chosen;
    }
    memcpy(r->special, special_byte, sizeof r->special);
    r->special[(unsigned char)r->delim] = 1;
}

/* Adds to a recognition failure what the head of the file says about its
 * delimiter: no tab on any line, but lines split by another character. */
static void delimiter_hint(const text_reader *r, fc_error *err)
{
    if (!err || err->code != FC_ERR_INPUT || r->delim_forced || r->head_tabs ||
        r->delim != '\t')
        return;
    for (int k = 0; k < 3; k++) {
        if (r->head_hits[k] == 0)
            continue;
        size_t used = strlen(err->message);
        snprintf(err->message + used, sizeof err->message - used,
                 " (no line of the file holds a tab, but %zu of its first %zu lines hold '%c':"
                 " if its cells are separated by '%c', use --delimiter '%c')",
                 r->head_hits[k], r->head_lines, other_delims[k], other_delims[k],
                 other_delims[k]);
        return;
    }
}

/* Splits and pushes every complete row in r->text, then keeps the rest. */
static fc_status split_rows(text_reader *r, bool final, fc_error *err)
{
    if (!r->delim_ready) {
        choose_delimiter(r, r->text.data, r->text.len);
        r->delim_ready = true;
    }
    size_t pos = 0;
    while (pos < r->text.len) {
        split_result result;
        size_t next = pos;
        fc_status st = split_row(r, pos, final, &result, &next, err);
        if (st)
            return st;
        if (result == SPLIT_MORE)
            break;
        pos = next;
    }
    if (pos > 0) {
        memmove(r->text.data, r->text.data + pos, r->text.len - pos);
        r->text.len -= pos;
    }
    r->line_offset = 0;
    if (!final && r->text.len > r->limits.line_bytes + (size_t)r->limits.cell_chars * 4 + 16)
        return text_reject(r, err, FC_ERR_LIMIT, 0, "%s", "line longer than the limit");
    return FC_OK;
}

/* Sets `err` for a NUL byte at `offset` of the first bytes `head`. */
static fc_status reject_binary(const char *name, const unsigned char *head, size_t offset,
                               fc_error *err)
{
    unsigned long line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; i++)
        if (head[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    return fc_error_at_line(err, FC_ERR_INPUT, name, line, offset - line_start + 1,
                            "binary data (NUL byte at offset %zu): not a text dump", offset);
}

/* The reader: bytes to rows to forms. */
fc_status fc_text_read(fc_input *in, const fc_options *opts, const fc_text_dialect *dialect,
                       fc_sink *sink, fc_error *err)
{
    text_reader r;
    memset(&r, 0, sizeof r);
    r.name = fc_input_name(in);
    r.limits = opts->limits;
    fc_limits_apply_defaults(&r.limits);
    r.line = 1;
    r.dialect = dialect;
    const char *delim = fc_options_get(opts, "delimiter");
    if (delim) {
        if (!fc_text_parse_delimiter(delim, &r.delim))
            return fc_error_set(err, FC_ERR_USAGE, NULL, "unknown delimiter '%s'", delim);
        r.delim_forced = true;
    }

    size_t head_len = 0;
    const unsigned char *head = fc_input_peek(in, &head_len, err);
    if (!head)
        return err ? err->code : FC_ERR_READ;
    fc_encoding forced = FC_ENC_AUTO;
    const char *enc_name = fc_options_get(opts, "encoding");
    if (enc_name && (!fc_encoding_parse(enc_name, &forced) || forced == FC_ENC_UTF8_BOM))
        return fc_error_set(err, FC_ERR_USAGE, NULL, "unknown input encoding '%s'", enc_name);
    fc_detected det;
    size_t bad = 0;
    if (fc_detect_encoding(head, head_len, head_len < FC_PEEK_SIZE, forced, &det,
                           &bad))
        return reject_binary(r.name, head, bad, err);

    fc_decoder *dec = NULL;
    unsigned char *raw = malloc(TEXT_CHUNK);
    fc_status st = raw ? fc_decoder_new(det.encoding, det.guessed, &dec, err)
                       : fc_error_set(err, FC_ERR_NOMEM, r.name, "out of memory");
    if (!st)
        st = fc_recognizer_new(opts, sink, text_locate, &r, &r.rec, err);

    size_t skip = det.bom_len;
    size_t carry = 0;
    uint64_t decoded_offset = 0; /* input bytes decoded so far (after the BOM) */
    bool eof = false;
    while (!st && !eof) {
        size_t got = 0;
        st = fc_input_read(in, raw + carry, TEXT_CHUNK - carry, &got, err);
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
        fc_error decode_err;
        fc_error_clear(&decode_err);
        fc_status dst = fc_decoder_run(dec, raw, avail, eof, &r.text, &consumed, &decode_err);
        if (dst == FC_ERR_ENCODING) {
            /* Split what decoded cleanly, then point at the bad byte. */
            st = split_rows(&r, false, err);
            if (!st) {
                unsigned long line, col;
                text_position(&r, r.text.len, &line, &col);
                st = fc_error_at_line(err, FC_ERR_ENCODING, r.name, line, col,
                                      "%s (%s input, byte offset %llu)", decode_err.message,
                                      fc_encoding_name(fc_decoder_encoding(dec)),
                                      (unsigned long long)(decoded_offset + consumed +
                                                           det.bom_len));
            }
            break;
        }
        if (dst) {
            if (err)
                *err = decode_err;
            if (err && !err->location[0])
                snprintf(err->location, sizeof err->location, "%s", r.name);
            st = dst;
            break;
        }
        decoded_offset += consumed;
        carry = avail - consumed;
        memmove(raw, raw + consumed, carry);
        st = split_rows(&r, eof, err);
    }
    if (!st && fc_input_offset(in) == 0) {
        st = fc_error_at_line(err, FC_ERR_INPUT, r.name, 1, 1, "empty input: no form found");
    } else if (!st) {
        /* "No form found" points at the first line that holds text,
         * where a title or the first field was expected. */
        char where[FC_ERROR_LOCATION_MAX];
        snprintf(where, sizeof where, "%s:%lu:1", r.name, r.first_line ? r.first_line : 1);
        st = fc_recognizer_finish(r.rec, where, err);
    }
    if (st == FC_ERR_INPUT)
        delimiter_hint(&r, err);
    fc_recognizer_free(r.rec);
    fc_decoder_free(dec);
    free(raw);
    free(r.cells);
    free(r.starts);
    fc_buf_free(&r.text);
    return st;
}

/* The writer: a sink that lays forms out and prints the rows. */
typedef struct text_writer {
    fc_sink base;          /* sink interface (must be first) */
    fc_output *out;        /* destination (not owned) */
    fc_encoder *enc;       /* output encoding */
    fc_layout layout;      /* forms to rows */
    fc_buf line;           /* the UTF-8 line being built */
    fc_buf encoded;        /* encoded bytes waiting for the output */
    char delim;            /* the cell delimiter */
    const char *eol;       /* the line end: "\n" or "\r\n" */
    size_t eol_len;        /* its length */
} text_writer;

/* Hands the encoded bytes to the output. */
static fc_status text_flush(text_writer *w, fc_error *err)
{
    fc_status st = fc_output_write(w->out, w->encoded.data, w->encoded.len, err);
    w->encoded.len = 0;
    return st;
}

/* Appends a cell to the line, quoted when it holds the delimiter, a
 * quote or a line break. */
static bool append_cell(fc_buf *line, const char *text, size_t len, char delim)
{
    bool quote = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote)
        return fc_buf_append(line, text, len);
    if (!fc_buf_reserve(line, len * 2 + 2))
        return false;
    char *dst = line->data + line->len;
    *dst++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            *dst++ = '"';
        *dst++ = text[i];
    }
    *dst++ = '"';
    line->len = (size_t)(dst - line->data);
    return true;
}

/* Row receiver: one line per row. */
static fc_status text_write_row(void *ctx, const fc_row *row, fc_error *err)
{
    text_writer *w = ctx;
    fc_buf *line = fc_encoder_is_identity(w->enc) ? &w->encoded : &w->line;
    line->len = line == &w->line ? 0 : line->len;
    uint32_t col = 0;
    bool ok = true;
    for (size_t i = 0; i < row->cell_count && ok; i++) {
        const fc_cell *cell = &row->cells[i];
        while (col < cell->col && ok) {
            ok = fc_buf_append(line, &w->delim, 1);
            col++;
        }
        ok = ok && append_cell(line, cell->text, cell->len, w->delim);
    }
    ok = ok && fc_buf_append(line, w->eol, w->eol_len);
    if (!ok)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(w->out), "out of memory");
    if (line == &w->line) {
        fc_status st = fc_encoder_run(w->enc, w->line.data, w->line.len, &w->encoded, err);
        if (st)
            return st;
    }
    if (w->encoded.len >= TEXT_FLUSH)
        return text_flush(w, err);
    return FC_OK;
}

static fc_status text_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    text_writer *w = (text_writer *)self;
    size_t bom_len;
    const char *bom = fc_encoder_bom(w->enc, &bom_len);
    if (bom_len && !fc_buf_append(&w->encoded, bom, bom_len))
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(w->out), "out of memory");
    return fc_layout_begin(&w->layout, doc, err);
}

static fc_status text_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    text_writer *w = (text_writer *)self;
    return fc_layout_form(&w->layout, form, err);
}

static fc_status text_end(fc_sink *self, fc_error *err)
{
    return text_flush((text_writer *)self, err);
}

static void text_destroy(fc_sink *self)
{
    text_writer *w = (text_writer *)self;
    if (!w)
        return;
    fc_layout_free(&w->layout);
    fc_encoder_free(w->enc);
    fc_buf_free(&w->line);
    fc_buf_free(&w->encoded);
    free(w);
}

const char *const fc_text_eols[] = {"lf", "crlf", NULL};

fc_status fc_text_open_writer(fc_output *out, const fc_options *opts,
                              const fc_text_dialect *dialect, fc_sink **sink, fc_error *err)
{
    *sink = NULL;
    text_writer *w = calloc(1, sizeof *w);
    if (!w)
        return fc_error_set(err, FC_ERR_NOMEM, fc_output_name(out), "out of memory");
    w->base.begin = text_begin;
    w->base.form = text_form;
    w->base.end = text_end;
    w->base.destroy = text_destroy;
    w->out = out;
    w->delim = dialect->delimiter;
    fc_layout_init(&w->layout, opts->tpl, text_write_row, w);
    fc_encoding enc = FC_ENC_UTF8;
    const char *enc_name = fc_options_get(opts, "output-encoding");
    const char *delim = fc_options_get(opts, "output-delimiter");
    fc_status st = FC_OK;
    if (enc_name && (!fc_encoding_parse(enc_name, &enc) || enc == FC_ENC_AUTO))
        st = fc_error_set(err, FC_ERR_USAGE, NULL, "unknown output encoding '%s'", enc_name);
    if (!st && delim && !fc_text_parse_delimiter(delim, &w->delim))
        st = fc_error_set(err, FC_ERR_USAGE, NULL, "unknown delimiter '%s'", delim);
    int eol = st ? 0 : fc_options_choice(opts, "eol", fc_text_eols, dialect->crlf ? 1 : 0, err);
    if (eol < 0)
        st = FC_ERR_USAGE;
    w->eol = eol == 1 ? "\r\n" : "\n";
    w->eol_len = strlen(w->eol);
    if (!st)
        st = fc_encoder_new(enc, &w->enc, err);
    if (st) {
        text_destroy(&w->base);
        return st;
    }
    *sink = &w->base;
    return FC_OK;
}

bool fc_text_parse_delimiter(const char *value, char *delim)
{
    static const struct {
        const char *name;   /* how it may be written */
        char delim;         /* what it means */
    } names[] = {{"tab", '\t'}, {"\\t", '\t'}, {"\t", '\t'}, {"comma", ','}, {",", ','},
                 {"pipe", '|'}, {"|", '|'}, {"semicolon", ';'}, {";", ';'}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(value, names[i].name) == 0) {
            *delim = names[i].delim;
            return true;
        }
    return false;
}

bool fc_text_accepts_delimiter(const char *value)
{
    char delim;
    return fc_text_parse_delimiter(value, &delim);
}

const char *const fc_text_delimiters[] = {"tab", "comma", "pipe", "semicolon", NULL};

/* The legacy text dump's conventions: tabs, LF. */
static const fc_text_dialect text_dialect = {'\t', false};

static fc_status text_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    return fc_text_read(in, opts, &text_dialect, sink, err);
}

static fc_status text_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                  fc_error *err)
{
    return fc_text_open_writer(out, opts, &text_dialect, sink, err);
}

/* Text is the fallback: anything without NUL bytes (or with a UTF-16 BOM). */
static int text_sniff(const unsigned char *head, size_t len)
{
    if (len >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        return 60;
    size_t start = (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
    size_t i = start;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i < len && head[i] == '<')
        return 5; /* looks like markup; let an XML reader bid higher */
    if (memchr(head, 0, len))
        return 0;
    return 20;
}

static const char *const text_extensions[] = {"txt", "tsv", "tab", "text", NULL};

/* The options of the text format (csv.c declares the same ones). */
const fc_option_def fc_text_options[] = {
    {"encoding", 'e', "ENC", fc_input_encodings, fc_encoding_accepts_input, FC_OPT_READ,
     "input encoding: auto (default), utf-8, gb18030 (gbk), utf-16le, utf-16be"},
    {"delimiter", 'd', "CHAR", fc_text_delimiters, fc_text_accepts_delimiter, FC_OPT_READ,
     "input cell delimiter: tab, comma (,), pipe (|) or semicolon (;); default: detected "
     "from the first lines"},
    {"output-delimiter", 'D', "CHAR", fc_text_delimiters, fc_text_accepts_delimiter,
     FC_OPT_WRITE, "output cell delimiter: tab (text's default), comma (CSV's), pipe or "
     "semicolon"},
    {"output-encoding", 'E', "ENC", fc_output_encodings, fc_encoding_accepts_output,
     FC_OPT_WRITE, "output encoding: utf-8 (default), utf-8-bom, gb18030, utf-16le, utf-16be"},
    {"eol", 0, "EOL", fc_text_eols, NULL, FC_OPT_WRITE,
     "line ends: lf (text's default) or crlf (CSV's default; what Notepad and Excel on "
     "Windows expect)"},
    {NULL, 0, NULL, NULL, NULL, 0, NULL},
};

/* The text dump format. */
const fc_converter fc_text_converter = {
    .name = "text",
    .description = "legacy text dump: tab-separated rows (UTF-8, GB18030 or UTF-16); "
                   "'|'- or ';'-separated too",
    .extensions = text_extensions,
    .media_type = "text/plain",
    .binary = false,
    .options = fc_text_options,
    .sniff = text_sniff,
    .read = text_read,
    .open_writer = text_open_writer,
    .validate = NULL,
};
