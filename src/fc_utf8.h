/*
 * fc_utf8.h - UTF-8 checks and measures used by every reader and writer.
 */
#ifndef FC_UTF8_H
#define FC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from `s` (`len` bytes available, len > 0). On
 * success stores it in *cp and returns the sequence length (1-4); returns 0
 * for an invalid, overlong, surrogate or truncated sequence. */
size_t fc_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Encodes code point `cp` (<= 0x10FFFF, not a surrogate) into `out` (4 bytes
 * available). Returns the number of bytes written, or 0 for an invalid cp. */
size_t fc_utf8_encode(uint32_t cp, unsigned char *out);

/* Returns the number of leading bytes of `s` (length `len`) that form valid
 * UTF-8. Equal to `len` when all of it is valid. */
size_t fc_utf8_valid_prefix(const unsigned char *s, size_t len);

/* True when `cp` may appear in a cell: anything but C0 controls other than
 * TAB, LF and CR, DEL, C1 controls, and U+FFFE/U+FFFF (all of which XML 1.0
 * and the XLSX format cannot carry). */
bool fc_char_allowed(uint32_t cp);

/* Number of code points in `len` bytes of valid UTF-8 `s`. */
size_t fc_utf8_length(const char *s, size_t len);

/* Terminal/spreadsheet display width of code point `cp`: 2 for East Asian
 * Wide and Fullwidth characters (CJK ideographs, kana, hangul, fullwidth
 * forms, CJK punctuation), 0 for combining marks, 1 otherwise. */
int fc_char_width(uint32_t cp);

/* Display width of `len` bytes of valid UTF-8 `s`, summing fc_char_width. */
size_t fc_utf8_width(const char *s, size_t len);

/* True when `cp` is white space: ASCII space and TAB/LF/CR/VT/FF, NBSP, the
 * Unicode space separators, and the ideographic space U+3000. */
bool fc_char_is_space(uint32_t cp);

/* Narrows [*s, *s + *len) of valid UTF-8 to drop leading and trailing white
 * space as fc_char_is_space defines it. */
void fc_utf8_trim(const char **s, size_t *len);

/* True when `len` bytes of valid UTF-8 `s` are empty or only white space. */
bool fc_utf8_is_blank(const char *s, size_t len);

/* Copies `s` (`len` bytes, valid UTF-8) into `out` (`cap` bytes) with every
 * white space character removed and a trailing ':' or '：' dropped, for
 * comparing labels such as "项 目 名 称：" with "项目名称". Returns the
 * length written (always < cap, NUL-terminated), or (size_t)-1 if it would
 * not fit. */
size_t fc_utf8_squeeze(const char *s, size_t len, char *out, size_t cap);

#endif
