/*
 * cli_validate.c - `formconv validate FILE... [-f FROM] [options]`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_check.h"

static void print_validate_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv validate FILE... [-f FROM] [options]\n"
            "Check each FILE: XML against the formconv schema, every format against\n"
            "the form's rules (title, unit, known fields, decimal amount, codes,\n"
            "indicators with targets). Prints every problem as LOCATION: message and\n"
            "exits with 1 when there is any.\n"
            "\n"
            "  -f, --from=FORMAT           input format (default: from the content, else\n"
            "                              the extension)\n"
            "      --template=FILE         form template (default: the built-in one)\n"
            "  -h, --help                  show this help\n"
            "\n"
            "Format options:\n");
    cli_print_format_options(f, FC_OPT_READ);
}

/* A sink for validate: checks each form against the model's rules. */
typedef struct check_sink {
    fc_sink base;              /* sink interface (must be first) */
    const fc_template *tpl;    /* the template */
    size_t forms;              /* forms seen */
    size_t problems;           /* problems reported */
} check_sink;

/* Validate's problem receiver: print and count. */
static void report_problem(void *ctx, const fc_error *problem)
{
    size_t *count = ctx;
    (*count)++;
    cli_print_warning(NULL, problem);
}

static fc_status check_begin(fc_sink *self, const fc_doc *doc, fc_error *err)
{
    (void)self;
    (void)doc;
    (void)err;
    return FC_OK;
}

static fc_status check_form(fc_sink *self, const fc_form *form, fc_error *err)
{
    (void)err;
    check_sink *s = (check_sink *)self;
    s->forms++;
    fc_form_check(form, s->forms, s->tpl, report_problem, &s->problems);
    return FC_OK;
}

static fc_status check_end(fc_sink *self, fc_error *err)
{
    (void)self;
    (void)err;
    return FC_OK;
}

static void check_destroy(fc_sink *self)
{
    (void)self;
}

/* Validates one file; returns its exit status. */
static int validate_file(cli_args *args, const char *path)
{
    int status = EXIT_OK;
    size_t problems = 0;
    fc_error err;
    fc_error_clear(&err);
    fc_input *in = NULL;
    fc_status st = fc_input_open(path, &in, &err);
    const fc_converter *reader = NULL;
    if (!st) {
        reader = cli_pick_reader(args, in, path, &status);
        if (reader)
            status = cli_check_format_options(args, reader, NULL);
        if (!reader || status >= 0) {
            fc_input_free(in);
            return status;
        }
        status = EXIT_OK;
    }
    if (!st && reader->validate) {
        st = fc_input_make_seekable(in, (uint64_t)4 << 30, &err);
        if (!st)
            st = reader->validate(in, &args->opts, report_problem, &problems, &err);
        if (!st)
            st = fc_input_rewind(in, &err);
        else if (problems)
            st = FC_OK; /* every problem is printed; reading would only repeat them */
    }
    if (!st && problems == 0) {
        check_sink sink = {{check_begin, check_form, check_end, check_destroy, NULL},
                           args->opts.tpl, 0, 0};
        /* The format's own check has just passed: do not repeat it. */
        fc_options read_opts = args->opts;
        read_opts.checked = reader->validate != NULL;
        st = reader->read(in, &read_opts, &sink.base, &err);
        problems += sink.problems;
    }
    if (st) {
        cli_print_error(&err);
        problems++;
        if (cli_exit_for(st) != EXIT_REJECTED)
            status = cli_exit_for(st);
    }
    if (problems && status == EXIT_OK)
        status = EXIT_REJECTED;
    if (problems == 0)
        printf("%s: ok\n", fc_input_name(in));
    fc_input_free(in);
    return status;
}

int cli_validate(int argc, char **argv)
{
    cli_args args;
    int first = 0;
    int status = cli_parse("validate", argc, argv, 0, print_validate_help, &args, &first);
    if (status >= 0) {
        cli_args_free(&args);
        return status;
    }
    if (first >= argc) {
        cli_args_free(&args);
        return cli_usage_error("validate needs at least one file");
    }
    fc_template *tpl = NULL;
    status = cli_load_template(&args, &tpl);
    if (status >= 0) {
        cli_args_free(&args);
        return status;
    }
    args.opts.tpl = tpl;
    args.opts.warn = cli_print_warning;
    int worst = EXIT_OK;
    for (int i = first; i < argc; i++) {
        int file_status = validate_file(&args, argv[i]);
        if (file_status > worst)
            worst = file_status;
    }
    fc_template_free(tpl);
    cli_args_free(&args);
    return worst;
}
