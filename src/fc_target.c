/*
 * fc_target.c - the target value grammar (see fc_target.h).
 *
 * The text is first folded into a small buffer: fullwidth ASCII becomes
 * ASCII (＞＝ -> >=, ９０％ -> 90%), the ideographic space and other white
 * space become ' ', the minus sign becomes '-'. The grammar then works on
 * bytes of the folded text.
 */
#include "fc_target.h"

#include <stdint.h>
#include <string.h>

#include "fc_utf8.h"

/* Longest folded text the quantitative grammar looks at: an operator, 20
 * digits with separators, a unit of 8 characters and a qualifier fit with
 * plenty of room; anything longer cannot be a quantitative target. */
#define FOLD_MAX 192

/* Most digits in a number (libxml2's xs:decimal stops at 24). */
#define DIGITS_MAX 20

/* Most characters in a unit. */
#define UNIT_CHARS_MAX 8

/* A comparison word or symbol (in folded form) and what it means. */
typedef struct op_word {
    const char *text;    /* folded UTF-8 spelling */
    size_t len;          /* its length in bytes */
    fc_target_cmp cmp;   /* its comparison */
} op_word;

/* An op_word entry for a string literal. */
#define OP(text, cmp) {text, sizeof(text) - 1, cmp}

/* Operators written before the number. Matched longest first. Each one
 * starts with '<', '=', '>' or a non-ASCII character (see
 * may_start_operator). */
static const op_word prefix_ops[] = {
    OP("大于或者等于", FC_CMP_GE), OP("大于或等于", FC_CMP_GE), OP("大于等于", FC_CMP_GE),
    OP("不小于", FC_CMP_GE),     OP("不低于", FC_CMP_GE),     OP("不少于", FC_CMP_GE),
    OP("至少", FC_CMP_GE),       OP("最少", FC_CMP_GE),       OP("达到", FC_CMP_GE),
    OP("\xE2\x89\xA5", FC_CMP_GE), /* ≥ */
    OP("\xE2\xA9\xBE", FC_CMP_GE), /* ⩾ */
    OP("\xE2\x89\xA7", FC_CMP_GE), /* ≧ */
    OP(">=", FC_CMP_GE),
    OP("大于", FC_CMP_GT),       OP("高于", FC_CMP_GT),       OP("多于", FC_CMP_GT),
    OP("超过", FC_CMP_GT),       OP(">", FC_CMP_GT),
    OP("小于或者等于", FC_CMP_LE), OP("小于或等于", FC_CMP_LE), OP("小于等于", FC_CMP_LE),
    OP("不大于", FC_CMP_LE),     OP("不高于", FC_CMP_LE),     OP("不多于", FC_CMP_LE),
    OP("不超过", FC_CMP_LE),     OP("至多", FC_CMP_LE),       OP("最多", FC_CMP_LE),
    OP("\xE2\x89\xA4", FC_CMP_LE), /* ≤ */
    OP("\xE2\xA9\xBD", FC_CMP_LE), /* ⩽ */
    OP("\xE2\x89\xA6", FC_CMP_LE), /* ≦ */
    OP("<=", FC_CMP_LE),
    OP("小于", FC_CMP_LT),       OP("低于", FC_CMP_LT),       OP("少于", FC_CMP_LT),
    OP("不足", FC_CMP_LT),       OP("<", FC_CMP_LT),
    OP("等于", FC_CMP_EQ),       OP("=", FC_CMP_EQ),
};

