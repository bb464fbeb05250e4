#!/usr/bin/env python3
"""Writes web pages that imitate the markup of Excel's "Save as web page" and
of government content systems, holding the forms of a canonical text dump,
for tests that must read them back to that dump (see fixtures/html-in/README.md).

usage: html_fixture_imitations.py DUMP.txt OUTDIR
"""
import html
import sys


def load_forms(path):
    """Splits the dump into the attachment label and forms (lists of rows)."""
    rows = [line.split('\t') for line in open(path, encoding='utf-8').read().split('\n')]
    attachment = None
    forms = []
    for row in rows:
        cells = [c for c in row]
        if cells == [''] or not any(cells):
            continue
        if len(cells) == 1 and cells[0].startswith('附件'):
            attachment = cells[0]
            continue
        if len(cells) == 1 and '绩效目标表' in cells[0]:
            forms.append([])
        forms[-1].append(cells)
    return attachment, forms


def table_rows(form):
    """The form's table rows as lists of (text, colspan, rowspan), width 4,
    with categories merged down over their runs (blank = same as above)."""
    out = []
    body = [r for r in form if len(r) > 1]
    header_done = False
    i = 0
    while i < len(body):
        r = body[i]
        if r[0] == '一级指标':
            header_done = True
            out.append([(c, 1, 1) for c in r])
            i += 1
            continue
        if not header_done:
            cells = [c for c in r]
            while cells and cells[-1] == '' and len(cells) > 2:
                cells.pop()
            if len(cells) == 2:
                out.append([(cells[0], 1, 1), (cells[1], 3, 1)])
            else:
                out.append([(c, 1, 1) for c in cells])
            i += 1
            continue
        # indicator block: find runs
        j = i
        block = []
        while j < len(body) and body[j][0] != '一级指标':
            block.append(body[j] + [''] * (4 - len(body[j])))
            j += 1
        n = len(block)
        for k, row in enumerate(block):
            cells = []
            if row[0] != '' or k == 0:
                run = 1
                while k + run < n and block[k + run][0] == '':
                    run += 1
                cells.append((row[0], 1, run))
            if row[1] != '' or row[0] != '' or k == 0:
                run = 1
                while k + run < n and block[k + run][0] == '' and block[k + run][1] == '':
                    run += 1
                cells.append((row[1], 1, run))
            cells.append((row[2], 1, 1))
            cells.append((row[3], 1, 1))
            out.append(cells)
        i = j
    return out


def excel_text(text):
    """A cell's text as Excel writes it: runs of spaces with mso-spacerun."""
    out = []
    parts = text.split('  ')
    for k, part in enumerate(parts):
        if k:
            out.append("<span style='mso-spacerun:yes'>&nbsp; </span>")
        out.append(html.escape(part, quote=False))
    return ''.join(out)


