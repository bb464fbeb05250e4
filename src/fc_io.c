/*
 * fc_io.c - inputs with peeking and random access; staged, atomic outputs.
 */
#define _GNU_SOURCE
#include "fc_io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Size of an output's write buffer. */
#define OUTPUT_BUFFER (256 * 1024)

struct fc_input {
    char *name;                  /* name for messages */
    int fd;                      /* descriptor, or -1 for memory inputs */
    bool owns_fd;                /* close fd when freed */
    const unsigned char *mem;    /* memory input bytes (NULL for descriptors) */
    uint64_t mem_len;            /* their count */
    uint64_t mem_pos;            /* read position in memory */
    unsigned char *peek;         /* bytes read ahead for fc_input_peek */
    size_t peek_len;             /* how many */
    size_t peek_pos;             /* how many of them fc_input_read has returned */
    bool peeked;                 /* fc_input_peek has filled peek */
    bool seekable;               /* size/pread/rewind are available */
    uint64_t size;               /* total size when seekable */
    uint64_t offset;             /* bytes returned by fc_input_read */
};

/* Duplicates a string or returns NULL. */
static char *dup_string(const char *s)
{
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (copy)
        memcpy(copy, s, n + 1);
    return copy;
}

fc_status fc_input_open(const char *path, fc_input **in, fc_error *err)
{
    *in = NULL;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    fc_input *input = calloc(1, sizeof *input);
    if (!input || !(input->name = dup_string(name))) {
        free(input);
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    }
    if (is_stdin) {
        input->fd = STDIN_FILENO;
    } else {
        input->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (input->fd < 0) {
            int e = errno;
            fc_input_free(input);
            return fc_error_set(err, FC_ERR_READ, name, "cannot open: %s", strerror(e));
        }
        input->owns_fd = true;
    }
    struct stat st;
    if (fstat(input->fd, &st) != 0) {
        int e = errno;
        fc_input_free(input);
        return fc_error_set(err, FC_ERR_READ, name, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        fc_input_free(input);
        return fc_error_set(err, FC_ERR_READ, name, "is a directory");
    }
    if (S_ISREG(st.st_mode)) {
        input->seekable = true;
        input->size = (uint64_t)st.st_size;
    }
    *in = input;
    return FC_OK;
}

fc_status fc_input_from_memory(const void *data, size_t len, const char *name,
                               fc_input **in, fc_error *err)
{
    *in = NULL;
    fc_input *input = calloc(1, sizeof *input);
    if (!input || !(input->name = dup_string(name))) {
        free(input);
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    }
    input->fd = -1;
    input->mem = data ? data : (const unsigned char *)"";
    input->mem_len = len;
    input->seekable = true;
    input->size = len;
    *in = input;
    return FC_OK;
}

void fc_input_free(fc_input *in)
{
    if (!in)
        return;
    if (in->owns_fd && in->fd >= 0)
        close(in->fd);
    free(in->peek);
    free(in->name);
    free(in);
}

const char *fc_input_name(const fc_input *in)
{
    return in->name;
}

/* Reads from the underlying source, bypassing the peek buffer. */
static fc_status raw_read(fc_input *in, void *buf, size_t cap, size_t *got, fc_error *err)
{
    *got = 0;
    if (in->fd < 0) {
        uint64_t left = in->mem_len - in->mem_pos;
        size_t n = left < cap ? (size_t)left : cap;
        memcpy(buf, in->mem + in->mem_pos, n);
        in->mem_pos += n;
        *got = n;
        return FC_OK;
    }
    for (;;) {
        ssize_t n = read(in->fd, buf, cap);
        if (n >= 0) {
            *got = (size_t)n;
            return FC_OK;
        }
        if (errno != EINTR)
            return fc_error_set(err, FC_ERR_READ, in->name, "read error: %s", strerror(errno));
    }
}

const unsigned char *fc_input_peek(fc_input *in, size_t *len, fc_error *err)
{
    if (in->peeked) {
        *len = in->peek_len;
        return in->peek;
    }
    in->peek = malloc(FC_PEEK_SIZE);
    if (!in->peek) {
        fc_error_set(err, FC_ERR_NOMEM, in->name, "out of memory");
        return NULL;
    }
    size_t total = 0;
    while (total < FC_PEEK_SIZE) {
        size_t got;
        if (raw_read(in, in->peek + total, FC_PEEK_SIZE - total, &got, err))
            return NULL;
        if (got == 0)
            break;
        total += got;
    }
    in->peek_len = total;
    in->peek_pos = 0;
    in->peeked = true;
    *len = total;
    return in->peek;
}

fc_status fc_input_read(fc_input *in, void *buf, size_t cap, size_t *got, fc_error *err)
{
    *got = 0;
    if (cap == 0)
        return FC_OK;
    if (in->peek_pos < in->peek_len) {
        size_t n = in->peek_len - in->peek_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, in->peek + in->peek_pos, n);
        in->peek_pos += n;
        in->offset += n;
        *got = n;
        return FC_OK;
    }
    fc_status st = raw_read(in, buf, cap, got, err);
    in->offset += *got;
    return st;
}

