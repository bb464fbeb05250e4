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

void fc_template_free(fc_template *tpl)
{
    if (!tpl)
        return;
    free(tpl->name);
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

/* Returns a malloc'd squeezed (no spaces, no trailing colon) copy of `s`. */
static char *squeezed(const char *s)
{
    if (!s)
        return NULL;
    char buf[LABEL_MAX + 8];
    size_t n = fc_utf8_squeeze(s, strlen(s), buf, sizeof buf);
    if (n == (size_t)-1)
        return strdup(s);
    return strdup(buf);
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
    static const char *const names[] = {"level1", "level2", "name", "target"};
    for (int k = 0; k < 4; k++)
        if (name && strcmp(name, names[k]) == 0)
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

/* Fills `tpl` from a validated tree. Returns 0, or -1 when out of memory. */
static int build(fc_template *tpl, xmlNodePtr root)
{
    tpl->name = attr(root, "name");
    tpl->line_height_factor = 1.45;
    tpl->title_row_height = 36;
    if (!tpl->name)
        return -1;
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
                    continue;
                }
                if (!is_elem(row, "row"))
                    continue;
                for (xmlNodePtr f = row->children; f; f = f->next) {
                    if (!is_elem(f, "field"))
                        continue;
                    fc_template_field *grown =
                        realloc(tpl->fields, (tpl->field_count + 1) * sizeof *grown);
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
                    if (!tf->label || !tf->match_key ||
                        read_aliases(f, &tf->aliases, &tf->alias_count))
                        return -1;
                }
                row_index++;
            }
        } else if (is_elem(sec, "indicators")) {
            for (xmlNodePtr c = sec->children; c; c = c->next) {
                if (is_elem(c, "column")) {
                    fc_template_column *grown =
                        realloc(tpl->columns, (tpl->column_count + 1) * sizeof *grown);
                    if (!grown)
                        return -1;
                    tpl->columns = grown;
                    fc_template_column *col = &tpl->columns[tpl->column_count++];
                    memset(col, 0, sizeof *col);
                    char *key = attr(c, "key");
                    col->key = column_key_of(key);
                    free(key);
                    col->header = attr(c, "header");
                    col->match_key = squeezed(col->header);
                    col->width = attr_number(c, "width", 12);
                    if (!col->header || !col->match_key ||
                        read_aliases(c, &col->aliases, &col->alias_count))
                        return -1;
                } else if (is_elem(c, "extra")) {
                    fc_template_column *grown = realloc(
                        tpl->extra_columns, (tpl->extra_column_count + 1) * sizeof *grown);
                    if (!grown)
                        return -1;
                    tpl->extra_columns = grown;
                    fc_template_column *col = &tpl->extra_columns[tpl->extra_column_count++];
                    memset(col, 0, sizeof *col);
                    col->key = FC_COL_EXTRA;
                    col->header = attr(c, "header");
                    col->match_key = squeezed(col->header);
                    col->width = attr_number(c, "width", 12);
                    if (!col->header || !col->match_key)
                        return -1;
                } else if (is_elem(c, "category")) {
                    char *name = content_squeezed(c);
                    if (!name)
                        return -1;
                    drop_indicator_suffix(name);
                    double level = attr_number(c, "level", 1);
                    int rc = level == 2
                                 ? push_string(&tpl->level2_names, &tpl->level2_count, name)
                                 : push_string(&tpl->level1_names, &tpl->level1_count, name);
                    if (rc)
                        return -1;
                }
            }
        } else if (is_elem(sec, "notes")) {
            for (xmlNodePtr c = sec->children; c; c = c->next)
                if (is_elem(c, "prefix") &&
                    push_string(&tpl->note_prefixes, &tpl->note_prefix_count, text_of(c)))
                    return -1;
        } else if (is_elem(sec, "style")) {
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
        } else if (is_elem(sec, "page")) {
            tpl->margin_left = attr_number(sec, "left", 0.6);
            tpl->margin_right = attr_number(sec, "right", 0.6);
            tpl->margin_top = attr_number(sec, "top", 0.75);
            tpl->margin_bottom = attr_number(sec, "bottom", 0.75);
            tpl->margin_header = attr_number(sec, "header", 0.3);
            tpl->margin_footer = attr_number(sec, "footer", 0.3);
        }
    }
    /* Roles without a font of their own take the table's value font. */
    for (int r = 0; r < FC_ROLE_COUNT; r++) {
        if (tpl->fonts[r].name)
            continue;
        const fc_font *base = tpl->fonts[FC_ROLE_VALUE].name ? &tpl->fonts[FC_ROLE_VALUE] : NULL;
        tpl->fonts[r].name = strdup(base ? base->name : "宋体");
        tpl->fonts[r].size = base ? base->size : 11;
        tpl->fonts[r].bold = false;
        if (!tpl->fonts[r].name)
            return -1;
    }
    /* Keyed columns in key order, so columns[k].key == k. */
    for (size_t i = 0; i < tpl->column_count; i++)
        for (size_t j = i + 1; j < tpl->column_count; j++)
            if (tpl->columns[j].key < tpl->columns[i].key) {
                fc_template_column t = tpl->columns[i];
                tpl->columns[i] = tpl->columns[j];
                tpl->columns[j] = t;
            }
    return 0;
}

