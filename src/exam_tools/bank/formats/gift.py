"""Moodle's GIFT text format.

Reads the question kinds GIFT has that the bank has too: multiple choice (one ``=`` right answer,
or ``~%50%`` weights for several), true/false, short answer and missing-word (a fill with one
blank), and essay. Writes them back, keeping the bank's metadata in Moodle-style comment tags
(``// [id:dz-0007] [tag:预备党员] [领域:党章党规] …``), so GIFT round-trips every question except
fill-ins with two or more blanks, which GIFT cannot express.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from exam_tools.bank.formats import RawQuestion, fixed_locator, share_percent
from exam_tools.bank.model import BLANK, DEFAULT_POINTS, LETTERS, QType, Question
from exam_tools.bank.validate import halfwidth
from exam_tools.errors import Location, Problem
from exam_tools.fileio import decode_text

SPECIAL = "~=#{}:"
META_RE = re.compile(r"\[([^\[\]:\s]+):((?:\\.|[^\]\\])*)\]")
META_KEYS = {"领域": "domain", "难度": "difficulty", "技术": "technology", "出处": "source",
             "分值": "points", "参考答案": "answer"}  # fmt: skip
FORMAT_RE = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
TAG_RE = re.compile(r"<[^>]+>")


class GiftSyntaxError(ValueError):
    pass


# ---- reading --------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_FIND_CACHE: dict[str, re.Pattern[str]] = {}


def _find(text: str, chars: str, start: int = 0) -> int:
    """Index of the first unescaped character of ``chars`` in ``text`` from ``start``, or -1."""
    pattern = _FIND_CACHE.get(chars)
    if pattern is None:
        # Skip escapes (a backslash and the character after it) and every other character.
        pattern = re.compile(r"(?:\\.|[^\\" + re.escape(chars) + "])*", re.DOTALL)
        _FIND_CACHE[chars] = pattern
    m = pattern.match(text, start)
    end = m.end() if m else start
    return end if end < len(text) and text[end] in chars else -1


def _split_unescaped(text: str, sep: str) -> tuple[str, str | None]:
    i = start = 0
    while True:
        i = _find(text, sep[0], start)
        if i < 0:
            return text, None
        if text.startswith(sep, i):
            return text[:i], text[i + len(sep) :]
        start = i + 1


def _html_to_text(text: str, is_html: bool) -> str:
    if not is_html:
        return text
    import html

    text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p>", "\n", text)
    return html.unescape(TAG_RE.sub("", text))


def _parse_answers(body: str) -> list[tuple[str, float | None, str]]:
    """``=a ~%50%b #fb`` -> [(marker, weight, text)]; feedback after ``#`` is dropped."""
    answers: list[tuple[str, float | None, str]] = []
    i = _find(body, "=~")
    if i < 0:
        raise GiftSyntaxError("答案部分应以 = 或 ~ 开头")
    if body[:i].strip():
        raise GiftSyntaxError(f"答案部分无法识别：“{body[:i].strip()}”")
    while i >= 0:
        j = _find(body, "=~", i + 1)
        chunk = body[i + 1 : j if j >= 0 else len(body)]
        marker = body[i]
        weight: float | None = None
        m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", chunk)
        if m:
            weight = float(m.group(1))
            chunk = chunk[m.end() :]
        text, _feedback = _split_unescaped(chunk, "#")
        if "->" in text:
            raise GiftSyntaxError("配对题（->）不支持")
        answers.append((marker, weight, text.strip()))
        i = j
    return answers


