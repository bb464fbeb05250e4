/*
 * fc_converter.c - what converters share: looking up their declared
 * options and checking option values.
 */
#include "fc_converter.h"

#include <stdio.h>
#include <string.h>

const fc_option_def *fc_converter_option(const fc_converter *conv, const char *name,
                                         unsigned use)
{
    for (const fc_option_def *d = conv->options; d && d->name; d++)
        if ((d->use & use) && strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

bool fc_option_accepts(const fc_option_def *def, const char *value)
{
    if (def->accept)
        return def->accept(value);
    if (!def->choices)
        return true;
    for (size_t i = 0; def->choices[i]; i++)
        if (strcmp(def->choices[i], value) == 0)
            return true;
    return false;
}

int fc_options_choice(const fc_options *opts, const char *name, const char *const *choices,
                      int fallback, fc_error *err)
{
    const char *value = fc_options_get(opts, name);
    if (!value)
        return fallback;
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], value) == 0)
            return i;
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
    }
    fc_error_set(err, FC_ERR_USAGE, NULL, "unknown %s '%s' (%s)", name, value, list);
    return -1;
}
