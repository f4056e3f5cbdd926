"""Build tests/data/wps_style.xlsx the way Excel and WPS save a sheet, not the way openpyxl does.

The file has: a merged title row above the header, every text cell in the shared-strings table
(t="s"), a numeric cell where text was meant (answer 2), full-width column spellings and answer
spellings (单项选择题, A、C、D, √), a pre-numbered empty row and styled empty rows at the end
(what remains after deleting rows in WPS), a second sheet, and docProps naming WPS.
Run it to regenerate the committed file: python tests/data/make_wps_xlsx.py
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = ["序号", "题型", "试题内容", "选项A", "选项B", "选项C", "选项D", "答案", "答案解析",
          "难易程度", "分类", "出处"]  # fmt: skip
ROWS: list[list[object]] = [
    [1, "单项选择题", "预备党员的预备期为（ ）。", "半年", "一年", "两年", "三年", "B",
     "党章第七条规定，预备党员的预备期为一年。", "容易", "预备党员", "党章 第七条"],
    [2, "多项选择题", "预备党员没有下列哪些权利？（ ）", "表决权", "选举权", "被选举权",
     "参加党的有关会议", "A、B、C", "党章第七条：预备党员没有表决权、选举权和被选举权。",
     "一般", "预备党员，党员权利", "党章 第七条"],
    [3, "判断题", "党员的党龄从预备期满转为正式党员之日算起。", None, None, None, None, "√",
     "党章第七条规定，党员的党龄从预备期满转为正式党员之日算起。", "容易", "党龄", "党章 第七条"],
    [4, "填空题", "申请入党的人，要有（ ）名正式党员作介绍人。", None, None, None, None, 2,
     "党章第五条规定，要有两名正式党员作介绍人。", "较难", "入党介绍人", "党章 第五条"],
    [5, "简答题", "预备党员预备期满后，党组织可以作出哪几种处理？", None, None, None, None,
     "按期转正；延长预备期；取消预备党员资格。", "党章第七条。", "较难", "预备党员", "党章 第七条"],
    [6],  # pre-numbered empty row
]  # fmt: skip


def col(i: int) -> str:
    return "ABCDEFGHIJKLMNOP"[i]


def build(path: Path) -> None:
    strings: list[str] = []

    def sst(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    rows_xml = [
        f'<row r="1" spans="1:12" ht="30" customHeight="1"><c r="A1" s="2" t="s">'
        f"<v>{sst('城关镇党校 2026 年党章党规题库')}</v></c></row>"
    ]
    cells = "".join(
        f'<c r="{col(i)}2" s="1" t="s"><v>{sst(h)}</v></c>' for i, h in enumerate(HEADER)
    )
    rows_xml.append(f'<row r="2" spans="1:12">{cells}</row>')
    for n, row in enumerate(ROWS, 3):
        cs = []
        for i, value in enumerate(row):
            ref = f"{col(i)}{n}"
            if value is None:
                continue
            if isinstance(value, int):
                cs.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cs.append(f'<c r="{ref}" t="s"><v>{sst(str(value))}</v></c>')
        rows_xml.append(f'<row r="{n}" spans="1:12">{"".join(cs)}</row>')
    for n in range(len(ROWS) + 3, len(ROWS) + 8):  # styled, empty trailing rows
        rows_xml.append(f'<row r="{n}" spans="1:12"><c r="A{n}" s="3"/><c r="C{n}" s="3"/></row>')
    last = len(ROWS) + 7
    sheet1 = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:L{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/></sheetView>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"<sheetData>{''.join(rows_xml)}</sheetData>"
        '<mergeCells count="1"><mergeCell ref="A1:L1"/></mergeCells>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )
    sheet2 = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="s">'
        f"<v>{sst('说明：本表由 WPS 表格制作')}</v></c></row></sheetData></worksheet>"
    )
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font>'
        '<font><b/><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
        'applyAlignment="1"><alignment horizontal="center"/></xf>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="党章题库" sheetId="1" r:id="rId1"/>'
        '<sheet name="说明" sheetId="2" r:id="rId2"/></sheets></workbook>'
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    wb_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="worksheets/sheet2.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId4" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{ct}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.extended-properties+xml"/>'
        "</Types>"
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>WPS 表格</Application></Properties>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        # A fixed timestamp keeps the committed file byte-for-byte reproducible.
        for name, text in [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", root_rels),
            ("docProps/app.xml", app),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", wb_rels),
            ("xl/worksheets/sheet1.xml", sheet1),
            ("xl/worksheets/sheet2.xml", sheet2),
            ("xl/sharedStrings.xml", shared),
            ("xl/styles.xml", styles),
        ]:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))


if __name__ == "__main__":
    build(Path(__file__).with_name("wps_style.xlsx"))
