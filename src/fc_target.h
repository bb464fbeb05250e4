/*
 * fc_target.h - reading the target value of an indicator (绩效值).
 *
 * A target mixes a comparison, a number and a unit in one string, written in
 * many ways: 大于等于 90%, ≥95%, >=17600株, 90%以上, 1100 件以上, 不低于85%,
 * ≤65万元, ＝100%, 22 人, 2024 年; or it is qualitative: 良好, 达成预期指标.
 * The parser follows one grammar instead of a list of cases:
 *
 *   target   = [operator] number [unit] [qualifier]   (spaces allowed between)
 *            | words without digits                   (qualitative)
 *   operator = a comparison word or symbol, ASCII or fullwidth
 *              (大于等于 不低于 不少于 至少 达到 ≥ >= ＞＝ | 大于 高于 超过 > ＞ |
 *               小于等于 不超过 不高于 至多 ≤ <= | 小于 低于 少于 < | 等于 = ＝)
 *   number   = [-] digits [grouping by , in threes] [. digits]; ASCII or
 *              fullwidth digits, at most 20 digits
 *   unit     = 1 to 8 characters that are letters, CJK ideographs or unit
 *              signs (% ‰ ° ℃ ² ³ / · ㎡ ...); % and ‰ only on their own
 *   qualifier= 以上 及以上 或以上 (≥) | 以下 及以下 或以下 以内 之内 内 (≤)
 *
 * No operator means "=". An operator and a qualifier that disagree, text
 * before the operator, a second number, punctuation in the unit: the target
 * is UNPARSED, kept as written and never guessed. Blank text is EMPTY.
 */
#ifndef FC_TARGET_H
#define FC_TARGET_H

#include <stdbool.h>
#include <stddef.h>

/* How a target value reads. */
typedef enum fc_target_kind {
    FC_TARGET_EMPTY = 0,     /* blank: nothing written */
    FC_TARGET_QUANTITATIVE,  /* comparison, number and optional unit */
    FC_TARGET_QUALITATIVE,   /* words without any digit: 良好, 不超预算 */
    FC_TARGET_UNPARSED       /* anything else: kept as written only */
} fc_target_kind;

/* The comparison of a quantitative target (budget systems: computesign). */
typedef enum fc_target_cmp {
    FC_CMP_NONE = 0,  /* not quantitative */
    FC_CMP_EQ,        /* =  (等于, or no operator written) */
    FC_CMP_GT,        /* >  (大于, 高于, 超过) */
    FC_CMP_GE,        /* ≥  (大于等于, 不低于, 以上) */
    FC_CMP_LT,        /* <  (小于, 低于, 少于) */
    FC_CMP_LE         /* ≤  (小于等于, 不超过, 以下, 以内) */
} fc_target_cmp;

/* Room for a number: sign, 20 digits, point, NUL. */
#define FC_TARGET_NUMBER_MAX 24
/* Room for a unit: 8 characters of up to 4 bytes, NUL. */
#define FC_TARGET_UNIT_MAX 40

/* A parsed target. */
typedef struct fc_target {
    fc_target_kind kind;               /* how the text reads */
    fc_target_cmp cmp;                 /* QUANTITATIVE: the comparison; else FC_CMP_NONE */
    bool cmp_written;                  /* QUANTITATIVE: an operator or qualifier was
                                          written (false for "22 人": "=" implied) */
    char number[FC_TARGET_NUMBER_MAX]; /* QUANTITATIVE: the number in ASCII, grouping
                                          removed, digits as written ("17600", "71.9",
                                          "-5"); else "" */
    char unit[FC_TARGET_UNIT_MAX];     /* QUANTITATIVE: the unit with fullwidth ASCII
                                          folded ("％" -> "%"), "" when none; else "" */
} fc_target;

/* Parses `len` bytes of UTF-8 `text` (a target as written) into *out. Never
 * fails: what does not fit the grammar is FC_TARGET_UNPARSED. */
void fc_target_parse(const char *text, size_t len, fc_target *out);

/* Parses `len` bytes of `text` that should hold only a number (white space
 * around it allowed; ASCII or fullwidth digits; grouping commas; a sign).
 * On success writes the number as fc_target.number does into `out` (`cap`
 * bytes, at least FC_TARGET_NUMBER_MAX) and returns true. */
bool fc_target_number(const char *text, size_t len, char *out, size_t cap);

/* Writes the canonical form of the ASCII decimal `number` (as produced by
 * fc_target_number) into `out` (`cap` bytes): no leading zeros, no trailing
 * fraction zeros, no "-0" ("71.900000" -> "71.9", "0100" -> "100"). Returns
 * false when `number` is not such a decimal or does not fit. */
bool fc_decimal_canonical(const char *number, char *out, size_t cap);

/* True when the ASCII decimals `a` and `b` have the same value ("90" and
 * "90.0"). False when either is not a decimal. */
bool fc_decimal_equal(const char *a, const char *b);

/* Name of a kind: "empty", "quantitative", "qualitative", "unparsed". */
const char *fc_target_kind_name(fc_target_kind kind);

/* Parses a kind name as fc_target_kind_name writes it. Returns true and sets
 * *kind on success. */
bool fc_target_kind_parse(const char *name, fc_target_kind *kind);

/* Symbol of a comparison: "≥", ">", "≤", "<", "=" ("" for FC_CMP_NONE). */
const char *fc_target_cmp_symbol(fc_target_cmp cmp);

/* Parses a comparison symbol as fc_target_cmp_symbol writes it (also the
 * ASCII forms ">=" and "<="). Returns true and sets *cmp on success. */
bool fc_target_cmp_parse(const char *symbol, fc_target_cmp *cmp);

#endif