fc_status fc_input_make_seekable(fc_input *in, uint64_t max_bytes, fc_error *err)
{
    if (in->seekable)
        return FC_OK;
    const char *dir = getenv("TMPDIR");
    char *tmpl = NULL;
    if (asprintf(&tmpl, "%s/formconv-in-XXXXXX", (dir && *dir) ? dir : "/tmp") < 0)
        return fc_error_set(err, FC_ERR_NOMEM, in->name, "out of memory");
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        int e = errno;
        free(tmpl);
        return fc_error_set(err, FC_ERR_READ, in->name,
                            "cannot create a temporary copy of the input: %s", strerror(e));
    }
    unlink(tmpl);
    free(tmpl);
    unsigned char *buf = malloc(OUTPUT_BUFFER);
    if (!buf) {
        close(fd);
        return fc_error_set(err, FC_ERR_NOMEM, in->name, "out of memory");
    }
    uint64_t total = 0;
    fc_status st = FC_OK;
    for (;;) {
        size_t got;
        st = fc_input_read(in, buf, OUTPUT_BUFFER, &got, err);
        if (st || got == 0)
            break;
        total += got;
        if (total > max_bytes) {
            st = fc_error_set(err, FC_ERR_LIMIT, in->name, "input larger than %llu bytes",
                              (unsigned long long)max_bytes);
            break;
        }
        size_t done = 0;
        while (done < got) {
            ssize_t w = write(fd, buf + done, got - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                st = fc_error_set(err, FC_ERR_READ, in->name,
                                  "cannot copy the input to a temporary file: %s",
                                  strerror(errno));
                break;
            }
            done += (size_t)w;
        }
        if (st)
            break;
    }
    free(buf);
    if (st) {
        close(fd);
        return st;
    }
    if (in->owns_fd)
        close(in->fd);
    in->fd = fd;
    in->owns_fd = true;
    in->seekable = true;
    in->size = total;
    return fc_input_rewind(in, err);
}

uint64_t fc_input_size(const fc_input *in)
{
    return in->size;
}

fc_status fc_input_pread(fc_input *in, uint64_t offset, void *buf, size_t cap,
                         size_t *got, fc_error *err)
{
    *got = 0;
    if (!in->seekable)
        return fc_error_set(err, FC_ERR_INTERNAL, in->name, "input is not seekable");
    if (in->fd < 0) {
        if (offset >= in->mem_len)
            return FC_OK;
        uint64_t left = in->mem_len - offset;
        size_t n = left < cap ? (size_t)left : cap;
        memcpy(buf, in->mem + offset, n);
        *got = n;
        return FC_OK;
    }
    size_t total = 0;
    while (total < cap) {
        ssize_t n = pread(in->fd, (unsigned char *)buf + total, cap - total,
                          (off_t)(offset + total));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fc_error_set(err, FC_ERR_READ, in->name, "read error: %s", strerror(errno));
        if (n == 0)
            break;
        total += (size_t)n;
    }
    *got = total;
    return FC_OK;
}

fc_status fc_input_rewind(fc_input *in, fc_error *err)
{
    if (!in->seekable)
        return fc_error_set(err, FC_ERR_INTERNAL, in->name, "input is not seekable");
    if (in->fd < 0) {
        in->mem_pos = 0;
    } else if (lseek(in->fd, 0, SEEK_SET) < 0) {
        return fc_error_set(err, FC_ERR_READ, in->name, "cannot seek: %s", strerror(errno));
    }
    free(in->peek);
    in->peek = NULL;
    in->peek_len = in->peek_pos = 0;
    in->peeked = false;
    in->offset = 0;
    return FC_OK;
}

uint64_t fc_input_offset(const fc_input *in)
{
    return in->offset;
}