def excel_page(attachment, forms):
    """Excel 2016 "Save as web page" of the stacked sheet (one table)."""
    p = []
    p.append('<html xmlns:v="urn:schemas-microsoft-com:vml"\n'
             'xmlns:o="urn:schemas-microsoft-com:office:office"\n'
             'xmlns:x="urn:schemas-microsoft-com:office:excel"\n'
             'xmlns="http://www.w3.org/TR/REC-html40">\n\n<head>\n'
             '<meta http-equiv=Content-Type content="text/html; charset=gb2312">\n'
             '<meta name=ProgId content=Excel.Sheet>\n'
             '<meta name=Generator content="Microsoft Excel 15">\n'
             '<link rel=File-List href="附件2.files/filelist.xml">\n'
             '<style id="附件2_25093_Styles">\n<!--table\n'
             '\t{mso-displayed-decimal-separator:"\\.";\n'
             '\tmso-displayed-thousand-separator:"\\,";}\n'
             '.xl65\n\t{padding-top:1px;\n\tcolor:black;\n\tfont-size:12.0pt;\n'
             '\tfont-family:黑体;\n\tmso-generic-font-family:auto;\n\tmso-font-charset:134;\n'
             '\tmso-number-format:General;\n\twhite-space:nowrap;}\n'
             '.xl66\n\t{font-size:11.0pt;\n\tfont-family:宋体;\n\tmso-number-format:"\\@";\n'
             '\tborder:.5pt solid windowtext;\n\twhite-space:normal;}\n'
             '-->\n</style>\n</head>\n\n<body>\n'
             '<!--[if !excel]>&nbsp;&nbsp;<![endif]-->\n'
             '<!--下列信息由 Microsoft Excel 的“发布为网页”向导生成。-->\n'
             '<!--如果同一条目从 Excel 中重新发布，则所有位于 DIV 标记之间的信息均将被替换。-->\n'
             '<!----------------------------->\n'
             '<!--“从 EXCEL 发布网页”向导开始-->\n'
             '<!----------------------------->\n\n'
             '<div id="附件2_25093" align=center x:publishsource="Excel">\n\n'
             "<table border=0 cellpadding=0 cellspacing=0 width=655 style='border-collapse:\n"
             " collapse;table-layout:fixed;width:492pt'>\n")
    for width, pt in ((121, 91), (147, 110), (213, 160), (174, 131)):
        p.append(f" <col width={width} style='mso-width-source:userset;mso-width-alt:{width * 32};"
                 f"width:{pt}pt'>\n")
    p.append(" <tr height=21 style='height:15.75pt'>\n"
             f"  <td height=21 class=xl65 width=121 style='height:15.75pt;width:91pt'>"
             f"{excel_text(attachment)}</td>\n"
             "  <td class=xl65 width=147 style='width:110pt'></td>\n"
             "  <td class=xl65 width=213 style='width:160pt'></td>\n"
             "  <td class=xl65 width=174 style='width:131pt'></td>\n </tr>\n")
    for form in forms:
        p.append(" <tr height=8 style='mso-height-source:userset;height:6.0pt'>\n"
                 "  <td height=8 colspan=4 style='height:6.0pt;mso-ignore:colspan'></td>\n </tr>\n")
        for row in form:
            if len(row) == 1:
                align = 'center' if '绩效目标表' in row[0] else 'right'
                p.append(" <tr height=48 style='mso-height-source:userset;height:36.0pt'>\n"
                         f"  <td colspan=4 height=48 class=xl65 style='height:36.0pt;"
                         f"text-align:{align}'>{excel_text(row[0])}</td>\n </tr>\n")
        for cells in table_rows(form):
            p.append(" <tr height=19 style='height:14.25pt'>\n")
            for text, colspan, rowspan in cells:
                attrs = ''
                if colspan > 1:
                    attrs += f' colspan={colspan}'
                if rowspan > 1:
                    attrs += f' rowspan={rowspan}'
                num = ''
                try:
                    float(text)
                    num = f' x:num="{float(text):g}"'
                except ValueError:
                    pass
                p.append(f"  <td{attrs} class=xl66 style='border-top:none'{num}>"
                         f"{excel_text(text)}</td>\n")
            p.append(" </tr>\n")
    p.append(" <![if supportMisalignedColumns]>\n <tr height=0 style='display:none'>\n"
             "  <td width=121 style='width:91pt'></td>\n  <td width=147 style='width:110pt'></td>\n"
             "  <td width=213 style='width:160pt'></td>\n  <td width=174 style='width:131pt'></td>\n"
             " </tr>\n <![endif]>\n</table>\n\n</div>\n\n"
             '<!----------------------------->\n'
             '<!--“从 EXCEL 发布网页”向导结束-->\n'
             '<!----------------------------->\n</body>\n\n</html>\n')
    return ''.join(p)


def word_cell(text, colspan=1, rowspan=1, width=100):
    """A cell of a table pasted from Word into a content system's editor."""
    attrs = f' width="{width}" valign="center" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt"'
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    if text == '':
        body = '<p class="MsoNormal" align="center"><span lang="EN-US">&nbsp;<o:p></o:p></span></p>'
    else:
        escaped = html.escape(text, quote=False).replace('  ', ' &nbsp;')
        body = ('<p class="MsoNormal" align="center"><span style="font-family:宋体;'
                f'font-size:10.5pt">{escaped}</span><span lang="EN-US"><o:p></o:p></span></p>')
    return f'<td{attrs}>\n{body}\n</td>'


def form_tables(attachment, forms):
    """The forms as an editor holds them: paragraphs around Word tables."""
    p = [f'<p class="MsoNormal"><span style="font-family:黑体">附件&nbsp;2</span></p>\n'
         if attachment == '附件 2' else f'<p>{html.escape(attachment)}</p>\n']
    for form in forms:
        for row in form:
            if len(row) == 1 and '绩效目标表' in row[0]:
                p.append('<p class="MsoNormal" align="center" style="text-align:center">'
                         f'<strong><span style="font-size:18.0pt;font-family:黑体">'
                         f'{html.escape(row[0])}</span></strong></p>\n')
            elif len(row) == 1:
                p.append(f'<p class="MsoNormal" align="right" style="text-align:right">'
                         f'<span>{html.escape(row[0])}</span></p>\n')
        p.append('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
                 'style="border-collapse:collapse;border:none">\n<tbody>\n')
        for cells in table_rows(form):
            p.append('<tr style="height:20.0pt">\n')
            for text, colspan, rowspan in cells:
                p.append(word_cell(text, colspan, rowspan) + '\n')
            p.append('</tr>\n')
        p.append('</tbody>\n</table>\n<p class="MsoNormal"><span lang="EN-US">&nbsp;</span></p>\n')
    return ''.join(p)


