/*
 * cli.c - the formconv command-line program.
 *
 *   formconv convert IN [-o OUT] [-f FROM] [-t TO] [options]
 *   formconv validate FILE... [-f FROM] [options]
 *   formconv formats
 *
 * Only this file prints and chooses exit statuses; it talks to formats only
 * through the registry (src/fc_registry.h).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fc_check.h"
#include "fc_converter.h"
#include "fc_io.h"
#include "fc_pipeline.h"
#include "fc_registry.h"
#include "fc_textcodec.h"
#include "fc_version.h"

/* Exit statuses (documented in the README and in --help). */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_REJECTED = 1,  /* the input could not be read or was rejected; validation found problems */
    EXIT_USAGE = 2,     /* bad command line */
    EXIT_OUTPUT = 3,    /* the output could not be written (nothing was left behind) */
    EXIT_INTERNAL = 4   /* out of memory or an internal error */
};

/* Maps a library status to an exit status. */
static int exit_for(fc_status st)
{
    switch (st) {
    case FC_OK: return EXIT_OK;
    case FC_ERR_INPUT:
    case FC_ERR_ENCODING:
    case FC_ERR_LIMIT:
    case FC_ERR_READ: return EXIT_REJECTED;
    case FC_ERR_USAGE:
    case FC_ERR_TEMPLATE: return EXIT_USAGE;
    case FC_ERR_OUTPUT: return EXIT_OUTPUT;
    case FC_ERR_NOMEM:
    case FC_ERR_INTERNAL: return EXIT_INTERNAL;
    }
    return EXIT_INTERNAL;
}

/* Prints an error as "LOCATION: message" (or "formconv: message"). */
static void print_error(const fc_error *err)
{
    if (err->location[0]) {
        char line[FC_ERROR_LOCATION_MAX + FC_ERROR_MESSAGE_MAX + 8];
        fprintf(stderr, "%s\n", fc_error_format(err, line, sizeof line));
    } else
        fprintf(stderr, "formconv: %s\n",
                err->message[0] ? err->message : fc_strerror(err->code));
}

/* Prints a usage problem (printf-style) and returns EXIT_USAGE. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "formconv: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'formconv --help' for more information.\n");
    va_end(ap);
    return EXIT_USAGE;
}

/* Warning receiver: one line on stderr. */
static void print_warning(void *ctx, const fc_error *w)
{
    (void)ctx;
    char line[FC_ERROR_LOCATION_MAX + FC_ERROR_MESSAGE_MAX + 8];
    fprintf(stderr, "%s%s\n", w->location[0] ? "" : "formconv: ",
            fc_error_format(w, line, sizeof line));
}

static void print_main_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv COMMAND [ARGS...]\n"
            "Convert 部门项目支出预算绩效目标表 (budget performance target forms)\n"
            "between legacy text dumps, XLSX and XML.\n"
            "\n"
            "Commands:\n"
            "  convert IN [-o OUT] [-f FROM] [-t TO] [options]   convert one file\n"
            "  validate FILE... [-f FROM] [options]              check files, list every problem\n"
            "  formats                                           list the formats\n"
            "\n"
            "Options:\n"
            "  -h, --help      show help (also after a command: formconv convert --help)\n"
            "  -V, --version   show the version\n"
            "\n"
            "Exit status: 0 success; 1 input rejected or problems found; 2 usage error;\n"
            "3 output could not be written (nothing is left behind); 4 internal error.\n");
}

