/*
 * fc_check.c - rules a well-formed budget form follows.
 */
#include "fc_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fc_utf8.h"

bool fc_is_decimal(const char *text, size_t len)
{
    size_t i = 0;
    if (i < len && (text[i] == '-' || text[i] == '+'))
        i++;
    size_t digits = 0;
    while (i < len && text[i] >= '0' && text[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && text[i] == '.') {
        i++;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            i++;
            digits++;
        }
    }
    return digits > 0 && i == len;
}

/* Reports one problem (printf-style) about form `index`. */
static void problem(const fc_form *form, size_t index, fc_report_fn report, void *ctx,
                    size_t *count, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void problem(const fc_form *form, size_t index, fc_report_fn report, void *ctx,
                    size_t *count, const char *fmt, ...)
{
    fc_error e;
    char message[FC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    const char *name = fc_form_field(form, FC_FIELD_NAME);
    fc_error_set(&e, FC_ERR_INPUT, form->origin[0] ? form->origin : NULL, "form %zu%s%s%s: %s",
                 index, name ? " (" : "", name ? name : "", name ? ")" : "", message);
    (*count)++;
    if (report)
        report(ctx, &e);
}

size_t fc_form_check(const fc_form *form, size_t index, const fc_template *tpl,
                     fc_report_fn report, void *ctx)
{
    size_t count = 0;
    if (!form->title || fc_utf8_is_blank(form->title, strlen(form->title)))
        problem(form, index, report, ctx, &count, "has no title");
    if (!form->unit)
        problem(form, index, report, ctx, &count, "has no unit line (such as %s)", tpl->unit);
    for (size_t f = 0; f < tpl->field_count; f++) {
        fc_field_key k = tpl->fields[f].key;
        if (k == FC_FIELD_OTHER)
            continue;
        const char *value = fc_form_field(form, k);
        const char *label = tpl->fields[f].label;
        if (!value)
            problem(form, index, report, ctx, &count, "has no field %s", label);
        else if (fc_utf8_is_blank(value, strlen(value)))
            problem(form, index, report, ctx, &count, "field %s is empty", label);
    }
    const char *amount = fc_form_field(form, FC_FIELD_AMOUNT);
    if (amount && !fc_utf8_is_blank(amount, strlen(amount))) {
        const char *p = amount;
        size_t n = strlen(amount);
        fc_utf8_trim(&p, &n);
        if (!fc_is_decimal(p, n))
            problem(form, index, report, ctx, &count,
                    "annual amount \"%s\" is not a decimal number", amount);
    }
    static const fc_field_key coded[] = {FC_FIELD_ATTRIBUTE, FC_FIELD_DIVISION};
    for (size_t i = 0; i < 2; i++) {
        const char *value = fc_form_field(form, coded[i]);
        if (!value || fc_utf8_is_blank(value, strlen(value)))
            continue;
        fc_coded parts;
        fc_code_split(value, strlen(value), &parts);
        if (parts.style == FC_CODE_NONE)
            problem(form, index, report, ctx, &count, "%s \"%s\" has no code (such as 0101-...)",
                    fc_template_label(tpl, coded[i]), value);
    }
    if (form->indicator_count == 0)
        problem(form, index, report, ctx, &count, "has no indicators");
    /* Names empty where other columns hold values: a table whose columns
     * may have shifted. */
    size_t unnamed = 0;
    for (size_t i = 0; i < form->indicator_count; i++) {
        const fc_indicator *row = &form->indicators[i];
        bool other = row->target[0] || row->midterm_target[0] || row->score[0] ||
                     row->explanation[0];
        for (size_t k = 0; !other && row->extra && k < form->extra_count; k++)
            other = row->extra[k][0] != '\0';
        unnamed += !row->name[0] && other;
    }
    if (unnamed)
        problem(form, index, report, ctx, &count,
                "%zu indicator row%s an empty name (%s) while other columns hold values",
                unnamed, unnamed == 1 ? " has" : "s have",
                fc_template_column_header(tpl, FC_COL_NAME));
    for (size_t i = 0; i < form->indicator_count; i++) {
        const fc_indicator *row = &form->indicators[i];
        if (row->name[0] && fc_utf8_is_blank(row->target, strlen(row->target)))
            problem(form, index, report, ctx, &count, "indicator \"%s\" has no target value",
                    row->name);
        fc_coded l1, l2;
        fc_code_split(row->level1, strlen(row->level1), &l1);
        fc_code_split(row->level2, strlen(row->level2), &l2);
        bool first_of_group = i == 0 || strcmp(row->level2, form->indicators[i - 1].level2) ||
                              strcmp(row->level1, form->indicators[i - 1].level1);
        if (first_of_group && l1.style != FC_CODE_NONE && l2.style != FC_CODE_NONE &&
            (l2.code_len <= l1.code_len || memcmp(l1.code, l2.code, l1.code_len) != 0))
            problem(form, index, report, ctx, &count,
                    "second-level category \"%s\" does not belong under \"%s\"", row->level2,
                    row->level1);
    }
    return count;
}
