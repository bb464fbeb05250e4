/*
 * fc_model.h - the in-memory model of a 部门项目支出预算绩效目标表 document.
 *
 * Every reader produces this model and every writer consumes it. A document
 * (fc_doc) holds its attachment label ("附件 2") and its forms; a form
 * (fc_form) holds its title, unit line, header fields, indicator table and
 * notes. All text is UTF-8, kept exactly as read: no trimming, no number
 * conversion. Readers stream: they hand one form at a time to a sink
 * (fc_converter.h) and may reuse it afterwards, so a document held whole in
 * memory (fc_doc.forms) is only for callers that ask for it.
 *
 * Ownership: a form owns every string it points to (they live in its arena)
 * and every array. Setters copy what they are given. Pointers into a form
 * stay valid until the form is reset or freed.
 */
#ifndef FC_MODEL_H
#define FC_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "fc_arena.h"
#include "fc_error.h"

/* The header fields that have a meaning of their own. Any other label is
 * FC_FIELD_OTHER and is kept with its label as written. */
typedef enum fc_field_key {
    FC_FIELD_OTHER = 0,    /* a label the template does not know (项目编码, 资金来源, ...) */
    FC_FIELD_NAME,         /* 项目名称: project name */
    FC_FIELD_DEPARTMENT,   /* 主管部门: department in charge */
    FC_FIELD_IMPLEMENTER,  /* 实施单位: implementing unit */
    FC_FIELD_ATTRIBUTE,    /* 项目属性: project attribute, "0101-一年期项目" */
    FC_FIELD_DURATION,     /* 项目期限: duration, "1 年" */
    FC_FIELD_DIVISION,     /* 项目主管处室: division in charge, "04-行政社保股" */
    FC_FIELD_AMOUNT,       /* 项目年度金额: annual amount in the unit, "71.900000" */
    FC_FIELD_GOAL,         /* 年度总体绩效目标 / 年度目标: overall annual goal (kpi_target) */
    FC_FIELD_MIDTERM_GOAL, /* 中期目标: the multi-year project's mid-term goal */
    FC_FIELD_FUND_TOTAL,   /* 年度资金总额: the year's funds in all (the fund breakdown) */
    FC_FIELD_FUND_FISCAL,  /* 其中：财政拨款: of which fiscal appropriation */
    FC_FIELD_FUND_OTHER,   /* 其他资金: other funds */
    FC_FIELD_KEY_COUNT     /* number of keys; not a key */
} fc_field_key;

/* One label/value pair of the form's header. */
typedef struct fc_field {
    fc_field_key key;   /* meaning of the label, or FC_FIELD_OTHER */
    const char *label;  /* the label as written, e.g. "项目名称" */
    const char *value;  /* the value as written; "" when the cell was empty */
    bool same_row;      /* laid out on the same row as the field before it */
    const char *group;  /* label of the block the field stands in, merged down its
                           rows on the left ("项目资金（万元）", "总体目标"), or NULL;
                           consecutive fields with equal groups share one block */
    bool label_above;   /* its label stands above its value (a row of labels, then
                           a row of values: 中期目标 | 年度目标 over their texts);
                           fields sharing a row share this */
} fc_field;

/* The columns an indicator table may have. The keyed ones (all but
 * FC_COL_EXTRA) appear at most once in a table. */
typedef enum fc_column_key {
    FC_COL_LEVEL1 = 0,      /* 一级指标: first-level category (findex) */
    FC_COL_LEVEL2,          /* 二级指标: second-level category (sindex) */
    FC_COL_NAME,            /* 三级指标: the indicator's name */
    FC_COL_TARGET,          /* 绩效值 / 指标值 / 年度指标值: the (annual) target value */
    FC_COL_MIDTERM_TARGET,  /* 中期指标值: the mid-term target of a multi-year project */
    FC_COL_SCORE,           /* 分值: the indicator's weight in points */
    FC_COL_EXPLANATION,     /* 指标解释: what the indicator measures and how */
    FC_COL_EXTRA            /* any other column (指标性质, 度量单位, 权重, ...) */
} fc_column_key;

