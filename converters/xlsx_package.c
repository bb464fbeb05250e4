/*
 * xlsx_package.c - checks the zip package libxlsxwriter wrote and, for the
 * stacked layout, finishes it: each sheet's merged ranges are added here
 * instead of through libxlsxwriter.
 *
 * Why: libxlsxwriter 1.1.4 keeps every merged range of a workbook in memory
 * until it is closed (about 33 bytes each), so a stacked workbook's memory
 * grew with the number of forms. The writer now keeps only the ranges still
 * open and appends each range to a spill file (fc_xlsx_range records); this
 * pass writes them into the sheets.
 *
 * How: one pass over the package, entry by entry, in its order. Every entry
 * is read raw (its compressed bytes), copied raw into the finished package
 * with its CRC and size, and inflated on the side to be checked (declared
 * size and CRC, complete to its root's closing tag, a sheet's last row and
 * streamed data present). A sheet with ranges is inflated with Z_BLOCK to
 * find the deflate block boundaries: its compressed bytes up to the last
 * boundary before `</sheetData>` are copied as they are, and a new raw
 * deflate stream - primed with the bits of the boundary's byte that belong
 * before it (deflatePrime) and given the 32 KiB before the boundary as its
 * dictionary (deflateSetDictionary) - compresses the rest of the sheet from
 * there, with `<mergeCells count="N">...</mergeCells>` inserted right after
 * `</sheetData>`. That is where ECMA-376's CT_Worksheet puts it among what
 * libxlsxwriter writes (the elements allowed between the two - sheetCalcPr,
 * sheetProtection, protectedRanges, scenarios, autoFilter, sortState,
 * dataConsolidate, customSheetViews - are never written by the writer), and
 * where libxlsxwriter itself would write it. The technique is the one of
 * zlib's examples/gzappend.c. Only the last block or so of each sheet and
 * the ranges are compressed; everything else is copied.
 *
 * Entries are all deflated (libxlsxwriter never stores); the output keeps
 * their names, dates, attributes and flags, so the same input gives the
 * same bytes.
 */
#include "xlsx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <unzip.h>
#include <zip.h>
#include <zlib.h>

/* Compressed bytes read at a time, inflated bytes made at a time, and
 * deflated bytes written at a time. */
#define PKG_CHUNK ((size_t)64 * 1024)
/* Deflate's window: the dictionary a continued stream needs. */
#define DEFLATE_WINDOW ((size_t)32768)
/* Inflated bytes of a spliced sheet kept before the kept data is moved
 * down to the last DEFLATE_WINDOW bytes before the last boundary. */
#define SPLICE_COMPACT ((size_t)256 * 1024)
/* Most inflated bytes a splice may hold: one deflate block (at most about
 * 4 MiB from zlib at libxlsxwriter's memLevel 8) and the end of a sheet. */
#define SPLICE_HOLD_MAX ((size_t)64 * 1024 * 1024)
/* First bytes of a part kept to find its root element. */
#define CHECK_HEAD 512
/* Last bytes of a part kept to check its closing tag. */
#define CHECK_TAIL 128
/* Bytes kept from the previous piece of a sheet so that a `<row r="N"` or
 * `</sheetData>` split between two pieces is still seen whole. */
#define CHECK_CARRY 32
/* Ranges read from the spill file at a time. */
#define RANGES_PER_READ 4096
/* Room for one `<mergeCell ref="XFD1048576:XFD1048576"/>`. */
#define MERGE_TAG_MAX 64
/* Sizes from which a zip entry needs zip64 fields (with a margin for
 * compressed data that grows). */
#define ZIP64_FROM ((uint64_t)0xffffffffu - ((uint64_t)0xffffffffu >> 4))
/* Most bytes passed to zlib or minizip in one call. */
#define CALL_MAX ((size_t)1 << 30)

/* The tag after which the ranges go. */
static const char sheet_data_end[] = "</sheetData>";
#define SHEET_DATA_END_LEN (sizeof sheet_data_end - 1)

/* What is learnt of a part while it is inflated. */
typedef struct part_check {
    bool is_sheet;                    /* look for rows and `</sheetData>` */
    unsigned char head[CHECK_HEAD];   /* its first bytes */
    size_t head_len;                  /* how many */
    unsigned char tail[CHECK_TAIL];   /* its last bytes */
    size_t tail_len;                  /* how many */
    unsigned char carry[CHECK_CARRY]; /* the last bytes of the previous piece (sheets) */
    size_t carry_len;                 /* how many */
    uint64_t total;                   /* bytes seen */
    unsigned long last_row;           /* N of the last complete `<row r="N"`, or 0 */
    uint64_t data_end;                /* offset of `</sheetData>`, or UINT64_MAX */
} part_check;

/* A deflate block boundary of a sheet's stream, where it may be cut and
 * continued by a new deflate stream. */