/* Qualifiers written after the number and unit. Matched longest first. */
static const op_word suffix_ops[] = {
    OP("及以上", FC_CMP_GE), OP("或以上", FC_CMP_GE), OP("以上", FC_CMP_GE),
    OP("及以下", FC_CMP_LE), OP("或以下", FC_CMP_LE), OP("以下", FC_CMP_LE),
    OP("以内", FC_CMP_LE),   OP("之内", FC_CMP_LE),   OP("内", FC_CMP_LE),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Maps a code point to its folded form (see the file comment). */
static uint32_t fold(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    if (cp == 0x2212 || cp == 0xFE63)
        return '-';
    if (cp != ' ' && fc_char_is_space(cp))
        return ' ';
    return cp;
}

/* True for characters that make words: ASCII letters, CJK ideographs (with
 * extensions and compatibility forms) and 〇. */
static bool is_word_char(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp == 0x3007 ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

/* True for characters a unit may hold besides word characters. */
static bool is_unit_sign(uint32_t cp)
{
    switch (cp) {
    case '/': case 0x00B0 /* ° */: case 0x00B2 /* ² */: case 0x00B3 /* ³ */:
    case 0x00B5 /* µ */: case 0x00B7 /* · */: case 0x2103 /* ℃ */:
    case 0x2109 /* ℉ */: case 0x30FB /* ・ */: case 0x2126 /* Ω */:
        return true;
    default:
        break;
    }
    return (cp >= 0x0391 && cp <= 0x03C9) /* Greek letters: μ, Ω */ ||
           (cp >= 0x3380 && cp <= 0x33FF) /* squared units: ㎡ ㎞ ㎏ */;
}

/* True for the signs that are a unit only on their own: % ‰ ‱. */
static bool is_lone_unit(uint32_t cp)
{
    return cp == '%' || cp == 0x2030 || cp == 0x2031;
}

/* Folds valid UTF-8 `text` into `out` (at most `cap` - 1 bytes, NUL-
 * terminated). Returns the folded length, or (size_t)-1 when it does not fit
 * or the text is not valid UTF-8. */
static size_t fold_text(const char *text, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    size_t i = 0;
    const unsigned char *s = (const unsigned char *)text;
    while (i < len) {
        /* Fast path: ASCII other than controls, and three-byte characters
         * that fold to themselves (all but E2 punctuation/spaces, E3 80 xx
         * with the ideographic space, and EF fullwidth forms). */
        if (s[i] >= 0x20 && s[i] < 0x80) {
            if (o + 1 >= cap)
                return (size_t)-1;
            out[o++] = (char)s[i++];
            continue;
        }
        if (s[i] >= 0xE4 && s[i] <= 0xEC && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) {
            if (o + 3 >= cap)
                return (size_t)-1;
            memcpy(out + o, s + i, 3);
            o += 3;
            i += 3;
            continue;
        }
        uint32_t cp;
        size_t n = s[i] < 0x80 ? (cp = s[i], 1) : fc_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return (size_t)-1;
        i += n;
        unsigned char buf[4];
        size_t m = fc_utf8_encode(fold(cp), buf);
        if (m == 0 || o + m >= cap)
            return (size_t)-1;
        memcpy(out + o, buf, m);
        o += m;
    }
    out[o] = '\0';
    return o;
}

/* Decodes the (valid, folded) code point at s[i]; stores its length in *n. */
static uint32_t cp_at(const char *s, size_t len, size_t i, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp = u[i];
    *n = 1;
    if (cp >= 0x80) {
        *n = fc_utf8_decode(u + i, len - i, &cp);
        if (*n == 0) {
            *n = 1;
            cp = 0xFFFD;
        }
    }
    return cp;
}

/* Skips spaces (folded text has only ' ') from i. */
static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] == ' ')
        i++;
    return i;
}

/* False when byte `c` cannot be the first of any operator of prefix_ops:
 * an ASCII byte other than '<', '=' and '>' (most targets start with a
 * digit), so the table need not be searched. */
static bool may_start_operator(unsigned char c)
{
    return c >= 0x80 || c == '<' || c == '=' || c == '>';
}

/* Length of the longest operator of prefix_ops starting at s[i], with its
 * comparison in *cmp; 0 when none. */
static size_t match_prefix(const char *s, size_t len, size_t i, fc_target_cmp *cmp)
{
    size_t best = 0;
    if (i >= len || !may_start_operator((unsigned char)s[i]))
        return 0;
    for (size_t k = 0; k < COUNT(prefix_ops); k++) {
        size_t n = prefix_ops[k].len;
        if (n > best && n <= len - i && s[i] == prefix_ops[k].text[0] &&
            memcmp(s + i, prefix_ops[k].text, n) == 0) {
            best = n;
            *cmp = prefix_ops[k].cmp;
        }
    }
    return best;
}

