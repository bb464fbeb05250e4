/*
 * fc_diag.h - diagnostics (errors and warnings) as single lines, for
 * people (text) and for programs (JSON Lines).
 *
 * Text:  "LOCATION: message" for an error, "warning: LOCATION: message" for
 *        a warning ("message" alone when there is no location).
 * JSON:  one object per line, e.g.
 *        {"file":"x.txt","line":3,"column":1,"severity":"error",
 *         "code":"input","message":"..."}
 *        with "sheet" and "cell" for a spreadsheet cell, "part" for a part
 *        of a package, and no location members when there is no location.
 *        Strings are escaped as JSON requires (control characters as \uXXXX),
 *        so a value holding a line break never splits a record.
 * The location is taken apart from fc_error.location: "FILE:LINE:COL",
 * "FILE:LINE", "FILE!SHEET!A12", "FILE!PART" or "FILE".
 */
#ifndef FC_DIAG_H
#define FC_DIAG_H

#include <stddef.h>

#include "fc_error.h"

/* How diagnostics are written. */
typedef enum fc_diag_style {
    FC_DIAG_TEXT = 0,   /* one line for people */
    FC_DIAG_JSON        /* one JSON object per line for programs */
} fc_diag_style;

/* The parts of a location, pointing into a caller's buffer. */
typedef struct fc_diag_where {
    const char *file;       /* the input's name ("" when the location is empty) */
    size_t file_len;        /* its length in bytes */
    unsigned long line;     /* 1-based line, 0 when not a text location */
    unsigned long column;   /* 1-based column, 0 when unknown */
    const char *sheet;      /* sheet name, NULL when not a cell */
    size_t sheet_len;       /* its length */
    const char *cell;       /* cell reference "A12", NULL when not a cell */
    size_t cell_len;        /* its length */
    const char *part;       /* package part "xl/worksheets/sheet1.xml", NULL when none */
    size_t part_len;        /* its length */
} fc_diag_where;

/* Takes `location` (NUL-terminated, as in fc_error) apart into *where,
 * whose pointers point into `location`. */
void fc_diag_parse_location(const char *location, fc_diag_where *where);

/* Formats `diag` as one line in `style` into `buf` of `size` bytes, without
 * a line break, always NUL-terminated (cut on a UTF-8 boundary when it does
 * not fit; a JSON record that does not fit has its message shortened so
 * that it stays valid JSON). Returns `buf`. */
char *fc_diag_format(const fc_error *diag, fc_diag_style style, char *buf, size_t size);

/* Bytes a buffer needs for any diagnostic in any style. */
#define FC_DIAG_LINE_MAX (8 * (FC_ERROR_LOCATION_MAX + FC_ERROR_MESSAGE_MAX) + 256)

#endif
