/*
 * fc_serve.c - the HTTP server of `formconv serve` (see fc_serve.h).
 *
 * libmicrohttpd runs a listening thread and a thread per connection; a
 * connection's upload is parsed by its multipart post processor into memory
 * (the field "file"), then the request is answered in that thread. The
 * conversions themselves are the library's readers and writers on memory
 * inputs and outputs, at most `jobs` of them at a time.
 */
#define _GNU_SOURCE
#include "fc_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "fc_check.h"
#include "fc_diag.h"
#include "fc_embedded.h"
#include "fc_html.h"
#include "fc_io.h"
#include "fc_registry.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"
#include "fc_xml.h"

/* Seconds a request waits for a free conversion slot before 503. */
#define QUEUE_WAIT_SECONDS 60
/* Longest upload file name kept. */
#define NAME_MAX_BYTES 200
/* Most format options in one query. */
#define MAX_QUERY_OPTIONS 16

/* The Content-Security-Policy of every response: nothing inline, nothing
 * from elsewhere. */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " \
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

struct fc_serve {
    struct MHD_Daemon *daemon;   /* libmicrohttpd's server */
    fc_serve_config config;      /* how it runs */
    pthread_mutex_t lock;        /* guards `busy` */
    pthread_cond_t freed;        /* signalled when a conversion ends */
    unsigned busy;               /* conversions running */
    char *form_css;              /* the HTML writer's stylesheet (/form.css) */
    size_t form_css_len;         /* its length */
    fc_buf formats;              /* the JSON of /formats */
};

/* What a request asks for. */
typedef enum route {
    ROUTE_NONE = 0,   /* anything else: 404 */
    ROUTE_PAGE,       /* GET / */
    ROUTE_JS,         /* GET /app.js */
    ROUTE_CSS,        /* GET /app.css */
    ROUTE_FORM_CSS,   /* GET /form.css */
    ROUTE_FORMATS,    /* GET /formats */
    ROUTE_CONVERT,    /* POST /convert */
    ROUTE_VALIDATE,   /* POST /validate */
    ROUTE_PREVIEW     /* POST /preview */
} route;

/* State of one POST while its body arrives. */
typedef struct request {
    route route;                      /* what it asks for */
    struct MHD_PostProcessor *post;   /* multipart parser */
    fc_buf file;                      /* bytes of the field "file" */
    char name[NAME_MAX_BYTES + 1];    /* its file name as uploaded (no directories) */
    bool have_file;                   /* a field "file" arrived */
    bool too_large;                   /* the body passed max_upload */
    size_t received;                  /* body bytes so far */
} request;

/* A response being built. */
typedef struct reply {
    unsigned status;            /* HTTP status */
    fc_buf body;                /* its bytes */
    const char *type;           /* Content-Type */
    char disposition[1024];     /* Content-Disposition, "" for none */
} reply;

/* ---- JSON ---------------------------------------------------------------- */

/* Appends `s` (`len` bytes of UTF-8) as a JSON string. */
static bool json_string(fc_buf *b, const char *s, size_t len)
{
    bool ok = fc_buf_append(b, "\"", 1);
    size_t plain = 0;
    for (size_t i = 0; i < len && ok; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *rep = NULL;
        if (c == '"')
            rep = "\\\"";
        else if (c == '\\')
            rep = "\\\\";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '<')
            rep = "\\u003c"; /* never "</script>" in a JSON string */
        else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            rep = esc;
        }
        if (!rep)
            continue;
        ok = fc_buf_append(b, s + plain, i - plain) && fc_buf_append(b, rep, strlen(rep));
        plain = i + 1;
    }
    return ok && fc_buf_append(b, s + plain, len - plain) && fc_buf_append(b, "\"", 1);
}

/* Appends a NUL-terminated string. */
static bool put(fc_buf *b, const char *s)
{
    return fc_buf_append(b, s, strlen(s));
}

/* Problems collected as JSON records (fc_diag's), for a JSON array. */
typedef struct problems {
    fc_buf json;      /* "rec,rec,..." */
    size_t count;     /* records */
    size_t form;      /* the form the next records concern (1-based; 0: none) */
    bool ok;          /* no allocation failed */
} problems;