def parse_block(block: str, meta: dict[str, Any]) -> dict[str, Any]:
    """One GIFT question (comments removed) as a raw question in the YAML shape."""
    text = block.strip()
    m = re.match(r"^::((?:\\.|[^\\])*?)::", text, re.DOTALL)
    if m:
        text = text[m.end() :]
    is_html = False
    fm = FORMAT_RE.match(text)
    if fm:
        is_html = fm.group(1).lower() == "html"
        text = text[fm.end() :]
    open_at = _find(text, "{")
    if open_at < 0:
        raise GiftSyntaxError("找不到答案部分 {…}")
    close_at = _find(text, "}", open_at + 1)
    if close_at < 0:
        raise GiftSyntaxError("答案部分缺少右括号 }")
    before = _html_to_text(_unescape(text[:open_at]), is_html)
    after = _html_to_text(_unescape(text[close_at + 1 :]), is_html).rstrip()
    body, general = _split_unescaped(text[open_at + 1 : close_at], "####")
    body = body.strip()
    raw: dict[str, Any] = dict(meta)
    if general is not None and general.strip():
        raw["explanation"] = _html_to_text(_unescape(general.strip()), is_html)
    head = halfwidth(_split_unescaped(body, "#")[0]).strip().upper()  # {Ｔ} is {T}
    if body.startswith("#"):
        raise GiftSyntaxError("数值题（{#…}）不支持")
    if head in ("T", "TRUE", "F", "FALSE"):
        raw["type"] = "judge"
        raw["answer"] = head.startswith("T")
    elif not body:
        raw["type"] = "short"
    else:
        answers = _parse_answers(body)
        if all(marker == "=" for marker, _, _ in answers):
            raw["type"] = "fill"
            raw["answer"] = [[_unescape(t) for _, w, t in answers if w is None or w > 0]]
            return {**raw, "stem": (before + BLANK + after).strip()}
        correct = [LETTERS[k] for k, (mk, w, _) in enumerate(answers)
                   if (w is not None and w > 0) or (w is None and mk == "=")]  # fmt: skip
        raw["type"] = "single" if len(correct) == 1 else "multiple"
        raw["options"] = [_unescape(t) for _, _, t in answers]
        raw["answer"] = correct[0] if len(correct) == 1 else correct
    if after.strip():  # missing-word format: the answer box stood inside the sentence
        raw["stem"] = (before.rstrip() + "（ ）" + after.lstrip()).strip()
    else:
        raw["stem"] = before.strip()
    return raw


