/*
 * cli_common.c - what every command of the program shares: messages, exit
 * statuses, option parsing (the shared options and every option the
 * converters declare), the template, and picking a reader and a writer.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fc_diag.h"
#include "fc_registry.h"

int cli_exit_for(fc_status st)
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

fc_diag_style cli_diag_style = FC_DIAG_TEXT;

/* Prints one diagnostic line on standard error in the chosen style; a
 * text diagnostic without a location names the program. */
static void print_diag(const fc_error *diag)
{
    static char line[FC_DIAG_LINE_MAX];
    fc_diag_format(diag, cli_diag_style, line, sizeof line);
    if (cli_diag_style == FC_DIAG_TEXT && !diag->location[0])
        fprintf(stderr, "formconv: %s\n", line);
    else
        fprintf(stderr, "%s\n", line);
}

void cli_print_error(const fc_error *err)
{
    print_diag(err);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "formconv: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'formconv --help' for more information.\n");
    va_end(ap);
    return EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
    fc_error warning;
    fc_error_clear(&warning);
    va_list ap;
    va_start(ap, fmt);
    fc_error_setv(&warning, FC_ERR_USAGE, NULL, fmt, ap);
    va_end(ap);
    warning.severity = FC_SEVERITY_WARNING;
    print_diag(&warning);
}

void cli_print_warning(void *ctx, const fc_error *warning)
{
    (void)ctx;
    print_diag(warning);
}

/* Values of getopt_long's `val` for the shared long-only options; the
 * format options come after FORMAT_OPTION_BASE, one per distinct name. */
enum { OPT_TEMPLATE = 1000, OPT_THREADS, FORMAT_OPTION_BASE = 2000 };

/* The shared options (the format options are added after them). */
static const struct option shared_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"from", required_argument, NULL, 'f'},
    {"to", required_argument, NULL, 't'},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, 'h'},
};
#define SHARED_COUNT (sizeof shared_options / sizeof shared_options[0])

/* The distinct format options of every converter (the first declaration of
 * each name), collected into `defs`; returns their number. */
static size_t collect_format_options(const fc_option_def **defs, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; fc_converters[i]; i++) {
        for (const fc_option_def *d = fc_converters[i]->options; d && d->name; d++) {
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(defs[k]->name, d->name) == 0;
            if (!seen && n < cap)
                defs[n++] = d;
        }
    }
    return n;
}

/* The uses (FC_OPT_READ/WRITE) any converter declares for option `name`. */
static unsigned option_uses(const char *name)
{
    unsigned uses = 0;
    for (size_t i = 0; fc_converters[i]; i++)
        for (const fc_option_def *d = fc_converters[i]->options; d && d->name; d++)
            if (strcmp(d->name, name) == 0)
                uses |= d->use;
    return uses;
}

/* Most distinct format options over all converters. */
#define MAX_FORMAT_OPTIONS 64

/* Appends a format setting to `args`. Returns false when out of memory. */
static bool add_setting(cli_args *args, const char *name, const char *value,
                        char short_name)
{
    fc_setting *settings = realloc(args->settings, (args->setting_count + 1) * sizeof *settings);
    if (!settings)
        return false;
    args->settings = settings;
    char *flags = realloc(args->setting_flags, (args->setting_count + 1) * sizeof *flags);
    if (!flags)
        return false;
    args->setting_flags = flags;
    settings[args->setting_count].name = name;
    settings[args->setting_count].value = value;
    flags[args->setting_count] = short_name;
    args->setting_count++;
    return true;
}