/* Length of the longest qualifier ending at s[end], with its comparison in
 * *cmp; 0 when none. */
static size_t match_suffix(const char *s, size_t start, size_t end, fc_target_cmp *cmp)
{
    size_t best = 0;
    for (size_t k = 0; k < COUNT(suffix_ops); k++) {
        size_t n = suffix_ops[k].len;
        if (n > best && n <= end - start && s[end - 1] == suffix_ops[k].text[n - 1] &&
            memcmp(s + end - n, suffix_ops[k].text, n) == 0) {
            best = n;
            *cmp = suffix_ops[k].cmp;
        }
    }
    return best;
}

/* True when s[i] (folded) is an ASCII digit. */
static bool ascii_digit_at(const char *s, size_t len, size_t i)
{
    return i < len && s[i] >= '0' && s[i] <= '9';
}

/* Parses a number at s[i] of the folded text: [sign] digits [,ddd]... [.digits].
 * Writes it without grouping into `out` (FC_TARGET_NUMBER_MAX bytes) and
 * returns the bytes consumed, or 0 when there is no number or it has more
 * than DIGITS_MAX digits. */
static size_t parse_number(const char *s, size_t len, size_t i, char *out)
{
    size_t start = i, o = 0, digits = 0;
    if (i < len && (s[i] == '-' || s[i] == '+') && ascii_digit_at(s, len, i + 1)) {
        if (s[i] == '-')
            out[o++] = '-';
        i++;
    }
    size_t run = 0;
    while (ascii_digit_at(s, len, i)) {
        if (++digits > DIGITS_MAX)
            return 0;
        out[o++] = s[i++];
        run++;
    }
    if (run == 0)
        return 0;
    /* Grouping: a first run of 1-3 digits, then ",ddd" groups of exactly
     * three digits. Anything else stops the number before the comma. */
    if (run <= 3) {
        while (i < len && s[i] == ',' && ascii_digit_at(s, len, i + 1) &&
               ascii_digit_at(s, len, i + 2) && ascii_digit_at(s, len, i + 3) &&
               !ascii_digit_at(s, len, i + 4)) {
            digits += 3;
            if (digits > DIGITS_MAX)
                return 0;
            memcpy(out + o, s + i + 1, 3);
            o += 3;
            i += 4;
        }
    }
    if (i + 1 < len && s[i] == '.' && ascii_digit_at(s, len, i + 1)) {
        out[o++] = s[i++];
        while (ascii_digit_at(s, len, i)) {
            if (++digits > DIGITS_MAX)
                return 0;
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return i - start;
}

/* Checks the unit s[start, end) of the folded text and copies it into
 * `out` (FC_TARGET_UNIT_MAX bytes). Returns false when it is not a unit. */
static bool take_unit(const char *s, size_t start, size_t end, char *out)
{
    size_t chars = 0;
    bool lone = false;
    for (size_t i = start; i < end;) {
        size_t n;
        uint32_t cp = cp_at(s, end, i, &n);
        if (is_lone_unit(cp))
            lone = true;
        else if (!is_word_char(cp) && !is_unit_sign(cp))
            return false;
        chars++;
        i += n;
    }
    if (chars > UNIT_CHARS_MAX || (lone && chars != 1) || end - start >= FC_TARGET_UNIT_MAX)
        return false;
    memcpy(out, s + start, end - start);
    out[end - start] = '\0';
    return true;
}

/* Sets *out to an unparsed target. */
static void unparsed(fc_target *out)
{
    memset(out, 0, sizeof *out);
    out->kind = FC_TARGET_UNPARSED;
}

/* True when valid UTF-8 `text` holds an ASCII or fullwidth digit. */
static bool has_digit(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            return true;
        /* Fullwidth digits are EF BC 90 .. EF BC 99. */
        if (s[i] == 0xEF && i + 2 < len && s[i + 1] == 0xBC && s[i + 2] >= 0x90 &&
            s[i + 2] <= 0x99)
            return true;
    }
    return false;
}

/* True when valid UTF-8 `text` holds at least one word character. */
static bool has_word(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n;
        uint32_t cp = cp_at(text, len, i, &n);
        if (is_word_char(fold(cp)))
            return true;
        i += n;
    }
    return false;
}

