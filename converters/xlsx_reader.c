/*
 * xlsx_reader.c - reads XLSX workbooks (Excel, WPS, LibreOffice, Gnumeric,
 * openpyxl, SheetJS, exceljs, libxlsxwriter) into rows of cells for the
 * shared recognizer. No form logic lives here.
 *
 * The package is read through the safe zip layer (xlsx_zip.c) and every
 * part through libxml2's SAX2 push parser fed with inflated chunks, so
 * memory does not grow with a worksheet: it holds the shared strings, the
 * styles, the merged ranges of the sheet being read (16 bytes each), one
 * row of cells, and the one form the recognizer is building.
 *
 * Order of work: [Content_Types].xml (to tell a workbook from a .docx),
 * _rels/.rels (the workbook part), the workbook (sheet order, names,
 * date1904), its relationships (targets relative or absolute, names
 * compared case-insensitively), the shared strings, the styles (number
 * formats), then each worksheet. <mergeCells> comes after <sheetData>, but
 * the rows need their merges when they are pushed: a cheap first pass over
 * the worksheet's bytes (no XML parser: it only looks for <mergeCell> tags,
 * stepping over comments, CDATA and processing instructions) collects the
 * ranges, and the streaming pass checks that it saw the same ones. Parts up
 * to SMALL_PART bytes are inflated once and both passes run over memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "fc_recognizer.h"
#include "fc_utf8.h"
#include "fc_xml.h"
#include "xlsx.h"

/* Bytes inflated per step. */
#define CHUNK (256 * 1024)
/* Worksheets up to this size are inflated once into memory. */
#define SMALL_PART ((uint64_t)8 * 1024 * 1024)
/* Excel's sheet size: 1,048,576 rows and 16,384 columns (XFD). */
#define MAX_ROWS 1048576UL
#define MAX_COLS 16384UL
/* Most merged ranges in one worksheet (16 bytes each). */
#define MAX_MERGES ((size_t)1 << 22)
/* Most shared strings (an offset of 8 bytes each). */
#define MAX_SHARED_STRINGS ((size_t)1 << 24)
/* Most cell formats (cellXfs) and number formats in the styles. */
#define MAX_STYLES ((size_t)1 << 18)
/* Most worksheets and relationships the workbook may list. */
#define MAX_SHEETS ((size_t)1 << 16)
/* Longest <mergeCell ...> tag the first pass accepts. */
#define MAX_MERGE_TAG 4096

