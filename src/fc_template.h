/*
 * fc_template.h - the form template: what a form looks like.
 *
 * The template names the title, the attachment label, the unit line, the
 * header labels (with the aliases real forms use), the indicator columns,
 * the known categories, and the fonts, widths and page set-up of a printed
 * attachment. The recognizer reads forms with it and the layout writes them
 * with it. It is an XML file (templates/default-template.xml is the default,
 * compiled into the program) checked against templates/template.xsd.
 */
#ifndef FC_TEMPLATE_H
#define FC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

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
} fc_template_field;

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

/* A whole template. Built by fc_template_load*; freed by fc_template_free. */
typedef struct fc_template {
    char *name;                       /* a human name for messages */
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
    char **other_labels;              /* labels of fields without a key (项目编码, 资金来源, ...), squeezed */
    size_t other_label_count;         /* number of other labels */
    fc_template_column *columns;      /* the indicator columns (the four keyed ones first, in default order) */
    size_t column_count;              /* number of keyed columns (FC_COL_LEVEL1..FC_COL_TARGET) */
    fc_template_column *extra_columns;/* extra columns the recognizer accepts as headers */
    size_t extra_column_count;        /* number of known extra columns */
    char **level1_names;              /* known first-level categories, squeezed, without 指标 */
    size_t level1_count;              /* number of them */
    char **level2_names;              /* known second-level categories, squeezed, without 指标 */
    size_t level2_count;              /* number of them */
    char **note_prefixes;             /* a lone cell starting with one of these is a note (填报人, 注) */
    size_t note_prefix_count;         /* number of note prefixes */
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

/* Frees a template and all it owns. NULL allowed. */
void fc_template_free(fc_template *tpl);

/* Finds the key of a header label: `label` (len bytes, as written) is
 * compared without white space and trailing colon with the template's labels
 * and aliases. Returns true when it is a label the template knows, with the
 * key in *key (FC_FIELD_OTHER for the other_labels). */
bool fc_template_match_label(const fc_template *tpl, const char *label, size_t len,
                             fc_field_key *key);

/* Finds the column a header names, compared as fc_template_match_label.
 * Returns true and sets *key for a known column (FC_COL_EXTRA for a known
 * extra column). */
bool fc_template_match_column(const fc_template *tpl, const char *header, size_t len,
                              fc_column_key *key);

/* True when `len` bytes of `text` name a known first-level (level 1) or
 * second-level (level 2) category, with or without a code and the suffix 指标. */
bool fc_template_is_category(const fc_template *tpl, int level, const char *text,
                             size_t len);

/* Label the template writes for `key` ("" for FC_FIELD_OTHER). */
const char *fc_template_label(const fc_template *tpl, fc_field_key key);

/* Header the template writes for the keyed column `key` ("" for FC_COL_EXTRA). */
const char *fc_template_column_header(const fc_template *tpl, fc_column_key key);

/* Sets the form's columns to the template's four keyed columns. Returns
 * FC_OK, or as fc_form_set_columns. */
fc_status fc_template_apply_columns(const fc_template *tpl, fc_form *form);

/* Returns the role's name ("title", "label", ...), as the template file spells it. */
const char *fc_role_name(fc_role role);

#endif