/* Adds one record (fc_report_fn), with "form" when one is set. */
static void add_problem(void *ctx, const fc_error *problem)
{
    problems *p = ctx;
    static __thread char line[FC_DIAG_LINE_MAX];
    fc_diag_format(problem, FC_DIAG_JSON, line, sizeof line);
    if (p->count && !put(&p->json, ","))
        p->ok = false;
    if (p->form) {
        char head[48];
        snprintf(head, sizeof head, "{\"form\":%zu,", p->form);
        p->ok = p->ok && put(&p->json, head) && put(&p->json, line[0] == '{' ? line + 1 : line);
    } else {
        p->ok = p->ok && put(&p->json, line);
    }
    p->count++;
}

/* ---- replies ----------------------------------------------------------- */

/* Sets a JSON error reply: {"error": message}. */
static void reply_error(reply *rep, unsigned status, const char *message)
{
    rep->status = status;
    rep->type = "application/json; charset=utf-8";
    rep->body.len = 0;
    if (!(put(&rep->body, "{\"error\":") && json_string(&rep->body, message, strlen(message)) &&
          put(&rep->body, "}\n")))
        rep->body.len = 0;
}

/* Sets a reply holding the JSON array of `p`. */
static void reply_problems(reply *rep, unsigned status, const problems *p)
{
    rep->status = status;
    rep->type = "application/json; charset=utf-8";
    rep->body.len = 0;
    if (!(put(&rep->body, "[") && fc_buf_append(&rep->body, p->json.data, p->json.len) &&
          put(&rep->body, "]\n")) || !p->ok)
        reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

/* Queues `rep` on the connection with the headers every response carries. */
static enum MHD_Result send_reply(struct MHD_Connection *conn, reply *rep)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        rep->body.len, rep->body.data, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        fc_buf_free(&rep->body);
        return MHD_NO;
    }
    rep->body.data = NULL; /* the response owns it now */
    rep->body.len = rep->body.cap = 0;
    MHD_add_response_header(response, "Content-Type", rep->type);
    MHD_add_response_header(response, "Content-Security-Policy", CSP);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    if (rep->disposition[0])
        MHD_add_response_header(response, "Content-Disposition", rep->disposition);
    enum MHD_Result result = MHD_queue_response(conn, rep->status, response);
    MHD_destroy_response(response);
    return result;
}

/* Sets an embedded file as the reply. */
static void reply_static(reply *rep, const unsigned char *data, size_t len, const char *type)
{
    rep->status = MHD_HTTP_OK;
    rep->type = type;
    rep->body.len = 0;
    if (!fc_buf_append(&rep->body, data, len))
        reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

/* The download name: the upload's name with `ext` for its extension, as
 * Content-Disposition (RFC 6266) with an ASCII fallback and the UTF-8
 * name in RFC 5987's filename*. */
static void set_download_name(reply *rep, const char *upload, const char *ext)
{
    char base[NAME_MAX_BYTES + 1];
    snprintf(base, sizeof base, "%s", upload[0] ? upload : "forms");
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char ascii[NAME_MAX_BYTES + 1];
    size_t n = 0;
    for (const char *p = base; *p && n < NAME_MAX_BYTES; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) == 0x80)
            continue; /* one '_' per character outside ASCII */
        ascii[n++] = (c < 0x20 || c >= 0x7F || c == '"' || c == '\\' || c == ';') ? '_' : (char)c;
    }
    ascii[n] = '\0';
    int used = snprintf(rep->disposition, sizeof rep->disposition,
                        "attachment; filename=\"%s.%s\"; filename*=UTF-8''", ascii, ext);
    size_t at = used > 0 ? (size_t)used : 0;
    static const char attr[] = "!#$&+-.^_`|~";
    char full[NAME_MAX_BYTES + 16];
    snprintf(full, sizeof full, "%s.%s", base, ext);
    for (const char *p = full; *p && at + 4 < sizeof rep->disposition; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c && strchr(attr, c)))
            rep->disposition[at++] = (char)c;
        else
            at += (size_t)snprintf(rep->disposition + at, sizeof rep->disposition - at, "%%%02X",
                                   c);
    }
    rep->disposition[at] = '\0';
}

