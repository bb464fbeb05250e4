/*
 * cli_formats.c - `formconv formats` (the formats of the registry) and
 * `formconv templates` (the built-in form templates).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fc_registry.h"

int cli_formats(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: formconv formats\nList the formats formconv reads and writes.\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("formats takes no arguments; unexpected '%s'", argv[1]);
    printf("%-6s %-5s %-16s %s\n", "NAME", "MODES", "EXTENSIONS", "DESCRIPTION");
    for (size_t i = 0; fc_converters[i]; i++) {
        const fc_converter *c = fc_converters[i];
        char modes[4] = {c->read ? 'r' : '-', c->open_writer ? 'w' : '-', c->validate ? 'v' : '-',
                         '\0'};
        char exts[64] = "";
        for (size_t k = 0; c->extensions && c->extensions[k]; k++) {
            size_t used = strlen(exts);
            snprintf(exts + used, sizeof exts - used, "%s%s", k ? "," : "", c->extensions[k]);
        }
        printf("%-6s %-5s %-16s %s\n", c->name, modes, exts, c->description);
    }
    return EXIT_OK;
}

int cli_templates(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: formconv templates\n"
               "List the built-in form templates. Readers choose one for each form from its\n"
               "title, header rows and indicator columns; --template NAME forces one, and\n"
               "--template FILE reads a template of your own (see formconv-template(5)).\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("templates takes no arguments; unexpected '%s'", argv[1]);
    fc_error err;
    fc_error_clear(&err);
    fc_template_set *set = NULL;
    fc_status st = fc_template_set_load_builtin(&set, &err);
    if (st) {
        cli_print_error(&err);
        return cli_exit_for(st);
    }
    printf("%-8s %-5s %s\n", "NAME", "SHAPE", "DESCRIPTION");
    for (size_t i = 0; i < set->count; i++) {
        const fc_template *t = set->items[i];
        printf("%-8s %-5s %s: %s%s\n", t->id, t->list_shape ? "list" : "table", t->name,
               t->description, i == 0 ? " (the default)" : "");
    }
    fc_template_set_free(set);
    return EXIT_OK;
}
