/*
 * fc_options.c - default limits and the look-up of format options.
 */
#include "fc_options.h"

#include <string.h>

void fc_limits_apply_defaults(fc_limits *limits)
{
    if (!limits->cell_chars)
        limits->cell_chars = 32767;
    if (!limits->row_cells)
        limits->row_cells = 1024;
    if (!limits->form_rows)
        limits->form_rows = 100000;
    if (!limits->line_bytes)
        limits->line_bytes = (size_t)16 * 1024 * 1024;
    if (!limits->form_bytes)
        limits->form_bytes = FC_FORM_ARENA_LIMIT;
    if (!limits->part_bytes)
        limits->part_bytes = (size_t)1024 * 1024 * 1024;
    if (!limits->ratio)
        limits->ratio = 200;
    if (!limits->entries)
        limits->entries = 10000;
    if (!limits->xml_depth)
        limits->xml_depth = 64;
}

const char *fc_options_get(const fc_options *opts, const char *name)
{
    const char *value = NULL;
    for (size_t i = 0; opts && i < opts->setting_count; i++)
        if (strcmp(opts->settings[i].name, name) == 0)
            value = opts->settings[i].value;
    return value;
}

bool fc_options_flag(const fc_options *opts, const char *name)
{
    return fc_options_get(opts, name) != NULL;
}
