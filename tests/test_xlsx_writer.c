/*
 * test_xlsx_writer.c - the XLSX writer: the 附件 2 table as written, checked
 * part by part against golden data, read back through the recognizer, opened
 * in real clients (LibreOffice, openpyxl), and failing cleanly (unwritable
 * directory, full disk, texts a workbook cannot hold).
 *
 * The workbook is unzipped with minizip and parsed with libxml2 into a
 * "book": sheets with their cells (position, style, text), merged ranges,
 * row heights, column widths and page set-up, which is printed as text and
 * compared with the .txt files in fixtures/xlsx. Set FC_UPDATE_GOLDEN=1 to rewrite the
 * golden files after a deliberate change (then review the diff).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <unzip.h>

#include "fc_converter.h"
#include "fc_io.h"
#include "fc_recognizer.h"
#include "fc_registry.h"
#include "fc_textcodec.h"
#include "fc_utf8.h"
#include "support.h"
#include "../converters/xlsx.h"

/* ---- A parsed workbook --------------------------------------------------- */

/* One cell as written. */
typedef struct xcell {
    uint32_t row, col;   /* zero-based position */
    int style;           /* index into cellXfs */
    char *raw;           /* text as stored (escapes kept) */
    char *text;          /* text as a reader sees it (_xHHHH_ decoded) */
} xcell;

/* One merged range. */
typedef struct xmerge {
    uint32_t r1, c1, r2, c2; /* first and last row and column, zero-based */
} xmerge;

/* One sheet. */
typedef struct xsheet {
    char *name;              /* sheet name */
    char *part;              /* its part, "xl/worksheets/sheet1.xml" */
    xcell *cells;            /* cells in document order */
    size_t ncells, cap_cells;
    xmerge *merges;          /* merged ranges */
    size_t nmerges, cap_merges;
    double heights[1 << 16]; /* row heights by row (0: not set); sheets here are short */
    uint32_t nrows;          /* one past the last row present */
    double widths[64];       /* column widths (0: not set) */
    uint32_t ncols;          /* one past the last column with a width */
    fc_buf setup;            /* page set-up as text lines */
} xsheet;

/* A workbook. */
typedef struct xbook {
    xsheet **sheets;         /* sheets in order */
    size_t nsheets;
    char **styles;           /* description of each cellXfs entry */
    size_t nstyles;
    char *print_areas;       /* the defined names, one a line */
    char *core;              /* docProps/core.xml as written */
} xbook;

/* Reads part `name` of the zip at `path` (NULL when absent). */
static char *zip_part(const char *path, const char *name, size_t *len)
{
    unzFile zf = unzOpen64(path);
    if (!zf)
        return NULL;
    char *data = NULL;
    if (unzLocateFile(zf, name, 1) == UNZ_OK && unzOpenCurrentFile(zf) == UNZ_OK) {
        unz_file_info64 info;
        unzGetCurrentFileInfo64(zf, &info, NULL, 0, NULL, 0, NULL, 0);
        data = malloc((size_t)info.uncompressed_size + 1);
        int n = unzReadCurrentFile(zf, data, (unsigned)info.uncompressed_size);
        if (n < 0 || (uint64_t)n != info.uncompressed_size || unzCloseCurrentFile(zf) != UNZ_OK) {
            free(data);
            data = NULL;
        } else {
            data[n] = '\0';
            if (len)
                *len = (size_t)n;
        }
    }
    unzClose(zf);
    return data;
}

/* Parses an XML part. */
static xmlDocPtr parse_part(const char *path, const char *name)
{
    size_t len = 0;
    char *data = zip_part(path, name, &len);
    if (!data)
        return NULL;
    xmlDocPtr doc = xmlReadMemory(data, (int)len, name, NULL, XML_PARSE_NONET);
    free(data);
    return doc;
}

