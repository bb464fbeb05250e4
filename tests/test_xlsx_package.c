/*
 * test_xlsx_package.c - the pass that checks the package libxlsxwriter wrote
 * and splices the stacked layout's merged ranges into its sheets
 * (converters/xlsx_package.c), on packages made here with every deflate
 * block boundary where the test wants it: before, at, inside and after
 * `</sheetData>`, byte-aligned or not, none at all, stored blocks, and
 * sheets long enough for the kept data to be moved down. Each finished
 * package must hold exactly the expected parts (read back with minizip,
 * CRCs checked), keep the compressed bytes before the last usable boundary
 * as they were, and be the same bytes when made twice. Broken packages
 * (missing sheet or rows, a cut part, a bad CRC, not a zip, an unwritable
 * target) fail with the output-failure status; a sheet with an element
 * that the schema puts before <mergeCells> after its `</sheetData>` is
 * refused rather than finished in the wrong order.
 *
 * Then through the writer: more ranges on one sheet than libxlsxwriter can
 * count, each one in place and kept by LibreOffice, and the stacked
 * layout's memory, flat in the number of forms.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unzip.h>
#include <zip.h>
#include <zlib.h>

#include "../converters/xlsx.h"
#include "fc_io.h"
#include "fc_registry.h"
#include "fc_textcodec.h"
#include "support.h"

/* A deflate stream made here, with its flush points. */
typedef struct stream {
    unsigned char *data;      /* raw deflate bytes */
    size_t len;               /* how many */
    size_t whole_at[16];      /* compressed bytes wholly before each flush point */
} stream;

/* Compresses `len` bytes of `text` as raw deflate at `level`, flushing with
 * `flush` (Z_BLOCK: a block boundary not aligned to a byte; Z_SYNC_FLUSH:
 * aligned) at each of the `count` offsets `cuts` (ascending). */
static stream deflate_with_cuts(const char *text, size_t len, int level, int flush,
                                const size_t *cuts, size_t count)
{
    stream s;
    memset(&s, 0, sizeof s);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    size_t cap = len + len / 8 + 4096;
    s.data = malloc(cap);
    assert_non_null(s.data);
    z.next_out = s.data;
    z.avail_out = (uInt)cap;
    size_t at = 0;
    for (size_t i = 0; i <= count; i++) {
        size_t end = i < count ? cuts[i] : len;
        z.next_in = (unsigned char *)text + at;
        z.avail_in = (uInt)(end - at);
        assert_int_not_equal(deflate(&z, i < count ? flush : Z_FINISH), Z_STREAM_ERROR);
        assert_int_equal(z.avail_in, 0);
        assert_true(z.avail_out > 0);
        if (i < count)
            s.whole_at[i] = (size_t)z.total_out;
        at = end;
    }
    s.len = (size_t)z.total_out;
    deflateEnd(&z);
    return s;
}

/* One entry of a package made here. */
typedef struct entry {
    const char *name;         /* its name */
    const char *text;         /* its content */
    size_t len;               /* content length */
    stream packed;            /* its compressed bytes */
    uLong crc;                /* CRC recorded (normally that of the content) */
} entry;

/* An entry for `text` compressed in one go. */
static entry plain_entry(const char *name, const char *text)
{
    entry e = {name, text, strlen(text), deflate_with_cuts(text, strlen(text), 6, Z_BLOCK,
                                                           NULL, 0), 0};
    e.crc = crc32(0L, (const unsigned char *)text, (uInt)e.len);
    return e;
}

/* Writes the entries as a zip package at `path`, their compressed bytes as
 * they are (as libxlsxwriter's minizip calls would write them). */
