/*
 * text.h - private header of the delimited text machinery (converters/
 * text.c), shared by the text dump (text.c) and CSV (csv.c) converters.
 * Nothing outside converters/text.c, csv.c and the tests includes it.
 */
#ifndef FC_TEXT_H
#define FC_TEXT_H

#include <stdbool.h>

#include "fc_converter.h"

/* Bytes of decoded text the delimiter is detected on. */
#define FC_TEXT_DETECT_BYTES (64 * 1024)

/* The conventions of one delimited format. */
typedef struct fc_text_dialect {
    char delimiter;   /* the cell delimiter: '\t' for text dumps, ',' for CSV */
    bool crlf;        /* write CRLF line ends by default (CSV, RFC 4180) */
} fc_text_dialect;

/* Reads delimited text from `in` into `sink` (begin and each form; the
 * caller ends the sink). The delimiter is the option "delimiter" when given,
 * else detected on the first FC_TEXT_DETECT_BYTES of decoded text: a tab
 * when any line holds one (for CSV: ',' when it stands on a quarter of the
 * lines), else whichever of ',' '|' ';' stands on most lines and on at least
 * half of them, else the dialect's. The option "encoding" forces the input
 * encoding. Returns FC_OK, FC_ERR_USAGE for a bad option, or the first
 * problem with its FILE:LINE:COL; a recognition failure of a file without
 * tabs says which other delimiter its lines hold. */
fc_status fc_text_read(fc_input *in, const fc_options *opts, const fc_text_dialect *dialect,
                       fc_sink *sink, fc_error *err);

/* Creates a writer sink for delimited text on `out` (not owned, not
 * committed): the shared layout's rows, cells quoted as Excel does when
 * they hold the delimiter, a quote or a line break; options
 * "output-delimiter", "output-encoding" and "eol" (lf, crlf; default the dialect's). Returns
 * FC_OK and *sink, FC_ERR_USAGE for a bad option, or FC_ERR_NOMEM. */
fc_status fc_text_open_writer(fc_output *out, const fc_options *opts,
                              const fc_text_dialect *dialect, fc_sink **sink, fc_error *err);

/* Parses a delimiter as the option gives it: tab, comma, pipe, semicolon,
 * or the character itself (\t for a tab). Returns true and sets *delim. */
bool fc_text_parse_delimiter(const char *value, char *delim);

/* fc_text_parse_delimiter as an option check. */
bool fc_text_accepts_delimiter(const char *value);

/* The delimiter names for help and completion, and the eol values. */
extern const char *const fc_text_delimiters[];
extern const char *const fc_text_eols[];

/* The options the text and CSV converters take (NULL-name terminated). */
extern const fc_option_def fc_text_options[];

#endif
