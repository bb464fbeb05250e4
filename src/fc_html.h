/*
 * fc_html.h - what the HTML format offers besides its converter: the
 * stylesheet of its tables, for pages that show the writer's fragments
 * (`formconv serve` serves it as a file of its own, since its
 * Content-Security-Policy allows no inline style).
 */
#ifndef FC_HTML_H
#define FC_HTML_H

#include <stddef.h>

#include "fc_error.h"
#include "fc_template.h"

/* Writes the CSS the HTML writer puts in its pages, for the fonts, column
 * widths and margins of `tpl`, into a malloc'd NUL-terminated *css of *len
 * bytes (the caller frees it). Cells carry the class "r-ROLE" for every
 * role (fc_role_name), columns "c-KEY". Returns FC_OK or FC_ERR_NOMEM. */
fc_status fc_html_stylesheet(const fc_template *tpl, char **css, size_t *len, fc_error *err);

#endif
