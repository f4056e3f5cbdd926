"""QTI 3.0 content package (export only): a zip with ``imsmanifest.xml`` and one item per question.

Choice questions use ``qti-choice-interaction``; a judge question is a choice between 正确 and
错误; a fill-in with one blank and one accepted answer uses an inline
``qti-text-entry-interaction``; all of these score with the standard ``match_correct`` response
processing template. A one-blank fill-in that accepts several spellings scores with the standard
``map_response`` template instead (each accepted spelling maps to full marks). A short-answer
question is an ``qti-extended-text-interaction`` scored by a person, with the reference answer in
a scorer rubric. Fill-ins with several blanks need custom response processing and are reported.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence

from exam_tools.bank.model import BLANK, LETTERS, QType, Question

NS_ITEM = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
NS_CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP_XSD = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
MATCH_CORRECT = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"
MAP_RESPONSE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml"
ITEM_TYPE = "imsqti_item_xmlv3p0"


def unsupported(q: Question) -> str | None:
    if q.type is QType.FILL and len(q.blanks) != 1:
        return "QTI 标准评分模板只能处理一个空的填空题"
    return None


def identifier(qid: str) -> str:
    """QTI identifiers must start with a letter or underscore."""
    return qid if re.match(r"^[A-Za-z_]", qid) else f"Q{qid}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _paragraphs(parent: ET.Element, text: str) -> None:
    for line in text.split("\n"):
        _sub(parent, "p", line)


def item_xml(q: Question) -> bytes:
    ident = identifier(q.id)
    item = ET.Element(
        "qti-assessment-item",
        {
            "xmlns": NS_ITEM,
            "xmlns:xsi": NS_XSI,
            "xsi:schemaLocation": f"{NS_ITEM} {ITEM_XSD}",
            "identifier": ident,
            "title": q.stem[:60],
            "adaptive": "false",
            "time-dependent": "false",
            "xml:lang": "zh-CN",
        },
    )
    scored = q.type is not QType.SHORT
    if q.type.is_choice or q.type is QType.JUDGE:
        multiple = q.type is QType.MULTIPLE
        decl = _sub(
            item,
            "qti-response-declaration",
            identifier="RESPONSE",
            cardinality="multiple" if multiple else "single",
            base_type="identifier",
        )
        correct = _sub(decl, "qti-correct-response")
        values = q.correct_letters if q.type.is_choice else ("T" if q.truth else "F",)
        for v in values:
            _sub(correct, "qti-value", v)
    elif q.type is QType.FILL:
        decl = _sub(
            item,
            "qti-response-declaration",
            identifier="RESPONSE",
            cardinality="single",
            base_type="string",
        )
        _sub(_sub(decl, "qti-correct-response"), "qti-value", q.blanks[0][0])
        if len(q.blanks[0]) > 1:
            mapping = _sub(decl, "qti-mapping", default_value="0")
            for alt in q.blanks[0]:
                _sub(mapping, "qti-map-entry", map_key=alt, mapped_value=f"{q.points:g}",
                     case_sensitive="false")  # fmt: skip
    else:
        _sub(
            item,
            "qti-response-declaration",
            identifier="RESPONSE",
            cardinality="single",
            base_type="string",
        )
    score = _sub(
        item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float"
    )
    _sub(_sub(score, "qti-default-value"), "qti-value", "0")
    maxscore = _sub(
        item,
        "qti-outcome-declaration",
        identifier="MAXSCORE",
        cardinality="single",
        base_type="float",
    )
    _sub(_sub(maxscore, "qti-default-value"), "qti-value", f"{q.points:g}")
    body = _sub(item, "qti-item-body")
    if q.type is QType.SHORT:
        rubric = _sub(body, "qti-rubric-block", view="scorer", use="scoring")
        content = _sub(rubric, "qti-content-body")
        _paragraphs(content, "参考答案：" + q.reference)
        if q.keywords:
            _sub(content, "p", "评分关键词：" + "、".join("/".join(k) for k in q.keywords))
    if q.type is QType.FILL:
        before, _, after = q.stem.partition(BLANK)
        p = _sub(body, "p", before)
        entry = _sub(
            p,
            "qti-text-entry-interaction",
            response_identifier="RESPONSE",
            expected_length=str(max(4, len(q.blanks[0][0]) * 2)),
        )
        entry.tail = after
    elif q.type is QType.SHORT:
        _paragraphs(body, q.stem)
        _sub(body, "qti-extended-text-interaction", response_identifier="RESPONSE")
    else:
        multiple = q.type is QType.MULTIPLE
        inter = _sub(
            body,
            "qti-choice-interaction",
            response_identifier="RESPONSE",
            shuffle="false",
            max_choices="0" if multiple else "1",
        )
        _sub(inter, "qti-prompt", q.stem)
        choices = (
            [(LETTERS[i], o) for i, o in enumerate(q.options)]
            if q.type.is_choice
            else [("T", "正确"), ("F", "错误")]
        )
        for ident_, text in choices:
            _sub(inter, "qti-simple-choice", text, identifier=ident_)
    if scored:
        several = q.type is QType.FILL and len(q.blanks[0]) > 1
        _sub(item, "qti-response-processing", template=MAP_RESPONSE if several else MATCH_CORRECT)
    ET.indent(item, space="  ")
    out: bytes = ET.tostring(item, encoding="utf-8", xml_declaration=True)
    return out


def manifest_xml(items: Sequence[tuple[str, str]]) -> bytes:
    root = ET.Element(
        "manifest",
        {
            "xmlns": NS_CP,
            "xmlns:xsi": NS_XSI,
            "xsi:schemaLocation": f"{NS_CP} {CP_XSD}",
            "identifier": "exam-tools-bank",
        },
    )
    meta = _sub(root, "metadata")
    _sub(meta, "schema", "QTI Package")
    _sub(meta, "schemaversion", "3.0.0")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for ident, href in items:
        res = _sub(resources, "resource", identifier=ident, type=ITEM_TYPE, href=href)
        _sub(res, "file", href=href)
    ET.indent(root, space="  ")
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def dump(questions: Sequence[Question]) -> bytes:
    buf = io.BytesIO()
    entries: list[tuple[str, str]] = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for q in questions:
            ident = identifier(q.id)
            href = f"items/{ident}.xml"
            zf.writestr(href, item_xml(q))
            entries.append((ident, href))
        zf.writestr("imsmanifest.xml", manifest_xml(entries))
    return buf.getvalue()
