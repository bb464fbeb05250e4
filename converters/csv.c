/*
 * csv.c - comma-separated values as RFC 4180 and Excel write them: the same
 * rows as the text dump (converters/text.c does the work), cells separated
 * by commas (or ';' as Excel writes it where the comma is the decimal
 * separator, detected, or --delimiter), quoted with "" when they hold the
 * delimiter, a quote or a line break; CRLF line ends when writing; the
 * encodings of text dumps, GB18030 with or without BOM included.
 */
#include <string.h>

#include "text.h"

/* CSV's conventions: commas, CRLF. */
static const fc_text_dialect csv_dialect = {',', true};

static fc_status csv_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    return fc_text_read(in, opts, &csv_dialect, sink, err);
}

static fc_status csv_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                 fc_error *err)
{
    return fc_text_open_writer(out, opts, &csv_dialect, sink, err);
}

/* CSV cannot be told from other text by its bytes with any certainty: it
 * bids only when the first line holds commas and no tab, just above the
 * text dump's bid, so that the .csv extension and -f csv remain the sure
 * ways. */
static int csv_sniff(const unsigned char *head, size_t len)
{
    size_t start = (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
    size_t commas = 0;
    for (size_t i = start; i < len && head[i] != '\n' && head[i] != '\r'; i++) {
        if (head[i] == '\t' || head[i] == 0)
            return 0;
        commas += head[i] == ',';
    }
    return commas >= 2 ? 21 : 0;
}

static const char *const csv_extensions[] = {"csv", NULL};

/* The CSV format. */
const fc_converter fc_csv_converter = {
    .name = "csv",
    .description = "comma-separated values (RFC 4180, Excel; UTF-8, GB18030 or UTF-16)",
    .extensions = csv_extensions,
    .media_type = "text/csv",
    .binary = false,
    .options = fc_text_options,
    .sniff = csv_sniff,
    .read = csv_read,
    .open_writer = csv_open_writer,
    .validate = NULL,
};
