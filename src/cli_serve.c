/*
 * cli_serve.c - `formconv serve [--bind ADDR] [--port N] [--max-upload BYTES]
 * [--jobs N]`: the local web page (src/fc_serve.h) until SIGINT or SIGTERM.
 *
 * The library calls are kept in serve_open/serve_close so that they can move
 * onto the public API in one place.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fc_serve.h"

static void print_serve_help(FILE *f)
{
    fprintf(f,
            "Usage: formconv serve [--bind ADDR] [--port N] [--max-upload BYTES] [--jobs N]\n"
            "Serve a web page on which anyone with a browser can convert and check\n"
            "forms, and its HTTP API (POST /convert?to=FORMAT, /validate, /preview),\n"
            "until interrupted (Ctrl-C, SIGTERM).\n"
            "\n"
            "      --bind=ADDR             address to listen on (default 127.0.0.1: this\n"
            "                              machine only; 0.0.0.0 or :: for the network)\n"
            "      --port=N                port (default 8080; 0 picks a free one)\n"
            "      --max-upload=BYTES      largest upload (default 33554432, 32 MiB;\n"
            "                              suffixes K, M, G)\n"
            "      --jobs=N                conversions at a time (default 2)\n"
            "      --timeout=SECONDS       drop a connection idle this long (default 30)\n"
            "      --template=FILE         form template (default: the built-in one)\n"
            "  -h, --help                  show this help\n");
}

/* Parses a positive number with an optional K/M/G suffix, at most `max`. */
static bool parse_size(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || text[0] == '-')
        return false;
    unsigned long long scale = 1;
    if (*end == 'K' || *end == 'k')
        scale = 1024;
    else if (*end == 'M' || *end == 'm')
        scale = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        scale = 1024ULL * 1024 * 1024;
    if (scale != 1)
        end++;
    if (*end != '\0' || v > max / scale)
        return false;
    *out = v * scale;
    return true;
}

/* Starts the server; prints where it listens. Returns -1 to go on or an exit status. */
static int serve_open(const fc_serve_config *config, fc_serve **server)
{
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_serve_start(config, server, &err);
    if (st) {
        cli_print_error(&err);
        return st == FC_ERR_USAGE ? EXIT_USAGE : cli_exit_for(st);
    }
    bool v6 = strchr(config->bind, ':') != NULL;
    printf("formconv serve: http://%s%s%s:%u/\n", v6 ? "[" : "", config->bind, v6 ? "]" : "",
           fc_serve_port(*server));
    if (fc_serve_is_loopback(config->bind))
        printf("formconv serve: listening on %s only: reachable from this machine alone "
               "(--bind 0.0.0.0 to serve the office network)\n", config->bind);
    else
        printf("formconv serve: listening on %s: reachable from other machines; anyone who "
               "can reach it can convert files\n", config->bind);
    printf("formconv serve: Ctrl-C stops it\n");
    fflush(stdout);
    return -1;
}

/* Stops the server. */
static void serve_close(fc_serve *server)
{
    fc_serve_stop(server);
}

int cli_serve(int argc, char **argv)
{
    static const struct option longs[] = {
        {"bind", required_argument, NULL, 'b'},
        {"port", required_argument, NULL, 'p'},
        {"max-upload", required_argument, NULL, 'm'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 'T'},
        {"template", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fc_serve_config config = {"127.0.0.1", 8080, 32u << 20, 2, 30, 64, NULL, NULL};
    cli_args args;
    memset(&args, 0, sizeof args);
    int c;
    optind = 1;
    opterr = 0;
    unsigned long long n;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'b': config.bind = optarg; break;
        case 'p':
            if (!parse_size(optarg, 65535, &n) || strpbrk(optarg, "KkMmGg"))
                return cli_usage_error("--port takes a number from 0 to 65535, not '%s'", optarg);
            config.port = (unsigned)n;
            break;
        case 'm':
            if (!parse_size(optarg, 1ULL << 32, &n) || n == 0)
                return cli_usage_error("--max-upload takes a size in bytes (K, M, G allowed), "
                                       "not '%s'", optarg);
            config.max_upload = (size_t)n;
            break;
        case 'j':
            if (!parse_size(optarg, 256, &n) || n == 0 || strpbrk(optarg, "KkMmGg"))
                return cli_usage_error("--jobs takes a number from 1 to 256, not '%s'", optarg);
            config.jobs = (unsigned)n;
            break;
        case 'T':
            if (!parse_size(optarg, 3600, &n) || n == 0 || strpbrk(optarg, "KkMmGg"))
                return cli_usage_error("--timeout takes seconds from 1 to 3600, not '%s'", optarg);
            config.timeout = (unsigned)n;
            break;
        case 't': args.template_path = optarg; break;
        case 'h': print_serve_help(stdout); return EXIT_OK;
        case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("serve takes no operands; unexpected '%s'", argv[optind]);
    fc_template_set *templates = NULL;
    int status = cli_load_templates(&args, &templates);
    if (status >= 0)
        return status;
    config.tpl = args.opts.tpl;
    config.templates = args.opts.templates;

    /* The server's threads inherit a mask without SIGINT and SIGTERM, so
     * that this thread alone receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    fc_serve *server = NULL;
    status = serve_open(&config, &server);
    if (status < 0) {
        int sig = 0;
        sigwait(&stop, &sig);
        printf("formconv serve: %s received, finishing the requests in progress\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
        fflush(stdout);
        serve_close(server);
        printf("formconv serve: stopped\n");
        status = EXIT_OK;
    }
    fc_template_set_free(templates);
    return status;
}
