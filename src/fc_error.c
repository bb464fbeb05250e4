/*
 * fc_error.c - status descriptions and error records.
 */
#include "fc_error.h"

#include <stdio.h>
#include <string.h>

const char *fc_status_name(fc_status code)
{
    switch (code) {
    case FC_OK: return "ok";
    case FC_ERR_INPUT: return "input";
    case FC_ERR_ENCODING: return "encoding";
    case FC_ERR_LIMIT: return "limit";
    case FC_ERR_READ: return "read";
    case FC_ERR_OUTPUT: return "output";
    case FC_ERR_USAGE: return "usage";
    case FC_ERR_TEMPLATE: return "template";
    case FC_ERR_NOMEM: return "nomem";
    case FC_ERR_INTERNAL: return "internal";
    }
    return "internal";
}

const char *fc_strerror(fc_status code)
{
    switch (code) {
    case FC_OK: return "success";
    case FC_ERR_INPUT: return "input rejected";
    case FC_ERR_ENCODING: return "invalid character encoding";
    case FC_ERR_LIMIT: return "size limit exceeded";
    case FC_ERR_READ: return "cannot read input";
    case FC_ERR_OUTPUT: return "cannot write output";
    case FC_ERR_USAGE: return "invalid usage";
    case FC_ERR_TEMPLATE: return "invalid template";
    case FC_ERR_NOMEM: return "out of memory";
    case FC_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

void fc_error_clear(fc_error *err)
{
    if (!err)
        return;
    err->code = FC_OK;
    err->severity = FC_SEVERITY_ERROR;
    err->location[0] = '\0';
    err->message[0] = '\0';
}

/* Cuts the NUL-terminated `s` back so it does not end inside a UTF-8
 * sequence (vsnprintf may have split one). */
static void trim_partial_utf8(char *s)
{
    size_t n = strlen(s);
    size_t back = 0;
    while (back < n && back < 4 &&
           ((unsigned char)s[n - 1 - back] & 0xC0) == 0x80)
        back++;
    if (back < n) {
        unsigned char lead = (unsigned char)s[n - 1 - back];
        size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (need != back + 1)
            s[n - 1 - back] = '\0';
    }
}

fc_status fc_error_setv(fc_error *err, fc_status code, const char *location,
                        const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->severity = FC_SEVERITY_ERROR;
    snprintf(err->location, sizeof err->location, "%s", location ? location : "");
    trim_partial_utf8(err->location);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    trim_partial_utf8(err->message);
    return code;
}

fc_status fc_error_set(fc_error *err, fc_status code, const char *location,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fc_error_setv(err, code, location, fmt, ap);
    va_end(ap);
    return code;
}

fc_status fc_error_at_line(fc_error *err, fc_status code, const char *file,
                           unsigned long line, unsigned long col,
                           const char *fmt, ...)
{
    char where[FC_ERROR_LOCATION_MAX];
    if (line == 0)
        snprintf(where, sizeof where, "%s", file ? file : "");
    else if (col == 0)
        snprintf(where, sizeof where, "%s:%lu", file ? file : "", line);
    else
        snprintf(where, sizeof where, "%s:%lu:%lu", file ? file : "", line, col);
    va_list ap;
    va_start(ap, fmt);
    fc_error_setv(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

char *fc_column_name(unsigned long col, char *buf)
{
    char tmp[8];
    size_t n = 0;
    unsigned long c = col + 1;
    while (c > 0 && n < sizeof tmp) {
        unsigned long rem = (c - 1) % 26;
        tmp[n++] = (char)('A' + rem);
        c = (c - 1) / 26;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

fc_status fc_error_at_cell(fc_error *err, fc_status code, const char *file,
                           const char *sheet, unsigned long row,
                           unsigned long col, const char *fmt, ...)
{
    char where[FC_ERROR_LOCATION_MAX];
    char colname[8];
    snprintf(where, sizeof where, "%s!%s!%s%lu", file ? file : "",
             sheet ? sheet : "", fc_column_name(col, colname), row + 1);
    va_list ap;
    va_start(ap, fmt);
    fc_error_setv(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

char *fc_error_format(const fc_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    const char *msg = err->message[0] ? err->message : fc_strerror(err->code);
    if (err->location[0])
        snprintf(buf, size, "%s: %s", err->location, msg);
    else
        snprintf(buf, size, "%s", msg);
    return buf;
}
