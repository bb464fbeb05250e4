// The page of `formconv serve`: upload files, show each form as the official
// table with its problems next to the cells, download the conversions.
// Served as a file of its own: the page's Content-Security-Policy allows no
// inline script.
'use strict';

const FORMAT_LABELS = { text: '文本（.txt）', xml: 'XML', xlsx: 'Excel 工作簿（.xlsx）', html: '网页（.html）', csv: 'CSV' };
const OPTION_LABELS = {
  layout: '版式', 'output-encoding': '编码', encoding: '编码', 'output-delimiter': '分隔符', eol: '换行',
};
const CHOICE_LABELS = {
  stacked: '所有表在一个工作表', sheets: '每张表一个工作表',
  'utf-8': 'UTF-8', 'utf-8-bom': 'UTF-8 带 BOM（Windows 版 Excel）', gb18030: 'GB18030（Windows 版 Excel）',
  'utf-16le': 'UTF-16LE', 'utf-16be': 'UTF-16BE',
  tab: '制表符', comma: '逗号', pipe: '竖线', semicolon: '分号', lf: 'LF（Linux）', crlf: 'CRLF（Windows）',
};
// The choice offered first: what Excel on Chinese Windows opens correctly.
const PREFERRED = { 'output-encoding': 'utf-8-bom', eol: 'crlf' };

let formats = [];

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function downloadName(response, fallback) {
  const cd = response.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]+)"/i.exec(cd);
  return plain ? plain[1] : fallback;
}

async function post(path, file) {
  const body = new FormData();
  body.append('file', file, file.name);
  return fetch(path, { method: 'POST', body });
}

function optionControls(format) {
  const selects = [];
  for (const opt of format.options) {
    if (!opt.choices.length) continue;
    const select = el('select', { 'data-option': opt.name, 'aria-label': OPTION_LABELS[opt.name] || opt.name });
    const choices = opt.choices.slice();
    const first = PREFERRED[opt.name];
    if (first && choices.includes(first)) choices.sort((a, b) => (a === first ? -1 : b === first ? 1 : 0));
    for (const c of choices) select.append(el('option', { value: c }, CHOICE_LABELS[c] || c));
    selects.push(select);
  }
  return selects;
}

function query(selects) {
  return selects.map((s) => `&${encodeURIComponent(s.dataset.option)}=${encodeURIComponent(s.value)}`).join('');
}

async function download(button, file, url, fallback, status) {
  button.disabled = true;
  status.textContent = '';
  try {
    const response = await post(url, file);
    if (!response.ok) {
      const problems = await response.json().catch(() => []);
      const list = Array.isArray(problems) ? problems : [problems];
      status.textContent = '转换失败：' + list.map((p) => p.message || p.error).join('；');
      return;
    }
    const blob = await response.blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: downloadName(response, fallback) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  } finally {
    button.disabled = false;
  }
}

function downloadBar(article, file) {
  const bar = article.querySelector('.downloads');
  const status = el('span', { class: 'download-status' });
  bar.append(el('strong', {}, '下载：'));
  for (const f of formats) {
    const group = el('span', { class: 'group', 'data-group': f.name });
    const selects = optionControls(f);
    const button = el('button', { type: 'button', 'data-format': f.name }, FORMAT_LABELS[f.name] || f.name);
    button.addEventListener('click', () => download(button, file, `/convert?to=${encodeURIComponent(f.name)}${query(selects)}`, `forms.${f.extension}`, status));
    group.append(button, ...selects);
    bar.append(group);
  }
  // One file per form, in a zip.
  const group = el('span', { class: 'group' });
  const each = el('select', { 'data-each': '', 'aria-label': '每个文件的格式' });
  for (const f of formats) each.append(el('option', { value: f.name }, FORMAT_LABELS[f.name] || f.name));
  const button = el('button', { type: 'button', class: 'secondary', 'data-format': 'zip' }, '每张表一个文件（zip）');
  button.addEventListener('click', () => download(button, file, `/convert?to=zip&each=${encodeURIComponent(each.value)}`, 'forms.zip', status));
  group.append(button, each);
  bar.append(group, status);
}