/* Namespaces of the parts. */
static const char NS_MAIN[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
static const char NS_MAIN_STRICT[] = "http://purl.oclc.org/ooxml/spreadsheetml/main";
static const char NS_REL[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
static const char NS_REL_STRICT[] = "http://purl.oclc.org/ooxml/officeDocument/relationships";
static const char NS_PKG_REL[] = "http://schemas.openxmlformats.org/package/2006/relationships";
static const char NS_CT[] = "http://schemas.openxmlformats.org/package/2006/content-types";

/* Which namespaces a part's elements may use. */
typedef enum ns_set {
    NSS_MAIN = 0,   /* SpreadsheetML (transitional or strict) */
    NSS_RELS,       /* package relationships */
    NSS_TYPES       /* content types */
} ns_set;

/* A merged range, zero-based and inclusive. */
typedef struct merge {
    uint32_t r1, c1;   /* top-left cell */
    uint32_t r2, c2;   /* bottom-right cell */
} merge;

/* A relationship of the workbook. */
typedef struct rel {
    char *id;          /* Id (malloc) */
    char *type;        /* Type (malloc) */
    char *target;      /* resolved part name (malloc); NULL for external targets */
} rel;

/* An Override of [Content_Types].xml. */
typedef struct content_type {
    char *part;        /* PartName (malloc) */
    char *type;        /* ContentType (malloc) */
} content_type;

/* A sheet the workbook lists. */
typedef struct sheet_ref {
    char *name;        /* its name (malloc) */
    char *rid;         /* its r:id (malloc) */
} sheet_ref;

/* A number format of the styles part. */
typedef struct numfmt_entry {
    uint32_t id;       /* numFmtId */
    char *code;        /* formatCode (malloc), NULL for a built-in id */
    fc_numfmt *fmt;    /* compiled, on first use */
    bool compiled;     /* fmt was made (it may be NULL for General) */
} numfmt_entry;

/* One cell of the row being read. */
typedef struct cell_rec {
    uint32_t col;      /* zero-based column */
    const char *ext;   /* text outside row_text (a shared string), or NULL */
    size_t off;        /* offset of the text in row_text (when ext is NULL) */
    size_t len;        /* its length */
} cell_rec;

/* The first pass over a worksheet: merged ranges and a check sum. */
typedef struct merge_scan {
    merge *list;       /* ranges larger than one cell */
    size_t count;      /* how many */
    size_t cap;        /* allocated */
    size_t seen;       /* <mergeCell> tags, one-cell ranges included */
    uint64_t sum;      /* order-independent hash of every range seen */
} merge_scan;

typedef struct xlsx_reader xlsx_reader;

/* One part being parsed by the SAX2 push parser. */
typedef struct part_parser {
    xlsx_reader *r;           /* the reader */
    xmlParserCtxtPtr ctxt;    /* libxml2's context */
    char where[FC_ERROR_LOCATION_MAX]; /* "FILE!part" */
    ns_set nss;               /* accepted element namespaces */
    const xmlChar *ns_seen;   /* the last namespace URI classified */
    bool ns_ok;               /* whether it was accepted */
    fc_status st;             /* first failure (FC_OK while none) */
    fc_error err;             /* its description */
    int depth;                /* element depth */
    bool root_seen;           /* the root element was seen */
    const char *root;         /* required local name of the root element */
    void *data;               /* the part's own state */
} part_parser;

/* State of the worksheet being streamed. */
typedef struct sheet_state {
    const char *sheet;        /* the sheet's name */
    int data_depth;           /* depth of <sheetData>, 0 outside */
    bool in_row;              /* inside <row> */
    bool in_cell;             /* inside <c> */
    bool capture;             /* characters go to `value` */
    int is_depth;             /* depth of <is>, 0 outside */
    int rph_depth;            /* depth of an <rPh> being skipped, 0 outside */
    bool row_has_r;           /* the current <row> had an r attribute */
    long row;                 /* zero-based index of the current row */
    long last_row;            /* index of the previous row, -1 before the first */
    long next_col;            /* column of a cell without r */
    uint32_t col;             /* column of the current cell */
    char type;                /* current cell type: 'n', 's', 'b', 'e', 'S' (str), 'i' (inline), 'd' */
    uint32_t style;           /* its s attribute */
    bool has_v;               /* it had a <v> */
    bool has_is;              /* it had an <is> */
    fc_buf value;             /* text of <v> or of the inline string */
    cell_rec *cells;          /* cells of the current row */
    size_t cell_count;        /* how many */
    size_t cell_cap;          /* allocated */
    bool sorted;              /* cells arrived in column order */
    fc_buf row_text;          /* text of the row's cells */
    merge_scan merges;        /* from the first pass, sorted by row */
    size_t merge_next;        /* first merge not yet activated */
    uint32_t *active;         /* indexes of merges covering the current row, by column */
    size_t active_count;      /* how many */
    size_t active_cap;        /* allocated */
    size_t merges_seen;       /* <mergeCell> seen by the streaming pass */
    uint64_t merge_sum;       /* their hash */
    fc_cell *out;             /* the row pushed to the recognizer */
    size_t out_cap;           /* allocated */
} sheet_state;

struct xlsx_reader {
    const char *name;         /* input name for messages */
    const fc_options *opts;   /* options */
    fc_limits limits;         /* effective limits */
    fc_zip *zip;              /* the package */
    fc_recognizer *rec;       /* receiver of rows */
    unsigned char *chunk;     /* inflate buffer (CHUNK bytes) */
    fc_buf part;              /* a small part inflated whole */
    /* [Content_Types].xml */
    content_type *ct;         /* the Override entries */
    size_t ct_count;          /* how many */
    size_t ct_cap;            /* allocated */
    /* package and workbook relationships */
    rel *rels;                /* relationships of the part read last */
    size_t rel_count;         /* how many */
    size_t rel_cap;           /* allocated */
    const char *rels_source;  /* part whose relationships are being read */
    /* workbook */
    char *workbook;           /* workbook part name (malloc) */
    bool date1904;            /* the 1904 date system */
    sheet_ref *sheets;        /* sheets in workbook order */
    size_t sheet_count;       /* how many */
    size_t sheet_cap;         /* allocated */
    /* shared strings */
    fc_buf sst;               /* every string, one after another */
    size_t *sst_off;          /* start of string i; sst_off[count] is the end */
    size_t sst_count;         /* how many strings */
    size_t sst_cap;           /* allocated offsets */
    size_t si_start;          /* start of the <si> being read */
    int si_depth;             /* depth of <si>, 0 outside */
    int t_depth;              /* depth of a <t> being captured, 0 outside */
    int sst_rph;              /* depth of an <rPh>, 0 outside */
    /* styles */
    numfmt_entry *numfmts;    /* number formats by id (custom and used built-ins) */
    size_t numfmt_count;      /* how many */
    size_t numfmt_cap;        /* allocated */
    uint32_t *xf_numfmt;      /* numFmtId of each cellXfs entry */
    fc_numfmt **xf_fmt;       /* its compiled format (NULL: General) */
    bool *xf_ready;           /* xf_fmt[i] is resolved */
    size_t xf_count;          /* cellXfs entries */
    size_t xf_cap;            /* allocated */
    int xfs_depth;            /* depth of <cellXfs>, 0 outside */
    /* the worksheet being read */
    sheet_state sh;           /* its state */
};

/* ---- helpers ---------------------------------------------------------- */

/* Sets `err` to out of memory at the input. */
static fc_status no_memory(const xlsx_reader *r, fc_error *err)
{
    return fc_error_set(err, FC_ERR_NOMEM, r->name, "out of memory");
}

/* Sets `err` for part `part` of the package: location "FILE!part". */
static fc_status part_error(const xlsx_reader *r, fc_error *err, fc_status code, const char *part,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static fc_status part_error(const xlsx_reader *r, fc_error *err, fc_status code, const char *part,
                            const char *fmt, ...)
{
    char where[FC_ERROR_LOCATION_MAX];
    char message[FC_ERROR_MESSAGE_MAX];
    snprintf(where, sizeof where, "%s!%s", r->name, part);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return fc_error_set(err, code, where, "%s", message);
}

/* strdup of `len` bytes; NULL when out of memory. */
static char *dup_n(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* Grows an array to hold `need` items of `size` bytes. */
static bool grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 16;
    while (want < need)
        want *= 2;
    void *bigger = realloc(*array, want * size);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = want;
    return true;
}

/* The value of attribute `local` (no namespace, or namespace `ns1`/`ns2`
 * when given) among SAX2 attributes; *len receives its length. */
static const char *attr_value(int nb, const xmlChar **attrs, const char *local, const char *ns1,
                              const char *ns2, size_t *len)
{
    for (int i = 0; i < nb; i++) {
        const xmlChar **a = attrs + i * 5;
        if (strcmp((const char *)a[0], local) != 0)
            continue;
        const char *uri = (const char *)a[2];
        if (ns1) {
            if (!uri || (strcmp(uri, ns1) != 0 && (!ns2 || strcmp(uri, ns2) != 0)))
                continue;
        } else if (uri) {
            continue;
        }
        *len = (size_t)(a[4] - a[3]);
        return (const char *)a[3];
    }
    *len = 0;
    return NULL;
}

/* Parses a decimal unsigned number (surrounding blanks allowed). */
static bool parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                       s[len - 1] == '\r'))
        len--;
    if (i == len)
        return false;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* Parses a cell reference such as "B12" (or a column alone when `col_only`
 * and no digits follow). Stores zero-based row and column. */
static bool parse_ref(const char *s, size_t len, uint32_t *row, uint32_t *col, bool *has_row)
{
    size_t i = 0;
    if (i < len && s[i] == '$')
        i++;
    uint64_t c = 0;
    size_t letters = 0;
    while (i < len && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) {
        char ch = s[i] >= 'a' ? (char)(s[i] - 'a' + 'A') : s[i];
        c = c * 26 + (uint64_t)(ch - 'A' + 1);
        if (++letters > 3)
            return false;
        i++;
    }
    if (letters == 0 || c > MAX_COLS)
        return false;
    if (i < len && s[i] == '$')
        i++;
    *col = (uint32_t)(c - 1);
    if (i == len) {
        *has_row = false;
        return true;
    }
    uint64_t rnum;
    if (!parse_uint(s + i, len - i, MAX_ROWS, &rnum) || rnum == 0)
        return false;
    *row = (uint32_t)(rnum - 1);
    *has_row = true;
    return true;
}

/* Parses a range "A1:B2" (or "A1"). */
static bool parse_range(const char *s, size_t len, merge *m)
{
    const char *colon = memchr(s, ':', len);
    bool has_row;
    if (!colon) {
        if (!parse_ref(s, len, &m->r1, &m->c1, &has_row) || !has_row)
            return false;
        m->r2 = m->r1;
        m->c2 = m->c1;
        return true;
    }
    if (!parse_ref(s, (size_t)(colon - s), &m->r1, &m->c1, &has_row) || !has_row)
        return false;
    if (!parse_ref(colon + 1, len - (size_t)(colon - s) - 1, &m->r2, &m->c2, &has_row) ||
        !has_row)
        return false;
    if (m->r1 > m->r2) {
        uint32_t t = m->r1;
        m->r1 = m->r2;
        m->r2 = t;
    }
    if (m->c1 > m->c2) {
        uint32_t t = m->c1;
        m->c1 = m->c2;
        m->c2 = t;
    }
    return true;
}

/* An order-independent hash of a range (for comparing the two passes). */
static uint64_t merge_hash(const merge *m)
{
    uint64_t h = ((uint64_t)m->r1 << 32 | m->c1) * 0x9E3779B97F4A7C15ULL;
    h ^= ((uint64_t)m->r2 << 32 | m->c2) + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    h ^= h >> 29;
    return h * 0xBF58476D1CE4E5B9ULL;
}

/* Value of a hex digit, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads an escape "_xHHHH_" at s (len bytes available); returns the code
 * unit or -1. */
static long escape_at(const char *s, size_t len)
{
    if (len < 7 || s[0] != '_' || (s[1] != 'x' && s[1] != 'X') || s[6] != '_')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = hex_value(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Decodes the _xHHHH_ escapes of OOXML strings in place (a pair of
 * escaped surrogates makes one character). An escape for a character no
 * cell can hold (a control character) is kept as written. Returns the new
 * length. */
static size_t decode_escapes(char *s, size_t len)
{
    if (len == 0)
        return 0;
    const char *first = memchr(s, '_', len);
    if (!first)
        return len;
    size_t w = (size_t)(first - s), i = w;
    while (i < len) {
        if (s[i] != '_') {
            s[w++] = s[i++];
            continue;
        }
        long cu = escape_at(s + i, len - i);
        if (cu < 0) {
            s[w++] = s[i++];
            continue;
        }
        size_t used = 7;
        uint32_t cp = (uint32_t)cu;
        if (cu >= 0xD800 && cu <= 0xDBFF) {
            long lo = escape_at(s + i + 7, len - i - 7);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + (((uint32_t)cu - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                used = 14;
            }
        }
        unsigned char enc[4];
        size_t n = fc_char_allowed(cp) ? fc_utf8_encode(cp, enc) : 0;
        if (n == 0) {
            s[w++] = s[i++];
            continue;
        }
        memcpy(s + w, enc, n);
        w += n;
        i += used;
    }
    return w;
}

/* Joins a directory ("xl/") and a relative target into a part name,
 * resolving "." and ".." and percent escapes; an absolute target ("/xl/x")
 * ignores the directory. Returns a malloc'd name or NULL. */
static char *resolve_target(const char *base_dir, const char *target)
{
    size_t tlen = strlen(target);
    size_t blen = strlen(base_dir);
    bool absolute = target[0] == '/' || target[0] == '\\';
    char *joined = malloc(blen + tlen + 2);
    if (!joined)
        return NULL;
    size_t n = 0;
    if (!absolute) {
        memcpy(joined, base_dir, blen);
        n = blen;
    }
    for (size_t i = 0; i < tlen; i++) {
        char c = target[i] == '\\' ? '/' : target[i];
        if (c == '%' && i + 2 < tlen && hex_value(target[i + 1]) >= 0 &&
            hex_value(target[i + 2]) >= 0) {
            c = (char)(hex_value(target[i + 1]) * 16 + hex_value(target[i + 2]));
            i += 2;
        }
        joined[n++] = c;
    }
    joined[n] = '\0';
    /* Normalise the segments in place. */
    char *out = malloc(n + 1);
    if (!out) {
        free(joined);
        return NULL;
    }
    size_t w = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (w > 0 && out[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
            continue;
        }
        if (w > 0)
            out[w++] = '/';
        memcpy(out + w, seg, len);
        w += len;
    }
    out[w] = '\0';
    free(joined);
    return out;
}

/* The directory of part `part` with a trailing '/' ("" at the root). */
static char *part_dir(const char *part)
{
    const char *slash = strrchr(part, '/');
    return dup_n(part, slash ? (size_t)(slash - part) + 1 : 0);
}

/* The relationships part of `part`: "xl/workbook.xml" ->
 * "xl/_rels/workbook.xml.rels"; "" -> "_rels/.rels". */
static char *rels_name(const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t dir = slash ? (size_t)(slash - part) + 1 : 0;
    const char *base = part + dir;
    size_t len = strlen(part) + 16;
    char *name = malloc(len);
    if (name)
        snprintf(name, len, "%.*s_rels/%s.rels", (int)dir, part, base);
    return name;
}

/* ---- parsing parts with SAX2 -------------------------------------------- */

/* Records the first failure of a part and stops its parser. */
static void pp_fail(part_parser *pp, fc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pp_fail(part_parser *pp, fc_status code, const char *fmt, ...)
{
    if (pp->st == FC_OK) {
        char message[FC_ERROR_MESSAGE_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(message, sizeof message, fmt, ap);
        va_end(ap);
        fc_error_set(&pp->err, code, pp->where, "%s", message);
        pp->st = code;
    }
    if (pp->ctxt)
        xmlStopParser(pp->ctxt);
}

/* Records a failure that `err` already describes (a cell's, the sink's). */
static void pp_fail_with(part_parser *pp, fc_status code, const fc_error *err)
{
    if (pp->st == FC_OK) {
        pp->err = *err;
        pp->st = code;
    }
    if (pp->ctxt)
        xmlStopParser(pp->ctxt);
}

/* libxml2's errors for the part. */
static void pp_error(void *ctx, xmlErrorPtr error)
{
    part_parser *pp = ctx;
    if (!error || error->level == XML_ERR_WARNING || pp->st != FC_OK)
        return;
    char message[FC_ERROR_MESSAGE_MAX];
    fc_xml_message(error, message, sizeof message);
    pp_fail(pp, FC_ERR_INPUT, "malformed XML at line %d: %s", error->line, message);
}

/* <!DOCTYPE>: refused in every part. */
static void pp_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    part_parser *pp = ctx;
    pp_fail(pp, FC_ERR_INPUT, "a DOCTYPE is not allowed in a workbook part (line %d)",
            pp->ctxt ? xmlSAX2GetLineNumber(pp->ctxt) : 0);
}

/* True when an element of namespace `uri` belongs to the part. */
static bool pp_ns_ok(part_parser *pp, const xmlChar *uri)
{
    if (uri == pp->ns_seen && uri)
        return pp->ns_ok;
    bool ok;
    const char *u = (const char *)uri;
    if (!u)
        ok = true; /* no namespace at all: a sloppy writer, accepted */
    else if (pp->nss == NSS_MAIN)
        ok = strcmp(u, NS_MAIN) == 0 || strcmp(u, NS_MAIN_STRICT) == 0;
    else if (pp->nss == NSS_RELS)
        ok = strcmp(u, NS_PKG_REL) == 0;
    else
        ok = strcmp(u, NS_CT) == 0;
    pp->ns_seen = uri;
    pp->ns_ok = ok;
    return ok;
}

/* Common start-element work: depth limit and root check. Returns false
 * when the element must be ignored (or parsing stopped). */
static bool pp_enter(part_parser *pp, const xmlChar *localname, const xmlChar *uri)
{
    if (pp->st)
        return false;
    if (++pp->depth > (int)pp->r->limits.xml_depth) {
        pp_fail(pp, FC_ERR_LIMIT, "elements nested deeper than the limit of %zu",
                pp->r->limits.xml_depth);
        return false;
    }
    bool ok = pp_ns_ok(pp, uri);
    if (!pp->root_seen) {
        pp->root_seen = true;
        if (pp->root && (!ok || strcmp((const char *)localname, pp->root) != 0)) {
            pp_fail(pp, FC_ERR_INPUT, "expected a <%s> element, found <%s>", pp->root,
                    (const char *)localname);
            return false;
        }
    }
    return ok;
}

/* Feeds `len` bytes to the part's parser, creating it on the first call. */
static void pp_feed(part_parser *pp, xmlSAXHandler *sax, const char *data, size_t len,
                    bool last)
{
    if (pp->st)
        return;
    if (!pp->ctxt) {
        size_t head = len < 4 ? len : 4;
        pp->ctxt = xmlCreatePushParserCtxt(sax, pp, data, (int)head, pp->where);
        if (!pp->ctxt) {
            pp_fail(pp, FC_ERR_NOMEM, "out of memory");
            return;
        }
        xmlCtxtUseOptions(pp->ctxt, FC_XML_PARSE_OPTIONS);
        data += head;
        len -= head;
    }
    while (len > 0 && !pp->st) {
        size_t n = len > (1u << 30) ? (1u << 30) : len;
        xmlParseChunk(pp->ctxt, data, (int)n, 0);
        data += n;
        len -= n;
    }
    if (last && !pp->st)
        xmlParseChunk(pp->ctxt, NULL, 0, 1);
    if (!pp->st && pp->ctxt && pp->ctxt->wellFormed == 0)
        pp_fail(pp, FC_ERR_INPUT, "malformed XML");
}

/* Prepares a parser for part `entry`. */
static void pp_init(part_parser *pp, xlsx_reader *r, size_t entry, ns_set nss, const char *root,
                    void *data)
{
    memset(pp, 0, sizeof *pp);
    pp->r = r;
    pp->nss = nss;
    pp->root = root;
    pp->data = data;
    snprintf(pp->where, sizeof pp->where, "%s!%s", r->name, fc_zip_name(r->zip, entry));
}

/* Ends a parse: frees libxml2's context and returns the outcome. */
static fc_status pp_done(part_parser *pp, fc_status st, fc_error *err)
{
    if (pp->ctxt) {
        xmlFreeDoc(pp->ctxt->myDoc);
        pp->ctxt->myDoc = NULL;
        xmlFreeParserCtxt(pp->ctxt);
        pp->ctxt = NULL;
    }
    if (pp->st) {
        if (err)
            *err = pp->err;
        return pp->st;
    }
    if (!st && !pp->root_seen)
        return fc_error_set(err, FC_ERR_INPUT, pp->where, "the part is empty (no XML element)");
    return st;
}

/* Fills the handler functions every part uses. */
static void sax_base(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->serror = pp_error;
    sax->internalSubset = pp_doctype;
}

/* Inflates part `entry` chunk by chunk into the parser. */
static fc_status parse_part(xlsx_reader *r, size_t entry, xmlSAXHandler *sax, part_parser *pp,
                            fc_error *err)
{
    fc_status st = fc_zip_open_entry(r->zip, entry, err);
    if (st)
        return pp_done(pp, st, err);
    for (;;) {
        size_t got = 0;
        st = fc_zip_read(r->zip, r->chunk, CHUNK, &got, err);
        if (st)
            break;
        pp_feed(pp, sax, (const char *)r->chunk, got, got == 0);
        if (pp->st || got == 0)
            break;
    }
    fc_zip_close_entry(r->zip);
    if (st && pp->st == FC_OK) {
        /* The zip layer's error wins over a parse that merely stopped. */
        pp_done(pp, FC_OK, NULL);
        return st;
    }
    return pp_done(pp, st, err);
}

/* ---- [Content_Types].xml ------------------------------------------------ */

static void ct_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                     int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    if (strcmp((const char *)localname, "Override") != 0)
        return;
    size_t plen, tlen;
    const char *part = attr_value(nb_attrs, attrs, "PartName", NULL, NULL, &plen);
    const char *type = attr_value(nb_attrs, attrs, "ContentType", NULL, NULL, &tlen);
    if (!part || !type)
        return;
    if (r->ct_count >= r->limits.entries)
        return pp_fail(pp, FC_ERR_LIMIT, "more content types than the archive has entries");
    if (!grow((void **)&r->ct, &r->ct_cap, r->ct_count + 1, sizeof *r->ct))
        return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
    char *p = dup_n(part, plen), *t = dup_n(type, tlen);
    if (!p || !t) {
        free(p);
        free(t);
        return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
    }
    r->ct[r->ct_count].part = p;
    r->ct[r->ct_count].type = t;
    r->ct_count++;
}

static void any_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                    const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    part_parser *pp = ctx;
    pp->depth--;
}

/* The content type [Content_Types].xml gives part `name`, or NULL. */
static const char *content_type_of(const xlsx_reader *r, const char *name)
{
    while (*name == '/')
        name++;
    for (size_t i = 0; i < r->ct_count; i++) {
        const char *p = r->ct[i].part;
        while (*p == '/')
            p++;
        if (strcasecmp(p, name) == 0)
            return r->ct[i].type;
    }
    return NULL;
}

/* ---- relationships --------------------------------------------------- */

static void free_rels(xlsx_reader *r)
{
    for (size_t i = 0; i < r->rel_count; i++) {
        free(r->rels[i].id);
        free(r->rels[i].type);
        free(r->rels[i].target);
    }
    r->rel_count = 0;
}

static void rels_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                       int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    if (strcmp((const char *)localname, "Relationship") != 0)
        return;
    size_t ilen, tlen, glen, mlen;
    const char *id = attr_value(nb_attrs, attrs, "Id", NULL, NULL, &ilen);
    const char *type = attr_value(nb_attrs, attrs, "Type", NULL, NULL, &tlen);
    const char *target = attr_value(nb_attrs, attrs, "Target", NULL, NULL, &glen);
    const char *mode = attr_value(nb_attrs, attrs, "TargetMode", NULL, NULL, &mlen);
    if (!id || !type || !target)
        return;
    if (r->rel_count >= MAX_SHEETS)
        return pp_fail(pp, FC_ERR_LIMIT, "more than %zu relationships", MAX_SHEETS);
    if (!grow((void **)&r->rels, &r->rel_cap, r->rel_count + 1, sizeof *r->rels))
        return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
    rel *e = &r->rels[r->rel_count];
    e->id = dup_n(id, ilen);
    e->type = dup_n(type, tlen);
    e->target = NULL;
    bool external = mode && mlen == 8 && memcmp(mode, "External", 8) == 0;
    char *raw = dup_n(target, glen);
    char *dir = part_dir(r->rels_source);
    if (raw && dir && !external)
        e->target = resolve_target(dir, raw);
    bool ok = e->id && e->type && raw && dir && (external || e->target);
    free(raw);
    free(dir);
    r->rel_count++;
    if (!ok)
        pp_fail(pp, FC_ERR_NOMEM, "out of memory");
}

/* Reads the relationships of `source` ("" for the package). A missing
 * relationships part gives no relationships. */
static fc_status read_rels(xlsx_reader *r, const char *source, bool *found, fc_error *err)
{
    free_rels(r);
    *found = false;
    char *name = rels_name(source);
    if (!name)
        return no_memory(r, err);
    long entry = fc_zip_find(r->zip, name);
    free(name);
    if (entry < 0)
        return FC_OK;
    *found = true;
    r->rels_source = source;
    xmlSAXHandler sax;
    sax_base(&sax);
    sax.startElementNs = rels_start;
    sax.endElementNs = any_end;
    part_parser pp;
    pp_init(&pp, r, (size_t)entry, NSS_RELS, "Relationships", NULL);
    return parse_part(r, (size_t)entry, &sax, &pp, err);
}

/* True when relationship type `type` ends with "/`kind`". */
static bool rel_is(const char *type, const char *kind)
{
    size_t t = strlen(type), k = strlen(kind);
    return t > k && type[t - k - 1] == '/' && strcmp(type + t - k, kind) == 0;
}

/* The first relationship of kind `kind`, or NULL. */
static const rel *find_rel_type(const xlsx_reader *r, const char *kind)
{
    for (size_t i = 0; i < r->rel_count; i++)
        if (r->rels[i].target && rel_is(r->rels[i].type, kind))
            return &r->rels[i];
    return NULL;
}

/* ---- the workbook ----------------------------------------------------- */

static void wb_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                     int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    const char *name = (const char *)localname;
    size_t len;
    if (strcmp(name, "workbookPr") == 0) {
        const char *v = attr_value(nb_attrs, attrs, "date1904", NULL, NULL, &len);
        if (v)
            r->date1904 = (len == 1 && v[0] == '1') || (len == 4 && memcmp(v, "true", 4) == 0);
        return;
    }
    if (strcmp(name, "sheet") != 0)
        return;
    size_t nlen, ilen;
    const char *sname = attr_value(nb_attrs, attrs, "name", NULL, NULL, &nlen);
    const char *rid = attr_value(nb_attrs, attrs, "id", NS_REL, NS_REL_STRICT, &ilen);
    if (!sname || !rid)
        return pp_fail(pp, FC_ERR_INPUT, "a <sheet> without a name or r:id");
    if (r->sheet_count >= MAX_SHEETS)
        return pp_fail(pp, FC_ERR_LIMIT, "more than %zu sheets", MAX_SHEETS);
    if (!grow((void **)&r->sheets, &r->sheet_cap, r->sheet_count + 1, sizeof *r->sheets))
        return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
    sheet_ref *s = &r->sheets[r->sheet_count++];
    s->name = dup_n(sname, nlen);
    s->rid = dup_n(rid, ilen);
    if (!s->name || !s->rid)
        pp_fail(pp, FC_ERR_NOMEM, "out of memory");
}

/* ---- shared strings ------------------------------------------------- */

static void sst_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                      const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                      int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_attrs;
    (void)nb_defaulted;
    (void)attrs;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    const char *name = (const char *)localname;
    if (r->si_depth == 0) {
        if (strcmp(name, "si") == 0) {
            r->si_depth = pp->depth;
            r->si_start = r->sst.len;
        }
        return;
    }
    if (r->sst_rph)
        return;
    if (strcmp(name, "rPh") == 0)
        r->sst_rph = pp->depth;
    else if (strcmp(name, "t") == 0 && r->t_depth == 0)
        r->t_depth = pp->depth;
}

