/*
 * test_serve.c - the server of `formconv serve` without a browser: a real
 * server on a free loopback port, spoken to over sockets. The page and its
 * resources and headers, conversions and their download names, problems as
 * JSON, bad requests, the upload limit, 50 concurrent uploads, a slow
 * client that stops sending (dropped after the idle timeout), and the
 * command's start and clean stop on SIGTERM.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fc_serve.h"
#include "support.h"

static fc_serve *server;
static unsigned port;
static char *seed;
static size_t seed_len;
static char *canonical;
static size_t canonical_len;

#define MAX_UPLOAD (256 * 1024)

static int start_server(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    seed = fc_test_read_file(fc_test_path("fixtures/seed.txt"), &seed_len);
    canonical = fc_test_read_file(fc_test_path("fixtures/seed.canonical.txt"), &canonical_len);
    fc_serve_config config = {"127.0.0.1", 0, MAX_UPLOAD, 2, 1, 128, fc_test_template(),
                              fc_test_templates()};
    fc_error err;
    if (!seed || !canonical || fc_serve_start(&config, &server, &err) != FC_OK)
        return -1;
    port = fc_serve_port(server);
    return port ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    fc_serve_stop(server);
    free(seed);
    free(canonical);
    return 0;
}

/* A response as received. */
typedef struct response {
    int status;        /* HTTP status, 0 when none arrived */
    char *head;        /* the status line and headers (NUL-terminated) */
    char *body;        /* the body (NUL-terminated, body_len bytes) */
    size_t body_len;   /* its length */
} response;

