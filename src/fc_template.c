/*
 * fc_template.c - loading form templates and matching labels against them.
 */
#include "fc_template.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc_embedded.h"
#include "fc_utf8.h"
#include "fc_xml.h"

/* Longest label compared, in bytes; longer texts are never labels. */
#define LABEL_MAX 256
/* Largest template file read from disk. */
#define TEMPLATE_FILE_MAX (1024 * 1024)

static const char *const role_names[FC_ROLE_COUNT] = {
    [FC_ROLE_NONE] = "none",
    [FC_ROLE_ATTACHMENT] = "attachment",
    [FC_ROLE_TITLE] = "title",
    [FC_ROLE_UNIT] = "unit",
    [FC_ROLE_LABEL] = "label",
    [FC_ROLE_VALUE] = "value",
    [FC_ROLE_COLUMN_HEADER] = "column-header",
    [FC_ROLE_CATEGORY] = "category",
    [FC_ROLE_INDICATOR] = "indicator",
    [FC_ROLE_TARGET] = "target",
    [FC_ROLE_NOTE] = "note",
    [FC_ROLE_SUBTITLE] = "subtitle",
};

const char *fc_role_name(fc_role role)
{
    return (role >= 0 && role < FC_ROLE_COUNT) ? role_names[role] : "none";
}