static void print_convert_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv convert IN [-o OUT] [-f FROM] [-t TO] [options]\n"
            "Convert IN (a file, or - for standard input) to OUT (a file, or - or\n"
            "nothing for standard output). The output appears only when the whole\n"
            "conversion succeeded; an existing OUT is replaced atomically.\n"
            "\n"
            "  -o, --output=OUT          output file (default: standard output)\n"
            "  -f, --from=FORMAT         input format (default: from the content, else\n"
            "                            the extension); see 'formconv formats'\n"
            "  -t, --to=FORMAT           output format (default: from OUT's extension:\n"
            "                            .txt/.tsv text, .xml XML, .xlsx XLSX; text\n"
            "                            on standard output)\n"
            "  -e, --encoding=ENC        text input encoding: auto (default), utf-8,\n"
            "                            gb18030 (gbk), utf-16le, utf-16be\n"
            "  -E, --output-encoding=ENC text output encoding: utf-8 (default),\n"
            "                            utf-8-bom, gb18030, utf-16le, utf-16be\n"
            "  -l, --layout=LAYOUT       XLSX output: stacked (default, all forms on one\n"
            "                            sheet, a page each) or sheets (a sheet per form)\n"
            "      --template=FILE       form template (default: the built-in one)\n"
            "      --no-validate         XML input: skip schema validation\n"
            "      --real-timestamps     XLSX output: record the current time instead of\n"
            "                            a fixed one (output then differs run to run)\n"
            "      --threads=N           1: read and write on one thread; 2 (the default\n"
            "                            on a machine with two or more cores): write on a\n"
            "                            second thread while reading\n"
            "  -h, --help                show this help\n");
}

static void print_validate_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv validate FILE... [-f FROM] [options]\n"
            "Check each FILE: XML against the formconv schema, every format against\n"
            "the form's rules (title, unit, known fields, decimal amount, codes,\n"
            "indicators with targets). Prints every problem as LOCATION: message and\n"
            "exits with 1 when there is any.\n"
            "\n"
            "  -f, --from=FORMAT     input format (default: from the content, else the extension)\n"
            "  -e, --encoding=ENC    text input encoding (default: auto)\n"
            "      --template=FILE   form template (default: the built-in one)\n"
            "  -h, --help            show this help\n");
}

/* Settings of one command. */
typedef struct cli_args {
    const char *output;       /* -o */
    const char *from;         /* -f */
    const char *to;           /* -t */
    const char *template_path;/* --template */
    long threads;             /* --threads: 1 or 2; 0 means decide from the machine */
    fc_options opts;          /* library options */
} cli_args;