static void response_free(response *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* Connects to the server. */
static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends `len` bytes of a raw request and reads the whole response (the
 * request asks the server to close). Safe to call from several threads. */
static response exchange(const char *request, size_t len)
{
    response r;
    memset(&r, 0, sizeof r);
    int fd = connect_server();
    if (fd < 0)
        return r;
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, request + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    size_t cap = 65536, got = 0;
    char *data = malloc(cap + 1);
    for (;;) {
        if (got == cap) {
            cap *= 2;
            char *bigger = realloc(data, cap + 1);
            assert_non_null(bigger);
            data = bigger;
        }
        ssize_t n = recv(fd, data + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    data[got] = '\0';
    char *end = strstr(data, "\r\n\r\n");
    if (!end) {
        free(data);
        return r;
    }
    size_t head_len = (size_t)(end - data);
    r.head = strndup(data, head_len);
    r.body_len = got - head_len - 4;
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, end + 4, r.body_len);
    r.body[r.body_len] = '\0';
    sscanf(data, "HTTP/1.%*d %d", &r.status);
    free(data);
    return r;
}

/* A GET request. */
static response get(const char *path)
{
    char request[512];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    return exchange(request, (size_t)n);
}

/* A POST of `len` bytes of `file` named `name` in the multipart field `field`. */
static response post(const char *path, const char *field, const char *name, const void *file,
                     size_t len)
{
    static const char boundary[] = "----formconvTestBoundary7MA4YWxk";
    char part_head[512];
    int ph = snprintf(part_head, sizeof part_head,
                      "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n",
                      boundary, field, name);
    char part_tail[128];
    int pt = snprintf(part_tail, sizeof part_tail, "\r\n--%s--\r\n", boundary);
    size_t body_len = (size_t)ph + len + (size_t)pt;
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                      "Content-Type: multipart/form-data; boundary=%s\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      path, boundary, body_len);
    char *request = malloc((size_t)hl + body_len);
    memcpy(request, head, (size_t)hl);
    memcpy(request + hl, part_head, (size_t)ph);
    memcpy(request + hl + ph, file, len);
    memcpy(request + hl + ph + len, part_tail, (size_t)pt);
    response r = exchange(request, (size_t)hl + body_len);
    free(request);
    return r;
}

/* The value of header `name` in `r` (static copy), or NULL. */
static const char *header(const response *r, const char *name)
{
    static char value[1024];
    size_t n = strlen(name);
    for (const char *line = r->head; line && *line;) {
        const char *eol = strstr(line, "\r\n");
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > n + 1 && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(value, sizeof value, "%.*s", (int)(len - (size_t)(v - line)), v);
            return value;
        }
        line = eol ? eol + 2 : NULL;
    }
    return NULL;
}

/* Converts `len` bytes from `from` to text in memory; returns the text. */
static char *to_text(const char *from, const char *data, size_t len, size_t *out_len)
{
    char *out = NULL;
    fc_error err;
    fc_error_clear(&err);
    fc_status st = fc_test_convert(from, "text", data, len, "download", NULL, &out, out_len, &err);
    if (st)
        fail_msg("the download does not read back: %s %s", err.location, err.message);
    return out;
}

static void test_page_and_headers(void **state)
{
    (void)state;
    response r = get("/");
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "text/html; charset=utf-8");
    const char *csp = header(&r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_null(strstr(csp, "unsafe-inline"));
    assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
    /* No inline script: every <script> loads a file; nothing from elsewhere. */
    for (const char *p = r.body; (p = strstr(p, "<script")); p++)
        assert_true(strncmp(p, "<script src=\"/", 14) == 0);
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    assert_null(strstr(r.body, " style="));
    assert_non_null(strstr(r.body, "部门项目支出预算绩效目标表"));
    response_free(&r);
    static const char *const resources[][2] = {
        {"/app.js", "text/javascript; charset=utf-8"},
        {"/app.css", "text/css; charset=utf-8"},
        {"/form.css", "text/css; charset=utf-8"},
        {"/formats", "application/json; charset=utf-8"},
    };
    for (size_t i = 0; i < 4; i++) {
        r = get(resources[i][0]);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type"), resources[i][1]);
        assert_true(r.body_len > 10);
        response_free(&r);
    }
    r = get("/formats");
    assert_non_null(strstr(r.body, "{\"name\":\"xlsx\""));
    assert_non_null(strstr(r.body, "\"choices\":[\"stacked\",\"sheets\"]"));
    response_free(&r);
    /* Anything else. */
    static const char *const missing[] = {"/nothing", "/../etc/passwd", "/convert", "/app.js/x"};
    for (size_t i = 0; i < 4; i++) {
        r = get(missing[i]);
        assert_int_equal(r.status, 404);
        response_free(&r);
    }
    r = post("/", "file", "a.txt", "x", 1);
    assert_int_equal(r.status, 404);
    response_free(&r);
}

static void test_convert(void **state)
{
    (void)state;
    static const char *const formats[][3] = {
        {"xml", "application/xml", "xml"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
        {"html", "text/html", "html"},
        {"text", "text/plain", "txt"},
    };
    for (size_t i = 0; i < 4; i++) {
        char path[128];
        snprintf(path, sizeof path, "/convert?to=%s", formats[i][0]);
        response r = post(path, "file", "附件2 数据.txt", seed, seed_len);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type"), formats[i][1]);
        char expect[256];
        snprintf(expect, sizeof expect,
                 "attachment; filename=\"__2 __.%s\"; filename*=UTF-8''"
                 "%%E9%%99%%84%%E4%%BB%%B62%%20%%E6%%95%%B0%%E6%%8D%%AE.%s",
                 formats[i][2], formats[i][2]);
        assert_string_equal(header(&r, "Content-Disposition"), expect);
        size_t len;
        char *text = to_text(formats[i][0], r.body, r.body_len, &len);
        assert_int_equal(len, canonical_len);
        assert_memory_equal(text, canonical, len);
        free(text);
        response_free(&r);
    }
    /* Format options in the query. */
    response r = post("/convert?to=text&output-encoding=gb18030", "file", "s.txt", seed, seed_len);
    assert_int_equal(r.status, 200);
    {
        fc_options opts = fc_test_options();
        fc_test_set_option(&opts, "encoding", "gb18030");
        char *out = NULL;
        size_t len = 0;
        fc_error err;
        assert_int_equal(fc_test_convert("text", "text", r.body, r.body_len, "gb.txt", &opts, &out,
                                         &len, &err), FC_OK);
        assert_int_equal(len, canonical_len);
        assert_memory_equal(out, canonical, len);
        assert_true(r.body_len != canonical_len); /* not the UTF-8 bytes */
        free(out);
    }
    response_free(&r);
    r = post("/convert?to=text&output-encoding=utf-8-bom", "file", "s.txt", seed, seed_len);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\xEF\xBB\xBF", 3);
    response_free(&r);
    /* A zip of one file per form. */
    r = post("/convert?to=zip&each=xml", "file", "seed.txt", seed, seed_len);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "application/zip");
    assert_memory_equal(r.body, "PK\x03\x04", 4);
    size_t entries = 0;
    for (size_t i = 0; i + 4 <= r.body_len; i++)
        if (memcmp(r.body + i, "PK\x01\x02", 4) == 0)
            entries++;
    assert_int_equal(entries, 9);
    assert_non_null(memmem(r.body, r.body_len, "01-基层服务计划-司法协理员工资.xml", 45));
    response_free(&r);
}

static void test_problems(void **state)
{
    (void)state;
    /* A broken input: 422 with the problem as a JSON record. */
    response r = post("/convert?to=xlsx", "file", "bad.txt", "项目名称\t甲\n1-产出指标\t11-数量指标\tx\t1\n",
                      strlen("项目名称\t甲\n1-产出指标\t11-数量指标\tx\t1\n"));
    assert_int_equal(r.status, 422);
    assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");
    static const char expect[] = "[{\"file\":\"bad.txt\",\"line\":2,\"column\":1,\"severity\":"
                                 "\"error\",\"code\":\"input\",\"message\":\"indicator row before";
    if (strncmp(r.body, expect, sizeof expect - 1) != 0)
        fail_msg("unexpected body: %s", r.body);
    response_free(&r);
    /* Binary junk. */
    r = post("/convert?to=xml", "file", "x.bin", "\x00\x01\x02\x03", 4);
    assert_int_equal(r.status, 422);
    response_free(&r);
    /* validate: every problem of every form, with the form's number. */
    size_t shapes_len;
    char *shapes = fc_test_read_file(fc_test_path("fixtures/text/shapes.txt"), &shapes_len);
    r = post("/validate", "file", "shapes.txt", shapes, shapes_len);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"form\":1,\"file\":\"shapes.txt\",\"line\":5,"));
    assert_non_null(strstr(r.body, "annual amount \\\"1,200.50\\\" is not a decimal number"));
    response_free(&r);
    r = post("/validate", "file", "seed.txt", seed, seed_len);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "[]\n");
    response_free(&r);
    /* preview: the tables and the problems. */
    r = post("/preview", "file", "shapes.txt", shapes, shapes_len);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"format\":\"text\",\"forms\":"));
    assert_non_null(strstr(r.body, "\\u003csection class=\\\"form\\\">"));
    assert_non_null(strstr(r.body, "\"problems\":[{\"form\":1,"));
    response_free(&r);
    free(shapes);
}