/* True when `node` is an element with local name `name`. */
static bool is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* First child element named `name`, or NULL. */
static xmlNode *child(const xmlNode *node, const char *name)
{
    for (xmlNode *c = node ? node->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* Attribute value (malloc'd by libxml2; free with xmlFree) or NULL. */
static char *attr(const xmlNode *node, const char *name)
{
    return (char *)xmlGetProp(node, (const xmlChar *)name);
}

/* Attribute as a number (0 when absent). */
static double attr_num(const xmlNode *node, const char *name)
{
    char *v = attr(node, name);
    double d = v ? strtod(v, NULL) : 0;
    xmlFree(v);
    return d;
}

/* Concatenated text of `node`'s <t> descendants (none inside <rPh>). */
static void collect_text(const xmlNode *node, fc_buf *out)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (is(c, "rPh"))
            continue;
        if (is(c, "t")) {
            xmlChar *s = xmlNodeGetContent(c);
            fc_buf_append(out, s, strlen((const char *)s));
            xmlFree(s);
        } else if (c->type == XML_ELEMENT_NODE) {
            collect_text(c, out);
        }
    }
}

/* Decodes OOXML's _xHHHH_ escapes (a new malloc'd string). */
static char *decode_escapes(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned v;
        int used = 0;
        if (s[i] == '_' && i + 7 <= len && s[i + 1] == 'x' && s[i + 6] == '_' &&
            sscanf(s + i + 2, "%4x%n", &v, &used) == 1 && used == 4) {
            o += fc_utf8_encode(v, (unsigned char *)out + o);
            i += 7;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* "A1" -> zero-based row and column. */
static void parse_ref(const char *ref, uint32_t *row, uint32_t *col)
{
    uint32_t c = 0;
    while (*ref >= 'A' && *ref <= 'Z')
        c = c * 26 + (uint32_t)(*ref++ - 'A' + 1);
    *col = c - 1;
    *row = (uint32_t)strtoul(ref, NULL, 10) - 1;
}

/* Appends a printf-style line to `buf`. */
static void addf(fc_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(fc_buf *buf, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fc_buf_append(buf, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Appends "name=value" for every attribute of `node`. */
static void add_attrs(fc_buf *buf, const xmlNode *node)
{
    for (xmlAttr *a = node ? node->properties : NULL; a; a = a->next) {
        xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);
        addf(buf, " %s=%s", (const char *)a->name, (const char *)v);
        xmlFree(v);
    }
}

/* Reads the shared strings (sheets layout keeps cells in memory and uses them). */
static char **read_shared_strings(const char *path, size_t *count)
{
    *count = 0;
    xmlDocPtr doc = parse_part(path, "xl/sharedStrings.xml");
    if (!doc)
        return NULL;
    size_t n = 0;
    for (xmlNode *si = xmlDocGetRootElement(doc)->children; si; si = si->next)
        if (is(si, "si"))
            n++;
    char **strings = calloc(n + 1, sizeof *strings);
    size_t k = 0;
    for (xmlNode *si = xmlDocGetRootElement(doc)->children; si; si = si->next) {
        if (!is(si, "si"))
            continue;
        fc_buf text = {0};
        collect_text(si, &text);
        fc_buf_append(&text, "", 1);
        strings[k++] = text.data ? text.data : strdup("");
    }
    xmlFreeDoc(doc);
    *count = n;
    return strings;
}

/* Describes the cellXfs styles. */
static void read_styles(const char *path, xbook *book)
{
    xmlDocPtr doc = parse_part(path, "xl/styles.xml");
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *fonts[64] = {0}, *borders[64] = {0};
    int nfonts = 0, nborders = 0;
    for (xmlNode *f = child(child(root, "fonts"), "font"); f && nfonts < 64; f = f->next)
        if (is(f, "font"))
            fonts[nfonts++] = f;
    for (xmlNode *b = child(child(root, "borders"), "border"); b && nborders < 64; b = b->next)
        if (is(b, "border"))
            borders[nborders++] = b;
    book->styles = calloc(64, sizeof *book->styles);
    for (xmlNode *xf = child(child(root, "cellXfs"), "xf"); xf && book->nstyles < 64;
         xf = xf->next) {
        if (!is(xf, "xf"))
            continue;
        fc_buf d = {0};
        int font = (int)attr_num(xf, "fontId"), border = (int)attr_num(xf, "borderId");
        if (font < nfonts) {
            char *name = attr(child(fonts[font], "name"), "val");
            addf(&d, "%s/%g%s", name ? name : "?", attr_num(child(fonts[font], "sz"), "val"),
                 child(fonts[font], "b") ? "/bold" : "");
            xmlFree(name);
        }
        xmlNode *al = child(xf, "alignment");
        char *h = al ? attr(al, "horizontal") : NULL, *v = al ? attr(al, "vertical") : NULL;
        addf(&d, " %s/%s%s", h ? h : "general", v ? v : "bottom",
             al && attr_num(al, "wrapText") ? " wrap" : "");
        if (al && attr_num(al, "indent"))
            addf(&d, " indent=%g", attr_num(al, "indent"));
        xmlFree(h);
        xmlFree(v);
        if (border < nborders) {
            char *left = attr(child(borders[border], "left"), "style");
            char *top = attr(child(borders[border], "top"), "style");
            if (left || top)
                addf(&d, " border=%s/%s", left ? left : "-", top ? top : "-");
            xmlFree(left);
            xmlFree(top);
        }
        fc_buf_append(&d, "", 1);
        book->styles[book->nstyles++] = d.data;
    }
    xmlFreeDoc(doc);
}

/* Reads one worksheet part. */
static void read_sheet(const char *path, xsheet *sheet, char **shared, size_t nshared)
{
    xmlDocPtr doc = parse_part(path, sheet->part);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *col = child(child(root, "cols"), "col"); col; col = col->next) {
        if (!is(col, "col"))
            continue;
        for (uint32_t c = (uint32_t)attr_num(col, "min"); c <= (uint32_t)attr_num(col, "max") &&
                                                           c <= 64; c++) {
            sheet->widths[c - 1] = attr_num(col, "width");
            if (c > sheet->ncols)
                sheet->ncols = c;
        }
    }
    for (xmlNode *row = child(child(root, "sheetData"), "row"); row; row = row->next) {
        if (!is(row, "row"))
            continue;
        uint32_t r = (uint32_t)attr_num(row, "r") - 1;
        assert_true(r < (1u << 16));
        sheet->heights[r] = attr_num(row, "ht");
        if (r + 1 > sheet->nrows)
            sheet->nrows = r + 1;
        for (xmlNode *c = row->children; c; c = c->next) {
            if (!is(c, "c"))
                continue;
            char *ref = attr(c, "r"), *type = attr(c, "t");
            if (sheet->ncells == sheet->cap_cells) {
                sheet->cap_cells = sheet->cap_cells ? sheet->cap_cells * 2 : 256;
                sheet->cells = realloc(sheet->cells, sheet->cap_cells * sizeof *sheet->cells);
            }
            xcell *cell = &sheet->cells[sheet->ncells++];
            parse_ref(ref, &cell->row, &cell->col);
            assert_int_equal(cell->row, r);
            cell->style = (int)attr_num(c, "s");
            fc_buf text = {0};
            if (type && strcmp(type, "inlineStr") == 0) {
                collect_text(child(c, "is"), &text);
            } else if (type && strcmp(type, "s") == 0) {
                xmlChar *v = xmlNodeGetContent(child(c, "v"));
                size_t k = (size_t)strtoul((const char *)v, NULL, 10);
                assert_true(k < nshared);
                fc_buf_append(&text, shared[k], strlen(shared[k]));
                xmlFree(v);
            } else {
                /* A number or a blank: formconv writes only strings and blanks. */
                assert_null(child(c, "v"));
            }
            fc_buf_append(&text, "", 1);
            cell->raw = text.data;
            cell->text = decode_escapes(text.data);
            xmlFree(ref);
            xmlFree(type);
        }
    }
    for (xmlNode *m = child(child(root, "mergeCells"), "mergeCell"); m; m = m->next) {
        if (!is(m, "mergeCell"))
            continue;
        char *ref = attr(m, "ref");
        char *colon = strchr(ref, ':');
        assert_non_null(colon);
        *colon = '\0';
        if (sheet->nmerges == sheet->cap_merges) {
            sheet->cap_merges = sheet->cap_merges ? sheet->cap_merges * 2 : 64;
            sheet->merges = realloc(sheet->merges, sheet->cap_merges * sizeof *sheet->merges);
        }
        xmerge *mg = &sheet->merges[sheet->nmerges++];
        parse_ref(ref, &mg->r1, &mg->c1);
        parse_ref(colon + 1, &mg->r2, &mg->c2);
        xmlFree(ref);
    }
    fc_buf *s = &sheet->setup;
    addf(s, "  pageSetUpPr");
    add_attrs(s, child(child(root, "sheetPr"), "pageSetUpPr"));
    addf(s, "\n  sheetView");
    add_attrs(s, child(child(root, "sheetViews"), "sheetView"));
    addf(s, "\n  printOptions");
    add_attrs(s, child(root, "printOptions"));
    addf(s, "\n  pageMargins");
    add_attrs(s, child(root, "pageMargins"));
    addf(s, "\n  pageSetup");
    add_attrs(s, child(root, "pageSetup"));
    addf(s, "\n  rowBreaks");
    for (xmlNode *b = child(child(root, "rowBreaks"), "brk"); b; b = b->next)
        if (is(b, "brk"))
            addf(s, " %g", attr_num(b, "id"));
    addf(s, "\n");
    fc_buf_append(s, "", 1); /* keep it a C string, the NUL not counted */
    s->len--;
    xmlFreeDoc(doc);
}

/* Reads the workbook at `path`. */
static xbook *read_book(const char *path)
{
    xbook *book = calloc(1, sizeof *book);
    read_styles(path, book);
    size_t nshared = 0;
    char **shared = read_shared_strings(path, &nshared);
    xmlDocPtr rels = parse_part(path, "xl/_rels/workbook.xml.rels");
    xmlDocPtr wb = parse_part(path, "xl/workbook.xml");
    assert_non_null(rels);
    assert_non_null(wb);
    xmlNode *root = xmlDocGetRootElement(wb);
    fc_buf names = {0};
    for (xmlNode *d = child(child(root, "definedNames"), "definedName"); d; d = d->next) {
        if (!is(d, "definedName"))
            continue;
        char *n = attr(d, "name");
        xmlChar *v = xmlNodeGetContent(d);
        addf(&names, "%s %s\n", n, (const char *)v);
        xmlFree(n);
        xmlFree(v);
    }
    fc_buf_append(&names, "", 1);
    book->print_areas = names.data;
    for (xmlNode *s = child(child(root, "sheets"), "sheet"); s; s = s->next) {
        if (!is(s, "sheet"))
            continue;
        xsheet *sheet = calloc(1, sizeof *sheet);
        char *name = attr(s, "name");
        sheet->name = strdup(name);
        xmlFree(name);
        /* r:id in the relationships namespace. */
        xmlChar *id = xmlGetNsProp(
            s, (const xmlChar *)"id",
            (const xmlChar *)"http://schemas.openxmlformats.org/officeDocument/2006/relationships");
        for (xmlNode *r = xmlDocGetRootElement(rels)->children; r; r = r->next) {
            if (!is(r, "Relationship"))
                continue;
            char *rid = attr(r, "Id");
            if (strcmp(rid, (const char *)id) == 0) {
                char *target = attr(r, "Target");
                size_t need = strlen(target) + 4;
                sheet->part = malloc(need);
                snprintf(sheet->part, need, "xl/%s", target);
                xmlFree(target);
            }
            xmlFree(rid);
        }
        xmlFree(id);
        assert_non_null(sheet->part);
        read_sheet(path, sheet, shared, nshared);
        book->sheets = realloc(book->sheets, (book->nsheets + 1) * sizeof *book->sheets);
        book->sheets[book->nsheets++] = sheet;
    }
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
    for (size_t i = 0; i < nshared; i++)
        free(shared[i]);
    free(shared);
    book->core = zip_part(path, "docProps/core.xml", NULL);
    return book;
}

/* Frees a parsed workbook. NULL allowed. */
static void free_book(xbook *book)
{
    if (!book)
        return;
    for (size_t i = 0; i < book->nsheets; i++) {
        xsheet *s = book->sheets[i];
        for (size_t k = 0; k < s->ncells; k++) {
            free(s->cells[k].raw);
            free(s->cells[k].text);
        }
        free(s->cells);
        free(s->merges);
        free(s->name);
        free(s->part);
        fc_buf_free(&s->setup);
        free(s);
    }
    free(book->sheets);
    for (size_t i = 0; i < book->nstyles; i++)
        free(book->styles[i]);
    free(book->styles);
    free(book->print_areas);
    free(book->core);
    free(book);
}

/* Prints `book` as the golden files hold it. */
static char *describe_book(const xbook *book)
{
    fc_buf out = {0};
    addf(&out, "print areas:\n%s", book->print_areas);
    for (size_t i = 0; i < book->nsheets; i++) {
        const xsheet *s = book->sheets[i];
        addf(&out, "sheet \"%s\" (%s)\n", s->name, s->part);
        fc_buf_append(&out, s->setup.data, s->setup.len);
        addf(&out, "  columns");
        for (uint32_t c = 0; c < s->ncols; c++) {
            char name[8];
            addf(&out, " %s=%g", fc_column_name(c, name), s->widths[c]);
        }
        addf(&out, "\n");
        for (size_t k = 0; k < s->nmerges; k++) {
            char a[8], b[8];
            const xmerge *m = &s->merges[k];
            addf(&out, "  merge %s%u:%s%u\n", fc_column_name(m->c1, a), m->r1 + 1,
                 fc_column_name(m->c2, b), m->r2 + 1);
        }
        size_t k = 0;
        for (uint32_t r = 0; r < s->nrows; r++) {
            addf(&out, "  row %u height %g\n", r + 1, s->heights[r]);
            for (; k < s->ncells && s->cells[k].row == r; k++) {
                const xcell *c = &s->cells[k];
                char a[8];
                addf(&out, "    %s%u [%s] \"%s\"\n", fc_column_name(c->col, a), r + 1,
                     c->style < (int)book->nstyles ? book->styles[c->style] : "default", c->raw);
            }
        }
    }
    fc_buf_append(&out, "", 1);
    return out.data;
}

/* ---- Helpers -------------------------------------------------------------- */

/* The seed dump. */
static char *seed_text(size_t *len)
{
    char *data = fc_test_read_file(fc_test_path("fixtures/seed.txt"), len);
    assert_non_null(data);
    return data;
}

/* The seed as a document. */
static fc_doc *seed_doc(void)
{
    size_t len;
    char *text = seed_text(&len);
    fc_doc *doc = NULL;
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_test_read_doc("text", text, len, "seed.txt", NULL, &doc, &err), FC_OK);
    free(text);
    return doc;
}

/* Writes `doc` as XLSX to `path` with `opts` (NULL: defaults). Returns the
 * status; `err` receives the error. */
static fc_status write_doc(const fc_doc *doc, const fc_options *opts, const char *path,
                           fc_error *err)
{
    fc_options defaults = fc_test_options();
    if (!opts)
        opts = &defaults;
    fc_output *out = NULL;
    fc_sink *sink = NULL;
    fc_status st = fc_output_open(path, &out, err);
    if (!st)
        st = fc_converter_by_name("xlsx")->open_writer(out, opts, &sink, err);
    if (!st)
        st = fc_sink_run_doc(sink, doc, err);
    if (!st)
        st = fc_output_commit(out, err);
    if (sink)
        sink->destroy(sink);
    fc_output_free(out);
    return st;
}

/* Options for `layout`. */
static fc_options layout_options(fc_sheet_layout layout)
{
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "layout", fc_xlsx_layouts[layout]);
    return opts;
}

/* Asserts that two texts are equal; on a difference prints the first
 * differing line of each (cmocka cuts long strings short). */
static void assert_same_text(const char *want, const char *got, const char *what)
{
    if (strcmp(want, got) != 0) {
        size_t line = 1;
        const char *w = want, *g = got;
        while (*w && *w == *g) {
            if (*w == '\n') {
                line++;
                want = w + 1;
                got = g + 1;
            }
            w++;
            g++;
        }
        fprintf(stderr, "%s: first difference at line %zu:\n  want: %.*s\n  got:  %.*s\n", what,
                line, (int)strcspn(want, "\n"), want, (int)strcspn(got, "\n"), got);
        fail();
    }
}

/* Compares `actual` with the golden file `relative` (or rewrites it when
 * FC_UPDATE_GOLDEN is set). */
static void check_golden(const char *actual, const char *relative)
{
    const char *path = fc_test_path(relative);
    if (getenv("FC_UPDATE_GOLDEN")) {
        assert_true(fc_test_write_file(path, actual, strlen(actual)));
        return;
    }
    size_t len;
    char *golden = fc_test_read_file(path, &len);
    assert_non_null(golden);
    if (strcmp(golden, actual) != 0) {
        size_t line = 1, i = 0;
        while (golden[i] && golden[i] == actual[i]) {
            if (golden[i] == '\n')
                line++;
            i++;
        }
        fprintf(stderr, "%s differs from the workbook written, first at line %zu\n", relative,
                line);
        fc_test_write_file("xlsx-actual.txt", actual, strlen(actual));
        fprintf(stderr, "actual description written to xlsx-actual.txt\n");
    }
    assert_same_text(golden, actual, relative);
    free(golden);
}

/* Number of entries in directory `dir` (without . and ..). */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Removes directory `dir` and the files in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[4096];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* A fresh temporary directory (malloc'd path). */
static char *new_dir(void)
{
    return strdup(fc_test_tmpdir());
}

/* The writer's output for the seed with `layout`, parsed; the file is left
 * at *path_out (malloc'd) when path_out is not NULL. */
static xbook *seed_book(fc_sheet_layout layout, char **path_out, char **dir_out)
{
    fc_doc *doc = seed_doc();
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/seed.xlsx", dir);
    fc_options opts = layout_options(layout);
    fc_error err;
    fc_error_clear(&err);
    fc_status st = write_doc(doc, &opts, path, &err);
    if (st)
        fprintf(stderr, "%s: %s\n", err.location, err.message);
    assert_int_equal(st, FC_OK);
    fc_doc_free(doc);
    xbook *book = read_book(path);
    if (path_out)
        *path_out = strdup(path);
    if (dir_out)
        *dir_out = dir;
    else {
        remove_dir(dir);
        free(dir);
    }
    return book;
}

static char *golden_description(void);

/* ---- Reading back through the recognizer -------------------------------- */

/* Locations for the recognizer's messages: "book!ROW". */
static void locate_row(void *ctx, const fc_row *row, const fc_cell *cell, char *buf, size_t size)
{
    (void)ctx;
    snprintf(buf, size, "book!%lu!%lu", row->index + 1, cell ? (unsigned long)cell->col : 0ul);
}

/* Pushes the cells of `book` into the recognizer as a sheet reader would
 * (merged ranges as colspan/rowspan on the anchor, covered cells flagged,
 * a break between sheets) and returns the document it recognises. */
static fc_doc *recognise_book(const xbook *book)
{
    fc_sink *collector = fc_collector_new();
    fc_options opts = fc_test_options();
    fc_recognizer *rec = NULL;
    fc_error err;
    fc_error_clear(&err);
    assert_int_equal(fc_recognizer_new(&opts, collector, locate_row, NULL, &rec, &err), FC_OK);
    fc_cell cells[64];
    for (size_t i = 0; i < book->nsheets; i++) {
        const xsheet *s = book->sheets[i];
        size_t k = 0;
        for (uint32_t r = 0; r < s->nrows; r++) {
            size_t count = 0;
            for (; k < s->ncells && s->cells[k].row == r; k++) {
                const xcell *x = &s->cells[k];
                assert_true(count < 64);
                fc_cell *c = &cells[count];
                memset(c, 0, sizeof *c);
                c->col = x->col;
                c->colspan = c->rowspan = 1;
                c->text = x->text;
                c->len = strlen(x->text);
                for (size_t m = 0; m < s->nmerges; m++) {
                    const xmerge *g = &s->merges[m];
                    if (r < g->r1 || r > g->r2 || x->col < g->c1 || x->col > g->c2)
                        continue;
                    if (r == g->r1 && x->col == g->c1) {
                        c->colspan = g->c2 - g->c1 + 1;
                        c->rowspan = g->r2 - g->r1 + 1;
                    } else {
                        c->covered = true;
                        c->covered_above = r > g->r1;
                    }
                }
                /* A blank outside any merge is no cell at all to a reader. */
                if (c->len || c->colspan > 1 || c->rowspan > 1 || c->covered)
                    count++;
            }
            fc_row row;
            memset(&row, 0, sizeof row);
            row.index = r;
            row.cells = cells;
            row.cell_count = count;
            assert_int_equal(fc_recognizer_push(rec, &row, &err), FC_OK);
        }
        assert_int_equal(fc_recognizer_break(rec, &err), FC_OK);
    }
    fc_status st = fc_recognizer_finish(rec, "book", &err);
    if (st)
        fprintf(stderr, "%s: %s\n", err.location, err.message);
    assert_int_equal(st, FC_OK);
    fc_recognizer_free(rec);
    fc_doc *doc = fc_collector_take(collector);
    collector->destroy(collector);
    return doc;
}

/* Asserts that two documents hold the same forms. */
static void assert_same_doc(const fc_doc *a, const fc_doc *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->attachment ? a->attachment : "", b->attachment ? b->attachment : "");
    assert_int_equal(a->form_count, b->form_count);
    for (size_t i = 0; i < a->form_count; i++)
        assert_true(fc_form_equal(a->forms[i], b->forms[i]));
}

/* ---- The seed against golden data --------------------------------------- */

/* The seed, stacked: every cell, merge, height, width and page setting. */
static void test_seed_stacked_golden(void **state)
{
    (void)state;
    xbook *book = seed_book(FC_LAYOUT_STACKED, NULL, NULL);
    char *text = describe_book(book);
    check_golden(text, "fixtures/xlsx/seed-stacked.txt");
    free(text);
    free_book(book);
}

/* The seed, a sheet per form: the same per sheet, and the sheet names. */
static void test_seed_sheets_golden(void **state)
{
    (void)state;
    xbook *book = seed_book(FC_LAYOUT_SHEETS, NULL, NULL);
    char *text = describe_book(book);
    check_golden(text, "fixtures/xlsx/seed-sheets.txt");
    free(text);
    free_book(book);
}

/* What the layouts promise, checked directly rather than through golden
 * data: one stacked sheet with a page break before every form after the
 * first, or a sheet per form named after its project, the attachment label
 * only on the first; every merge at least 2 cells and none overlapping. */
static void test_layout_rules(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    xbook *stacked = seed_book(FC_LAYOUT_STACKED, NULL, NULL);
    xbook *sheets = seed_book(FC_LAYOUT_SHEETS, NULL, NULL);
    assert_int_equal(stacked->nsheets, 1);
    assert_string_equal(stacked->sheets[0]->name, "部门项目支出预算绩效目标表");
    const char *breaks = strstr(stacked->sheets[0]->setup.data, "rowBreaks");
    int nbreaks = 0;
    for (const char *p = breaks; *p && *p != '\n'; p++)
        nbreaks += *p == ' ';
    assert_int_equal(nbreaks, (int)doc->form_count - 1);
    assert_int_equal(sheets->nsheets, doc->form_count);
    for (size_t i = 0; i < doc->form_count; i++) {
        /* Named after the project (cut to 31 characters, " (2)" for a repeat). */
        const char *name = fc_form_field(doc->forms[i], FC_FIELD_NAME);
        const char *sheet = sheets->sheets[i]->name;
        const char *suffix = strstr(sheet, " (");
        size_t base = suffix ? (size_t)(suffix - sheet) : strlen(sheet);
        assert_true(base > 0 && strncmp(sheet, name, base) == 0);
        assert_non_null(strstr(sheets->sheets[i]->setup.data, "  rowBreaks\n")); /* none */
        bool attachment = false;
        for (size_t k = 0; k < sheets->sheets[i]->ncells; k++)
            attachment |= strcmp(sheets->sheets[i]->cells[k].text, "附件 2") == 0;
        assert_true(attachment == (i == 0));
    }
    const xbook *books[2] = {stacked, sheets};
    for (int b = 0; b < 2; b++)
        for (size_t i = 0; i < books[b]->nsheets; i++) {
            const xsheet *s = books[b]->sheets[i];
            for (size_t m = 0; m < s->nmerges; m++) {
                const xmerge *x = &s->merges[m];
                assert_true(x->r2 > x->r1 || x->c2 > x->c1);
                for (size_t n = m + 1; n < s->nmerges; n++) {
                    const xmerge *y = &s->merges[n];
                    assert_false(x->r1 <= y->r2 && y->r1 <= x->r2 && x->c1 <= y->c2 &&
                                 y->c1 <= x->c2);
                }
            }
        }
    free_book(stacked);
    free_book(sheets);
    fc_doc_free(doc);
}

/* Reading the workbook back gives the same forms, for both layouts. */
static void test_read_back(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    for (int layout = 0; layout < 2; layout++) {
        xbook *book = seed_book((fc_sheet_layout)layout, NULL, NULL);
        fc_doc *back = recognise_book(book);
        assert_same_doc(doc, back);
        fc_doc_free(back);
        free_book(book);
    }
    fc_doc_free(doc);
}

/* Nothing is cut off: for every cell the rows it spans are at least as high
 * as its text needs, wrapped at the width of its columns. The estimate is
 * independent of the writer's: a CJK character is one em of the font, other
 * characters half an em, at 96 pixels an inch; a column of width W is
 * 7 W + 5 pixels less 6 of padding; a line is at least the font size. */
static void test_rows_high_enough(void **state)
{
    (void)state;
    xbook *book = seed_book(FC_LAYOUT_STACKED, NULL, NULL);
    const xsheet *s = book->sheets[0];
    size_t checked = 0;
    for (size_t k = 0; k < s->ncells; k++) {
        const xcell *c = &s->cells[k];
        if (!c->text[0])
            continue;
        uint32_t r2 = c->row, c2 = c->col;
        for (size_t m = 0; m < s->nmerges; m++)
            if (s->merges[m].r1 == c->row && s->merges[m].c1 == c->col) {
                r2 = s->merges[m].r2;
                c2 = s->merges[m].c2;
            }
        double size = 0;
        sscanf(strchr(book->styles[c->style], '/') + 1, "%lf", &size);
        assert_true(size > 0);
        double px = 0;
        for (uint32_t col = c->col; col <= c2; col++)
            px += (s->widths[col] - 0.7109375) * 7 + 5;
        px -= 6;
        double text_px = 0;
        const char *p = c->text;
        size_t len = strlen(p);
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t n = fc_utf8_decode((const unsigned char *)p + i, len - i, &cp);
            text_px += fc_char_width(cp) * size * 96.0 / 72.0 / 2.0;
            i += n;
        }
        bool wraps = strstr(book->styles[c->style], "wrap") != NULL;
        double lines = wraps ? ceil(text_px / px) : 1;
        double height = 0;
        for (uint32_t r = c->row; r <= r2; r++)
            height += s->heights[r];
        if (height < lines * size)
            fprintf(stderr, "cell %u,%u \"%s\": %g points for %g lines of %g\n", c->row, c->col,
                    c->text, height, lines, size);
        assert_true(height >= lines * size);
        if (wraps)
            assert_true(text_px <= px * lines);
        else
            assert_true(text_px <= px || c->col + 1 < s->ncols); /* room to the right */
        checked++;
    }
    assert_true(checked > 100);
    free_book(book);
}

/* A category whose text needs more than its rows: the rows it spans grow. */
static void test_tall_merged_category(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    fc_form *form = doc->forms[0];
    const char *old = form->indicators[0].level1;
    /* Sixty CJK characters in a first-level cell that spans four rows. */
    char tall[256] = "";
    for (int i = 0; i < 60; i++)
        strcat(tall, "产");
    const char *text = fc_form_strdup(form, tall, strlen(tall));
    for (size_t i = 0; i < form->indicator_count; i++)
        if (strcmp(form->indicators[i].level1, old) == 0)
            form->indicators[i].level1 = text;
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/tall.xlsx", dir);
    fc_error err;
    assert_int_equal(write_doc(doc, NULL, path, &err), FC_OK);
    xbook *book = read_book(path);
    const xsheet *s = book->sheets[0];
    bool found = false;
    for (size_t m = 0; m < s->nmerges; m++) {
        const xmerge *g = &s->merges[m];
        if (g->c1 != 0 || g->r2 == g->r1)
            continue;
        for (size_t k = 0; k < s->ncells; k++)
            if (s->cells[k].row == g->r1 && s->cells[k].col == 0 &&
                strcmp(s->cells[k].text, tall) == 0) {
                /* 60 characters of 11 points (14.7 px) in a column of
                 * 18 characters (125 px less padding): at least 8 lines. */
                double height = 0;
                for (uint32_t r = g->r1; r <= g->r2; r++)
                    height += s->heights[r];
                assert_true(height >= 8 * 11.0);
                found = true;
            }
    }
    assert_true(found);
    free_book(book);
    remove_dir(dir);
    free(dir);
    fc_doc_free(doc);
}

/* ---- Text ------------------------------------------------------------- */

/* Values stay the text they are; _xHHHH_ and CR are escaped and come back. */
static void test_text_kept_and_escaped(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    fc_form *form = doc->forms[0];
    static const char *const values[] = {
        "_x0041_ stays _x0041_", "line one\r\nline two", "  leading and trailing  ",
        "a & b < c > d \"e\" 'f'", "_x005F_x0041_", "71.900000", "007", "1e5", "100%",
        "=SUM(A1)", "𠀀 outside the BMP"};
    size_t nvalues = sizeof values / sizeof values[0];
    assert_true(form->field_count >= 4 && form->indicator_count >= nvalues - 3);
    for (size_t i = 0; i < 4; i++)
        form->fields[i].value = fc_form_strdup(form, values[i], strlen(values[i]));
    for (size_t i = 4; i < nvalues; i++)
        form->indicators[i - 4].target = fc_form_strdup(form, values[i], strlen(values[i]));
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/text.xlsx", dir);
    fc_error err;
    assert_int_equal(write_doc(doc, NULL, path, &err), FC_OK);
    xbook *book = read_book(path);
    const xsheet *s = book->sheets[0];
    for (size_t i = 0; i < nvalues; i++) {
        bool found = false;
        for (size_t k = 0; k < s->ncells; k++)
            found |= strcmp(s->cells[k].text, values[i]) == 0;
        if (!found)
            fprintf(stderr, "value \"%s\" not found\n", values[i]);
        assert_true(found);
    }
    /* As stored: the escapes. */
    size_t len;
    char *xml = zip_part(path, "xl/worksheets/sheet1.xml", &len);
    assert_non_null(strstr(xml, "_x005F_x0041_ stays _x005F_x0041_"));
    assert_non_null(strstr(xml, "line one_x000D_\nline two"));
    assert_non_null(strstr(xml, "_x005F_x005F_x005F_x0041_"));
    assert_non_null(strstr(xml, "<t xml:space=\"preserve\">  leading and trailing  </t>"));
    assert_non_null(strstr(xml, "&lt; c &gt;"));
    assert_null(strstr(xml, "<f>")); /* a leading = is text, never a formula */
    assert_null(strstr(xml, "<v>")); /* no numbers anywhere */
    free(xml);
    fc_doc *back = recognise_book(book);
    assert_same_doc(doc, back);
    fc_doc_free(back);
    free_book(book);
    remove_dir(dir);
    free(dir);
    fc_doc_free(doc);
}

/* Writes `doc` to a fresh directory expecting failure; the directory is
 * left empty (no partial workbook, no staging or temporary files). */
static void expect_failure(const fc_doc *doc, const fc_options *opts, const char *location_part,
                           const char *message_part)
{
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.xlsx", dir);
    fc_error err;
    fc_error_clear(&err);
    fc_status st = write_doc(doc, opts, path, &err);
    if (!strstr(err.location, location_part) || !strstr(err.message, message_part))
        fprintf(stderr, "got %d %s: %s\n", st, err.location, err.message);
    assert_int_equal(st, FC_ERR_OUTPUT);
    assert_non_null(strstr(err.location, location_part));
    assert_non_null(strstr(err.message, message_part));
    assert_int_equal(dir_entries(dir), 0);
    remove_dir(dir);
    free(dir);
}

/* Texts a workbook cannot hold are refused with their cell. */
static void test_text_refused(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    fc_form *form = doc->forms[0];
    const char *saved = form->fields[1].value;
    form->fields[1].value = fc_form_strdup(form, "bad \xff\xfe bytes", 12);
    expect_failure(doc, NULL, "!部门项目支出预算绩效目标表!B", "not valid UTF-8");
    form->fields[1].value = fc_form_strdup(form, "bell \x07", 6);
    expect_failure(doc, NULL, "!B", "control character U+0007");
    char *huge = malloc(32768 + 1);
    memset(huge, 'x', 32768);
    huge[32768] = '\0';
    form->fields[1].value = fc_form_strdup(form, huge, 32768);
    expect_failure(doc, NULL, "!B", "longer than an Excel cell holds");
    free(huge);
    form->fields[1].value = saved;
    /* Wider than a sheet: 8,193 label/value pairs on one row. */
    fc_form *wide = fc_form_new();
    assert_int_equal(fc_form_copy(wide, form), FC_OK);
    for (int i = 0; i < 8193; i++)
        assert_int_equal(fc_form_add_field(wide, FC_FIELD_OTHER, "项目编码", 12, "x", 1, i > 0),
                         FC_OK);
    fc_doc *wide_doc = fc_doc_new();
    assert_int_equal(fc_doc_add_form(wide_doc, wide), FC_OK);
    expect_failure(wide_doc, NULL, "bad.xlsx", "does not fit on an Excel sheet");
    fc_doc_free(wide_doc);
    fc_doc_free(doc);
}

/* ---- Sheet names, properties, reproducibility ----------------------------- */

/* Sets the project name of form `i`. */
static void set_name(fc_form *form, const char *name)
{
    for (size_t k = 0; k < form->field_count; k++)
        if (form->fields[k].key == FC_FIELD_NAME)
            form->fields[k].value = fc_form_strdup(form, name, strlen(name));
}

/* Sheet names from project names: forbidden characters removed, at most
 * 31 characters (UTF-16 units), unique case-insensitively, never empty. */
static void test_sheet_names(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    static const char *const names[] = {
        "a/b:c*d?e[f]g\\h", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
        "Abc", "abc", "", "[]:*?/\\", "History", "'quoted'", "𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀"};
    static const char *const expect[] = {
        "abcdefgh", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一",
        "Abc", "abc (2)", "Sheet5", "Sheet6", "History (2)", "quoted", "𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀"};
    size_t n = sizeof names / sizeof names[0];
    assert_true(doc->form_count >= n);
    for (size_t i = 0; i < n; i++)
        set_name(doc->forms[i], names[i]);
    for (size_t i = n; i < doc->form_count; i++)
        fc_form_free(doc->forms[i]);
    doc->form_count = n;
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/names.xlsx", dir);
    fc_options opts = layout_options(FC_LAYOUT_SHEETS);
    fc_error err;
    assert_int_equal(write_doc(doc, &opts, path, &err), FC_OK);
    xbook *book = read_book(path);
    assert_int_equal(book->nsheets, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(book->sheets[i]->name, expect[i]);
    free_book(book);
    /* Repeats of one long name stay unique within 31 characters. */
    for (size_t i = 0; i < n; i++)
        set_name(doc->forms[i], names[1]);
    assert_int_equal(write_doc(doc, &opts, path, &err), FC_OK);
    book = read_book(path);
    assert_string_equal(book->sheets[1]->name, "一二三四五六七八九十一二三四五六七八九十一二三四五六七 (2)");
    assert_string_equal(book->sheets[8]->name, "一二三四五六七八九十一二三四五六七八九十一二三四五六七 (9)");
    free_book(book);
    remove_dir(dir);
    free(dir);
    fc_doc_free(doc);
}

/* Title, subject (the department) and creator; the same bytes every run
 * unless real timestamps are asked for. */
static void test_properties_and_reproducible(void **state)
{
    (void)state;
    fc_doc *doc = seed_doc();
    char *dir = new_dir();
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s/a.xlsx", dir);
    snprintf(b, sizeof b, "%s/b.xlsx", dir);
    fc_error err;
    assert_int_equal(write_doc(doc, NULL, a, &err), FC_OK);
    assert_int_equal(write_doc(doc, NULL, b, &err), FC_OK);
    size_t la, lb;
    char *da = fc_test_read_file(a, &la), *db = fc_test_read_file(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(da, db, la);
    free(da);
    free(db);
    char *core = zip_part(a, "docProps/core.xml", NULL);
    assert_non_null(strstr(core, "<dc:title>部门项目支出预算绩效目标表</dc:title>"));
    assert_non_null(strstr(core, "<dc:subject>吴忠市利通区司法局</dc:subject>"));
    assert_non_null(strstr(core, "<dc:creator>formconv</dc:creator>"));
    assert_non_null(strstr(core, "2000-01-01T00:00:00Z"));
    free(core);
    fc_options opts = fc_test_options();
    fc_test_set_option(&opts, "real-timestamps", NULL);
    assert_int_equal(write_doc(doc, &opts, b, &err), FC_OK);
    core = zip_part(b, "docProps/core.xml", NULL);
    assert_null(strstr(core, "2000-01-01T00:00:00Z"));
    free(core);
    remove_dir(dir);
    free(dir);
    fc_doc_free(doc);
}

/* Numbers in the workbook (row heights, widths, margins) are written with a
 * decimal point whatever the caller's locale: under de_DE (decimal comma,
 * built with localedef into a private LOCPATH) the workbook is the same. */
static void test_decimal_comma_locale(void **state)
{
    (void)state;
    char *dir = new_dir();
    const char *comma = fc_test_comma_locale();
    assert_non_null(comma);
    assert_non_null(setlocale(LC_ALL, comma));
    assert_string_equal(localeconv()->decimal_point, ",");
    fc_doc *doc = seed_doc();
    char path[4300];
    snprintf(path, sizeof path, "%s/seed.xlsx", dir);
    fc_error err;
    fc_status st = write_doc(doc, NULL, path, &err);
    /* Back to "C" before the test reads numbers with strtod. */
    assert_non_null(setlocale(LC_ALL, "C"));
    unsetenv("LOCPATH");
    assert_int_equal(st, FC_OK);
    fc_doc_free(doc);
    xbook *book = read_book(path);
    char *text = describe_book(book);
    char *golden = golden_description();
    assert_same_text(golden, text, "workbook written under de_DE");
    free(golden);
    free(text);
    free_book(book);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* More forms than a sheet takes page breaks for: the stack goes on on a
 * second sheet, and each sheet breaks before every form but its first. */
static void test_stack_continues_on_new_sheet(void **state)
{
    (void)state;
    fc_doc *seed = seed_doc();
    fc_doc *doc = fc_doc_new();
    assert_int_equal(fc_doc_set_attachment(doc, "附件 2", strlen("附件 2")), FC_OK);
    const size_t total = 1030;
    for (size_t i = 0; i < total; i++) {
        fc_form *f = fc_form_new();
        assert_int_equal(fc_form_copy(f, seed->forms[i % seed->form_count]), FC_OK);
        assert_int_equal(fc_doc_add_form(doc, f), FC_OK);
    }
    char *dir = new_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/many.xlsx", dir);
    fc_error err;
    assert_int_equal(write_doc(doc, NULL, path, &err), FC_OK);
    xbook *book = read_book(path);
    assert_int_equal(book->nsheets, 2);
    assert_string_equal(book->sheets[1]->name, "部门项目支出预算绩效目标表 (2)");
    int breaks[2] = {0, 0};
    for (int k = 0; k < 2; k++)
        for (const char *p = strstr(book->sheets[k]->setup.data, "rowBreaks"); *p != '\n'; p++)
            breaks[k] += *p == ' ';
    assert_int_equal(breaks[0], 1023);
    assert_int_equal(breaks[1], (int)(total - 1024 - 1));
    /* The second sheet starts with its form's title: no spacer at the top. */
    assert_string_equal(book->sheets[1]->cells[0].text, "部门项目支出预算绩效目标表");
    assert_int_equal(book->sheets[1]->cells[0].row, 0);
    fc_doc *back = recognise_book(book);
    assert_same_doc(doc, back);
    fc_doc_free(back);
    free_book(book);
    remove_dir(dir);
    free(dir);
    fc_doc_free(doc);
    fc_doc_free(seed);
}

/* ---- Real clients ------------------------------------------------------- */

/* Splits CSV text into rows of non-empty fields joined by '|' (one a line). */
static char *csv_nonempty(const char *csv)
{
    fc_buf out = {0}, field = {0};
    bool quoted = false, any = false;
    for (const char *p = csv;; p++) {
        char c = *p;
        if (quoted) {
            if (c == '"' && p[1] == '"') {
                fc_buf_append(&field, "\"", 1);
                p++;
            } else if (c == '"') {
                quoted = false;
            } else if (c) {
                fc_buf_append(&field, p, 1);
            }
            if (c)
                continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == ',' || c == '\n' || c == '\0') {
            if (field.len) {
                if (any)
                    fc_buf_append(&out, "|", 1);
                fc_buf_append(&out, field.data, field.len);
                any = true;
            }
            field.len = 0;
            if (c != ',' && (c || p > csv)) {
                if (c || p[-1] != '\n')
                    fc_buf_append(&out, "\n", 1);
                any = false;
            }
            if (!c)
                break;
        } else if (c != '\r') {
            fc_buf_append(&field, p, 1);
        }
    }
    fc_buf_append(&out, "", 1);
    fc_buf_free(&field);
    return out.data;
}

/* The same from the text dump formconv writes (tab-separated rows). */
static char *text_nonempty(const char *text)
{
    fc_buf out = {0};
    bool any = false;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\0') {
            size_t n = (size_t)(p - start);
            if (n && !(n == 1 && *start == '\r')) {
                if (any)
                    fc_buf_append(&out, "|", 1);
                fc_buf_append(&out, start, n);
                any = true;
            }
            if (*p != '\t' && (*p || p > text)) {
                if (*p || p[-1] != '\n')
                    fc_buf_append(&out, "\n", 1);
                any = false;
            }
            if (!*p)
                break;
            start = p + 1;
        }
    }
    fc_buf_append(&out, "", 1);
    return out.data;
}

/* LibreOffice opens the workbook: the PDF has one A4 portrait page per form
 * and the CSV holds the forms' text row by row as the text dump does. */
static void test_libreoffice(void **state)
{
    (void)state;
    char *dir = NULL, *path = NULL;
    xbook *book = seed_book(FC_LAYOUT_STACKED, &path, &dir);
    free_book(book);
    fc_test_soffice_convert(path, "pdf", dir);
    char pdf[4200];
    snprintf(pdf, sizeof pdf, "%s/seed.pdf", dir);
    const char *info_argv[] = {"/usr/bin/pdfinfo", pdf, NULL};
    char *info = NULL;
    assert_int_equal(fc_test_run(info_argv, NULL, &info, NULL), 0);
    fc_doc *doc = seed_doc();
    const char *pages = strstr(info, "Pages:");
    assert_non_null(pages);
    assert_int_equal(strtoul(pages + strlen("Pages:"), NULL, 10), doc->form_count);
    assert_non_null(strstr(info, "(A4)"));
    assert_non_null(strstr(info, "595.")); /* portrait: 595 wide */
    assert_non_null(strstr(info, "x 841."));
    free(info);
    /* Every page holds its form's project name and title. */
    for (size_t i = 0; i < doc->form_count; i++) {
        char page[32];
        snprintf(page, sizeof page, "%zu", i + 1);
        const char *argv[] = {"/usr/bin/pdftotext", "-f", page, "-l", page, pdf, "-", NULL};
        char *text = NULL;
        assert_int_equal(fc_test_run(argv, NULL, &text, NULL), 0);
        assert_non_null(strstr(text, "部门项目支出预算绩效目标表"));
        assert_non_null(strstr(text, fc_form_field(doc->forms[i], FC_FIELD_AMOUNT)));
        free(text);
    }
    fc_test_soffice_convert(path, "csv:Text - txt - csv (StarCalc):44,34,76", dir);
    char csv_path[4200];
    snprintf(csv_path, sizeof csv_path, "%s/seed.csv", dir);
    size_t len;
    char *csv = fc_test_read_file(csv_path, &len);
    assert_non_null(csv);
    size_t seed_len;
    char *seed = seed_text(&seed_len);
    char *dump = NULL;
    size_t dump_len = 0;
    fc_error err;
    assert_int_equal(fc_test_convert("text", "text", seed, seed_len, "seed.txt", NULL, &dump,
                                     &dump_len, &err),
                     FC_OK);
    char *from_csv = csv_nonempty(csv), *from_text = text_nonempty(dump);
    assert_same_text(from_text, from_csv, "LibreOffice CSV");
    free(from_csv);
    free(from_text);
    free(dump);
    free(seed);
    free(csv);
    fc_doc_free(doc);
    remove_dir(dir); /* LibreOffice's profile stays behind in a subdirectory */
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
    free(path);
}

/* qsort comparison of two C strings held in an array. */
static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* python3-openpyxl loads the workbook (both layouts) and finds the same
 * sheets, merged ranges, texts, widths and page set-up. */
static void test_openpyxl(void **state)
{
    (void)state;
    static const char script[] =
        "import sys, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1])\n"
        "for ws in wb.worksheets:\n"
        "    print('sheet', ws.title)\n"
        "    for r in sorted(str(m) for m in ws.merged_cells.ranges):\n"
        "        print('merge', r)\n"
        "    for row in ws.iter_rows():\n"
        "        for c in row:\n"
        "            if c.value is not None and c.value != '':\n"
        "                assert isinstance(c.value, str), c.coordinate\n"
        "                print('cell', c.coordinate, c.value.replace('\\n', '\\\\n'))\n"
        "    ps = ws.page_setup\n"
        "    # fitToWidth is left out when it is 1, its default in the schema\n"
        "    width = 1 if ps.fitToWidth is None else ps.fitToWidth\n"
        "    print('setup', ps.paperSize, ps.orientation, width, ps.fitToHeight,\n"
        "          ws.sheet_properties.pageSetUpPr.fitToPage,\n"
        "          ws.print_options.horizontalCentered)\n"
        "    print('area', ws.print_area)\n"
        "    print('widths', [ws.column_dimensions[k].width for k in 'ABCD'])\n";
    for (int layout = 0; layout < 2; layout++) {
        char *dir = NULL, *path = NULL;
        xbook *book = seed_book((fc_sheet_layout)layout, &path, &dir);
        char script_path[4200];
        snprintf(script_path, sizeof script_path, "%s/check.py", dir);
        assert_true(fc_test_write_file(script_path, script, strlen(script)));
        const char *argv[] = {"/usr/bin/python3", script_path, path, NULL};
        char *out = NULL, *errs = NULL;
        int status = fc_test_run(argv, NULL, &out, &errs);
        if (status)
            fprintf(stderr, "openpyxl: %s\n", errs);
        assert_int_equal(status, 0);
        /* The same from our own reading of the parts. */
        fc_buf want = {0};
        for (size_t i = 0; i < book->nsheets; i++) {
            const xsheet *s = book->sheets[i];
            addf(&want, "sheet %s\n", s->name);
            char **merges = calloc(s->nmerges + 1, sizeof *merges);
            for (size_t m = 0; m < s->nmerges; m++) {
                char a[8], b[8];
                merges[m] = malloc(64);
                snprintf(merges[m], 64, "%s%u:%s%u", fc_column_name(s->merges[m].c1, a),
                         s->merges[m].r1 + 1, fc_column_name(s->merges[m].c2, b),
                         s->merges[m].r2 + 1);
            }
            qsort(merges, s->nmerges, sizeof *merges, compare_strings);
            for (size_t m = 0; m < s->nmerges; m++) {
                addf(&want, "merge %s\n", merges[m]);
                free(merges[m]);
            }
            free(merges);
            for (size_t k = 0; k < s->ncells; k++) {
                char a[8];
                if (!s->cells[k].text[0])
                    continue;
                fc_buf esc = {0};
                for (const char *p = s->cells[k].text; *p; p++)
                    fc_buf_append(&esc, *p == '\n' ? "\\n" : p, *p == '\n' ? 2 : 1);
                fc_buf_append(&esc, "", 1);
                addf(&want, "cell %s%u %s\n", fc_column_name(s->cells[k].col, a),
                     s->cells[k].row + 1, esc.data);
                fc_buf_free(&esc);
            }
            addf(&want, "setup 9 portrait 1 0 True True\n");
            addf(&want, "area ['$A$1:$D$%u']\n", s->nrows); /* on this sheet */
            addf(&want, "widths [%.10g, %.10g, %.10g, %.10g]\n", s->widths[0], s->widths[1],
                 s->widths[2], s->widths[3]);
        }
        fc_buf_append(&want, "", 1);
        assert_same_text(want.data, out, "openpyxl");
        fc_buf_free(&want);
        free(out);
        free(errs);
        free_book(book);
        remove_dir(dir);
        free(dir);
        free(path);
    }
}

/* ---- Failures ----------------------------------------------------------- */

/* The seed workbook as the golden file describes it, for comparing what a
 * run under a size limit wrote when it succeeded. */
static char *golden_description(void)
{
    size_t len;
    char *golden = fc_test_read_file(fc_test_path("fixtures/xlsx/seed-stacked.txt"), &len);
    assert_non_null(golden);
    return golden;
}

/* Checks what a run under a limit left in `dir`: success with the complete
 * workbook at `file` (matching the golden description), or the output-
 * failure status with a message naming the path and no file at all. */
static void check_outcome(int status, const char *errs, const char *dir, const char *file,
                          const char *golden, int *failures, int *successes)
{
    if (status == 0) {
        assert_int_equal(dir_entries(dir), 1);
        xbook *book = read_book(file);
        char *text = describe_book(book);
        /* The print areas name the file-independent sheet; compare all. */
        assert_same_text(golden, text, "workbook written under a size limit");
        free(text);
        free_book(book);
        (*successes)++;
    } else {
        if (status != 3 || !strstr(errs, file))
            fprintf(stderr, "status %d: %s\n", status, errs);
        assert_int_equal(status, 3);
        assert_non_null(strstr(errs, file));
        assert_int_equal(dir_entries(dir), 0);
        (*failures)++;
    }
}

/* An unwritable place is reported with its path and exit status 3. */
static void test_unwritable_directory(void **state)
{
    (void)state;
    char *dir = new_dir();
    char file[4200], target[4300];
    snprintf(file, sizeof file, "%s/plain-file", dir);
    assert_true(fc_test_write_file(file, "x", 1));
    snprintf(target, sizeof target, "%s/out.xlsx", file); /* a "directory" that is a file */
    const char *argv[] = {FC_BINARY, "convert", fc_test_path("fixtures/seed.txt"), "-o", target,
                          NULL};
    char *errs = NULL;
    assert_int_equal(fc_test_run(argv, NULL, NULL, &errs), 3);
    assert_non_null(strstr(errs, target));
    assert_non_null(strstr(errs, "Not a directory"));
    free(errs);
    assert_int_equal(dir_entries(dir), 1);
    remove_dir(dir);
    free(dir);
}

/* Runs formconv on the seed with the size of every file it writes limited to
 * `limit` bytes (RLIMIT_FSIZE: writes past it fail with EFBIG, as on a full
 * disk). Returns the exit status; *errs receives its stderr. */
static int run_with_file_limit(rlim_t limit, const char *target, char **errs)
{
    char err_path[] = "/tmp/fc-test-limit-XXXXXX";
    int err_fd = mkstemp(err_path);
    assert_true(err_fd >= 0);
    unlink(err_path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {limit, limit};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(126);
        dup2(err_fd, 2);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execl(FC_BINARY, FC_BINARY, "convert", fc_test_path("fixtures/seed.txt"), "-o", target,
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    lseek(err_fd, 0, SEEK_SET);
    fc_buf text = {0};
    char chunk[4096];
    for (ssize_t n; (n = read(err_fd, chunk, sizeof chunk)) > 0;)
        fc_buf_append(&text, chunk, (size_t)n);
    fc_buf_append(&text, "", 1);
    close(err_fd);
    *errs = text.data;
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Every size limit from a few bytes to past the whole workbook: the run
 * either writes the complete workbook or fails with status 3 and leaves
 * nothing. Some limits let libxlsxwriter's temporary sheet data fail while
 * the (smaller) zip still fits: libxlsxwriter then reports success for a cut
 * sheet, which the writer must catch. */
static void test_file_size_limit(void **state)
{
    (void)state;
    char *golden = golden_description();
    int failures = 0, successes = 0, caught_after_close = 0;
    for (rlim_t limit = 1024; limit <= 96 * 1024; limit += 1024) {
        char *dir = new_dir();
        char target[4200];
        snprintf(target, sizeof target, "%s/seed.xlsx", dir);
        char *errs = NULL;
        int status = run_with_file_limit(limit, target, &errs);
        check_outcome(status, errs, dir, target, golden, &failures, &successes);
        if (strstr(errs, "written") && (strstr(errs, "ends early") || strstr(errs, "missing")))
            caught_after_close++;
        free(errs);
        remove_dir(dir);
        free(dir);
    }
    assert_true(failures > 0);
    assert_true(successes > 0);
    assert_true(caught_after_close > 0);
    free(golden);
}

/* A real full disk: a small tmpfs mounted in a private mount namespace
 * (unshare), at sizes from too small for anything to just enough. */
static void test_full_tmpfs(void **state)
{
    (void)state;
    char *golden = golden_description();
    int failures = 0, successes = 0;
    for (int kib = 8; kib <= 160; kib += 8) {
        char *dir = new_dir(); /* the mount point */
        char *keep = new_dir(); /* where a successful workbook is copied out */
        char script[8192];
        snprintf(script, sizeof script,
                 "mount -t tmpfs -o size=%dk tmpfs '%s' || exit 100\n"
                 "'%s' convert '%s' -o '%s/seed.xlsx'\n"
                 "status=$?\n"
                 "ls -A '%s' > '%s/listing'\n"
                 "[ $status -eq 0 ] && cp '%s/seed.xlsx' '%s/seed.xlsx'\n"
                 "exit $status\n",
                 kib, dir, FC_BINARY, fc_test_path("fixtures/seed.txt"), dir, dir, keep, dir,
                 keep);
        /* A mount namespace of our own: as root, or else (or where root may
         * not unshare, as in some containers) inside a user namespace. */
        char *errs = NULL;
        int status = -1;
        const char *ways[] = {getuid() == 0 ? "--mount" : "-rm", "-rm"};
        for (int w = 0; w < 2 && (status == 100 || status < 0 ||
                                  (errs && strstr(errs, "unshare:"))); w++) {
            const char *argv[] = {"/usr/bin/unshare", ways[w], "/bin/sh", "-c", script, NULL};
            free(errs);
            errs = NULL;
            status = fc_test_run(argv, NULL, NULL, &errs);
        }
        if (status == 100 || status < 0)
            fprintf(stderr, "cannot mount a tmpfs: %s\n", errs);
        assert_true(status != 100 && status >= 0);
        char listing[4200];
        snprintf(listing, sizeof listing, "%s/listing", keep);
        size_t len;
        char *names = fc_test_read_file(listing, &len);
        assert_non_null(names);
        char kept[4200], inside[4200];
        snprintf(kept, sizeof kept, "%s/seed.xlsx", keep);
        snprintf(inside, sizeof inside, "%s/seed.xlsx", dir);
        if (status == 0) {
            assert_string_equal(names, "seed.xlsx\n");
            xbook *book = read_book(kept);
            char *text = describe_book(book);
            assert_same_text(golden, text, "workbook written on a small tmpfs");
            free(text);
            free_book(book);
            successes++;
        } else {
            if (status != 3 || !strstr(errs, inside) || len != 0)
                fprintf(stderr, "tmpfs of %d KiB: status %d, left \"%s\": %s\n", kib, status,
                        names, errs);
            assert_int_equal(status, 3);
            assert_non_null(strstr(errs, inside));
            assert_int_equal(len, 0); /* nothing left on the full file system */
            failures++;
        }
        free(names);
        free(errs);
        remove_dir(keep);
        free(keep);
        rmdir(dir);
        free(dir);
    }
    assert_true(failures > 0);
    assert_true(successes > 0);
    free(golden);
}

/* The command line writes .xlsx by extension, both layouts. */
static void test_cli(void **state)
{
    (void)state;
    char *dir = new_dir();
    char target[4200];
    snprintf(target, sizeof target, "%s/cli.xlsx", dir);
    const char *layouts[] = {"stacked", "sheets"};
    size_t sheets[] = {1, 9};
    for (int i = 0; i < 2; i++) {
        const char *argv[] = {FC_BINARY, "convert", fc_test_path("fixtures/seed.txt"), "-o",
                              target, "-l", layouts[i], NULL};
        assert_int_equal(fc_test_run(argv, NULL, NULL, NULL), 0);
        xbook *book = read_book(target);
        assert_int_equal(book->nsheets, sheets[i]);
        free_book(book);
    }
    remove_dir(dir);
    free(dir);
}

/* Runs every test; the exit status is the number of failures. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_stacked_golden),
        cmocka_unit_test(test_seed_sheets_golden),
        cmocka_unit_test(test_layout_rules),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_rows_high_enough),
        cmocka_unit_test(test_tall_merged_category),
        cmocka_unit_test(test_text_kept_and_escaped),
        cmocka_unit_test(test_text_refused),
        cmocka_unit_test(test_sheet_names),
        cmocka_unit_test(test_properties_and_reproducible),
        cmocka_unit_test(test_decimal_comma_locale),
        cmocka_unit_test(test_stack_continues_on_new_sheet),
        cmocka_unit_test(test_libreoffice),
        cmocka_unit_test(test_openpyxl),
        cmocka_unit_test(test_unwritable_directory),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_full_tmpfs),
        cmocka_unit_test(test_cli),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
