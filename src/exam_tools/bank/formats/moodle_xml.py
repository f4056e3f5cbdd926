"""Moodle XML (``<quiz><question type="…">``), the richest format Moodle imports and exports.

Type mapping: single/multiple -> ``multichoice`` (``<single>``), judge -> ``truefalse``, fill with
one blank -> ``shortanswer``, fill with several blanks -> ``cloze`` (embedded
``{1:SHORTANSWER:=…~=…}``), short -> ``essay`` (reference answer in ``<graderinfo>``). The bank's
metadata travels as Moodle tags with a prefix (``领域:党章党规``, ``难度:简单``, ``出处:…``, …), so
YAML -> Moodle XML -> YAML gives back identical questions.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from exam_tools.bank.formats import RawQuestion, fixed_locator, share_percent
from exam_tools.bank.model import BLANK, LETTERS, QType, Question
from exam_tools.errors import FormatError, Location, Problem

TAG_PREFIXES = {"领域": "domain", "难度": "difficulty", "技术": "technology", "出处": "source"}
KEYWORD_PREFIX = "关键词"
CLOZE_RE = re.compile(r"\{(\d*):(SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC):((?:\\.|[^}\\])*)\}")
TAG_RE = re.compile(r"<[^>]+>")
SUPPORTED = ("multichoice", "truefalse", "shortanswer", "cloze", "multianswer", "essay")


# ---- text <-> html --------------------------------------------------------------------------


def to_html(text: str) -> str:
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def from_html(text: str, fmt: str = "html") -> str:
    if fmt != "html":
        return text.strip()
    text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", text.strip())
    return html.unescape(TAG_RE.sub("", text)).strip()


def _text_of(elem: ET.Element | None) -> str:
    if elem is None:
        return ""
    t = elem.find("text")
    value = t.text if t is not None and t.text else ""
    return from_html(value, elem.get("format", "html"))


# ---- reading --------------------------------------------------------------------------------


def _question_lines(text: str) -> list[int]:
    """Line numbers of each ``<question`` element, to name them in messages (ET keeps none)."""
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<question[\s>]", text)]


def read(data: bytes, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise FormatError("XML 格式错误，无法读取", location=Location(source_name, line)) from None
    if root.tag != "quiz":
        raise FormatError(
            f"{source_name} 不是 Moodle XML 题库（根元素应为 <quiz>，实际是 <{root.tag}>）"
        )
    lines = _question_lines(data.decode("utf-8", errors="replace"))
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    for n, elem in enumerate(root.findall("question")):
        loc = Location(source_name, lines[n] if n < len(lines) else None)
        qtype = elem.get("type", "")
        if qtype == "category":
            continue
        if qtype not in SUPPORTED:
            problems.append(Problem(loc, None, "type", f"Moodle 题型 {qtype} 不支持"))
            continue
        try:
            raws.append(RawQuestion(_question(elem, qtype), fixed_locator(loc)))
        except ValueError as exc:
            problems.append(Problem(loc, None, None, str(exc)))
    return raws, problems


def _question(elem: ET.Element, qtype: str) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    idnumber = (elem.findtext("idnumber") or "").strip()
    name = _text_of(elem.find("name"))
    raw["id"] = idnumber or None
    tags: list[str] = []
    keywords: list[list[str]] = []
    for tag in elem.findall("tags/tag"):
        value = (tag.findtext("text") or "").strip()
        prefix, sep, rest = value.partition(":")
        if sep and prefix in TAG_PREFIXES:
            raw[TAG_PREFIXES[prefix]] = rest
        elif sep and prefix == KEYWORD_PREFIX:
            keywords.append(rest.split("/"))
        elif value:
            tags.append(value)
    if tags:
        raw["tags"] = tags
    explanation = _text_of(elem.find("generalfeedback"))
    if explanation:
        raw["explanation"] = explanation
    grade = (elem.findtext("defaultgrade") or "").strip()
    if grade:
        try:
            points = float(grade)
            raw["points"] = int(points) if points.is_integer() else points
        except ValueError:
            raw["points"] = grade
    stem = _text_of(elem.find("questiontext"))
    answers = [(_text_of(a), _fraction(a)) for a in elem.findall("answer")]
    if qtype == "multichoice":
        single = (elem.findtext("single") or "true").strip().lower() in ("true", "1")
        raw["options"] = [t for t, _ in answers]
        correct = [LETTERS[i] for i, (_, f) in enumerate(answers) if f > 0]
        raw["type"] = "single" if single else "multiple"
        raw["answer"] = correct[0] if single and len(correct) == 1 else correct
    elif qtype == "truefalse":
        right = [t.lower() for t, f in answers if f > 0]
        if not right:
            raise ValueError("判断题没有得分的答案")
        raw["type"] = "judge"
        raw["answer"] = right[0] in ("true", "正确", "对")
    elif qtype == "shortanswer":
        raw["type"] = "fill"
        raw["answer"] = [[t for t, f in answers if f > 0]]
        if BLANK not in stem and "（ ）" not in stem:
            stem = stem + BLANK
    elif qtype in ("cloze", "multianswer"):
        raw["type"] = "fill"
        blanks: list[list[str]] = []

        def blank(m: re.Match[str]) -> str:
            blanks.append(_cloze_answers(m.group(3)))
            return BLANK

        stem = CLOZE_RE.sub(blank, stem)
        if "{" in stem and ":" in stem:
            raise ValueError("完形填空中只支持 SHORTANSWER 类型的空")
        raw["answer"] = blanks
    else:  # essay
        raw["type"] = "short"
        reference = _text_of(elem.find("graderinfo"))
        if reference:
            raw["answer"] = reference
        if keywords:
            raw["keywords"] = keywords
    raw["stem"] = stem
    if not raw.get("id") and name and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", name):
        raw["id"] = name
    return {k: v for k, v in raw.items() if v is not None}


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _cloze_answers(body: str) -> list[str]:
    alts: list[str] = []
    for part in re.split(r"(?<!\\)~", body):
        m = re.match(r"^(=|%(\d+(?:\.\d+)?)%)(.*)$", part.strip(), re.DOTALL)
        if not m or (m.group(2) is not None and float(m.group(2)) <= 0):
            continue
        text = re.split(r"(?<!\\)#", m.group(3))[0]
        alts.append(re.sub(r"\\(.)", r"\1", text).strip())
    return alts


# ---- writing --------------------------------------------------------------------------------


def unsupported(q: Question) -> str | None:
    for k in q.keywords:
        if any("/" in a for a in k):
            return "评分关键词含有 /，Moodle 标签中无法区分同义词"
    return None


def _cloze_escape(text: str) -> str:
    return re.sub(r"([}#~/\"\\])", r"\\\1", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, attrs)
    if text is not None:
        e.text = text
    return e


def _texted(parent: ET.Element, tag: str, text: str, fmt: str = "html", **attrs: str) -> None:
    e = _sub(parent, tag, format=fmt, **attrs)
    _sub(e, "text", to_html(text) if fmt == "html" else text)


def _grade(points: float) -> str:
    return f"{points:.7f}".rstrip("0").rstrip(".")


def _element(q: Question) -> ET.Element:
    kind = {
        QType.SINGLE: "multichoice", QType.MULTIPLE: "multichoice", QType.JUDGE: "truefalse",
        QType.FILL: "shortanswer" if q.type is QType.FILL and len(q.blanks) == 1 else "cloze",
        QType.SHORT: "essay",
    }[q.type]  # fmt: skip
    e = ET.Element("question", type=kind)
    name = _sub(e, "name")
    _sub(name, "text", q.id)
    stem = q.stem
    if kind == "cloze":
        parts = stem.split(BLANK)
        stem = parts[0]
        for i, alts in enumerate(q.blanks):
            body = "~".join(f"={_cloze_escape(a)}" for a in alts)
            stem += f"{{1:SHORTANSWER:{body}}}" + parts[i + 1]
    _texted(e, "questiontext", stem)
    _texted(e, "generalfeedback", q.explanation)
    _sub(e, "defaultgrade", _grade(q.points))
    _sub(e, "penalty", "0")
    _sub(e, "hidden", "0")
    _sub(e, "idnumber", q.id)
    if q.type.is_choice:
        _sub(e, "single", "true" if q.type is QType.SINGLE else "false")
        _sub(e, "shuffleanswers", "true")
        _sub(e, "answernumbering", "ABCD")
        n = len(q.correct_letters)
        for i, option in enumerate(q.options):
            right = LETTERS[i] in q.correct_letters
            fraction = "100" if q.type is QType.SINGLE else share_percent(n)
            _answer(e, option, fraction if right else ("0" if q.type is QType.SINGLE else "-100"))
    elif q.type is QType.JUDGE:
        _answer(e, "true", "100" if q.truth else "0", fmt="moodle_auto_format")
        _answer(e, "false", "0" if q.truth else "100", fmt="moodle_auto_format")
    elif kind == "shortanswer":
        _sub(e, "usecase", "0")
        for alt in q.blanks[0]:
            _answer(e, alt, "100", fmt="moodle_auto_format")
    elif q.type is QType.SHORT:
        _sub(e, "responseformat", "editor")
        _sub(e, "responserequired", "1")
        _sub(e, "responsefieldlines", "10")
        _texted(e, "graderinfo", q.reference)
    tags = _sub(e, "tags")
    labels = [*q.tags, f"领域:{q.domain}", f"难度:{q.difficulty}"]
    if q.technology:
        labels.append(f"技术:{q.technology}")
    if q.source:
        labels.append(f"出处:{q.source}")
    labels += [f"{KEYWORD_PREFIX}:{'/'.join(k)}" for k in q.keywords]
    for label in labels:
        _sub(_sub(tags, "tag"), "text", label)
    return e


def _answer(parent: ET.Element, text: str, fraction: str, fmt: str = "html") -> None:
    a = _sub(parent, "answer", fraction=fraction, format=fmt)
    _sub(a, "text", to_html(text) if fmt == "html" else text)
    fb = _sub(a, "feedback", format="html")
    _sub(fb, "text", "")


def dump(questions: Sequence[Question]) -> bytes:
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(" exam-tools 题库导出（Moodle XML） "))
    for q in questions:
        quiz.append(_element(q))
    ET.indent(quiz, space="  ")
    body: bytes = ET.tostring(quiz, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
