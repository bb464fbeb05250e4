/*
 * fc_template.h - the form template: what a form looks like.
 *
 * The template names the title, the attachment label, the unit line, the
 * header labels (with the aliases real forms use) and their default rows
 * and blocks, the indicator columns, the known categories, the lines that
 * are notes, when the template is the one a form follows, the other forms
 * of the family it refuses, and the fonts, widths and page set-up of a
 * printed attachment. The recognizer reads forms with it and the layout
 * writes them with it. It is an XML file checked against
 * templates/template.xsd.
 *
 * Templates come in sets (fc_template_set): the built-in set holds the
 * default template (templates/default-template.xml, the seed's form) and
 * the variants of the family (the other files in templates/), compiled in;
 * a reader chooses for each form the template that fits it.
 */
#ifndef FC_TEMPLATE_H
#define FC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fc_error.h"
#include "fc_model.h"

/* What a cell is, for styling: the layout tags every cell with a role and
 * a sheet writer picks font, alignment and borders by role. */
typedef enum fc_role {
    FC_ROLE_NONE = 0,        /* an empty cell outside the table */
    FC_ROLE_ATTACHMENT,      /* "附件 2" */
    FC_ROLE_TITLE,           /* the form's title */
    FC_ROLE_UNIT,            /* "单位：万元" */
    FC_ROLE_LABEL,           /* a header field's label */
    FC_ROLE_VALUE,           /* a header field's value */
    FC_ROLE_COLUMN_HEADER,   /* 一级指标 / 二级指标 / ... */
    FC_ROLE_CATEGORY,        /* a first- or second-level category cell */
    FC_ROLE_INDICATOR,       /* a third-level indicator name */
    FC_ROLE_TARGET,          /* a target value or an extra indicator column */
    FC_ROLE_NOTE,            /* a note line */
    FC_ROLE_SUBTITLE,        /* the line under the title, "（2022年度）" */
    FC_ROLE_COUNT            /* number of roles; not a role */
} fc_role;

/* A font for one role. */
typedef struct fc_font {
    char *name;    /* font family, e.g. "宋体" */
    double size;   /* size in points */
    bool bold;     /* bold weight */
} fc_font;

/* One header field the template knows. */
typedef struct fc_template_field {
    fc_field_key key;   /* its meaning */
    char *label;        /* the label a form shows, "项目名称" */
    char *match_key;    /* the label squeezed (no spaces, no colon), for matching */
    char **aliases;     /* other labels that mean the same, squeezed (no spaces, no colon) */
    size_t alias_count; /* number of aliases */
    unsigned row;       /* zero-based row of the default header layout */
    const char *group;  /* label of the template's block the field stands in (points
                           into the template's groups), or NULL */
    bool label_above;   /* in the default layout its label stands above its value */
} fc_template_field;

/* A block of header rows under one label merged down their left side. */
typedef struct fc_template_group {
    char *label;        /* the label a form shows, "项目资金（万元）" */
    char **keys;        /* the label and its aliases, squeezed, without markers */
    size_t key_count;   /* number of keys */
    bool label_above;   /* its fields' labels stand above their values */
} fc_template_group;

/* What a form may show, for choosing its template. */
typedef enum fc_feature_kind {
    FC_FEATURE_TITLE = 0,   /* the title contains `text` (squeezed) */
    FC_FEATURE_FIELD,       /* the form has a field with key `key` */
    FC_FEATURE_COLUMN,      /* the table has a column with key `key` */
    FC_FEATURE_CATEGORY     /* a category of level `level` reads as `text` */
} fc_feature_kind;

/* One feature. */
typedef struct fc_feature {
    fc_feature_kind kind;   /* what is looked for */
    int key;                /* FIELD: an fc_field_key; COLUMN: an fc_column_key */
    int level;              /* CATEGORY: 1 or 2 */
    char *text;             /* TITLE, CATEGORY: squeezed text (category: its key) */
} fc_feature;

/* A condition: any one of its features. */
typedef struct fc_template_need {
    fc_feature *any;        /* the features */
    size_t count;           /* their number */
} fc_template_need;

