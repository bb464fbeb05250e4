/*
 * fc_textcodec.c - encoding detection, decoding and encoding of text dumps.
 */
#include "fc_textcodec.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fc_utf8.h"

const char *fc_encoding_name(fc_encoding enc)
{
    switch (enc) {
    case FC_ENC_AUTO: return "auto";
    case FC_ENC_UTF8: return "utf-8";
    case FC_ENC_UTF8_BOM: return "utf-8-bom";
    case FC_ENC_GB18030: return "gb18030";
    case FC_ENC_UTF16LE: return "utf-16le";
    case FC_ENC_UTF16BE: return "utf-16be";
    }
    return "auto";
}

bool fc_encoding_parse(const char *name, fc_encoding *enc)
{
    static const struct {
        const char *name;   /* accepted spelling */
        fc_encoding enc;    /* meaning */
    } names[] = {
        {"auto", FC_ENC_AUTO},         {"utf-8", FC_ENC_UTF8},
        {"utf8", FC_ENC_UTF8},         {"utf-8-bom", FC_ENC_UTF8_BOM},
        {"utf-8-sig", FC_ENC_UTF8_BOM}, {"utf8-bom", FC_ENC_UTF8_BOM},
        {"gb18030", FC_ENC_GB18030},   {"gbk", FC_ENC_GB18030},
        {"gb2312", FC_ENC_GB18030},    {"cp936", FC_ENC_GB18030},
        {"utf-16le", FC_ENC_UTF16LE},  {"utf16le", FC_ENC_UTF16LE},
        {"utf-16", FC_ENC_UTF16LE},    {"utf-16be", FC_ENC_UTF16BE},
        {"utf16be", FC_ENC_UTF16BE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0) {
            *enc = names[i].enc;
            return true;
        }
    return false;
}

const char *const fc_input_encodings[] = {"auto", "utf-8", "gb18030", "utf-16le", "utf-16be",
                                          NULL};
const char *const fc_output_encodings[] = {"utf-8", "utf-8-bom", "gb18030", "utf-16le",
                                           "utf-16be", NULL};

bool fc_encoding_accepts_input(const char *name)
{
    fc_encoding enc;
    return fc_encoding_parse(name, &enc) && enc != FC_ENC_UTF8_BOM;
}

bool fc_encoding_accepts_output(const char *name)
{
    fc_encoding enc;
    return fc_encoding_parse(name, &enc) && enc != FC_ENC_AUTO;
}

bool fc_buf_reserve(fc_buf *buf, size_t extra)
{
    if (extra <= buf->cap - buf->len)
        return true;
    if (extra > SIZE_MAX - buf->len)
        return false;
    size_t want = buf->cap ? buf->cap : 4096;
    while (want - buf->len < extra) {
        if (want > SIZE_MAX / 2)
            return false;
        want *= 2;
    }
    char *bigger = realloc(buf->data, want);
    if (!bigger)
        return false;
    buf->data = bigger;
    buf->cap = want;
    return true;
}

bool fc_buf_append(fc_buf *buf, const void *data, size_t len)
{
    if (!fc_buf_reserve(buf, len))
        return false;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return true;
}

void fc_buf_free(fc_buf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

/* True when the bytes at `s` (len) are the beginning of a UTF-8 sequence
 * that more bytes could complete. */
static bool utf8_incomplete(const unsigned char *s, size_t len)
{
    if (len == 0 || len >= 4)
        return false;
    unsigned char c = s[0];
    size_t need = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                                                : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (need == 0 || len >= need)
        return false;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return false;
    if (len >= 2) {
        if (c == 0xE0 && s[1] < 0xA0)
            return false;
        if (c == 0xED && s[1] > 0x9F)
            return false;
        if (c == 0xF0 && s[1] < 0x90)
            return false;
        if (c == 0xF4 && s[1] > 0x8F)
            return false;
    }
    return true;
}

fc_encoding fc_guess_utf8_or_gb18030(const unsigned char *bytes, size_t len, bool at_eof)
{
    size_t i = 0, multibyte = 0;
    while (i < len) {
        if (bytes[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = fc_utf8_decode(bytes + i, len - i, &cp);
        if (n == 0) {
            if (!at_eof && utf8_incomplete(bytes + i, len - i))
                return FC_ENC_UTF8;
            return multibyte >= 4 ? FC_ENC_UTF8 : FC_ENC_GB18030;
        }
        multibyte++;
        i += n;
    }
    return FC_ENC_UTF8;
}

fc_status fc_detect_encoding(const unsigned char *head, size_t len, bool at_eof,
                             fc_encoding forced, fc_detected *out, size_t *bad_offset)
{
    out->bom_len = 0;
    out->guessed = false;
    bool utf8_bom = len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF;
    bool le_bom = len >= 2 && head[0] == 0xFF && head[1] == 0xFE;
    bool be_bom = len >= 2 && head[0] == 0xFE && head[1] == 0xFF;
    if (forced != FC_ENC_AUTO) {
        out->encoding = forced == FC_ENC_UTF8_BOM ? FC_ENC_UTF8 : forced;
        if ((out->encoding == FC_ENC_UTF8 && utf8_bom))
            out->bom_len = 3;
        else if ((out->encoding == FC_ENC_UTF16LE && le_bom) ||
                 (out->encoding == FC_ENC_UTF16BE && be_bom))
            out->bom_len = 2;
        return FC_OK;
    }
    if (utf8_bom) {
        out->encoding = FC_ENC_UTF8;
        out->bom_len = 3;
        return FC_OK;
    }
    if (le_bom || be_bom) {
        out->encoding = le_bom ? FC_ENC_UTF16LE : FC_ENC_UTF16BE;
        out->bom_len = 2;
        return FC_OK;
    }
    const unsigned char *nul = memchr(head, 0, len);
    if (nul) {
        /* UTF-16 without a BOM shows zero high bytes for ASCII text. */
        size_t sample = len < 1024 ? len & ~(size_t)1 : 1024;
        size_t zero_even = 0, zero_odd = 0;
        for (size_t i = 0; i < sample; i += 2) {
            zero_even += head[i] == 0;
            zero_odd += head[i + 1] == 0;
        }
        size_t pairs = sample / 2;
        if (pairs >= 2 && zero_odd * 10 >= pairs * 3 && zero_even * 20 <= pairs) {
            out->encoding = FC_ENC_UTF16LE;
            return FC_OK;
        }
        if (pairs >= 2 && zero_even * 10 >= pairs * 3 && zero_odd * 20 <= pairs) {
            out->encoding = FC_ENC_UTF16BE;
            return FC_OK;
        }
        *bad_offset = (size_t)(nul - head);
        return FC_ERR_INPUT;
    }
    size_t first = 0;
    while (first < len && head[first] < 0x80)
        first++;
    if (first == len) {
        out->encoding = FC_ENC_UTF8;
        out->guessed = !at_eof;
        return FC_OK;
    }
    out->encoding = fc_guess_utf8_or_gb18030(head + first, len - first, at_eof);
    return FC_OK;
}

struct fc_decoder {
    fc_encoding enc;      /* current source encoding */
    bool may_switch;      /* UTF-8 guessed from ASCII only: may still become GB18030 */
    iconv_t cd;           /* GB18030 converter, or (iconv_t)-1 */
};

/* Opens the GB18030 to UTF-8 converter. */
static fc_status open_gb18030(fc_decoder *dec, fc_error *err)
{
    dec->cd = iconv_open("UTF-8", "GB18030");
    if (dec->cd == (iconv_t)-1)
        return fc_error_set(err, FC_ERR_INTERNAL, NULL,
                            "this system's iconv cannot decode GB18030");
    return FC_OK;
}

fc_status fc_decoder_new(fc_encoding enc, bool may_switch, fc_decoder **out, fc_error *err)
{
    *out = NULL;
    fc_decoder *dec = calloc(1, sizeof *dec);
    if (!dec)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    dec->enc = (enc == FC_ENC_UTF8_BOM || enc == FC_ENC_AUTO) ? FC_ENC_UTF8 : enc;
    dec->may_switch = may_switch && dec->enc == FC_ENC_UTF8;
    dec->cd = (iconv_t)-1;
    if (dec->enc == FC_ENC_GB18030) {
        fc_status st = open_gb18030(dec, err);
        if (st) {
            free(dec);
            return st;
        }
    }
    *out = dec;
    return FC_OK;
}

void fc_decoder_free(fc_decoder *dec)
{
    if (!dec)
        return;
    if (dec->cd != (iconv_t)-1)
        iconv_close(dec->cd);
    free(dec);
}

fc_encoding fc_decoder_encoding(const fc_decoder *dec)
{
    return dec->enc;
}

/* UTF-8 to UTF-8: validate and copy. */
static fc_status run_utf8(fc_decoder *dec, const unsigned char *in, size_t len, bool final,
                          fc_buf *out, size_t *consumed, fc_error *err)
{
    size_t valid = fc_utf8_valid_prefix(in, len);
    if (!fc_buf_append(out, in, valid))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    *consumed = valid;
    if (valid == len)
        return FC_OK;
    (void)dec;
    if (!final && utf8_incomplete(in + valid, len - valid))
        return FC_OK;
    if (utf8_incomplete(in + valid, len - valid))
        return fc_error_set(err, FC_ERR_ENCODING, NULL,
                            "truncated UTF-8 sequence at the end of the input");
    return fc_error_set(err, FC_ERR_ENCODING, NULL, "invalid UTF-8 byte 0x%02X", in[valid]);
}

/* UTF-16 (either order) to UTF-8. */
static fc_status run_utf16(fc_decoder *dec, const unsigned char *in, size_t len, bool final,
                           fc_buf *out, size_t *consumed, fc_error *err)
{
    bool le = dec->enc == FC_ENC_UTF16LE;
    if (!fc_buf_reserve(out, len / 2 * 3 + 4))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    unsigned char *dst = (unsigned char *)out->data + out->len;
    size_t i = 0;
    while (i + 2 <= len) {
        uint32_t unit = le ? (uint32_t)(in[i] | (in[i + 1] << 8))
                           : (uint32_t)((in[i] << 8) | in[i + 1]);
        uint32_t cp = unit;
        size_t used = 2;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (i + 4 > len) {
                if (!final)
                    break;
                *consumed = i;
                out->len = (size_t)(dst - (unsigned char *)out->data);
                return fc_error_set(err, FC_ERR_ENCODING, NULL,
                                    "truncated UTF-16 surrogate pair at the end of the input");
            }
            uint32_t low = le ? (uint32_t)(in[i + 2] | (in[i + 3] << 8))
                              : (uint32_t)((in[i + 2] << 8) | in[i + 3]);
            if (low < 0xDC00 || low > 0xDFFF) {
                *consumed = i;
                out->len = (size_t)(dst - (unsigned char *)out->data);
                return fc_error_set(err, FC_ERR_ENCODING, NULL,
                                    "unpaired UTF-16 surrogate 0x%04X", (unsigned)unit);
            }
            cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            used = 4;
        } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
            *consumed = i;
            out->len = (size_t)(dst - (unsigned char *)out->data);
            return fc_error_set(err, FC_ERR_ENCODING, NULL, "unpaired UTF-16 surrogate 0x%04X",
                                (unsigned)unit);
        }
        dst += fc_utf8_encode(cp, dst);
        i += used;
    }
    out->len = (size_t)(dst - (unsigned char *)out->data);
    *consumed = i;
    if (final && i < len)
        return fc_error_set(err, FC_ERR_ENCODING, NULL,
                            "odd number of bytes in UTF-16 input");
    return FC_OK;
}

/* GB18030 to UTF-8 through iconv. */
static fc_status run_gb18030(fc_decoder *dec, const unsigned char *in, size_t len, bool final,
                             fc_buf *out, size_t *consumed, fc_error *err)
{
    /* Each GB18030 byte yields at most two UTF-8 bytes (2 -> 3, 4 -> 4). */
    if (!fc_buf_reserve(out, len * 2 + 8))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    char *src = (char *)in;
    size_t src_left = len;
    char *dst = out->data + out->len;
    size_t dst_left = out->cap - out->len;
    size_t rc = iconv(dec->cd, &src, &src_left, &dst, &dst_left);
    int e = errno;
    out->len = (size_t)(dst - out->data);
    *consumed = len - src_left;
    if (rc != (size_t)-1)
        return FC_OK;
    if (e == EINVAL) {
        if (!final)
            return FC_OK;
        return fc_error_set(err, FC_ERR_ENCODING, NULL,
                            "truncated GB18030 sequence at the end of the input");
    }
    if (e == EILSEQ) {
        const unsigned char *bad = in + *consumed;
        size_t left = src_left;
        if (left >= 2 && bad[0] != 0x80 && bad[0] != 0xFF)
            return fc_error_set(err, FC_ERR_ENCODING, NULL,
                                "invalid GB18030 byte sequence 0x%02X 0x%02X", bad[0], bad[1]);
        return fc_error_set(err, FC_ERR_ENCODING, NULL, "invalid GB18030 byte 0x%02X", bad[0]);
    }
    return fc_error_set(err, FC_ERR_INTERNAL, NULL, "iconv failed: %s", strerror(e));
}

fc_status fc_decoder_run(fc_decoder *dec, const unsigned char *in, size_t len, bool final,
                         fc_buf *out, size_t *consumed, fc_error *err)
{
    *consumed = 0;
    if (dec->may_switch) {
        size_t ascii = 0;
        while (ascii < len && in[ascii] < 0x80)
            ascii++;
        if (ascii == len) {
            if (!fc_buf_append(out, in, len))
                return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
            *consumed = len;
            return FC_OK;
        }
        if (!final && len - ascii < 256) {
            /* Decide with more bytes in view: pass the ASCII part only. */
            if (!fc_buf_append(out, in, ascii))
                return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
            *consumed = ascii;
            return FC_OK;
        }
        dec->may_switch = false;
        if (fc_guess_utf8_or_gb18030(in + ascii, len - ascii, final) == FC_ENC_GB18030) {
            fc_status st = open_gb18030(dec, err);
            if (st)
                return st;
            dec->enc = FC_ENC_GB18030;
        }
    }
    switch (dec->enc) {
    case FC_ENC_GB18030:
        return run_gb18030(dec, in, len, final, out, consumed, err);
    case FC_ENC_UTF16LE:
    case FC_ENC_UTF16BE:
        return run_utf16(dec, in, len, final, out, consumed, err);
    default:
        return run_utf8(dec, in, len, final, out, consumed, err);
    }
}

struct fc_encoder {
    fc_encoding enc;   /* target encoding */
    iconv_t cd;        /* UTF-8 to GB18030 converter, or (iconv_t)-1 */
};

fc_status fc_encoder_new(fc_encoding enc, fc_encoder **out, fc_error *err)
{
    *out = NULL;
    fc_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    e->enc = enc == FC_ENC_AUTO ? FC_ENC_UTF8 : enc;
    e->cd = (iconv_t)-1;
    if (e->enc == FC_ENC_GB18030) {
        e->cd = iconv_open("GB18030", "UTF-8");
        if (e->cd == (iconv_t)-1) {
            free(e);
            return fc_error_set(err, FC_ERR_INTERNAL, NULL,
                                "this system's iconv cannot encode GB18030");
        }
    }
    *out = e;
    return FC_OK;
}

void fc_encoder_free(fc_encoder *enc)
{
    if (!enc)
        return;
    if (enc->cd != (iconv_t)-1)
        iconv_close(enc->cd);
    free(enc);
}

const char *fc_encoder_bom(const fc_encoder *enc, size_t *len)
{
    switch (enc->enc) {
    case FC_ENC_UTF8_BOM: *len = 3; return "\xEF\xBB\xBF";
    case FC_ENC_UTF16LE: *len = 2; return "\xFF\xFE";
    case FC_ENC_UTF16BE: *len = 2; return "\xFE\xFF";
    default: *len = 0; return "";
    }
}

bool fc_encoder_is_identity(const fc_encoder *enc)
{
    return enc->enc == FC_ENC_UTF8 || enc->enc == FC_ENC_UTF8_BOM;
}

fc_status fc_encoder_run(fc_encoder *enc, const char *in, size_t len, fc_buf *out,
                         fc_error *err)
{
    if (fc_encoder_is_identity(enc))
        return fc_buf_append(out, in, len) ? FC_OK
                                           : fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    if (enc->enc == FC_ENC_GB18030) {
        /* GB18030 needs at most 4 bytes per character, never more than 2 per
         * UTF-8 byte. */
        if (!fc_buf_reserve(out, len * 2 + 8))
            return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
        char *src = (char *)in;
        size_t src_left = len;
        char *dst = out->data + out->len;
        size_t dst_left = out->cap - out->len;
        size_t rc = iconv(enc->cd, &src, &src_left, &dst, &dst_left);
        out->len = (size_t)(dst - out->data);
        if (rc == (size_t)-1)
            return fc_error_set(err, FC_ERR_ENCODING, NULL,
                                "text cannot be encoded in GB18030: %s", strerror(errno));
        return FC_OK;
    }
    bool le = enc->enc == FC_ENC_UTF16LE;
    if (!fc_buf_reserve(out, len * 2 + 8))
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    unsigned char *dst = (unsigned char *)out->data + out->len;
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return fc_error_set(err, FC_ERR_ENCODING, NULL, "invalid UTF-8 in output text");
        i += n;
        uint16_t units[2];
        int count = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xD800 + (cp >> 10));
            units[1] = (uint16_t)(0xDC00 + (cp & 0x3FF));
            count = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        for (int u = 0; u < count; u++) {
            if (le) {
                *dst++ = (unsigned char)(units[u] & 0xFF);
                *dst++ = (unsigned char)(units[u] >> 8);
            } else {
                *dst++ = (unsigned char)(units[u] >> 8);
                *dst++ = (unsigned char)(units[u] & 0xFF);
            }
        }
    }
    out->len = (size_t)(dst - (unsigned char *)out->data);
    return FC_OK;
}
