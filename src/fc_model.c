/*
 * fc_model.c - forms, documents and code/name splitting.
 */
#include "fc_model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

fc_form *fc_form_new(void)
{
    fc_form *form = calloc(1, sizeof *form);
    if (!form)
        return NULL;
    fc_arena_init(&form->arena, FC_FORM_ARENA_LIMIT);
    return form;
}

void fc_form_free(fc_form *form)
{
    if (!form)
        return;
    fc_arena_free(&form->arena);
    free(form->fields);
    free(form->columns);
    free(form->indicators);
    free(form->notes);
    free(form);
}

void fc_form_reset(fc_form *form)
{
    fc_arena_reset(&form->arena);
    form->title = NULL;
    form->subtitle = NULL;
    form->unit = NULL;
    form->table_label = NULL;
    form->template_id = NULL;
    form->field_count = 0;
    form->column_count = 0;
    form->extra_count = 0;
    form->indicator_count = 0;
    form->note_count = 0;
    form->origin[0] = '\0';
}

const char *fc_form_strdup(fc_form *form, const char *text, size_t len)
{
    return fc_arena_strndup(&form->arena, text ? text : "", text ? len : 0);
}

/* Grows an array of `elem` bytes each so that one more fits. Returns false
 * when out of memory (the array is unchanged). */
static bool grow(void **array, size_t *capacity, size_t count, size_t elem)
{
    if (count < *capacity)
        return true;
    size_t fresh = *capacity ? *capacity * 2 : 16;
    if (fresh > SIZE_MAX / elem)
        return false;
    void *bigger = realloc(*array, fresh * elem);
    if (!bigger)
        return false;
    *array = bigger;
    *capacity = fresh;
    return true;
}

fc_status fc_form_set_title(fc_form *form, const char *text, size_t len)
{
    if (!text) {
        form->title = NULL;
        return FC_OK;
    }
    form->title = fc_form_strdup(form, text, len);
    return form->title ? FC_OK : FC_ERR_NOMEM;
}

/* Sets *slot to a copy of `text` (NULL clears it). */
static fc_status set_text(fc_form *form, const char **slot, const char *text, size_t len)
{
    if (!text) {
        *slot = NULL;
        return FC_OK;
    }
    *slot = fc_form_strdup(form, text, len);
    return *slot ? FC_OK : FC_ERR_NOMEM;
}

fc_status fc_form_set_unit(fc_form *form, const char *text, size_t len)
{
    return set_text(form, &form->unit, text, len);
}

fc_status fc_form_set_subtitle(fc_form *form, const char *text, size_t len)
{
    return set_text(form, &form->subtitle, text, len);
}

fc_status fc_form_set_table_label(fc_form *form, const char *text, size_t len)
{
    return set_text(form, &form->table_label, text, len);
}

fc_status fc_form_set_template(fc_form *form, const char *id)
{
    return set_text(form, &form->template_id, id, id ? strlen(id) : 0);
}

fc_status fc_form_add_field(fc_form *form, fc_field_key key,
                            const char *label, size_t label_len,
                            const char *value, size_t value_len, bool same_row)
{
    if (!grow((void **)&form->fields, &form->field_capacity, form->field_count,
              sizeof *form->fields))
        return FC_ERR_NOMEM;
    fc_field *field = &form->fields[form->field_count];
    field->key = key;
    field->label = fc_form_strdup(form, label, label_len);
    field->value = fc_form_strdup(form, value, value_len);
    field->same_row = same_row;
    field->group = NULL;
    field->label_above = false;
    if (!field->label || !field->value)
        return FC_ERR_NOMEM;
    form->field_count++;
    return FC_OK;
}

fc_status fc_form_set_field_block(fc_form *form, const char *group, size_t group_len,
                                  bool label_above)
{
    if (form->field_count == 0)
        return FC_ERR_INTERNAL;
    fc_field *field = &form->fields[form->field_count - 1];
    field->label_above = label_above;
    /* Share the previous field's copy when the group is the same. */
    const fc_field *prev = form->field_count > 1 ? field - 1 : NULL;
    if (group && prev && prev->group && strlen(prev->group) == group_len &&
        memcmp(prev->group, group, group_len) == 0) {
        field->group = prev->group;
        return FC_OK;
    }
    return set_text(form, &field->group, group, group_len);
}

const char *fc_form_field(const fc_form *form, fc_field_key key)
{
    if (key == FC_FIELD_OTHER)
        return NULL;
    for (size_t i = 0; i < form->field_count; i++)
        if (form->fields[i].key == key)
            return form->fields[i].value;
    return NULL;
}

