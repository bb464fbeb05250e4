/*
 * fc_error.h - status codes and error records for the formconv library.
 *
 * Library functions never print and never exit. A function that can fail
 * returns an fc_status and, when it fails, fills a caller-provided fc_error
 * with the code, a location (FILE:LINE:COL for text, FILE!sheet!A12 for
 * spreadsheet cells, FILE!part for parts of a package) and a message. Only
 * the command-line program prints them and chooses an exit status.
 */
#ifndef FC_ERROR_H
#define FC_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* Outcome of a library call. FC_OK is zero so `if (st)` tests for failure. */
typedef enum fc_status {
    FC_OK = 0,          /* success */
    FC_ERR_INPUT,       /* the input is malformed or violates the form's rules */
    FC_ERR_ENCODING,    /* bytes invalid in the input's character encoding */
    FC_ERR_LIMIT,       /* a size from the input exceeds a configured limit */
    FC_ERR_READ,        /* the input could not be opened or read */
    FC_ERR_OUTPUT,      /* the output could not be created, written or committed */
    FC_ERR_USAGE,       /* the caller asked for something impossible (bad option) */
    FC_ERR_TEMPLATE,    /* a form template is malformed or fails its schema */
    FC_ERR_NOMEM,       /* memory allocation failed */
    FC_ERR_INTERNAL     /* a library invariant failed; a bug in formconv */
} fc_status;

/* Maximum bytes kept for a location and a message (longer ones are cut). */
#define FC_ERROR_LOCATION_MAX 512
#define FC_ERROR_MESSAGE_MAX 1024

/* How serious a reported problem is. */
typedef enum fc_severity {
    FC_SEVERITY_ERROR = 0,   /* the input is wrong (the default) */
    FC_SEVERITY_WARNING      /* worth a look; nothing was refused */
} fc_severity;

/* An error (or a warning) with where it happened. */
typedef struct fc_error {
    fc_status code;                          /* what kind of failure; FC_OK when unset */
    fc_severity severity;                    /* error, or a warning passed to a report_fn */
    char location[FC_ERROR_LOCATION_MAX];    /* "FILE:LINE:COL", "FILE!Sheet1!A12", "FILE" or "" */
    char message[FC_ERROR_MESSAGE_MAX];      /* what is wrong, one line, no trailing period */
} fc_error;

/* A receiver of warnings and of the non-fatal problems a validation finds.
 * `problem` is only valid during the call. The library never prints. */
typedef void (*fc_report_fn)(void *context, const fc_error *problem);

/* Returns a static short identifier of `code` for machines ("input",
 * "encoding", "limit", "read", "output", "usage", "template", "nomem",
 * "internal"; "ok" for FC_OK); never NULL. */
const char *fc_status_name(fc_status code);

/* Returns a static English description of `code`; never NULL. */
const char *fc_strerror(fc_status code);

/* Resets `err` to the no-error state. `err` may be NULL (then nothing happens). */
void fc_error_clear(fc_error *err);

/* Sets `err` (may be NULL) to `code` with `location` (may be NULL or "") and a
 * printf-style message. Returns `code` so callers can `return fc_error_set(...)`.
 * Text that does not fit is truncated on a UTF-8 character boundary. */
fc_status fc_error_set(fc_error *err, fc_status code, const char *location,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same as fc_error_set with a va_list. */
fc_status fc_error_setv(fc_error *err, fc_status code, const char *location,
                        const char *fmt, va_list ap);

/* Sets `err` with the location "FILE:LINE:COL" (LINE and COL 1-based; COL 0
 * omits the column, LINE 0 omits both). Returns `code`. */
fc_status fc_error_at_line(fc_error *err, fc_status code, const char *file,
                           unsigned long line, unsigned long col,
                           const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Sets `err` with the location "FILE!SHEET!A1" for the zero-based `row` and
 * `col` of a spreadsheet cell. Returns `code`. */
fc_status fc_error_at_cell(fc_error *err, fc_status code, const char *file,
                           const char *sheet, unsigned long row,
                           unsigned long col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Writes "A", "B", ... "XFD" for zero-based column `col` into `buf` (at
 * least 8 bytes). Returns `buf`. */
char *fc_column_name(unsigned long col, char *buf);

/* Formats `err` as one line "LOCATION: message" (or "message" when there is
 * no location) into `buf` of `size` bytes, always NUL-terminated. Returns `buf`. */
char *fc_error_format(const fc_error *err, char *buf, size_t size);

#endif