def _meta(comments: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for comment in comments:
        for key, value in META_RE.findall(comment):
            value = _unescape(value)
            if key == "id":
                meta["id"] = value
            elif key == "tag":
                meta.setdefault("tags", []).append(value)
            elif key == "关键词":
                meta.setdefault("keywords", []).append(value.split(";"))
            elif key == "分值":
                try:
                    meta["points"] = float(value) if "." in value else int(value)
                except ValueError:
                    meta["points"] = value
            elif key in META_KEYS:
                meta[META_KEYS[key]] = value
    return meta


_BRACES = re.compile(r"\\.|[{}]", re.DOTALL)


def read(data: bytes, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    """Questions are separated by blank lines; an answer part ``{…}`` may span lines.

    A ``{`` that is never closed is an error at its own line, not a question that swallows the
    ones after it: the answer part ends at the next ``{`` (the next question's) at the latest, and
    reading goes on from the first blank line inside it.
    """
    lines = decode_text(data).splitlines()
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    block: list[str] = []
    comments: list[str] = []
    start = 0  # index of the block's first line

    def flush() -> None:
        nonlocal block, comments
        if block:
            loc = Location(path=source_name, line=start + 1)
            try:
                raw = parse_block("\n".join(block), _meta(comments))
                raws.append(RawQuestion(raw, fixed_locator(loc)))
            except GiftSyntaxError as exc:
                qid = _meta(comments).get("id")
                problems.append(Problem(loc, qid, None, f"GIFT 格式错误：{exc}"))
        block, comments = [], []

    def unclosed(line: int) -> None:
        nonlocal block, comments
        message = f"GIFT 格式错误：第 {line} 行的“{{”没有对应的“}}”（答案部分缺少右括号）"
        problems.append(
            Problem(Location(source_name, line), _meta(comments).get("id"), None, message)
        )
        block, comments = [], []

    open_line: int | None = None  # line of the "{" whose "}" has not come yet
    blank: int | None = None  # first blank line inside that answer part
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if open_line is None:
            if not stripped:
                flush()
                i += 1
                continue
            if stripped.startswith("//"):
                comments.append(stripped[2:])
                i += 1
                continue
            if stripped.startswith("$CATEGORY"):
                i += 1
                continue
        elif not stripped and blank is None:
            blank = i
        if not block:
            start = i
        again = False
        for m in _BRACES.finditer(line):
            ch = m.group()
            if ch == "{" and open_line is None:
                open_line = i + 1
            elif ch == "{":  # a second "{": the first one was never closed
                again = True
                break
            elif ch == "}" and open_line is not None:
                open_line, blank = None, None
        if again:
            assert open_line is not None
            unclosed(open_line)
            i = max(blank if blank is not None else i, start + 1)
            open_line, blank = None, None
            continue
        block.append(line)
        i += 1
    if open_line is not None:
        unclosed(open_line)
    flush()
    return raws, problems


# ---- writing --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", "\\n")


def _escape_meta(text: str) -> str:
    return text.replace("\\", "\\\\").replace("]", "\\]").replace("\n", "\\n")


def unsupported(q: Question) -> str | None:
    if q.type is QType.FILL and len(q.blanks) != 1:
        return "GIFT 的填空（缺词）题只能有一个空"
    for k in q.keywords:
        if any(";" in a for a in k):
            return "评分关键词含有分号，GIFT 注释中无法区分"
    return None


def dump_one(q: Question) -> str:
    meta = [f"[id:{_escape_meta(q.id)}]"]
    meta += [f"[tag:{_escape_meta(t)}]" for t in q.tags]
    meta += [f"[领域:{q.domain}]", f"[难度:{q.difficulty}]"]
    if q.technology:
        meta.append(f"[技术:{_escape_meta(q.technology)}]")
    if q.source:
        meta.append(f"[出处:{_escape_meta(q.source)}]")
    if q.points != DEFAULT_POINTS[q.type]:
        meta.append(f"[分值:{q.points:g}]")
    if q.type is QType.SHORT:
        meta.append(f"[参考答案:{_escape_meta(q.reference)}]")
        meta += [f"[关键词:{_escape_meta(';'.join(k))}]" for k in q.keywords]
    general = f"\t####{_escape(q.explanation)}\n" if q.explanation else ""
    title = f"::{_escape(q.id)}::"
    if q.type is QType.FILL:
        before, _, after = q.stem.partition(BLANK)
        answers = [f"={_escape(a)}" for a in q.blanks[0]]
        if q.explanation:
            answers.append(f"####{_escape(q.explanation)}")
        body = f"{title}{_escape(before)}{{{' '.join(answers)}}}{_escape(after)}"
        return f"// {' '.join(meta)}\n{body}\n"
    if q.type is QType.JUDGE:
        answer = "\tTRUE\n" if q.truth else "\tFALSE\n"
    elif q.type is QType.SHORT:
        answer = ""
    elif q.type is QType.SINGLE:
        answer = "".join(
            f"\t{'=' if LETTERS[i] == q.answer else '~'}{_escape(o)}\n"
            for i, o in enumerate(q.options)
        )
    else:
        right = share_percent(len(q.correct_letters))
        answer = "".join(
            f"\t~%{right if LETTERS[i] in q.correct_letters else '-100'}%{_escape(o)}\n"
            for i, o in enumerate(q.options)
        )
    return f"// {' '.join(meta)}\n{title}{_escape(q.stem)} {{\n{answer}{general}}}\n"


def dump(questions: Sequence[Question]) -> bytes:
    header = "// exam-tools 题库导出（GIFT 格式，可导入 Moodle）\n\n"
    return (header + "\n".join(dump_one(q) for q in questions)).encode("utf-8")
