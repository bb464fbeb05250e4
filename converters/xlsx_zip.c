/*
 * xlsx_zip.c - the zip layer of the XLSX reader: minizip driven through
 * callbacks over an fc_input (so files, standard input and memory all
 * work), with the checks an untrusted archive needs.
 *
 * Zip bombs are stopped three ways: the declared size of a part and its
 * declared compression ratio are checked before a byte is inflated, the
 * bytes are counted while inflating (a part never grows past its declared
 * size or the limit), and at the end the count must equal the declared
 * size and the CRC must match (minizip only checks the CRC when the whole
 * declared size was produced, so a short stream is caught here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unzip.h>

#include "xlsx.h"

/* Longest entry name kept, in bytes; longer names cannot be looked up. */
#define ZIP_NAME_MAX 1024
/* Parts up to this size are never refused for their compression ratio:
 * inflating them costs nothing. */
#define ZIP_RATIO_FLOOR ((uint64_t)1024 * 1024)

/* One entry of the central directory. */
typedef struct zip_entry {
    char *name;           /* name as stored, '\\' turned into '/' (malloc) */
    unz64_file_pos pos;   /* where minizip finds it */
    uint64_t csize;       /* declared compressed size */
    uint64_t usize;       /* declared uncompressed size */
    unsigned long flag;   /* general purpose flags (bit 0: encrypted) */
    unsigned long method; /* compression method (0 stored, 8 deflate) */
} zip_entry;

/* The stream minizip reads through: a position in the input. */
typedef struct zip_stream {
    fc_input *in;         /* the seekable input */
    uint64_t pos;         /* current offset */
    int error;            /* non-zero after a read error */
} zip_stream;

struct fc_zip {
    fc_input *in;               /* the archive (not owned) */
    const fc_limits *limits;    /* limits to apply (not owned) */
    unzFile unz;                /* minizip handle */
    zip_stream *stream;         /* the one stream minizip opened */
    fc_error read_err;          /* the last read failure of the callbacks */
    zip_entry *entries;         /* the entries in directory order */
    size_t count;               /* number of entries */
    zip_entry **sorted;         /* the entries sorted by name, case-insensitively */
    long open;                  /* index of the open entry, or -1 */
    uint64_t produced;          /* bytes read from the open entry */
    char where[FC_ERROR_LOCATION_MAX]; /* "FILE!NAME" of the open entry */
};

/* ---- minizip callbacks ---------------------------------------------- */

static voidpf ZCALLBACK zs_open(voidpf opaque, const void *filename, int mode)
{
    fc_zip *zip = opaque;
    (void)filename;
    if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ)
        return NULL;
    zip_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->in = zip->in;
    zip->stream = s;
    return s;
}

static uLong ZCALLBACK zs_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    fc_zip *zip = opaque;
    zip_stream *s = stream;
    size_t got = 0;
    if (fc_input_pread(s->in, s->pos, buf, size, &got, &zip->read_err)) {
        s->error = 1;
        return 0;
    }
    s->pos += got;
    return (uLong)got;
}

static uLong ZCALLBACK zs_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK zs_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((zip_stream *)stream)->pos;
}

static long ZCALLBACK zs_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    zip_stream *s = stream;
    uint64_t size = fc_input_size(s->in);
    uint64_t base;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
        base = 0;
        break;
    case ZLIB_FILEFUNC_SEEK_CUR:
        base = s->pos;
        break;
    case ZLIB_FILEFUNC_SEEK_END:
        base = size;
        break;
    default:
        return -1;
    }
    if (offset > UINT64_MAX - base || base + offset > size)
        return -1;
    s->pos = base + offset;
    return 0;
}

static int ZCALLBACK zs_close(voidpf opaque, voidpf stream)
{
    fc_zip *zip = opaque;
    if (zip->stream == stream)
        zip->stream = NULL;
    free(stream);
    return 0;
}

static int ZCALLBACK zs_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((zip_stream *)stream)->error;
}

/* ---- the entry index ------------------------------------------------ */

/* Case-insensitive comparison of two names, '/' sorting before letters. */
static int name_cmp(const char *a, const char *b)
{
    return strcasecmp(a, b);
}

/* qsort comparator over entry pointers: by name, then by directory order
 * (the entries live in one array, so their addresses follow that order). */
static int sort_cmp(const void *pa, const void *pb)
{
    const zip_entry *a = *(const zip_entry *const *)pa, *b = *(const zip_entry *const *)pb;
    int c = name_cmp(a->name, b->name);
    if (c)
        return c;
    return a < b ? -1 : a > b;
}

/* Sets `err` for the archive as a whole. */
static fc_status zip_fail(const fc_zip *zip, fc_error *err, fc_status code, const char *what)
{
    return fc_error_set(err, code, fc_input_name(zip->in), "%s", what);
}