/* Frees an array of `count` strings. */
static void free_strings(char **list, size_t count)
{
    if (!list)
        return;
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

/* Frees the features of a list of needs. */
static void free_needs(fc_template_need *needs, size_t count)
{
    for (size_t i = 0; needs && i < count; i++) {
        for (size_t k = 0; k < needs[i].count; k++)
            free(needs[i].any[k].text);
        free(needs[i].any);
    }
    free(needs);
}

void fc_template_free(fc_template *tpl)
{
    if (!tpl)
        return;
    free(tpl->name);
    free(tpl->id);
    free(tpl->description);
    free(tpl->forms_as);
    for (size_t i = 0; i < tpl->group_count; i++) {
        free(tpl->groups[i].label);
        free_strings(tpl->groups[i].keys, tpl->groups[i].key_count);
    }
    free(tpl->groups);
    free(tpl->table_label);
    free_strings(tpl->table_label_keys, tpl->table_label_key_count);
    free_strings(tpl->note_keywords, tpl->note_keyword_count);
    free_needs(tpl->needs, tpl->need_count);
    for (size_t i = 0; i < tpl->other_count; i++) {
        free(tpl->others[i].name);
        free(tpl->others[i].english);
        free_strings(tpl->others[i].titles, tpl->others[i].title_count);
        free_strings(tpl->others[i].headers, tpl->others[i].header_count);
    }
    free(tpl->others);
    free(tpl->title);
    free_strings(tpl->title_keywords, tpl->title_keyword_count);
    free(tpl->attachment);
    free(tpl->attachment_prefix);
    free(tpl->unit);
    free_strings(tpl->unit_prefixes, tpl->unit_prefix_count);
    for (size_t i = 0; i < tpl->field_count; i++) {
        free(tpl->fields[i].label);
        free(tpl->fields[i].match_key);
        free_strings(tpl->fields[i].aliases, tpl->fields[i].alias_count);
    }
    free(tpl->fields);
    free_strings(tpl->other_labels, tpl->other_label_count);
    for (size_t i = 0; i < tpl->column_count; i++) {
        free(tpl->columns[i].header);
        free(tpl->columns[i].match_key);
        free_strings(tpl->columns[i].aliases, tpl->columns[i].alias_count);
    }
    free(tpl->columns);
    for (size_t i = 0; i < tpl->extra_column_count; i++) {
        free(tpl->extra_columns[i].header);
        free(tpl->extra_columns[i].match_key);
    }
    free(tpl->extra_columns);
    free_strings(tpl->level1_names, tpl->level1_count);
    free_strings(tpl->level2_names, tpl->level2_count);
    free_strings(tpl->note_prefixes, tpl->note_prefix_count);
    for (int r = 0; r < FC_ROLE_COUNT; r++)
        free(tpl->fonts[r].name);
    free(tpl->label_index);
    free(tpl->column_index);
    free(tpl->other_index);
    free(tpl);
}

/* True when `node` is an element in the template namespace named `name`. */
static int is_elem(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* Returns a malloc'd copy of attribute `name` of `node`, or NULL. */
static char *attr(xmlNodePtr node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (!value)
        return NULL;
    char *copy = strdup((const char *)value);
    xmlFree(value);
    return copy;
}

/* Returns attribute `name` of `node` as a number, or `fallback`. */
static double attr_number(xmlNodePtr node, const char *name, double fallback)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (!value)
        return fallback;
    char *end = NULL;
    double d = strtod((const char *)value, &end);
    if (!end || end == (char *)value)
        d = fallback;
    xmlFree(value);
    return d;
}

/* Returns a malloc'd copy of the text content of `node`. */
static char *text_of(xmlNodePtr node)
{
    xmlChar *value = xmlNodeGetContent(node);
    if (!value)
        return strdup("");
    char *copy = strdup((const char *)value);
    xmlFree(value);
    return copy;
}

/* Returns a malloc'd comparison key (fc_label_key) of `s`. */
static char *squeezed(const char *s)
{
    if (!s)
        return NULL;
    char buf[LABEL_MAX + 8];
    size_t n = fc_label_key(s, strlen(s), buf, sizeof buf);
    if (n == (size_t)-1)
        return strdup(s);
    return strdup(buf);
}

/* Returns a malloc'd category key (fc_category_key) of `s`. */
static char *category_keyed(const char *s)
{
    char buf[LABEL_MAX + 8];
    size_t n = fc_category_key(s, strlen(s), buf, sizeof buf);
    return strdup(n == (size_t)-1 ? s : buf);
}

/* Returns a malloc'd squeezed copy of the text content of `node`. */
static char *content_squeezed(xmlNodePtr node)
{
    char *text = text_of(node);
    char *out = squeezed(text);
    free(text);
    return out;
}

/* Drops a trailing "指标" from a squeezed category name in place. */
static void drop_indicator_suffix(char *s)
{
    size_t n = strlen(s);
    static const char suffix[] = "\xE6\x8C\x87\xE6\xA0\x87"; /* 指标 */
    if (n > 6 && memcmp(s + n - 6, suffix, 6) == 0)
        s[n - 6] = '\0';
}

/* Appends a string to a growable list; returns 0 on success, -1 on ENOMEM
 * (the string is freed then). */
static int push_string(char ***list, size_t *count, char *s)
{
    if (!s)
        return -1;
    char **bigger = realloc(*list, (*count + 1) * sizeof *bigger);
    if (!bigger) {
        free(s);
        return -1;
    }
    bigger[(*count)++] = s;
    *list = bigger;
    return 0;
}

/* Maps a field key name to its enum. */
static fc_field_key field_key_of(const char *name)
{
    for (int k = FC_FIELD_NAME; k < FC_FIELD_KEY_COUNT; k++)
        if (name && strcmp(name, fc_field_key_name((fc_field_key)k)) == 0)
            return (fc_field_key)k;
    return FC_FIELD_OTHER;
}

/* Maps a column key name to its enum. */
static fc_column_key column_key_of(const char *name)
{
    for (int k = 0; k < FC_COL_EXTRA; k++)
        if (name && strcmp(name, fc_column_key_name((fc_column_key)k)) == 0)
            return (fc_column_key)k;
    return FC_COL_EXTRA;
}

/* Reads <alias> children of `node` into a squeezed list. */
static int read_aliases(xmlNodePtr node, char ***list, size_t *count)
{
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (is_elem(c, "alias") && push_string(list, count, content_squeezed(c)))
            return -1;
    return 0;
}

/* Appends a field of `row_node` (a <row>) to the template, in row
 * `row_index`, inside group `group` (NULL for none). Returns 0 or -1. */
static int read_row(fc_template *tpl, xmlNodePtr row_node, unsigned row_index,
                    const fc_template_group *group)
{
    for (xmlNodePtr f = row_node->children; f; f = f->next) {
        if (!is_elem(f, "field"))
            continue;
        fc_template_field *grown = realloc(tpl->fields, (tpl->field_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        tpl->fields = grown;
        fc_template_field *tf = &tpl->fields[tpl->field_count++];
        memset(tf, 0, sizeof *tf);
        char *key = attr(f, "key");
        tf->key = field_key_of(key);
        free(key);
        tf->label = attr(f, "label");
        tf->match_key = squeezed(tf->label);
        tf->row = row_index;
        tf->group = group ? group->label : NULL;
        tf->label_above = group && group->label_above;
        if (!tf->label || !tf->match_key || read_aliases(f, &tf->aliases, &tf->alias_count))
            return -1;
    }
    return 0;
}

/* Reads a <group>: its label and aliases, then its rows. */
static int read_group(fc_template *tpl, xmlNodePtr node, unsigned *row_index)
{
    /* The array was sized for every group (see build): fields point at
     * group labels, and it never moves. */
    fc_template_group *g = &tpl->groups[tpl->group_count++];
    memset(g, 0, sizeof *g);
    g->label = attr(node, "label");
    char *labels = attr(node, "labels");
    g->label_above = labels && strcmp(labels, "above") == 0;
    free(labels);
    if (!g->label || push_string(&g->keys, &g->key_count, squeezed(g->label)) ||
        read_aliases(node, &g->keys, &g->key_count))
        return -1;
    for (xmlNodePtr row = node->children; row; row = row->next)
        if (is_elem(row, "row") && read_row(tpl, row, (*row_index)++, g))
            return -1;
    return 0;
}

/* Reads one <needs> (or a feature element list) into a need. */
static int read_need(fc_template *tpl, xmlNodePtr node)
{
    fc_template_need *grown = realloc(tpl->needs, (tpl->need_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    tpl->needs = grown;
    fc_template_need *need = &tpl->needs[tpl->need_count++];
    memset(need, 0, sizeof *need);
    for (xmlNodePtr f = node->children; f; f = f->next) {
        if (f->type != XML_ELEMENT_NODE)
            continue;
        fc_feature *more = realloc(need->any, (need->count + 1) * sizeof *more);
        if (!more)
            return -1;
        need->any = more;
        fc_feature *feat = &need->any[need->count++];
        memset(feat, 0, sizeof *feat);
        char *key = attr(f, "key");
        if (is_elem(f, "title")) {
            feat->kind = FC_FEATURE_TITLE;
            feat->text = content_squeezed(f);
        } else if (is_elem(f, "field")) {
            feat->kind = FC_FEATURE_FIELD;
            feat->key = (int)field_key_of(key);
        } else if (is_elem(f, "column")) {
            feat->kind = FC_FEATURE_COLUMN;
            feat->key = (int)column_key_of(key);
        } else {
            feat->kind = FC_FEATURE_CATEGORY;
            feat->level = (int)attr_number(f, "level", 1);
            char *text = text_of(f);
            feat->text = text ? category_keyed(text) : NULL;
            free(text);
        }
        free(key);
        if ((feat->kind == FC_FEATURE_TITLE || feat->kind == FC_FEATURE_CATEGORY) && !feat->text)
            return -1;
    }
    return 0;
}

/* Reads <others>: the other forms of the family. */
static int read_others(fc_template *tpl, xmlNodePtr node)
{
    for (xmlNodePtr f = node->children; f; f = f->next) {
        if (!is_elem(f, "form"))
            continue;
        fc_template_other *grown = realloc(tpl->others, (tpl->other_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        tpl->others = grown;
        fc_template_other *o = &tpl->others[tpl->other_count++];
        memset(o, 0, sizeof *o);
        o->name = attr(f, "name");
        o->english = attr(f, "english");
        if (!o->name || !o->english)
            return -1;
        for (xmlNodePtr c = f->children; c; c = c->next) {
            if (is_elem(c, "title") && push_string(&o->titles, &o->title_count, content_squeezed(c)))
                return -1;
            if (is_elem(c, "header") &&
                push_string(&o->headers, &o->header_count, content_squeezed(c)))
                return -1;
        }
    }
    return 0;
}

/* Reads <indicators>: the table label, columns, extra columns, categories. */
static int read_indicators(fc_template *tpl, xmlNodePtr sec)
{
    for (xmlNodePtr c = sec->children; c; c = c->next) {
        if (is_elem(c, "label")) {
            char *text = attr(c, "text");
            char *shown = attr(c, "shown");
            bool hidden = shown && (strcmp(shown, "false") == 0 || strcmp(shown, "0") == 0);
            free(shown);
            if (!text || push_string(&tpl->table_label_keys, &tpl->table_label_key_count,
                                     squeezed(text)) ||
                read_aliases(c, &tpl->table_label_keys, &tpl->table_label_key_count)) {
                free(text);
                return -1;
            }
            if (hidden)
                free(text);
            else
                tpl->table_label = text;
        } else if (is_elem(c, "column") || is_elem(c, "extra")) {
            bool keyed = is_elem(c, "column");
            fc_template_column **list = keyed ? &tpl->columns : &tpl->extra_columns;
            size_t *count = keyed ? &tpl->column_count : &tpl->extra_column_count;
            fc_template_column *grown = realloc(*list, (*count + 1) * sizeof *grown);
            if (!grown)
                return -1;
            *list = grown;
            fc_template_column *col = &grown[(*count)++];
            memset(col, 0, sizeof *col);
            char *key = keyed ? attr(c, "key") : NULL;
            col->key = keyed ? column_key_of(key) : FC_COL_EXTRA;
            free(key);
            col->header = attr(c, "header");
            col->match_key = squeezed(col->header);
            col->width = attr_number(c, "width", 12);
            if (!col->header || !col->match_key ||
                (keyed && read_aliases(c, &col->aliases, &col->alias_count)))
                return -1;
        } else if (is_elem(c, "category")) {
            char *text = text_of(c);
            char *name = text ? category_keyed(text) : NULL;
            free(text);
            if (!name)
                return -1;
            double level = attr_number(c, "level", 1);
            int rc = level == 2 ? push_string(&tpl->level2_names, &tpl->level2_count, name)
                                : push_string(&tpl->level1_names, &tpl->level1_count, name);
            if (rc)
                return -1;
        }
    }
    return 0;
}

/* Reads <style>: row heights and a font per role. */
static int read_style(fc_template *tpl, xmlNodePtr sec)
{
    tpl->title_row_height = attr_number(sec, "title-row-height", 36);
    tpl->line_height_factor = attr_number(sec, "line-height", 1.45);
    for (xmlNodePtr c = sec->children; c; c = c->next) {
        if (!is_elem(c, "font"))
            continue;
        char *role = attr(c, "role");
        int which = FC_ROLE_NONE;
        for (int r = 1; r < FC_ROLE_COUNT; r++)
            if (role && strcmp(role, role_names[r]) == 0)
                which = r;
        free(role);
        if (which == FC_ROLE_NONE)
            continue;
        free(tpl->fonts[which].name);
        tpl->fonts[which].name = attr(c, "name");
        tpl->fonts[which].size = attr_number(c, "size", 11);
        char *bold = attr(c, "bold");
        tpl->fonts[which].bold = bold && (strcmp(bold, "true") == 0 || strcmp(bold, "1") == 0);
        free(bold);
        if (!tpl->fonts[which].name)
            return -1;
    }
    return 0;
}

/* Fills `tpl` from a validated tree. Returns 0, or -1 when out of memory. */
static int build(fc_template *tpl, xmlNodePtr root)
{
    tpl->name = attr(root, "name");
    tpl->id = attr(root, "id");
    if (!tpl->id)
        tpl->id = strdup("default");
    tpl->description = attr(root, "description");
    if (!tpl->description)
        tpl->description = strdup("");
    char *shape = attr(root, "shape");
    tpl->list_shape = shape && strcmp(shape, "list") == 0;
    free(shape);
    tpl->forms_as = attr(root, "forms-as");
    tpl->line_height_factor = 1.45;
    tpl->title_row_height = 36;
    if (!tpl->name || !tpl->id || !tpl->description)
        return -1;
    for (xmlNodePtr sec = root->children; sec; sec = sec->next) {
        if (is_elem(sec, "fields")) {
            /* Groups first, so that fields can point at their labels. */
            size_t groups = 0;
            for (xmlNodePtr row = sec->children; row; row = row->next)
                groups += is_elem(row, "group");
            if (groups && !(tpl->groups = calloc(groups, sizeof *tpl->groups)))
                return -1;
        }
    }
    unsigned row_index = 0;
    for (xmlNodePtr sec = root->children; sec; sec = sec->next) {
        if (sec->type != XML_ELEMENT_NODE)
            continue;
        if (is_elem(sec, "title")) {
            if (!(tpl->title = attr(sec, "text")))
                return -1;
            for (xmlNodePtr c = sec->children; c; c = c->next)
                if (is_elem(c, "keyword") &&
                    push_string(&tpl->title_keywords, &tpl->title_keyword_count, content_squeezed(c)))
                    return -1;
        } else if (is_elem(sec, "attachment")) {
            tpl->attachment = attr(sec, "text");
            tpl->attachment_prefix = attr(sec, "prefix");
            if (!tpl->attachment || !tpl->attachment_prefix)
                return -1;
        } else if (is_elem(sec, "unit")) {
            if (!(tpl->unit = attr(sec, "text")))
                return -1;
            for (xmlNodePtr c = sec->children; c; c = c->next)
                if (is_elem(c, "prefix") &&
                    push_string(&tpl->unit_prefixes, &tpl->unit_prefix_count, text_of(c)))
                    return -1;
        } else if (is_elem(sec, "fields")) {
            for (xmlNodePtr row = sec->children; row; row = row->next) {
                if (is_elem(row, "other")) {
                    if (push_string(&tpl->other_labels, &tpl->other_label_count,
                                    content_squeezed(row)))
                        return -1;
                } else if (is_elem(row, "row")) {
                    if (read_row(tpl, row, row_index++, NULL))
                        return -1;
                } else if (is_elem(row, "group")) {
                    if (read_group(tpl, row, &row_index))
                        return -1;
                }
            }
        } else if (is_elem(sec, "indicators")) {
            if (read_indicators(tpl, sec))
                return -1;
        } else if (is_elem(sec, "notes")) {
            for (xmlNodePtr c = sec->children; c; c = c->next) {
                if (is_elem(c, "prefix") &&
                    push_string(&tpl->note_prefixes, &tpl->note_prefix_count, text_of(c)))
                    return -1;
                if (is_elem(c, "keyword") &&
                    push_string(&tpl->note_keywords, &tpl->note_keyword_count,
                                content_squeezed(c)))
                    return -1;
            }
        } else if (is_elem(sec, "select")) {
            for (xmlNodePtr c = sec->children; c; c = c->next)
                if (is_elem(c, "needs") && read_need(tpl, c))
                    return -1;
        } else if (is_elem(sec, "others")) {
            if (read_others(tpl, sec))
                return -1;
        } else if (is_elem(sec, "style")) {
            if (read_style(tpl, sec))
                return -1;
        } else if (is_elem(sec, "page")) {
            tpl->margin_left = attr_number(sec, "left", 0.6);
            tpl->margin_right = attr_number(sec, "right", 0.6);
            tpl->margin_top = attr_number(sec, "top", 0.75);
            tpl->margin_bottom = attr_number(sec, "bottom", 0.75);
            tpl->margin_header = attr_number(sec, "header", 0.3);
            tpl->margin_footer = attr_number(sec, "footer", 0.3);
        }
    }
    /* Roles without a font of their own: the subtitle takes the unit's,
     * the others the table's value font. */
    for (int r = 0; r < FC_ROLE_COUNT; r++) {
        if (tpl->fonts[r].name)
            continue;
        const fc_font *base = r == FC_ROLE_SUBTITLE && tpl->fonts[FC_ROLE_UNIT].name
                                  ? &tpl->fonts[FC_ROLE_UNIT]
                              : tpl->fonts[FC_ROLE_VALUE].name ? &tpl->fonts[FC_ROLE_VALUE]
                                                               : NULL;
        tpl->fonts[r].name = strdup(base ? base->name : "宋体");
        tpl->fonts[r].size = base ? base->size : 11;
        tpl->fonts[r].bold = false;
        if (!tpl->fonts[r].name)
            return -1;
    }
    return 0;
}

static int build_indexes(fc_template *tpl);

/* Checks the invariants the schema cannot express. */
static fc_status check_semantics(const fc_template *tpl, const char *name, fc_error *err)
{
    static const fc_column_key needed[] = {FC_COL_LEVEL1, FC_COL_NAME};
    for (size_t n = 0; n < sizeof needed / sizeof needed[0]; n++) {
        bool found = false;
        for (size_t i = 0; i < tpl->column_count; i++)
            found |= tpl->columns[i].key == needed[n];
        if (!found)
            return fc_error_set(err, FC_ERR_TEMPLATE, name,
                                "a template needs the columns level1 and name");
    }
    bool target = false;
    for (size_t i = 0; i < tpl->column_count; i++)
        target |= tpl->columns[i].key == FC_COL_TARGET ||
                  tpl->columns[i].key == FC_COL_MIDTERM_TARGET;
    if (!target)
        return fc_error_set(err, FC_ERR_TEMPLATE, name,
                            "a template needs a target or midterm-target column");
    for (size_t i = 0; i < tpl->column_count; i++)
        for (size_t j = i + 1; j < tpl->column_count; j++)
            if (tpl->columns[i].key == tpl->columns[j].key)
                return fc_error_set(err, FC_ERR_TEMPLATE, name, "the column \"%s\" is twice in "
                                    "the template", fc_column_key_name(tpl->columns[i].key));
    if (!fc_template_field_of(tpl, FC_FIELD_NAME))
        return fc_error_set(err, FC_ERR_TEMPLATE, name, "the template has no field \"name\"");
    if (tpl->list_shape && !tpl->forms_as)
        return fc_error_set(err, FC_ERR_TEMPLATE, name,
                            "a list template needs forms-as (the table template of its forms)");
    return FC_OK;
}

fc_status fc_template_load_memory(const char *data, size_t len, const char *name,
                                  fc_template **out, fc_error *err)
{
    *out = NULL;
    xmlDocPtr doc = NULL;
    fc_status st = fc_xml_parse_tree(data, len, name, &doc, err);
    if (st) {
        if (err && st == FC_ERR_INPUT)
            err->code = FC_ERR_TEMPLATE;
        return st == FC_ERR_INPUT ? FC_ERR_TEMPLATE : st;
    }
    xmlSchemaPtr schema = NULL;
    st = fc_xml_schema_load(fc_embedded_template_xsd, fc_embedded_template_xsd_size,
                            "template.xsd", &schema, err);
    if (!st)
        st = fc_xml_validate_tree(doc, schema, name, FC_ERR_TEMPLATE, NULL, NULL, err);
    xmlSchemaFree(schema);
    if (st) {
        xmlFreeDoc(doc);
        return st;
    }
    fc_template *tpl = calloc(1, sizeof *tpl);
    if (!tpl || build(tpl, xmlDocGetRootElement(doc))) {
        xmlFreeDoc(doc);
        fc_template_free(tpl);
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    }
    xmlFreeDoc(doc);
    if (build_indexes(tpl)) {
        fc_template_free(tpl);
        return fc_error_set(err, FC_ERR_NOMEM, name, "out of memory");
    }
    st = check_semantics(tpl, name, err);
    if (st) {
        fc_template_free(tpl);
        return st;
    }
    *out = tpl;
    return FC_OK;
}

fc_status fc_template_load_file(const char *path, fc_template **out, fc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fc_error_set(err, FC_ERR_READ, path, "cannot open template: %s", strerror(errno));
    char *buf = malloc(TEMPLATE_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return fc_error_set(err, FC_ERR_NOMEM, path, "out of memory");
    }
    size_t n = fread(buf, 1, TEMPLATE_FILE_MAX + 1, f);
    int failed = ferror(f);
    fclose(f);
    fc_status st;
    if (failed)
        st = fc_error_set(err, FC_ERR_READ, path, "cannot read template");
    else if (n > TEMPLATE_FILE_MAX)
        st = fc_error_set(err, FC_ERR_LIMIT, path, "template larger than %d bytes",
                          TEMPLATE_FILE_MAX);
    else
        st = fc_template_load_memory(buf, n, path, out, err);
    free(buf);
    return st;
}

fc_status fc_template_load_default(fc_template **out, fc_error *err)
{
    return fc_template_load_memory((const char *)fc_embedded_default_template,
                                   fc_embedded_default_template_size,
                                   "default-template.xml", out, err);
}

/* FNV-1a hash of a NUL-terminated string. */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

uint32_t fc_key_first_char(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    /* Most keys start with a CJK character: three bytes, none of the
     * characters skipped or rewritten below (those start with 0xE2, 0xE3
     * or 0xEF). */
    if (len >= 3 && p[0] >= 0xE4 && p[0] <= 0xE9)
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = fc_utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
        if (fc_char_is_space(cp) || cp == ':' || cp == 0xFF1A)
            continue;
        if (cp == '*' || cp == 0x2605) /* leading required-marks */
            continue;
        if (cp == 0xFF08)
            return '(';
        if (cp == 0xFF09)
            return ')';
        return cp;
    }
    return 0;
}

/* Adds the first character of `key` to `bloom`. */
static void bloom_put(fc_bloom *bloom, const char *key)
{
    uint32_t h = (fc_key_first_char(key, strlen(key)) * 2654435761u) >> 22;
    bloom->bits[h >> 6] |= (uint64_t)1 << (h & 63);
}

/* Adds `name` -> `value` to an index unless the name is already there (the
 * first meaning wins, as a search in template order would find it). */
static void index_put(fc_name_slot *slots, size_t size, const char *name, int value)
{
    if (!name || !*name)
        return;
    for (size_t i = name_hash(name) & (size - 1);; i = (i + 1) & (size - 1)) {
        if (!slots[i].name) {
            slots[i].name = name;
            slots[i].value = value;
            return;
        }
        if (strcmp(slots[i].name, name) == 0)
            return;
    }
}

/* Looks `name` up in an index; returns true and sets *value when found. */
static bool index_get(const fc_name_slot *slots, size_t size, const char *name, int *value)
{
    if (!slots)
        return false;
    for (size_t i = name_hash(name) & (size - 1);; i = (i + 1) & (size - 1)) {
        if (!slots[i].name)
            return false;
        if (strcmp(slots[i].name, name) == 0) {
            *value = slots[i].value;
            return true;
        }
    }
}

/* A power of two at least four times `count` (load factor <= 1/4). */
static size_t index_size(size_t count)
{
    size_t size = 16;
    while (size < count * 4)
        size *= 2;
    return size;
}

/* Builds the label and column indexes. Returns 0, or -1 when out of memory. */
static int build_indexes(fc_template *tpl)
{
    size_t labels = tpl->other_label_count;
    for (size_t i = 0; i < tpl->field_count; i++)
        labels += 1 + tpl->fields[i].alias_count;
    tpl->label_index_size = index_size(labels);
    tpl->label_index = calloc(tpl->label_index_size, sizeof *tpl->label_index);
    size_t columns = tpl->extra_column_count;
    for (size_t i = 0; i < tpl->column_count; i++)
        columns += 1 + tpl->columns[i].alias_count;
    tpl->column_index_size = index_size(columns);
    tpl->column_index = calloc(tpl->column_index_size, sizeof *tpl->column_index);
    if (!tpl->label_index || !tpl->column_index)
        return -1;
    for (size_t i = 0; i < tpl->field_count; i++) {
        const fc_template_field *f = &tpl->fields[i];
        index_put(tpl->label_index, tpl->label_index_size, f->match_key, (int)f->key);
        bloom_put(&tpl->label_bloom, f->match_key);
        for (size_t a = 0; a < f->alias_count; a++) {
            index_put(tpl->label_index, tpl->label_index_size, f->aliases[a], (int)f->key);
            bloom_put(&tpl->label_bloom, f->aliases[a]);
        }
    }
    for (size_t i = 0; i < tpl->other_label_count; i++) {
        index_put(tpl->label_index, tpl->label_index_size, tpl->other_labels[i],
                  (int)FC_FIELD_OTHER);
        bloom_put(&tpl->label_bloom, tpl->other_labels[i]);
    }
    for (size_t i = 0; i < tpl->column_count; i++) {
        const fc_template_column *c = &tpl->columns[i];
        index_put(tpl->column_index, tpl->column_index_size, c->match_key, (int)c->key);
        bloom_put(&tpl->column_bloom, c->match_key);
        for (size_t a = 0; a < c->alias_count; a++) {
            index_put(tpl->column_index, tpl->column_index_size, c->aliases[a], (int)c->key);
            bloom_put(&tpl->column_bloom, c->aliases[a]);
        }
    }
    for (size_t i = 0; i < tpl->extra_column_count; i++) {
        index_put(tpl->column_index, tpl->column_index_size, tpl->extra_columns[i].match_key,
                  (int)FC_COL_EXTRA);
        bloom_put(&tpl->column_bloom, tpl->extra_columns[i].match_key);
    }
    size_t others = 0;
    for (size_t i = 0; i < tpl->other_count; i++)
        others += tpl->others[i].header_count;
    tpl->other_index_size = index_size(others);
    tpl->other_index = calloc(tpl->other_index_size, sizeof *tpl->other_index);
    if (!tpl->other_index)
        return -1;
    for (size_t i = 0; i < tpl->other_count; i++)
        for (size_t k = 0; k < tpl->others[i].header_count; k++)
        {
            index_put(tpl->other_index, tpl->other_index_size, tpl->others[i].headers[k], (int)i);
            bloom_put(&tpl->other_bloom, tpl->others[i].headers[k]);
        }
    return 0;
}

/* Byte length of a closing bracket ) ） 】 ] at s[0..len), or 0. */
static size_t closing_bracket(const char *s, size_t len)
{
    if (len >= 1 && (s[0] == ')' || s[0] == ']'))
        return 1;
    if (len >= 3 && (memcmp(s, "\xEF\xBC\x89", 3) == 0 || memcmp(s, "\xE3\x80\x91", 3) == 0))
        return 3;
    return 0;
}

/* Byte length of an opening bracket ( （ 【 [ at s[0..len), or 0. */
static size_t opening_bracket(const char *s, size_t len)
{
    if (len >= 1 && (s[0] == '(' || s[0] == '['))
        return 1;
    if (len >= 3 && (memcmp(s, "\xEF\xBC\x88", 3) == 0 || memcmp(s, "\xE3\x80\x90", 3) == 0))
        return 3;
    return 0;
}

/* Removes bracketed groups at the end of the NUL-terminated squeezed `s`
 * (and a 分 right after one: "（0-20）分"), and a score such as "10分"
 * at its end, keeping at least one byte before them. Returns the new
 * length. */
static size_t strip_markers(char *s, size_t n)
{
    static const char fen[] = "\xE5\x88\x86"; /* 分 */
    /* Nothing to strip unless the key ends with a bracket or 分. */
    if (n == 0 || (s[n - 1] != ')' && s[n - 1] != ']' &&
                   (n < 3 || ((unsigned char)s[n - 3] != 0xEF && (unsigned char)s[n - 3] != 0xE3 &&
                              memcmp(s + n - 3, fen, 3) != 0))))
        return n;
    if (n > 3 && memcmp(s + n - 3, fen, 3) == 0) {
        size_t d = n - 3;
        while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
            d--;
        if (d > 0 && d < n - 3 && (unsigned char)s[d - 1] >= 0x80) {
            n = d;
            s[n] = '\0';
        }
    }
    for (;;) {
        size_t end = n;
        bool fen_last = end > 3 && memcmp(s + end - 3, fen, 3) == 0;
        if (fen_last && end >= 6 && closing_bracket(s + end - 6, 3) == 3)
            end -= 3; /* 分 after a full-width bracket */
        else if (fen_last && closing_bracket(s + end - 4, 1) == 1)
            end -= 3;
        size_t close = 0;
        if (end >= 3 && closing_bracket(s + end - 3, 3) == 3)
            close = 3;
        else if (end >= 1 && closing_bracket(s + end - 1, 1) == 1)
            close = 1;
        if (!close)
            return n;
        /* Find the matching opening bracket, not at the very start. */
        size_t open_at = (size_t)-1;
        for (size_t i = end - close; i > 0;) {
            i--;
            if (((unsigned char)s[i] & 0xC0) == 0x80)
                continue;
            if (opening_bracket(s + i, end - close - i)) {
                open_at = i;
                break;
            }
        }
        if (open_at == (size_t)-1 || open_at == 0)
            return n;
        n = open_at;
        s[n] = '\0';
    }
}

/* Rewrites the squeezed key `s` (n bytes) in place so that the forms'
 * spellings compare equal: full-width brackets become ASCII ones, colons
 * (':' and '：') and leading required-marks ('*', '★') go. Returns the
 * new length. */
static size_t normalize_key(char *s, size_t n)
{
    /* Most keys hold none of the bytes that start what is rewritten. */
    size_t i0 = 0;
    while (i0 < n && s[i0] != ':' && s[i0] != '*' && (unsigned char)s[i0] != 0xEF &&
           (unsigned char)s[i0] != 0xE2)
        i0++;
    if (i0 == n)
        return n;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && memcmp(s + i, "\xEF\xBC\x88", 3) == 0) { /* （ */
            s[o++] = '(';
            i += 3;
        } else if (i + 3 <= n && memcmp(s + i, "\xEF\xBC\x89", 3) == 0) { /* ） */
            s[o++] = ')';
            i += 3;
        } else if (i + 3 <= n && memcmp(s + i, "\xEF\xBC\x9A", 3) == 0) { /* ： */
            i += 3;
        } else if (s[i] == ':') {
            i++;
        } else if (o == 0 && s[i] == '*') {
            i++;
        } else if (o == 0 && i + 3 <= n && memcmp(s + i, "\xE2\x98\x85", 3) == 0) { /* ★ */
            i += 3;
        } else {
            s[o++] = s[i++];
        }
    }
    s[o] = '\0';
    return o;
}

size_t fc_label_key(const char *text, size_t len, char *buf, size_t size)
{
    size_t n = fc_utf8_squeeze(text, len, buf, size);
    if (n == (size_t)-1)
        return n;
    n = normalize_key(buf, n);
    return strip_markers(buf, n);
}

size_t fc_category_key(const char *text, size_t len, char *buf, size_t size)
{
    fc_coded parts;
    fc_code_split(text, len, &parts);
    size_t n = fc_utf8_squeeze(parts.name, parts.name_len, buf, size);
    if (n == (size_t)-1)
        return n;
    strip_markers(buf, normalize_key(buf, n));
    drop_indicator_suffix(buf);
    return strlen(buf);
}

bool fc_template_lookup_label(const fc_template *tpl, const char *key_text, fc_field_key *key)
{
    int value;
    if (!key_text[0] || !index_get(tpl->label_index, tpl->label_index_size, key_text, &value))
        return false;
    *key = (fc_field_key)value;
    return true;
}

bool fc_template_lookup_column(const fc_template *tpl, const char *key_text, fc_column_key *key)
{
    int value;
    if (!key_text[0] || !index_get(tpl->column_index, tpl->column_index_size, key_text, &value))
        return false;
    *key = (fc_column_key)value;
    return true;
}

int fc_template_lookup_group(const fc_template *tpl, const char *key_text)
{
    for (size_t g = 0; g < tpl->group_count; g++)
        for (size_t k = 0; k < tpl->groups[g].key_count; k++)
            if (strcmp(tpl->groups[g].keys[k], key_text) == 0)
                return (int)g;
    return -1;
}

bool fc_template_lookup_table_label(const fc_template *tpl, const char *key_text)
{
    for (size_t k = 0; k < tpl->table_label_key_count; k++)
        if (strcmp(tpl->table_label_keys[k], key_text) == 0)
            return true;
    return false;
}

const fc_template_other *fc_template_lookup_other(const fc_template *tpl, const char *key_text)
{
    int value;
    if (!key_text[0] || !index_get(tpl->other_index, tpl->other_index_size, key_text, &value))
        return NULL;
    return &tpl->others[value];
}

bool fc_template_match_label(const fc_template *tpl, const char *label, size_t len,
                             fc_field_key *key)
{
    char key_text[LABEL_MAX + 8];
    int value;
    if (len > LABEL_MAX || fc_label_key(label, len, key_text, sizeof key_text) == (size_t)-1 ||
        key_text[0] == '\0' ||
        !index_get(tpl->label_index, tpl->label_index_size, key_text, &value))
        return false;
    *key = (fc_field_key)value;
    return true;
}

bool fc_template_match_column(const fc_template *tpl, const char *header, size_t len,
                              fc_column_key *key)
{
    char key_text[LABEL_MAX + 8];
    int value;
    if (len > LABEL_MAX || fc_label_key(header, len, key_text, sizeof key_text) == (size_t)-1 ||
        key_text[0] == '\0' ||
        !index_get(tpl->column_index, tpl->column_index_size, key_text, &value))
        return false;
    *key = (fc_column_key)value;
    return true;
}

bool fc_template_is_category(const fc_template *tpl, int level, const char *text,
                             size_t len)
{
    char key_text[LABEL_MAX + 8];
    if (len > LABEL_MAX || fc_category_key(text, len, key_text, sizeof key_text) == (size_t)-1 ||
        key_text[0] == '\0')
        return false;
    char *const *names = level == 1 ? tpl->level1_names : tpl->level2_names;
    size_t count = level == 1 ? tpl->level1_count : tpl->level2_count;
    for (size_t i = 0; i < count; i++)
        if (strcmp(key_text, names[i]) == 0)
            return true;
    return false;
}

/* True when the key of `len` bytes of `text` is one of `keys`. */
static bool key_in(char *const *keys, size_t count, const char *text, size_t len)
{
    char key_text[LABEL_MAX + 8];
    if (count == 0 || len > LABEL_MAX ||
        fc_label_key(text, len, key_text, sizeof key_text) == (size_t)-1 || !key_text[0])
        return false;
    for (size_t i = 0; i < count; i++)
        if (strcmp(keys[i], key_text) == 0)
            return true;
    return false;
}

int fc_template_match_group(const fc_template *tpl, const char *text, size_t len)
{
    for (size_t g = 0; g < tpl->group_count; g++)
        if (key_in(tpl->groups[g].keys, tpl->groups[g].key_count, text, len))
            return (int)g;
    return -1;
}

bool fc_template_is_table_label(const fc_template *tpl, const char *text, size_t len)
{
    return key_in(tpl->table_label_keys, tpl->table_label_key_count, text, len);
}

const fc_template_other *fc_template_other_form(const fc_template *tpl, const char *text,
                                                size_t len, bool is_title)
{
    if (len > LABEL_MAX)
        return NULL;
    char key_text[LABEL_MAX + 8];
    if (fc_utf8_squeeze(text, len, key_text, sizeof key_text) == (size_t)-1 || !key_text[0])
        return NULL;
    for (size_t i = 0; i < tpl->other_count; i++) {
        const fc_template_other *o = &tpl->others[i];
        if (is_title) {
            for (size_t k = 0; k < o->title_count; k++)
                if (strstr(key_text, o->titles[k]))
                    return o;
        } else if (key_in(o->headers, o->header_count, text, len)) {
            return o;
        }
    }
    return NULL;
}

const fc_template_field *fc_template_field_of(const fc_template *tpl, fc_field_key key)
{
    for (size_t i = 0; i < tpl->field_count; i++)
        if (tpl->fields[i].key == key)
            return &tpl->fields[i];
    return NULL;
}

const char *fc_template_label(const fc_template *tpl, fc_field_key key)
{
    for (size_t i = 0; i < tpl->field_count; i++)
        if (tpl->fields[i].key == key)
            return tpl->fields[i].label;
    return "";
}

const char *fc_template_column_header(const fc_template *tpl, fc_column_key key)
{
    for (size_t i = 0; i < tpl->column_count; i++)
        if (tpl->columns[i].key == key)
            return tpl->columns[i].header;
    return "";
}

fc_status fc_template_apply_columns(const fc_template *tpl, fc_form *form)
{
    fc_column cols[FC_COL_KEYED];
    size_t n = 0;
    for (size_t i = 0; i < tpl->column_count && n < FC_COL_KEYED; i++)
        cols[n++] = (fc_column){tpl->columns[i].key, tpl->columns[i].header, NULL};
    return fc_form_set_columns(form, cols, n);
}

/* The built-in templates, in `formconv templates` order (the first is the
 * default). */
static const struct builtin {
    const unsigned char *data;   /* the template's XML */
    const size_t *size;          /* its size */
    const char *name;            /* its file name, for messages */
} builtins[] = {
    {fc_embedded_default_template, &fc_embedded_default_template_size, "default-template.xml"},
    {fc_embedded_framework_2021_template, &fc_embedded_framework_2021_template_size,
     "framework-2021.xml"},
    {fc_embedded_midterm_template, &fc_embedded_midterm_template_size, "midterm.xml"},
    {fc_embedded_flat_list_template, &fc_embedded_flat_list_template_size, "flat-list.xml"},
};

/* Appends copies of `count` strings to a list, skipping ones it holds. */
static int merge_strings(char ***list, size_t *list_count, char *const *add, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t k = 0; k < *list_count && !seen; k++)
            seen = strcmp((*list)[k], add[i]) == 0;
        if (!seen && push_string(list, list_count, strdup(add[i])))
            return -1;
    }
    return 0;
}

/* Copies a column (header, key, aliases) into `dst`. */
static int copy_column(fc_template_column *dst, const fc_template_column *src)
{
    memset(dst, 0, sizeof *dst);
    dst->key = src->key;
    dst->width = src->width;
    dst->header = strdup(src->header);
    dst->match_key = strdup(src->match_key);
    if (!dst->header || !dst->match_key)
        return -1;
    return merge_strings(&dst->aliases, &dst->alias_count, src->aliases, src->alias_count);
}

/* Adds what `src` knows to the union `u`. Returns 0 or -1. */
static int merge_into(fc_template *u, const fc_template *src)
{
    if (merge_strings(&u->title_keywords, &u->title_keyword_count, src->title_keywords,
                      src->title_keyword_count) ||
        merge_strings(&u->unit_prefixes, &u->unit_prefix_count, src->unit_prefixes,
                      src->unit_prefix_count) ||
        merge_strings(&u->other_labels, &u->other_label_count, src->other_labels,
                      src->other_label_count) ||
        merge_strings(&u->level1_names, &u->level1_count, src->level1_names,
                      src->level1_count) ||
        merge_strings(&u->level2_names, &u->level2_count, src->level2_names,
                      src->level2_count) ||
        merge_strings(&u->note_prefixes, &u->note_prefix_count, src->note_prefixes,
                      src->note_prefix_count) ||
        merge_strings(&u->note_keywords, &u->note_keyword_count, src->note_keywords,
                      src->note_keyword_count) ||
        merge_strings(&u->table_label_keys, &u->table_label_key_count, src->table_label_keys,
                      src->table_label_key_count))
        return -1;
    for (size_t i = 0; i < src->field_count; i++) {
        const fc_template_field *f = &src->fields[i];
        fc_template_field *grown = realloc(u->fields, (u->field_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        u->fields = grown;
        fc_template_field *d = &u->fields[u->field_count++];
        memset(d, 0, sizeof *d);
        d->key = f->key;
        d->row = f->row;
        d->label_above = f->label_above;
        d->label = strdup(f->label);
        d->match_key = strdup(f->match_key);
        if (!d->label || !d->match_key ||
            merge_strings(&d->aliases, &d->alias_count, f->aliases, f->alias_count))
            return -1;
    }
    for (size_t i = 0; i < src->column_count; i++) {
        const fc_template_column *col = &src->columns[i];
        fc_template_column *have = NULL;
        for (size_t k = 0; k < u->column_count && !have; k++)
            if (u->columns[k].key == col->key)
                have = &u->columns[k];
        if (have) {
            /* The same column under another header: that header is an alias. */
            char *const header[] = {col->match_key};
            if ((strcmp(have->match_key, col->match_key) != 0 &&
                 merge_strings(&have->aliases, &have->alias_count, header, 1)) ||
                merge_strings(&have->aliases, &have->alias_count, col->aliases,
                              col->alias_count))
                return -1;
            continue;
        }
        fc_template_column *grown = realloc(u->columns, (u->column_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        u->columns = grown;
        if (copy_column(&u->columns[u->column_count++], col))
            return -1;
    }
    for (size_t i = 0; i < src->extra_column_count; i++) {
        bool seen = false;
        for (size_t k = 0; k < u->extra_column_count && !seen; k++)
            seen = strcmp(u->extra_columns[k].match_key, src->extra_columns[i].match_key) == 0;
        if (seen)
            continue;
        fc_template_column *grown =
            realloc(u->extra_columns, (u->extra_column_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        u->extra_columns = grown;
        if (copy_column(&u->extra_columns[u->extra_column_count++], &src->extra_columns[i]))
            return -1;
    }
    for (size_t i = 0; i < src->other_count; i++) {
        const fc_template_other *o = &src->others[i];
        bool seen = false;
        for (size_t k = 0; k < u->other_count && !seen; k++)
            seen = strcmp(u->others[k].name, o->name) == 0;
        if (seen)
            continue;
        fc_template_other *grown = realloc(u->others, (u->other_count + 1) * sizeof *grown);
        if (!grown)
            return -1;
        u->others = grown;
        fc_template_other *d = &u->others[u->other_count++];
        memset(d, 0, sizeof *d);
        d->name = strdup(o->name);
        d->english = strdup(o->english);
        if (!d->name || !d->english ||
            merge_strings(&d->titles, &d->title_count, o->titles, o->title_count) ||
            merge_strings(&d->headers, &d->header_count, o->headers, o->header_count))
            return -1;
    }
    return 0;
}

/* Builds the union of the set's templates: a template that knows every
 * label, column, category, note, group and other form any of them knows
 * (a keyed meaning of a label wins over "other"), for reading forms
 * before their template is chosen. Its groups are those of all templates;
 * its style is the default's. */
static fc_status build_union(fc_template_set *set, fc_error *err)
{
    fc_template *u = calloc(1, sizeof *u);
    size_t groups = 0;
    for (size_t i = 0; i < set->count; i++)
        groups += set->items[i]->group_count;
    bool ok = u && (u->name = strdup("all templates")) && (u->id = strdup("all")) &&
              (u->description = strdup("")) && (!groups || (u->groups = calloc(groups, sizeof *u->groups)));
    const fc_template *first = set->items[0];
    ok = ok && (u->title = strdup(first->title)) && (u->attachment = strdup(first->attachment)) &&
         (u->attachment_prefix = strdup(first->attachment_prefix)) &&
         (u->unit = strdup(first->unit));
    for (size_t i = 0; ok && i < set->count; i++) {
        const fc_template *t = set->items[i];
        for (size_t g = 0; ok && g < t->group_count; g++) {
            fc_template_group *d = &u->groups[u->group_count++];
            d->label_above = t->groups[g].label_above;
            ok = (d->label = strdup(t->groups[g].label)) &&
                 !merge_strings(&d->keys, &d->key_count, t->groups[g].keys, t->groups[g].key_count);
        }
        ok = ok && !merge_into(u, t);
    }
    ok = ok && !build_indexes(u);
    if (!ok) {
        fc_template_free(u);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    u->line_height_factor = first->line_height_factor;
    set->all = u;
    return FC_OK;
}

fc_status fc_template_set_single(fc_template *tpl, fc_template_set **out, fc_error *err)
{
    *out = calloc(1, sizeof **out);
    if (*out)
        (*out)->items = malloc(sizeof *(*out)->items);
    if (!*out || !(*out)->items) {
        free(*out);
        *out = NULL;
        fc_template_free(tpl);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    (*out)->items[0] = tpl;
    (*out)->count = 1;
    fc_status st = build_union(*out, err);
    if (st) {
        fc_template_set_free(*out);
        *out = NULL;
    }
    return st;
}

fc_status fc_template_set_add(fc_template_set *set, fc_template *tpl, fc_error *err)
{
    if (fc_template_set_find(set, tpl->id)) {
        fc_status st = fc_error_set(err, FC_ERR_TEMPLATE, NULL,
                                    "a template with the id \"%s\" is already in the set",
                                    tpl->id);
        fc_template_free(tpl);
        return st;
    }
    fc_template **grown = realloc(set->items, (set->count + 1) * sizeof *grown);
    if (!grown) {
        fc_template_free(tpl);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    set->items = grown;
    set->items[set->count++] = tpl;
    fc_template *old = set->all;
    fc_status st = build_union(set, err);
    if (st) {
        set->all = old;
        set->items[--set->count] = NULL;
        fc_template_free(tpl);
        return st;
    }
    fc_template_free(old);
    return FC_OK;
}

fc_status fc_template_set_load_builtin(fc_template_set **out, fc_error *err)
{
    *out = NULL;
    size_t n = sizeof builtins / sizeof builtins[0];
    fc_template_set *set = calloc(1, sizeof *set);
    if (set)
        set->items = calloc(n, sizeof *set->items);
    if (!set || !set->items) {
        free(set);
        return fc_error_set(err, FC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        fc_status st = fc_template_load_memory((const char *)builtins[i].data, *builtins[i].size,
                                               builtins[i].name, &set->items[i], err);
        if (st) {
            fc_template_set_free(set);
            /* A built-in template that does not load is a bug. */
            if (err && st == FC_ERR_TEMPLATE)
                err->code = FC_ERR_INTERNAL;
            return st == FC_ERR_TEMPLATE ? FC_ERR_INTERNAL : st;
        }
        set->count++;
    }
    fc_status st = build_union(set, err);
    if (st) {
        fc_template_set_free(set);
        return st;
    }
    *out = set;
    return FC_OK;
}

const fc_template *fc_template_set_find(const fc_template_set *set, const char *id)
{
    if (!set || set->count == 0)
        return NULL;
    if (!id)
        return set->items[0];
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i]->id, id) == 0)
            return set->items[i];
    return NULL;
}

void fc_template_set_free(fc_template_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        fc_template_free(set->items[i]);
    fc_template_free(set->all);
    free(set->items);
    free(set);
}

const fc_template *fc_template_for_form(const fc_template_set *set, const fc_template *fallback,
                                        const fc_form *form)
{
    const fc_template *tpl = form ? fc_template_set_find(set, form->template_id) : NULL;
    if (tpl && tpl->list_shape)
        tpl = fc_template_set_find(set, tpl->forms_as);
    if (!form || !form->template_id)
        return fallback ? fallback : tpl;
    return tpl ? tpl : fallback;
}
