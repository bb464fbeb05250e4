/*
 * xlsx.h - private header of the XLSX module (converters/xlsx*.c).
 *
 * The module's public face is the descriptor fc_xlsx_converter (xlsx.c).
 * This header joins its files: the writer (xlsx_writer.c, libxlsxwriter),
 * the pass that checks and finishes the package the writer made
 * (xlsx_package.c), the reader (xlsx_reader.c), the safe zip layer it
 * reads packages through (xlsx_zip.c) and the number formats that turn
 * stored numbers into the text a spreadsheet displays (xlsx_numfmt.c).
 * Nothing outside converters/xlsx*.c and the tests includes it.
 */
#ifndef FC_XLSX_H
#define FC_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fc_converter.h"
#include "fc_textcodec.h"

/* How the XLSX writer arranges forms (the "layout" option). */
typedef enum fc_sheet_layout {
    FC_LAYOUT_STACKED = 0, /* "stacked": all forms on one sheet, a page each */
    FC_LAYOUT_SHEETS       /* "sheets": one worksheet per form */
} fc_sheet_layout;

/* The layout option's values, in fc_sheet_layout order, NULL-terminated. */
extern const char *const fc_xlsx_layouts[];

/* ---- The converter's entry points ---------------------------------- */

/* Reads an XLSX workbook from `in` (a file, standard input or memory; the
 * input is made seekable first) and pushes its forms into `sink` through
 * the shared recognizer: begin, then each form; the caller ends the sink.
 * Every worksheet is read in workbook order, each one a block of rows.
 * Returns FC_OK, or FC_ERR_INPUT / FC_ERR_LIMIT / FC_ERR_READ /
 * FC_ERR_NOMEM with `err` naming the part ("FILE!xl/worksheets/sheet1.xml")
 * or the cell ("FILE!Sheet1!B12"). */
fc_status fc_xlsx_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err);

/* Rates the first `len` bytes `head` as an XLSX workbook: a zip archive
 * whose first entries look like a spreadsheet package ([Content_Types].xml,
 * xl/...) scores high, any other zip low (reading it then says clearly that
 * it is not a workbook), anything else 0. */
int fc_xlsx_sniff(const unsigned char *head, size_t len);

/* Creates the XLSX writer: a sink that lays out each form it receives as
 * the official 附件 2 table (fc_layout.h) and writes a workbook to the
 * staging file of `out` (fc_output_path), with libxlsxwriter's temporary
 * files in fc_output_tmpdir(out). `opts->tpl` gives fonts, column widths
 * and page set-up; the option "layout" chooses one sheet for all
 * forms ("stacked", the default, constant memory) or one sheet per form
 * ("sheets"), the flag "real-timestamps" records the current time. The workbook is written and checked by the sink's
 * `end`; the caller then commits `out`. Returns FC_OK and *sink (free with
 * (*sink)->destroy), or FC_ERR_NOMEM / FC_ERR_OUTPUT with `err` set. The
 * sink does not own `out` and never commits it. */
fc_status fc_xlsx_open_writer(fc_output *out, const fc_options *opts, fc_sink **sink,
                              fc_error *err);

/* ---- Finishing the written package (xlsx_package.c) ----------------- */

/* A merged range as the writer records it in its spill file (fixed-size
 * records, in the order the ranges were made): zero-based, inclusive. */
typedef struct fc_xlsx_range {
    uint32_t first_row;  /* its first row */
    uint32_t last_row;   /* its last row */
    uint32_t first_col;  /* its first column */
    uint32_t last_col;   /* its last column */
} fc_xlsx_range;

/* What the writer knows of one worksheet it wrote. */
typedef struct fc_xlsx_sheet_info {
    uint32_t rows;         /* rows written: the last <row> must be r="rows" (0: none) */
    uint64_t data_bytes;   /* row data streamed to libxlsxwriter's temporary file:
                              the part must be at least this long */
    uint64_t range_first;  /* index of its first record in the spill file */
    uint64_t range_count;  /* its records there: the ranges to add (0: none) */
} fc_xlsx_sheet_info;

/* One pass over a package libxlsxwriter has written. */
typedef struct fc_xlsx_package_job {
    const char *package;              /* the zip libxlsxwriter wrote */
    const char *target;               /* file the finished zip is written to (it is
                                         truncated first), or NULL to check only */
    FILE *ranges;                     /* the spill file of fc_xlsx_range records (read
                                         with fseeko/fread), or NULL when there are none */
    const fc_xlsx_sheet_info *sheets; /* xl/worksheets/sheet1.xml, sheet2.xml, ... */
    size_t sheet_count;               /* number of sheets */
    const char *name;                 /* the output's name: the location of errors */
    const char *tmpdir;               /* directory of the temporary files, for messages */
} fc_xlsx_package_job;

