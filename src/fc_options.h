/*
 * fc_options.h - what a caller tells readers and writers: the template,
 * the input limits, the warning receiver, and the format options.
 *
 * Format options (an encoding, a delimiter, an XLSX layout) belong to the
 * converters: each converter declares the ones it understands
 * (fc_converter.options) and reads them from fc_options.settings by name
 * when it opens. The library never interprets an option on a converter's
 * behalf; a caller that collects options from a user (the CLI) checks them
 * against the declarations.
 */
#ifndef FC_OPTIONS_H
#define FC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_error.h"
#include "fc_template.h"

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

/* Fills `limits` with the defaults for every zero field. */
void fc_limits_apply_defaults(fc_limits *limits);

/* One format option as given: its name (the converter's declared name,
 * e.g. "layout") and its value ("" for a flag). */
typedef struct fc_setting {
    const char *name;   /* option name without dashes */
    const char *value;  /* its value as given; "" for a flag */
} fc_setting;

/* Options shared by readers and writers. */
typedef struct fc_options {
    const fc_template *tpl;       /* the form template (required) */
    fc_limits limits;             /* input size limits */
    const fc_setting *settings;   /* format options in the order given (not owned) */
    size_t setting_count;         /* number of settings */
    bool checked;                 /* the input has just passed its converter's validate():
                                     a reader may skip repeating that check */
    fc_report_fn warn;            /* receiver of warnings (NULL: dropped) */
    void *warn_ctx;               /* its context */
} fc_options;

/* Returns the value of the format option `name` (the last one given wins),
 * or NULL when it was not given. The string belongs to the caller of the
 * library that set up `opts`. */
const char *fc_options_get(const fc_options *opts, const char *name);

/* True when the flag option `name` was given. */
bool fc_options_flag(const fc_options *opts, const char *name);

#endif
