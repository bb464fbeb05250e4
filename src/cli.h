/*
 * cli.h - what the files of the command-line program share.
 *
 * The program is src/cli.c (main and the command table) and one file per
 * command (src/cli_convert.c, src/cli_validate.c, src/cli_formats.c, ...).
 * Only these files print and choose exit statuses; they talk to formats only
 * through the registry (src/fc_registry.h) and the options the converters
 * declare, never by a format's name.
 */
#ifndef FC_CLI_H
#define FC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "fc_converter.h"
#include "fc_diag.h"
#include "fc_error.h"
#include "fc_io.h"

/* Exit statuses (documented in the README and in --help). */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_REJECTED = 1,  /* the input could not be read or was rejected; validation found problems */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_OUTPUT = 3,    /* the output could not be written (nothing was left behind) */
    EXIT_INTERNAL = 4   /* out of memory or an internal error */
};

/* Which of the shared options a command accepts. */
typedef enum cli_accept {
    CLI_OUTPUT = 1,       /* -o/--output */
    CLI_TO = 2,           /* -t/--to and the write options of the formats */
    CLI_THREADS = 4       /* --threads */
} cli_accept;

/* The settings of one command, as parsed from its arguments. */
typedef struct cli_args {
    const char *command;        /* the command's name, for messages */
    const char *output;         /* -o */
    const char *from;           /* -f */
    const char *to;             /* -t */
    const char *template_path;  /* --template */
    long threads;               /* --threads: 1 or 2; 0 means decide from the machine */
    fc_setting *settings;       /* format options in the order given (malloc'd array;
                                   names and values point into argv or static text) */
    size_t setting_count;       /* number of settings */
    char *setting_flags;        /* per setting: its one-letter form when it was typed
                                   so ('l' for -l), else '\0' (typed --layout) */
    fc_options opts;            /* library options (settings point at the array above) */
} cli_args;

/* How diagnostics are printed (text unless --diagnostics=json). */
extern fc_diag_style cli_diag_style;

/* Maps a library status to an exit status. */
int cli_exit_for(fc_status st);

/* Prints an error as one line "LOCATION: message" (or "formconv: message")
 * on standard error. */
void cli_print_error(const fc_error *err);

/* Prints a usage problem (printf-style) and a hint to --help on standard
 * error; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a warning (printf-style) on standard error as one diagnostic
 * ("formconv: warning: ..." in text). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warning receiver for the library (fc_report_fn): one line on stderr. */
void cli_print_warning(void *ctx, const fc_error *warning);

/* Parses the arguments of `command` (argv[0] is the command's name).
 * `accept` says which shared options it takes; `help` prints its help.
 * Returns -1 to go on, with the operands at argv[*first_operand..argc), or
 * an exit status (help printed, or a usage error printed). Free `args` with
 * cli_args_free in every case. */
int cli_parse(const char *command, int argc, char **argv, unsigned accept,
              void (*help)(FILE *out), cli_args *args, int *first_operand);

/* Frees what cli_parse allocated in `args`. */
void cli_args_free(cli_args *args);

/* Prints the format options that apply to `use` (FC_OPT_READ, FC_OPT_WRITE
 * or both), one per line with their help, for a command's --help. */
void cli_print_format_options(FILE *out, unsigned use);

/* Checks the format options given in `args` against the chosen reader
 * (may be NULL) and writer (may be NULL): an option neither declares for
 * its use is reported with a warning and ignored (e.g. "-l with XML
 * output"); a value the declaring converter does not accept is a usage
 * error. Returns -1 to go on, or EXIT_USAGE after printing the problem. */
int cli_check_format_options(cli_args *args, const fc_converter *reader,
                             const fc_converter *writer);

/* Loads the templates and sets args->opts.tpl and .templates: the
 * built-in set to choose from for each form; or, with --template NAME, the
 * built-in template NAME forced on every form; or, with --template FILE,
 * the template in FILE forced. *set receives what to free with
 * fc_template_set_free. Returns -1 to go on, or an exit status after
 * printing the problem. */
int cli_load_templates(cli_args *args, fc_template_set **set);

/* Picks the reader for `in` (named `path`): -f, else the content, else the
 * extension, else the text dump. Returns NULL after printing a problem,
 * with *status set to the exit status. */
const fc_converter *cli_pick_reader(const cli_args *args, fc_input *in, const char *path,
                                    int *status);

/* Picks the writer: -t, else the output's extension, else (standard
 * output) the text dump. Returns NULL after printing a usage problem, with
 * *status set. */
const fc_converter *cli_pick_writer(const cli_args *args, const char *output, int *status);

/* The commands (argv[0] is the command's name). Each returns an exit status. */
int cli_convert(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_formats(int argc, char **argv);
int cli_templates(int argc, char **argv);
int cli_serve(int argc, char **argv);

#endif