static void sst_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                    const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    part_parser *pp = ctx;
    xlsx_reader *r = pp->r;
    if (pp->st)
        return;
    if (r->t_depth == pp->depth)
        r->t_depth = 0;
    else if (r->sst_rph == pp->depth)
        r->sst_rph = 0;
    else if (r->si_depth == pp->depth) {
        r->si_depth = 0;
        size_t len = r->sst.len > r->si_start
                         ? decode_escapes(r->sst.data + r->si_start, r->sst.len - r->si_start)
                         : 0;
        r->sst.len = r->si_start + len;
        if (len > r->limits.cell_chars &&
            fc_utf8_length(r->sst.data + r->si_start, len) > r->limits.cell_chars) {
            pp_fail(pp, FC_ERR_LIMIT, "shared string %zu is longer than the limit of %zu "
                                      "characters", r->sst_count, r->limits.cell_chars);
            pp->depth--;
            return;
        }
        if (r->sst_count + 1 >= MAX_SHARED_STRINGS) {
            pp_fail(pp, FC_ERR_LIMIT, "more than %zu shared strings", MAX_SHARED_STRINGS);
            pp->depth--;
            return;
        }
        if (!grow((void **)&r->sst_off, &r->sst_cap, r->sst_count + 2, sizeof *r->sst_off)) {
            pp_fail(pp, FC_ERR_NOMEM, "out of memory");
            pp->depth--;
            return;
        }
        r->sst_off[r->sst_count] = r->si_start;
        r->sst_count++;
        r->sst_off[r->sst_count] = r->sst.len;
    }
    pp->depth--;
}

