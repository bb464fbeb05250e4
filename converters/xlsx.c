/*
 * xlsx.c - the XLSX converter descriptor: Office Open XML workbooks as
 * Excel, WPS, LibreOffice and scripts write them. The writer lives in
 * xlsx_writer.c; the reader in xlsx_reader.c (with xlsx_zip.c and
 * xlsx_numfmt.c).
 */
#include "xlsx.h"

static const char *const xlsx_extensions[] = {"xlsx", NULL};

const char *const fc_xlsx_layouts[] = {"stacked", "sheets", NULL};

/* The options of the XLSX writer. */
static const fc_option_def xlsx_options[] = {
    {"layout", 'l', "LAYOUT", fc_xlsx_layouts, NULL, FC_OPT_WRITE,
     "stacked (default: all forms on one sheet, a page each) or sheets (a sheet per form)"},
    {"real-timestamps", 0, NULL, NULL, NULL, FC_OPT_WRITE,
     "record the current time instead of a fixed one (output then differs run to run)"},
    {NULL, 0, NULL, NULL, NULL, 0, NULL},
};

/* The XLSX format. */
const fc_converter fc_xlsx_converter = {
    .name = "xlsx",
    .description = "Excel workbook (.xlsx): the printable 附件 2 attachment",
    .extensions = xlsx_extensions,
    .media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    .binary = true,
    .options = xlsx_options,
    .sniff = fc_xlsx_sniff,
    .read = fc_xlsx_read,
    .open_writer = fc_xlsx_open_writer,
    .validate = NULL,
};