fc_status fc_form_set_columns(fc_form *form, const fc_column *columns, size_t count)
{
    if (form->indicator_count)
        return FC_ERR_INTERNAL;
    fc_column *fresh = NULL;
    if (count) {
        fresh = realloc(form->columns, count * sizeof *fresh);
        if (!fresh)
            return FC_ERR_NOMEM;
        form->columns = fresh;
    }
    size_t extra = 0;
    for (size_t i = 0; i < count; i++) {
        const char *header = columns[i].header ? columns[i].header : "";
        const char *sub = columns[i].subheader;
        form->columns[i].key = columns[i].key;
        form->columns[i].header = fc_form_strdup(form, header, strlen(header));
        form->columns[i].subheader = sub ? fc_form_strdup(form, sub, strlen(sub)) : NULL;
        if (!form->columns[i].header || (sub && !form->columns[i].subheader)) {
            form->column_count = 0;
            form->extra_count = 0;
            return FC_ERR_NOMEM;
        }
        if (columns[i].key == FC_COL_EXTRA)
            extra++;
    }
    form->column_count = count;
    form->extra_count = extra;
    return FC_OK;
}

/* Copies a NUL-terminated string (NULL means "") into the form. */
static const char *dup_z(fc_form *form, const char *text)
{
    return text ? fc_form_strdup(form, text, strlen(text)) : fc_form_strdup(form, "", 0);
}

const char *fc_indicator_value(const fc_indicator *row, fc_column_key key)
{
    switch (key) {
    case FC_COL_LEVEL1: return row->level1;
    case FC_COL_LEVEL2: return row->level2;
    case FC_COL_NAME: return row->name;
    case FC_COL_TARGET: return row->target;
    case FC_COL_MIDTERM_TARGET: return row->midterm_target;
    case FC_COL_SCORE: return row->score;
    case FC_COL_EXPLANATION: return row->explanation;
    case FC_COL_EXTRA: break;
    }
    return NULL;
}

/* Points the keyed values of `row` at `keyed` (NULL entries mean ""). */
static void set_keyed(fc_indicator *row, const char *const keyed[FC_COL_KEYED])
{
    const char **slots[FC_COL_KEYED] = {&row->level1, &row->level2, &row->name, &row->target,
                                        &row->midterm_target, &row->score, &row->explanation};
    for (size_t k = 0; k < FC_COL_KEYED; k++)
        *slots[k] = keyed[k] ? keyed[k] : "";
}

fc_status fc_form_push_keyed(fc_form *form, const char *const keyed[FC_COL_KEYED],
                             const char *const *extra)
{
    if (!grow((void **)&form->indicators, &form->indicator_capacity,
              form->indicator_count, sizeof *form->indicators))
        return FC_ERR_NOMEM;
    const char **values = NULL;
    if (form->extra_count) {
        values = fc_arena_alloc(&form->arena, form->extra_count * sizeof *values);
        if (!values)
            return FC_ERR_NOMEM;
        for (size_t i = 0; i < form->extra_count; i++)
            values[i] = (extra && extra[i]) ? extra[i] : "";
    }
    fc_indicator *row = &form->indicators[form->indicator_count++];
    set_keyed(row, keyed);
    row->extra = values;
    return FC_OK;
}

fc_status fc_form_add_keyed(fc_form *form, const char *const keyed[FC_COL_KEYED],
                            const char *const *extra)
{
    const char *copies[FC_COL_KEYED];
    for (size_t k = 0; k < FC_COL_KEYED; k++)
        if (!(copies[k] = dup_z(form, keyed[k])))
            return FC_ERR_NOMEM;
    const char **extra_copies = NULL;
    if (form->extra_count) {
        extra_copies = fc_arena_alloc(&form->arena, form->extra_count * sizeof *extra_copies);
        if (!extra_copies)
            return FC_ERR_NOMEM;
        for (size_t i = 0; i < form->extra_count; i++)
            if (!(extra_copies[i] = dup_z(form, extra ? extra[i] : NULL)))
                return FC_ERR_NOMEM;
    }
    return fc_form_push_keyed(form, copies, extra_copies);
}

fc_status fc_form_add_indicator(fc_form *form, const char *level1,
                                const char *level2, const char *name,
                                const char *target, const char *const *extra)
{
    const char *keyed[FC_COL_KEYED] = {level1, level2, name, target, NULL, NULL, NULL};
    return fc_form_add_keyed(form, keyed, extra);
}