static void write_package(const char *path, const entry *entries, size_t count)
{
    zipFile zf = zipOpen64(path, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    for (size_t i = 0; i < count; i++) {
        zip_fileinfo zi;
        memset(&zi, 0, sizeof zi);
        zi.tmz_date.tm_year = 1980;
        zi.tmz_date.tm_mday = 1;
        assert_int_equal(zipOpenNewFileInZip2(zf, entries[i].name, &zi, NULL, 0, NULL, 0, NULL,
                                              Z_DEFLATED, Z_DEFAULT_COMPRESSION, 1),
                         ZIP_OK);
        assert_int_equal(zipWriteInFileInZip(zf, entries[i].packed.data,
                                             (unsigned)entries[i].packed.len),
                         ZIP_OK);
        assert_int_equal(zipCloseFileInZipRaw(zf, entries[i].len, entries[i].crc), ZIP_OK);
    }
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
}

/* Reads entry `name` of the zip at `path`: its content (CRC checked by
 * minizip) or, with `raw`, its compressed bytes. NULL when absent. */
static char *read_entry(const char *path, const char *name, bool raw, size_t *len)
{
    unzFile zf = unzOpen64(path);
    assert_non_null(zf);
    char *data = NULL;
    if (unzLocateFile(zf, name, 1) == UNZ_OK) {
        unz_file_info64 info;
        assert_int_equal(unzGetCurrentFileInfo64(zf, &info, NULL, 0, NULL, 0, NULL, 0), UNZ_OK);
        int method, level;
        assert_int_equal(unzOpenCurrentFile2(zf, &method, &level, raw), UNZ_OK);
        size_t size = (size_t)(raw ? info.compressed_size : info.uncompressed_size);
        data = malloc(size + 1);
        assert_non_null(data);
        size_t got = 0;
        for (int n; (n = unzReadCurrentFile(zf, data + got, (unsigned)(size + 1 - got))) > 0;)
            got += (size_t)n;
        assert_int_equal(got, size);
        assert_int_equal(unzCloseCurrentFile(zf), UNZ_OK);
        data[got] = '\0';
        *len = got;
    }
    unzClose(zf);
    return data;
}

/* A worksheet of `rows` rows (each row's text made from the row number,
 * some repetition and some noise), ending with `</sheetData>` and the
 * print settings libxlsxwriter writes after it. *data_end receives the
 * offset of `</sheetData>`. */
static char *make_sheet(size_t rows, size_t *len, size_t *data_end)
{
    fc_buf b = {0};
    const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                       "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
                       "2006/main\"><dimension ref=\"A1:D1\"/><sheetData>";
    fc_buf_append(&b, head, strlen(head));
    uint32_t noise = 12345;
    for (size_t r = 1; r <= rows; r++) {
        char row[256];
        noise = noise * 1103515245u + 12345u;
        int n = snprintf(row, sizeof row,
                         "<row r=\"%zu\" ht=\"23\" customHeight=\"1\"><c r=\"A%zu\" s=\"4\" "
                         "t=\"inlineStr\"><is><t>项目%08x</t></is></c><c r=\"B%zu\" s=\"5\"/>"
                         "</row>",
                         r, r, (unsigned)noise, r);
        fc_buf_append(&b, row, (size_t)n);
    }
    *data_end = b.len;
    const char *tail = "</sheetData><printOptions horizontalCentered=\"1\"/><pageMargins "
                       "left=\"0.6\" right=\"0.6\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" "
                       "footer=\"0.3\"/><pageSetup paperSize=\"9\" orientation=\"portrait\"/>"
                       "</worksheet>";
    fc_buf_append(&b, tail, strlen(tail));
    fc_buf_append(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}

/* The spill file with `count` ranges: a two-row range in column A at every
 * other row from row 1, and the records the writer would append. */
static FILE *make_ranges(size_t count)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    for (size_t i = 0; i < count; i++) {
        fc_xlsx_range r = {(uint32_t)(2 * i), (uint32_t)(2 * i + 1), 0, 3};
        assert_int_equal(fwrite(&r, sizeof r, 1, f), 1);
    }
    assert_int_equal(fflush(f), 0);
    return f;
}

/* The sheet as the finished package must hold it: `count` ranges (as
 * make_ranges, count > 0) after `</sheetData>`. */
static char *expected_sheet(const char *sheet, size_t data_end, size_t count)
{
    fc_buf b = {0};
    fc_buf_append(&b, sheet, data_end + strlen("</sheetData>"));
    char tag[96];
    int n = snprintf(tag, sizeof tag, "<mergeCells count=\"%zu\">", count);
    fc_buf_append(&b, tag, (size_t)n);
    for (size_t i = 0; i < count; i++) {
        n = snprintf(tag, sizeof tag, "<mergeCell ref=\"A%zu:D%zu\"/>", 2 * i + 1, 2 * i + 2);
        fc_buf_append(&b, tag, (size_t)n);
    }
    fc_buf_append(&b, "</mergeCells>", strlen("</mergeCells>"));
    const char *rest = sheet + data_end + strlen("</sheetData>");
    fc_buf_append(&b, rest, strlen(rest) + 1);
    return b.data;
}

/* Where the test's files go. */
typedef struct paths {
    char dir[4096];           /* a fresh directory */
    char package[4200];       /* the package "libxlsxwriter" wrote */
    char target[4200];        /* the finished package */
} paths;

/* Fresh paths. */
static paths new_paths(void)
{
    paths p;
    snprintf(p.dir, sizeof p.dir, "%s", fc_test_tmpdir());
    snprintf(p.package, sizeof p.package, "%s/lxw.zip", p.dir);
    snprintf(p.target, sizeof p.target, "%s/out.xlsx", p.dir);
    return p;
}

/* Runs the pass over `p->package` with sheets `infos` (`count`) and the
 * spill file `ranges`, writing `target` (NULL: check only). */
static fc_status finish(const paths *p, const char *target, const fc_xlsx_sheet_info *infos,
                        size_t count, FILE *ranges, fc_error *err)
{
    fc_xlsx_package_job job = {
        .package = p->package,
        .target = target,
        .ranges = ranges,
        .sheets = infos,
        .sheet_count = count,
        .name = "out.xlsx",
        .tmpdir = p->dir,
    };
    fc_error_clear(err);
    return fc_xlsx_finish_package(&job, err);
}

/* Length of the common prefix of two byte strings. */
static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = 0;
    while (n < alen && n < blen && a[n] == b[n])
        n++;
    return n;
}