static void sst_chars(void *ctx, const xmlChar *ch, int len)
{
    part_parser *pp = ctx;
    xlsx_reader *r = pp->r;
    if (!r->t_depth || r->sst_rph || pp->st)
        return;
    /* Escapes make raw text up to 7 times longer than what it says. */
    if (r->sst.len - r->si_start + (size_t)len > r->limits.cell_chars * 7 + 64)
        return pp_fail(pp, FC_ERR_LIMIT, "shared string %zu is longer than the limit of %zu "
                                         "characters", r->sst_count, r->limits.cell_chars);
    if (!fc_buf_append(&r->sst, ch, (size_t)len))
        pp_fail(pp, FC_ERR_NOMEM, "out of memory");
}

/* ---- styles ----------------------------------------------------------- */

/* Finds the number format entry for `id`, or NULL. */
static numfmt_entry *find_numfmt(xlsx_reader *r, uint32_t id)
{
    size_t lo = 0, hi = r->numfmt_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->numfmts[mid].id == id)
            return &r->numfmts[mid];
        if (r->numfmts[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int numfmt_cmp(const void *a, const void *b)
{
    uint32_t x = ((const numfmt_entry *)a)->id, y = ((const numfmt_entry *)b)->id;
    return x < y ? -1 : x > y;
}

static void styles_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                         const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                         int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    const char *name = (const char *)localname;
    size_t len;
    if (strcmp(name, "cellXfs") == 0 && r->xfs_depth == 0) {
        r->xfs_depth = pp->depth;
        return;
    }
    if (strcmp(name, "numFmt") == 0) {
        uint64_t id;
        const char *v = attr_value(nb_attrs, attrs, "numFmtId", NULL, NULL, &len);
        size_t clen;
        const char *code = attr_value(nb_attrs, attrs, "formatCode", NULL, NULL, &clen);
        if (!v || !code || !parse_uint(v, len, UINT32_MAX, &id))
            return;
        if (r->numfmt_count >= MAX_STYLES)
            return pp_fail(pp, FC_ERR_LIMIT, "more than %zu number formats", MAX_STYLES);
        if (!grow((void **)&r->numfmts, &r->numfmt_cap, r->numfmt_count + 1, sizeof *r->numfmts))
            return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        numfmt_entry *e = &r->numfmts[r->numfmt_count++];
        memset(e, 0, sizeof *e);
        e->id = (uint32_t)id;
        e->code = dup_n(code, clen);
        if (!e->code)
            pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        return;
    }
    if (strcmp(name, "xf") == 0 && r->xfs_depth && pp->depth == r->xfs_depth + 1) {
        uint64_t id = 0;
        const char *v = attr_value(nb_attrs, attrs, "numFmtId", NULL, NULL, &len);
        if (!v || !parse_uint(v, len, UINT32_MAX, &id))
            id = 0;
        if (r->xf_count >= MAX_STYLES)
            return pp_fail(pp, FC_ERR_LIMIT, "more than %zu cell formats", MAX_STYLES);
        if (!grow((void **)&r->xf_numfmt, &r->xf_cap, r->xf_count + 1, sizeof *r->xf_numfmt))
            return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        r->xf_numfmt[r->xf_count++] = (uint32_t)id;
    }
}

static void styles_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri)
{
    part_parser *pp = ctx;
    if (pp->r->xfs_depth == pp->depth)
        pp->r->xfs_depth = 0;
    any_end(ctx, localname, prefix, uri);
}

/* Prepares the style tables after the styles part: sorted formats, one
 * entry for every built-in id a cell format uses, and the lazy cache. */
static fc_status finish_styles(xlsx_reader *r, fc_error *err)
{
    if (r->numfmt_count)
        qsort(r->numfmts, r->numfmt_count, sizeof *r->numfmts, numfmt_cmp);
    /* A duplicate id keeps its first definition. */
    size_t w = 0;
    for (size_t i = 0; i < r->numfmt_count; i++) {
        if (w > 0 && r->numfmts[w - 1].id == r->numfmts[i].id) {
            free(r->numfmts[i].code);
            continue;
        }
        r->numfmts[w++] = r->numfmts[i];
    }
    r->numfmt_count = w;
    r->xf_fmt = calloc(r->xf_count ? r->xf_count : 1, sizeof *r->xf_fmt);
    r->xf_ready = calloc(r->xf_count ? r->xf_count : 1, sizeof *r->xf_ready);
    if (!r->xf_fmt || !r->xf_ready)
        return no_memory(r, err);
    return FC_OK;
}

/* Compiled format of a number format id (NULL: General). */
static fc_status format_of_id(xlsx_reader *r, uint32_t id, fc_numfmt **out)
{
    *out = NULL;
    numfmt_entry *e = find_numfmt(r, id);
    if (!e) {
        const char *code = fc_numfmt_builtin(id);
        if (!code || id == 0)
            return FC_OK;
        /* A built-in id used without a definition: add it once. */
        if (r->numfmt_count >= MAX_STYLES * 2 ||
            !grow((void **)&r->numfmts, &r->numfmt_cap, r->numfmt_count + 1, sizeof *r->numfmts))
            return FC_ERR_NOMEM;
        size_t at = 0;
        while (at < r->numfmt_count && r->numfmts[at].id < id)
            at++;
        memmove(r->numfmts + at + 1, r->numfmts + at,
                (r->numfmt_count - at) * sizeof *r->numfmts);
        r->numfmt_count++;
        e = &r->numfmts[at];
        memset(e, 0, sizeof *e);
        e->id = id;
    }
    if (!e->compiled) {
        const char *code = e->code ? e->code : fc_numfmt_builtin(id);
        if (code) {
            e->fmt = fc_numfmt_compile(code, strlen(code));
            if (!e->fmt)
                return FC_ERR_NOMEM;
        }
        e->compiled = true;
    }
    *out = e->fmt;
    return FC_OK;
}

/* Compiled format of cell style `s` (NULL: General). Out-of-range styles
 * are General. */
static fc_status format_of_style(xlsx_reader *r, uint32_t s, const fc_numfmt **out)
{
    *out = NULL;
    if (s >= r->xf_count)
        return FC_OK;
    if (!r->xf_ready[s]) {
        fc_numfmt *f;
        fc_status st = format_of_id(r, r->xf_numfmt[s], &f);
        if (st)
            return st;
        /* The entry array may have moved: store the pointer, not the entry. */
        r->xf_fmt[s] = f;
        r->xf_ready[s] = true;
    }
    *out = r->xf_fmt[s];
    return FC_OK;
}

/* ---- worksheets: the first pass (merged ranges) ---------------------- */

/* Records a range found by the first pass. */
static fc_status scan_add(xlsx_reader *r, const char *where, const char *ref, size_t len,
                          fc_error *err)
{
    merge_scan *ms = &r->sh.merges;
    merge m;
    if (!parse_range(ref, len, &m))
        return fc_error_set(err, FC_ERR_INPUT, where, "bad merged range \"%.*s\"",
                            (int)(len > 40 ? 40 : len), ref);
    ms->seen++;
    ms->sum += merge_hash(&m);
    if (m.r1 == m.r2 && m.c1 == m.c2)
        return FC_OK; /* a one-cell range merges nothing */
    if (ms->count >= MAX_MERGES)
        return fc_error_set(err, FC_ERR_LIMIT, where, "more than %zu merged ranges",
                            MAX_MERGES);
    if (!grow((void **)&ms->list, &ms->cap, ms->count + 1, sizeof *ms->list))
        return no_memory(r, err);
    ms->list[ms->count++] = m;
    return FC_OK;
}

/* Decodes the entity and character references of an attribute value
 * into `out` (at most `cap` bytes). Returns the length or (size_t)-1. */