/* True when the folded text is only an operator and/or a qualifier
 * ("不超过", "≥", "以上"): a comparison with nothing to compare. */
static bool only_operators(const char *s, size_t len)
{
    fc_target_cmp ignored;
    size_t i = match_prefix(s, len, 0, &ignored);
    i = skip_spaces(s, len, i);
    size_t end = len;
    end -= match_suffix(s, i, end, &ignored);
    while (end > i && s[end - 1] == ' ')
        end--;
    return end == i;
}

void fc_target_parse(const char *text, size_t len, fc_target *out)
{
    memset(out, 0, sizeof *out);
    if (!text) {
        out->kind = FC_TARGET_EMPTY;
        return;
    }
    /* Short texts are checked while folding; long ones here. */
    if (len >= FOLD_MAX && fc_utf8_valid_prefix((const unsigned char *)text, len) != len) {
        unparsed(out);
        return;
    }
    fc_utf8_trim(&text, &len);
    if (len == 0) {
        out->kind = FC_TARGET_EMPTY;
        return;
    }
    char s[FOLD_MAX];
    size_t n = len < FOLD_MAX ? fold_text(text, len, s, sizeof s) : (size_t)-1;
    if (len < FOLD_MAX && n == (size_t)-1) {
        unparsed(out); /* invalid UTF-8 */
        return;
    }
    if (!has_digit(text, len)) {
        if (n != (size_t)-1 && only_operators(s, n))
            unparsed(out);
        else if (has_word(text, len))
            out->kind = FC_TARGET_QUALITATIVE;
        else
            unparsed(out);
        return;
    }
    if (n == (size_t)-1) {
        unparsed(out);
        return;
    }
    fc_target_cmp before = FC_CMP_NONE, after = FC_CMP_NONE;
    size_t i = match_prefix(s, n, 0, &before);
    i = skip_spaces(s, n, i);
    size_t used = parse_number(s, n, i, out->number);
    if (used == 0) {
        unparsed(out);
        return;
    }
    i = skip_spaces(s, n, i + used);
    size_t end = n - match_suffix(s, i, n, &after);
    while (end > i && s[end - 1] == ' ')
        end--;
    if (!take_unit(s, i, end, out->unit) ||
        (before != FC_CMP_NONE && after != FC_CMP_NONE && before != after)) {
        unparsed(out);
        return;
    }
    out->kind = FC_TARGET_QUANTITATIVE;
    out->cmp_written = before != FC_CMP_NONE || after != FC_CMP_NONE;
    out->cmp = before != FC_CMP_NONE ? before : after != FC_CMP_NONE ? after : FC_CMP_EQ;
}

bool fc_target_number(const char *text, size_t len, char *out, size_t cap)
{
    if (!text || cap < FC_TARGET_NUMBER_MAX ||
        fc_utf8_valid_prefix((const unsigned char *)text, len) != len)
        return false;
    fc_utf8_trim(&text, &len);
    char s[FOLD_MAX];
    size_t n = len < FOLD_MAX ? fold_text(text, len, s, sizeof s) : (size_t)-1;
    if (n == (size_t)-1 || n == 0)
        return false;
    return parse_number(s, n, 0, out) == n;
}

/* The parts of an ASCII decimal: sign, integer digits without leading
 * zeros, fraction digits without trailing zeros. */
typedef struct decimal_parts {
    bool negative;      /* a '-' was written */
    const char *whole;  /* integer digits after leading zeros */
    size_t whole_len;   /* their count (0 for zero) */
    const char *frac;   /* fraction digits */
    size_t frac_len;    /* their count without trailing zeros */
} decimal_parts;