bool fc_same_file(const char *a, const char *b)
{
    if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return false;
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Where an output's bytes finally go. */
typedef enum output_mode {
    OUT_FILE,     /* renamed over a path */
    OUT_STDOUT,   /* copied to standard output */
    OUT_MEMORY    /* kept in memory */
} output_mode;

struct fc_output {
    output_mode mode;          /* destination kind */
    char *target;              /* final path (OUT_FILE) */
    char *name;                /* name for messages */
    char *tmpdir;              /* directory for staging and library temp files */
    char *staging;             /* staging file path, or NULL (memory without a path) */
    int fd;                    /* staging file descriptor, or -1 */
    unsigned char *buf;        /* write buffer (file/stdout) or all bytes (memory) */
    size_t buf_len;            /* bytes in buf */
    size_t buf_cap;            /* allocated size of buf */
    bool path_used;            /* a writer wrote the staging file through its path */
    bool committed;            /* commit succeeded */
    unsigned char *result;     /* memory output after commit */
    size_t result_len;         /* its length */
};

/* Creates the staging file in out->tmpdir named after `base`. */
static fc_status make_staging(fc_output *out, const char *base, fc_error *err)
{
    if (asprintf(&out->staging, "%s/.%s.formconv-XXXXXX", out->tmpdir, base) < 0) {
        out->staging = NULL;
        return fc_error_set(err, FC_ERR_NOMEM, out->name, "out of memory");
    }
    out->fd = mkostemp(out->staging, O_CLOEXEC);
    if (out->fd < 0) {
        int e = errno;
        free(out->staging);
        out->staging = NULL;
        return fc_error_set(err, FC_ERR_OUTPUT, out->name,
                            "cannot create a file in %s: %s", out->tmpdir, strerror(e));
    }
    return FC_OK;
}

fc_status fc_output_open(const char *path, fc_output **out, fc_error *err)
{
    *out = NULL;
    fc_output *o = calloc(1, sizeof *o);
    if (!o)
        return fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
    o->fd = -1;
    fc_status st = FC_OK;
    if (strcmp(path, "-") == 0) {
        o->mode = OUT_STDOUT;
        const char *dir = getenv("TMPDIR");
        o->name = dup_string("<stdout>");
        o->tmpdir = dup_string((dir && *dir) ? dir : "/tmp");
        if (!o->name || !o->tmpdir)
            st = fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
        else
            st = make_staging(o, "stdout", err);
    } else {
        o->mode = OUT_FILE;
        char *copy1 = dup_string(path), *copy2 = dup_string(path);
        o->target = dup_string(path);
        o->name = dup_string(path);
        if (!copy1 || !copy2 || !o->target || !o->name) {
            st = fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
        } else {
            o->tmpdir = dup_string(dirname(copy1));
            const char *base = basename(copy2);
            struct stat sb;
            if (!o->tmpdir)
                st = fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
            else if (*base == '\0' || strcmp(base, "/") == 0 || strcmp(base, ".") == 0 ||
                     strcmp(base, "..") == 0)
                st = fc_error_set(err, FC_ERR_OUTPUT, path, "not a file name");
            else if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
                st = fc_error_set(err, FC_ERR_OUTPUT, path, "is a directory");
            else
                st = make_staging(o, base, err);
            if (!st) {
                /* Give the new file the target's mode, or the usual 0666 & ~umask. */
                mode_t mode;
                if (stat(path, &sb) == 0) {
                    mode = sb.st_mode & 07777;
                } else {
                    mode_t mask = umask(0);
                    umask(mask);
                    mode = 0666 & ~mask;
                }
                if (fchmod(o->fd, mode) != 0)
                    st = fc_error_set(err, FC_ERR_OUTPUT, path, "cannot set permissions: %s",
                                      strerror(errno));
            }
        }
        free(copy1);
        free(copy2);
    }
    if (!st) {
        o->buf_cap = OUTPUT_BUFFER;
        o->buf = malloc(o->buf_cap);
        if (!o->buf)
            st = fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
    }
    if (st) {
        fc_output_free(o);
        return st;
    }
    *out = o;
    return FC_OK;
}

fc_status fc_output_memory(fc_output **out, fc_error *err)
{
    *out = NULL;
    fc_output *o = calloc(1, sizeof *o);
    if (!o)
        return fc_error_set(err, FC_ERR_NOMEM, "<memory>", "out of memory");
    o->mode = OUT_MEMORY;
    o->fd = -1;
    const char *dir = getenv("TMPDIR");
    o->name = dup_string("<memory>");
    o->tmpdir = dup_string((dir && *dir) ? dir : "/tmp");
    if (!o->name || !o->tmpdir) {
        fc_output_free(o);
        return fc_error_set(err, FC_ERR_NOMEM, "<memory>", "out of memory");
    }
    *out = o;
    return FC_OK;
}

/* Writes all of `len` bytes to `fd`. Returns 0, or an errno value. */
static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Sends the write buffer to the staging file. */
static fc_status flush_buffer(fc_output *out, fc_error *err)
{
    if (out->mode == OUT_MEMORY || out->buf_len == 0)
        return FC_OK;
    int e = write_all(out->fd, out->buf, out->buf_len);
    out->buf_len = 0;
    if (e)
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "write error: %s", strerror(e));
    return FC_OK;
}