/* Makes a package whose first sheet (`rows` rows) is compressed at `level`
 * with `flush` at the offsets `cuts` given relative to `</sheetData>`
 * (`count` of them), adds `ranges` ranges, and checks the finished package:
 * every part as expected, the first sheet's compressed bytes kept up to the
 * flush point `keep` (an index into cuts; -1: none need be kept), the same
 * bytes when made again. */
static void check_splice(size_t rows, int level, int flush, const long *cuts, size_t count,
                         int keep, size_t ranges)
{
    paths p = new_paths();
    size_t len, data_end;
    char *sheet = make_sheet(rows, &len, &data_end);
    size_t offsets[16];
    for (size_t i = 0; i < count; i++)
        offsets[i] = (size_t)((long)data_end + cuts[i]);
    entry entries[4];
    entries[0] = plain_entry("[Content_Types].xml",
                             "<?xml version=\"1.0\"?>\n<Types><Default/></Types>");
    entries[1] = (entry){"xl/worksheets/sheet1.xml", sheet, len,
                         deflate_with_cuts(sheet, len, level, flush, offsets, count),
                         crc32(0L, (const unsigned char *)sheet, (uInt)len)};
    size_t len2, end2;
    char *sheet2 = make_sheet(40, &len2, &end2);
    entries[2] = plain_entry("xl/worksheets/sheet2.xml", sheet2);
    entries[3] = plain_entry("docProps/app.xml", "<Properties>formconv</Properties>\n");
    write_package(p.package, entries, 4);
    FILE *spill = make_ranges(ranges + 5);
    /* The first sheet's ranges start after five records of another sheet. */
    fc_xlsx_sheet_info infos[2] = {{(uint32_t)rows, len / 2, 5, ranges}, {40, 0, 0, 0}};
    fc_error err;
    fc_status st = finish(&p, p.target, infos, 2, spill, &err);
    if (st)
        fprintf(stderr, "%s: %s\n", err.location, err.message);
    assert_int_equal(st, FC_OK);
    /* The records of the first sheet start at index 5: shift the rows. A
     * sheet without ranges is copied as it is. */
    char *want = ranges ? expected_sheet(sheet, data_end, ranges) : strdup(sheet);
    if (ranges > 0) {
        fc_buf shifted = {0};
        fc_buf_append(&shifted, want, strstr(want, "<mergeCells") - want);
        char tag[96];
        int n = snprintf(tag, sizeof tag, "<mergeCells count=\"%zu\">", ranges);
        fc_buf_append(&shifted, tag, (size_t)n);
        for (size_t i = 5; i < ranges + 5; i++) {
            n = snprintf(tag, sizeof tag, "<mergeCell ref=\"A%zu:D%zu\"/>", 2 * i + 1, 2 * i + 2);
            fc_buf_append(&shifted, tag, (size_t)n);
        }
        const char *rest = strstr(want, "</mergeCells>");
        fc_buf_append(&shifted, rest, strlen(rest) + 1);
        free(want);
        want = shifted.data;
    }
    size_t got_len;
    char *got = read_entry(p.target, "xl/worksheets/sheet1.xml", false, &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, strlen(want));
    assert_memory_equal(got, want, got_len);
    free(got);
    /* The other parts: the same content and the same compressed bytes. */
    for (size_t i = 0; i < 4; i++) {
        if (i == 1)
            continue;
        char *raw = read_entry(p.target, entries[i].name, true, &got_len);
        assert_non_null(raw);
        assert_int_equal(got_len, entries[i].packed.len);
        assert_memory_equal(raw, entries[i].packed.data, got_len);
        free(raw);
        got = read_entry(p.target, entries[i].name, false, &got_len);
        assert_int_equal(got_len, entries[i].len);
        assert_memory_equal(got, entries[i].text, got_len);
        free(got);
    }
    /* The first sheet's compressed bytes before the usable boundary are
     * copied, not compressed again. */
    char *raw = read_entry(p.target, "xl/worksheets/sheet1.xml", true, &got_len);
    size_t kept = common_prefix(raw, got_len, (const char *)entries[1].packed.data,
                                entries[1].packed.len);
    if (keep >= 0)
        assert_true(kept >= entries[1].packed.whole_at[keep]);
    if (ranges == 0)
        assert_int_equal(kept, entries[1].packed.len);
    free(raw);
    /* Made again: the same bytes. */
    size_t first_len, second_len;
    char *first = fc_test_read_file(p.target, &first_len);
    assert_int_equal(finish(&p, p.target, infos, 2, spill, &err), FC_OK);
    char *second = fc_test_read_file(p.target, &second_len);
    assert_int_equal(first_len, second_len);
    assert_memory_equal(first, second, first_len);
    free(first);
    free(second);
    /* Checking only: the same verdict, nothing written. */
    assert_int_equal(finish(&p, NULL, infos, 2, spill, &err), FC_OK);
    fclose(spill);
    free(want);
    free(sheet);
    free(sheet2);
    for (size_t i = 0; i < 4; i++)
        free(entries[i].packed.data);
    fc_test_rmtree(p.dir);
}