typedef struct splice_point {
    uint64_t in_bytes;   /* compressed bytes wholly before the point */
    int bits;            /* low bits of the next byte that still lie before it (0-7) */
    unsigned char byte;  /* that byte */
    uint64_t out_bytes;  /* inflated bytes before the point */
    uLong crc;           /* their CRC-32 */
} splice_point;

/* The pass over a package. */
typedef struct package_pass {
    const fc_xlsx_package_job *job; /* what to do */
    fc_error *err;                  /* where a failure is described */
    unzFile unz;                    /* the package read */
    zipFile zip;                    /* the package written, or NULL when only checking */
    char name[256];                 /* name of the current entry */
    unz_file_info64 info;           /* its directory record */
    unsigned char *raw;             /* compressed bytes read (PKG_CHUNK) */
    unsigned char *plain;           /* inflated bytes of a copied part (PKG_CHUNK) */
    unsigned char *packed;          /* deflated bytes of a spliced sheet (PKG_CHUNK) */
    z_stream inflater;              /* raw inflate, reset for each part */
    bool inflater_ready;            /* inflater initialised */
    z_stream deflater;              /* raw deflate for the ends of spliced sheets */
    bool deflater_ready;            /* deflater initialised */
    fc_buf held;                    /* compressed bytes consumed since the last splice
                                       point and not yet copied */
    fc_buf kept;                    /* inflated bytes of a spliced sheet from kept_base on */
    uint64_t kept_base;             /* offset in the sheet of kept.data[0] */
    fc_buf text;                    /* the `<mergeCells>` text being made */
    fc_xlsx_range *ranges;          /* ranges read from the spill file (RANGES_PER_READ) */
} package_pass;

/* ---- Errors ------------------------------------------------------------ */