/* Reads the package `job->package` once, entry by entry, and checks every
 * part: it inflates to its declared size with its declared CRC, an XML part
 * ends with its root's closing tag, every sheet of job->sheets is there
 * with its last row and at least its streamed row data. This catches what
 * libxlsxwriter 1.1.4 lets through when its temporary files fill the disk.
 * With a target, the finished package is written there at the same time:
 * every entry is copied as it is compressed, except the sheets that have
 * ranges, which get `<mergeCells count="N">` with their ranges right after
 * `</sheetData>` (only the end of their deflate stream is compressed
 * again). The same inputs give the same bytes. Returns FC_OK, or
 * FC_ERR_OUTPUT (a damaged package, a write error, with `err` located at
 * job->name), FC_ERR_NOMEM or FC_ERR_INTERNAL (a sheet with ranges to add
 * that has, after `</sheetData>`, an element the schema puts before
 * <mergeCells>, or <mergeCells> itself). On failure the target holds
 * garbage and must be discarded. */
fc_status fc_xlsx_finish_package(const fc_xlsx_package_job *job, fc_error *err);

/* ---- The safe zip layer (xlsx_zip.c) ------------------------------- */

/* An open zip archive read through minizip with callbacks over an fc_input. */
typedef struct fc_zip fc_zip;

/* Opens the archive in `in` (made seekable here; standard input is copied
 * to a temporary file). Lists its entries, refusing more than
 * limits->entries, and indexes their names case-insensitively. Returns
 * FC_OK and *out (free with fc_zip_close), or FC_ERR_INPUT for something
 * that is not a readable zip archive (truncated, no central directory),
 * FC_ERR_LIMIT, FC_ERR_READ or FC_ERR_NOMEM. `limits` must stay valid
 * while the archive is open. */
fc_status fc_zip_open(fc_input *in, const fc_limits *limits, fc_zip **out, fc_error *err);

/* Closes the archive (and an entry left open). NULL allowed. */
void fc_zip_close(fc_zip *zip);

/* Number of entries in the archive. */
size_t fc_zip_count(const fc_zip *zip);

/* Name of entry `index` as stored (backslashes turned into slashes). */
const char *fc_zip_name(const fc_zip *zip, size_t index);

/* Finds the entry called `name` (compared case-insensitively; a leading
 * '/' is ignored). Returns its index, or -1 when there is none. */
long fc_zip_find(const fc_zip *zip, const char *name);

/* Uncompressed size the archive declares for entry `index`. */
uint64_t fc_zip_size(const fc_zip *zip, size_t index);

/* Opens entry `index` for reading. Refuses, with FC_ERR_INPUT or
 * FC_ERR_LIMIT and the location "FILE!NAME": an encrypted entry, a
 * compression method other than stored or deflate, a declared size above
 * limits->part_bytes, or a declared compression ratio above limits->ratio
 * (for parts larger than 1 MiB). Only one entry is open at a time. */
fc_status fc_zip_open_entry(fc_zip *zip, size_t index, fc_error *err);

/* Reads up to `cap` bytes of the open entry into `buf`; *got receives the
 * count, 0 at the end. At the end the byte count is checked against the
 * declared size and the CRC is verified (a mismatch is FC_ERR_INPUT); the
 * bytes are counted while reading, so a part that inflates past its limits
 * stops with FC_ERR_LIMIT. Corrupt data is FC_ERR_INPUT, a read failure
 * FC_ERR_READ. */
fc_status fc_zip_read(fc_zip *zip, void *buf, size_t cap, size_t *got, fc_error *err);

/* Closes the open entry without checking anything (after an error or when
 * the rest of it is not needed). */
void fc_zip_close_entry(fc_zip *zip);

/* ---- Number formats (xlsx_numfmt.c) --------------------------------- */

/* A compiled number format code such as `0.00%` or `0"年"`. */
typedef struct fc_numfmt fc_numfmt;

/* The format code of built-in number format `id` (0 General, 1 "0", 2
 * "0.00", 9 "0%", 10 "0.00%", 14 a short date, 49 "@", the Chinese date
 * and time formats 27-36 and 50-58, ...), or NULL for an id without one. */
const char *fc_numfmt_builtin(unsigned id);

/* Compiles `len` bytes of format code `code`. Returns NULL only when out
 * of memory; a code the engine does not understand compiles to General. */
fc_numfmt *fc_numfmt_compile(const char *code, size_t len);

/* Frees a compiled format. NULL allowed. */
void fc_numfmt_free(fc_numfmt *fmt);

/* True when the format shows dates or times. */
bool fc_numfmt_is_date(const fc_numfmt *fmt);

/* True when the format is General (or shows a number as General, like @). */
bool fc_numfmt_is_general(const fc_numfmt *fmt);

/* Appends to `out` the text a spreadsheet shows for `value` under `fmt`
 * (NULL: General): 15 significant digits, rounding half away from zero,
 * '.' as the decimal point whatever LC_NUMERIC says. `date1904` selects the
 * workbook's date system. Returns false only when out of memory. */
bool fc_numfmt_format(const fc_numfmt *fmt, double value, bool date1904, fc_buf *out);

/* Parses the text of a stored number (`<v>` of a numeric cell: optional
 * sign, digits, optional fraction and exponent, surrounding blanks allowed)
 * into *value, independently of the locale. Returns false for anything
 * else (including inf and nan). */
bool fc_numfmt_parse_number(const char *text, size_t len, double *value);

/* Parses an ISO 8601 date or date-time ("2024-05-01", "2024-05-01T08:30:00",
 * optional fraction and "Z") into a serial day number of the workbook's
 * date system. Returns false for anything else. */
bool fc_numfmt_parse_iso_date(const char *text, size_t len, bool date1904, double *serial);

#endif