/* ---- conversion slots ----------------------------------------------------- */

/* Waits for a free conversion slot; false after QUEUE_WAIT_SECONDS. */
static bool take_slot(fc_serve *srv)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += QUEUE_WAIT_SECONDS;
    pthread_mutex_lock(&srv->lock);
    bool ok = true;
    while (srv->busy >= srv->config.jobs && ok)
        ok = pthread_cond_timedwait(&srv->freed, &srv->lock, &until) != ETIMEDOUT;
    if (ok)
        srv->busy++;
    pthread_mutex_unlock(&srv->lock);
    return ok;
}

/* Gives a slot back. */
static void give_slot(fc_serve *srv)
{
    pthread_mutex_lock(&srv->lock);
    srv->busy--;
    pthread_cond_signal(&srv->freed);
    pthread_mutex_unlock(&srv->lock);
}

/* ---- the conversions --------------------------------------------------------- */

/* Query settings: format options given as ?NAME=VALUE. */
typedef struct query {
    fc_setting settings[MAX_QUERY_OPTIONS];   /* format options (point into MHD's strings) */
    size_t count;                             /* how many */
    const char *to;                           /* ?to= */
    const char *from;                         /* ?from= */
    const char *each;                         /* ?each= (zip) */
    bool overflow;                            /* more options than fit */
} query;

/* Collects one query argument (MHD_KeyValueIterator). */
static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    query *q = cls;
    if (strcmp(key, "to") == 0)
        q->to = value;
    else if (strcmp(key, "from") == 0)
        q->from = value;
    else if (strcmp(key, "each") == 0)
        q->each = value;
    else if (q->count < MAX_QUERY_OPTIONS)
        q->settings[q->count++] = (fc_setting){key, value ? value : ""};
    else
        q->overflow = true;
    return MHD_YES;
}

/* Checks the query's format options against `writer` (may be NULL) and
 * the readers; false with a 400 reply for an unknown option or value. */
static bool check_options(const query *q, const fc_converter *writer, reply *rep)
{
    char message[300];
    if (q->overflow) {
        reply_error(rep, MHD_HTTP_BAD_REQUEST, "too many options");
        return false;
    }
    for (size_t i = 0; i < q->count; i++) {
        const fc_setting *s = &q->settings[i];
        const fc_option_def *def = writer ? fc_converter_option(writer, s->name, FC_OPT_WRITE)
                                          : NULL;
        for (size_t k = 0; !def && fc_converters[k]; k++)
            def = fc_converter_option(fc_converters[k], s->name, FC_OPT_READ);
        if (!def) {
            snprintf(message, sizeof message, "unknown option '%s'", s->name);
            reply_error(rep, MHD_HTTP_BAD_REQUEST, message);
            return false;
        }
        if (def->value_name && !fc_option_accepts(def, s->value)) {
            snprintf(message, sizeof message, "unknown %s '%.100s'", s->name, s->value);
            reply_error(rep, MHD_HTTP_BAD_REQUEST, message);
            return false;
        }
    }
    return true;
}

/* Picks the reader of the upload: ?from=, else its content, else its
 * extension, else the text dump (whose reader says where the input stops
 * being text). NULL with a 400 reply for an unknown ?from=. */
static const fc_converter *pick_reader(const query *q, fc_input *in, const char *name,
                                       reply *rep)
{
    if (q->from) {
        const fc_converter *c = fc_converter_by_name(q->from);
        if (!c || !c->read)
            reply_error(rep, MHD_HTTP_BAD_REQUEST, "'from' names no format formconv reads");
        return c && c->read ? c : NULL;
    }
    size_t len = 0;
    fc_error err;
    const unsigned char *head = fc_input_peek(in, &len, &err);
    const fc_converter *c = head ? fc_converter_by_content(head, len) : NULL;
    if (!c)
        c = fc_converter_by_extension(name, true, false);
    return c ? c : fc_converter_default();
}

