#!/usr/bin/env node
// Makes workbooks of the seed with the npm packages SheetJS ("xlsx") and
// exceljs, each with its default way of storing strings:
//   sheetjs: the text dump as a plain sheet (aoa_to_sheet: every cell a
//            string), the title and unit lines merged across the table;
//   exceljs: the dump laid out at C3 with the titles merged and the
//            categories merged down (shared strings).
// usage: node xlsx_fixture_node.js NODE_MODULES_DIR DUMP.txt SHEETJS.xlsx EXCELJS.xlsx
'use strict';
const path = require('path');
const fs = require('fs');
const [modules, dumpPath, sheetjsOut, exceljsOut] = process.argv.slice(2);
const XLSX = require(path.join(modules, 'xlsx'));
const ExcelJS = require(path.join(modules, 'exceljs'));

const rows = fs.readFileSync(dumpPath, 'utf8').replace(/\n+$/, '').split('\n')
  .map((line) => line.split('\t'));
const lone = (r) => r.length === 1 && r[0] !== '';

// SheetJS: every cell is a string; single-cell lines merged over A:D.
const ws = XLSX.utils.aoa_to_sheet(rows.map((r) => r.map((c) => (c === '' ? null : c))));
ws['!merges'] = [];
rows.forEach((r, i) => {
  if (lone(r) && !r[0].startsWith('附件')) ws['!merges'].push({ s: { r: i, c: 0 }, e: { r: i, c: 3 } });
});
const wb = XLSX.utils.book_new();
XLSX.utils.book_append_sheet(wb, ws, 'Sheet1');
XLSX.writeFile(wb, sheetjsOut);

// exceljs: the same dump from C3, categories merged down over their runs.
(async () => {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('绩效目标');
  const R0 = 3, C0 = 3;
  let inTable = false;
  rows.forEach((r, i) => {
    const row = R0 + i;
    if (r.length === 1 && r[0] === '') { inTable = false; return; }
    r.forEach((c, k) => { if (c !== '') sheet.getCell(row, C0 + k).value = c; });
    if (lone(r)) sheet.mergeCells(row, C0, row, C0 + 3);
    if (r[0] === '一级指标') { inTable = true; return; }
    if (!inTable) return;
    for (const k of [0, 1]) {
      if (r[k] === '') continue;
      let end = i + 1;
      while (end < rows.length && rows[end].length === 4 && rows[end][k] === '' &&
             (k === 0 || rows[end][0] === '')) end++;
      if (end - i > 1) sheet.mergeCells(row, C0 + k, R0 + end - 1, C0 + k);
    }
  });
  await book.xlsx.writeFile(exceljsOut);
})().catch((e) => { console.error(e); process.exit(1); });