static size_t unescape_attr(const char *v, size_t len, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        char c = v[i];
        if (c == '&') {
            const char *semi = memchr(v + i, ';', len - i);
            if (!semi)
                return (size_t)-1;
            size_t n = (size_t)(semi - (v + i)) + 1;
            unsigned long cp = 0;
            if (n >= 4 && v[i + 1] == '#') {
                bool hex = v[i + 2] == 'x';
                for (size_t k = i + 2 + hex; k < i + n - 1; k++) {
                    int d = hex ? hex_value(v[k]) : (v[k] >= '0' && v[k] <= '9' ? v[k] - '0' : -1);
                    if (d < 0 || cp > 0x10FFFF)
                        return (size_t)-1;
                    cp = cp * (hex ? 16 : 10) + (unsigned long)d;
                }
            } else if (n == 4 && memcmp(v + i, "&lt;", 4) == 0) {
                cp = '<';
            } else if (n == 4 && memcmp(v + i, "&gt;", 4) == 0) {
                cp = '>';
            } else if (n == 5 && memcmp(v + i, "&amp;", 5) == 0) {
                cp = '&';
            } else if (n == 6 && memcmp(v + i, "&quot;", 6) == 0) {
                cp = '"';
            } else if (n == 6 && memcmp(v + i, "&apos;", 6) == 0) {
                cp = '\'';
            } else {
                return (size_t)-1;
            }
            if (cp == 0 || cp > 0x7F)
                return (size_t)-1; /* a range is ASCII */
            c = (char)cp;
            i += n;
        } else {
            i++;
        }
        if (w >= cap)
            return (size_t)-1;
        out[w++] = c;
    }
    return w;
}

/* Looks at the tag starting at work[k] ('<' followed by a name). Sets
 * *next to where scanning goes on, or returns with *need_more when the tag
 * is cut by the end of the buffer. */
static fc_status scan_tag(xlsx_reader *r, const char *where, const char *work, size_t len,
                          size_t k, bool final, size_t *next, bool *need_more, fc_error *err)
{
    *need_more = false;
    size_t i = k + 1;
    size_t colon = 0;
    while (i < len && work[i] != ' ' && work[i] != '\t' && work[i] != '\n' && work[i] != '\r' &&
           work[i] != '/' && work[i] != '>') {
        if (work[i] == ':')
            colon = i;
        i++;
        if (i - k > 1024) { /* a long name is not mergeCell */
            *next = i;
            return FC_OK;
        }
    }
    if (i >= len && !final) {
        *need_more = true;
        return FC_OK;
    }
    size_t name_start = colon ? colon + 1 : k + 1;
    if (i - name_start != 9 || memcmp(work + name_start, "mergeCell", 9) != 0) {
        *next = i;
        return FC_OK;
    }
    /* A <mergeCell>: read its attributes up to the '>' (quotes may hold it). */
    size_t j = i;
    char quote = 0;
    while (j < len) {
        char c = work[j];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            break;
        }
        j++;
        if (j - k > MAX_MERGE_TAG)
            return fc_error_set(err, FC_ERR_LIMIT, where, "a <mergeCell> tag longer than %d bytes",
                                MAX_MERGE_TAG);
    }
    if (j >= len) {
        if (!final) {
            *need_more = true;
            return FC_OK;
        }
        *next = len; /* malformed: the parser will say so */
        return FC_OK;
    }
    /* Attributes in [i, j). */
    size_t a = i;
    while (a < j) {
        while (a < j && (work[a] == ' ' || work[a] == '\t' || work[a] == '\n' || work[a] == '\r' ||
                         work[a] == '/'))
            a++;
        size_t an = a;
        while (a < j && work[a] != '=' && work[a] != ' ' && work[a] != '\t' && work[a] != '\n' &&
               work[a] != '\r')
            a++;
        size_t an_end = a;
        while (a < j && work[a] != '"' && work[a] != '\'')
            a++;
        if (a >= j)
            break;
        char q = work[a++];
        size_t vs = a;
        while (a < j && work[a] != q)
            a++;
        size_t ve = a;
        a++;
        if (an_end - an == 3 && memcmp(work + an, "ref", 3) == 0) {
            char ref[64];
            size_t n = unescape_attr(work + vs, ve - vs, ref, sizeof ref);
            if (n == (size_t)-1)
                return fc_error_set(err, FC_ERR_INPUT, where, "bad merged range \"%.*s\"",
                                    (int)((ve - vs) > 40 ? 40 : ve - vs), work + vs);
            fc_status st = scan_add(r, where, ref, n, err);
            if (st)
                return st;
        }
    }
    *next = j + 1;
    return FC_OK;
}

/* The first occurrence of `needle` (`nlen` bytes, nlen > 0) in `len`
 * bytes at `hay`, or NULL. */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t nlen)
{
    while (len >= nlen) {
        const char *p = memchr(hay, needle[0], len - nlen + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, nlen) == 0)
            return p;
        len -= (size_t)(p - hay) + 1;
        hay = p + 1;
    }
    return NULL;
}

/* Scanner position across chunks. */
typedef enum scan_state { SC_TEXT = 0, SC_COMMENT, SC_CDATA, SC_PI } scan_state;

/* Scans `len` bytes of `work` from the start; returns in *keep the offset
 * of the first byte that must be kept for the next call. */
static fc_status scan_bytes(xlsx_reader *r, const char *where, scan_state *state,
                            const char *work, size_t len, bool final, size_t *keep,
                            fc_error *err)
{
    size_t i = 0;
    for (;;) {
        if (*state != SC_TEXT) {
            const char *end_mark = *state == SC_COMMENT ? "-->" : *state == SC_CDATA ? "]]>" : "?>";
            size_t mlen = strlen(end_mark);
            const char *hit = find_bytes(work + i, len - i, end_mark, mlen);
            if (!hit) {
                *keep = len - i > mlen ? len - (mlen - 1) : i;
                return FC_OK;
            }
            i = (size_t)(hit - work) + mlen;
            *state = SC_TEXT;
            continue;
        }
        const char *lt = len > i ? memchr(work + i, '<', len - i) : NULL;
        if (!lt) {
            *keep = len;
            return FC_OK;
        }
        size_t k = (size_t)(lt - work);
        if (len - k < 12 && !final) {
            *keep = k;
            return FC_OK;
        }
        const char *p = work + k;
        size_t avail = len - k;
        if (avail >= 4 && memcmp(p, "<!--", 4) == 0) {
            *state = SC_COMMENT;
            i = k + 4;
        } else if (avail >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
            *state = SC_CDATA;
            i = k + 9;
        } else if (avail >= 2 && p[1] == '?') {
            *state = SC_PI;
            i = k + 2;
        } else if (avail >= 2 && (p[1] == '!' || p[1] == '/')) {
            i = k + 2;
        } else {
            bool need_more;
            size_t next = k + 1;
            fc_status st = scan_tag(r, where, work, len, k, final, &next, &need_more, err);
            if (st)
                return st;
            if (need_more) {
                *keep = k;
                return FC_OK;
            }
            i = next;
        }
    }
}

static int merge_cmp(const void *pa, const void *pb)
{
    const merge *a = pa, *b = pb;
    if (a->r1 != b->r1)
        return a->r1 < b->r1 ? -1 : 1;
    if (a->c1 != b->c1)
        return a->c1 < b->c1 ? -1 : 1;
    return 0;
}

/* The first pass over worksheet `entry`: collects its merged ranges. When
 * the part is small it is kept in r->part for the second pass. */
static fc_status scan_merges(xlsx_reader *r, size_t entry, const char *where, bool keep_part,
                             fc_error *err)
{
    merge_scan *ms = &r->sh.merges;
    ms->count = ms->seen = 0;
    ms->sum = 0;
    r->part.len = 0;
    fc_status st = fc_zip_open_entry(r->zip, entry, err);
    if (st)
        return st;
    scan_state state = SC_TEXT;
    fc_buf carry = {0};
    size_t scanned = 0; /* bytes of r->part already scanned (keep_part) */
    for (;;) {
        size_t got = 0;
        st = fc_zip_read(r->zip, r->chunk, CHUNK, &got, err);
        if (st)
            break;
        bool final = got == 0;
        size_t keep = 0;
        if (keep_part) {
            if (!fc_buf_append(&r->part, r->chunk, got)) {
                st = no_memory(r, err);
                break;
            }
            st = scan_bytes(r, where, &state, r->part.data + scanned, r->part.len - scanned,
                            final, &keep, err);
            scanned += keep;
        } else if (carry.len) {
            if (!fc_buf_append(&carry, r->chunk, got)) {
                st = no_memory(r, err);
                break;
            }
            st = scan_bytes(r, where, &state, carry.data, carry.len, final, &keep, err);
            memmove(carry.data, carry.data + keep, carry.len - keep);
            carry.len -= keep;
        } else {
            st = scan_bytes(r, where, &state, (const char *)r->chunk, got, final, &keep, err);
            if (!st && keep < got && !fc_buf_append(&carry, r->chunk + keep, got - keep))
                st = no_memory(r, err);
        }
        if (st || final)
            break;
    }
    fc_zip_close_entry(r->zip);
    fc_buf_free(&carry);
    if (st)
        return st;
    if (ms->count)
        qsort(ms->list, ms->count, sizeof *ms->list, merge_cmp);
    return FC_OK;
}

/* ---- worksheets: the streaming pass ---------------------------------- */

/* Location formatter for the recognizer: FILE!Sheet!B12, or FILE!Sheet!12:12
 * for a whole row. */
static void sheet_locate(void *ctx, const fc_row *row, const fc_cell *cell, char *buf,
                         size_t size)
{
    const xlsx_reader *r = ctx;
    if (cell) {
        char col[8];
        snprintf(buf, size, "%s!%s!%s%lu", r->name, r->sh.sheet, fc_column_name(cell->col, col),
                 row->index + 1);
    } else {
        snprintf(buf, size, "%s!%s!%lu:%lu", r->name, r->sh.sheet, row->index + 1,
                 row->index + 1);
    }
}

