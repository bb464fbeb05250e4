/*
 * xlsx_numfmt.c - number formats: the text a spreadsheet displays for a
 * number stored in a cell.
 *
 * A workbook stores 71.9 and a format code `0.000000`; the form means the
 * text "71.900000". This engine compiles format codes into tokens and
 * renders numbers the way Excel does: the value is first rounded to 15
 * significant digits (so 71.90000000000001 is 71.9), then rounded half away
 * from zero to the decimals the format shows. Supported: General, digit
 * placeholders 0 # ?, decimal point, thousands separators and scaling
 * commas, percent, scientific E+00, literal text ("年", \x, _x, $ - + ( )
 * and any other character), [$¥-804] currency, colours, conditions, up to
 * four sections, @, and dates and times (y m d h s, AM/PM, 上午/下午,
 * [h] [m] [s], fractional seconds). Fractions (# ?/?) and anything else
 * the engine does not understand are shown as General.
 *
 * Conversions between numbers and text use the C locale through
 * uselocale(), so LC_NUMERIC never changes a digit or the decimal point.
 */
#include <locale.h>
#include <math.h> /* isfinite only: no libm functions are called */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlsx.h"

/* Sections a format code may have: positive; negative; zero; text. */
#define MAX_SECTIONS 4
/* Significant digits a spreadsheet keeps. */
#define SIG_DIGITS 15
/* Largest serial day number a date format shows (9999-12-31). */
#define MAX_SERIAL 2958465.999999

/* What a token stands for. */
typedef enum tok_kind {
    TK_LIT = 0,   /* literal text (offset/len into the format's text store) */
    TK_DIGIT,     /* a digit placeholder: ch is '0', '#' or '?' */
    TK_DOT,       /* the decimal point */
    TK_COMMA,     /* a thousands separator or, trailing, a scale by 1000 */
    TK_PERCENT,   /* '%': multiplies by 100 and shows '%' */
    TK_EXP,       /* E+ or E-: ch is '+' or '-' */
    TK_AT,        /* '@': the value as General */
    TK_GENERAL,   /* the word General inside a section */
    TK_DATE       /* a date or time part: see date_part */
} tok_kind;

/* Date and time parts. */
typedef enum date_part {
    DP_YEAR2, DP_YEAR4, DP_MONTH, DP_MONTH2, DP_MONTH_ABBR, DP_MONTH_NAME, DP_MONTH_LETTER,
    DP_DAY, DP_DAY2, DP_WEEKDAY_ABBR, DP_WEEKDAY_NAME, DP_WEEKDAY_CN, DP_WEEKDAY_CN_LONG,
    DP_HOUR, DP_HOUR2, DP_MINUTE, DP_MINUTE2, DP_SECOND, DP_SECOND2, DP_FRACSEC,
    DP_ELAPSED_H, DP_ELAPSED_M, DP_ELAPSED_S, DP_AMPM, DP_AP, DP_AMPM_CN
} date_part;

/* One token of a section. */
typedef struct tok {
    tok_kind kind;     /* what it is */
    char ch;           /* TK_DIGIT: placeholder; TK_EXP: sign character */
    int part;          /* TK_DATE: a date_part */
    int width;         /* TK_DATE: digits (fractional seconds, elapsed padding) */
    size_t off;        /* TK_LIT: offset of the text in fmt->text */
    size_t len;        /* TK_LIT: its length */
} tok;

/* Comparison of a conditional section such as [>=100]. */
typedef enum cond_op { CO_NONE = 0, CO_LT, CO_LE, CO_GT, CO_GE, CO_EQ, CO_NE } cond_op;

/* One section of a format. */
typedef struct section {
    tok *toks;        /* its tokens */
    size_t count;     /* number of tokens */
    size_t cap;       /* allocated tokens */
    cond_op op;       /* condition, CO_NONE when there is none */
    double operand;   /* the condition's number */
    bool is_date;     /* shows a date or time */
    bool hour12;      /* has AM/PM: hours run 1-12 */
    bool unsupported; /* uses something the engine cannot show: General instead */
    int int_ph;       /* digit placeholders before the decimal point (or exponent) */
    int frac_ph;      /* digit placeholders after the decimal point */
    int exp_ph;       /* digit placeholders of the exponent */
    bool grouping;    /* thousands separators */
    int scale;        /* trailing commas: divide by 1000 this many times */
    int percent;      /* '%' signs: multiply by 100 this many times */
    bool int_hash;    /* the integer placeholders include '#' (engineering exponent) */
} section;

struct fc_numfmt {
    section sec[MAX_SECTIONS]; /* the sections */
    int nsec;                  /* how many (0: General) */
    char *text;                /* literal text store */
    size_t text_len;           /* bytes used */
    size_t text_cap;           /* bytes allocated */
    bool date;                 /* the first section shows a date */
};

/* ---- locale-independent conversions --------------------------------- */

/* |v| without libm. */
static double abs_value(double v)
{
    return v < 0 ? -v : v;
}

/* The largest whole number not above v, for |v| < 2^62 (serials, counts). */
static double floor_value(double v)
{
    double t = (double)(long long)v;
    return t > v ? t - 1 : t;
}

/* The C locale for number conversions, made once per process. */
static locale_t c_locale(void)
{
    static locale_t loc;
    if (!loc)
        loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    return loc;
}

