/*
 * fc_io.h - inputs and all-or-nothing outputs.
 *
 * An fc_input reads a file, standard input or a memory buffer, lets a
 * caller peek at the first bytes (for sniffing) without consuming them, and
 * offers random access for formats that need it (zip).
 *
 * An fc_output never leaves a partial file: bytes go to a temporary file
 * beside the target (same directory, so same file system) and only a
 * successful fc_output_commit renames it into place, after fsync. Standard
 * output and memory outputs are also staged and released only on commit.
 */
#ifndef FC_IO_H
#define FC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fc_error.h"

/* Bytes available to fc_input_peek. */
#define FC_PEEK_SIZE 65536

typedef struct fc_input fc_input;
typedef struct fc_output fc_output;

/* Opens `path` for reading; "-" means standard input. The name used in
 * messages is `path` ("<stdin>" for "-"). Returns FC_OK and *in, or
 * FC_ERR_READ with `err` set (a directory, a missing file, no permission). */
fc_status fc_input_open(const char *path, fc_input **in, fc_error *err);

/* Wraps `len` bytes at `data` (not copied; must outlive the input) as an
 * input named `name` (copied). Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_input_from_memory(const void *data, size_t len, const char *name,
                               fc_input **in, fc_error *err);

/* Closes the input (standard input is not closed) and frees it. NULL allowed. */
void fc_input_free(fc_input *in);

/* The name of the input for messages. */
const char *fc_input_name(const fc_input *in);

/* Returns up to FC_PEEK_SIZE bytes from the start of the input without
 * consuming them; *len receives how many (fewer only at end of input).
 * Only valid before the first fc_input_read. Returns NULL with `err` set on
 * a read error. */
const unsigned char *fc_input_peek(fc_input *in, size_t *len, fc_error *err);

/* Reads up to `cap` bytes into `buf`; *got receives the count, 0 at end of
 * input. Returns FC_OK or FC_ERR_READ. */
fc_status fc_input_read(fc_input *in, void *buf, size_t cap, size_t *got, fc_error *err);

/* Makes the input support fc_input_size/fc_input_pread/fc_input_rewind:
 * regular files and memory already do; standard input or a pipe is copied
 * into an unnamed temporary file first, at most `max_bytes` (FC_ERR_LIMIT
 * beyond). Must be called before fc_input_read. */
fc_status fc_input_make_seekable(fc_input *in, uint64_t max_bytes, fc_error *err);

/* Total size of a seekable input in bytes. */
uint64_t fc_input_size(const fc_input *in);

/* Reads up to `cap` bytes at `offset` of a seekable input (a short count
 * only at the end). Returns FC_OK or FC_ERR_READ. */
fc_status fc_input_pread(fc_input *in, uint64_t offset, void *buf, size_t cap,
                         size_t *got, fc_error *err);

/* Starts reading a seekable input again from its first byte. */
fc_status fc_input_rewind(fc_input *in, fc_error *err);

/* Bytes consumed so far through fc_input_read. */
uint64_t fc_input_offset(const fc_input *in);

/* True when `a` and `b` name the same existing file (same device and inode).
 * "-" never matches. */
bool fc_same_file(const char *a, const char *b);

/* Creates an output for `path`: "-" means standard output. A temporary file
 * is created next to `path` at once, so an unwritable directory fails here
 * with FC_ERR_OUTPUT. */
fc_status fc_output_open(const char *path, fc_output **out, fc_error *err);

/* Creates an output that collects its bytes in memory (for tests and
 * embedding); see fc_output_memory_data. */
fc_status fc_output_memory(fc_output **out, fc_error *err);

/* Appends `len` bytes (buffered). Returns FC_OK or FC_ERR_OUTPUT. */
fc_status fc_output_write(fc_output *out, const void *data, size_t len, fc_error *err);

/* For writers that must name a file (libxlsxwriter): the path of the staging
 * file, which the writer may truncate and fill. Returns NULL with `err` set
 * if it cannot be made. Do not mix with fc_output_write. */
const char *fc_output_path(fc_output *out, fc_error *err);

/* A directory on the output's file system for a library's temporary files. */
const char *fc_output_tmpdir(const fc_output *out);

/* The target's name for messages ("<stdout>", "<memory>" or the path). */
const char *fc_output_name(const fc_output *out);

/* Finishes: flushes, syncs and renames the staging file over the target
 * (files), copies it to standard output, or keeps it in memory. On failure
 * the staging file is removed and the target is untouched. */
fc_status fc_output_commit(fc_output *out, fc_error *err);

/* For memory outputs after commit: the bytes and their count (owned by the
 * output, valid until fc_output_free). NULL before commit. */
const unsigned char *fc_output_memory_data(const fc_output *out, size_t *len);

/* Removes any staging file (unless committed) and frees the output. NULL allowed. */
void fc_output_free(fc_output *out);

#endif
