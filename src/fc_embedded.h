/*
 * fc_embedded.h - files compiled into the program (see tools/embed.c and the
 * EMBED list in the Makefile). Each array holds the file's bytes followed by
 * a NUL that its _size does not count.
 */
#ifndef FC_EMBEDDED_H
#define FC_EMBEDDED_H

#include <stddef.h>

/* templates/default-template.xml: the default form template. */
extern const unsigned char fc_embedded_default_template[];
extern const size_t fc_embedded_default_template_size;

/* templates/framework-2021.xml: the 2021 framework (成本指标 first-level, 分值, 指标解释). */
extern const unsigned char fc_embedded_framework_2021_template[];
extern const size_t fc_embedded_framework_2021_template_size;

/* templates/midterm.xml: multi-year projects (中期目标 / 年度目标, two target columns). */
extern const unsigned char fc_embedded_midterm_template[];
extern const size_t fc_embedded_midterm_template_size;

/* templates/flat-list.xml: flat exports, one row per indicator. */
extern const unsigned char fc_embedded_flat_list_template[];
extern const size_t fc_embedded_flat_list_template_size;

/* templates/template.xsd: the schema every template is checked against. */
extern const unsigned char fc_embedded_template_xsd[];
extern const size_t fc_embedded_template_xsd_size;

/* templates/formconv-forms-1.xsd: the schema of the portal XML format. */
extern const unsigned char fc_embedded_forms_xsd[];
extern const size_t fc_embedded_forms_xsd_size;

/* serve/index.html, serve/app.js, serve/app.css: the page of `formconv serve`. */
extern const unsigned char fc_embedded_serve_index[];
extern const size_t fc_embedded_serve_index_size;
extern const unsigned char fc_embedded_serve_js[];
extern const size_t fc_embedded_serve_js_size;
extern const unsigned char fc_embedded_serve_css[];
extern const size_t fc_embedded_serve_css_size;

#endif
