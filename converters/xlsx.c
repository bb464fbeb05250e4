/*
 * xlsx.c - the XLSX format's descriptor: Office Open XML workbooks as Excel,
 * WPS and LibreOffice write them. The writer lives in xlsx_writer.c.
 */
#include "xlsx.h"

static const char *const xlsx_extensions[] = {"xlsx", NULL};

/* The XLSX format. */
const fc_converter fc_xlsx_converter = {
    .name = "xlsx",
    .description = "Excel workbook (.xlsx): the printable 附件 2 attachment",
    .extensions = xlsx_extensions,
    .sniff = NULL,
    .read = NULL,
    .open_writer = fc_xlsx_open_writer,
    .validate = NULL,
};
