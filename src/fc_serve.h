/*
 * fc_serve.h - the local web page and HTTP API of `formconv serve`.
 *
 * An HTTP server (libmicrohttpd) for one office's machine: one page
 * embedded in the program (serve/index.html, app.js, app.css; no CDN, no
 * inline script), and an API that the page, scripts and portal systems call:
 *
 *   GET  /, /app.js, /app.css, /form.css   the page and its resources
 *   GET  /formats                          the formats it writes (JSON)
 *   POST /convert?to=FMT[&OPTION=VALUE...] the converted file (multipart field "file")
 *   POST /convert?to=zip&each=FMT[...]     a zip of one FMT file per form
 *   POST /validate                         the problems (JSON array of records)
 *   POST /preview                          the forms as HTML tables and their problems (JSON)
 *
 * Uploads are held in memory, at most `max_upload` bytes (413 beyond);
 * conversions run at most `jobs` at a time (others wait their turn, 503
 * after a while); only a zip uses a temporary file, removed before the
 * response is sent. Everything else gets 404. Library code: nothing here
 * prints; the CLI (src/cli_serve.c) reports.
 */
#ifndef FC_SERVE_H
#define FC_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_error.h"
#include "fc_template.h"

/* How the server runs. */
typedef struct fc_serve_config {
    const char *bind;          /* address to listen on, IPv4 or IPv6 literal ("127.0.0.1") */
    unsigned port;             /* port; 0 picks a free one (see fc_serve_port) */
    size_t max_upload;         /* largest request body accepted, in bytes */
    unsigned jobs;             /* conversions at a time (at least 1) */
    unsigned timeout;          /* seconds a connection may stay idle (a slow client) */
    unsigned max_connections;  /* connections at a time */
    const fc_template *tpl;    /* the form template: forced, or the default of `templates`
                                  (not owned; outlives the server) */
    const fc_template_set *templates; /* the templates chosen from for each form, or NULL
                                  when `tpl` is forced (not owned; outlives the server) */
} fc_serve_config;

typedef struct fc_serve fc_serve;

/* Starts serving in threads of its own. Returns FC_OK and *out (stop it
 * with fc_serve_stop), FC_ERR_USAGE for a bad address, FC_ERR_OUTPUT when
 * the port cannot be bound (in use, no permission), or FC_ERR_NOMEM. */
fc_status fc_serve_start(const fc_serve_config *config, fc_serve **out, fc_error *err);

/* The port the server listens on. */
unsigned fc_serve_port(const fc_serve *server);

/* True when the address given is a loopback address (only this machine). */
bool fc_serve_is_loopback(const char *address);

/* Stops accepting, waits for the requests in progress and frees the
 * server. NULL allowed. */
void fc_serve_stop(fc_serve *server);

#endif