/* Splits an ASCII decimal -?[0-9]+(.[0-9]+)?; false when it is not one. */
static bool split_decimal(const char *s, decimal_parts *p)
{
    memset(p, 0, sizeof *p);
    if (!s)
        return false;
    size_t i = 0;
    if (s[i] == '-') {
        p->negative = true;
        i++;
    }
    size_t start = i;
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == start)
        return false;
    size_t lead = start;
    while (lead < i && s[lead] == '0')
        lead++;
    p->whole = s + lead;
    p->whole_len = i - lead;
    if (s[i] == '.') {
        size_t f = ++i;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return false;
        size_t flen = i - f;
        while (flen > 0 && s[f + flen - 1] == '0')
            flen--;
        p->frac = s + f;
        p->frac_len = flen;
    }
    if (s[i] != '\0')
        return false;
    if (p->whole_len == 0 && p->frac_len == 0)
        p->negative = false; /* -0 is 0 */
    return true;
}

bool fc_decimal_canonical(const char *number, char *out, size_t cap)
{
    decimal_parts p;
    if (!split_decimal(number, &p))
        return false;
    size_t need = (p.negative ? 1 : 0) + (p.whole_len ? p.whole_len : 1) +
                  (p.frac_len ? 1 + p.frac_len : 0) + 1;
    if (need > cap)
        return false;
    size_t o = 0;
    if (p.negative)
        out[o++] = '-';
    if (p.whole_len) {
        memcpy(out + o, p.whole, p.whole_len);
        o += p.whole_len;
    } else {
        out[o++] = '0';
    }
    if (p.frac_len) {
        out[o++] = '.';
        memcpy(out + o, p.frac, p.frac_len);
        o += p.frac_len;
    }
    out[o] = '\0';
    return true;
}

bool fc_decimal_equal(const char *a, const char *b)
{
    decimal_parts x, y;
    if (!split_decimal(a, &x) || !split_decimal(b, &y))
        return false;
    return x.negative == y.negative && x.whole_len == y.whole_len &&
           x.frac_len == y.frac_len && memcmp(x.whole, y.whole, x.whole_len) == 0 &&
           (x.frac_len == 0 || memcmp(x.frac, y.frac, x.frac_len) == 0);
}

const char *fc_target_kind_name(fc_target_kind kind)
{
    switch (kind) {
    case FC_TARGET_EMPTY: return "empty";
    case FC_TARGET_QUANTITATIVE: return "quantitative";
    case FC_TARGET_QUALITATIVE: return "qualitative";
    case FC_TARGET_UNPARSED: return "unparsed";
    }
    return "unparsed";
}

bool fc_target_kind_parse(const char *name, fc_target_kind *kind)
{
    static const fc_target_kind all[] = {FC_TARGET_EMPTY, FC_TARGET_QUANTITATIVE,
                                         FC_TARGET_QUALITATIVE, FC_TARGET_UNPARSED};
    for (size_t i = 0; i < COUNT(all); i++)
        if (strcmp(name, fc_target_kind_name(all[i])) == 0) {
            *kind = all[i];
            return true;
        }
    return false;
}

const char *fc_target_cmp_symbol(fc_target_cmp cmp)
{
    switch (cmp) {
    case FC_CMP_NONE: return "";
    case FC_CMP_EQ: return "=";
    case FC_CMP_GT: return ">";
    case FC_CMP_GE: return "\xE2\x89\xA5"; /* ≥ */
    case FC_CMP_LT: return "<";
    case FC_CMP_LE: return "\xE2\x89\xA4"; /* ≤ */
    }
    return "";
}

bool fc_target_cmp_parse(const char *symbol, fc_target_cmp *cmp)
{
    static const fc_target_cmp all[] = {FC_CMP_EQ, FC_CMP_GT, FC_CMP_GE, FC_CMP_LT, FC_CMP_LE};
    for (size_t i = 0; i < COUNT(all); i++)
        if (strcmp(symbol, fc_target_cmp_symbol(all[i])) == 0) {
            *cmp = all[i];
            return true;
        }
    if (strcmp(symbol, ">=") == 0) {
        *cmp = FC_CMP_GE;
        return true;
    }
    if (strcmp(symbol, "<=") == 0) {
        *cmp = FC_CMP_LE;
        return true;
    }
    return false;
}