/* Another form of the family, refused by name. */
typedef struct fc_template_other {
    char *name;             /* its Chinese name, "项目支出绩效自评表" */
    char *english;          /* its English name, "self-evaluation form" */
    char **titles;          /* a title containing one of these is that form (squeezed) */
    size_t title_count;     /* number of titles */
    char **headers;         /* a label or column header equal to one of these (squeezed) */
    size_t header_count;    /* number of headers */
} fc_template_other;

/* One indicator column the template knows. */
typedef struct fc_template_column {
    fc_column_key key;  /* what it holds (FC_COL_EXTRA for a known extra column) */
    char *header;       /* its header text, "一级指标" */
    char *match_key;    /* the header squeezed, for matching */
    char **aliases;     /* other headers that mean the same, squeezed */
    size_t alias_count; /* number of aliases */
    double width;       /* default column width in Excel character units (0: not shown) */
} fc_template_column;

/* One slot of a name index: a squeezed name and what it means. */
typedef struct fc_name_slot {
    const char *name;   /* squeezed name (points into the template), NULL for a free slot */
    int value;          /* an fc_field_key or fc_column_key */
} fc_name_slot;

/* A set of characters, with false positives: the first characters of an
 * index's keys (fc_bloom_has). */
typedef struct fc_bloom {
    uint64_t bits[16];   /* 1024 bits, one per hash of a character */
} fc_bloom;

/* A whole template. Built by fc_template_load*; freed by fc_template_free. */
typedef struct fc_template {
    char *name;                       /* a human name for messages */
    char *id;                         /* short name: --template, the XML's template attribute */
    char *description;                /* one line for `formconv templates` ("" when none) */
    bool list_shape;                  /* a flat list: one row per indicator */
    char *forms_as;                   /* list shape: id of the template its forms follow */
    char *title;                      /* the default title text */
    char **title_keywords;            /* a lone cell containing one of these is a title */
    size_t title_keyword_count;       /* number of title keywords */
    char *attachment;                 /* the default attachment label, "附件 2" */
    char *attachment_prefix;          /* a short lone cell starting with this is an attachment label */
    char *unit;                       /* the default unit line, "单位：万元" */
    char **unit_prefixes;             /* a cell starting with one of these plus a colon is a unit line */
    size_t unit_prefix_count;         /* number of unit prefixes */
    fc_template_field *fields;        /* the known header fields, in default order */
    size_t field_count;               /* number of known fields */
    fc_template_group *groups;        /* the blocks of header rows */
    size_t group_count;               /* number of blocks */
    char **other_labels;              /* labels of fields without a key (项目编码, 资金来源, ...), squeezed */
    size_t other_label_count;         /* number of other labels */
    fc_template_column *columns;      /* the keyed indicator columns, in default order */
    size_t column_count;              /* number of keyed columns */
    char *table_label;                /* the default label left of the table, or NULL */
    char **table_label_keys;          /* it and its aliases, squeezed */
    size_t table_label_key_count;     /* number of them */
    fc_template_column *extra_columns;/* extra columns the recognizer accepts as headers */
    size_t extra_column_count;        /* number of known extra columns */
    char **level1_names;              /* known first-level categories, squeezed, without 指标 */
    size_t level1_count;              /* number of them */
    char **level2_names;              /* known second-level categories, squeezed, without 指标 */
    size_t level2_count;              /* number of them */
    char **note_prefixes;             /* a lone cell starting with one of these is a note (填报人, 注) */
    size_t note_prefix_count;         /* number of note prefixes */
    char **note_keywords;             /* a line whose first cell holds one of these is a note */
    size_t note_keyword_count;        /* number of note keywords */
    fc_template_need *needs;          /* when a form follows the template: every need holds */
    size_t need_count;                /* number of needs (0: any form may) */
    fc_template_other *others;        /* other forms of the family */
    size_t other_count;               /* number of them */
    fc_font fonts[FC_ROLE_COUNT];     /* font per role (FC_ROLE_NONE: the sheet's default font) */
    double title_row_height;          /* height of the title row in points */
    double line_height_factor;        /* row height per text line, as a multiple of the font size */
    double margin_left, margin_right; /* page margins in inches */
    double margin_top, margin_bottom; /* page margins in inches */
    double margin_header, margin_footer; /* header and footer margins in inches */
    fc_name_slot *label_index;        /* hash table: label or alias -> field key */
    size_t label_index_size;          /* its number of slots (a power of two) */
    fc_name_slot *column_index;       /* hash table: column header or alias -> column key */
    size_t column_index_size;         /* its number of slots (a power of two) */
    fc_name_slot *other_index;        /* hash table: other forms' headers -> index in others */
    size_t other_index_size;          /* its number of slots (a power of two) */
    fc_bloom label_bloom;             /* first characters of the label keys */
    fc_bloom column_bloom;            /* first characters of the column keys */
    fc_bloom other_bloom;             /* first characters of the other forms' headers */
} fc_template;

