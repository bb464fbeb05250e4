/*
 * fc_registry.h - the table of converters. The command-line program talks
 * only to this table; it never names a format module.
 */
#ifndef FC_REGISTRY_H
#define FC_REGISTRY_H

#include "fc_converter.h"

/* Every converter, NULL-terminated, in the order `formconv formats` lists them. */
extern const fc_converter *const fc_converters[];

/* The default format: the first entry of the table (the legacy text dump),
 * used for standard output and for input nothing else recognises. */
const fc_converter *fc_converter_default(void);

/* Returns the converter called `name` (case-insensitive), or NULL. */
const fc_converter *fc_converter_by_name(const char *name);

/* Returns the converter whose extension matches the end of `path`
 * (case-insensitive), or NULL. When `need_reader` (`need_writer`) is true,
 * only converters that can read (write) are considered. */
const fc_converter *fc_converter_by_extension(const char *path, bool need_reader,
                                              bool need_writer);

/* Returns the reader that bids highest for the first `len` bytes `head`
 * (ties go to the earlier entry), or NULL when none bids above 0. */
const fc_converter *fc_converter_by_content(const unsigned char *head, size_t len);

#endif
