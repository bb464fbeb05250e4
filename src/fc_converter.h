/*
 * fc_converter.h - the interface every format module implements.
 *
 * A converter (converters/NAME.c) exports one const fc_converter descriptor:
 * a name, a description, its file extensions, a content sniffer, a reader,
 * a writer (either may be absent), a validator, and the format options it
 * understands. src/fc_registry.c lists every descriptor in one
 * NULL-terminated table; nothing else names a converter.
 */
#ifndef FC_CONVERTER_H
#define FC_CONVERTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_error.h"
#include "fc_io.h"
#include "fc_model.h"
#include "fc_options.h"
#include "fc_sink.h"
#include "fc_template.h"

/* Whether a format option concerns reading, writing or both. */
typedef enum fc_option_use {
    FC_OPT_READ = 1,   /* applies when the converter reads */
    FC_OPT_WRITE = 2   /* applies when the converter writes */
} fc_option_use;

/* A format option a converter understands. Several converters may declare
 * the same option (text and CSV both take "encoding"); they then declare it
 * alike (same short name, value name and choices). */
typedef struct fc_option_def {
    const char *name;            /* long name without dashes, "layout"; NULL ends a list */
    char short_name;             /* one-letter form ('l'), or 0 for none */
    const char *value_name;      /* name of the value in help ("LAYOUT"); NULL for a flag */
    const char *const *choices;  /* the values, NULL-terminated, as help and completion
                                    show them; NULL for free text */
    bool (*accept)(const char *value); /* checks a value (aliases such as "gbk" for
                                    "gb18030" included); NULL: exactly one of `choices`
                                    (or anything when `choices` is NULL) */
    unsigned use;                /* FC_OPT_READ and/or FC_OPT_WRITE */
    const char *help;            /* one line of help, English */
} fc_option_def;

/* One format. */
typedef struct fc_converter {
    const char *name;              /* short name for -f/-t, e.g. "text" */
    const char *description;       /* one line for `formconv formats` */
    const char *const *extensions; /* NULL-terminated list without dots, e.g. {"txt","tsv",NULL} */
    const char *media_type;        /* MIME type of what the writer makes, e.g. "application/xml" */
    bool binary;                   /* the writer's output is not text (refused on a terminal) */
    const fc_option_def *options;  /* the format options it understands, ended by a NULL
                                      name; NULL when it has none */
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

/* The declaration of option `name` in `conv` that applies to `use`
 * (FC_OPT_READ or FC_OPT_WRITE), or NULL when the converter has none. */
const fc_option_def *fc_converter_option(const fc_converter *conv, const char *name,
                                         unsigned use);

/* True when `value` is acceptable for option `def` (its accept function,
 * else one of its choices, else any value). */
bool fc_option_accepts(const fc_option_def *def, const char *value);

/* Looks up the value of option `name` in `opts` and finds it among
 * `choices` (NULL-terminated). Returns the index of the matching choice,
 * `fallback` when the option was not given, or -1 with `err` set to
 * FC_ERR_USAGE ("unknown NAME 'VALUE' (choice, choice)") otherwise. */
int fc_options_choice(const fc_options *opts, const char *name, const char *const *choices,
                      int fallback, fc_error *err);

#endif