/* One column of the indicator table, in the order the form shows them. */
typedef struct fc_column {
    fc_column_key key;      /* what the column holds */
    const char *header;     /* its header as written, e.g. "一级指标" */
    const char *subheader;  /* the text under it on a second header row, or NULL: a
                               header over two columns "指标标准或依据" with
                               "2021年实际实现值" and "预期2022年实现值" under it
                               is two columns with that header and one subheader each */
} fc_column;

/* One row of the indicator table. Categories are stored on every row (a
 * blank or merged-down cell in the source means "same as above" and is
 * resolved by the recognizer); layouts merge runs of equal values again. */
typedef struct fc_indicator {
    const char *level1;   /* first-level category as written, "1-产出指标"; may be "" */
    const char *level2;   /* second-level category as written, "11-数量指标"; may be "" */
    const char *name;     /* third-level indicator name; "" for an empty category row */
    const char *target;   /* target value as written, "大于等于 90%"; may be "" */
    const char *midterm_target; /* mid-term target as written; "" when none */
    const char *score;    /* 分值 as written, "10"; "" when none */
    const char *explanation; /* 指标解释 as written; "" when none */
    const char **extra;   /* values of the FC_COL_EXTRA columns in column order
                             (fc_form.extra_count of them); NULL when there are none */
} fc_indicator;

/* Number of keyed indicator columns (the keys before FC_COL_EXTRA). */
#define FC_COL_KEYED ((size_t)FC_COL_EXTRA)

/* Where a note stands relative to the form's parts. */
typedef enum fc_note_place {
    FC_NOTE_BEFORE_TITLE = 0, /* above the title (a second "附件 2", a caption) */
    FC_NOTE_IN_HEADER,        /* among the header fields, after `after_fields` of them */
    FC_NOTE_AFTER_TABLE       /* below the indicator table (填报人：, 注：) */
} fc_note_place;

/* A line around a form that is neither a field nor an indicator. */
typedef struct fc_note {
    fc_note_place place;   /* where it stands */
    size_t after_fields;   /* for FC_NOTE_IN_HEADER: number of fields above it */
    const char **cells;    /* its cells' text, left to right, empty ones kept */
    size_t cell_count;     /* number of cells (at least 1) */
} fc_note;

/* One form: a project's performance targets. */
typedef struct fc_form {
    fc_arena arena;             /* owns every string and the small arrays of indicators */
    const char *title;          /* "部门项目支出预算绩效目标表"; NULL when the form had none */
    const char *subtitle;       /* the line under the title, "（2022年度）"; NULL when none */
    const char *unit;           /* the whole unit line "单位：万元"; NULL when absent */
    fc_field *fields;           /* header fields in order */
    size_t field_count;         /* number of fields */
    size_t field_capacity;      /* allocated length of fields */
    fc_column *columns;         /* indicator table columns in order (at least the template's) */
    size_t column_count;        /* number of columns */
    size_t extra_count;         /* how many of them are FC_COL_EXTRA */
    const char *table_label;    /* the label merged down the left of the indicator table
                                   ("绩效指标", "年度绩效指标"); NULL when the table has none */
    fc_indicator *indicators;   /* indicator rows in order */
    size_t indicator_count;     /* number of indicator rows */
    size_t indicator_capacity;  /* allocated length of indicators */
    fc_note *notes;             /* notes in order of appearance */
    size_t note_count;          /* number of notes */
    size_t note_capacity;       /* allocated length of notes */
    const char *template_id;    /* id of the template the form follows ("2021"); NULL
                                   for the default template of the set in use */
    char origin[FC_ERROR_LOCATION_MAX]; /* where the form began in its source ("" if built) */
} fc_form;

/* A document: the attachment label and, when held in memory, its forms. */
typedef struct fc_doc {
    char *attachment;      /* "附件 2" as written, or NULL; owned (malloc) */
    fc_form **forms;       /* forms in order; owned; NULL while streaming */
    size_t form_count;     /* number of forms held */
    size_t form_capacity;  /* allocated length of forms */
} fc_doc;