/* Block boundaries (not byte-aligned) well before `</sheetData>`. */
static void test_boundary_before_end(void **state)
{
    (void)state;
    const long cuts[] = {-5000, -1000};
    check_splice(400, 6, Z_BLOCK, cuts, 2, 1, 30);
}

/* A boundary exactly where `</sheetData>` starts. */
static void test_boundary_at_end(void **state)
{
    (void)state;
    const long cuts[] = {-3000, 0};
    check_splice(400, 6, Z_BLOCK, cuts, 2, 1, 30);
}

/* A boundary inside `</sheetData>` cannot be used: the one before it is. */
static void test_boundary_inside_end(void **state)
{
    (void)state;
    for (long inside = 1; inside < 12; inside++) {
        const long cuts[] = {-300, inside};
        check_splice(400, 6, Z_BLOCK, cuts, 2, 0, 30);
    }
}

/* A boundary after `</sheetData>` cannot be used either. */
static void test_boundary_after_end(void **state)
{
    (void)state;
    const long cuts[] = {-50, 12, 40};
    check_splice(400, 6, Z_BLOCK, cuts, 3, 0, 30);
}

/* Byte-aligned boundaries (a sync flush ends with an empty stored block). */
static void test_aligned_boundary(void **state)
{
    (void)state;
    const long cuts[] = {-20000, -2000};
    check_splice(400, 6, Z_SYNC_FLUSH, cuts, 2, 1, 30);
}