/* Reads the central directory into zip->entries. */
static fc_status list_entries(fc_zip *zip, fc_error *err)
{
    unz_global_info64 gi;
    if (unzGetGlobalInfo64(zip->unz, &gi) != UNZ_OK)
        return zip_fail(zip, err, FC_ERR_INPUT, "not a readable zip archive");
    if (gi.number_entry > zip->limits->entries)
        return fc_error_set(err, FC_ERR_LIMIT, fc_input_name(zip->in),
                            "the archive has %llu entries, more than the limit of %zu",
                            (unsigned long long)gi.number_entry, zip->limits->entries);
    size_t n = (size_t)gi.number_entry;
    zip->entries = calloc(n ? n : 1, sizeof *zip->entries);
    zip->sorted = calloc(n ? n : 1, sizeof *zip->sorted);
    if (!zip->entries || !zip->sorted)
        return zip_fail(zip, err, FC_ERR_NOMEM, "out of memory");
    int rc = n ? unzGoToFirstFile(zip->unz) : UNZ_END_OF_LIST_OF_FILE;
    char name[ZIP_NAME_MAX];
    while (rc == UNZ_OK) {
        if (zip->count >= n)
            return zip_fail(zip, err, FC_ERR_INPUT, "corrupt zip archive: more entries than "
                                                    "its directory declares");
        unz_file_info64 info;
        if (unzGetCurrentFileInfo64(zip->unz, &info, name, sizeof name, NULL, 0, NULL, 0) !=
            UNZ_OK)
            return zip_fail(zip, err, FC_ERR_INPUT, "corrupt zip archive: unreadable directory");
        zip_entry *e = &zip->entries[zip->count];
        if (info.size_filename >= sizeof name)
            name[0] = '\0'; /* too long to be a part we look for; kept nameless */
        size_t len = strlen(name);
        e->name = malloc(len + 1);
        if (!e->name)
            return zip_fail(zip, err, FC_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i <= len; i++)
            e->name[i] = name[i] == '\\' ? '/' : name[i];
        if (unzGetFilePos64(zip->unz, &e->pos) != UNZ_OK)
            return zip_fail(zip, err, FC_ERR_INPUT, "corrupt zip archive: unreadable directory");
        e->csize = info.compressed_size;
        e->usize = info.uncompressed_size;
        e->flag = info.flag;
        e->method = info.compression_method;
        zip->sorted[zip->count] = e;
        zip->count++;
        rc = unzGoToNextFile(zip->unz);
    }
    if (rc != UNZ_END_OF_LIST_OF_FILE)
        return zip_fail(zip, err, FC_ERR_INPUT,
                        "corrupt or truncated zip archive: its directory cannot be read");
    qsort(zip->sorted, zip->count, sizeof *zip->sorted, sort_cmp);
    /* Two entries that differ only in case (or are equal) make any lookup
     * ambiguous: refuse the archive rather than guess. */
    for (size_t i = 1; i < zip->count; i++) {
        const char *a = zip->sorted[i - 1]->name;
        const char *b = zip->sorted[i]->name;
        if (a[0] && name_cmp(a, b) == 0)
            return fc_error_set(err, FC_ERR_INPUT, fc_input_name(zip->in),
                                "the archive holds two entries named %s", b);
    }
    return FC_OK;
}

fc_status fc_zip_open(fc_input *in, const fc_limits *limits, fc_zip **out, fc_error *err)
{
    *out = NULL;
    /* An archive can hold at most `entries` parts of `part_bytes` each;
     * bigger inputs are not copied from a pipe without end. */
    uint64_t max_input = (uint64_t)4 << 30;
    fc_status st = fc_input_make_seekable(in, max_input, err);
    if (st)
        return st;
    fc_zip *zip = calloc(1, sizeof *zip);
    if (!zip)
        return fc_error_set(err, FC_ERR_NOMEM, fc_input_name(in), "out of memory");
    zip->in = in;
    zip->limits = limits;
    zip->open = -1;
    fc_error_clear(&zip->read_err);
    zlib_filefunc64_def funcs;
    memset(&funcs, 0, sizeof funcs);
    funcs.zopen64_file = zs_open;
    funcs.zread_file = zs_read;
    funcs.zwrite_file = zs_write;
    funcs.ztell64_file = zs_tell;
    funcs.zseek64_file = zs_seek;
    funcs.zclose_file = zs_close;
    funcs.zerror_file = zs_error;
    funcs.opaque = zip;
    zip->unz = unzOpen2_64(in, &funcs);
    if (!zip->unz) {
        if (zip->read_err.code == FC_ERR_READ && err)
            *err = zip->read_err;
        else
            zip_fail(zip, err, FC_ERR_INPUT,
                     "not a zip archive, or a truncated one (its central directory is "
                     "missing)");
        fc_status code = zip->read_err.code == FC_ERR_READ ? FC_ERR_READ : FC_ERR_INPUT;
        fc_zip_close(zip);
        return code;
    }
    st = list_entries(zip, err);
    if (st) {
        fc_zip_close(zip);
        return st;
    }
    *out = zip;
    return FC_OK;
}