/* Reads the upload into a document held in memory. On failure returns the
 * status with `err` set; *doc holds the forms read before it. */
static fc_status read_upload(fc_serve *srv, const request *req, const query *q,
                             const fc_converter *reader, fc_input *in, fc_doc **doc,
                             problems *warnings, fc_error *err)
{
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tpl = srv->config.tpl;
    opts.templates = srv->config.templates;
    opts.settings = q->settings;
    opts.setting_count = q->count;
    opts.warn = add_problem;
    opts.warn_ctx = warnings;
    (void)req;
    *doc = NULL;
    fc_sink *collector = fc_collector_new();
    if (!collector)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    fc_status st = reader->read(in, &opts, collector, err);
    *doc = fc_collector_take(collector);
    collector->destroy(collector);
    if (!st && !*doc)
        st = fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    return st;
}

/* Writes `doc` with `writer` into memory; *out receives the bytes (malloc'd). */
static fc_status write_doc(fc_serve *srv, const query *q, const fc_converter *writer,
                           const fc_doc *doc, fc_buf *out, fc_error *err)
{
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tpl = srv->config.tpl;
    opts.templates = srv->config.templates;
    opts.settings = q->settings;
    opts.setting_count = q->count;
    fc_output *output = NULL;
    fc_sink *sink = NULL;
    fc_status st = fc_output_memory(&output, err);
    if (!st)
        st = writer->open_writer(output, &opts, &sink, err);
    if (!st)
        st = fc_sink_run_doc(sink, doc, err);
    if (!st)
        st = fc_output_commit(output, err);
    if (!st) {
        size_t len = 0;
        const unsigned char *data = fc_output_memory_data(output, &len);
        if (!fc_buf_append(out, data, len))
            st = fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    if (sink)
        sink->destroy(sink);
    fc_output_free(output);
    return st;
}

/* HTTP status for a failed conversion. */
static unsigned status_for(fc_status st)
{
    switch (st) {
    case FC_ERR_INPUT:
    case FC_ERR_ENCODING:
    case FC_ERR_LIMIT:
    case FC_ERR_READ: return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case FC_ERR_USAGE:
    case FC_ERR_TEMPLATE: return MHD_HTTP_BAD_REQUEST;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

/* A file name for form `index` (1-based) in a zip: "01-项目名称.EXT". */
static void zip_entry_name(const fc_form *form, size_t index, const char *ext, char *buf,
                           size_t size)
{
    const char *name = fc_form_field(form, FC_FIELD_NAME);
    char clean[160];
    size_t n = 0;
    for (const char *p = name ? name : ""; *p && n + 4 < sizeof clean; p++) {
        unsigned char c = (unsigned char)*p;
        clean[n++] = (c < 0x20 || strchr("/\\:*?\"<>|", c)) ? '_' : (char)c;
    }
    /* Do not end inside a UTF-8 character. */
    while (n > 0 && ((unsigned char)clean[n - 1] & 0xC0) == 0x80) {
        size_t k = n - 1;
        while (k > 0 && ((unsigned char)clean[k] & 0xC0) == 0x80)
            k--;
        size_t want = (unsigned char)clean[k] >= 0xF0 ? 4 : (unsigned char)clean[k] >= 0xE0 ? 3 : 2;
        if (n - k == want)
            break;
        n = k;
    }
    clean[n] = '\0';
    if (n)
        snprintf(buf, size, "%02zu-%s.%s", index, clean, ext);
    else
        snprintf(buf, size, "%02zu.%s", index, ext);
}

/* Writes a zip of one `writer` file per form of `doc` into `out`, through
 * a temporary file that is removed before returning. */
static fc_status write_zip(fc_serve *srv, const query *q, const fc_converter *writer,
                           const fc_doc *doc, fc_buf *out, fc_error *err)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/formconv-zip-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot create a temporary file: %s",
                            strerror(errno));
    close(fd);
    zipFile zf = zipOpen(path, APPEND_STATUS_CREATE);
    fc_status st = zf ? FC_OK : fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot write a zip");
    fc_buf one = {NULL, 0, 0};
    for (size_t i = 0; !st && i < doc->form_count; i++) {
        fc_doc single = {doc->attachment, &doc->forms[i], 1, 1};
        one.len = 0;
        st = write_doc(srv, q, writer, &single, &one, err);
        if (st)
            break;
        char name[256];
        zip_entry_name(doc->forms[i], i + 1, writer->extensions[0], name, sizeof name);
        zip_fileinfo info;
        memset(&info, 0, sizeof info);
        info.tmz_date.tm_year = 2000;
        info.tmz_date.tm_mday = 1;
        /* Bit 11: the entry's name is UTF-8. */
        if (zipOpenNewFileInZip4(zf, name, &info, NULL, 0, NULL, 0, NULL, Z_DEFLATED,
                                 Z_DEFAULT_COMPRESSION, 0, -MAX_WBITS, DEF_MEM_LEVEL,
                                 Z_DEFAULT_STRATEGY, NULL, 0, 0, 1 << 11) != ZIP_OK ||
            zipWriteInFileInZip(zf, one.data, (unsigned)one.len) != ZIP_OK ||
            zipCloseFileInZip(zf) != ZIP_OK)
            st = fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot write a zip");
    }
    if (zf && zipClose(zf, NULL) != ZIP_OK && !st)
        st = fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot write a zip");
    fc_buf_free(&one);
    if (!st) {
        FILE *f = fopen(path, "rb");
        char chunk[65536];
        size_t got;
        while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0 && !st)
            if (!fc_buf_append(out, chunk, got))
                st = fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
        if (!f || ferror(f))
            st = fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot read the zip back");
        if (f)
            fclose(f);
    }
    unlink(path);
    return st;
}