// The cell a problem concerns, found from the words of its message.
function problemCell(section, message) {
  const cells = Array.from(section.querySelectorAll('td'));
  const text = (td) => td.textContent.trim();
  const quoted = Array.from(message.matchAll(/"([^"]*)"/g), (m) => m[1]);
  let m = /indicator "([^"]*)" has no target/.exec(message);
  if (m) {
    const name = cells.find((td) => text(td) === m[1] && td.closest('tr').dataset.indicator !== undefined);
    if (name) return name.closest('tr').lastElementChild;
  }
  m = /field (\S+) is empty|has no field (\S+)/.exec(message);
  if (m) {
    const label = cells.find((td) => td.classList.contains('r-label') && text(td) === (m[1] || m[2]));
    if (label) return label.nextElementSibling;
    return null;
  }
  for (const q of quoted) {
    const cell = cells.find((td) => q && text(td) === q);
    if (cell) return cell;
  }
  if (/has no title/.test(message)) return cells.find((td) => td.classList.contains('r-title')) || null;
  if (/has no unit line/.test(message)) return cells[0] || null;
  return null;
}

function showProblems(article, result) {
  const list = article.querySelector('.problems');
  const sections = article.querySelectorAll('.forms section.form');
  const perForm = new Map();
  for (const p of result.problems) {
    const where = [p.line ? `第 ${p.line} 行` : '', p.sheet ? `${p.sheet}!${p.cell}` : ''].filter(Boolean).join(' ');
    const line = `${p.severity === 'warning' ? '提示' : '问题'}${where ? '（' + where + '）' : ''}：${p.message}`;
    const section = p.form ? sections[p.form - 1] : null;
    if (!section) {
      list.append(el('li', { class: 'problem' }, line));
      continue;
    }
    if (!perForm.has(section)) {
      const ul = el('ul', { class: 'form-problems' });
      section.before(ul);
      perForm.set(section, ul);
    }
    perForm.get(section).append(el('li', { class: 'problem' }, line));
    const cell = problemCell(section, p.message);
    if (cell) {
      cell.classList.add('has-problem');
      cell.append(el('span', { class: 'problem-mark' }, '⚠ ' + p.message));
    }
  }
}

async function handleFile(file) {
  const article = document.getElementById('file-template').content.firstElementChild.cloneNode(true);
  article.dataset.file = file.name;
  article.querySelector('.file-name').textContent = file.name;
  const summary = article.querySelector('.summary');
  summary.textContent = '正在读取…';
  document.getElementById('results').prepend(article);
  let result;
  try {
    const response = await post('/preview', file);
    result = await response.json();
    if (!response.ok) throw new Error(result.error || response.statusText);
  } catch (e) {
    summary.textContent = '无法处理：' + e.message;
    summary.classList.add('bad');
    return;
  }
  article.querySelector('.forms').innerHTML = result.html;
  const problems = result.problems.length;
  summary.textContent = result.forms
    ? `读到 ${result.forms} 张表（${result.format}）` + (problems ? `，发现 ${problems} 个问题。` : '，未发现问题。')
    : '没有读到任何表。';
  if (!result.forms || problems) summary.classList.add('bad');
  article.dataset.forms = String(result.forms);
  article.dataset.problems = String(problems);
  showProblems(article, result);
  if (result.forms) downloadBar(article, file);
  article.dataset.ready = 'true';
}

async function start() {
  formats = await (await fetch('/formats')).json();
  const input = document.getElementById('files');
  const drop = document.getElementById('drop');
  input.addEventListener('change', () => {
    for (const f of input.files) handleFile(f);
    input.value = '';
  });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    for (const f of e.dataTransfer.files) handleFile(f);
  });
  document.body.dataset.ready = 'true';
}

start();
