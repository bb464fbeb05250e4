#!/usr/bin/python3
"""xlsx_python.py - benchmark helper: the stacked 附件 2 workbook written
with Python's XlsxWriter (python3-xlsxwriter), for comparison with formconv.

Reads a text dump shaped like tests/bench/gen_dump.c writes it and writes the
same cells, merges, formats, spacer rows and page breaks as formconv's XLSX
writer, in constant_memory mode (each merge registered with no format while
its first row is written, then the anchor and formatted blanks).

Usage: /usr/bin/python3 xlsx_python.py DUMP OUT.xlsx
"""
import os
import sys

import xlsxwriter

WIDTHS = (18, 22, 32, 26)
ROW_MAX = 1048576
BREAKS_MAX = 1023


class Writer:
    """The stacked sheet being written."""

    def __init__(self, path):
        self.wb = xlsxwriter.Workbook(path, {"constant_memory": True,
                                             "tmpdir": os.path.dirname(path) or "."})
        def fmt(font, size, align, border, wrap=True, bold=False):
            f = self.wb.add_format({"font_name": font, "font_size": size, "align": align,
                                    "valign": "vcenter", "text_wrap": wrap, "bold": bold})
            if border:
                f.set_border(1)
                if align == "left":
                    f.set_indent(1)
            return f
        self.attachment = fmt("黑体", 12, "left", False, wrap=False)
        self.title = fmt("黑体", 18, "center", False)
        self.unit = fmt("宋体", 11, "right", False)
        self.label = fmt("宋体", 11, "center", True)
        self.value = fmt("宋体", 11, "left", True)
        self.header = fmt("宋体", 11, "center", True, bold=True)
        self.category = fmt("宋体", 11, "center", True)
        self.sheets = 0
        self.ws = None
        self.new_sheet()

    def new_sheet(self):
        self.end_sheet()
        self.sheets += 1
        ws = self.wb.add_worksheet("Sheet%d" % self.sheets)
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(0.6, 0.6, 0.75, 0.75)
        self.ws, self.row, self.breaks = ws, 0, []

    def end_sheet(self):
        if self.ws is None:
            return
        for c, w in enumerate(WIDTHS):
            self.ws.set_column(c, c, w)
        if self.row:
            self.ws.print_area(0, 0, self.row - 1, 3)
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)

    def spacer(self):
        if self.row:
            self.ws.set_row(self.row, 6)
            self.row += 1

    def start_row(self, height, form_start=False):
        if form_start:
            if len(self.breaks) >= BREAKS_MAX or self.row > ROW_MAX - 200:
                self.new_sheet()
            elif self.row:
                self.breaks.append(self.row)
        r = self.row
        self.ws.set_row(r, height)
        self.row += 1
        return r

    def banner(self, text, fmt, merge, form_start=False):
        r = self.start_row(36 if fmt is self.title else 23, form_start)
        if merge:
            self.ws.merge_range(r, 0, r, 3, "", None)
        self.ws.write_string(r, 0, text, fmt)

    def fields(self, cells):
        r = self.start_row(23)
        self.ws.write_string(r, 0, cells[0], self.label)
        if len(cells) < 4 or (cells[2] == "" and cells[3] == ""):
            self.ws.merge_range(r, 1, r, 3, "", None)
            self.ws.write_string(r, 1, cells[1], self.value)
            self.ws.write_blank(r, 2, None, self.value)
            self.ws.write_blank(r, 3, None, self.value)
        else:
            self.ws.write_string(r, 1, cells[1], self.value)
            self.ws.write_string(r, 2, cells[2], self.label)
            self.ws.write_string(r, 3, cells[3], self.value)

    def header_row(self, cells):
        r = self.start_row(23)
        for c, text in enumerate(cells):
            self.ws.write_string(r, c, text, self.header)

    def table(self, rows):
        n = len(rows)
        for i, cells in enumerate(rows):
            r = self.start_row(23)
            for k in (0, 1):
                if cells[k] == "" and i > 0:
                    self.ws.write_blank(r, k, None, self.category)
                    continue
                run = 1
                while i + run < n and rows[i + run][k] == "" and (k == 0 or rows[i + run][0] == ""):
                    run += 1
                if run > 1:
                    self.ws.merge_range(r, k, r + run - 1, k, "", None)
                self.ws.write_string(r, k, cells[k], self.category)
            for k in (2, 3):
                if cells[k]:
                    self.ws.write_string(r, k, cells[k], self.value)
                else:
                    self.ws.write_blank(r, k, None, self.value)

    def close(self):
        self.end_sheet()
        self.wb.set_properties({"title": "部门项目支出预算绩效目标表", "author": "formconv"})
        self.wb.close()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: xlsx_python.py DUMP OUT.xlsx")
    w = Writer(sys.argv[2])
    forms = 0
    table = None
    with open(sys.argv[1], encoding="utf-8") as dump:
        for line in dump:
            line = line.rstrip("\n")
            if table is not None and line == "":
                w.table(table)
                table = None
            if line == "":
                w.spacer()
                continue
            cells = (line.split("\t") + ["", "", ""])[:4]
            if table is not None:
                table.append(cells)
            elif "\t" not in line:
                if line.startswith("附件"):
                    w.banner(line, w.attachment, False)
                elif "目标表" in line:
                    w.banner(line, w.title, True, form_start=forms > 0)
                    forms += 1
                else:
                    w.banner(line, w.unit, True)
            elif cells[0] == "一级指标":
                w.header_row(cells)
                table = []
            else:
                w.fields(cells)
    if table:
        w.table(table)
    w.close()


if __name__ == "__main__":
    main()
