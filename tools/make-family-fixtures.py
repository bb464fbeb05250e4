#!/usr/bin/python3
"""Build the CSV and XLSX variants of the real-world family fixtures.

Usage:
    /usr/bin/python3 tools/make-family-fixtures.py          # (re)write outputs
    /usr/bin/python3 tools/make-family-fixtures.py --check  # exit 1 if stale

Input: every fixtures/family/NAME.txt listed in SPECS below.  A fixture is a
transcription of one published sheet as Excel's "Text (tab delimited)" export
would show it: UTF-8 without BOM, LF line ends, one line per sheet row, cells
separated by TAB, a merged range's text in its top-left cell and the cells it
covers empty.  A cell holding a TAB, a line break or a double quote is
written the way Excel writes it: inside double quotes, inner quotes doubled
(so one row can span several physical lines).  A line holding only a form
feed (U+000C) separates the sheets of a multi-sheet workbook.

Output, for each fixture NAME (one file per sheet when a fixture has several
sheets, named NAME.sheetN.*):
  NAME.gb18030.csv   comma-separated, Excel quoting (a field holding a comma,
                     a double quote or a line break is quoted, inner quotes
                     doubled), GB18030, CRLF between rows, LF inside a field.
  NAME.utf8bom.csv   the same in UTF-8 with a BOM, for the fixtures whose
                     spec sets 'utf8bom'.
  NAME.xlsx          one worksheet per sheet, every cell a text cell (shared
                     strings, as Excel stores them; a value starting with "="
                     carries Excel's quote prefix), the merged ranges of the
                     spec (explicit ranges, checked against the text: a
                     covered cell must be empty).

The output is deterministic: fixed document properties, fixed ZIP member
times.  Needs python3-openpyxl (Debian package), nothing else.
"""

import datetime
import io
import os
import re
import sys
import zipfile

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils.cell import range_boundaries

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_DIR = os.path.join(ROOT, "fixtures", "family")
FIXED_TIME = datetime.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SHEET_BREAK = "\f"