/* Default byte limit of one form's arena: far above any real form, low
 * enough that a hostile input cannot exhaust memory through one form. */
#define FC_FORM_ARENA_LIMIT ((size_t)64 * 1024 * 1024)

/* Creates an empty form (no title, no unit, no fields, no columns). Returns
 * NULL when out of memory. Free it with fc_form_free. */
fc_form *fc_form_new(void);

/* Frees `form` and everything it owns. NULL is allowed. */
void fc_form_free(fc_form *form);

/* Empties `form` for reuse, keeping allocated capacity. */
void fc_form_reset(fc_form *form);

/* Copies `len` bytes of `text` into the form's arena, NUL-terminated.
 * Returns the copy or NULL when out of memory or over the form's limit. */
const char *fc_form_strdup(fc_form *form, const char *text, size_t len);

/* Sets the title (NULL clears it). Copies `text`. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_set_title(fc_form *form, const char *text, size_t len);

/* Sets the line under the title (NULL clears it). Copies `text`. Returns
 * FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_set_subtitle(fc_form *form, const char *text, size_t len);

/* Sets the label of the indicator table (NULL clears it). Copies `text`.
 * Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_set_table_label(fc_form *form, const char *text, size_t len);

/* Sets the id of the template the form follows (NULL: the default one).
 * Copies `id`. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_set_template(fc_form *form, const char *id);

/* Sets the unit line (NULL clears it). Copies `text`. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_set_unit(fc_form *form, const char *text, size_t len);

/* Appends a header field, copying label and value. `same_row` says it shares
 * the row of the previous field. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_add_field(fc_form *form, fc_field_key key,
                            const char *label, size_t label_len,
                            const char *value, size_t value_len, bool same_row);

/* Sets the block of the last field added: its group label (copied; NULL
 * for none) and whether its label stands above its value. Returns FC_OK,
 * FC_ERR_NOMEM, or FC_ERR_INTERNAL when the form has no field. */
fc_status fc_form_set_field_block(fc_form *form, const char *group, size_t group_len,
                                  bool label_above);

/* Returns the value of the first field with `key` (not FC_FIELD_OTHER), or
 * NULL when the form has none. The string belongs to the form. */
const char *fc_form_field(const fc_form *form, fc_field_key key);

/* Replaces the indicator columns with `count` copies of `columns` (headers
 * copied). Only allowed while the form has no indicators. Returns FC_OK,
 * FC_ERR_NOMEM, or FC_ERR_INTERNAL when indicators exist. */
fc_status fc_form_set_columns(fc_form *form, const fc_column *columns, size_t count);

/* Appends an indicator row, copying the strings. `extra` holds
 * form->extra_count values (NULL entries mean ""); it may be NULL when
 * extra_count is 0. NULL level/name/target mean "". Returns FC_OK or
 * FC_ERR_NOMEM. */
fc_status fc_form_add_indicator(fc_form *form, const char *level1,
                                const char *level2, const char *name,
                                const char *target, const char *const *extra);

/* Appends an indicator row from its keyed values, copying the strings:
 * `keyed[k]` is the value of column key k (FC_COL_LEVEL1 .. before
 * FC_COL_EXTRA; NULL entries mean ""), `extra` as for fc_form_add_indicator.
 * Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_add_keyed(fc_form *form, const char *const keyed[FC_COL_KEYED],
                            const char *const *extra);

/* Like fc_form_add_keyed, but the strings already belong to the form (see
 * fc_form_push_indicator); nothing but `extra`'s array is copied. */
fc_status fc_form_push_keyed(fc_form *form, const char *const keyed[FC_COL_KEYED],
                             const char *const *extra);

/* The value of keyed column `key` of `row` ("" when unset); NULL for
 * FC_COL_EXTRA, whose values are in row->extra. */
const char *fc_indicator_value(const fc_indicator *row, fc_column_key key);