bool fc_numfmt_parse_number(const char *text, size_t len, double *value)
{
    char buf[128];
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    while (len > i && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                       text[len - 1] == '\r'))
        len--;
    if (i >= len || len - i >= sizeof buf)
        return false;
    /* Check the syntax first: strtod would also take hex, inf and nan. */
    size_t j = i;
    if (text[j] == '+' || text[j] == '-')
        j++;
    size_t digits = 0;
    while (j < len && text[j] >= '0' && text[j] <= '9') {
        j++;
        digits++;
    }
    if (j < len && text[j] == '.') {
        j++;
        while (j < len && text[j] >= '0' && text[j] <= '9') {
            j++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (j < len && (text[j] == 'e' || text[j] == 'E')) {
        j++;
        if (j < len && (text[j] == '+' || text[j] == '-'))
            j++;
        size_t exp_digits = 0;
        while (j < len && text[j] >= '0' && text[j] <= '9') {
            j++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return false;
    }
    if (j != len)
        return false;
    memcpy(buf, text + i, len - i);
    buf[len - i] = '\0';
    locale_t loc = c_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    double v = strtod(buf, NULL);
    if (loc)
        uselocale(old);
    if (!isfinite(v))
        return false;
    *value = v;
    return true;
}

/* A non-negative number as decimal digits: d[0].d[1]d[2]... x 10^e, no
 * leading or trailing zeros; n == 0 means zero. */
typedef struct decimal {
    char d[SIG_DIGITS + 2]; /* the digits (not NUL-terminated) */
    int n;                  /* how many */
    int e;                  /* decimal exponent of d[0] */
} decimal;

/* Rounds |v| to 15 significant digits. */
static void decimal_from(double v, decimal *out)
{
    out->n = 0;
    out->e = 0;
    v = abs_value(v);
    if (v == 0 || !isfinite(v))
        return;
    char buf[64];
    locale_t loc = c_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    snprintf(buf, sizeof buf, "%.*e", SIG_DIGITS - 1, v);
    if (loc)
        uselocale(old);
    const char *p = buf;
    while (*p && *p != 'e' && *p != 'E') {
        if (*p >= '0' && *p <= '9' && out->n < SIG_DIGITS)
            out->d[out->n++] = *p;
        p++;
    }
    out->e = (*p) ? atoi(p + 1) : 0;
    while (out->n > 0 && out->d[out->n - 1] == '0')
        out->n--;
    if (out->n == 0)
        out->e = 0;
}

/* Rounds half away from zero to `decimals` digits after the point. */
static void decimal_round(decimal *x, int decimals)
{
    if (x->n == 0)
        return;
    long keep = (long)x->e + 1 + decimals;
    if (keep >= x->n)
        return;
    if (keep < 0) {
        x->n = 0;
        x->e = 0;
        return;
    }
    bool up = x->d[keep] >= '5';
    x->n = (int)keep;
    if (up) {
        int i = x->n - 1;
        while (i >= 0 && x->d[i] == '9') {
            x->d[i] = '0';
            i--;
        }
        if (i >= 0) {
            x->d[i]++;
        } else {
            /* 9.99 -> 10: one digit, exponent up. */
            x->d[0] = '1';
            x->n = 1;
            x->e++;
        }
    }
    while (x->n > 0 && x->d[x->n - 1] == '0')
        x->n--;
    if (x->n == 0)
        x->e = 0;
}

/* Digit at decimal position `p` (10^p) of x. */
static char decimal_digit(const decimal *x, long p)
{
    long i = (long)x->e - p;
    return (i >= 0 && i < x->n) ? x->d[i] : '0';
}

/* Appends the integer digits of x (nothing when x < 1). */
static bool append_int_digits(const decimal *x, fc_buf *out)
{
    if (x->n == 0 || x->e < 0)
        return true;
    for (long p = x->e; p >= 0; p--) {
        char c = decimal_digit(x, p);
        if (!fc_buf_append(out, &c, 1))
            return false;
    }
    return true;
}

/* Appends |v| as General: 15 significant digits, no trailing zeros,
 * scientific notation outside 1e-9 .. 1e15. */
static bool append_general(double v, fc_buf *out)
{
    decimal x;
    decimal_from(v, &x);
    if (x.n == 0)
        return fc_buf_append(out, "0", 1);
    if (x.e >= SIG_DIGITS || x.e < -9) {
        char exp[16];
        snprintf(exp, sizeof exp, "E%c%02d", x.e < 0 ? '-' : '+', x.e < 0 ? -x.e : x.e);
        bool ok = fc_buf_append(out, x.d, 1);
        if (ok && x.n > 1)
            ok = fc_buf_append(out, ".", 1) && fc_buf_append(out, x.d + 1, (size_t)x.n - 1);
        return ok && fc_buf_append(out, exp, strlen(exp));
    }
    bool ok = true;
    if (x.e < 0)
        ok = fc_buf_append(out, "0", 1);
    else
        ok = append_int_digits(&x, out);
    long last = (long)x.e - (x.n - 1); /* exponent of the last digit */
    if (ok && last < 0) {
        ok = fc_buf_append(out, ".", 1);
        for (long p = -1; ok && p >= last; p--) {
            char c = decimal_digit(&x, p);
            ok = fc_buf_append(out, &c, 1);
        }
    }
    return ok;
}

/* ---- compiling ------------------------------------------------------ */

static const char *const builtin_codes[] = {
    [0] = "General",
    [1] = "0",
    [2] = "0.00",
    [3] = "#,##0",
    [4] = "#,##0.00",
    [5] = "\"\xC2\xA5\"#,##0;\"\xC2\xA5\"\\-#,##0",
    [6] = "\"\xC2\xA5\"#,##0;[Red]\"\xC2\xA5\"\\-#,##0",
    [7] = "\"\xC2\xA5\"#,##0.00;\"\xC2\xA5\"\\-#,##0.00",
    [8] = "\"\xC2\xA5\"#,##0.00;[Red]\"\xC2\xA5\"\\-#,##0.00",
    [9] = "0%",
    [10] = "0.00%",
    [11] = "0.00E+00",
    [12] = "# ?/?",
    [13] = "# ?\?/?\?",
    [14] = "yyyy/m/d",
    [15] = "d-mmm-yy",
    [16] = "d-mmm",
    [17] = "mmm-yy",
    [18] = "h:mm AM/PM",
    [19] = "h:mm:ss AM/PM",
    [20] = "h:mm",
    [21] = "h:mm:ss",
    [22] = "yyyy/m/d h:mm",
    [27] = "yyyy\"年\"m\"月\"",
    [28] = "m\"月\"d\"日\"",
    [29] = "m\"月\"d\"日\"",
    [30] = "m-d-yy",
    [31] = "yyyy\"年\"m\"月\"d\"日\"",
    [32] = "h\"时\"mm\"分\"",
    [33] = "h\"时\"mm\"分\"ss\"秒\"",
    [34] = "上午/下午h\"时\"mm\"分\"",
    [35] = "上午/下午h\"时\"mm\"分\"ss\"秒\"",
    [36] = "yyyy\"年\"m\"月\"",
    [37] = "#,##0 ;(#,##0)",
    [38] = "#,##0 ;[Red](#,##0)",
    [39] = "#,##0.00;(#,##0.00)",
    [40] = "#,##0.00;[Red](#,##0.00)",
    [41] = "_(* #,##0_);_(* \\(#,##0\\);_(* \"-\"_);_(@_)",
    [42] = "_(\"\xC2\xA5\"* #,##0_);_(\"\xC2\xA5\"* \\(#,##0\\);_(\"\xC2\xA5\"* \"-\"_);_(@_)",
    [43] = "_(* #,##0.00_);_(* \\(#,##0.00\\);_(* \"-\"?\?_);_(@_)",
    [44] = "_(\"\xC2\xA5\"* #,##0.00_);_(\"\xC2\xA5\"* \\(#,##0.00\\);_(\"\xC2\xA5\"* \"-\"?\?_);_(@_)",
    [45] = "mm:ss",
    [46] = "[h]:mm:ss",
    [47] = "mm:ss.0",
    [48] = "##0.0E+0",
    [49] = "@",
    [50] = "yyyy\"年\"m\"月\"",
    [51] = "m\"月\"d\"日\"",
    [52] = "yyyy\"年\"m\"月\"",
    [53] = "m\"月\"d\"日\"",
    [54] = "m\"月\"d\"日\"",
    [55] = "上午/下午h\"时\"mm\"分\"",
    [56] = "上午/下午h\"时\"mm\"分\"ss\"秒\"",
    [57] = "yyyy\"年\"m\"月\"",
    [58] = "m\"月\"d\"日\"",
};

const char *fc_numfmt_builtin(unsigned id)
{
    if (id >= sizeof builtin_codes / sizeof builtin_codes[0])
        return NULL;
    return builtin_codes[id];
}

/* Appends a token to a section. */
static bool add_tok(section *s, tok t)
{
    if (s->count == s->cap) {
        size_t want = s->cap ? s->cap * 2 : 16;
        tok *bigger = realloc(s->toks, want * sizeof *bigger);
        if (!bigger)
            return false;
        s->toks = bigger;
        s->cap = want;
    }
    s->toks[s->count++] = t;
    return true;
}

/* Appends literal text as a token (merging with a literal just before). */
static bool add_lit(fc_numfmt *f, section *s, const char *text, size_t len)
{
    if (len == 0)
        return true;
    if (f->text_len + len > f->text_cap) {
        size_t want = (f->text_cap ? f->text_cap * 2 : 64) + len;
        char *bigger = realloc(f->text, want);
        if (!bigger)
            return false;
        f->text = bigger;
        f->text_cap = want;
    }
    memcpy(f->text + f->text_len, text, len);
    if (s->count > 0 && s->toks[s->count - 1].kind == TK_LIT &&
        s->toks[s->count - 1].off + s->toks[s->count - 1].len == f->text_len) {
        s->toks[s->count - 1].len += len;
        f->text_len += len;
        return true;
    }
    tok t = {.kind = TK_LIT, .off = f->text_len, .len = len};
    f->text_len += len;
    return add_tok(s, t);
}

/* Length of the UTF-8 character starting at p (1 for a stray byte). */
static size_t char_len(const char *p, const char *end)
{
    unsigned char c = (unsigned char)*p;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return (size_t)(end - p) < n ? (size_t)(end - p) : n;
}

/* Case-insensitive prefix test of ASCII `word` at p. */
static bool has_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = p[i], b = word[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* Lower-case ASCII letter of c. */
static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Adds a date token. */
static bool add_date(section *s, date_part part, int width)
{
    tok t = {.kind = TK_DATE, .part = (int)part, .width = width};
    s->is_date = true;
    return add_tok(s, t);
}

/* Reads a bracketed item [..] (p points after '['). */
static bool compile_bracket(fc_numfmt *f, section *s, const char *p, const char *close)
{
    size_t len = (size_t)(close - p);
    if (len == 0)
        return true;
    if (p[0] == '$') {
        /* [$¥-804]: a currency symbol and a locale; show the symbol. */
        const char *dash = memchr(p + 1, '-', len - 1);
        return add_lit(f, s, p + 1, (size_t)((dash ? dash : close) - (p + 1)));
    }
    char c = lower(p[0]);
    bool same = true;
    for (size_t i = 1; i < len; i++)
        if (lower(p[i]) != c)
            same = false;
    if (same && (c == 'h' || c == 'm' || c == 's'))
        return add_date(s, c == 'h' ? DP_ELAPSED_H : c == 'm' ? DP_ELAPSED_M : DP_ELAPSED_S,
                        (int)len);
    if (p[0] == '<' || p[0] == '>' || p[0] == '=') {
        cond_op op;
        size_t k = 1;
        if (p[0] == '<' && len > 1 && p[1] == '=') {
            op = CO_LE;
            k = 2;
        } else if (p[0] == '<' && len > 1 && p[1] == '>') {
            op = CO_NE;
            k = 2;
        } else if (p[0] == '>' && len > 1 && p[1] == '=') {
            op = CO_GE;
            k = 2;
        } else {
            op = p[0] == '<' ? CO_LT : p[0] == '>' ? CO_GT : CO_EQ;
        }
        double v;
        if (fc_numfmt_parse_number(p + k, len - k, &v)) {
            s->op = op;
            s->operand = v;
        }
        return true;
    }
    return true; /* colours, [DBNum1], locales: no effect on the text here */
}

/* Compiles one section [p, end). */
static bool compile_section(fc_numfmt *f, section *s, const char *p, const char *end)
{
    bool seen_dot = false, seen_exp = false;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
            const char *stop = q ? q : end;
            if (!add_lit(f, s, p + 1, (size_t)(stop - (p + 1))))
                return false;
            p = q ? q + 1 : end;
            continue;
        }
        if (c == '\\') {
            if (p + 1 < end) {
                size_t n = char_len(p + 1, end);
                if (!add_lit(f, s, p + 1, n))
                    return false;
                p += 1 + n;
            } else {
                p++;
            }
            continue;
        }
        if (c == '_') {
            if (!add_lit(f, s, " ", 1))
                return false;
            p += 1 + (p + 1 < end ? char_len(p + 1, end) : 0);
            continue;
        }
        if (c == '*') {
            p += 1 + (p + 1 < end ? char_len(p + 1, end) : 0);
            continue;
        }
        if (c == '[') {
            const char *close = memchr(p, ']', (size_t)(end - p));
            if (!close) {
                p = end;
                continue;
            }
            if (!compile_bracket(f, s, p + 1, close))
                return false;
            p = close + 1;
            continue;
        }
        if (has_word(p, end, "General")) {
            tok t = {.kind = TK_GENERAL};
            if (!add_tok(s, t))
                return false;
            p += 7;
            continue;
        }
        if (c == '0' || c == '#' || c == '?') {
            tok t = {.kind = TK_DIGIT, .ch = c};
            if (!add_tok(s, t))
                return false;
            if (seen_exp)
                s->exp_ph++;
            else if (seen_dot)
                s->frac_ph++;
            else {
                s->int_ph++;
                if (c == '#')
                    s->int_hash = true;
            }
            p++;
            continue;
        }
        if (c == '.') {
            /* Fractional seconds: ss.0 */
            if (s->is_date && s->count && s->toks[s->count - 1].kind == TK_DATE &&
                (s->toks[s->count - 1].part == DP_SECOND || s->toks[s->count - 1].part == DP_SECOND2) &&
                p + 1 < end && p[1] == '0') {
                int w = 0;
                p++;
                while (p < end && *p == '0') {
                    w++;
                    p++;
                }
                if (!add_date(s, DP_FRACSEC, w > 3 ? 3 : w))
                    return false;
                continue;
            }
            if (seen_dot || seen_exp) {
                if (!add_lit(f, s, ".", 1))
                    return false;
            } else {
                tok t = {.kind = TK_DOT};
                if (!add_tok(s, t))
                    return false;
                seen_dot = true;
            }
            p++;
            continue;
        }
        if (c == ',') {
            tok t = {.kind = TK_COMMA};
            if (!add_tok(s, t))
                return false;
            p++;
            continue;
        }
        if (c == '%') {
            tok t = {.kind = TK_PERCENT};
            if (!add_tok(s, t))
                return false;
            s->percent++;
            p++;
            continue;
        }
        if ((c == 'E' || c == 'e') && p + 1 < end && (p[1] == '+' || p[1] == '-') && !seen_exp) {
            tok t = {.kind = TK_EXP, .ch = p[1]};
            if (!add_tok(s, t))
                return false;
            seen_exp = true;
            p += 2;
            continue;
        }
        if (c == '@') {
            tok t = {.kind = TK_AT};
            if (!add_tok(s, t))
                return false;
            p++;
            continue;
        }
        if (c == '/' && s->count && s->toks[s->count - 1].kind == TK_DIGIT && p + 1 < end &&
            (p[1] == '0' || p[1] == '#' || p[1] == '?' || (p[1] >= '1' && p[1] <= '9'))) {
            s->unsupported = true; /* a fraction */
            p++;
            continue;
        }
        if (has_word(p, end, "AM/PM")) {
            s->hour12 = true;
            if (!add_date(s, DP_AMPM, 0))
                return false;
            p += 5;
            continue;
        }
        if (has_word(p, end, "A/P")) {
            s->hour12 = true;
            if (!add_date(s, DP_AP, 0))
                return false;
            p += 3;
            continue;
        }
        if ((size_t)(end - p) >= 13 && memcmp(p, "上午/下午", 13) == 0) {
            s->hour12 = true;
            if (!add_date(s, DP_AMPM_CN, 0))
                return false;
            p += 13;
            continue;
        }
        char lc = lower(c);
        if (lc == 'y' || lc == 'm' || lc == 'd' || lc == 'h' || lc == 's' || lc == 'e' ||
            (lc == 'a' && has_word(p, end, "aaa"))) {
            int run = 0;
            while (p < end && lower(*p) == lc) {
                run++;
                p++;
            }
            date_part part;
            switch (lc) {
            case 'y':
                part = run <= 2 ? DP_YEAR2 : DP_YEAR4;
                break;
            case 'e':
                part = DP_YEAR4;
                break;
            case 'm':
                part = run == 1 ? DP_MONTH : run == 2 ? DP_MONTH2 : run == 3 ? DP_MONTH_ABBR
                       : run == 4 ? DP_MONTH_NAME : DP_MONTH_LETTER;
                break;
            case 'd':
                part = run == 1 ? DP_DAY : run == 2 ? DP_DAY2 : run == 3 ? DP_WEEKDAY_ABBR
                                                                  : DP_WEEKDAY_NAME;
                break;
            case 'h':
                part = run == 1 ? DP_HOUR : DP_HOUR2;
                break;
            case 's':
                part = run == 1 ? DP_SECOND : DP_SECOND2;
                break;
            default: /* aaa, aaaa */
                part = run == 3 ? DP_WEEKDAY_CN : DP_WEEKDAY_CN_LONG;
                break;
            }
            if (!add_date(s, part, run))
                return false;
            continue;
        }
        size_t n = char_len(p, end);
        if (!add_lit(f, s, p, n))
            return false;
        p += n;
    }
    /* m and mm after hours or before seconds are minutes. */
    int prev_date = -1;
    for (size_t i = 0; i < s->count; i++) {
        tok *t = &s->toks[i];
        if (t->kind != TK_DATE)
            continue;
        if (t->part == DP_MONTH || t->part == DP_MONTH2) {
            bool minute = prev_date >= 0 && (s->toks[prev_date].part == DP_HOUR ||
                                              s->toks[prev_date].part == DP_HOUR2 ||
                                              s->toks[prev_date].part == DP_ELAPSED_H);
            for (size_t k = i + 1; !minute && k < s->count; k++) {
                if (s->toks[k].kind != TK_DATE)
                    continue;
                minute = s->toks[k].part == DP_SECOND || s->toks[k].part == DP_SECOND2;
                break;
            }
            if (minute)
                t->part = t->part == DP_MONTH ? DP_MINUTE : DP_MINUTE2;
        }
        prev_date = (int)i;
    }
    /* Commas: between integer placeholders they group thousands; right
     * after the last placeholder of the number they divide it by 1000;
     * elsewhere (before any digit) they are literal. */
    if (!s->is_date) {
        long last_num = -1; /* last digit placeholder before the exponent */
        for (size_t i = 0; i < s->count && s->toks[i].kind != TK_EXP; i++)
            if (s->toks[i].kind == TK_DIGIT)
                last_num = (long)i;
        bool before_dot = true;
        bool seen_digit = false;
        for (size_t i = 0; i < s->count; i++) {
            tok *t = &s->toks[i];
            if (t->kind == TK_DOT || t->kind == TK_EXP)
                before_dot = false;
            else if (t->kind == TK_DIGIT)
                seen_digit = true;
            if (t->kind != TK_COMMA)
                continue;
            if (!seen_digit)
                t->ch = ','; /* shown as is */
            else if ((long)i > last_num)
                s->scale++;
            else if (before_dot)
                s->grouping = true;
        }
    }
    return true;
}

fc_numfmt *fc_numfmt_compile(const char *code, size_t len)
{
    fc_numfmt *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    const char *p = code, *end = code + len;
    /* General alone (any case) needs no sections. */
    if (len == 7 && has_word(code, end, "General"))
        return f;
    const char *start = p;
    bool quoted = false, bracket = false;
    while (f->nsec < MAX_SECTIONS) {
        if (p == end || (!quoted && !bracket && *p == ';')) {
            if (!compile_section(f, &f->sec[f->nsec], start, p)) {
                fc_numfmt_free(f);
                return NULL;
            }
            f->nsec++;
            if (p == end)
                break;
            start = ++p;
            continue;
        }
        if (*p == '\\' && !quoted && p + 1 < end) {
            p += 2;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == '[')
            bracket = true;
        else if (!quoted && *p == ']')
            bracket = false;
        p++;
    }
    f->date = f->nsec > 0 && f->sec[0].is_date;
    return f;
}

void fc_numfmt_free(fc_numfmt *fmt)
{
    if (!fmt)
        return;
    for (int i = 0; i < MAX_SECTIONS; i++)
        free(fmt->sec[i].toks);
    free(fmt->text);
    free(fmt);
}

bool fc_numfmt_is_date(const fc_numfmt *fmt)
{
    return fmt && fmt->date;
}

bool fc_numfmt_is_general(const fc_numfmt *fmt)
{
    if (!fmt || fmt->nsec == 0)
        return true;
    const section *s = &fmt->sec[0];
    return s->count == 1 && (s->toks[0].kind == TK_GENERAL || s->toks[0].kind == TK_AT);
}

/* ---- rendering numbers ---------------------------------------------- */

/* True when the condition of `s` holds for v. */
static bool cond_holds(const section *s, double v)
{
    switch (s->op) {
    case CO_LT: return v < s->operand;
    case CO_LE: return v <= s->operand;
    case CO_GT: return v > s->operand;
    case CO_GE: return v >= s->operand;
    case CO_EQ: return v == s->operand;
    case CO_NE: return v != s->operand;
    default: return true;
    }
}

/* Picks the section for v; *minus says a '-' must be shown in front. */
static const section *pick_section(const fc_numfmt *f, double v, bool *minus)
{
    *minus = false;
    if (f->nsec <= 1) {
        *minus = v < 0;
        return &f->sec[0];
    }
    int n = f->nsec < 3 ? f->nsec : 3; /* sections for numbers */
    bool conditional = false;
    for (int i = 0; i < n; i++)
        if (f->sec[i].op != CO_NONE)
            conditional = true;
    if (!conditional) {
        if (v > 0 || (v == 0 && f->nsec == 2))
            return &f->sec[0];
        return v < 0 ? &f->sec[1] : &f->sec[2];
    }
    const section *chosen = NULL;
    for (int i = 0; i < n && !chosen; i++)
        if (f->sec[i].op != CO_NONE && cond_holds(&f->sec[i], v))
            chosen = &f->sec[i];
    for (int i = 0; i < n && !chosen; i++)
        if (f->sec[i].op == CO_NONE)
            chosen = &f->sec[i];
    if (!chosen)
        chosen = &f->sec[n - 1];
    /* A section meant for negative numbers shows no sign of its own. */
    bool negative_section = (chosen->op == CO_LT || chosen->op == CO_LE) && chosen->operand <= 0;
    *minus = v < 0 && !negative_section && chosen == &f->sec[0];
    return chosen;
}

/* Appends a number with at least `width` digits. */
static bool append_uint(fc_buf *out, unsigned long v, int width)
{
    char buf[48];
    if (width > 24)
        width = 24; /* a format may ask for any number of zeros */
    int n = snprintf(buf, sizeof buf, "%0*lu", width < 0 ? 0 : width, v);
    return n > 0 && (size_t)n < sizeof buf && fc_buf_append(out, buf, (size_t)n);
}

/* Appends the placeholder's filler when it has no digit to show: '0'
 * shows a zero, '?' a space, '#' nothing. */
static bool append_filler(fc_buf *out, char placeholder)
{
    if (placeholder == '0')
        return fc_buf_append(out, "0", 1);
    if (placeholder == '?')
        return fc_buf_append(out, " ", 1);
    return true;
}

/* Places the integer digits `digits` (`len` of them) into the integer
 * placeholder at token `i` of `s`, the `seen`-th of s->int_ph (1-based);
 * *left counts the digits not yet placed. */
static bool place_integer(const section *s, size_t i, int seen, const char *digits, size_t len,
                          long *left, fc_buf *out)
{
    const tok *t = &s->toks[i];
    if (s->grouping) {
        if (seen > 1)
            return true; /* the first placeholder showed them all */
        long zeros = 0;  /* '0' placeholders: the least digits shown */
        for (size_t k = i; k < s->count && s->toks[k].kind != TK_DOT &&
                           s->toks[k].kind != TK_EXP; k++)
            if (s->toks[k].kind == TK_DIGIT && s->toks[k].ch == '0')
                zeros++;
        long n = (long)len > zeros ? (long)len : zeros;
        for (long k = 0; k < n; k++) {
            long idx = k - (n - (long)len);
            char c = idx >= 0 ? digits[idx] : '0';
            if (!fc_buf_append(out, &c, 1))
                return false;
            long after = n - k - 1;
            if (after > 0 && after % 3 == 0 && !fc_buf_append(out, ",", 1))
                return false;
        }
        *left = 0;
        return true;
    }
    int remaining = s->int_ph - seen + 1; /* placeholders from this one on */
    /* The first placeholders take any surplus digits; each one after that
     * takes one digit, right-aligned. */
    long take = remaining == 1 ? *left : *left - (remaining - 1);
    if (take <= 0)
        return append_filler(out, t->ch);
    size_t from = len - (size_t)*left;
    *left -= take;
    return fc_buf_append(out, digits + from, (size_t)take);
}

/* Renders a number section. */
static bool render_number(const fc_numfmt *f, const section *s, double v, bool minus,
                          fc_buf *out)
{
    size_t start = out->len;
    if (minus && !fc_buf_append(out, "-", 1))
        return false;
    decimal x;
    decimal_from(v, &x);
    if (x.n)
        x.e += 2 * s->percent - 3 * s->scale;
    int exponent = 0;
    if (s->exp_ph > 0) {
        /* Scientific: choose the exponent, then round the mantissa. */
        int int_digits = s->int_ph > 0 ? s->int_ph : 1;
        if (x.n) {
            int e;
            if (s->int_hash && int_digits > 1)
                e = x.e >= 0 ? x.e - x.e % int_digits
                             : -((-x.e + int_digits - 1) / int_digits) * int_digits;
            else
                e = x.e - (int_digits - 1);
            x.e -= e;
            decimal_round(&x, s->frac_ph);
            if (x.n && x.e >= int_digits) { /* 9.996 rounded up to 10.00 */
                int step = s->int_hash && int_digits > 1 ? int_digits : 1;
                e += step;
                x.e -= step;
            }
            exponent = e;
        }
    } else {
        decimal_round(&x, s->frac_ph);
    }
    char digits[400];
    size_t len = 0;
    if (x.n && x.e >= 0) {
        long top = x.e < (long)sizeof digits - 1 ? x.e : (long)sizeof digits - 2;
        for (long p = top; p >= 0; p--)
            digits[len++] = decimal_digit(&x, p);
    }
    long left = (long)len; /* integer digits not yet placed */
    int int_seen = 0, frac_seen = 0;
    bool in_exp = false, exp_done = false, any_digit = false;
    /* Last fraction position that shows a digit under '#' or '?'. */
    long frac_last = -1;
    for (long j = s->frac_ph - 1; j >= 0 && frac_last < 0; j--)
        if (decimal_digit(&x, -(j + 1)) != '0')
            frac_last = j;
    bool ok = true;
    for (size_t i = 0; ok && i < s->count; i++) {
        const tok *t = &s->toks[i];
        switch (t->kind) {
        case TK_LIT:
            ok = fc_buf_append(out, f->text + t->off, t->len);
            break;
        case TK_PERCENT:
            ok = fc_buf_append(out, "%", 1);
            break;
        case TK_COMMA:
            if (t->ch == ',')
                ok = fc_buf_append(out, ",", 1);
            break;
        case TK_DOT:
            ok = fc_buf_append(out, ".", 1);
            break;
        case TK_EXP:
            in_exp = true;
            ok = fc_buf_append(out, "E", 1);
            if (ok && (exponent < 0 || t->ch == '+'))
                ok = fc_buf_append(out, exponent < 0 ? "-" : "+", 1);
            break;
        case TK_GENERAL:
        case TK_AT:
            ok = append_general(v, out);
            any_digit = any_digit || v != 0;
            break;
        case TK_DIGIT:
            if (in_exp) {
                if (!exp_done)
                    ok = append_uint(out, (unsigned long)(exponent < 0 ? -exponent : exponent),
                                     s->exp_ph);
                exp_done = true;
            } else if (int_seen < s->int_ph) {
                ok = place_integer(s, i, ++int_seen, digits, len, &left, out);
            } else {
                long j = frac_seen++;
                char c = decimal_digit(&x, -(j + 1));
                ok = (j <= frac_last || t->ch == '0') ? fc_buf_append(out, &c, 1)
                                                      : append_filler(out, t->ch);
            }
            break;
        case TK_DATE:
            break;
        }
    }
    any_digit = any_digit || x.n > 0;
    if (ok && minus && !any_digit) {
        /* -0.001 shown as 0.00: no minus sign. */
        memmove(out->data + start, out->data + start + 1, out->len - start - 1);
        out->len--;
    }
    return ok;
}

/* ---- dates ---------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

/* Civil date of a day count since 1970-01-01. */
static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* The parts of a date-time. */
typedef struct date_time {
    long year;          /* year */
    unsigned month;     /* 1-12 */
    unsigned day;       /* 0-31 (0 only for Excel's day 0) */
    unsigned weekday;   /* 0 Sunday .. 6 Saturday */
    unsigned hour;      /* 0-23 */
    unsigned minute;    /* 0-59 */
    unsigned second;    /* 0-59 */
    unsigned millis;    /* 0-999 */
    double serial;      /* the serial number (for elapsed times) */
} date_time;

/* Splits serial `v` into a date-time; `ms` keeps milliseconds (else the
 * time is rounded to seconds). */
static void split_serial(double v, bool date1904, bool ms, date_time *dt)
{
    double days_f = floor_value(v);
    long days = (long)days_f;
    long total_ms = (long)((v - days_f) * 86400000.0 + 0.5);
    if (!ms)
        total_ms = (total_ms + 500) / 1000 * 1000;
    if (total_ms >= 86400000L) {
        total_ms -= 86400000L;
        days++;
    }
    dt->serial = v;
    dt->hour = (unsigned)(total_ms / 3600000L);
    dt->minute = (unsigned)(total_ms / 60000L % 60);
    dt->second = (unsigned)(total_ms / 1000 % 60);
    dt->millis = (unsigned)(total_ms % 1000);
    long epoch;
    if (date1904) {
        epoch = days_from_civil(1904, 1, 1) + days;
    } else if (days == 0) {
        dt->year = 1900;
        dt->month = 1;
        dt->day = 0;
        dt->weekday = 6;
        return;
    } else if (days == 60) {
        dt->year = 1900; /* Excel's 29 February 1900, a day that never was */
        dt->month = 2;
        dt->day = 29;
        dt->weekday = 3;
        return;
    } else if (days < 60) {
        epoch = days_from_civil(1899, 12, 31) + days;
    } else {
        epoch = days_from_civil(1899, 12, 30) + days;
    }
    civil_from_days(epoch, &dt->year, &dt->month, &dt->day);
    long wd = (epoch + 4) % 7; /* 1970-01-01 was a Thursday */
    dt->weekday = (unsigned)(wd < 0 ? wd + 7 : wd);
}

/* Renders a date section. */
static bool render_date(const fc_numfmt *f, const section *s, double v, bool date1904,
                        fc_buf *out)
{
    static const char *const months[] = {"January", "February", "March", "April", "May",
                                          "June", "July", "August", "September", "October",
                                          "November", "December"};
    static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    static const char *const cn_days[] = {"日", "一", "二", "三", "四", "五", "六"};
    bool ms = false;
    for (size_t i = 0; i < s->count; i++)
        if (s->toks[i].kind == TK_DATE && s->toks[i].part == DP_FRACSEC)
            ms = true;
    date_time dt;
    split_serial(v, date1904, ms, &dt);
    bool ok = true;
    unsigned hour = dt.hour;
    if (s->hour12) {
        hour = dt.hour % 12;
        if (hour == 0)
            hour = 12;
    }
    for (size_t i = 0; ok && i < s->count; i++) {
        const tok *t = &s->toks[i];
        if (t->kind == TK_LIT) {
            ok = fc_buf_append(out, f->text + t->off, t->len);
            continue;
        }
        if (t->kind == TK_DOT) {
            ok = fc_buf_append(out, ".", 1);
            continue;
        }
        if (t->kind == TK_PERCENT) {
            ok = fc_buf_append(out, "%", 1);
            continue;
        }
        if (t->kind == TK_DIGIT) {
            ok = fc_buf_append(out, t->ch == '0' ? "0" : "", t->ch == '0');
            continue;
        }
        if (t->kind == TK_GENERAL || t->kind == TK_AT) {
            ok = append_general(v, out);
            continue;
        }
        if (t->kind != TK_DATE)
            continue;
        const char *text = NULL;
        switch ((date_part)t->part) {
        case DP_YEAR2: ok = append_uint(out, (unsigned long)(dt.year % 100), 2); break;
        case DP_YEAR4: ok = append_uint(out, (unsigned long)dt.year, 4); break;
        case DP_MONTH: ok = append_uint(out, dt.month, 1); break;
        case DP_MONTH2: ok = append_uint(out, dt.month, 2); break;
        case DP_MONTH_ABBR: ok = fc_buf_append(out, months[dt.month - 1], 3); break;
        case DP_MONTH_NAME: text = months[dt.month - 1]; break;
        case DP_MONTH_LETTER: ok = fc_buf_append(out, months[dt.month - 1], 1); break;
        case DP_DAY: ok = append_uint(out, dt.day, 1); break;
        case DP_DAY2: ok = append_uint(out, dt.day, 2); break;
        case DP_WEEKDAY_ABBR: ok = fc_buf_append(out, days[dt.weekday], 3); break;
        case DP_WEEKDAY_NAME: text = days[dt.weekday]; break;
        case DP_WEEKDAY_CN: text = cn_days[dt.weekday]; break;
        case DP_WEEKDAY_CN_LONG:
            ok = fc_buf_append(out, "星期", strlen("星期"));
            text = cn_days[dt.weekday];
            break;
        case DP_HOUR: ok = append_uint(out, hour, 1); break;
        case DP_HOUR2: ok = append_uint(out, hour, 2); break;
        case DP_MINUTE: ok = append_uint(out, dt.minute, 1); break;
        case DP_MINUTE2: ok = append_uint(out, dt.minute, 2); break;
        case DP_SECOND: ok = append_uint(out, dt.second, 1); break;
        case DP_SECOND2: ok = append_uint(out, dt.second, 2); break;
        case DP_FRACSEC: {
            char buf[8];
            snprintf(buf, sizeof buf, "%03u", dt.millis);
            ok = fc_buf_append(out, ".", 1) && fc_buf_append(out, buf, (size_t)t->width);
            break;
        }
        case DP_ELAPSED_H:
        case DP_ELAPSED_M:
        case DP_ELAPSED_S: {
            double unit = t->part == DP_ELAPSED_H ? 24.0 : t->part == DP_ELAPSED_M ? 1440.0
                                                                                   : 86400.0;
            double total = floor_value(v * unit + (t->part == DP_ELAPSED_S ? 0.5 : 1e-9));
            ok = append_uint(out, (unsigned long)total, t->width);
            break;
        }
        case DP_AMPM: text = dt.hour < 12 ? "AM" : "PM"; break;
        case DP_AP: text = dt.hour < 12 ? "A" : "P"; break;
        case DP_AMPM_CN: text = dt.hour < 12 ? "上午" : "下午"; break;
        }
        if (ok && text)
            ok = fc_buf_append(out, text, strlen(text));
    }
    return ok;
}

bool fc_numfmt_format(const fc_numfmt *fmt, double value, bool date1904, fc_buf *out)
{
    if (!isfinite(value))
        return fc_buf_append(out, "#NUM!", 5); /* never stored by a spreadsheet */
    if (!fmt || fmt->nsec == 0) {
        if (value < 0 && !fc_buf_append(out, "-", 1))
            return false;
        return append_general(value, out);
    }
    bool minus;
    const section *s = pick_section(fmt, value, &minus);
    if (s->is_date) {
        if (value < 0 || value > MAX_SERIAL) {
            if (value < 0 && !fc_buf_append(out, "-", 1))
                return false;
            return append_general(value, out);
        }
        return render_date(fmt, s, value, date1904, out);
    }
    if (s->unsupported) {
        if (value < 0 && !fc_buf_append(out, "-", 1))
            return false;
        return append_general(value, out);
    }
    return render_number(fmt, s, value, minus, out);
}

/* ---- ISO dates (t="d" cells) ---------------------------------------- */

/* Reads `n` digits at *p (advancing it) into *v. */
static bool read_digits(const char **p, const char *end, int n, long *v)
{
    long r = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        r = r * 10 + (**p - '0');
        (*p)++;
    }
    *v = r;
    return true;
}