fc_status fc_output_write(fc_output *out, const void *data, size_t len, fc_error *err)
{
    if (out->mode == OUT_MEMORY) {
        if (len > out->buf_cap - out->buf_len) {
            size_t want = out->buf_cap ? out->buf_cap : 4096;
            while (want - out->buf_len < len) {
                if (want > SIZE_MAX / 2)
                    return fc_error_set(err, FC_ERR_NOMEM, out->name, "out of memory");
                want *= 2;
            }
            unsigned char *bigger = realloc(out->buf, want);
            if (!bigger)
                return fc_error_set(err, FC_ERR_NOMEM, out->name, "out of memory");
            out->buf = bigger;
            out->buf_cap = want;
        }
        if (len)
            memcpy(out->buf + out->buf_len, data, len);
        out->buf_len += len;
        return FC_OK;
    }
    if (len > out->buf_cap - out->buf_len) {
        fc_status st = flush_buffer(out, err);
        if (st)
            return st;
        if (len >= out->buf_cap) {
            int e = write_all(out->fd, data, len);
            if (e)
                return fc_error_set(err, FC_ERR_OUTPUT, out->name, "write error: %s",
                                    strerror(e));
            return FC_OK;
        }
    }
    memcpy(out->buf + out->buf_len, data, len);
    out->buf_len += len;
    return FC_OK;
}

const char *fc_output_path(fc_output *out, fc_error *err)
{
    if (!out->staging) {
        if (make_staging(out, "memory", err))
            return NULL;
    }
    out->path_used = true;
    return out->staging;
}

const char *fc_output_tmpdir(const fc_output *out)
{
    return out->tmpdir;
}

const char *fc_output_name(const fc_output *out)
{
    return out->name;
}

/* Reads the whole staging file into out->result. */
static fc_status slurp_staging(fc_output *out, fc_error *err)
{
    int fd = open(out->staging, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot reopen %s: %s",
                            out->staging, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot stat: %s", strerror(errno));
    }
    size_t size = (size_t)sb.st_size;
    unsigned char *data = malloc(size ? size : 1);
    if (!data) {
        close(fd);
        return fc_error_set(err, FC_ERR_NOMEM, out->name, "out of memory");
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    if (done != size) {
        free(data);
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot read back the output");
    }
    out->result = data;
    out->result_len = size;
    return FC_OK;
}

/* Copies the staging file to standard output. */
static fc_status copy_to_stdout(fc_output *out, fc_error *err)
{
    if (lseek(out->fd, 0, SEEK_SET) < 0)
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot seek: %s", strerror(errno));
    for (;;) {
        ssize_t n = read(out->fd, out->buf, out->buf_cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fc_error_set(err, FC_ERR_OUTPUT, out->name, "read error: %s", strerror(errno));
        if (n == 0)
            break;
        int e = write_all(STDOUT_FILENO, out->buf, (size_t)n);
        if (e)
            return fc_error_set(err, FC_ERR_OUTPUT, out->name, "write error: %s", strerror(e));
    }
    return FC_OK;
}

fc_status fc_output_commit(fc_output *out, fc_error *err)
{
    fc_status st = FC_OK;
    if (out->committed)
        return FC_OK;
    if (out->mode == OUT_MEMORY) {
        if (out->path_used) {
            st = slurp_staging(out, err);
        } else {
            out->result = out->buf;
            out->result_len = out->buf_len;
            out->buf = NULL;
            out->buf_len = out->buf_cap = 0;
        }
        if (!st)
            out->committed = true;
        return st;
    }
    st = flush_buffer(out, err);
    if (!st && out->mode == OUT_FILE && fsync(out->fd) != 0)
        st = fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot sync: %s", strerror(errno));
    if (!st && out->mode == OUT_STDOUT)
        st = copy_to_stdout(out, err);
    if (st)
        return st;
    int fd = out->fd;
    out->fd = -1;
    if (close(fd) != 0)
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot close: %s", strerror(errno));
    if (out->mode == OUT_STDOUT) {
        unlink(out->staging);
        out->committed = true;
        return FC_OK;
    }
    if (rename(out->staging, out->target) != 0)
        return fc_error_set(err, FC_ERR_OUTPUT, out->name, "cannot rename into place: %s",
                            strerror(errno));
    out->committed = true;
    int dirfd = open(out->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd >= 0) {
        fsync(dirfd); /* best effort: some file systems refuse directory fsync */
        close(dirfd);
    }
    return FC_OK;
}

const unsigned char *fc_output_memory_data(const fc_output *out, size_t *len)
{
    if (out->mode != OUT_MEMORY || !out->committed) {
        *len = 0;
        return NULL;
    }
    *len = out->result_len;
    return out->result ? out->result : (const unsigned char *)"";
}

void fc_output_free(fc_output *out)
{
    if (!out)
        return;
    if (out->fd >= 0)
        close(out->fd);
    if (out->staging && !(out->committed && out->mode == OUT_FILE))
        unlink(out->staging);
    free(out->staging);
    free(out->target);
    free(out->name);
    free(out->tmpdir);
    free(out->buf);
    free(out->result);
    free(out);
}