/* Sets a failure at cell (row, col) of the current sheet. */
static void cell_fail(part_parser *pp, fc_status code, unsigned long row, unsigned long col,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void cell_fail(part_parser *pp, fc_status code, unsigned long row, unsigned long col,
                      const char *fmt, ...)
{
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fc_error e;
    fc_error_at_cell(&e, code, pp->r->name, pp->r->sh.sheet, row, col, "%s", message);
    pp_fail_with(pp, code, &e);
}

static int cell_rec_cmp(const void *pa, const void *pb)
{
    const cell_rec *a = pa, *b = pb;
    return a->col < b->col ? -1 : a->col > b->col;
}

/* Appends one cell to the pushed row. */
static bool out_add(sheet_state *sh, size_t *n, uint32_t col, const char *text, size_t len)
{
    if (!grow((void **)&sh->out, &sh->out_cap, *n + 1, sizeof *sh->out))
        return false;
    fc_cell *c = &sh->out[(*n)++];
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    c->col = col;
    c->colspan = 1;
    c->rowspan = 1;
    return true;
}

/* Brings the active merges up to row `row`; fails on overlapping ranges. */
static bool activate_merges(part_parser *pp, uint32_t row)
{
    sheet_state *sh = &pp->r->sh;
    const merge *list = sh->merges.list;
    size_t w = 0;
    for (size_t i = 0; i < sh->active_count; i++)
        if (list[sh->active[i]].r2 >= row)
            sh->active[w++] = sh->active[i];
    sh->active_count = w;
    while (sh->merge_next < sh->merges.count && list[sh->merge_next].r1 <= row) {
        size_t m = sh->merge_next++;
        if (list[m].r2 < row)
            continue;
        if (!grow((void **)&sh->active, &sh->active_cap, sh->active_count + 1, sizeof *sh->active)) {
            pp_fail(pp, FC_ERR_NOMEM, "out of memory");
            return false;
        }
        size_t at = sh->active_count;
        while (at > 0 && list[sh->active[at - 1]].c1 > list[m].c1) {
            sh->active[at] = sh->active[at - 1];
            at--;
        }
        sh->active[at] = (uint32_t)m;
        sh->active_count++;
    }
    if (sh->active_count > pp->r->limits.row_cells) {
        cell_fail(pp, FC_ERR_LIMIT, row, 0, "more merged ranges cross this row than the limit "
                                            "of %zu cells", pp->r->limits.row_cells);
        return false;
    }
    for (size_t i = 1; i < sh->active_count; i++) {
        const merge *a = &list[sh->active[i - 1]], *b = &list[sh->active[i]];
        if (b->c1 <= a->c2) {
            char ca[8], cb[8], cc[8], cd[8];
            pp_fail(pp, FC_ERR_INPUT, "merged ranges %s%u:%s%u and %s%u:%s%u overlap",
                    fc_column_name(a->c1, ca), a->r1 + 1, fc_column_name(a->c2, cb), a->r2 + 1,
                    fc_column_name(b->c1, cc), b->r1 + 1, fc_column_name(b->c2, cd), b->r2 + 1);
            return false;
        }
    }
    return true;
}

/* Builds the row from its cells and the merges that cross it, and pushes it. */
static void finish_row(part_parser *pp)
{
    xlsx_reader *r = pp->r;
    sheet_state *sh = &r->sh;
    if (sh->cell_count == 0)
        return;
    uint32_t row = (uint32_t)sh->row;
    if (!sh->sorted) {
        qsort(sh->cells, sh->cell_count, sizeof *sh->cells, cell_rec_cmp);
    }
    for (size_t i = 1; i < sh->cell_count; i++)
        if (sh->cells[i].col == sh->cells[i - 1].col)
            return cell_fail(pp, FC_ERR_INPUT, row, sh->cells[i].col,
                             "two cells in the same place");
    if (!activate_merges(pp, row))
        return;
    /* Covered cells are made for the merges' columns, at most row_cells of
     * them; cells the file has inside a merge are always marked. */
    size_t budget = r->limits.row_cells;
    size_t n = 0, ci = 0;
    const merge *list = sh->merges.list;
    const char *base = sh->row_text.data;
    for (size_t a = 0; a <= sh->active_count; a++) {
        const merge *m = a < sh->active_count ? &list[sh->active[a]] : NULL;
        uint32_t stop = m ? m->c1 : UINT32_MAX;
        for (; ci < sh->cell_count && sh->cells[ci].col < stop; ci++) {
            const cell_rec *c = &sh->cells[ci];
            if (!out_add(sh, &n, c->col, c->ext ? c->ext : base + c->off, c->len))
                return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        }
        if (!m)
            break;
        uint32_t col = m->c1;
        while (col <= m->c2) {
            const cell_rec *c = ci < sh->cell_count && sh->cells[ci].col == col ? &sh->cells[ci]
                                                                                 : NULL;
            bool anchor = row == m->r1 && col == m->c1;
            if (c || anchor || budget > 0) {
                if (!c && !anchor)
                    budget--;
                if (!out_add(sh, &n, col, c ? (c->ext ? c->ext : base + c->off) : "",
                             c ? c->len : 0))
                    return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
                fc_cell *o = &sh->out[n - 1];
                if (anchor) {
                    o->colspan = m->c2 - m->c1 + 1;
                    o->rowspan = m->r2 - m->r1 + 1;
                } else {
                    o->covered = true;
                    o->covered_above = row > m->r1;
                }
                if (c)
                    ci++;
                col++;
            } else if (ci < sh->cell_count && sh->cells[ci].col <= m->c2) {
                col = sh->cells[ci].col; /* jump to the next cell of the file */
            } else {
                break;
            }
        }
        /* Cells inside the range beyond what was walked. */
        for (; ci < sh->cell_count && sh->cells[ci].col <= m->c2; ci++) {
            const cell_rec *c = &sh->cells[ci];
            if (!out_add(sh, &n, c->col, c->ext ? c->ext : base + c->off, c->len))
                return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
            sh->out[n - 1].covered = true;
            sh->out[n - 1].covered_above = row > m->r1;
        }
    }
    fc_row out;
    memset(&out, 0, sizeof out);
    out.index = row;
    out.cells = sh->out;
    out.cell_count = n;
    fc_error e;
    fc_error_clear(&e);
    fc_status st = fc_recognizer_push(r->rec, &out, &e);
    if (st)
        pp_fail_with(pp, st, &e);
}

/* Stores the text of the finished cell in the row. */
static void finish_cell(part_parser *pp)
{
    xlsx_reader *r = pp->r;
    sheet_state *sh = &r->sh;
    const char *ext = NULL;
    size_t off = sh->row_text.len, len = 0;
    char *v = sh->value.data;
    size_t vlen = sh->value.len;
    switch (sh->type) {
    case 's': {
        if (!sh->has_v)
            break;
        uint64_t idx;
        if (!parse_uint(v, vlen, UINT64_MAX / 16, &idx))
            return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->col,
                             "a shared string cell whose index is not a number");
        if (idx >= r->sst_count)
            return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->col,
                             "shared string %llu does not exist (the workbook has %zu)",
                             (unsigned long long)idx, r->sst_count);
        ext = r->sst.data + r->sst_off[idx];
        len = r->sst_off[idx + 1] - r->sst_off[idx];
        if (len == 0)
            ext = "";
        break;
    }
    case 'i':
    case 'S':
    case 'e':
        if (sh->type == 'i' && !sh->has_is && !sh->has_v)
            break; /* an inline string without <is> (some writers use <v>) */
        len = sh->type == 'e' ? vlen : decode_escapes(v, vlen);
        if (len > 0 && !fc_buf_append(&sh->row_text, v, len))
            return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        break;
    case 'b':
        if (!sh->has_v)
            break;
        {
            uint64_t b;
            if (!parse_uint(v, vlen, 1, &b))
                return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->col,
                                 "a boolean cell holding \"%.*s\"", (int)(vlen > 20 ? 20 : vlen),
                                 v);
            const char *word = b ? "TRUE" : "FALSE";
            len = strlen(word);
            if (!fc_buf_append(&sh->row_text, word, len))
                return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        }
        break;
    case 'd':
    case 'n': {
        if (!sh->has_v)
            break;
        const fc_numfmt *fmt = NULL;
        if (format_of_style(r, sh->style, &fmt))
            return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        double num;
        bool ok;
        if (sh->type == 'd') {
            ok = fc_numfmt_parse_iso_date(v, vlen, r->date1904, &num);
            if (!ok)
                return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->col,
                                 "a date cell holding \"%.*s\"", (int)(vlen > 40 ? 40 : vlen), v);
            if (!fc_numfmt_is_date(fmt)) {
                /* Shown as written when the cell has no date format. */
                len = vlen;
                if (len > 0 && !fc_buf_append(&sh->row_text, v, vlen))
                    return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
                break;
            }
        } else {
            ok = fc_numfmt_parse_number(v, vlen, &num);
            if (!ok)
                return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->col,
                                 "a number cell holding \"%.*s\"", (int)(vlen > 40 ? 40 : vlen),
                                 v);
        }
        if (!fc_numfmt_format(fmt, num, r->date1904, &sh->row_text))
            return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
        len = sh->row_text.len - off;
        break;
    }
    default:
        break;
    }
    const char *text = ext ? ext : sh->row_text.data ? sh->row_text.data + off : "";
    if (len > r->limits.cell_chars && fc_utf8_length(text, len) > r->limits.cell_chars)
        return cell_fail(pp, FC_ERR_LIMIT, (unsigned long)sh->row, sh->col,
                         "cell longer than the limit of %zu characters", r->limits.cell_chars);
    if (len == 0 && !ext)
        return; /* an empty cell: absent from the row */
    if (sh->cell_count >= r->limits.row_cells)
        return cell_fail(pp, FC_ERR_LIMIT, (unsigned long)sh->row, sh->col,
                         "row has more cells than the limit of %zu", r->limits.row_cells);
    if (!grow((void **)&sh->cells, &sh->cell_cap, sh->cell_count + 1, sizeof *sh->cells))
        return pp_fail(pp, FC_ERR_NOMEM, "out of memory");
    if (sh->cell_count && sh->cells[sh->cell_count - 1].col >= sh->col)
        sh->sorted = false;
    cell_rec *c = &sh->cells[sh->cell_count++];
    c->col = sh->col;
    c->ext = ext;
    c->off = off;
    c->len = len;
}