/* A small sheet of one block: nothing to keep, all of it compressed again. */
static void test_single_block(void **state)
{
    (void)state;
    check_splice(20, 6, Z_BLOCK, NULL, 0, -1, 3);
}

/* Stored blocks (level 0): byte-aligned boundaries every 64 KiB. */
static void test_stored_blocks(void **state)
{
    (void)state;
    check_splice(3000, 0, Z_BLOCK, NULL, 0, -1, 30);
}

/* A long sheet with a boundary every few kilobytes: the kept data is moved
 * down many times and the dictionary still comes from the right place. */
static void test_long_sheet(void **state)
{
    (void)state;
    long cuts[16];
    size_t count = 0;
    for (long back = 15 * 7001; back > 0 && count < 16; back -= 7001)
        cuts[count++] = -back - 13;
    check_splice(20000, 6, Z_BLOCK, cuts, count, (int)count - 1, 30);
}

/* More ranges than 16 bits count, and none at all. */
static void test_range_counts(void **state)
{
    (void)state;
    const long cuts[] = {-1000};
    check_splice(400, 6, Z_BLOCK, cuts, 1, 0, 70000);
    check_splice(400, 6, Z_BLOCK, cuts, 1, -1, 0);
}

/* Makes a package whose one sheet holds the `len` bytes at `sheet` (its
 * CRC recorded as `crc`) and asserts that the pass, with `infos` (`count`
 * sheets) and three ranges, fails with the output-failure status and
 * `message` in the message, both when finishing and when only checking. */
static void expect_broken(const char *sheet, size_t len, uLong crc,
                          const fc_xlsx_sheet_info *infos, size_t count, const char *message)
{
    paths p = new_paths();
    entry e = {"xl/worksheets/sheet1.xml", sheet, len,
               deflate_with_cuts(sheet, len, 6, Z_BLOCK, NULL, 0), crc};
    write_package(p.package, &e, 1);
    FILE *spill = make_ranges(3);
    fc_error err;
    for (int check_only = 0; check_only < 2; check_only++) {
        fc_status st = finish(&p, check_only ? NULL : p.target, infos, count, spill, &err);
        assert_int_equal(st, FC_ERR_OUTPUT);
        if (!strstr(err.message, message))
            fprintf(stderr, "message: %s\n", err.message);
        assert_non_null(strstr(err.message, message));
        assert_string_equal(err.location, "out.xlsx");
    }
    fclose(spill);
    free(e.packed.data);
    fc_test_rmtree(p.dir);
}

