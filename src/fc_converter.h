/*
 * fc_converter.h - the interface every format module implements.
 *
 * A converter (converters/NAME.c) exports one const fc_converter descriptor:
 * a name, a description, its file extensions, a content sniffer, a reader
 * and a writer (either may be absent). src/fc_registry.c lists every
 * descriptor in one NULL-terminated table; nothing else names a converter.
 *
 * Forms stream: a reader pushes the document's start, then each form, then
 * the end into an fc_sink; a writer is an fc_sink. The reader owns the form
 * it passes and may reuse it when the call returns, so memory does not grow
 * with the number of forms.
 */
#ifndef FC_CONVERTER_H
#define FC_CONVERTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_error.h"
#include "fc_io.h"
#include "fc_model.h"
#include "fc_template.h"

/* Character encodings of text dumps. */
typedef enum fc_encoding {
    FC_ENC_AUTO = 0,    /* reading: detect (BOM, then UTF-8, else GB18030); writing: UTF-8 */
    FC_ENC_UTF8,        /* UTF-8 without BOM (a BOM is still skipped when reading) */
    FC_ENC_UTF8_BOM,    /* UTF-8 with a BOM (for Excel on Chinese Windows) */
    FC_ENC_GB18030,     /* GB18030, a superset of GBK and GB2312 */
    FC_ENC_UTF16LE,     /* UTF-16 little endian, with a BOM when writing */
    FC_ENC_UTF16BE      /* UTF-16 big endian, with a BOM when writing */
} fc_encoding;

/* How the XLSX writer arranges forms. */
typedef enum fc_sheet_layout {
    FC_LAYOUT_STACKED = 0, /* all forms on one sheet, a page each */
    FC_LAYOUT_SHEETS       /* one worksheet per form */
} fc_sheet_layout;

/* Sizes a reader accepts from its input; zero fields take the defaults. */
typedef struct fc_limits {
    size_t cell_chars;      /* longest cell, in characters (default 32767, Excel's limit) */
    size_t row_cells;       /* most cells in a row (default 1024) */
    size_t form_rows;       /* most rows in one form (default 100000) */
    size_t line_bytes;      /* longest physical line of a text dump (default 16 MiB) */
    size_t form_bytes;      /* most text one form may hold (default 64 MiB) */
    size_t part_bytes;      /* largest uncompressed part of a package (default 1 GiB) */
    size_t ratio;           /* highest compression ratio of a package part (default 200) */
    size_t entries;         /* most entries in a package (default 10000) */
    size_t xml_depth;       /* deepest XML nesting (default 64) */
} fc_limits;

/* Options shared by readers and writers. */
typedef struct fc_options {
    const fc_template *tpl;    /* the form template (required) */
    fc_encoding in_encoding;   /* text input: forced encoding or FC_ENC_AUTO */
    fc_encoding out_encoding;  /* text output encoding (FC_ENC_AUTO: UTF-8) */
    fc_sheet_layout layout;    /* XLSX output arrangement */
    bool no_validate;          /* XML input: skip schema validation */
    bool real_timestamps;      /* XLSX output: record the current time, not a fixed one */
    fc_limits limits;          /* input size limits */
    fc_report_fn warn;         /* receiver of warnings (NULL: dropped) */
    void *warn_ctx;            /* its context */
} fc_options;

/* Fills `limits` with the defaults for every zero field. */
void fc_limits_apply_defaults(fc_limits *limits);

/* A consumer of forms. Writers and collectors embed it as their first member. */
typedef struct fc_sink fc_sink;
struct fc_sink {
    /* Called once before the first form with the document's attachment
     * label (`doc->attachment`, may be NULL; doc->forms is empty). */
    fc_status (*begin)(fc_sink *self, const fc_doc *doc, fc_error *err);
    /* Called once per form, in order. `form` belongs to the caller. */
    fc_status (*form)(fc_sink *self, const fc_form *form, fc_error *err);
    /* Called once after the last form: finish and commit the output. */
    fc_status (*end)(fc_sink *self, fc_error *err);
    /* Frees the sink. When `end` was not called or failed, everything written
     * is discarded (no partial output remains). */
    void (*destroy)(fc_sink *self);
    /* Optional (NULL when absent): like `form`, but the sink keeps the form
     * instead of copying it. On entry *form is a filled form made by
     * fc_form_new; on success the sink owns it and *form is an empty form
     * for the caller to fill next. On failure *form is unchanged. */
    fc_status (*take)(fc_sink *self, fc_form **form, fc_error *err);
};

/* One format. */
typedef struct fc_converter {
    const char *name;              /* short name for -f/-t, e.g. "text" */
    const char *description;       /* one line for `formconv formats` */
    const char *const *extensions; /* NULL-terminated list without dots, e.g. {"txt","tsv",NULL} */
    /* Rates how likely the first `len` bytes `head` are this format: 0 (no)
     * to 100 (certain). NULL when the format cannot be recognised. */
    int (*sniff)(const unsigned char *head, size_t len);
    /* Reads the whole input into `sink` (begin, form..., but not end: the
     * caller ends the sink). NULL when the format cannot be read. */
    fc_status (*read)(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err);
    /* Creates a writer sink that writes to `out` (which the sink does not
     * own and does not commit). NULL when the format cannot be written. */
    fc_status (*open_writer)(fc_output *out, const fc_options *opts, fc_sink **sink,
                             fc_error *err);
    /* Checks the input against the format's own rules (an XML schema),
     * reporting every problem; NULL when reading is the only check. */
    fc_status (*validate)(fc_input *in, const fc_options *opts, fc_report_fn report,
                          void *report_ctx, fc_error *err);
} fc_converter;

/* A sink that keeps every form in an fc_doc, for tests and for writers that
 * need all forms at once. Create with fc_collector_new; after the reader has
 * run, fc_collector_take hands over the document. */
fc_sink *fc_collector_new(void);

/* Returns the collected document (the caller frees it with fc_doc_free) and
 * leaves the collector empty. NULL if nothing began or memory ran out. */
fc_doc *fc_collector_take(fc_sink *collector);

/* Runs a whole document (`doc` with its forms) into `sink`: begin, each
 * form, end. Returns the first failure. */
fc_status fc_sink_run_doc(fc_sink *sink, const fc_doc *doc, fc_error *err);

#endif
