#!/usr/bin/python3
"""Makes a hand-made workbook of the seed's forms with python3-openpyxl, the
way somebody lays the attachment out by hand in Excel: the table starts in
column B, the unit line stands at the right, every value is merged over two
columns (a lone value over six), the third-level column spans four columns,
categories are merged down, amounts and targets such as 71.900000, 100%,
22 人 and 90%以上 are typed as numbers under number formats that display
them as written, five forms share the first sheet and the other four stand
one per sheet.

usage: xlsx_fixture_openpyxl.py CANONICAL_TEXT OUTPUT.xlsx
"""
import re
import sys

import openpyxl
from openpyxl.styles import Alignment, Border, Side

TITLE = "部门项目支出预算绩效目标表"


def parse(text):
    """Splits canonical text into (attachment, forms)."""
    lines = text.rstrip("\n").split("\n")
    attachment = None
    forms = []
    form = None
    for line in lines:
        cells = line.split("\t")
        if line == "":
            continue
        if line.startswith("附件"):
            attachment = line
        elif line == TITLE:
            form = {"unit": None, "fields": [], "table": []}
            forms.append(form)
        elif line.startswith("单位"):
            form["unit"] = line
        elif cells[0] == "一级指标":
            form["header"] = cells
        elif "header" in form:
            form["table"].append(cells)
        else:
            pairs = [(cells[k], cells[k + 1]) for k in range(0, len(cells) - 1, 2)
                     if cells[k] != ""]
            form["fields"].append(pairs)
    return attachment, forms


def typed(text):
    """A number and a format that displays `text`, or (text, None)."""
    m = re.fullmatch(r"(\d+)\.(\d+)", text)
    if m:
        return float(text), "0." + "0" * len(m.group(2))
    m = re.fullmatch(r"(\d+)%(.*)", text)
    if m and not re.search(r"[\d%\"]", m.group(2)):
        suffix = '"%s"' % m.group(2) if m.group(2) else ""
        return int(m.group(1)) / 100, "0%" + suffix
    m = re.fullmatch(r"(\d+)(\.\d+)?( ?)(人|年|件|个|万元|万)(.*)", text)
    if m and not re.search(r"\d", m.group(5)):
        decimals = len(m.group(2)) - 1 if m.group(2) else 0
        fmt = "0" + ("." + "0" * decimals if decimals else "")
        return float(m.group(1) + (m.group(2) or "")), '%s"%s%s%s"' % (
            fmt, m.group(3), m.group(4), m.group(5))
    return text, None


thin = Side(style="thin")
BOX = Border(left=thin, right=thin, top=thin, bottom=thin)


def put(ws, row, col, value, last_col=None, last_row=None, number=True):
    """Writes a cell (merged up to last_col/last_row) with a border."""
    fmt = None
    if number:
        value, fmt = typed(value)
    c = ws.cell(row=row, column=col, value=value if value != "" else None)
    if fmt:
        c.number_format = fmt
    c.border = BOX
    c.alignment = Alignment(wrap_text=True, vertical="center")
    if (last_col and last_col > col) or (last_row and last_row > row):
        ws.merge_cells(start_row=row, start_column=col, end_row=last_row or row,
                       end_column=last_col or col)


def write_form(ws, row, form, merged_title):
    B, I = 2, 9
    if merged_title:
        put(ws, row, B, TITLE, last_col=I, number=False)
    else:
        ws.cell(row=row, column=4, value=TITLE)
    row += 1
    if form["unit"]:
        put(ws, row, 8, form["unit"], last_col=I, number=False)
        row += 1
    for pairs in form["fields"]:
        if len(pairs) == 1:
            put(ws, row, B, pairs[0][0], last_col=3, number=False)
            put(ws, row, 4, pairs[0][1], last_col=I, number=False)
        else:
            for k, (label, value) in enumerate(pairs):
                put(ws, row, B + 4 * k, label, last_col=B + 4 * k + 1, number=False)
                put(ws, row, B + 4 * k + 2, value, last_col=B + 4 * k + 3)
        row += 1
    h = form["header"]
    put(ws, row, B, h[0], number=False)
    put(ws, row, 3, h[1], number=False)
    put(ws, row, 4, h[2], last_col=7, number=False)
    put(ws, row, 8, h[3], last_col=I, number=False)
    row += 1
    table = form["table"]
    first = row
    for k, cells in enumerate(table):
        r = first + k
        for col, index in ((B, 0), (3, 1)):
            if cells[index] == "":
                continue
            end = k + 1
            while end < len(table) and table[end][index] == "" and (
                    index == 0 or table[end][0] == ""):
                end += 1
            put(ws, r, col, cells[index], last_row=first + end - 1, number=False)
        put(ws, r, 4, cells[2], last_col=7, number=False)
        put(ws, r, 8, cells[3], last_col=I)
    return first + len(table)


def main():
    attachment, forms = parse(open(sys.argv[1], encoding="utf-8").read())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1-5"
    ws.cell(row=2, column=2, value=attachment)
    row = 4
    for n, form in enumerate(forms[:5]):
        row = write_form(ws, row, form, merged_title=n != 2) + 3
    for n, form in enumerate(forms[5:], start=6):
        sheet = wb.create_sheet("项目%d" % n)
        write_form(sheet, 3, form, merged_title=True)
    for sheet in wb.worksheets:
        for col, width in zip("ABCDEFGHI", (3, 14, 16, 8, 8, 8, 8, 10, 10)):
            sheet.column_dimensions[col].width = width
    wb.save(sys.argv[2])


if __name__ == "__main__":
    main()