/* What libxlsxwriter may leave when the disk fills, and other damage. */
static void test_broken_packages(void **state)
{
    (void)state;
    size_t len, data_end;
    char *sheet = make_sheet(50, &len, &data_end);
    uLong crc = crc32(0L, (const unsigned char *)sheet, (uInt)len);
    fc_xlsx_sheet_info one = {50, 100, 0, 3};
    fc_xlsx_sheet_info two[2] = {{50, 100, 0, 3}, {10, 0, 3, 0}};
    expect_broken(sheet, len, crc, two, 2, "sheet 2 is missing");
    fc_xlsx_sheet_info more = {51, 100, 0, 3};
    expect_broken(sheet, len, crc, &more, 1, "missing rows (has 50 of 51)");
    fc_xlsx_sheet_info streamed = {50, len + 1, 0, 3};
    expect_broken(sheet, len, crc, &streamed, 1, "missing rows");
    expect_broken(sheet, len, crc ^ 1, &one, 1,
                  "part xl/worksheets/sheet1.xml of the workbook written is damaged");
    /* Cut short after its rows: no `</sheetData>`, no closing tag. */
    expect_broken(sheet, data_end, crc32(0L, (const unsigned char *)sheet, (uInt)data_end), &one,
                  1, "ends early");
    /* Elements the ranges would have to go after (or ranges already there):
     * refused rather than written in an order the schema forbids. */
    const char *first[] = {"<autoFilter ref=\"A1:D1\"/>", "<sheetProtection sheet=\"1\"/>",
                           "<mergeCells count=\"1\"><mergeCell ref=\"A1:D1\"/></mergeCells>"};
    for (size_t i = 0; i < 3; i++) {
        fc_buf odd = {0};
        size_t after = data_end + strlen("</sheetData>");
        fc_buf_append(&odd, sheet, after);
        fc_buf_append(&odd, first[i], strlen(first[i]));
        fc_buf_append(&odd, sheet + after, len - after);
        paths q = new_paths();
        entry e = {"xl/worksheets/sheet1.xml", odd.data, odd.len,
                   deflate_with_cuts(odd.data, odd.len, 6, Z_BLOCK, NULL, 0),
                   crc32(0L, (const unsigned char *)odd.data, (uInt)odd.len)};
        write_package(q.package, &e, 1);
        FILE *spill = make_ranges(3);
        fc_error err;
        assert_int_equal(finish(&q, NULL, &one, 1, spill, &err), FC_OK); /* a good part */
        assert_int_equal(finish(&q, q.target, &one, 1, spill, &err), FC_ERR_INTERNAL);
        assert_non_null(strstr(err.message, "an element that belongs before them"));
        fclose(spill);
        free(e.packed.data);
        fc_buf_free(&odd);
        fc_test_rmtree(q.dir);
    }
    /* Not a zip at all. */
    paths p = new_paths();
    assert_true(fc_test_write_file(p.package, sheet, len));
    fc_error err;
    assert_int_equal(finish(&p, p.target, &one, 1, NULL, &err), FC_ERR_OUTPUT);
    assert_non_null(strstr(err.message, "not a readable zip file"));
    /* A good package, a target that cannot be written. */
    entry e = {"xl/worksheets/sheet1.xml", sheet, len,
               deflate_with_cuts(sheet, len, 6, Z_BLOCK, NULL, 0), crc};
    write_package(p.package, &e, 1);
    FILE *spill = make_ranges(3);
    assert_int_equal(finish(&p, p.target, &one, 1, spill, &err), FC_OK);
    char nowhere[4300];
    snprintf(nowhere, sizeof nowhere, "%s/no-such-dir/out.xlsx", p.dir);
    assert_int_equal(finish(&p, nowhere, &one, 1, spill, &err), FC_ERR_OUTPUT);
    assert_non_null(strstr(err.message, "cannot write the workbook: No such file or directory"));
    fclose(spill);
    free(e.packed.data);
    fc_test_rmtree(p.dir);
    free(sheet);
}

/* ---- Through the writer ------------------------------------------------ */

/* The seed as a document. */
static fc_doc *seed_doc(void)
{
    size_t len;
    char *text = fc_test_read_file(fc_test_path("fixtures/seed.txt"), &len);
    assert_non_null(text);
    fc_doc *doc = NULL;
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_test_read_doc("text", text, len, "seed.txt", NULL, &doc, &err), FC_OK);
    free(text);
    return doc;
}

/* Writes `doc` as a stacked XLSX workbook to `path`. Returns the status;
 * `err` receives the error. */