/* Checks each form of `doc` against the model's rules into `p`. */
static void check_forms(fc_serve *srv, const fc_doc *doc, problems *p)
{
    for (size_t i = 0; i < doc->form_count; i++) {
        p->form = i + 1;
        fc_form_check(doc->forms[i], i + 1,
                      fc_template_for_form(srv->config.templates, srv->config.tpl, doc->forms[i]),
                      add_problem, p);
    }
    p->form = 0;
}

/* POST /convert, /validate and /preview, with the upload in `req`. */
static void handle_post(fc_serve *srv, struct MHD_Connection *conn, request *req, reply *rep)
{
    query q;
    memset(&q, 0, sizeof q);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
    const fc_converter *writer = NULL, *each = NULL;
    bool zip = false;
    if (req->route == ROUTE_CONVERT) {
        if (!q.to) {
            reply_error(rep, MHD_HTTP_BAD_REQUEST, "'to' is missing (e.g. /convert?to=xlsx)");
            return;
        }
        zip = strcmp(q.to, "zip") == 0;
        writer = fc_converter_by_name(zip ? (q.each ? q.each : "xlsx") : q.to);
        if (!writer || !writer->open_writer) {
            reply_error(rep, MHD_HTTP_BAD_REQUEST, "no format of that name that formconv writes");
            return;
        }
        each = zip ? writer : NULL;
    } else if (req->route == ROUTE_PREVIEW) {
        writer = fc_converter_by_name("html");
    }
    if (!check_options(&q, req->route == ROUTE_CONVERT ? writer : NULL, rep))
        return;
    if (!take_slot(srv)) {
        reply_error(rep, MHD_HTTP_SERVICE_UNAVAILABLE, "too many conversions at once; try again");
        return;
    }
    fc_error err;
    fc_error_clear(&err);
    problems found;
    memset(&found, 0, sizeof found);
    found.ok = true;
    fc_input *in = NULL;
    fc_doc *doc = NULL;
    fc_status st = fc_input_from_memory(req->file.data ? req->file.data : "", req->file.len,
                                        req->name[0] ? req->name : "upload", &in, &err);
    const fc_converter *reader = NULL;
    if (!st && !(reader = pick_reader(&q, in, req->name, rep))) {
        fc_input_free(in);
        give_slot(srv);
        return;
    }
    fc_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tpl = srv->config.tpl;
    opts.templates = srv->config.templates;
    opts.settings = q.settings;
    opts.setting_count = q.count;
    size_t schema_problems = 0;
    if (!st && req->route != ROUTE_CONVERT && reader->validate) {
        /* The format's own check (an XML schema) lists every problem. */
        size_t before = found.count;
        st = reader->validate(in, &opts, add_problem, &found, &err);
        schema_problems = found.count - before;
        if (!st)
            st = fc_input_rewind(in, &err);
        else if (schema_problems)
            st = FC_OK;
    }
    if (!st && schema_problems == 0)
        st = read_upload(srv, req, &q, reader, in, &doc, &found, &err);
    if (req->route == ROUTE_CONVERT) {
        if (!st) {
            rep->body.len = 0;
            st = zip ? write_zip(srv, &q, each, doc, &rep->body, &err)
                     : write_doc(srv, &q, writer, doc, &rep->body, &err);
        }
        if (!st) {
            rep->status = MHD_HTTP_OK;
            rep->type = zip ? "application/zip" : writer->media_type;
            set_download_name(rep, req->name, zip ? "zip" : writer->extensions[0]);
        } else {
            problems fail;
            memset(&fail, 0, sizeof fail);
            fail.ok = true;
            add_problem(&fail, &err);
            reply_problems(rep, status_for(st), &fail);
            fc_buf_free(&fail.json);
        }
    } else {
        if (st) {
            add_problem(&found, &err);
        }
        if (doc)
            check_forms(srv, doc, &found);
        if (req->route == ROUTE_VALIDATE) {
            reply_problems(rep, st && status_for(st) != MHD_HTTP_UNPROCESSABLE_CONTENT
                                    ? status_for(st) : MHD_HTTP_OK, &found);
        } else {
            fc_buf html = {NULL, 0, 0};
            fc_setting fragment = {"fragment", ""};
            query frag;
            memset(&frag, 0, sizeof frag);
            frag.settings[0] = fragment;
            frag.count = 1;
            fc_error werr;
            fc_error_clear(&werr);
            fc_status wst = doc && doc->form_count ? write_doc(srv, &frag, writer, doc, &html, &werr)
                                                   : FC_OK;
            char count[32];
            snprintf(count, sizeof count, "%zu", doc ? doc->form_count : 0);
            rep->status = wst ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK;
            rep->type = "application/json; charset=utf-8";
            bool ok = put(&rep->body, "{\"file\":") &&
                      json_string(&rep->body, fc_input_name(in), strlen(fc_input_name(in))) &&
                      put(&rep->body, ",\"format\":") &&
                      json_string(&rep->body, reader->name, strlen(reader->name)) &&
                      put(&rep->body, ",\"forms\":") && put(&rep->body, count) &&
                      put(&rep->body, ",\"html\":") &&
                      json_string(&rep->body, html.data ? html.data : "", html.len) &&
                      put(&rep->body, ",\"problems\":[") &&
                      fc_buf_append(&rep->body, found.json.data, found.json.len) &&
                      put(&rep->body, "]}\n") && found.ok;
            if (!ok || wst)
                reply_error(rep, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            wst ? werr.message : "out of memory");
            fc_buf_free(&html);
        }
    }
    fc_buf_free(&found.json);
    fc_doc_free(doc);
    fc_input_free(in);
    give_slot(srv);
}

