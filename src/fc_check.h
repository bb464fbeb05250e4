/*
 * fc_check.h - the model's rules, for `formconv validate`.
 *
 * Readers already refuse what they cannot read; these checks find forms that
 * read fine but are incomplete or inconsistent as budget forms.
 */
#ifndef FC_CHECK_H
#define FC_CHECK_H

#include <stddef.h>

#include "fc_error.h"
#include "fc_model.h"
#include "fc_template.h"

/* Checks `form` (the `index`-th of its document, from 1) and passes every
 * problem to `report` (located at the form's origin). Returns the number of
 * problems found. `tpl` is the form's template. Rules: the form has a title
 * and a unit line; every field the template knows is present and not
 * empty; the annual amount is a decimal number; attribute and division
 * carry a code; there is at least one indicator; no indicator rows without
 * a name while other columns hold values; an indicator with a name has a
 * target; a second-level code extends its first-level code (11 under 1). */
size_t fc_form_check(const fc_form *form, size_t index, const fc_template *tpl,
                     fc_report_fn report, void *report_ctx);

/* True when `len` bytes of `text` are a plain decimal number: optional
 * sign, digits, optional fraction ("71.900000", "-3", "0.5"). */
bool fc_is_decimal(const char *text, size_t len);

#endif