# Per fixture: table width in columns, the merged ranges of each sheet as
# the published form merges them (explicit, in sheet order), and whether a
# UTF-8-BOM CSV is written too.  SOURCES.md says where each layout comes from.
SPECS = {
    "shenbao-2023-row-label": {
        "width": 6,
        "utf8bom": True,
        "merges": [
            ["A1:F1", "A2:F2", "B3:C3", "E3:F3", "B4:C4", "E4:F4", "B5:F5",
             "B6:F6", "B7:F7", "A8:A18", "B9:B13", "C9:C10", "B14:B18",
             "B19:F19"],
        ],
    },
    "midterm-annual-long-columns": {
        "width": 7,
        "merges": [
            ["A1:G1", "A2:G2", "B3:G3", "B4:D4", "F4:G4", "B5:D5", "F5:G5",
             "A6:A8", "C6:D6", "F6:G6", "C7:D7", "F7:G7", "C8:D8", "F8:G8",
             "A9:A10", "B9:D9", "E9:G9", "B10:D10", "E10:G10", "A11:G11"],
        ],
    },
    "shenbao-2022-fund-rows": {
        "width": 5,
        "merges": [
            ["A1:E1", "A2:E2", "B3:E3", "B4:E4", "B5:E5", "B6:E6", "A7:A9",
             "C7:E7", "C8:E8", "C9:E9", "A10:A11", "B10:E10", "B11:E11",
             "A12:A24", "B13:B17", "C13:C14", "B18:B23", "C19:C20", "C21:C22"],
        ],
    },
    "shenbao-2024-midterm-letter-spaced": {
        "width": 8,
        "merges": [
            ["A1:H1", "A2:H2", "A3:D3", "E3:H3", "B4:H4", "B5:D5", "F5:H5",
             "B6:D6", "F6:H6", "A7:A9", "C7:D7", "F7:H7", "C8:D8", "F8:H8",
             "C9:D9", "F9:H9", "A10:A11", "B10:D10", "E10:H10", "B11:D11",
             "E11:H11", "A12:A21", "B13:B19", "C13:C15", "F13:F15",
             "C16:C18", "F16:F18"],
        ],
    },
    "pifu-2022-two-row-header": {
        "width": 7,
        "merges": [
            ["A1:G1", "A2:G2", "B3:C3", "E3:G3", "B4:C4", "E4:G4", "B5:C5",
             "E5:G5", "B6:C6", "E6:G6", "B7:G7", "A8:A22", "B8:B9", "C8:C9",
             "D8:D9", "E8:E9", "F8:G8", "B10:B21", "C10:C14", "C15:C19",
             "A23:C23", "D23:G23"],
        ],
    },
    "codes-parenthesized-repeated-levels": {
        "width": 9,
        "merges": [
            ["A1:I1", "A2:I2", "B3:I3", "B4:I4", "B5:I5", "B6:I6", "B7:I7",
             "A8:A11", "C8:I8", "C9:I9", "C10:I10", "C11:I11", "B12:I12",
             "A13:I13"],
        ],
    },
    "selfeval-sichuan": {
        "width": 11,
        "merges": [
            ["A2:K2", "B3:K3", "B4:E4", "G4:K4", "A5:A9", "B5:K5", "B6:F6",
             "G6:K6", "B7:F7", "G7:K7", "B8:K8", "B9:K9", "A10:A15", "I10:K10",
             "I11:K15", "A16:A19", "B19:H19", "B20:K20", "B21:K21", "B22:K22",
             "A23:E23", "F23:K23"],
        ],
    },
    "selfeval-standard": {
        "width": 10,
        "merges": [
            ["B1:J1", "B2:E2", "G2:J2", "A3:A7", "H3:J3", "H4:J4", "H5:J5",
             "H6:J6", "H7:J7", "A8:A9", "B8:F8", "G8:J8", "B9:F9", "G9:J9",
             "A10:A16", "I10:J10", "B11:B16", "C11:C13", "I11:J11", "I12:J12",
             "I13:J13", "I14:J14", "I15:J15", "I16:J16", "A17:A18", "I17:J17",
             "I18:J18", "A19:F19", "I19:J19"],
        ],
    },
    "department-wide-overall": {
        "width": 9,
        "merges": [
            ["A1:I1", "B2:I2", "B3:I3", "B4:I4", "A5:I5", "A7:A10", "E9:F9",
             "A11:A13"],
        ],
    },
    "department-wide-tasks": {
        "width": 10,
        "merges": [
            ["A1:J1", "A3:A6", "B3:J3", "B4:B5", "C4:F4", "G4:J4", "A7:A10",
             "B7:C7", "D7:J7", "B8:C8", "D8:J8", "B9:C9", "D9:J9", "B10:C10",
             "D10:J10", "B11:J11", "A12:A14", "B12:C12", "D12:E12", "F12:G12",
             "H12:J12", "B13:C13", "D13:E13", "F13:G13", "H13:J13", "B14:C14",
             "D14:E14", "F14:G14", "H14:J14"],
        ],
    },
    "framework-2021-shenpi": {
        "width": 7,
        "merges": [
            ["A1:G1", "A2:G2", "B5:D5", "F5:G5", "B6:D6", "F6:G6", "F7:G7",
             "B8:G8", "B9:G9", "B10:G10", "A11:A15", "C11:D11", "F11:G11",
             "C12:D12", "F12:G12", "C13:D13", "F13:G13", "C14:D14", "F14:G14",
             "C15:D15", "F15:G15", "A16:A27", "B17:B19", "B20:B24", "C20:C22",
             "B25:B26"],
        ],
    },
    "flat-list-multi-project": {
        "width": 12,
        "utf8bom": True,
        "merges": [
            ["A1:L1", "A4:B4", "A5:A17", "B5:B12", "C5:C12", "D5:D12",
             "B13:B17", "C13:C17", "D13:D17"],
        ],
    },
    "sheets-repeat-attachment": {
        "width": 6,
        "merges": [
            ["A2:F2", "B3:D3", "E3:F3", "B5:F5", "B6:F6", "B7:F7", "A8:A13"],
            ["A2:F2", "B3:D3", "E3:F3", "B5:F5", "B6:F6", "B7:F7", "A8:A13"],
        ],
    },
    "mubiao-satisfaction-under-benefit": {
        "width": 5,
        "merges": [
            ["A1:E1", "A2:E2", "B3:E3", "D4:E4", "A5:A6", "B5:E5", "B6:E6",
             "A7:A8", "B7:E7", "B8:E8", "A9:A18", "B10:B15", "C11:C12",
             "C13:C14", "B16:B18", "C17:C18"],
        ],
    },
    "framework-2021-provincial": {
        "width": 4,
        "merges": [
            ["A1:D1", "B9:D9", "B10:D10", "B11:D11", "B12:D12", "B16:D16",
             "A18:A20", "A21:A23", "A24:A26"],
        ],
    },
    "label-colon-header-export": {
        "width": 7,
        "merges": [
            ["A1:G1", "A2:D2", "E2:G2", "A3:D3", "E3:G3", "A4:D4", "E4:G4",
             "A5:G5"],
        ],
    },
}