static int build_indexes(fc_template *tpl);

/* Checks the invariants the schema cannot express. */
static fc_status check_semantics(const fc_template *tpl, const char *name, fc_error *err)
{
    if (tpl->column_count != 4)
        return fc_error_set(err, FC_ERR_TEMPLATE, name,
                            "a template needs the columns level1, level2, name and target");
    for (size_t i = 0; i < 4; i++)
        if (tpl->columns[i].key != (fc_column_key)i)
            return fc_error_set(err, FC_ERR_TEMPLATE, name,
                                "a template needs the columns level1, level2, name and target");
    for (int k = FC_FIELD_NAME; k < FC_FIELD_KEY_COUNT; k++) {
        int found = 0;
        for (size_t i = 0; i < tpl->field_count; i++)
            found |= tpl->fields[i].key == (fc_field_key)k;
        if (!found)
            return fc_error_set(err, FC_ERR_TEMPLATE, name, "the template has no field \"%s\"",
                                fc_field_key_name((fc_field_key)k));
    }
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
        for (size_t a = 0; a < f->alias_count; a++)
            index_put(tpl->label_index, tpl->label_index_size, f->aliases[a], (int)f->key);
    }
    for (size_t i = 0; i < tpl->other_label_count; i++)
        index_put(tpl->label_index, tpl->label_index_size, tpl->other_labels[i],
                  (int)FC_FIELD_OTHER);
    for (size_t i = 0; i < tpl->column_count; i++) {
        const fc_template_column *c = &tpl->columns[i];
        index_put(tpl->column_index, tpl->column_index_size, c->match_key, (int)c->key);
        for (size_t a = 0; a < c->alias_count; a++)
            index_put(tpl->column_index, tpl->column_index_size, c->aliases[a], (int)c->key);
    }
    for (size_t i = 0; i < tpl->extra_column_count; i++)
        index_put(tpl->column_index, tpl->column_index_size, tpl->extra_columns[i].match_key,
                  (int)FC_COL_EXTRA);
    return 0;
}

bool fc_template_match_label(const fc_template *tpl, const char *label, size_t len,
                             fc_field_key *key)
{
    char key_text[LABEL_MAX + 8];
    int value;
    if (len > LABEL_MAX || fc_utf8_squeeze(label, len, key_text, sizeof key_text) == (size_t)-1 ||
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
    if (len > LABEL_MAX || fc_utf8_squeeze(header, len, key_text, sizeof key_text) == (size_t)-1 ||
        key_text[0] == '\0' ||
        !index_get(tpl->column_index, tpl->column_index_size, key_text, &value))
        return false;
    *key = (fc_column_key)value;
    return true;
}

bool fc_template_is_category(const fc_template *tpl, int level, const char *text,
                             size_t len)
{
    fc_coded parts;
    fc_code_split(text, len, &parts);
    char key_text[LABEL_MAX + 8];
    if (parts.name_len > LABEL_MAX ||
        fc_utf8_squeeze(parts.name, parts.name_len, key_text, sizeof key_text) == (size_t)-1)
        return false;
    drop_indicator_suffix(key_text);
    if (key_text[0] == '\0')
        return false;
    char *const *names = level == 1 ? tpl->level1_names : tpl->level2_names;
    size_t count = level == 1 ? tpl->level1_count : tpl->level2_count;
    for (size_t i = 0; i < count; i++)
        if (strcmp(key_text, names[i]) == 0)
            return true;
    return false;
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
    fc_column cols[4];
    for (size_t i = 0; i < 4 && i < tpl->column_count; i++) {
        cols[i].key = tpl->columns[i].key;
        cols[i].header = tpl->columns[i].header;
    }
    return fc_form_set_columns(form, cols, tpl->column_count < 4 ? tpl->column_count : 4);
}