bool fc_numfmt_parse_iso_date(const char *text, size_t len, bool date1904, double *serial)
{
    const char *p = text, *end = text + len;
    long y, mo, d, h = 0, mi = 0, s = 0;
    double frac = 0;
    if (!read_digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
        !read_digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
        !read_digits(&p, end, 2, &d))
        return false;
    if (p < end && (*p == 'T' || *p == ' ')) {
        p++;
        if (!read_digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
            !read_digits(&p, end, 2, &mi))
            return false;
        if (p < end && *p == ':') {
            p++;
            if (!read_digits(&p, end, 2, &s))
                return false;
            if (p < end && *p == '.') {
                p++;
                double scale = 0.1;
                if (p >= end || *p < '0' || *p > '9')
                    return false;
                while (p < end && *p >= '0' && *p <= '9') {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
    }
    if (p < end && *p == 'Z')
        p++;
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
        return false;
    long days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    double serial_days;
    if (date1904) {
        serial_days = (double)(days - days_from_civil(1904, 1, 1));
    } else {
        serial_days = (double)(days - days_from_civil(1899, 12, 30));
        if (serial_days < 61)
            serial_days -= 1; /* before Excel's phantom 29 February 1900 */
    }
    if (serial_days < 0)
        return false;
    *serial = serial_days + ((double)h * 3600 + (double)mi * 60 + (double)s + frac) / 86400.0;
    return true;
}