fc_status fc_form_push_indicator(fc_form *form, const char *level1, const char *level2,
                                 const char *name, const char *target,
                                 const char *const *extra)
{
    const char *keyed[FC_COL_KEYED] = {level1, level2, name, target, NULL, NULL, NULL};
    return fc_form_push_keyed(form, keyed, extra);
}

fc_status fc_form_insert_column(fc_form *form, size_t index, fc_column_key key,
                                const char *header, size_t header_len)
{
    if (index > form->column_count || (key != FC_COL_EXTRA && form->indicator_count))
        return FC_ERR_INTERNAL;
    const char *copy = fc_form_strdup(form, header, header_len);
    if (!copy)
        return FC_ERR_NOMEM;
    fc_column *bigger = realloc(form->columns, (form->column_count + 1) * sizeof *bigger);
    if (!bigger)
        return FC_ERR_NOMEM;
    form->columns = bigger;
    /* Position of the new column among the extra columns. */
    size_t extra_pos = 0;
    for (size_t i = 0; i < index; i++)
        if (form->columns[i].key == FC_COL_EXTRA)
            extra_pos++;
    if (key == FC_COL_EXTRA && form->indicator_count) {
        size_t n = form->extra_count + 1;
        for (size_t r = 0; r < form->indicator_count; r++) {
            const char **values = fc_arena_alloc(&form->arena, n * sizeof *values);
            if (!values)
                return FC_ERR_NOMEM;
            const char **old = form->indicators[r].extra;
            for (size_t k = 0, o = 0; k < n; k++)
                values[k] = (k == extra_pos) ? "" : old[o++];
            form->indicators[r].extra = values;
        }
    }
    memmove(form->columns + index + 1, form->columns + index,
            (form->column_count - index) * sizeof *form->columns);
    form->columns[index].key = key;
    form->columns[index].header = copy;
    form->columns[index].subheader = NULL;
    form->column_count++;
    if (key == FC_COL_EXTRA)
        form->extra_count++;
    return FC_OK;
}

fc_status fc_form_add_note(fc_form *form, fc_note_place place,
                           size_t after_fields, const char *const *cells,
                           size_t cell_count)
{
    if (cell_count == 0)
        return FC_ERR_INTERNAL;
    if (!grow((void **)&form->notes, &form->note_capacity, form->note_count,
              sizeof *form->notes))
        return FC_ERR_NOMEM;
    if (cell_count > SIZE_MAX / sizeof(char *))
        return FC_ERR_NOMEM;
    const char **copy = fc_arena_alloc(&form->arena, cell_count * sizeof *copy);
    if (!copy)
        return FC_ERR_NOMEM;
    for (size_t i = 0; i < cell_count; i++) {
        copy[i] = dup_z(form, cells[i]);
        if (!copy[i])
            return FC_ERR_NOMEM;
    }
    fc_note *note = &form->notes[form->note_count++];
    note->place = place;
    note->after_fields = place == FC_NOTE_IN_HEADER ? after_fields : 0;
    note->cells = copy;
    note->cell_count = cell_count;
    return FC_OK;
}

fc_status fc_form_copy(fc_form *dst, const fc_form *src)
{
    fc_form_reset(dst);
    fc_status st = FC_OK;
    memcpy(dst->origin, src->origin, sizeof dst->origin);
    if (src->title)
        st = fc_form_set_title(dst, src->title, strlen(src->title));
    if (!st && src->subtitle)
        st = fc_form_set_subtitle(dst, src->subtitle, strlen(src->subtitle));
    if (!st && src->unit)
        st = fc_form_set_unit(dst, src->unit, strlen(src->unit));
    if (!st && src->table_label)
        st = fc_form_set_table_label(dst, src->table_label, strlen(src->table_label));
    if (!st && src->template_id)
        st = fc_form_set_template(dst, src->template_id);
    for (size_t i = 0; !st && i < src->field_count; i++) {
        const fc_field *f = &src->fields[i];
        st = fc_form_add_field(dst, f->key, f->label, strlen(f->label), f->value,
                               strlen(f->value), f->same_row);
        if (!st && (f->group || f->label_above))
            st = fc_form_set_field_block(dst, f->group, f->group ? strlen(f->group) : 0,
                                         f->label_above);
    }
    if (!st)
        st = fc_form_set_columns(dst, src->columns, src->column_count);
    for (size_t i = 0; !st && i < src->indicator_count; i++) {
        const fc_indicator *r = &src->indicators[i];
        const char *keyed[FC_COL_KEYED];
        for (size_t k = 0; k < FC_COL_KEYED; k++)
            keyed[k] = fc_indicator_value(r, (fc_column_key)k);
        st = fc_form_add_keyed(dst, keyed, r->extra);
    }
    for (size_t i = 0; !st && i < src->note_count; i++) {
        const fc_note *n = &src->notes[i];
        st = fc_form_add_note(dst, n->place, n->after_fields, n->cells, n->cell_count);
    }
    if (st)
        fc_form_reset(dst);
    return st;
}