/* Parses a template from `len` bytes of XML at `data`; `name` is used in
 * messages (a file name). The XML is checked against the built-in template
 * schema. Network access, DTDs and entities are refused. On success stores a
 * new template in *out (free with fc_template_free) and returns FC_OK; on
 * failure returns FC_ERR_TEMPLATE (or FC_ERR_NOMEM) with `err` set. */
fc_status fc_template_load_memory(const char *data, size_t len, const char *name,
                                  fc_template **out, fc_error *err);

/* Reads and parses the template file at `path` (at most 1 MiB), as
 * fc_template_load_memory. FC_ERR_READ when the file cannot be read. */
fc_status fc_template_load_file(const char *path, fc_template **out, fc_error *err);

/* Parses the default template compiled into the program. */
fc_status fc_template_load_default(fc_template **out, fc_error *err);

/* A set of templates to choose from; items[0] is the set's default. */
typedef struct fc_template_set {
    fc_template **items;   /* the templates (owned) */
    size_t count;          /* their number */
    fc_template *all;      /* the union: every label, column, category, note, group
                              and other form any item knows, for reading a form
                              before its template is chosen (owned) */
} fc_template_set;

/* Loads the built-in set: the default template, then the family's
 * variants, in `formconv templates` order. Stores it in *out (free with
 * fc_template_set_free). Returns FC_OK, FC_ERR_NOMEM or FC_ERR_INTERNAL. */
fc_status fc_template_set_load_builtin(fc_template_set **out, fc_error *err);

/* Makes a set holding only `tpl` (which the set takes over, also on
 * failure). Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_template_set_single(fc_template *tpl, fc_template_set **out, fc_error *err);

/* Adds `tpl` to `set` (which takes it over, also on failure, when it is
 * freed) and brings the set's union up to date. Returns FC_OK,
 * FC_ERR_TEMPLATE when the set has a template with the same id, or
 * FC_ERR_NOMEM. */
fc_status fc_template_set_add(fc_template_set *set, fc_template *tpl, fc_error *err);

/* The template with id `id` in `set`, or NULL; a NULL id names the set's
 * default (items[0]). */
const fc_template *fc_template_set_find(const fc_template_set *set, const char *id);

/* Frees a set and its templates. NULL allowed. */
void fc_template_set_free(fc_template_set *set);

/* The template to write `form` with: the one of `set` its template_id
 * names (a list template gives way to its forms_as), else `fallback`. */
const fc_template *fc_template_for_form(const fc_template_set *set, const fc_template *fallback,
                                        const fc_form *form);

/* Frees a template and all it owns. NULL allowed. */
void fc_template_free(fc_template *tpl);

/* Finds the key of a header label: `label` (len bytes, as written) is
 * compared without white space, trailing colon and trailing markers in
 * brackets with the template's labels and aliases. Returns true when it is a label the template knows, with the
 * key in *key (FC_FIELD_OTHER for the other_labels). */
bool fc_template_match_label(const fc_template *tpl, const char *label, size_t len,
                             fc_field_key *key);

