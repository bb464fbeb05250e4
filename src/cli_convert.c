/*
 * cli_convert.c - `formconv convert IN [-o OUT] [-f FROM] [-t TO] [options]`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fc_pipeline.h"

static void print_convert_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv convert IN [-o OUT] [-f FROM] [-t TO] [options]\n"
            "Convert IN (a file, or - for standard input) to OUT (a file, or - or\n"
            "nothing for standard output). The output appears only when the whole\n"
            "conversion succeeded; an existing OUT is replaced atomically.\n"
            "\n"
            "  -o, --output=OUT            output file (default: standard output)\n"
            "  -f, --from=FORMAT           input format (default: from the content, else\n"
            "                              the extension); see 'formconv formats'\n"
            "  -t, --to=FORMAT             output format (default: from OUT's extension;\n"
            "                              text on standard output)\n"
            "      --template=FILE         form template (default: the built-in one)\n"
            "      --threads=N             1: read and write on one thread; 2 (the default\n"
            "                              on a machine with two or more cores): write on a\n"
            "                              second thread while reading\n"
            "  -h, --help                  show this help\n"
            "\n"
            "Format options (each applies to the formats named before its colon):\n");
    cli_print_format_options(f, FC_OPT_READ | FC_OPT_WRITE);
}

int cli_convert(int argc, char **argv)
{
    cli_args args;
    int first = 0;
    int status = cli_parse("convert", argc, argv, CLI_OUTPUT | CLI_TO | CLI_THREADS,
                           print_convert_help, &args, &first);
    if (status >= 0) {
        cli_args_free(&args);
        return status;
    }
    if (first >= argc) {
        cli_args_free(&args);
        return cli_usage_error("convert needs an input file (or - for standard input)");
    }
    if (first + 1 < argc) {
        cli_args_free(&args);
        return cli_usage_error("convert takes one input file; unexpected '%s'", argv[first + 1]);
    }
    const char *input = argv[first];
    const char *output = args.output ? args.output : "-";
    const fc_converter *writer = NULL;
    if (fc_same_file(input, output))
        status = cli_usage_error("refusing to write over the input '%s'", input);
    else if (!(writer = cli_pick_writer(&args, output, &status)))
        ;
    else if (strcmp(output, "-") == 0 && writer->binary && isatty(STDOUT_FILENO))
        status = cli_usage_error("refusing to write a binary %s file to a terminal; use -o",
                                 writer->name);
    if (status != EXIT_OK) {
        cli_args_free(&args);
        return status;
    }

    fc_template *tpl = NULL;
    status = cli_load_template(&args, &tpl);
    if (status >= 0) {
        cli_args_free(&args);
        return status;
    }
    args.opts.tpl = tpl;
    args.opts.warn = cli_print_warning;

    fc_error err;
    fc_error_clear(&err);
    fc_input *in = NULL;
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    const fc_converter *reader = NULL;
    fc_status st = fc_input_open(input, &in, &err);
    if (!st) {
        reader = cli_pick_reader(&args, in, input, &status);
        if (reader)
            status = cli_check_format_options(&args, reader, writer);
        if (!reader || status >= 0) {
            fc_input_free(in);
            fc_template_free(tpl);
            cli_args_free(&args);
            return status;
        }
        st = fc_output_open(output, &out, &err);
    }
    if (!st)
        st = writer->open_writer(out, &args.opts, &sink, &err);
    long threads = args.threads ? args.threads : (sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1);
    if (!st && threads >= 2) {
        fc_sink *inner = sink;
        sink = NULL;
        st = fc_pipeline_new(inner, &sink, &err);
    }
    if (!st)
        st = reader->read(in, &args.opts, sink, &err);
    if (!st)
        st = sink->end(sink, &err);
    if (!st)
        st = fc_output_commit(out, &err);
    if (st)
        cli_print_error(&err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(out);
    fc_input_free(in);
    fc_template_free(tpl);
    cli_args_free(&args);
    return cli_exit_for(st);
}