/* Compares two possibly-NULL strings. */
static bool same_text(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool fc_form_equal(const fc_form *a, const fc_form *b)
{
    if (!same_text(a->title, b->title) || !same_text(a->unit, b->unit) ||
        !same_text(a->subtitle, b->subtitle) || !same_text(a->table_label, b->table_label) ||
        !same_text(a->template_id, b->template_id) ||
        a->field_count != b->field_count || a->column_count != b->column_count ||
        a->indicator_count != b->indicator_count || a->note_count != b->note_count)
        return false;
    for (size_t i = 0; i < a->field_count; i++) {
        const fc_field *x = &a->fields[i], *y = &b->fields[i];
        if (x->key != y->key || x->same_row != y->same_row ||
            x->label_above != y->label_above || !same_text(x->group, y->group) ||
            strcmp(x->label, y->label) || strcmp(x->value, y->value))
            return false;
    }
    for (size_t i = 0; i < a->column_count; i++)
        if (a->columns[i].key != b->columns[i].key ||
            strcmp(a->columns[i].header, b->columns[i].header) ||
            !same_text(a->columns[i].subheader, b->columns[i].subheader))
            return false;
    for (size_t i = 0; i < a->indicator_count; i++) {
        const fc_indicator *x = &a->indicators[i], *y = &b->indicators[i];
        for (size_t k = 0; k < FC_COL_KEYED; k++)
            if (strcmp(fc_indicator_value(x, (fc_column_key)k),
                       fc_indicator_value(y, (fc_column_key)k)))
                return false;
        for (size_t k = 0; k < a->extra_count; k++)
            if (strcmp(x->extra[k], y->extra[k]))
                return false;
    }
    for (size_t i = 0; i < a->note_count; i++) {
        const fc_note *x = &a->notes[i], *y = &b->notes[i];
        if (x->place != y->place || x->after_fields != y->after_fields ||
            x->cell_count != y->cell_count)
            return false;
        for (size_t k = 0; k < x->cell_count; k++)
            if (strcmp(x->cells[k], y->cells[k]))
                return false;
    }
    return true;
}

int fc_form_column_index(const fc_form *form, fc_column_key key)
{
    for (size_t i = 0; i < form->column_count; i++)
        if (form->columns[i].key == key)
            return (int)i;
    return -1;
}

fc_doc *fc_doc_new(void)
{
    return calloc(1, sizeof(fc_doc));
}

void fc_doc_free(fc_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->form_count; i++)
        fc_form_free(doc->forms[i]);
    free(doc->forms);
    free(doc->attachment);
    free(doc);
}