static void sheet_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                        const xmlChar *uri, int nb_ns, const xmlChar **ns, int nb_attrs,
                        int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)nb_ns;
    (void)ns;
    (void)nb_defaulted;
    part_parser *pp = ctx;
    if (!pp_enter(pp, localname, uri))
        return;
    xlsx_reader *r = pp->r;
    sheet_state *sh = &r->sh;
    const char *name = (const char *)localname;
    size_t len;
    if (sh->in_cell) {
        if (sh->rph_depth)
            return;
        if (name[0] == 'v' && name[1] == '\0' && pp->depth == sh->data_depth + 3) {
            sh->has_v = true;
            sh->capture = true;
            sh->value.len = 0;
        } else if (strcmp(name, "is") == 0 && pp->depth == sh->data_depth + 3) {
            sh->is_depth = pp->depth;
            sh->has_is = true;
            sh->value.len = 0;
        } else if (sh->is_depth && name[0] == 't' && name[1] == '\0') {
            sh->capture = true;
        } else if (sh->is_depth && strcmp(name, "rPh") == 0) {
            sh->rph_depth = pp->depth;
        }
        return;
    }
    if (sh->in_row) {
        if (name[0] != 'c' || name[1] != '\0' || pp->depth != sh->data_depth + 2)
            return;
        sh->in_cell = true;
        sh->has_v = sh->has_is = false;
        sh->type = 'n';
        sh->style = 0;
        sh->value.len = 0;
        long col = sh->next_col;
        for (int i = 0; i < nb_attrs; i++) {
            const xmlChar **a = attrs + i * 5;
            const char *an = (const char *)a[0];
            const char *v = (const char *)a[3];
            size_t vl = (size_t)(a[4] - a[3]);
            if (a[2])
                continue;
            if (an[0] == 'r' && an[1] == '\0') {
                uint32_t rr = 0, cc = 0;
                bool has_row;
                if (!parse_ref(v, vl, &rr, &cc, &has_row))
                    return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row,
                                     (unsigned long)(col < (long)MAX_COLS ? col : 0),
                                     "bad cell reference \"%.*s\"", (int)(vl > 20 ? 20 : vl), v);
                if (has_row && (long)rr != sh->row) {
                    if (!sh->row_has_r && sh->cell_count == 0 && (long)rr > sh->last_row) {
                        sh->row = rr; /* a <row> without r: its first cell says */
                    } else {
                        return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, cc,
                                         "cell %.*s inside row %ld", (int)(vl > 20 ? 20 : vl), v,
                                         sh->row + 1);
                    }
                }
                col = cc;
            } else if (an[0] == 't' && an[1] == '\0') {
                if (vl == 1 && (v[0] == 's' || v[0] == 'n' || v[0] == 'b' || v[0] == 'e' ||
                                v[0] == 'd'))
                    sh->type = v[0];
                else if (vl == 3 && memcmp(v, "str", 3) == 0)
                    sh->type = 'S';
                else if (vl == 9 && memcmp(v, "inlineStr", 9) == 0)
                    sh->type = 'i';
                else
                    return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row,
                                     (unsigned long)(col < (long)MAX_COLS ? col : 0),
                                     "unknown cell type \"%.*s\"", (int)(vl > 20 ? 20 : vl), v);
            } else if (an[0] == 's' && an[1] == '\0') {
                uint64_t s;
                sh->style = parse_uint(v, vl, UINT32_MAX, &s) ? (uint32_t)s : UINT32_MAX;
            }
        }
        if (col >= (long)MAX_COLS)
            return cell_fail(pp, FC_ERR_LIMIT, (unsigned long)sh->row, MAX_COLS - 1,
                             "a cell beyond the last column XFD");
        sh->col = (uint32_t)col;
        sh->next_col = col + 1;
        return;
    }
    if (sh->data_depth) {
        if (strcmp(name, "row") != 0 || pp->depth != sh->data_depth + 1)
            return;
        sh->in_row = true;
        sh->cell_count = 0;
        sh->sorted = true;
        sh->row_text.len = 0;
        sh->next_col = 0;
        const char *v = attr_value(nb_attrs, attrs, "r", NULL, NULL, &len);
        sh->row_has_r = v != NULL;
        if (v) {
            uint64_t rn;
            if (!parse_uint(v, len, MAX_ROWS, &rn) || rn == 0)
                return pp_fail(pp, FC_ERR_INPUT, "bad row number \"%.*s\" after row %ld",
                               (int)(len > 20 ? 20 : len), v, sh->last_row + 1);
            sh->row = (long)rn - 1;
        } else {
            sh->row = sh->last_row + 1;
            if (sh->row >= (long)MAX_ROWS)
                return pp_fail(pp, FC_ERR_LIMIT, "more than %lu rows", MAX_ROWS);
        }
        return;
    }
    if (strcmp(name, "sheetData") == 0 && pp->depth == 2) {
        sh->data_depth = pp->depth;
        return;
    }
    if (strcmp(name, "mergeCell") == 0) {
        const char *v = attr_value(nb_attrs, attrs, "ref", NULL, NULL, &len);
        merge m;
        if (!v || !parse_range(v, len, &m))
            return pp_fail(pp, FC_ERR_INPUT, "a <mergeCell> without a valid ref");
        sh->merges_seen++;
        sh->merge_sum += merge_hash(&m);
    }
}

static void sheet_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                      const xmlChar *uri)
{
    (void)prefix;
    (void)uri;
    part_parser *pp = ctx;
    if (pp->st)
        return;
    sheet_state *sh = &pp->r->sh;
    const char *name = (const char *)localname;
    int depth = pp->depth--;
    if (sh->in_cell) {
        if (sh->rph_depth) {
            if (sh->rph_depth == depth)
                sh->rph_depth = 0;
            return;
        }
        if (depth == sh->data_depth + 2) {
            sh->in_cell = false;
            sh->capture = false;
            finish_cell(pp);
        } else if (depth == sh->data_depth + 3) {
            sh->capture = false;
            if (sh->is_depth == depth)
                sh->is_depth = 0;
        } else if (name[0] == 't' && name[1] == '\0') {
            sh->capture = false;
        }
        return;
    }
    if (sh->in_row && depth == sh->data_depth + 1) {
        sh->in_row = false;
        if (sh->row <= sh->last_row && sh->cell_count > 0)
            return cell_fail(pp, FC_ERR_INPUT, (unsigned long)sh->row, sh->cells[0].col,
                             "row %ld comes after row %ld: rows out of order", sh->row + 1,
                             sh->last_row + 1);
        if (sh->row > sh->last_row)
            sh->last_row = sh->row;
        finish_row(pp);
        return;
    }
    if (sh->data_depth == depth)
        sh->data_depth = 0;
}

static void sheet_chars(void *ctx, const xmlChar *ch, int len)
{
    part_parser *pp = ctx;
    sheet_state *sh = &pp->r->sh;
    if (!sh->capture || pp->st)
        return;
    if (sh->value.len + (size_t)len > pp->r->limits.cell_chars * 7 + 64)
        return cell_fail(pp, FC_ERR_LIMIT, (unsigned long)sh->row, sh->col,
                         "cell longer than the limit of %zu characters", pp->r->limits.cell_chars);
    if (!fc_buf_append(&sh->value, ch, (size_t)len))
        pp_fail(pp, FC_ERR_NOMEM, "out of memory");
}

/* Reads worksheet `entry` (called `sheet`) into the recognizer. */
static fc_status read_sheet(xlsx_reader *r, size_t entry, const char *sheet, fc_error *err)
{
    sheet_state *sh = &r->sh;
    sh->sheet = sheet;
    sh->data_depth = 0;
    sh->in_row = sh->in_cell = sh->capture = false;
    sh->is_depth = sh->rph_depth = 0;
    sh->row = -1;
    sh->last_row = -1;
    sh->merge_next = 0;
    sh->active_count = 0;
    sh->merges_seen = 0;
    sh->merge_sum = 0;
    char where[FC_ERROR_LOCATION_MAX];
    snprintf(where, sizeof where, "%s!%s", r->name, fc_zip_name(r->zip, entry));
    bool small = fc_zip_size(r->zip, entry) <= SMALL_PART;
    fc_status st = scan_merges(r, entry, where, small, err);
    if (st)
        return st;
    xmlSAXHandler sax;
    sax_base(&sax);
    sax.startElementNs = sheet_start;
    sax.endElementNs = sheet_end;
    sax.characters = sheet_chars;
    sax.ignorableWhitespace = sheet_chars;
    sax.cdataBlock = sheet_chars;
    part_parser pp;
    pp_init(&pp, r, entry, NSS_MAIN, "worksheet", NULL);
    if (small) {
        pp_feed(&pp, &sax, r->part.data ? r->part.data : "", r->part.len, true);
        st = pp_done(&pp, FC_OK, err);
    } else {
        st = parse_part(r, entry, &sax, &pp, err);
    }
    if (st)
        return st;
    if (sh->merges_seen != sh->merges.seen || sh->merge_sum != sh->merges.sum)
        return fc_error_set(err, FC_ERR_INPUT, where,
                            "the merged ranges could not be read consistently (%zu found by "
                            "the first pass, %zu by the parser)", sh->merges.seen,
                            sh->merges_seen);
    return fc_recognizer_break(r->rec, err);
}

/* ---- the package -------------------------------------------------------- */

/* Reads [Content_Types].xml when present. */
static fc_status read_content_types(xlsx_reader *r, fc_error *err)
{
    long entry = fc_zip_find(r->zip, "[Content_Types].xml");
    if (entry < 0)
        return FC_OK;
    xmlSAXHandler sax;
    sax_base(&sax);
    sax.startElementNs = ct_start;
    sax.endElementNs = any_end;
    part_parser pp;
    pp_init(&pp, r, (size_t)entry, NSS_TYPES, "Types", NULL);
    return parse_part(r, (size_t)entry, &sax, &pp, err);
}

/* Refuses a package that is another kind of document, naming it. */
static fc_status not_a_workbook(xlsx_reader *r, const char *main_type, fc_error *err)
{
    const char *what = NULL;
    if (main_type && strstr(main_type, "wordprocessingml"))
        what = "a Word document (.docx)";
    else if (main_type && strstr(main_type, "presentationml"))
        what = "a PowerPoint presentation (.pptx)";
    else if (fc_zip_find(r->zip, "word/document.xml") >= 0)
        what = "a Word document (.docx)";
    else if (fc_zip_find(r->zip, "ppt/presentation.xml") >= 0)
        what = "a PowerPoint presentation (.pptx)";
    else if (fc_zip_find(r->zip, "mimetype") >= 0 && fc_zip_find(r->zip, "content.xml") >= 0)
        what = "an OpenDocument file (.ods/.odt); save it as .xlsx";
    if (what)
        return fc_error_set(err, FC_ERR_INPUT, r->name, "not a workbook: this zip archive is %s",
                            what);
    return fc_error_set(err, FC_ERR_INPUT, r->name,
                        "not a workbook: the zip archive has no spreadsheet part "
                        "(xl/workbook.xml)");
}