/* ---- libmicrohttpd callbacks --------------------------------------------------- */

/* Receives the multipart fields (MHD_PostDataIterator). */
static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    request *req = cls;
    if (strcmp(key, "file") != 0)
        return MHD_YES;
    if (off == 0 && !req->have_file) {
        req->have_file = true;
        const char *base = filename ? filename : "";
        const char *slash = strrchr(base, '/');
        const char *bslash = strrchr(base, '\\');
        if (slash)
            base = slash + 1;
        if (bslash && bslash + 1 > base)
            base = bslash + 1;
        /* Keep the name only when it is UTF-8 without control characters. */
        size_t n = strlen(base);
        bool clean = n <= NAME_MAX_BYTES && fc_utf8_valid_prefix((const unsigned char *)base, n) == n;
        for (size_t i = 0; i < n && clean; i++)
            clean = (unsigned char)base[i] >= 0x20 && base[i] != 0x7F;
        snprintf(req->name, sizeof req->name, "%s", clean ? base : "");
    }
    if (size && !fc_buf_append(&req->file, data, size))
        return MHD_NO;
    return MHD_YES;
}

/* Frees a request's state when its connection is done (MHD_RequestCompletedCallback). */
static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *req = *con_cls;
    if (!req)
        return;
    if (req->post)
        MHD_destroy_post_processor(req->post);
    fc_buf_free(&req->file);
    free(req);
    *con_cls = NULL;
}