/* Long options shared by convert and validate (validate rejects some). */
enum { OPT_TEMPLATE = 1000, OPT_NO_VALIDATE, OPT_REAL_TIMESTAMPS, OPT_THREADS };
static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 't'},
    {"encoding", required_argument, NULL, 'e'},
    {"output-encoding", required_argument, NULL, 'E'},
    {"layout", required_argument, NULL, 'l'},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"no-validate", no_argument, NULL, OPT_NO_VALIDATE},
    {"real-timestamps", no_argument, NULL, OPT_REAL_TIMESTAMPS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses the options of `command`. Returns -1 to go on, or an exit status
 * (help printed or usage error). On success argv[optind..] are operands. */
static int parse_options(const char *command, int argc, char **argv, cli_args *args)
{
    bool is_convert = strcmp(command, "convert") == 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:f:t:e:E:l:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'o':
        case 't':
        case 'E':
        case 'l':
        case OPT_NO_VALIDATE:
        case OPT_REAL_TIMESTAMPS:
        case OPT_THREADS:
            if (!is_convert)
                return usage_error("option '%s' is only for convert", argv[optind - 1]);
            break;
        default:
            break;
        }
        switch (c) {
        case 'o': args->output = optarg; break;
        case 'f': args->from = optarg; break;
        case 't': args->to = optarg; break;
        case 'e':
            if (!fc_encoding_parse(optarg, &args->opts.in_encoding) ||
                args->opts.in_encoding == FC_ENC_UTF8_BOM)
                return usage_error("unknown input encoding '%s' (auto, utf-8, gb18030, "
                                   "utf-16le, utf-16be)", optarg);
            break;
        case 'E':
            if (!fc_encoding_parse(optarg, &args->opts.out_encoding) ||
                args->opts.out_encoding == FC_ENC_AUTO)
                return usage_error("unknown output encoding '%s' (utf-8, utf-8-bom, gb18030, "
                                   "utf-16le, utf-16be)", optarg);
            break;
        case 'l':
            if (strcmp(optarg, "stacked") == 0)
                args->opts.layout = FC_LAYOUT_STACKED;
            else if (strcmp(optarg, "sheets") == 0)
                args->opts.layout = FC_LAYOUT_SHEETS;
            else
                return usage_error("unknown layout '%s' (stacked, sheets)", optarg);
            break;
        case OPT_TEMPLATE: args->template_path = optarg; break;
        case OPT_NO_VALIDATE: args->opts.no_validate = true; break;
        case OPT_REAL_TIMESTAMPS: args->opts.real_timestamps = true; break;
        case OPT_THREADS:
            if (strcmp(optarg, "1") == 0)
                args->threads = 1;
            else if (strcmp(optarg, "2") == 0)
                args->threads = 2;
            else
                return usage_error("--threads takes 1 or 2, not '%s'", optarg);
            break;
        case 'h':
            if (is_convert)
                print_convert_help(stdout);
            else
                print_validate_help(stdout);
            return EXIT_OK;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    return -1;
}

/* Loads the template named in the arguments, or the built-in one. */
static int load_template(const cli_args *args, fc_template **tpl)
{
    fc_error err;
    fc_error_clear(&err);
    fc_status st = args->template_path ? fc_template_load_file(args->template_path, tpl, &err)
                                       : fc_template_load_default(tpl, &err);
    if (st) {
        print_error(&err);
        return st == FC_ERR_READ ? EXIT_USAGE : exit_for(st);
    }
    return -1;
}

/* Picks the reader for `in`: -f, else the content, else the extension. */
static const fc_converter *pick_reader(const cli_args *args, fc_input *in, const char *path,
                                       fc_error *err, int *status)
{
    *status = EXIT_OK;
    if (args->from) {
        const fc_converter *c = fc_converter_by_name(args->from);
        if (!c || !c->read) {
            *status = usage_error("'%s' is not a format formconv can read (see 'formconv "
                                  "formats')", args->from);
            return NULL;
        }
        return c;
    }
    size_t len = 0;
    const unsigned char *head = fc_input_peek(in, &len, err);
    if (!head) {
        print_error(err);
        *status = exit_for(err->code);
        return NULL;
    }
    const fc_converter *c = fc_converter_by_content(head, len);
    if (!c)
        c = fc_converter_by_extension(path, true, false);
    /* Nothing recognised it: read it as the legacy text dump, whose reader
     * says precisely where the input stops being text. */
    if (!c)
        c = fc_converter_by_name("text");
    return c;
}

/* Picks the writer: -t, else the output's extension, else text. */
static const fc_converter *pick_writer(const cli_args *args, const char *output, int *status)
{
    *status = EXIT_OK;
    if (args->to) {
        const fc_converter *c = fc_converter_by_name(args->to);
        if (!c || !c->open_writer) {
            *status = usage_error("'%s' is not a format formconv can write (see 'formconv "
                                  "formats')", args->to);
            return NULL;
        }
        return c;
    }
    if (strcmp(output, "-") == 0)
        return fc_converter_by_name("text");
    const fc_converter *c = fc_converter_by_extension(output, false, true);
    if (!c)
        *status = usage_error("cannot tell the output format from '%s'; use -t", output);
    return c;
}

static int cmd_convert(int argc, char **argv)
{
    cli_args args;
    memset(&args, 0, sizeof args);
    int status = parse_options("convert", argc, argv, &args);
    if (status >= 0)
        return status;
    if (optind >= argc)
        return usage_error("convert needs an input file (or - for standard input)");
    if (optind + 1 < argc)
        return usage_error("convert takes one input file; unexpected '%s'", argv[optind + 1]);
    const char *input = argv[optind];
    const char *output = args.output ? args.output : "-";
    if (fc_same_file(input, output))
        return usage_error("refusing to write over the input '%s'", input);
    const fc_converter *writer = pick_writer(&args, output, &status);
    if (!writer)
        return status;
    if (strcmp(output, "-") == 0 && strcmp(writer->name, "xlsx") == 0 && isatty(STDOUT_FILENO))
        return usage_error("refusing to write a binary %s file to a terminal; use -o",
                           writer->name);

    fc_template *tpl = NULL;
    status = load_template(&args, &tpl);
    if (status >= 0)
        return status;
    args.opts.tpl = tpl;
    args.opts.warn = print_warning;

    fc_error err;
    fc_error_clear(&err);
    fc_input *in = NULL;
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    const fc_converter *reader = NULL;
    fc_status st = fc_input_open(input, &in, &err);
    if (!st) {
        reader = pick_reader(&args, in, input, &err, &status);
        if (!reader) {
            fc_input_free(in);
            fc_template_free(tpl);
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
        print_error(&err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(out);
    fc_input_free(in);
    fc_template_free(tpl);
    return exit_for(st);
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
    print_warning(NULL, problem);
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

static int cmd_validate(int argc, char **argv)
{
    cli_args args;
    memset(&args, 0, sizeof args);
    int status = parse_options("validate", argc, argv, &args);
    if (status >= 0)
        return status;
    if (optind >= argc)
        return usage_error("validate needs at least one file");
    fc_template *tpl = NULL;
    status = load_template(&args, &tpl);
    if (status >= 0)
        return status;
    args.opts.tpl = tpl;
    args.opts.warn = print_warning;
    int worst = EXIT_OK;
    for (int i = optind; i < argc; i++) {
        size_t problems = 0;
        fc_error err;
        fc_error_clear(&err);
        fc_input *in = NULL;
        fc_status st = fc_input_open(argv[i], &in, &err);
        const fc_converter *reader = NULL;
        if (!st) {
            reader = pick_reader(&args, in, argv[i], &err, &status);
            if (!reader) {
                fc_input_free(in);
                if (status > worst)
                    worst = status;
                continue;
            }
        }
        if (!st && reader->validate) {
            st = fc_input_make_seekable(in, (uint64_t)4 << 30, &err);
            if (!st)
                st = reader->validate(in, &args.opts, report_problem, &problems, &err);
            if (!st)
                st = fc_input_rewind(in, &err);
            else if (problems)
                st = FC_OK; /* every problem is printed; reading would only repeat them */
        }
        if (!st && problems == 0) {
            check_sink sink = {{check_begin, check_form, check_end, check_destroy, NULL}, tpl,
                               0, 0};
            /* The format's own check has just passed: do not repeat it. */
            fc_options read_opts = args.opts;
            read_opts.no_validate = reader->validate != NULL;
            st = reader->read(in, &read_opts, &sink.base, &err);
            problems += sink.problems;
        }
        if (st) {
            print_error(&err);
            problems++;
            if (exit_for(st) > worst && exit_for(st) != EXIT_REJECTED)
                worst = exit_for(st);
        }
        if (problems && worst == EXIT_OK)
            worst = EXIT_REJECTED;
        if (problems == 0)
            printf("%s: ok\n", fc_input_name(in));
        fc_input_free(in);
    }
    fc_template_free(tpl);
    return worst;
}

static int cmd_formats(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: formconv formats\nList the formats formconv reads and writes.\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return usage_error("formats takes no arguments; unexpected '%s'", argv[1]);
    printf("%-6s %-5s %-16s %s\n", "NAME", "MODES", "EXTENSIONS", "DESCRIPTION");
    for (size_t i = 0; fc_converters[i]; i++) {
        const fc_converter *c = fc_converters[i];
        char modes[4] = {c->read ? 'r' : '-', c->open_writer ? 'w' : '-', c->validate ? 'v' : '-',
                         '\0'};
        char exts[64] = "";
        for (size_t k = 0; c->extensions && c->extensions[k]; k++) {
            if (k)
                strncat(exts, ",", sizeof exts - strlen(exts) - 1);
            strncat(exts, c->extensions[k], sizeof exts - strlen(exts) - 1);
        }
        printf("%-6s %-5s %-16s %s\n", c->name, modes, exts, c->description);
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    /* A file size limit (ulimit -f) then makes write() fail with EFBIG
     * instead of killing us, so the staging file is removed as on any other
     * write error. */
    signal(SIGXFSZ, SIG_IGN);
    /* libxlsxwriter keeps a temporary file open per worksheet until the
     * workbook is closed: allow as many open files as the system lets us. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (argc < 2) {
        print_main_help(stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        print_main_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
        printf("formconv %s\n", FC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(command, "convert") == 0)
        return cmd_convert(argc - 1, argv + 1);
    if (strcmp(command, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(command, "formats") == 0)
        return cmd_formats(argc - 1, argv + 1);
    return usage_error("unknown command '%s' (convert, validate, formats)", command);
}
