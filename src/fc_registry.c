/*
 * fc_registry.c - the one table of converters.
 *
 * Adding a format: write converters/NAME.c exporting
 * `const fc_converter fc_NAME_converter`, and add one X(...) line below.
 */
#include "fc_registry.h"

#include <string.h>
#include <strings.h>

/* The converters, one line each; the first is the default format. */
#define FC_CONVERTER_LIST(X) \
    X(fc_text_converter) \
    X(fc_csv_converter) \
    X(fc_xml_converter) \
    X(fc_xlsx_converter) \
    X(fc_html_converter)

#define DECLARE(sym) extern const fc_converter sym;
FC_CONVERTER_LIST(DECLARE)
#undef DECLARE

#define ENTRY(sym) &sym,
const fc_converter *const fc_converters[] = {FC_CONVERTER_LIST(ENTRY) NULL};
#undef ENTRY

const fc_converter *fc_converter_default(void)
{
    return fc_converters[0];
}

const fc_converter *fc_converter_by_name(const char *name)
{
    for (size_t i = 0; fc_converters[i]; i++)
        if (strcasecmp(fc_converters[i]->name, name) == 0)
            return fc_converters[i];
    return NULL;
}

const fc_converter *fc_converter_by_extension(const char *path, bool need_reader,
                                              bool need_writer)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) || dot[1] == '\0')
        return NULL;
    for (size_t i = 0; fc_converters[i]; i++) {
        const fc_converter *c = fc_converters[i];
        if ((need_reader && !c->read) || (need_writer && !c->open_writer))
            continue;
        for (size_t k = 0; c->extensions && c->extensions[k]; k++)
            if (strcasecmp(c->extensions[k], dot + 1) == 0)
                return c;
    }
    return NULL;
}

const fc_converter *fc_converter_by_content(const unsigned char *head, size_t len)
{
    const fc_converter *best = NULL;
    int best_score = 0;
    for (size_t i = 0; fc_converters[i]; i++) {
        const fc_converter *c = fc_converters[i];
        if (!c->sniff || !c->read)
            continue;
        int score = c->sniff(head, len);
        if (score > best_score) {
            best = c;
            best_score = score;
        }
    }
    return best;
}