/* Sets pp->err for a problem with the output (`code`); returns `code`. */
static fc_status fail(package_pass *pp, fc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static fc_status fail(package_pass *pp, fc_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fc_error_setv(pp->err, code, pp->job->name, fmt, ap);
    va_end(ap);
    return code;
}

/* The current part is damaged. */
static fc_status damaged(package_pass *pp)
{
    return fail(pp, FC_ERR_OUTPUT, "part %s of the workbook written is damaged", pp->name);
}

/* Writing the finished package failed; `e` is the errno value seen. */
static fc_status write_failed(package_pass *pp, int e)
{
    return fail(pp, FC_ERR_OUTPUT, "cannot write the workbook: %s",
                e ? strerror(e) : "write error");
}

/* ---- Checking a part ----------------------------------------------------- */

/* Root element name of an XML part whose first bytes are `p` (`len` of
 * them), into `name` (size bytes); false when it does not look like XML. */
static bool root_name(const unsigned char *p, size_t len, char *name, size_t size)
{
    size_t i = 0;
    for (;;) {
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        if (i + 1 >= len || p[i] != '<')
            return false;
        if (p[i + 1] != '?' && p[i + 1] != '!')
            break;
        const unsigned char *end = memchr(p + i, '>', len - i);
        if (!end)
            return false;
        i = (size_t)(end - p) + 1;
    }
    i++;
    size_t n = 0;
    while (i < len && n + 1 < size && p[i] != ' ' && p[i] != '>' && p[i] != '/' &&
           p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
        name[n++] = (char)p[i++];
    name[n] = '\0';
    return n > 0 && i < len;
}

/* Scans the `len` bytes at `p`, which lie at offset `at` of a sheet, from
 * the end back to the last complete `<row r="N"`: notes N, and the offset
 * of a `</sheetData>` met on the way (it can only follow the last row).
 * Every '<' in a part is markup: text and attribute values escape it. */
static void scan_sheet(part_check *c, const unsigned char *p, size_t len, uint64_t at)
{
    static const char row_tag[] = "<row r=\"";
    const size_t row_len = sizeof row_tag - 1;
    size_t end = len;
    while (end > 0) {
        size_t i = end - 1;
        while (i > 0 && p[i] != '<')
            i--;
        if (p[i] != '<')
            return;
        end = i;
        if (len - i >= SHEET_DATA_END_LEN &&
            memcmp(p + i, sheet_data_end, SHEET_DATA_END_LEN) == 0) {
            if (c->data_end == UINT64_MAX)
                c->data_end = at + i;
            continue;
        }
        if (len - i < row_len || memcmp(p + i, row_tag, row_len) != 0)
            continue;
        unsigned long n = 0;
        size_t k = i + row_len;
        while (k < len && p[k] >= '0' && p[k] <= '9' && n < 100000000ul)
            n = n * 10 + (unsigned long)(p[k++] - '0');
        if (k < len && p[k] == '"') {
            c->last_row = n;
            return;
        }
    }
}

/* Starts checking a part (a sheet when `is_sheet`). */
static void check_start(part_check *c, bool is_sheet)
{
    c->is_sheet = is_sheet;
    c->head_len = c->tail_len = c->carry_len = 0;
    c->total = 0;
    c->last_row = 0;
    c->data_end = UINT64_MAX;
}

/* Takes the next `n` inflated bytes of the part. */
static void check_feed(part_check *c, const unsigned char *p, size_t n)
{
    if (n == 0)
        return;
    if (c->head_len < CHECK_HEAD) {
        size_t take = CHECK_HEAD - c->head_len < n ? CHECK_HEAD - c->head_len : n;
        memcpy(c->head + c->head_len, p, take);
        c->head_len += take;
    }
    if (c->is_sheet) {
        /* What straddles the previous piece and this one, then this one. */
        unsigned char joint[2 * CHECK_CARRY];
        size_t take = n < CHECK_CARRY ? n : CHECK_CARRY;
        memcpy(joint, c->carry, c->carry_len);
        memcpy(joint + c->carry_len, p, take);
        scan_sheet(c, joint, c->carry_len + take, c->total - c->carry_len);
        scan_sheet(c, p, n, c->total);
        size_t keep_old = n >= CHECK_CARRY ? 0 : CHECK_CARRY - n;
        if (keep_old > c->carry_len)
            keep_old = c->carry_len;
        memmove(c->carry, c->carry + c->carry_len - keep_old, keep_old);
        size_t keep_new = n < CHECK_CARRY - keep_old ? n : CHECK_CARRY - keep_old;
        memcpy(c->carry + keep_old, p + n - keep_new, keep_new);
        c->carry_len = keep_old + keep_new;
    }
    if (n >= CHECK_TAIL) {
        memcpy(c->tail, p + n - CHECK_TAIL, CHECK_TAIL);
        c->tail_len = CHECK_TAIL;
    } else {
        size_t keep = c->tail_len < CHECK_TAIL - n ? c->tail_len : CHECK_TAIL - n;
        memmove(c->tail, c->tail + c->tail_len - keep, keep);
        memcpy(c->tail + keep, p, n);
        c->tail_len = keep + n;
    }
    c->total += n;
}

/* After the whole part has been fed: an XML part ends with its root's
 * closing tag (else it was cut short), any other part is not empty, and a
 * sheet (`sheet`, or NULL; number `sheet_no`) has its last row and at least
 * the row data streamed before closing. */
static fc_status check_finish(package_pass *pp, const part_check *c,
                              const fc_xlsx_sheet_info *sheet, size_t sheet_no)
{
    char root[64];
    if (root_name(c->head, c->head_len, root, sizeof root)) {
        char closing[80];
        int clen = snprintf(closing, sizeof closing, "</%s>", root);
        size_t end = c->tail_len;
        while (end > 0 && (c->tail[end - 1] == '\n' || c->tail[end - 1] == '\r' ||
                           c->tail[end - 1] == ' ' || c->tail[end - 1] == '\t'))
            end--;
        if (end < (size_t)clen || memcmp(c->tail + end - clen, closing, (size_t)clen) != 0)
            return fail(pp, FC_ERR_OUTPUT,
                        "part %s of the workbook written ends early: the file system of %s "
                        "is probably full",
                        pp->name, pp->job->tmpdir);
    } else if (c->total == 0 || strstr(pp->name, ".xml") || strstr(pp->name, ".rels")) {
        return fail(pp, FC_ERR_OUTPUT,
                    "part %s of the workbook written is empty: the file system of %s is "
                    "probably full",
                    pp->name, pp->job->tmpdir);
    }
    if (sheet && ((sheet->rows > 0 && c->last_row != sheet->rows) ||
                  c->total < sheet->data_bytes))
        return fail(pp, FC_ERR_OUTPUT,
                    "sheet %zu of the workbook written is missing rows (has %lu of %lu): "
                    "the file system of %s is probably full",
                    sheet_no, c->last_row, (unsigned long)sheet->rows, pp->job->tmpdir);
    return FC_OK;
}

/* ---- Writing the finished package ----------------------------------------- */

/* CRC-32 of `crc` continued over `n` bytes at `p`. */
static uLong crc_more(uLong crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t part = n < CALL_MAX ? n : CALL_MAX;
        crc = crc32(crc, p, (uInt)part);
        p += part;
        n -= part;
    }
    return crc;
}

/* Opens the current entry in the finished package for raw (already
 * compressed) data, with its name, date, attributes and flags; zip64 fields
 * only when sizes up to `bound` need them. */
static fc_status open_out_entry(package_pass *pp, uint64_t bound)
{
    if (!pp->zip)
        return FC_OK;
    const unz_file_info64 *info = &pp->info;
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    zi.tmz_date.tm_sec = info->tmu_date.tm_sec;
    zi.tmz_date.tm_min = info->tmu_date.tm_min;
    zi.tmz_date.tm_hour = info->tmu_date.tm_hour;
    zi.tmz_date.tm_mday = info->tmu_date.tm_mday;
    zi.tmz_date.tm_mon = info->tmu_date.tm_mon;
    zi.tmz_date.tm_year = info->tmu_date.tm_year;
    zi.dosDate = info->dosDate;
    zi.internal_fa = info->internal_fa;
    zi.external_fa = info->external_fa;
    /* minizip derives bits 1-2 from the level; bits 0 (encryption) and 3
     * (data descriptor) it sets itself. */
    static const int levels[4] = {Z_DEFAULT_COMPRESSION, 9, 2, 1};
    int level = levels[(info->flag >> 1) & 3];
    uLong flag_base = info->flag & ~(uLong)0xF;
    int zip64 = bound >= ZIP64_FROM || info->compressed_size >= ZIP64_FROM;
    errno = 0;
    int rc = zipOpenNewFileInZip4_64(pp->zip, pp->name, &zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED,
                                     level, 1, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, NULL, 0,
                                     info->version, flag_base, zip64);
    if (rc != ZIP_OK)
        return rc == ZIP_ERRNO ? write_failed(pp, errno)
                               : fail(pp, FC_ERR_INTERNAL, "cannot add %s to the workbook (%d)",
                                      pp->name, rc);
    return FC_OK;
}

/* Appends `n` compressed bytes to the open entry of the finished package. */
static fc_status write_out(package_pass *pp, const unsigned char *p, size_t n)
{
    if (!pp->zip)
        return FC_OK;
    while (n > 0) {
        size_t part = n < CALL_MAX ? n : CALL_MAX;
        errno = 0;
        if (zipWriteInFileInZip(pp->zip, p, (unsigned)part) != ZIP_OK)
            return write_failed(pp, errno);
        p += part;
        n -= part;
    }
    return FC_OK;
}

/* Closes the open entry of the finished package, recording the size and
 * CRC of its uncompressed content. */
static fc_status close_out_entry(package_pass *pp, uint64_t size, uLong crc)
{
    if (!pp->zip)
        return FC_OK;
    errno = 0;
    int rc = zipCloseFileInZipRaw64(pp->zip, size, crc);
    if (rc != ZIP_OK)
        return rc == ZIP_ERRNO ? write_failed(pp, errno)
                               : fail(pp, FC_ERR_INTERNAL, "cannot add %s to the workbook (%d)",
                                      pp->name, rc);
    return FC_OK;
}

/* ---- Copying a part as it is ---------------------------------------------- */

/* Copies the current entry raw into the finished package while inflating
 * it into `check`; checks its size and CRC. */
static fc_status copy_part(package_pass *pp, part_check *check)
{
    z_stream *z = &pp->inflater;
    if (inflateReset(z) != Z_OK)
        return fail(pp, FC_ERR_INTERNAL, "inflateReset failed");
    fc_status st = open_out_entry(pp, pp->info.uncompressed_size);
    uLong crc = crc32(0L, Z_NULL, 0);
    bool ended = false;
    while (!st) {
        int n = unzReadCurrentFile(pp->unz, pp->raw, (unsigned)PKG_CHUNK);
        if (n < 0 || (n > 0 && ended))
            return damaged(pp);
        if (n == 0)
            break;
        st = write_out(pp, pp->raw, (size_t)n);
        z->next_in = pp->raw;
        z->avail_in = (uInt)n;
        while (!st && !ended) {
            z->next_out = pp->plain;
            z->avail_out = (uInt)PKG_CHUNK;
            int r = inflate(z, Z_NO_FLUSH);
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
                return damaged(pp);
            size_t made = PKG_CHUNK - z->avail_out;
            crc = crc_more(crc, pp->plain, made);
            check_feed(check, pp->plain, made);
            if (r == Z_STREAM_END)
                ended = true;
            else if (z->avail_out != 0)
                break; /* all input taken */
        }
        if (!st && ended && z->avail_in != 0)
            return damaged(pp);
    }
    if (st)
        return st;
    if (!ended || check->total != pp->info.uncompressed_size || crc != pp->info.crc)
        return damaged(pp);
    return close_out_entry(pp, pp->info.uncompressed_size, pp->info.crc);
}

/* ---- Splicing the ranges into a sheet --------------------------------------- */

/* True when the inflated bytes before offset `at` end with the beginning of
 * `</sheetData>` (a tag that may start before a boundary at `at`). */
static bool ends_in_data_end(const package_pass *pp, uint64_t at)
{
    for (size_t k = 1; k < SHEET_DATA_END_LEN; k++) {
        if (at < pp->kept_base + k)
            break;
        const char *p = pp->kept.data + (at - k - pp->kept_base);
        if (memcmp(p, sheet_data_end, k) == 0)
            return true;
    }
    return false;
}

/* Moves the splice point to the block boundary just reached: `in_total`
 * compressed bytes consumed, `unused` bits of the last one not used,
 * `out_total` bytes inflated. The compressed bytes wholly before it are
 * copied out; the inflated bytes are kept from DEFLATE_WINDOW before it. */
static fc_status advance_point(package_pass *pp, splice_point *cut, uint64_t in_total,
                               int unused, uint64_t out_total)
{
    /* pp->held holds the compressed bytes [cut->in_bytes, in_total). */
    uint64_t whole = in_total - (unused ? 1 : 0);
    size_t give = (size_t)(whole - cut->in_bytes);
    fc_status st = write_out(pp, (const unsigned char *)pp->held.data, give);
    if (st)
        return st;
    cut->bits = unused ? 8 - unused : 0;
    cut->byte = unused ? (unsigned char)pp->held.data[pp->held.len - 1] : 0;
    memmove(pp->held.data, pp->held.data + give, pp->held.len - give);
    pp->held.len -= give;
    cut->crc = crc_more(cut->crc,
                        (const unsigned char *)pp->kept.data + (cut->out_bytes - pp->kept_base),
                        (size_t)(out_total - cut->out_bytes));
    cut->in_bytes = whole;
    cut->out_bytes = out_total;
    if (pp->kept.len >= SPLICE_COMPACT && out_total - pp->kept_base > DEFLATE_WINDOW) {
        size_t drop = (size_t)(out_total - DEFLATE_WINDOW - pp->kept_base);
        memmove(pp->kept.data, pp->kept.data + drop, pp->kept.len - drop);
        pp->kept.len -= drop;
        pp->kept_base += drop;
    }
    return FC_OK;
}

/* Compresses `n` bytes at `p` into the open entry; with `flush` Z_FINISH
 * the stream is ended. */
static fc_status deflate_out(package_pass *pp, const unsigned char *p, size_t n, int flush)
{
    z_stream *z = &pp->deflater;
    int r = Z_OK;
    do {
        bool last = n <= CALL_MAX;
        size_t part = last ? n : CALL_MAX;
        z->next_in = (unsigned char *)p;
        z->avail_in = (uInt)part;
        int f = last ? flush : Z_NO_FLUSH;
        do {
            z->next_out = pp->packed;
            z->avail_out = (uInt)PKG_CHUNK;
            r = deflate(z, f);
            if (r == Z_STREAM_ERROR)
                return fail(pp, FC_ERR_INTERNAL, "deflate failed");
            fc_status st = write_out(pp, pp->packed, PKG_CHUNK - z->avail_out);
            if (st)
                return st;
        } while (z->avail_out == 0);
        p += part;
        n -= part;
    } while (n > 0);
    if (flush == Z_FINISH && r != Z_STREAM_END)
        return fail(pp, FC_ERR_INTERNAL, "deflate did not finish");
    return FC_OK;
}

/* Writes a cell reference (A1) at `out`; returns its length. */
static size_t put_cell(char *out, uint32_t row, uint32_t col)
{
    char letters[8];
    fc_column_name(col, letters);
    size_t n = strlen(letters);
    memcpy(out, letters, n);
    char digits[12];
    size_t d = 0;
    for (uint64_t v = (uint64_t)row + 1; v > 0; v /= 10)
        digits[d++] = (char)('0' + v % 10);
    while (d > 0)
        out[n++] = digits[--d];
    return n;
}

/* Compresses `<mergeCells count="N">`, the sheet's ranges read from the
 * spill file and `</mergeCells>` into the open entry; adds their CRC and
 * length to *crc and *size. */
static fc_status deflate_ranges(package_pass *pp, const fc_xlsx_sheet_info *sheet, uLong *crc,
                                uint64_t *size)
{
    FILE *f = pp->job->ranges;
    off_t at = (off_t)(sheet->range_first * sizeof(fc_xlsx_range));
    if (!f || fseeko(f, at, SEEK_SET) != 0)
        return fail(pp, FC_ERR_OUTPUT, "cannot read temporary data in %s: %s", pp->job->tmpdir,
                    f ? strerror(errno) : "no merged ranges kept");
    pp->text.len = 0;
    char head[48];
    int hlen = snprintf(head, sizeof head, "<mergeCells count=\"%llu\">",
                        (unsigned long long)sheet->range_count);
    if (!fc_buf_append(&pp->text, head, (size_t)hlen))
        return fail(pp, FC_ERR_NOMEM, "out of memory");
    uint64_t left = sheet->range_count;
    while (left > 0) {
        size_t want = left < RANGES_PER_READ ? (size_t)left : RANGES_PER_READ;
        if (fread(pp->ranges, sizeof *pp->ranges, want, f) != want)
            return fail(pp, FC_ERR_OUTPUT, "cannot read temporary data in %s: %s",
                        pp->job->tmpdir, ferror(f) ? strerror(errno) : "it is short");
        left -= want;
        if (!fc_buf_reserve(&pp->text, want * MERGE_TAG_MAX + 16))
            return fail(pp, FC_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < want; i++) {
            const fc_xlsx_range *m = &pp->ranges[i];
            if (m->first_row > m->last_row || m->first_col > m->last_col ||
                m->last_row >= 1048576u || m->last_col >= 16384u)
                return fail(pp, FC_ERR_INTERNAL, "a merged range kept for %s is invalid",
                            pp->name);
            char *out = pp->text.data + pp->text.len;
            memcpy(out, "<mergeCell ref=\"", 16);
            size_t n = 16;
            n += put_cell(out + n, m->first_row, m->first_col);
            out[n++] = ':';
            n += put_cell(out + n, m->last_row, m->last_col);
            memcpy(out + n, "\"/>", 3);
            pp->text.len += n + 3;
        }
        if (left == 0 && !fc_buf_append(&pp->text, "</mergeCells>", 13))
            return fail(pp, FC_ERR_NOMEM, "out of memory");
        const unsigned char *p = (const unsigned char *)pp->text.data;
        *crc = crc_more(*crc, p, pp->text.len);
        *size += pp->text.len;
        fc_status st = deflate_out(pp, p, pp->text.len, Z_NO_FLUSH);
        if (st)
            return st;
        pp->text.len = 0;
    }
    return FC_OK;
}

/* True when the `len` bytes at `p`, what follows `</sheetData>` in a sheet,
 * begin with an element that may not follow <mergeCells> (CT_Worksheet puts
 * these between sheetData and mergeCells) or with a <mergeCells> of its
 * own. libxlsxwriter writes none of them for the writer's sheets. */
static bool follows_badly(const char *p, size_t len)
{
    static const char *const before[] = {
        "<sheetCalcPr", "<sheetProtection", "<protectedRanges", "<scenarios", "<autoFilter",
        "<sortState", "<dataConsolidate", "<customSheetViews", "<mergeCells"};
    for (size_t i = 0; i < sizeof before / sizeof *before; i++) {
        size_t n = strlen(before[i]);
        if (len > n && memcmp(p, before[i], n) == 0 &&
            (p[n] == ' ' || p[n] == '>' || p[n] == '/'))
            return true;
    }
    return false;
}

/* Continues the sheet's deflate stream from the splice point `cut`: a new
 * raw deflate primed with the point's bits and given the DEFLATE_WINDOW
 * bytes before it, compressing the kept bytes up to and with the
 * `</sheetData>` that starts at `data_end`, the ranges, and the kept bytes
 * after; then closes the entry with the new size and CRC. */
static fc_status finish_splice(package_pass *pp, const splice_point *cut, uint64_t data_end,
                               uint64_t out_total, const fc_xlsx_sheet_info *sheet)
{
    size_t at_end = (size_t)(data_end + SHEET_DATA_END_LEN - pp->kept_base);
    size_t last = (size_t)(out_total - pp->kept_base);
    if (follows_badly(pp->kept.data + at_end, last - at_end))
        return fail(pp, FC_ERR_INTERNAL,
                    "cannot add merged ranges to %s: an element that belongs before them "
                    "follows </sheetData>",
                    pp->name);
    z_stream *z = &pp->deflater;
    if (deflateReset(z) != Z_OK)
        return fail(pp, FC_ERR_INTERNAL, "deflateReset failed");
    const unsigned char *kept = (const unsigned char *)pp->kept.data;
    size_t at_cut = (size_t)(cut->out_bytes - pp->kept_base);
    size_t dict = cut->out_bytes < DEFLATE_WINDOW ? (size_t)cut->out_bytes : DEFLATE_WINDOW;
    if (dict > 0 && deflateSetDictionary(z, kept + at_cut - dict, (uInt)dict) != Z_OK)
        return fail(pp, FC_ERR_INTERNAL, "deflateSetDictionary failed");
    if (cut->bits > 0 &&
        deflatePrime(z, cut->bits, cut->byte & ((1 << cut->bits) - 1)) != Z_OK)
        return fail(pp, FC_ERR_INTERNAL, "deflatePrime failed");
    uLong crc = cut->crc;
    uint64_t size = cut->out_bytes;
    crc = crc_more(crc, kept + at_cut, at_end - at_cut);
    size += at_end - at_cut;
    fc_status st = deflate_out(pp, kept + at_cut, at_end - at_cut, Z_NO_FLUSH);
    if (!st)
        st = deflate_ranges(pp, sheet, &crc, &size);
    if (!st) {
        crc = crc_more(crc, kept + at_end, last - at_end);
        size += last - at_end;
        st = deflate_out(pp, kept + at_end, last - at_end, Z_FINISH);
    }
    return st ? st : close_out_entry(pp, size, crc);
}

/* Copies the current entry, a sheet with ranges to add, into the finished
 * package with the ranges spliced in (see the top of the file), checking
 * it like copy_part. */
static fc_status splice_sheet(package_pass *pp, part_check *check,
                              const fc_xlsx_sheet_info *sheet)
{
    z_stream *z = &pp->inflater;
    if (inflateReset(z) != Z_OK)
        return fail(pp, FC_ERR_INTERNAL, "inflateReset failed");
    uint64_t bound = pp->info.uncompressed_size + 64 + sheet->range_count * MERGE_TAG_MAX;
    fc_status st = open_out_entry(pp, bound);
    splice_point cut = {0, 0, 0, 0, crc32(0L, Z_NULL, 0)};
    uint64_t in_total = 0, out_total = 0;
    bool ended = false;
    pp->held.len = 0;
    pp->kept.len = 0;
    pp->kept_base = 0;
    bool eof = false;
    while (!st && !ended && !eof) {
        int n = unzReadCurrentFile(pp->unz, pp->raw, (unsigned)PKG_CHUNK);
        if (n < 0)
            return damaged(pp);
        eof = n == 0; /* inflate may still finish the stream from the bits it holds */
        z->next_in = pp->raw;
        z->avail_in = (uInt)n;
        while (!st) {
            if (pp->kept.len > SPLICE_HOLD_MAX)
                return fail(pp, FC_ERR_INTERNAL,
                            "part %s: no deflate block boundary near its end", pp->name);
            if (!fc_buf_reserve(&pp->kept, PKG_CHUNK))
                return fail(pp, FC_ERR_NOMEM, "out of memory");
            const unsigned char *in_before = z->next_in;
            unsigned char *out = (unsigned char *)pp->kept.data + pp->kept.len;
            z->next_out = out;
            z->avail_out = (uInt)PKG_CHUNK;
            int r = inflate(z, Z_BLOCK);
            if (r == Z_BUF_ERROR)
                break; /* no progress: it needs more input */
            if (r != Z_OK && r != Z_STREAM_END)
                return damaged(pp);
            size_t used = (size_t)(z->next_in - in_before);
            size_t made = PKG_CHUNK - z->avail_out;
            if (check->data_end == UINT64_MAX && !fc_buf_append(&pp->held, in_before, used))
                return fail(pp, FC_ERR_NOMEM, "out of memory");
            check_feed(check, out, made);
            pp->kept.len += made;
            in_total += used;
            out_total += made;
            if (r == Z_STREAM_END) {
                ended = true;
                break;
            }
            /* A boundary after a block that is not the last, with the
             * bits left in the buffer fewer than a byte (and the byte they
             * come from at hand), and all of `</sheetData>` still ahead:
             * the point moves here. */
            int unused = z->data_type & 63;
            if ((z->data_type & 128) && !(z->data_type & 64) && unused < 8 &&
                (unused == 0 || pp->held.len > 0) && check->data_end == UINT64_MAX &&
                !ends_in_data_end(pp, out_total))
                st = advance_point(pp, &cut, in_total, unused, out_total);
        }
    }
    if (!st && ended && (z->avail_in != 0 || unzReadCurrentFile(pp->unz, pp->raw, 1) != 0))
        return damaged(pp); /* bytes after the end of the stream */
    if (st)
        return st;
    if (!ended || out_total != pp->info.uncompressed_size)
        return damaged(pp);
    uLong whole_crc = crc_more(cut.crc,
                               (const unsigned char *)pp->kept.data +
                                   (cut.out_bytes - pp->kept_base),
                               (size_t)(out_total - cut.out_bytes));
    if (whole_crc != pp->info.crc)
        return damaged(pp);
    if (check->data_end == UINT64_MAX || check->data_end < cut.out_bytes)
        return fail(pp, FC_ERR_OUTPUT, "part %s of the workbook written ends early: the file "
                    "system of %s is probably full", pp->name, pp->job->tmpdir);
    return finish_splice(pp, &cut, check->data_end, out_total, sheet);
}

/* ---- The pass ------------------------------------------------------------ */

/* Reads, checks and copies (or splices) the current entry. `seen` marks
 * the sheets found. */
static fc_status pass_entry(package_pass *pp, bool *seen)
{
    const fc_xlsx_package_job *job = pp->job;
    int method = 0, level = 0;
    if (unzGetCurrentFileInfo64(pp->unz, &pp->info, pp->name, sizeof pp->name, NULL, 0, NULL,
                                0) != UNZ_OK ||
        pp->info.size_filename >= sizeof pp->name ||
        unzOpenCurrentFile2(pp->unz, &method, &level, 1) != UNZ_OK)
        return fail(pp, FC_ERR_OUTPUT, "the workbook written is damaged (is the disk full?)");
    if (method != Z_DEFLATED || (pp->info.flag & 1)) {
        unzCloseCurrentFile(pp->unz);
        return damaged(pp);
    }
    unsigned sheet_no = 0;
    char tail_check;
    bool is_sheet = sscanf(pp->name, "xl/worksheets/sheet%u.xm%c", &sheet_no, &tail_check) == 2 &&
                    tail_check == 'l' && sheet_no >= 1 && sheet_no <= job->sheet_count;
    const fc_xlsx_sheet_info *sheet = is_sheet ? &job->sheets[sheet_no - 1] : NULL;
    part_check check;
    check_start(&check, is_sheet);
    fc_status st;
    if (sheet && sheet->range_count > 0 && pp->zip)
        st = splice_sheet(pp, &check, sheet);
    else
        st = copy_part(pp, &check);
    unzCloseCurrentFile(pp->unz);
    if (!st)
        st = check_finish(pp, &check, sheet, sheet_no);
    if (!st && sheet)
        seen[sheet_no - 1] = true;
    return st;
}

/* Frees what the pass holds (the finished package is closed, its errors
 * reported only when `st` is FC_OK). Returns the final status. */
static fc_status pass_end(package_pass *pp, fc_status st)
{
    if (pp->zip) {
        errno = 0;
        int rc = zipClose(pp->zip, NULL);
        int e = errno;
        pp->zip = NULL;
        if (!st && rc != ZIP_OK)
            st = write_failed(pp, e);
    }
    if (pp->unz)
        unzClose(pp->unz);
    if (pp->inflater_ready)
        inflateEnd(&pp->inflater);
    if (pp->deflater_ready)
        deflateEnd(&pp->deflater);
    free(pp->raw);
    free(pp->plain);
    free(pp->packed);
    free(pp->ranges);
    fc_buf_free(&pp->held);
    fc_buf_free(&pp->kept);
    fc_buf_free(&pp->text);
    return st;
}

/* See xlsx.h. */
fc_status fc_xlsx_finish_package(const fc_xlsx_package_job *job, fc_error *err)
{
    package_pass pp;
    memset(&pp, 0, sizeof pp);
    pp.job = job;
    pp.err = err;
    pp.unz = unzOpen64(job->package);
    if (!pp.unz)
        return pass_end(&pp, fail(&pp, FC_ERR_OUTPUT, "the workbook written is not a readable "
                                  "zip file (is the disk full?)"));
    pp.raw = malloc(PKG_CHUNK);
    pp.plain = malloc(PKG_CHUNK);
    pp.packed = malloc(PKG_CHUNK);
    pp.ranges = malloc(RANGES_PER_READ * sizeof *pp.ranges);
    bool *seen = calloc(job->sheet_count ? job->sheet_count : 1, sizeof *seen);
    if (!pp.raw || !pp.plain || !pp.packed || !pp.ranges || !seen) {
        free(seen);
        return pass_end(&pp, fail(&pp, FC_ERR_NOMEM, "out of memory"));
    }
    fc_status st = FC_OK;
    int zr = inflateInit2(&pp.inflater, -MAX_WBITS);
    pp.inflater_ready = zr == Z_OK;
    if (zr == Z_OK && job->target) {
        zr = deflateInit2(&pp.deflater, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                          Z_DEFAULT_STRATEGY);
        pp.deflater_ready = zr == Z_OK;
    }
    if (zr != Z_OK)
        st = fail(&pp, zr == Z_MEM_ERROR ? FC_ERR_NOMEM : FC_ERR_INTERNAL,
                  "cannot set up zlib (%d)", zr);
    if (!st && job->target) {
        errno = 0;
        pp.zip = zipOpen64(job->target, APPEND_STATUS_CREATE);
        if (!pp.zip)
            st = write_failed(&pp, errno);
    }
    int rc = st ? UNZ_OK : unzGoToFirstFile(pp.unz);
    while (!st && rc == UNZ_OK) {
        st = pass_entry(&pp, seen);
        if (!st)
            rc = unzGoToNextFile(pp.unz);
    }
    if (!st && rc != UNZ_END_OF_LIST_OF_FILE)
        st = fail(&pp, FC_ERR_OUTPUT, "the workbook written is damaged (is the disk full?)");
    for (size_t i = 0; !st && i < job->sheet_count; i++)
        if (!seen[i])
            st = fail(&pp, FC_ERR_OUTPUT, "sheet %zu is missing from the workbook written",
                      i + 1);
    free(seen);
    return pass_end(&pp, st);
}
