/*
 * fc_diag.c - diagnostics as single lines of text or JSON (see fc_diag.h).
 */
#include "fc_diag.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* True when s[0, len) is all decimal digits (and not empty). */
static bool all_digits(const char *s, size_t len)
{
    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Parses len decimal digits at s. */
static unsigned long parse_digits(const char *s, size_t len)
{
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    return v;
}

/* True when s[0, len) is a cell reference: 1-3 capital letters, then digits. */
static bool is_cell_ref(const char *s, size_t len)
{
    size_t letters = 0;
    while (letters < len && s[letters] >= 'A' && s[letters] <= 'Z')
        letters++;
    return letters >= 1 && letters <= 3 && all_digits(s + letters, len - letters);
}

void fc_diag_parse_location(const char *location, fc_diag_where *where)
{
    memset(where, 0, sizeof *where);
    size_t len = strlen(location);
    where->file = location;
    where->file_len = len;
    const char *first_bang = memchr(location, '!', len);
    if (first_bang) {
        const char *last_bang = strrchr(location, '!');
        const char *tail = last_bang + 1;
        size_t tail_len = (size_t)(location + len - tail);
        where->file_len = (size_t)(first_bang - location);
        if (last_bang != first_bang && is_cell_ref(tail, tail_len)) {
            where->sheet = first_bang + 1;
            where->sheet_len = (size_t)(last_bang - where->sheet);
            where->cell = tail;
            where->cell_len = tail_len;
        } else {
            where->part = first_bang + 1;
            where->part_len = len - where->file_len - 1;
        }
        return;
    }
    /* FILE:LINE:COL or FILE:LINE, read from the right. */
    const char *c2 = strrchr(location, ':');
    if (!c2 || !all_digits(c2 + 1, strlen(c2 + 1)))
        return;
    const char *c1 = NULL;
    for (const char *p = c2; p > location;) {
        p--;
        if (*p == ':') {
            c1 = p;
            break;
        }
    }
    if (c1 && all_digits(c1 + 1, (size_t)(c2 - c1 - 1))) {
        where->file_len = (size_t)(c1 - location);
        where->line = parse_digits(c1 + 1, (size_t)(c2 - c1 - 1));
        where->column = parse_digits(c2 + 1, strlen(c2 + 1));
    } else {
        where->file_len = (size_t)(c2 - location);
        where->line = parse_digits(c2 + 1, strlen(c2 + 1));
    }
}

/* A bounded writer into a caller's buffer. */
typedef struct line_buf {
    char *buf;       /* the buffer */
    size_t size;     /* its size */
    size_t len;      /* bytes written (may pass size: then it is full) */
} line_buf;

/* Appends `n` bytes when they fit entirely; returns whether they did. */
static bool put(line_buf *b, const char *s, size_t n)
{
    if (b->len + n >= b->size) {
        b->len = b->size; /* full: nothing more goes in */
        return false;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return true;
}

/* Appends a JSON string literal of s[0, n): quotes, and escapes for the
 * quote, the backslash, control characters and U+2028/2029. */
static bool put_json_string(line_buf *b, const char *s, size_t n)
{
    bool ok = put(b, "\"", 1);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            ok = put(b, esc, 2);
        } else if (c == '\n') {
            ok = put(b, "\\n", 2);
        } else if (c == '\t') {
            ok = put(b, "\\t", 2);
        } else if (c == '\r') {
            ok = put(b, "\\r", 2);
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            ok = put(b, esc, 6);
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            ok = put(b, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            i += 2;
        } else {
            ok = put(b, (const char *)&s[i], 1);
        }
    }
    return ok && put(b, "\"", 1);
}

/* Appends ",\"key\":" then a JSON string. */
static bool put_member(line_buf *b, const char *key, const char *s, size_t n)
{
    return put(b, ",\"", 2) && put(b, key, strlen(key)) && put(b, "\":", 2) &&
           put_json_string(b, s, n);
}

/* Appends ",\"key\":NUMBER". */
static bool put_number(line_buf *b, const char *key, unsigned long v)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%lu", v);
    return put(b, ",\"", 2) && put(b, key, strlen(key)) && put(b, "\":", 2) &&
           put(b, num, (size_t)n);
}

/* Writes the JSON record; false when it did not fit. */
static bool format_json(const fc_error *diag, const char *message, size_t message_len,
                        line_buf *b)
{
    fc_diag_where w;
    fc_diag_parse_location(diag->location, &w);
    b->len = 0;
    bool ok = put(b, "{\"file\":", 8);
    if (ok && diag->location[0])
        ok = put_json_string(b, w.file, w.file_len);
    else if (ok)
        ok = put(b, "null", 4);
    if (ok && w.line)
        ok = put_number(b, "line", w.line);
    if (ok && w.column)
        ok = put_number(b, "column", w.column);
    if (ok && w.cell)
        ok = put_member(b, "sheet", w.sheet, w.sheet_len) &&
             put_member(b, "cell", w.cell, w.cell_len);
    if (ok && w.part)
        ok = put_member(b, "part", w.part, w.part_len);
    const char *severity = diag->severity == FC_SEVERITY_WARNING ? "warning" : "error";
    const char *code = fc_status_name(diag->code);
    ok = ok && put_member(b, "severity", severity, strlen(severity)) &&
         put_member(b, "code", code, strlen(code)) &&
         put_member(b, "message", message, message_len) && put(b, "}", 1);
    return ok;
}

/* Length of the longest prefix of s[0, n) that is at most `max` bytes and
 * ends on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

char *fc_diag_format(const fc_error *diag, fc_diag_style style, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (style == FC_DIAG_TEXT) {
        size_t off = 0;
        if (diag->severity == FC_SEVERITY_WARNING && size > 9) {
            memcpy(buf, "warning: ", 9);
            off = 9;
        }
        fc_error_format(diag, buf + off, size - off);
        return buf;
    }
    const char *message = diag->message[0] ? diag->message : fc_strerror(diag->code);
    size_t message_len = strlen(message);
    line_buf b = {buf, size, 0};
    /* Shorten the message until the record fits. */
    while (!format_json(diag, message, message_len, &b)) {
        if (message_len == 0) {
            buf[0] = '\0';
            return buf;
        }
        message_len = utf8_cut(message, message_len, message_len / 2);
    }
    buf[b.len] = '\0';
    return buf;
}