class FixtureError(Exception):
    """A fixture or its spec is inconsistent; the message says where."""


def parse_tsv(text, name):
    """Parse Excel tab-delimited text into sheets of rows of cells.

    text: the whole file, LF line ends.  Returns a list of sheets, each a
    list of rows, each a list of cell strings.  A record that is a single
    unquoted form feed separates sheets.  Raises FixtureError on a quote
    that is never closed or is followed by something other than a TAB or a
    line end."""
    sheets, rows, row, cell = [], [], [], []
    i, n = 0, len(text)
    quoted_cell = False
    while i < n:
        ch = text[i]
        if not cell and not quoted_cell and ch == '"':
            end = i + 1
            while True:
                end = text.find('"', end)
                if end < 0:
                    raise FixtureError(f"{name}: unclosed quote at offset {i}")
                if end + 1 < n and text[end + 1] == '"':
                    end += 2
                    continue
                break
            cell.append(text[i + 1:end].replace('""', '"'))
            quoted_cell = True
            i = end + 1
            if i < n and text[i] not in "\t\n":
                raise FixtureError(f"{name}: text after closing quote at offset {i}")
            continue
        if ch == "\t":
            row.append("".join(cell))
            cell, quoted_cell = [], False
        elif ch == "\n":
            row.append("".join(cell))
            if row == [SHEET_BREAK] and not quoted_cell:
                sheets.append(rows)
                rows = []
            else:
                rows.append(row)
            row, cell, quoted_cell = [], [], False
        else:
            cell.append(ch)
        i += 1
    if cell or row:
        raise FixtureError(f"{name}: last line has no line end")
    sheets.append(rows)
    return sheets


def check_sheet(rows, width, merges, label):
    """Check one sheet against its spec: no row wider than the table, every
    merge inside the table and the sheet, no overlapping merges, and every
    cell a merge covers (all but its top-left) empty.  Raises FixtureError."""
    for r, row in enumerate(rows, 1):
        if len(row) > width:
            raise FixtureError(f"{label}: row {r} has {len(row)} cells, table width is {width}")
    seen = {}
    for rng in merges:
        min_col, min_row, max_col, max_row = range_boundaries(rng)
        if max_col > width or max_row > len(rows):
            raise FixtureError(f"{label}: merge {rng} lies outside the sheet")
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) in seen:
                    raise FixtureError(f"{label}: merge {rng} overlaps {seen[(r, c)]}")
                seen[(r, c)] = rng
                if (r, c) == (min_row, min_col):
                    continue
                row = rows[r - 1]
                if c <= len(row) and row[c - 1] != "":
                    raise FixtureError(f"{label}: {rng} covers non-empty cell row {r} col {c}")


def csv_field(value):
    """One CSV field with Excel quoting."""
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_bytes(rows, encoding):
    """The CSV file for one sheet: CRLF between rows, LF inside a field."""
    text = "".join(",".join(csv_field(v) for v in row) + "\r\n" for row in rows)
    return text.encode(encoding)


