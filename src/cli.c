/*
 * cli.c - the formconv command-line program: main and the commands.
 *
 *   formconv convert IN [-o OUT] [-f FROM] [-t TO] [options]
 *   formconv validate FILE... [-f FROM] [options]
 *   formconv formats
 *   formconv templates
 *   formconv serve [--bind ADDR] [--port N] [--max-upload BYTES] [--jobs N]
 *
 * Each command lives in a file of its own (src/cli_COMMAND.c); what they
 * share is in src/cli_common.c. Only these files print and choose exit
 * statuses (cli.h).
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "fc_version.h"

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
            "  templates                                         list the form templates\n"
            "  serve [--bind ADDR] [--port N] [options]          a web page to convert and check\n"
            "\n"
            "Options:\n"
            "  -h, --help      show help (also after a command: formconv convert --help)\n"
            "  -V, --version   show the version\n"
            "\n"
            "Exit status: 0 success; 1 input rejected or problems found; 2 usage error;\n"
            "3 output could not be written (nothing is left behind); 4 internal error.\n");
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
        return cli_convert(argc - 1, argv + 1);
    if (strcmp(command, "validate") == 0)
        return cli_validate(argc - 1, argv + 1);
    if (strcmp(command, "formats") == 0)
        return cli_formats(argc - 1, argv + 1);
    if (strcmp(command, "templates") == 0)
        return cli_templates(argc - 1, argv + 1);
    if (strcmp(command, "serve") == 0)
        return cli_serve(argc - 1, argv + 1);
    return cli_usage_error("unknown command '%s' (convert, validate, formats, templates, serve)",
                           command);
}