void fc_zip_close(fc_zip *zip)
{
    if (!zip)
        return;
    if (zip->unz) {
        if (zip->open >= 0)
            unzCloseCurrentFile(zip->unz);
        unzClose(zip->unz);
    }
    free(zip->stream); /* only when minizip failed to close it */
    for (size_t i = 0; i < zip->count; i++)
        free(zip->entries[i].name);
    free(zip->entries);
    free(zip->sorted);
    free(zip);
}

size_t fc_zip_count(const fc_zip *zip)
{
    return zip->count;
}

const char *fc_zip_name(const fc_zip *zip, size_t index)
{
    return zip->entries[index].name;
}

uint64_t fc_zip_size(const fc_zip *zip, size_t index)
{
    return zip->entries[index].usize;
}

long fc_zip_find(const fc_zip *zip, const char *name)
{
    while (*name == '/')
        name++;
    if (!*name)
        return -1;
    size_t lo = 0, hi = zip->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(zip->sorted[mid]->name, name);
        if (c == 0)
            return (long)(zip->sorted[mid] - zip->entries);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

fc_status fc_zip_open_entry(fc_zip *zip, size_t index, fc_error *err)
{
    fc_zip_close_entry(zip);
    const zip_entry *e = &zip->entries[index];
    snprintf(zip->where, sizeof zip->where, "%s!%s", fc_input_name(zip->in), e->name);
    if (e->flag & 1)
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "the part is encrypted (a password-protected workbook); save it "
                            "without a password first");
    if (e->method != 0 && e->method != Z_DEFLATED)
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "the part uses compression method %lu; only stored and deflate "
                            "are supported", e->method);
    if (e->usize > zip->limits->part_bytes)
        return fc_error_set(err, FC_ERR_LIMIT, zip->where,
                            "the part is %llu bytes uncompressed, more than the limit of %zu",
                            (unsigned long long)e->usize, zip->limits->part_bytes);
    uint64_t csize = e->csize ? e->csize : 1;
    if (e->usize > ZIP_RATIO_FLOOR && e->usize / csize >= zip->limits->ratio &&
        e->usize > csize * zip->limits->ratio)
        return fc_error_set(err, FC_ERR_LIMIT, zip->where,
                            "the part inflates %llu times (%llu bytes from %llu), more than "
                            "the limit of %zu: a zip bomb?",
                            (unsigned long long)(e->usize / csize),
                            (unsigned long long)e->usize, (unsigned long long)e->csize,
                            zip->limits->ratio);
    fc_error_clear(&zip->read_err);
    if (unzGoToFilePos64(zip->unz, &e->pos) != UNZ_OK || unzOpenCurrentFile(zip->unz) != UNZ_OK) {
        if (zip->read_err.code == FC_ERR_READ) {
            if (err)
                *err = zip->read_err;
            return FC_ERR_READ;
        }
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "the part cannot be opened: corrupt or truncated archive");
    }
    zip->open = (long)index;
    zip->produced = 0;
    return FC_OK;
}

fc_status fc_zip_read(fc_zip *zip, void *buf, size_t cap, size_t *got, fc_error *err)
{
    *got = 0;
    if (zip->open < 0)
        return fc_error_set(err, FC_ERR_INTERNAL, fc_input_name(zip->in), "no part is open");
    const zip_entry *e = &zip->entries[zip->open];
    if (cap > (size_t)1 << 30)
        cap = (size_t)1 << 30;
    fc_error_clear(&zip->read_err);
    int n = unzReadCurrentFile(zip->unz, buf, (unsigned)cap);
    if (n < 0) {
        fc_zip_close_entry(zip);
        if (zip->read_err.code == FC_ERR_READ) {
            if (err)
                *err = zip->read_err;
            return FC_ERR_READ;
        }
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "the part's compressed data is corrupt or truncated (zip error %d)",
                            n);
    }
    zip->produced += (uint64_t)n;
    if (zip->produced > e->usize || zip->produced > zip->limits->part_bytes) {
        fc_zip_close_entry(zip);
        return fc_error_set(err, FC_ERR_LIMIT, zip->where,
                            "the part inflates to more than its declared size or the limit");
    }
    if (n > 0) {
        *got = (size_t)n;
        return FC_OK;
    }
    /* The end: everything declared must have come, with the right CRC. */
    if (zip->produced != e->usize) {
        fc_zip_close_entry(zip);
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "the part ends after %llu of its %llu bytes: corrupt or truncated",
                            (unsigned long long)zip->produced, (unsigned long long)e->usize);
    }
    int rc = unzCloseCurrentFile(zip->unz);
    zip->open = -1;
    if (rc == UNZ_CRCERROR)
        return fc_error_set(err, FC_ERR_INPUT, zip->where,
                            "CRC error: the part is corrupt");
    if (rc != UNZ_OK)
        return fc_error_set(err, FC_ERR_INPUT, zip->where, "the part cannot be read (zip error %d)",
                            rc);
    return FC_OK;
}

void fc_zip_close_entry(fc_zip *zip)
{
    if (zip->open >= 0) {
        unzCloseCurrentFile(zip->unz);
        zip->open = -1;
    }
}