static void test_bad_requests(void **state)
{
    (void)state;
    response r = post("/convert", "file", "a.txt", seed, seed_len);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "'to' is missing"));
    response_free(&r);
    r = post("/convert?to=pdf", "file", "a.txt", seed, seed_len);
    assert_int_equal(r.status, 400);
    response_free(&r);
    r = post("/convert?to=xlsx&layout=diagonal", "file", "a.txt", seed, seed_len);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "unknown layout 'diagonal'"));
    response_free(&r);
    r = post("/convert?to=xlsx&colour=red", "file", "a.txt", seed, seed_len);
    assert_int_equal(r.status, 400);
    response_free(&r);
    /* The upload in another field, and a body that is not multipart. */
    r = post("/convert?to=xml", "upload", "a.txt", seed, seed_len);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "field named 'file'"));
    response_free(&r);
    const char raw[] = "POST /validate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    r = exchange(raw, sizeof raw - 1);
    assert_int_equal(r.status, 400);
    response_free(&r);
    /* Garbage instead of HTTP: the server answers 400 or closes; it goes on. */
    r = exchange("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16);
    assert_true(r.status == 0 || r.status == 400);
    response_free(&r);
    r = get("/");
    assert_int_equal(r.status, 200);
    response_free(&r);
}

static void test_upload_limit(void **state)
{
    (void)state;
    size_t big = MAX_UPLOAD + 1000;
    char *data = malloc(big);
    memset(data, 'a', big);
    /* Declared too large: refused at once. */
    response r = post("/convert?to=xml", "file", "big.txt", data, big);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "larger than the limit of 262144 bytes"));
    response_free(&r);
    /* Chunked, without a length: refused once past the limit. */
    size_t cap = big + 4096;
    char *request = malloc(cap);
    size_t n = (size_t)snprintf(request, cap,
                                "POST /convert?to=xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                "Content-Type: multipart/form-data; boundary=b\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < big; off += 16384) {
        size_t piece = big - off < 16384 ? big - off : 16384;
        n += (size_t)snprintf(request + n, cap - n, "%zx\r\n", piece);
        memcpy(request + n, data + off, piece);
        n += piece;
        n += (size_t)snprintf(request + n, cap - n, "\r\n");
    }
    n += (size_t)snprintf(request + n, cap - n, "0\r\n\r\n");
    r = exchange(request, n);
    assert_int_equal(r.status, 413);
    response_free(&r);
    free(request);
    free(data);
}