fc_status fc_doc_set_attachment(fc_doc *doc, const char *text, size_t len)
{
    char *copy = NULL;
    if (text) {
        copy = malloc(len + 1);
        if (!copy)
            return FC_ERR_NOMEM;
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    free(doc->attachment);
    doc->attachment = copy;
    return FC_OK;
}

fc_status fc_doc_add_form(fc_doc *doc, fc_form *form)
{
    if (!grow((void **)&doc->forms, &doc->form_capacity, doc->form_count,
              sizeof *doc->forms)) {
        fc_form_free(form);
        return FC_ERR_NOMEM;
    }
    doc->forms[doc->form_count++] = form;
    return FC_OK;
}

/* True for the ASCII characters a code may hold. */
static bool code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Length of the code at the start of `s` (at most `len`, at most 32 bytes,
 * holding a digit), or 0 when there is none. */
static size_t code_span(const char *s, size_t len)
{
    size_t n = 0;
    bool digit = false;
    while (n < len && n <= 32 && code_char(s[n])) {
        if (s[n] >= '0' && s[n] <= '9')
            digit = true;
        n++;
    }
    return (n == 0 || n > 32 || !digit) ? 0 : n;
}

#define LENTICULAR_OPEN "\xE3\x80\x90"  /* 【 */
#define LENTICULAR_CLOSE "\xE3\x80\x91" /* 】 */

void fc_code_split(const char *text, size_t len, fc_coded *out)
{
    out->style = FC_CODE_NONE;
    out->code = NULL;
    out->code_len = 0;
    out->name = text;
    out->name_len = len;
    if (len >= 2 && text[0] == '[') {
        size_t n = code_span(text + 1, len - 1);
        if (n && 1 + n < len && text[1 + n] == ']') {
            out->style = FC_CODE_BRACKET;
            out->code = text + 1;
            out->code_len = n;
            out->name = text + n + 2;
            out->name_len = len - n - 2;
        }
        return;
    }
    if (len >= 6 && memcmp(text, LENTICULAR_OPEN, 3) == 0) {
        size_t n = code_span(text + 3, len - 3);
        if (n && 3 + n + 3 <= len && memcmp(text + 3 + n, LENTICULAR_CLOSE, 3) == 0) {
            out->style = FC_CODE_LENTICULAR;
            out->code = text + 3;
            out->code_len = n;
            out->name = text + 3 + n + 3;
            out->name_len = len - n - 6;
        }
        return;
    }
    size_t n = code_span(text, len);
    /* A dash style needs a non-empty name after the dash. */
    if (n && n + 1 < len && text[n] == '-') {
        out->style = FC_CODE_DASH;
        out->code = text;
        out->code_len = n;
        out->name = text + n + 1;
        out->name_len = len - n - 1;
    }
}

/* Appends `n` bytes of `s` at offset *pos of `buf` (size `size`), counting
 * the length even past the end. */
static void put(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
    if (*pos < size) {
        size_t room = size - *pos;
        memcpy(buf + *pos, s, n < room ? n : room);
    }
    *pos += n;
}

size_t fc_code_join(const fc_coded *parts, char *buf, size_t size)
{
    size_t pos = 0;
    switch (parts->style) {
    case FC_CODE_NONE:
        break;
    case FC_CODE_DASH:
        put(buf, size, &pos, parts->code, parts->code_len);
        put(buf, size, &pos, "-", 1);
        break;
    case FC_CODE_BRACKET:
        put(buf, size, &pos, "[", 1);
        put(buf, size, &pos, parts->code, parts->code_len);
        put(buf, size, &pos, "]", 1);
        break;
    case FC_CODE_LENTICULAR:
        put(buf, size, &pos, LENTICULAR_OPEN, 3);
        put(buf, size, &pos, parts->code, parts->code_len);
        put(buf, size, &pos, LENTICULAR_CLOSE, 3);
        break;
    }
    put(buf, size, &pos, parts->name, parts->name_len);
    if (size)
        buf[pos < size ? pos : size - 1] = '\0';
    return pos;
}

const char *fc_code_style_name(fc_code_style style)
{
    switch (style) {
    case FC_CODE_NONE: return "none";
    case FC_CODE_DASH: return "dash";
    case FC_CODE_BRACKET: return "bracket";
    case FC_CODE_LENTICULAR: return "lenticular";
    }
    return "none";
}

bool fc_code_style_parse(const char *name, fc_code_style *style)
{
    static const fc_code_style all[] = {FC_CODE_NONE, FC_CODE_DASH, FC_CODE_BRACKET,
                                        FC_CODE_LENTICULAR};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, fc_code_style_name(all[i])) == 0) {
            *style = all[i];
            return true;
        }
    return false;
}

const char *fc_field_key_name(fc_field_key key)
{
    switch (key) {
    case FC_FIELD_OTHER: return "other";
    case FC_FIELD_NAME: return "name";
    case FC_FIELD_DEPARTMENT: return "department";
    case FC_FIELD_IMPLEMENTER: return "implementer";
    case FC_FIELD_ATTRIBUTE: return "attribute";
    case FC_FIELD_DURATION: return "duration";
    case FC_FIELD_DIVISION: return "division";
    case FC_FIELD_AMOUNT: return "amount";
    case FC_FIELD_GOAL: return "goal";
    case FC_FIELD_MIDTERM_GOAL: return "midterm-goal";
    case FC_FIELD_FUND_TOTAL: return "fund-total";
    case FC_FIELD_FUND_FISCAL: return "fund-fiscal";
    case FC_FIELD_FUND_OTHER: return "fund-other";
    case FC_FIELD_KEY_COUNT: break;
    }
    return "other";
}

const char *fc_column_key_name(fc_column_key key)
{
    switch (key) {
    case FC_COL_LEVEL1: return "level1";
    case FC_COL_LEVEL2: return "level2";
    case FC_COL_NAME: return "name";
    case FC_COL_TARGET: return "target";
    case FC_COL_MIDTERM_TARGET: return "midterm-target";
    case FC_COL_SCORE: return "score";
    case FC_COL_EXPLANATION: return "explanation";
    case FC_COL_EXTRA: break;
    }
    return "extra";
}
