/*
 * fc_utf8.c - UTF-8 decoding, validation and display width.
 */
#include "fc_utf8.h"

#include <string.h>

size_t fc_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        if (len < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (len < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
                     (s[2] & 0x3F);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (len < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                     ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

size_t fc_utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

size_t fc_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            /* Fast path: after an ASCII byte, eight at a time while they
             * are ASCII too (tried only here, so that a run of Chinese
             * text does not pay for a failed try per character). */
            i++;
            while (i + 8 <= len) {
                uint64_t word;
                memcpy(&word, s + i, 8);
                if (word & UINT64_C(0x8080808080808080))
                    break;
                i += 8;
            }
            continue;
        }
        /* The common case in Chinese text: a three-byte sequence. */
        if (s[i] >= 0xE1 && s[i] <= 0xEC && i + 3 <= len && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        uint32_t cp;
        size_t n = fc_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

bool fc_char_allowed(uint32_t cp)
{
    if (cp < 0x20)
        return cp == '\t' || cp == '\n' || cp == '\r';
    if (cp >= 0x7F && cp <= 0x9F)
        return false;
    if (cp == 0xFFFE || cp == 0xFFFF)
        return false;
    return true;
}

size_t fc_utf8_length(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

int fc_char_width(uint32_t cp)
{
    if (cp == 0)
        return 0;
    /* Combining marks and zero-width characters. */
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
        (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF)
        return 0;
    /* East Asian Wide (W) and Fullwidth (F) ranges. */
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x2FFFD) ||
        (cp >= 0x30000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t fc_utf8_width(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t width = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            width++;
            i++;
            continue;
        }
        width += (size_t)fc_char_width(cp);
        i += n;
    }
    return width;
}

/* True for bytes that may start a white space character (ASCII controls and
 * space, and the lead bytes of U+00A0, U+1680, U+2000-U+205F and U+3000). */
static bool may_start_space(unsigned char c)
{
    return c <= 0x20 || c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3;
}

bool fc_char_is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void fc_utf8_trim(const char **s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t start = 0, end = *len;
    while (start < end) {
        uint32_t cp;
        size_t n = fc_utf8_decode(p + start, end - start, &cp);
        if (n == 0 || !fc_char_is_space(cp))
            break;
        start += n;
    }
    while (end > start) {
        size_t back = 1;
        while (back < end - start && back < 4 && (p[end - back] & 0xC0) == 0x80)
            back++;
        uint32_t cp;
        size_t n = fc_utf8_decode(p + end - back, back, &cp);
        if (n != back || !fc_char_is_space(cp))
            break;
        end -= back;
    }
    *s += start;
    *len = end - start;
}

bool fc_utf8_is_blank(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (!may_start_space(p[i]))
            return false;
        uint32_t cp;
        size_t n = fc_utf8_decode(p + i, len - i, &cp);
        if (n == 0 || !fc_char_is_space(cp))
            return false;
        i += n;
    }
    return true;
}

size_t fc_utf8_squeeze(const char *s, size_t len, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    size_t i = 0;
    if (cap == 0)
        return (size_t)-1;
    /* Fast path: most labels hold no white space at all. */
    while (i < len && !may_start_space(p[i]))
        i++;
    if (i == len) {
        if (len >= cap)
            return (size_t)-1;
        memcpy(out, s, len);
        o = len;
        i = len;
    } else {
        i = 0;
    }
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            n = 1, cp = 0xFFFD;
        if (!fc_char_is_space(cp)) {
            if (o + n >= cap)
                return (size_t)-1;
            for (size_t k = 0; k < n; k++)
                out[o + k] = (char)p[i + k];
            o += n;
        }
        i += n;
    }
    /* Drop one trailing colon, ASCII or fullwidth. */
    if (o >= 1 && out[o - 1] == ':')
        o -= 1;
    else if (o >= 3 && memcmp(out + o - 3, "\xEF\xBC\x9A", 3) == 0)
        o -= 3;
    out[o] = '\0';
    return o;
}
