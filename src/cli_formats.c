/*
 * cli_formats.c - `formconv formats`: the formats from the registry.
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