/* Which route `method` and `url` name. */
static route find_route(const char *method, const char *url)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (get && (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0))
        return ROUTE_PAGE;
    if (get && strcmp(url, "/app.js") == 0)
        return ROUTE_JS;
    if (get && strcmp(url, "/app.css") == 0)
        return ROUTE_CSS;
    if (get && strcmp(url, "/form.css") == 0)
        return ROUTE_FORM_CSS;
    if (get && strcmp(url, "/formats") == 0)
        return ROUTE_FORMATS;
    if (post && strcmp(url, "/convert") == 0)
        return ROUTE_CONVERT;
    if (post && strcmp(url, "/validate") == 0)
        return ROUTE_VALIDATE;
    if (post && strcmp(url, "/preview") == 0)
        return ROUTE_PREVIEW;
    return ROUTE_NONE;
}

/* Answers a request (MHD_AccessHandlerCallback): called first with the
 * headers, then with each piece of the body, then once more with none. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    fc_serve *srv = cls;
    reply rep;
    memset(&rep, 0, sizeof rep);
    request *req = *con_cls;
    if (!req) {
        route r = find_route(method, url);
        if (r < ROUTE_CONVERT) {
            switch (r) {
            case ROUTE_PAGE:
                reply_static(&rep, fc_embedded_serve_index, fc_embedded_serve_index_size,
                             "text/html; charset=utf-8");
                break;
            case ROUTE_JS:
                reply_static(&rep, fc_embedded_serve_js, fc_embedded_serve_js_size,
                             "text/javascript; charset=utf-8");
                break;
            case ROUTE_CSS:
                reply_static(&rep, fc_embedded_serve_css, fc_embedded_serve_css_size,
                             "text/css; charset=utf-8");
                break;
            case ROUTE_FORM_CSS:
                reply_static(&rep, (const unsigned char *)srv->form_css, srv->form_css_len,
                             "text/css; charset=utf-8");
                break;
            case ROUTE_FORMATS:
                reply_static(&rep, (const unsigned char *)srv->formats.data, srv->formats.len,
                             "application/json; charset=utf-8");
                break;
            default:
                reply_error(&rep, MHD_HTTP_NOT_FOUND, "not found");
                break;
            }
            return send_reply(conn, &rep);
        }
        const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > srv->config.max_upload) {
            char message[128];
            snprintf(message, sizeof message, "the upload is larger than the limit of %zu bytes",
                     srv->config.max_upload);
            reply_error(&rep, MHD_HTTP_CONTENT_TOO_LARGE, message);
            return send_reply(conn, &rep);
        }
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->route = r;
        req->post = MHD_create_post_processor(conn, 64 * 1024, post_field, req);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        req->received += *upload_data_size;
        if (req->received > srv->config.max_upload)
            req->too_large = true;
        if (!req->too_large && req->post &&
            MHD_post_process(req->post, upload_data, *upload_data_size) != MHD_YES)
            req->post = (MHD_destroy_post_processor(req->post), NULL);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_large) {
        char message[128];
        snprintf(message, sizeof message, "the upload is larger than the limit of %zu bytes",
                 srv->config.max_upload);
        reply_error(&rep, MHD_HTTP_CONTENT_TOO_LARGE, message);
    } else if (!req->post || !req->have_file) {
        reply_error(&rep, MHD_HTTP_BAD_REQUEST,
                    "expected multipart/form-data with the upload in a field named 'file'");
    } else {
        handle_post(srv, conn, req, &rep);
    }
    if (!rep.type)
        reply_error(&rep, MHD_HTTP_INTERNAL_SERVER_ERROR, "no reply");
    return send_reply(conn, &rep);
}

/* ---- start and stop ---------------------------------------------------------------- */

