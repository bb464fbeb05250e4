#!/usr/bin/python3
"""Reads a workbook with python3-openpyxl in read-only mode and prints every
sheet's rows as tab-separated text: the comparison point of the XLSX reader
row in `make bench` (openpyxl's fastest way to read, without merged cells or
any form logic).

usage: xlsx_openpyxl_read.py WORKBOOK OUTPUT
"""
import sys

import openpyxl


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: xlsx_openpyxl_read.py WORKBOOK OUTPUT")
    wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                out.write("\t".join("" if v is None else str(v) for v in row))
                out.write("\n")
    wb.close()


if __name__ == "__main__":
    main()