/* Appends an indicator row whose strings already belong to the form (they
 * came from fc_form_strdup or from another row of the same form); nothing is
 * copied. `extra` (form->extra_count entries, or NULL when there are none)
 * is copied. Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_form_push_indicator(fc_form *form, const char *level1, const char *level2,
                                 const char *name, const char *target,
                                 const char *const *extra);

/* Inserts a column with `key` and `header` (copied) before position `index`
 * (column_count appends). Existing indicator rows get "" in a new extra
 * column. Returns FC_OK, FC_ERR_NOMEM, or FC_ERR_INTERNAL for a keyed
 * column when indicators exist or for a bad index. */
fc_status fc_form_insert_column(fc_form *form, size_t index, fc_column_key key,
                                const char *header, size_t header_len);

/* Appends a note of `cell_count` (>= 1) cells, copying them. Returns FC_OK,
 * FC_ERR_NOMEM, or FC_ERR_INTERNAL when cell_count is 0. */
fc_status fc_form_add_note(fc_form *form, fc_note_place place,
                           size_t after_fields, const char *const *cells,
                           size_t cell_count);

/* Makes `dst` (an existing form, emptied first) a deep copy of `src`.
 * Returns FC_OK or FC_ERR_NOMEM (then `dst` is left empty). */
fc_status fc_form_copy(fc_form *dst, const fc_form *src);

/* True when the two forms hold the same text in the same places (origins
 * are not compared). */
bool fc_form_equal(const fc_form *a, const fc_form *b);

/* Index of the first column with `key`, or -1 when the form has none. */
int fc_form_column_index(const fc_form *form, fc_column_key key);

/* Creates an empty document. Returns NULL when out of memory. */
fc_doc *fc_doc_new(void);

/* Frees `doc`, its attachment label and every form it holds. NULL allowed. */
void fc_doc_free(fc_doc *doc);

/* Sets the attachment label (copied; NULL clears). Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_doc_set_attachment(fc_doc *doc, const char *text, size_t len);

/* Appends `form` to the document, which takes ownership of it (also on
 * failure, when it is freed). Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_doc_add_form(fc_doc *doc, fc_form *form);

/* How a code is glued to a name. */
typedef enum fc_code_style {
    FC_CODE_NONE = 0,   /* no code: the whole text is the name */
    FC_CODE_DASH,       /* "0101-一年期项目", "1-产出指标" */
    FC_CODE_BRACKET,    /* "[812]名称" */
    FC_CODE_LENTICULAR  /* "【812033】名称" */
} fc_code_style;

/* A code and a name found in a text; both point into that text. */
typedef struct fc_coded {
    fc_code_style style;  /* how they were glued */
    const char *code;     /* the code's first byte (NULL for FC_CODE_NONE) */
    size_t code_len;      /* its length in bytes */
    const char *name;     /* the name's first byte */
    size_t name_len;      /* its length in bytes */
} fc_coded;

/* Splits `len` bytes of `text` into code and name. A code is 1 to 32 ASCII
 * letters and digits containing at least one digit. The split is exact:
 * fc_code_join of the parts gives `text` back. A text that does not match
 * a style comes back as FC_CODE_NONE with the whole text as name. */
void fc_code_split(const char *text, size_t len, fc_coded *out);

/* Writes the text of `parts` (as fc_code_split would read it) into `buf` of
 * `size` bytes, NUL-terminated when size > 0. Returns the full length the
 * text needs (excluding the NUL), like snprintf. */
size_t fc_code_join(const fc_coded *parts, char *buf, size_t size);

/* Returns the style name "none", "dash", "bracket" or "lenticular". */
const char *fc_code_style_name(fc_code_style style);

/* Parses a style name as returned by fc_code_style_name. Returns true and
 * sets *style on success. */
bool fc_code_style_parse(const char *name, fc_code_style *style);

/* Returns the English identifier of a field key ("name", "department", ...,
 * "midterm-goal", "fund-total", "fund-fiscal", "fund-other"; "other" for
 * FC_FIELD_OTHER). */
const char *fc_field_key_name(fc_field_key key);

/* Returns the English identifier of a column key ("level1", "level2",
 * "name", "target", "midterm-target", "score", "explanation", "extra"). */
const char *fc_column_key_name(fc_column_key key);

#endif
