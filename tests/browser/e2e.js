#!/usr/bin/env node
// End-to-end test of `formconv serve` in Debian's chromium, driven by
// playwright-core: upload the seed dump, an XLSX, a file with problems and a
// broken file; check the preview tables and the problems; download every
// format and convert each download back to the seed's text with the CLI.
//
// usage: node e2e.js FORMCONV SOURCE_DIR [SCREENSHOT.png]
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [formconv, src, screenshot] = process.argv.slice(2);
const canonical = fs.readFileSync(path.join(src, 'fixtures/seed.canonical.txt'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'formconv-e2e-'));
let passed = 0;
let failed = 0;

function check(what, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : ': ' + detail}`);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(formconv, ['serve', '--port', '0', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m && out.includes('Ctrl-C')) resolve({ child, url: `http://127.0.0.1:${m[1]}/` });
    });
    child.on('exit', (code) => reject(new Error(`formconv serve exited with ${code}`)));
  });
}

function backToText(file) {
  return execFileSync(formconv, ['convert', file, '-t', 'text']);
}

async function main() {
  const seedXlsx = path.join(work, '附件2.xlsx');
  execFileSync(formconv, ['convert', path.join(src, 'fixtures/seed.txt'), '-o', seedXlsx]);
  const broken = path.join(work, 'broken.xlsx');
  fs.writeFileSync(broken, 'PK\x03\x04 this is not a workbook');
  const { child, url } = await startServer();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    check('the page is in Chinese', (await page.textContent('h1')).includes('绩效目标表'));

    await page.setInputFiles('#files', [path.join(src, 'fixtures/seed.txt'), seedXlsx,
      path.join(src, 'fixtures/text/shapes.txt'), broken]);
    await page.waitForFunction(() => document.querySelectorAll('article.file').length === 4 &&
      Array.from(document.querySelectorAll('article.file')).every((a) => a.dataset.ready || a.querySelector('.summary.bad')));
    const article = (name) => page.locator(`article.file[data-file="${name}"]`);

    for (const name of ['seed.txt', '附件2.xlsx']) {
      const a = article(name);
      check(`${name}: nine forms`, (await a.getAttribute('data-forms')) === '9');
      check(`${name}: no problems`, (await a.getAttribute('data-problems')) === '0');
      check(`${name}: nine tables`, (await a.locator('section.form table').count()) === 9);
      const first = a.locator('section.form').first();
      check(`${name}: the title`, (await first.locator('td.r-title').textContent()) === '部门项目支出预算绩效目标表');
      const spans = await first.locator('td[rowspan]').evaluateAll((tds) => tds.map((td) => `${td.textContent}:${td.rowSpan}`));
      // The first form: 产出 over its four indicators, 效益 over its four categories.
      check(`${name}: categories merged down`, spans.join(',') === '1-产出指标:4,2-效益指标:4', spans.join(','));
      check(`${name}: a value`, (await first.locator('td[data-field="0"]').textContent()) === '基层服务计划-司法协理员工资');
    }

    const shapes = article('shapes.txt');
    const problems = await shapes.locator('li.problem').allTextContents();
    check('shapes.txt: problems listed', problems.length > 3, problems.join(' | '));
    check('shapes.txt: the amount problem', problems.some((p) => p.includes('1,200.50')));
    const marked = await shapes.locator('td.has-problem').allTextContents();
    check('shapes.txt: the amount cell marked', marked.some((t) => t.startsWith('1,200.50')), marked.join(' | '));

    const bad = article('broken.xlsx');
    check('broken.xlsx: no forms', (await bad.locator('section.form').count()) === 0);
    const badText = (await bad.locator('.summary').textContent()) + (await bad.locator('.problems').textContent());
    check('broken.xlsx: says why', /没有读到|无法处理/.test(badText) && badText.length > 10, badText);
    check('broken.xlsx: no download buttons', (await bad.locator('.downloads button').count()) === 0);

    // Every download of the seed, back to the seed's text.
    const seed = article('seed.txt');
    const buttons = await seed.locator('.downloads button').evaluateAll((bs) => bs.map((b) => b.dataset.format));
    check('download buttons for every format and zip', ['text', 'xml', 'xlsx', 'html', 'zip'].every((f) => buttons.includes(f)), buttons.join(','));
    for (const format of buttons) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        seed.locator(`.downloads button[data-format="${format}"]`).click(),
      ]);
      const file = path.join(work, download.suggestedFilename());
      await download.saveAs(file);
      if (format === 'zip') {
        const entries = execFileSync('unzip', ['-Z1', file]).toString().trim().split('\n');
        check('zip: one file per form', entries.length === 9, entries.join(','));
        continue;
      }
      check(`${format}: named after the upload`, download.suggestedFilename().startsWith('seed.'), download.suggestedFilename());
      if (format === 'text') check('text: UTF-8 with BOM for Excel', fs.readFileSync(file).subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])));
      check(`${format}: reads back to the seed`, backToText(file).equals(canonical));
    }
    // Text in GB18030 and the XLSX in one sheet per form.
    await seed.locator('[data-group="text"] select[data-option="output-encoding"]').selectOption('gb18030');
    await seed.locator('[data-group="xlsx"] select[data-option="layout"]').selectOption('sheets');
    for (const format of ['text', 'xlsx']) {
      const [download] = await Promise.all([page.waitForEvent('download'),
        seed.locator(`.downloads button[data-format="${format}"]`).click()]);
      const file = path.join(work, `choice.${format}`);
      await download.saveAs(file);
      const back = format === 'text'
        ? execFileSync(formconv, ['convert', file, '-f', 'text', '-e', 'gb18030', '-t', 'text'])
        : backToText(file);
      check(`${format} with its option: reads back to the seed`, back.equals(canonical));
    }
    check('no errors in the page', errors.length === 0, errors.join(' | '));

    if (screenshot) {
      await page.evaluate(() => {
        for (const a of document.querySelectorAll('article.file')) {
          if (a.dataset.file !== 'shapes.txt' && a.dataset.file !== 'seed.txt') a.remove();
        }
      });
      await page.locator('article.file[data-file="shapes.txt"] section.form').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshot, fullPage: false });
      console.log(`screenshot: ${screenshot}`);
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => { failed++; console.log(`FAIL ${e.stack}`); }).finally(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
});
