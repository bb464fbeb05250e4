/*
 * html.c - the HTML format: the descriptor, recognising a web page, and
 * the format's options. The reader is html_reader.c, the writer
 * html_writer.c (see html.h).
 */
#include <string.h>

#include "fc_converter.h"
#include "html.h"

/* Bytes looked at when recognising a page. */
#define SNIFF_BYTES 2048

/* Rates how likely the first bytes are a web page: a doctype or an <html>
 * element (Excel's, LibreOffice's, a content system's) or a page that
 * starts with a table. UTF-16 is looked at through its ASCII bytes. */
static int html_sniff(const unsigned char *head, size_t len)
{
    char text[SNIFF_BYTES + 1];
    size_t n = 0;
    for (size_t i = 0; i < len && n < SNIFF_BYTES; i++) {
        unsigned char c = head[i];
        if (c == 0)
            continue; /* UTF-16's high bytes */
        text[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    text[n] = '\0';
    size_t i = 0;
    /* A byte order mark (UTF-8, or UTF-16's FF FE / FE FF), then white space. */
    while (i < n && ((unsigned char)text[i] >= 0x80 || text[i] == ' ' || text[i] == '\t' ||
                     text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i >= n || text[i] != '<')
        return 0;
    const char *start = text + i;
    if (strncmp(start, "<!doctype html", 14) == 0)
        return 90;
    if (strstr(start, "<html") || strstr(start, "<table") || strstr(start, "<body"))
        return 70;
    return 0;
}

static fc_status html_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    return fc_htmlfmt_read(in, opts, sink, err);
}

static fc_status html_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                                  fc_error *err)
{
    return fc_htmlfmt_open_writer(out, opts, sink, err);
}

static const char *const html_extensions[] = {"html", "htm", NULL};

/* The options of the HTML format. */
static const fc_option_def html_options[] = {
    {"fragment", 0, NULL, NULL, NULL, FC_OPT_WRITE,
     "write only the forms' tables, without the page around them (to paste into a "
     "content system's editor)"},
    {NULL, 0, NULL, NULL, NULL, 0, NULL},
};

/* The web page format. */
const fc_converter fc_html_converter = {
    .name = "html",
    .description = "web page: the official tables with rowspan/colspan (reads Excel, WPS, "
                   "LibreOffice, Gnumeric and content-system pages)",
    .extensions = html_extensions,
    .media_type = "text/html",
    .binary = false,
    .options = html_options,
    .sniff = html_sniff,
    .read = html_read,
    .open_writer = html_open_writer,
    .validate = NULL,
};
