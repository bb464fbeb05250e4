/*
 * fc_textcodec.h - character encodings of text dumps: detection, decoding
 * to UTF-8 and encoding from UTF-8.
 *
 * Decoding never guesses past an error: a byte sequence that is invalid in
 * the chosen encoding stops the decoder with its offset (iconv's //IGNORE
 * and -c would swallow the tab after a bad GB18030 byte and merge columns).
 */
#ifndef FC_TEXTCODEC_H
#define FC_TEXTCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fc_error.h"

/* Character encodings of text dumps. */
typedef enum fc_encoding {
    FC_ENC_AUTO = 0,    /* reading: detect (BOM, then UTF-8, else GB18030); writing: UTF-8 */
    FC_ENC_UTF8,        /* UTF-8 without BOM (a BOM is still skipped when reading) */
    FC_ENC_UTF8_BOM,    /* UTF-8 with a BOM (for Excel on Chinese Windows) */
    FC_ENC_GB18030,     /* GB18030, a superset of GBK and GB2312 */
    FC_ENC_UTF16LE,     /* UTF-16 little endian, with a BOM when writing */
    FC_ENC_UTF16BE      /* UTF-16 big endian, with a BOM when writing */
} fc_encoding;

/* Returns the canonical name of an encoding ("utf-8", "gb18030", ...). */
const char *fc_encoding_name(fc_encoding enc);

/* Parses an encoding name, case-insensitively: utf-8/utf8, utf-8-bom/
 * utf-8-sig, gb18030/gbk/gb2312/cp936, utf-16le, utf-16be, auto. Returns
 * true and sets *enc on success. */
bool fc_encoding_parse(const char *name, fc_encoding *enc);

/* The encodings a text reader takes (NULL-terminated, for help and
 * completion), and a check that accepts them and their aliases. */
extern const char *const fc_input_encodings[];
bool fc_encoding_accepts_input(const char *name);

/* The encodings a text writer makes, and a check with aliases. */
extern const char *const fc_output_encodings[];
bool fc_encoding_accepts_output(const char *name);

/* A growable byte buffer. */
typedef struct fc_buf {
    char *data;      /* the bytes (not NUL-terminated) */
    size_t len;      /* bytes in use */
    size_t cap;      /* bytes allocated */
} fc_buf;

/* Makes room for `extra` more bytes. Returns false when out of memory. */
bool fc_buf_reserve(fc_buf *buf, size_t extra);

/* Appends `len` bytes. Returns false when out of memory. */
bool fc_buf_append(fc_buf *buf, const void *data, size_t len);

/* Frees the buffer's memory and empties it. */
void fc_buf_free(fc_buf *buf);

/* Result of looking at the first bytes of a text input. */
typedef struct fc_detected {
    fc_encoding encoding;  /* FC_ENC_UTF8, FC_ENC_GB18030, FC_ENC_UTF16LE or FC_ENC_UTF16BE */
    size_t bom_len;        /* bytes of byte order mark to skip (0 when none) */
    bool guessed;          /* UTF-8 was assumed without proof (all ASCII so far): the
                              decoder may still switch to GB18030 at the first
                              non-ASCII byte */
} fc_detected;

/* Detects the encoding of `len` bytes `head` (the start of the input;
 * `at_eof` when that is all of it). `forced` other than FC_ENC_AUTO is taken
 * as is (a matching BOM is still skipped). Returns FC_ERR_INPUT for a binary
 * input (NUL bytes that are not UTF-16) with `*bad_offset` set. */
fc_status fc_detect_encoding(const unsigned char *head, size_t len, bool at_eof,
                             fc_encoding forced, fc_detected *out, size_t *bad_offset);

/* Chooses between UTF-8 and GB18030 for bytes starting at the first
 * non-ASCII byte: UTF-8 when they are valid UTF-8, or when at least four
 * multi-byte UTF-8 characters precede the first invalid byte. */
fc_encoding fc_guess_utf8_or_gb18030(const unsigned char *bytes, size_t len, bool at_eof);

typedef struct fc_decoder fc_decoder;

/* Creates a decoder from `enc` (not FC_ENC_AUTO; FC_ENC_UTF8_BOM is UTF-8).
 * `may_switch` lets a UTF-8 decoder that has seen only ASCII switch to
 * GB18030 at the first non-ASCII byte if fc_guess_utf8_or_gb18030 says so. */
fc_status fc_decoder_new(fc_encoding enc, bool may_switch, fc_decoder **out, fc_error *err);

/* Frees a decoder. NULL allowed. */
void fc_decoder_free(fc_decoder *dec);

/* The encoding the decoder is decoding now (it may have switched). */
fc_encoding fc_decoder_encoding(const fc_decoder *dec);

/* Decodes `len` bytes at `in`, appending UTF-8 to `out`. Stores in
 * *consumed how many input bytes were used: an incomplete sequence at the
 * end is left for the next call unless `final`. On an invalid sequence
 * returns FC_ERR_ENCODING with everything before it decoded and consumed,
 * `*consumed` pointing at the bad byte, and a message (without location)
 * in `err`. FC_ERR_NOMEM when `out` cannot grow. */
fc_status fc_decoder_run(fc_decoder *dec, const unsigned char *in, size_t len, bool final,
                         fc_buf *out, size_t *consumed, fc_error *err);

typedef struct fc_encoder fc_encoder;

/* Creates an encoder to `enc` (FC_ENC_AUTO means UTF-8). */
fc_status fc_encoder_new(fc_encoding enc, fc_encoder **out, fc_error *err);

/* Frees an encoder. NULL allowed. */
void fc_encoder_free(fc_encoder *enc);

/* The byte order mark the encoding writes first ("" when none); *len gets
 * its length. */
const char *fc_encoder_bom(const fc_encoder *enc, size_t *len);

/* Encodes `len` bytes of valid UTF-8 into `out` (appended). For UTF-8 the
 * bytes are copied. Returns FC_OK, FC_ERR_NOMEM, or FC_ERR_ENCODING. */
fc_status fc_encoder_run(fc_encoder *enc, const char *in, size_t len, fc_buf *out,
                         fc_error *err);

/* True when the encoder copies UTF-8 unchanged (callers may skip it). */
bool fc_encoder_is_identity(const fc_encoder *enc);

#endif