def cms_page(attachment, forms):
    """A government site's article page (div layout, TRS-style editor area)."""
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            '<title>吴忠市利通区司法局2024年部门预算公开_预算公开_吴忠市利通区人民政府</title>\n'
            '<meta name="ArticleTitle" content="吴忠市利通区司法局2024年部门预算公开" />\n'
            '<link href="/images/common.css" rel="stylesheet" type="text/css" />\n'
            '<script type="text/javascript" src="/js/jquery.min.js"></script>\n'
            '<script type="text/javascript">var _hmt = _hmt || []; '
            'document.write("<table><tr><td>单位：元</td></tr></table>");</script>\n'
            '<style type="text/css">.TRS_Editor P{line-height:2;} td { font-size: 12px }</style>\n'
            '</head>\n<body>\n'
            '<div class="header"><div class="logo"><img src="/images/logo.png" alt="吴忠市利通区人民政府" /></div>\n'
            '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
            '<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>\n'
            '<div class="main">\n<div class="position">当前位置：<a href="/">首页</a> &gt; '
            '<a href="/zwgk/">政务公开</a> &gt; 预算公开</div>\n'
            '<div class="article">\n<h1 class="title">吴忠市利通区司法局2024年部门预算公开</h1>\n'
            '<div class="info">发布时间：2024-02-01&nbsp;&nbsp;来源：利通区司法局&nbsp;&nbsp;'
            '浏览次数：<span id="count"></span>&nbsp;&nbsp;【<a href="javascript:window.print()">打印</a>】'
            '【<a href="javascript:window.close()">关闭</a>】</div>\n'
            '<!--<p>单位：元</p>-->\n'
            '<div class="TRS_Editor"><div class="Custom_UnionStyle">\n'
            + form_tables(attachment, forms) +
            '</div></div>\n<div class="attach">附件下载：<a href="./P020240201.xlsx">部门预算公开表.xlsx</a></div>\n'
            '</div>\n</div>\n'
            '<div class="footer"><p>主办单位：吴忠市利通区人民政府办公室&nbsp;&nbsp;网站标识码：6403020001</p>\n'
            '<p>宁ICP备00000000号&nbsp;&nbsp;宁公网安备 64030202000000号</p></div>\n'
            '<script type="text/javascript">document.getElementById("count").innerHTML="1024";</script>\n'
            '</body>\n</html>\n')


def frames_page(attachment, forms):
    """An older site: nested layout tables, GBK, titles in <div>s, references."""
    inner = form_tables(attachment, forms)
    # Character references for the unit lines, as some editors store them.
    inner = inner.replace('单位：万元', '&#21333;&#20301;&#xFF1A;&#19975;&#20803;')
    return ('<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=gbk">\n'
            '<title>部门预算公开</title>\n<script language="javascript">function f(){}</script>\n'
            '</head>\n<body topmargin="0">\n'
            '<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">\n'
            '<tr><td height="30" bgcolor="#BB0000"><a href="/">网站首页</a> | <a href="/xxgk/">信息公开</a>'
            ' | <a href="/bsfw/">办事服务</a></td></tr>\n'
            '<tr><td><table width="100%" border="0"><tr>\n'
            '<td width="200" valign="top"><table><tr><td>信息公开目录</td></tr><tr><td>预算公开</td></tr>'
            '</table></td>\n'
            '<td valign="top">\n<div align="center"><font size="4"><b>部门预算公开说明</b></font></div>\n'
            '<div>发布日期：2024-02-01</div>\n' + inner +
            '</td></tr></table></td></tr>\n'
            '<tr><td align="center">版权所有：吴忠市利通区人民政府&nbsp;&copy;2024</td></tr>\n'
            '</table>\n</body>\n</html>\n')


def main():
    dump, outdir = sys.argv[1], sys.argv[2]
    attachment, forms = load_forms(dump)
    with open(f'{outdir}/excel-gb2312.htm', 'wb') as f:
        f.write(excel_page(attachment, forms).encode('gb18030'))
    with open(f'{outdir}/cms-article.html', 'w', encoding='utf-8') as f:
        f.write(cms_page(attachment, forms))
    with open(f'{outdir}/cms-frames-gbk.html', 'wb') as f:
        f.write(frames_page(attachment, forms).encode('gb18030'))


main()