/* Finds the column a header names, compared as fc_template_match_label.
 * Returns true and sets *key for a known column (FC_COL_EXTRA for a known
 * extra column). */
bool fc_template_match_column(const fc_template *tpl, const char *header, size_t len,
                              fc_column_key *key);

/* True when `len` bytes of `text` name a known first-level (level 1) or
 * second-level (level 2) category, with or without a code, the suffix 指标
 * and markers such as （必填） or （0-20）分. */
bool fc_template_is_category(const fc_template *tpl, int level, const char *text,
                             size_t len);

/* Writes the comparison key of a category name into `buf` (`size` bytes):
 * white space, a leading code, markers in brackets (（必填）, (选填),
 * 【必填】, （0-20）分), a leading '*' and a trailing 指标 removed. Returns
 * its length, or (size_t)-1 when it does not fit. */
size_t fc_category_key(const char *text, size_t len, char *buf, size_t size);

/* Writes the comparison key of a label or header into `buf`: squeezed
 * (fc_utf8_squeeze) with trailing markers in brackets removed
 * ("项目年度金额（万元）" -> "项目年度金额"). Returns its length, or
 * (size_t)-1 when it does not fit. */
size_t fc_label_key(const char *text, size_t len, char *buf, size_t size);

/* The first character of the comparison key fc_label_key makes of `len`
 * bytes of `text` (white space, a leading '*' or '★' and colons skipped,
 * full-width brackets as ASCII ones), or 0 when there is none: a cheap
 * test before a key is made and looked up. */
uint32_t fc_key_first_char(const char *text, size_t len);

/* True when a key starting with `first` may be in the index whose first
 * characters `bloom` holds (false: it certainly is not). */
static inline bool fc_bloom_has(const fc_bloom *bloom, uint32_t first)
{
    uint32_t h = (first * 2654435761u) >> 22;
    return (bloom->bits[h >> 6] >> (h & 63)) & 1;
}

/* The look-ups above for a key already made with fc_label_key (`key_text`,
 * NUL-terminated), for a reader that compares one cell with many things:
 * label -> field key, header -> column key, group label -> group index
 * (-1 when none), the table label, another form's header -> that form
 * (NULL when none). */
bool fc_template_lookup_label(const fc_template *tpl, const char *key_text, fc_field_key *key);
bool fc_template_lookup_column(const fc_template *tpl, const char *key_text,
                               fc_column_key *key);
int fc_template_lookup_group(const fc_template *tpl, const char *key_text);
bool fc_template_lookup_table_label(const fc_template *tpl, const char *key_text);
const fc_template_other *fc_template_lookup_other(const fc_template *tpl, const char *key_text);

/* The index of the template's group whose label or alias `len` bytes of
 * `text` are (squeezed, markers aside), or -1. */
int fc_template_match_group(const fc_template *tpl, const char *text, size_t len);

/* True when `len` bytes of `text` are the template's table label or one of
 * its aliases (squeezed, markers aside). */
bool fc_template_is_table_label(const fc_template *tpl, const char *text, size_t len);

/* The other form of the family that a title (`is_title`) or a label or
 * column header `text` reveals, or NULL. */
const fc_template_other *fc_template_other_form(const fc_template *tpl, const char *text,
                                                size_t len, bool is_title);

/* The template's field with `key`, or NULL. */
const fc_template_field *fc_template_field_of(const fc_template *tpl, fc_field_key key);

/* Label the template writes for `key` ("" for FC_FIELD_OTHER). */
const char *fc_template_label(const fc_template *tpl, fc_field_key key);

/* Header the template writes for the keyed column `key` ("" for FC_COL_EXTRA). */
const char *fc_template_column_header(const fc_template *tpl, fc_column_key key);

/* Sets the form's columns to the template's keyed columns. Returns
 * FC_OK, or as fc_form_set_columns. */
fc_status fc_template_apply_columns(const fc_template *tpl, fc_form *form);

/* Returns the role's name ("title", "label", ...), as the template file spells it. */
const char *fc_role_name(fc_role role);

#endif