/* One of the concurrent uploads. */
static void *upload_thread(void *arg)
{
    int *ok = arg;
    response r = post("/convert?to=text", "file", "seed.txt", seed, seed_len);
    *ok = r.status == 200 && r.body_len == canonical_len &&
          memcmp(r.body, canonical, canonical_len) == 0;
    response_free(&r);
    return NULL;
}

static void test_concurrent_uploads(void **state)
{
    (void)state;
    enum { UPLOADS = 50 };
    pthread_t threads[UPLOADS];
    int ok[UPLOADS];
    for (int i = 0; i < UPLOADS; i++) {
        ok[i] = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, upload_thread, &ok[i]), 0);
    }
    int good = 0;
    for (int i = 0; i < UPLOADS; i++) {
        pthread_join(threads[i], NULL);
        good += ok[i];
    }
    assert_int_equal(good, UPLOADS);
}

static void test_slow_client(void **state)
{
    (void)state;
    /* Headers and part of the body, then silence: the server drops the
     * connection after its idle timeout (1 s here) and serves others. */
    int fd = connect_server();
    assert_true(fd >= 0);
    const char partial[] = "POST /convert?to=xml HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: multipart/form-data; boundary=b\r\n"
                           "Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data;";
    assert_true(send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL) > 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    response other = get("/formats");
    assert_int_equal(other.status, 200);
    response_free(&other);
    struct pollfd pfd = {fd, POLLIN, 0};
    int ready = poll(&pfd, 1, 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(ready, 1);
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    assert_true(n <= 0 || strncmp(buf, "HTTP/1.1 4", 10) == 0);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(waited < 8.0);
    close(fd);
    /* A client that connects and sends nothing at all. */
    fd = connect_server();
    assert_true(fd >= 0);
    pfd.fd = fd;
    ready = poll(&pfd, 1, 10000);
    assert_int_equal(ready, 1);
    close(fd);
}

/* The command: says where it listens, serves, stops cleanly on SIGTERM. */
static void test_command(void **state)
{
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl(FC_BINARY, FC_BINARY, "serve", "--port", "0", "--jobs", "1", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char text[1024] = "";
    size_t got = 0;
    while (got < sizeof text - 1 && !strstr(text, "Ctrl-C")) {
        struct pollfd pfd = {out[0], POLLIN, 0};
        assert_int_equal(poll(&pfd, 1, 20000), 1);
        ssize_t n = read(out[0], text + got, sizeof text - 1 - got);
        assert_true(n > 0);
        got += (size_t)n;
        text[got] = '\0';
    }
    assert_non_null(strstr(text, "formconv serve: http://127.0.0.1:"));
    assert_non_null(strstr(text, "listening on 127.0.0.1 only"));
    unsigned child_port = 0;
    assert_int_equal(sscanf(strstr(text, "127.0.0.1:"), "127.0.0.1:%u", &child_port), 1);
    unsigned saved = port;
    port = child_port;
    response r = get("/");
    assert_int_equal(r.status, 200);
    response_free(&r);
    port = saved;
    kill(pid, SIGTERM);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    ssize_t n;
    while ((n = read(out[0], text, sizeof text - 1)) > 0) {
        text[n] = '\0';
        if (strstr(text, "stopped"))
            break;
    }
    assert_non_null(strstr(text, "stopped"));
    close(out[0]);
    /* Usage errors. */
    const char *bad_bind[] = {FC_BINARY, "serve", "--bind", "localhost.example", NULL};
    assert_int_equal(fc_test_run(bad_bind, NULL, NULL, NULL), 2);
    const char *bad_jobs[] = {FC_BINARY, "serve", "--jobs", "0", NULL};
    assert_int_equal(fc_test_run(bad_jobs, NULL, NULL, NULL), 2);
    assert_true(fc_serve_is_loopback("127.0.0.1") && fc_serve_is_loopback("::1") &&
                !fc_serve_is_loopback("0.0.0.0") && !fc_serve_is_loopback("192.0.2.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_and_headers),
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_problems),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_upload_limit),
        cmocka_unit_test(test_concurrent_uploads),
        cmocka_unit_test(test_slow_client),
        cmocka_unit_test(test_command),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