/* The JSON of /formats: every format formconv writes, with its write options. */
static bool build_formats(fc_buf *b)
{
    bool ok = put(b, "[");
    bool first = true;
    for (size_t i = 0; fc_converters[i] && ok; i++) {
        const fc_converter *c = fc_converters[i];
        if (!c->open_writer)
            continue;
        ok = put(b, first ? "{\"name\":" : ",{\"name\":") && json_string(b, c->name, strlen(c->name)) &&
             put(b, ",\"description\":") && json_string(b, c->description, strlen(c->description)) &&
             put(b, ",\"extension\":") &&
             json_string(b, c->extensions[0], strlen(c->extensions[0])) &&
             put(b, ",\"binary\":") && put(b, c->binary ? "true" : "false") &&
             put(b, ",\"options\":[");
        first = false;
        bool first_opt = true;
        for (const fc_option_def *d = c->options; d && d->name && ok; d++) {
            if (!(d->use & FC_OPT_WRITE))
                continue;
            ok = put(b, first_opt ? "{\"name\":" : ",{\"name\":") &&
                 json_string(b, d->name, strlen(d->name)) && put(b, ",\"choices\":[");
            first_opt = false;
            for (size_t k = 0; d->choices && d->choices[k] && ok; k++)
                ok = put(b, k ? "," : "") && json_string(b, d->choices[k], strlen(d->choices[k]));
            ok = ok && put(b, "],\"flag\":") && put(b, d->value_name ? "false" : "true") &&
                 put(b, "}");
        }
        ok = ok && put(b, "]}");
    }
    return ok && put(b, "]\n");
}

bool fc_serve_is_loopback(const char *address)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, address, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, address, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

fc_status fc_serve_start(const fc_serve_config *config, fc_serve **out, fc_error *err)
{
    *out = NULL;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    const struct sockaddr *addr;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (inet_pton(AF_INET, config->bind, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons((uint16_t)config->port);
        addr = (const struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, config->bind, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons((uint16_t)config->port);
        addr = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        return fc_error_set(err, FC_ERR_USAGE, NULL,
                            "'%s' is not an IP address (such as 127.0.0.1 or ::1)", config->bind);
    }
    fc_serve *srv = calloc(1, sizeof *srv);
    if (!srv)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    srv->config = *config;
    if (srv->config.jobs == 0)
        srv->config.jobs = 1;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->freed, NULL);
    fc_xml_init();
    fc_status st = fc_html_stylesheet(config->tpl, &srv->form_css, &srv->form_css_len, err);
    if (!st && !build_formats(&srv->formats))
        st = fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    if (!st) {
        srv->daemon = MHD_start_daemon(
            flags, (uint16_t)config->port, NULL, NULL, answer, srv, MHD_OPTION_SOCK_ADDR, addr,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)config->timeout,
            MHD_OPTION_CONNECTION_LIMIT,
            (unsigned int)(config->max_connections ? config->max_connections : 64),
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
            MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
        if (!srv->daemon)
            st = fc_error_set(err, FC_ERR_OUTPUT, NULL, "cannot listen on %s port %u: %s",
                              config->bind, config->port,
                              errno ? strerror(errno) : "address in use or not allowed");
    }
    if (st) {
        fc_serve_stop(srv);
        return st;
    }
    *out = srv;
    return FC_OK;
}

unsigned fc_serve_port(const fc_serve *server)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : server->config.port;
}

void fc_serve_stop(fc_serve *server)
{
    if (!server)
        return;
    if (server->daemon)
        MHD_stop_daemon(server->daemon);
    pthread_mutex_destroy(&server->lock);
    pthread_cond_destroy(&server->freed);
    free(server->form_css);
    fc_buf_free(&server->formats);
    free(server);
}