int cli_parse(const char *command, int argc, char **argv, unsigned accept,
              void (*help)(FILE *out), cli_args *args, int *first_operand)
{
    memset(args, 0, sizeof *args);
    args->command = command;
    const fc_option_def *defs[MAX_FORMAT_OPTIONS];
    size_t ndefs = collect_format_options(defs, MAX_FORMAT_OPTIONS);
    struct option longs[SHARED_COUNT + MAX_FORMAT_OPTIONS + 1];
    memcpy(longs, shared_options, sizeof shared_options);
    char shorts[3 * MAX_FORMAT_OPTIONS + 16] = ":o:f:t:h";
    size_t slen = strlen(shorts);
    for (size_t k = 0; k < ndefs; k++) {
        longs[SHARED_COUNT + k] = (struct option){
            defs[k]->name, defs[k]->value_name ? required_argument : no_argument, NULL,
            FORMAT_OPTION_BASE + (int)k};
        if (defs[k]->short_name) {
            shorts[slen++] = defs[k]->short_name;
            if (defs[k]->value_name)
                shorts[slen++] = ':';
        }
    }
    shorts[slen] = '\0';
    memset(&longs[SHARED_COUNT + ndefs], 0, sizeof longs[0]);

    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        /* The option as typed: the word before a separate value. */
        const char *spelled = optind >= 2 && optarg && optarg == argv[optind - 1]
                                  ? argv[optind - 2]
                                  : argv[optind - 1];
        const fc_option_def *def = NULL;
        if (c >= FORMAT_OPTION_BASE && (size_t)(c - FORMAT_OPTION_BASE) < ndefs)
            def = defs[c - FORMAT_OPTION_BASE];
        for (size_t k = 0; !def && c > 0 && c < 128 && k < ndefs; k++)
            if (defs[k]->short_name == c)
                def = defs[k];
        if (def) {
            if (!(accept & CLI_TO) && !(option_uses(def->name) & FC_OPT_READ))
                return cli_usage_error("option '%s' is not for %s (it concerns output)",
                                       spelled, command);
            if (!add_setting(args, def->name, def->value_name ? optarg : "",
                             spelled[1] == '-' ? '\0' : def->short_name))
                return cli_usage_error("out of memory");
            continue;
        }
        switch (c) {
        case 'o':
            if (!(accept & CLI_OUTPUT))
                return cli_usage_error("option '%s' is not for %s", spelled, command);
            args->output = optarg;
            break;
        case 't':
            if (!(accept & CLI_TO))
                return cli_usage_error("option '%s' is not for %s", spelled, command);
            args->to = optarg;
            break;
        case 'f': args->from = optarg; break;
        case OPT_TEMPLATE: args->template_path = optarg; break;
        case OPT_THREADS:
            if (!(accept & CLI_THREADS))
                return cli_usage_error("option '%s' is not for %s", spelled, command);
            if (strcmp(optarg, "1") == 0)
                args->threads = 1;
            else if (strcmp(optarg, "2") == 0)
                args->threads = 2;
            else
                return cli_usage_error("--threads takes 1 or 2, not '%s'", optarg);
            break;
        case 'h':
            help(stdout);
            return EXIT_OK;
        case ':':
            return cli_usage_error("option '%s' needs a value", spelled);
        default:
            return cli_usage_error("unknown option '%s'", spelled);
        }
    }
    args->opts.settings = args->settings;
    args->opts.setting_count = args->setting_count;
    *first_operand = optind;
    return -1;
}

void cli_args_free(cli_args *args)
{
    free(args->settings);
    free(args->setting_flags);
    args->settings = NULL;
    args->setting_flags = NULL;
    args->setting_count = 0;
}

/* Prints "  OPTION  text" with the text wrapped at 79 columns under a
 * column of its own. */
static void print_wrapped(FILE *out, const char *option, const char *text)
{
    enum { TEXT_COLUMN = 30, WIDTH = 79 };
    int used = fprintf(out, "  %s", option);
    const char *p = text;
    while (*p) {
        if (used >= TEXT_COLUMN - 1) {
            fputc('\n', out);
            used = 0;
        }
        used += fprintf(out, "%*s", TEXT_COLUMN - used, "");
        /* Take as many words as fit (a word is never split). */
        size_t take = 0, fit = 0;
        while (p[take]) {
            size_t end = take;
            while (p[end] && p[end] != ' ')
                end++;
            if (fit && used + (int)end > WIDTH)
                break;
            fit = end;
            take = p[end] ? end + 1 : end;
        }
        fwrite(p, 1, fit, out);
        p += take;
        used = WIDTH; /* the next piece starts on a new line */
    }
    fputc('\n', out);
}

void cli_print_format_options(FILE *out, unsigned use)
{
    const fc_option_def *defs[MAX_FORMAT_OPTIONS];
    size_t ndefs = collect_format_options(defs, MAX_FORMAT_OPTIONS);
    for (size_t k = 0; k < ndefs; k++) {
        if (!(option_uses(defs[k]->name) & use))
            continue;
        char spelled[64];
        if (defs[k]->short_name)
            snprintf(spelled, sizeof spelled, "-%c, --%s%s%s", defs[k]->short_name,
                     defs[k]->name, defs[k]->value_name ? "=" : "",
                     defs[k]->value_name ? defs[k]->value_name : "");
        else
            snprintf(spelled, sizeof spelled, "    --%s%s%s", defs[k]->name,
                     defs[k]->value_name ? "=" : "",
                     defs[k]->value_name ? defs[k]->value_name : "");
        /* Which formats take it. */
        char formats[128] = "";
        for (size_t i = 0; fc_converters[i]; i++) {
            const fc_option_def *d = fc_converter_option(fc_converters[i], defs[k]->name, use);
            if (!d)
                continue;
            size_t used = strlen(formats);
            snprintf(formats + used, sizeof formats - used, "%s%s", used ? "/" : "",
                     fc_converters[i]->name);
        }
        char text[512];
        snprintf(text, sizeof text, "%s: %s", formats, defs[k]->help);
        print_wrapped(out, spelled, text);
    }
}

