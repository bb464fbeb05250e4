/*
 * xlsx.c - the XLSX converter descriptor: Office Open XML workbooks as
 * Excel, WPS, LibreOffice and scripts write them. The writer lives in
 * xlsx_writer.c; the reader in xlsx_reader.c (with xlsx_zip.c and
 * xlsx_numfmt.c).
 */
#include "xlsx.h"

static const char *const xlsx_extensions[] = {"xlsx", NULL};

/* The XLSX format. */
const fc_converter fc_xlsx_converter = {
    .name = "xlsx",
    .description = "Excel workbook (.xlsx): the printable 附件 2 attachment",
    .extensions = xlsx_extensions,
    .sniff = fc_xlsx_sniff,
    .read = fc_xlsx_read,
    .open_writer = fc_xlsx_open_writer,
    .validate = NULL,
};