static fc_status write_doc(const fc_doc *doc, const char *path, fc_error *err)
{
    fc_options opts = fc_test_options();
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    fc_status st = fc_output_open(path, &out, err);
    if (!st)
        st = fc_converter_by_name("xlsx")->open_writer(out, &opts, &sink, err);
    if (!st)
        st = fc_sink_run_doc(sink, doc, err);
    if (!st)
        st = fc_output_commit(out, err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(out);
    return st;
}

/* qsort comparison of C strings. */
static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The refs of the <mergeCell> elements in the sheet XML `xml`, in order
 * (malloc'd strings in a malloc'd array); *count receives how many and
 * *declared the count attribute of <mergeCells> (0 when absent). */
static char **merge_refs(const char *xml, size_t *count, unsigned long *declared)
{
    *count = 0;
    *declared = 0;
    const char *list = strstr(xml, "<mergeCells count=\"");
    if (list)
        *declared = strtoul(list + strlen("<mergeCells count=\""), NULL, 10);
    size_t cap = 1024;
    char **refs = malloc(cap * sizeof *refs);
    assert_non_null(refs);
    for (const char *p = strstr(xml, "<mergeCell ref=\""); p;
         p = strstr(p, "<mergeCell ref=\"")) {
        p += strlen("<mergeCell ref=\"");
        size_t n = strcspn(p, "\"");
        if (*count == cap) {
            cap *= 2;
            char **bigger = realloc(refs, cap * sizeof *refs);
            assert_non_null(bigger);
            refs = bigger;
        }
        refs[(*count)++] = strndup(p, n);
        p += n;
    }
    return refs;
}

/* Frees what merge_refs returned. */
static void free_refs(char **refs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(refs[i]);
    free(refs);
}

/* More merged ranges on one sheet than libxlsxwriter can count (it keeps
 * the count in 16 bits and wrote count="68" for 65,604): the writer adds
 * them itself, each one, with the exact count, right after </sheetData>;
 * LibreOffice reads them all (and saves the same count again). */
static void test_many_merged_ranges(void **state)
{
    (void)state;
    fc_doc *seed = seed_doc();
    fc_doc *doc = fc_doc_new();
    assert_int_equal(fc_doc_set_attachment(doc, "附件 2", strlen("附件 2")), FC_OK);
    fc_form *form = fc_form_new();
    assert_int_equal(fc_form_copy(form, seed->forms[0]), FC_OK);
    form->indicator_count = 0;
    /* Each group: a first- and a second-level cell merged over two rows. */
    const size_t groups = 32800;
    for (size_t g = 0; g < groups; g++) {
        char level1[32], level2[32];
        snprintf(level1, sizeof level1, "%zu-产出指标", g + 1);
        snprintf(level2, sizeof level2, "%zu1-数量指标", g + 1);
        assert_int_equal(fc_form_add_indicator(form, level1, level2, "人数", "22 人", NULL),
                         FC_OK);
        assert_int_equal(fc_form_add_indicator(form, level1, level2, "满意度", "90%", NULL),
                         FC_OK);
    }
    assert_int_equal(fc_doc_add_form(doc, form), FC_OK);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    char path[4200];
    snprintf(path, sizeof path, "%s/merges.xlsx", dir);
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(write_doc(doc, path, &err), FC_OK);
    size_t len;
    char *sheet = read_entry(path, "xl/worksheets/sheet1.xml", false, &len);
    assert_non_null(sheet);
    /* Title, unit line, project name, goal, then two ranges a group from
     * the indicator rows (the first at row 13). */
    const size_t want = 4 + 2 * groups;
    size_t count;
    unsigned long declared;
    char **refs = merge_refs(sheet, &count, &declared);
    assert_int_equal(count, want);
    assert_int_equal(declared, want);
    const char *fixed[4] = {"A3:D3", "A5:D5", "B7:D7", "B11:D11"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(refs[i], fixed[i]);
    for (size_t g = 0; g < groups; g++) {
        char ref[32];
        snprintf(ref, sizeof ref, "A%zu:A%zu", 13 + 2 * g, 14 + 2 * g);
        assert_string_equal(refs[4 + 2 * g], ref);
        snprintf(ref, sizeof ref, "B%zu:B%zu", 13 + 2 * g, 14 + 2 * g);
        assert_string_equal(refs[5 + 2 * g], ref);
    }
    assert_non_null(strstr(sheet, "</row></sheetData><mergeCells count="));
    assert_non_null(strstr(sheet, "\"/></mergeCells><printOptions "));
    free(sheet);
    /* LibreOffice opens it and keeps every range: saved again as XLSX (in
     * a directory of its own), the same ranges and the same count. */
    char lo_dir[4200];
    snprintf(lo_dir, sizeof lo_dir, "%s/lo", dir);
    assert_int_equal(mkdir(lo_dir, 0700), 0);
    fc_test_soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", lo_dir);
    char resaved[4300];
    snprintf(resaved, sizeof resaved, "%s/merges.xlsx", lo_dir);
    sheet = read_entry(resaved, "xl/worksheets/sheet1.xml", false, &len);
    assert_non_null(sheet);
    size_t lo_count;
    char **lo_refs = merge_refs(sheet, &lo_count, &declared);
    assert_int_equal(lo_count, want);
    assert_int_equal(declared, want);
    qsort(refs, count, sizeof *refs, compare_strings);
    qsort(lo_refs, lo_count, sizeof *lo_refs, compare_strings);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(refs[i], lo_refs[i]);
    free_refs(lo_refs, lo_count);
    free_refs(refs, count);
    free(sheet);
    fc_test_rmtree(dir);
    fc_doc_free(doc);
    fc_doc_free(seed);
}

/* Converts a dump of the seed's forms repeated to `forms` forms (at least)
 * into a stacked workbook in `dir` with the plain build, through the
 * measure tool (native even when this test runs under valgrind); returns
 * the peak resident set in KiB. */
static long stacked_peak_kb(const char *dir, size_t forms)
{
    size_t len;
    char *all = fc_test_read_file(fc_test_path("fixtures/seed.canonical.txt"), &len);
    assert_non_null(all);
    const char *body = strstr(all, "部门项目支出预算绩效目标表");
    assert_non_null(body);
    char dump[4200], xlsx[4200];
    snprintf(dump, sizeof dump, "%s/many.txt", dir);
    snprintf(xlsx, sizeof xlsx, "%s/many.xlsx", dir);
    FILE *f = fopen(dump, "wb");
    assert_non_null(f);
    fputs("附件 2\n\n", f);
    size_t body_len = len - (size_t)(body - all);
    for (size_t done = 0; done < forms; done += 9) /* nine forms a copy */
        assert_int_equal(fwrite(body, 1, body_len, f), body_len);
    assert_int_equal(fclose(f), 0);
    free(all);
    const char *argv[] = {FC_MEASURE, "-o", "/dev/null", "--", FC_PLAIN_BINARY, "convert",
                          dump, "-o", xlsx, NULL};
    char *out = NULL;
    assert_int_equal(fc_test_run(argv, NULL, &out, NULL), 0);
    const char *rss = out ? strstr(out, "peak_rss_kb=") : NULL;
    assert_non_null(rss);
    long kb = strtol(rss + strlen("peak_rss_kb="), NULL, 10);
    assert_non_null(strstr(out, "status=0"));
    free(out);
    unlink(dump);
    unlink(xlsx);
    return kb;
}

/* The stacked layout's memory does not grow with the number of forms:
 * 20,000 forms (20 sheets, some 160,000 merged ranges, which libxlsxwriter
 * alone would keep in about 5 MB) take at most 3 MB more than 1,000. */
static void test_stacked_memory_is_flat(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", fc_test_tmpdir());
    long small = stacked_peak_kb(dir, 1000);
    long large = stacked_peak_kb(dir, 20000);
    if (large >= 32 * 1024 || large > small + 3 * 1024)
        fail_msg("peak RSS %ld KiB for 1,000 forms, %ld KiB for 20,000", small, large);
    fc_test_rmtree(dir);
}

/* Runs every test; the exit status is the number of failures. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_before_end),
        cmocka_unit_test(test_boundary_at_end),
        cmocka_unit_test(test_boundary_inside_end),
        cmocka_unit_test(test_boundary_after_end),
        cmocka_unit_test(test_aligned_boundary),
        cmocka_unit_test(test_single_block),
        cmocka_unit_test(test_stored_blocks),
        cmocka_unit_test(test_long_sheet),
        cmocka_unit_test(test_range_counts),
        cmocka_unit_test(test_broken_packages),
        cmocka_unit_test(test_many_merged_ranges),
        cmocka_unit_test(test_stacked_memory_is_flat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