/* Finds the workbook part: through _rels/.rels, else the content types,
 * else the usual name. */
static fc_status find_workbook(xlsx_reader *r, fc_error *err)
{
    bool found;
    fc_status st = read_rels(r, "", &found, err);
    if (st)
        return st;
    const rel *office = find_rel_type(r, "officeDocument");
    const char *name = office ? office->target : NULL;
    const char *type = name ? content_type_of(r, name) : NULL;
    if (!name) {
        for (size_t i = 0; i < r->ct_count && !name; i++)
            if (strstr(r->ct[i].type, "spreadsheetml.sheet.main") ||
                strstr(r->ct[i].type, "spreadsheetml.template.main") ||
                strstr(r->ct[i].type, "ms-excel.sheet.macroEnabled.main") ||
                strstr(r->ct[i].type, "ms-excel.template.macroEnabled.main"))
                name = r->ct[i].part;
        if (!name && fc_zip_find(r->zip, "xl/workbook.xml") >= 0)
            name = "xl/workbook.xml";
        type = name ? content_type_of(r, name) : NULL;
    }
    if (!name || (type && !strstr(type, "spreadsheetml") && !strstr(type, "ms-excel")))
        return not_a_workbook(r, type, err);
    while (*name == '/')
        name++;
    r->workbook = dup_n(name, strlen(name));
    if (!r->workbook)
        return no_memory(r, err);
    if (fc_zip_find(r->zip, r->workbook) < 0)
        return part_error(r, err, FC_ERR_INPUT, r->workbook,
                          "the workbook part is missing (named by _rels/.rels)");
    return FC_OK;
}

/* Reads the part a workbook relationship of `kind` names, if any; when the
 * relationships name none, `fallback` is tried. */
static fc_status read_optional(xlsx_reader *r, const char *kind, const char *fallback,
                               xmlSAXHandler *sax, const char *root, fc_error *err)
{
    const rel *e = find_rel_type(r, kind);
    long entry = -1;
    if (e) {
        entry = fc_zip_find(r->zip, e->target);
        if (entry < 0) {
            /* Optional parts: a warning, and the workbook is read without. */
            if (r->opts->warn) {
                fc_error warning;
                part_error(r, &warning, FC_ERR_INPUT, e->target,
                           "the part is missing (named by the workbook's relationships); "
                           "reading without it");
                warning.severity = FC_SEVERITY_WARNING;
                r->opts->warn(r->opts->warn_ctx, &warning);
            }
            return FC_OK;
        }
    } else {
        entry = fc_zip_find(r->zip, fallback);
        if (entry < 0)
            return FC_OK;
    }
    part_parser pp;
    pp_init(&pp, r, (size_t)entry, NSS_MAIN, root, NULL);
    return parse_part(r, (size_t)entry, sax, &pp, err);
}

/* Frees everything the reader holds. */
static void reader_free(xlsx_reader *r)
{
    fc_recognizer_free(r->rec);
    fc_zip_close(r->zip);
    free(r->chunk);
    fc_buf_free(&r->part);
    for (size_t i = 0; i < r->ct_count; i++) {
        free(r->ct[i].part);
        free(r->ct[i].type);
    }
    free(r->ct);
    free_rels(r);
    free(r->rels);
    free(r->workbook);
    for (size_t i = 0; i < r->sheet_count; i++) {
        free(r->sheets[i].name);
        free(r->sheets[i].rid);
    }
    free(r->sheets);
    fc_buf_free(&r->sst);
    free(r->sst_off);
    for (size_t i = 0; i < r->numfmt_count; i++) {
        free(r->numfmts[i].code);
        fc_numfmt_free(r->numfmts[i].fmt);
    }
    free(r->numfmts);
    free(r->xf_numfmt);
    free(r->xf_fmt);
    free(r->xf_ready);
    sheet_state *sh = &r->sh;
    fc_buf_free(&sh->value);
    fc_buf_free(&sh->row_text);
    free(sh->cells);
    free(sh->merges.list);
    free(sh->active);
    free(sh->out);
}

static fc_status xlsx_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err);

/* libxml2's generic error channel (encoding failures of the push parser
 * report there): silenced while a workbook is read, since the library never
 * prints; the parse itself fails and says so. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

fc_status fc_xlsx_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    fc_xml_init();
    xmlGenericErrorFunc saved_func = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);
    fc_status st = xlsx_read(in, opts, sink, err);
    xmlSetGenericErrorFunc(saved_ctx, saved_func);
    return st;
}

/* The read itself (see fc_xlsx_read). */
static fc_status xlsx_read(fc_input *in, const fc_options *opts, fc_sink *sink, fc_error *err)
{
    xlsx_reader r;
    memset(&r, 0, sizeof r);
    r.name = fc_input_name(in);
    r.opts = opts;
    r.limits = opts->limits;
    fc_limits_apply_defaults(&r.limits);
    fc_status st = fc_zip_open(in, &r.limits, &r.zip, err);
    if (!st) {
        r.chunk = malloc(CHUNK);
        if (!r.chunk)
            st = no_memory(&r, err);
    }
    if (!st)
        st = read_content_types(&r, err);
    if (!st)
        st = find_workbook(&r, err);
    if (!st) {
        /* The workbook: sheets and the date system. */
        xmlSAXHandler sax;
        sax_base(&sax);
        sax.startElementNs = wb_start;
        sax.endElementNs = any_end;
        part_parser pp;
        long entry = fc_zip_find(r.zip, r.workbook);
        pp_init(&pp, &r, (size_t)entry, NSS_MAIN, "workbook", NULL);
        st = parse_part(&r, (size_t)entry, &sax, &pp, err);
        if (st == FC_ERR_INPUT && err && strstr(err->message, "expected a <workbook>"))
            st = not_a_workbook(&r, NULL, err);
    }
    bool found = false;
    if (!st)
        st = read_rels(&r, r.workbook, &found, err);
    if (!st && !found && r.sheet_count > 0) {
        char *name = rels_name(r.workbook);
        st = part_error(&r, err, FC_ERR_INPUT, name ? name : "",
                        "the part is missing (the workbook's relationships)");
        free(name);
    }
    if (!st) {
        xmlSAXHandler sax;
        sax_base(&sax);
        sax.startElementNs = sst_start;
        sax.endElementNs = sst_end;
        sax.characters = sst_chars;
        sax.ignorableWhitespace = sst_chars;
        sax.cdataBlock = sst_chars;
        char *dir = part_dir(r.workbook);
        char *fallback = dir ? resolve_target(dir, "sharedStrings.xml") : NULL;
        st = fallback ? read_optional(&r, "sharedStrings", fallback, &sax, "sst", err)
                      : no_memory(&r, err);
        free(fallback);
        if (!st) {
            sax_base(&sax);
            sax.startElementNs = styles_start;
            sax.endElementNs = styles_end;
            fallback = dir ? resolve_target(dir, "styles.xml") : NULL;
            st = fallback ? read_optional(&r, "styles", fallback, &sax, "styleSheet", err)
                          : no_memory(&r, err);
            free(fallback);
        }
        free(dir);
    }
    if (!st)
        st = finish_styles(&r, err);
    if (!st)
        st = fc_recognizer_new(opts, sink, sheet_locate, &r, &r.rec, err);
    for (size_t i = 0; !st && i < r.sheet_count; i++) {
        const sheet_ref *s = &r.sheets[i];
        const rel *e = NULL;
        for (size_t k = 0; k < r.rel_count && !e; k++)
            if (strcmp(r.rels[k].id, s->rid) == 0)
                e = &r.rels[k];
        if (!e) {
            st = part_error(&r, err, FC_ERR_INPUT, r.workbook,
                            "sheet \"%s\" names relationship %s, which does not exist",
                            s->name, s->rid);
            break;
        }
        if (!e->target || !rel_is(e->type, "worksheet"))
            continue; /* a chart sheet, a dialog sheet, an external link */
        long entry = fc_zip_find(r.zip, e->target);
        if (entry < 0) {
            st = part_error(&r, err, FC_ERR_INPUT, e->target,
                            "the part is missing (sheet \"%s\" of the workbook)", s->name);
            break;
        }
        st = read_sheet(&r, (size_t)entry, s->name, err);
    }
    if (!st)
        st = fc_recognizer_finish(r.rec, r.name, err);
    reader_free(&r);
    return st;
}

int fc_xlsx_sniff(const unsigned char *head, size_t len)
{
    if (len < 30 || memcmp(head, "PK\3\4", 4) != 0)
        return 0;
    /* Walk the local headers in the bytes we have and look at the names. */
    int score = 30;
    size_t pos = 0;
    for (int n = 0; n < 64 && pos + 30 <= len; n++) {
        const unsigned char *h = head + pos;
        if (memcmp(h, "PK\3\4", 4) != 0)
            break;
        unsigned flags = h[6] | (unsigned)h[7] << 8;
        uint32_t csize = h[18] | (uint32_t)h[19] << 8 | (uint32_t)h[20] << 16 |
                         (uint32_t)h[21] << 24;
        size_t name_len = h[26] | (size_t)h[27] << 8;
        size_t extra_len = h[28] | (size_t)h[29] << 8;
        if (pos + 30 + name_len > len)
            break;
        const char *name = (const char *)h + 30;
        if (name_len >= 3 && strncasecmp(name, "xl/", 3) == 0)
            return 95;
        if (name_len >= 5 && (strncasecmp(name, "word/", 5) == 0 || strncasecmp(name, "ppt/", 4) == 0))
            return 10;
        if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
            score = 60;
        if (flags & 8)
            break; /* sizes follow the data: cannot step over it */
        pos += 30 + name_len + extra_len + csize;
    }
    return score;
}