def xlsx_bytes(sheets, width, merges):
    """A deterministic workbook, one worksheet per sheet, all cells text."""
    wb = openpyxl.Workbook()
    wb.properties.creator = "formconv fixtures"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wrap = Alignment(wrap_text=True, vertical="center")
    title_font = Font(bold=True, size=14)
    for index, (rows, sheet_merges) in enumerate(zip(sheets, merges)):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = f"Sheet{index + 1}"
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = value
                cell.data_type = "s"       # text, even "=300天" or "44,561"
                if value.startswith("="):
                    cell.quotePrefix = True
                if "\n" in value:
                    cell.alignment = wrap
        for rng in sheet_merges:
            ws.merge_cells(rng)
            min_col, min_row, max_col, _ = range_boundaries(rng)
            if min_col == 1 and max_col == width and min_row <= 2:
                ws.cell(row=min_row, column=1).font = title_font
        for c in range(1, width + 1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 18 if c == 1 else 14
    raw = io.BytesIO()
    wb.save(raw)
    return repack(raw)


INLINE_CELL = re.compile(
    rb'<c ([^>]*?)t="inlineStr"><is><t( xml:space="preserve")?>(.*?)</t></is></c>', re.S)
SST_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
SST_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
SST_REL = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst"/>')


def repack(raw):
    """Re-pack openpyxl's package the way Excel stores text: openpyxl writes
    every string inline (t="inlineStr"); Excel keeps them in a shared string
    table.  Move them there, add the part, its content type and relationship,
    and give every ZIP member a fixed time so the bytes do not depend on the
    clock."""
    with zipfile.ZipFile(raw) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    strings, index = [], {}

    def to_shared(match):
        key = (match.group(2) or b"", match.group(3))
        if key not in index:
            index[key] = len(strings)
            strings.append(key)
        return b'<c ' + match.group(1) + b't="s"><v>%d</v></c>' % index[key]

    uses = 0
    for i, (info, data) in enumerate(members):
        if info.filename.startswith("xl/worksheets/sheet"):
            data, count = INLINE_CELL.subn(to_shared, data)
            if b"inlineStr" in data:
                raise FixtureError(f"{info.filename}: an inline string was not converted")
            uses += count
            members[i] = (info, data)
        elif info.filename == "[Content_Types].xml":
            members[i] = (info, data.replace(b"</Types>", SST_TYPE + b"</Types>"))
        elif info.filename == "xl/_rels/workbook.xml.rels":
            members[i] = (info, data.replace(b"</Relationships>", SST_REL + b"</Relationships>"))
    sst = SST_HEAD + b' count="%d" uniqueCount="%d">' % (uses, len(strings))
    sst += b"".join(b"<si><t" + space + b">" + text + b"</t></si>" for space, text in strings)
    sst += b"</sst>"
    members.append((zipfile.ZipInfo("xl/sharedStrings.xml"), sst))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr or 0o600 << 16
            dst.writestr(fixed, data)
    return out.getvalue()


def outputs_for(name, spec):
    """All output files of one fixture as {file name: bytes}."""
    path = os.path.join(FIXTURE_DIR, name + ".txt")
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        raise FixtureError(f"{name}.txt: starts with a BOM")
    if b"\r" in data:
        raise FixtureError(f"{name}.txt: has CR characters")
    sheets = parse_tsv(data.decode("utf-8"), name)
    if len(sheets) != len(spec["merges"]):
        raise FixtureError(f"{name}: {len(sheets)} sheets, spec has {len(spec['merges'])}")
    for index, (rows, merges) in enumerate(zip(sheets, spec["merges"]), 1):
        check_sheet(rows, spec["width"], merges, f"{name} sheet {index}")
    files = {}
    for index, rows in enumerate(sheets, 1):
        stem = name if len(sheets) == 1 else f"{name}.sheet{index}"
        files[stem + ".gb18030.csv"] = csv_bytes(rows, "gb18030")
        if spec.get("utf8bom"):
            files[stem + ".utf8bom.csv"] = csv_bytes(rows, "utf-8-sig")
    files[name + ".xlsx"] = xlsx_bytes(sheets, spec["width"], spec["merges"])
    return files


def main(argv):
    check_only = argv[1:] == ["--check"]
    if argv[1:] and not check_only:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    listed = {name + ".txt" for name in SPECS}
    present = {f for f in os.listdir(FIXTURE_DIR) if f.endswith(".txt")}
    if listed != present:
        print(f"fixtures without a spec: {sorted(present - listed)}; "
              f"specs without a fixture: {sorted(listed - present)}", file=sys.stderr)
        return 1
    stale = []
    try:
        for name in sorted(SPECS):
            for fname, blob in outputs_for(name, SPECS[name]).items():
                target = os.path.join(FIXTURE_DIR, fname)
                old = None
                if os.path.exists(target):
                    with open(target, "rb") as f:
                        old = f.read()
                if old == blob:
                    continue
                if check_only:
                    stale.append(fname)
                    continue
                tmp = target + ".tmp"
                with open(tmp, "wb") as f:
                    f.write(blob)
                os.replace(tmp, target)
                print(f"wrote {os.path.relpath(target, ROOT)}")
    except (FixtureError, UnicodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if stale:
        print("stale outputs: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