/* Checks `value` against `def`: returns -1 when it is accepted, else
 * EXIT_USAGE after printing the choices. */
static int check_value(const fc_option_def *def, const char *value)
{
    if (fc_option_accepts(def, value))
        return -1;
    char list[256] = "";
    for (size_t k = 0; def->choices && def->choices[k]; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", def->choices[k]);
    }
    return cli_usage_error("unknown %s '%s'%s%s%s", def->name, value, list[0] ? " (" : "",
                           list, list[0] ? ")" : "");
}

int cli_check_format_options(cli_args *args, const fc_converter *reader,
                             const fc_converter *writer)
{
    size_t kept = 0;
    for (size_t i = 0; i < args->setting_count; i++) {
        const fc_setting *s = &args->settings[i];
        const fc_option_def *rdef = reader ? fc_converter_option(reader, s->name, FC_OPT_READ)
                                           : NULL;
        const fc_option_def *wdef = writer ? fc_converter_option(writer, s->name, FC_OPT_WRITE)
                                           : NULL;
        const fc_option_def *def = rdef ? rdef : wdef;
        /* A bad value is a usage error even where the option does not apply. */
        for (size_t k = 0; !def && fc_converters[k]; k++)
            for (const fc_option_def *d = fc_converters[k]->options; !def && d && d->name; d++)
                if (strcmp(d->name, s->name) == 0)
                    def = d;
        int status = def ? check_value(def, s->value) : -1;
        if (status >= 0)
            return status;
        if (!rdef && !wdef) {
            unsigned uses = option_uses(s->name);
            bool output = (uses & FC_OPT_WRITE) && !(uses & FC_OPT_READ);
            const fc_converter *conv = output ? writer : reader;
            if (args->setting_flags[i])
                cli_warn("option '-%c' does not apply to %s %s; ignored",
                         args->setting_flags[i], conv ? conv->name : "this",
                         output ? "output" : "input");
            else
                cli_warn("option '--%s' does not apply to %s %s; ignored", s->name,
                         conv ? conv->name : "this", output ? "output" : "input");
            continue;
        }
        args->settings[kept] = *s;
        args->setting_flags[kept] = args->setting_flags[i];
        kept++;
    }
    args->setting_count = kept;
    args->opts.setting_count = kept;
    return -1;
}

int cli_load_template(const cli_args *args, fc_template **tpl)
{
    fc_error err;
    fc_error_clear(&err);
    fc_status st = args->template_path ? fc_template_load_file(args->template_path, tpl, &err)
                                       : fc_template_load_default(tpl, &err);
    if (st) {
        cli_print_error(&err);
        return st == FC_ERR_READ ? EXIT_USAGE : cli_exit_for(st);
    }
    return -1;
}

const fc_converter *cli_pick_reader(const cli_args *args, fc_input *in, const char *path,
                                    int *status)
{
    *status = EXIT_OK;
    if (args->from) {
        const fc_converter *c = fc_converter_by_name(args->from);
        if (!c || !c->read) {
            *status = cli_usage_error("'%s' is not a format formconv can read (see "
                                      "'formconv formats')", args->from);
            return NULL;
        }
        return c;
    }
    fc_error err;
    fc_error_clear(&err);
    size_t len = 0;
    const unsigned char *head = fc_input_peek(in, &len, &err);
    if (!head) {
        cli_print_error(&err);
        *status = cli_exit_for(err.code);
        return NULL;
    }
    const fc_converter *c = fc_converter_by_content(head, len);
    if (!c)
        c = fc_converter_by_extension(path, true, false);
    /* Nothing recognised it: read it as the legacy text dump, whose reader
     * says precisely where the input stops being text. */
    if (!c)
        c = fc_converter_default();
    return c;
}

const fc_converter *cli_pick_writer(const cli_args *args, const char *output, int *status)
{
    *status = EXIT_OK;
    if (args->to) {
        const fc_converter *c = fc_converter_by_name(args->to);
        if (!c || !c->open_writer) {
            *status = cli_usage_error("'%s' is not a format formconv can write (see "
                                      "'formconv formats')", args->to);
            return NULL;
        }
        return c;
    }
    if (strcmp(output, "-") == 0)
        return fc_converter_default();
    const fc_converter *c = fc_converter_by_extension(output, false, true);
    if (!c)
        *status = cli_usage_error("cannot tell the output format from '%s'; use -t", output);
    return c;
}
