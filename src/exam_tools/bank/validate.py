"""Check one raw question mapping and turn it into a :class:`Question`.

This is the single place where the question format's rules live. The YAML loader and every
importer produce raw mappings in the YAML shape and call :func:`parse_question`, so a rule is
written once and reported the same way whatever the file format. Messages are Chinese: they are
read by instructors.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from exam_tools.bank.model import (
    BLANK,
    BLANK_RE,
    DEFAULT_POINTS,
    DIFFICULTIES,
    DOMAINS,
    LETTERS,
    MAX_OPTIONS,
    SOURCED_DOMAINS,
    TAG_SEPARATORS,
    TECH_DOMAIN,
    Answer,
    QType,
    Question,
    count_blanks,
)
from exam_tools.bank.review import REVIEW_FIELDS, parse_review_fields
from exam_tools.errors import Location, Problem, ProblemList

FIELDS: tuple[str, ...] = (
    "id",
    "type",
    "domain",
    "technology",
    "difficulty",
    "tags",
    "source",
    "stem",
    "options",
    "answer",
    "keywords",
    "points",
    "explanation",
)
#: Without these a question is not built; a missing 解析 or 出处 is only a warning.
REQUIRED: tuple[str, ...] = ("id", "type", "domain", "difficulty", "stem", "answer")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

#: Gives the location of a field (or of the question itself for ``None``).
Locator = Callable[[str | None], Location]


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation as ASCII (NFKC): ``Ａ，Ｃ`` is ``A,C``.

    Excel files typed with a Chinese input method are full of them. Only for answers and labels
    (option letters, true/false words): never for stems or options, where full-width Chinese
    punctuation is right.
    """
    return unicodedata.normalize("NFKC", text)


def normalize_text(text: str) -> str:
    """Fold full-width forms to half-width and collapse white space (for comparisons only)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class _Checker:
    def __init__(
        self,
        raw: Mapping[str, Any],
        locate: Locator,
        *,
        draft: bool = False,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        self.raw = raw
        self.locate = locate
        self.draft = draft
        self.hints = hints or {}
        self.problems = ProblemList()
        rid = raw.get("id")
        self.qid = rid if isinstance(rid, str) and rid.strip() else None

    def err(self, fld: str | None, message: str) -> None:
        self.problems.add(self.locate(fld), self.qid, fld, message)

    def missing(self, fld: str, message: str) -> None:
        """A required field is absent: an error, or a warning for drafts' completeness fields.

        The caller's hint for the field, if any, replaces the message (an import says which
        command-line option supplies a field its source format lacks).
        """
        if self.draft and fld in COMPLETENESS_FIELDS:
            self.problems.add(
                self.locate(fld), self.qid, fld, message + "（导入后请补写）", "warning"
            )
        else:
            self.err(fld, self.hints.get(fld, message))

    def text(self, fld: str, *, required: bool = True) -> str | None:
        value = self.raw.get(fld)
        if value is None or (self.draft and fld in COMPLETENESS_FIELDS and value == ""):
            if required:
                self.missing(fld, f"缺少必填字段 {fld}")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.err(fld, f"应为文字，实际是 {_kind(value)}")
            return None
        text = str(value).strip()
        if not text:
            self.err(fld, "不能为空")
            return None
        return text

    def choice(self, fld: str, allowed: tuple[str, ...], what: str) -> str | None:
        value = self.text(fld)
        if value is None:
            return None
        if value not in allowed:
            hint = _suggest(value, allowed)
            self.err(fld, f"未知{what}“{value}”，应为 {'、'.join(allowed)} 之一{hint}")
            return None
        return value


#: Fields an exchange format may lack (Aiken has no 解析); an import reports them as warnings.
COMPLETENESS_FIELDS = frozenset({"explanation", "source"})


def parse_question(
    raw: Mapping[str, Any],
    locate: Locator,
    *,
    draft: bool = False,
    missing_hints: Mapping[str, str] | None = None,
) -> tuple[Question | None, list[Problem]]:
    """Validate ``raw``; return the question (``None`` if it has errors) and every problem found.

    With ``draft=True`` (used by importers) a missing explanation or source is a warning and the
    question is still built, so a converted file can be completed by hand; ``bank check`` will
    keep reporting it until it is. ``missing_hints`` replaces the message for a missing field.
    """
    c = _Checker(raw, locate, draft=draft, hints=missing_hints)

    for key in raw:
        if key not in FIELDS and key not in REVIEW_FIELDS:
            hint = _suggest(str(key), FIELDS + REVIEW_FIELDS)
            c.err(str(key), f"未知字段“{key}”{hint}")

    qid = c.text("id")
    if qid is not None and not ID_RE.match(qid):
        c.err("id", "编号只能由字母、数字、-、_、. 组成（最长 64 个字符），如 dz-0007")

    type_name = c.text("type")
    qtype: QType | None = None
    if type_name is not None:
        try:
            qtype = QType(type_name)
        except ValueError:
            names = tuple(t.value for t in QType)
            labels = "、".join(f"{t.value}（{t.label}）" for t in QType)
            c.err("type", f"未知题型“{type_name}”，应为 {labels}{_suggest(type_name, names)}")

    domain = c.choice("domain", DOMAINS, "领域")
    difficulty = c.choice("difficulty", DIFFICULTIES, "难度")
    stem = c.text("stem")
    explanation = c.text("explanation", required=False)
    if explanation is None and raw.get("explanation") in (None, ""):
        # Like a missing 出处: a warning, so that an instructor's bank imported from a workbook
        # without a 解析 column exports and builds papers; --strict fails on it.
        message = "缺少解析 explanation（为什么这个答案对）"
        if c.draft:
            c.missing("explanation", message)
        elif raw.get("explanation") is None:
            c.problems.add(c.locate("explanation"), c.qid, "explanation", message, "warning")
    source = c.text("source", required=False)
    technology = c.text("technology", required=False)

    if domain in SOURCED_DOMAINS and source is None and (raw.get("source") is None or c.draft):
        # A warning, not an error: an instructor's own bank (often imported from Excel without a
        # 出处 column) must still export and build papers; `bank check --strict` fails on it.
        message = f"{domain}题必须注明出处（如“党章 第七条”）"
        if c.draft:
            c.missing("source", message)
        else:
            c.problems.add(c.locate("source"), c.qid, "source", message, "warning")
    if domain == TECH_DOMAIN and technology is None and raw.get("technology") is None:
        c.missing("technology", "实用技术题必须填写所属技术（如“水稻种植”）")
    if domain is not None and domain != TECH_DOMAIN and technology is not None:
        c.err("technology", "只有实用技术题填写 technology")

    tags = _tags(c)
    points = _points(c, qtype)
    options = _options(c, qtype)
    answer = _answer(c, qtype, options, stem)
    keywords = _keywords(c, qtype)
    reviewed, note, review = parse_review_fields(raw, c.err)

    if c.problems.errors or qtype is None or answer is None:
        return None, c.problems.items
    assert qid and domain and difficulty and stem
    if qtype is QType.FILL:
        stem = BLANK_RE.sub(BLANK, stem)  # one canonical blank marker, whatever the author typed
    q = Question(
        id=qid,
        type=qtype,
        domain=domain,
        difficulty=difficulty,
        stem=stem,
        answer=answer,
        explanation=explanation or "",
        points=points if points is not None else DEFAULT_POINTS[qtype],
        options=options or (),
        tags=tags,
        technology=technology,
        source=source,
        keywords=keywords,
        reviewed=reviewed,
        note=note,
        review=review,
        origin=locate(None),
    )
    return q, c.problems.items


def _tags(c: _Checker) -> tuple[str, ...]:
    value = c.raw.get("tags")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        c.err("tags", f"知识点应为列表，如 [预备党员, 党龄]，实际是 {_kind(value)}")
        return ()
    tags: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            c.err("tags", f"知识点“{item}”应为非空文字")
            continue
        tag = str(item).strip()
        if any(sep in tag for sep in TAG_SEPARATORS):
            c.err("tags", f"知识点“{tag}”含有分隔符（{TAG_SEPARATORS}），请拆成几个知识点")
            continue
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _points(c: _Checker, qtype: QType | None) -> float | None:
    value = c.raw.get("points")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        c.err("points", f"分值应为正数，实际是“{value}”")
        return None
    return value


def _options(c: _Checker, qtype: QType | None) -> tuple[str, ...] | None:
    value = c.raw.get("options")
    if qtype is None:
        return None
    if not qtype.is_choice:
        if value is not None:
            c.err("options", f"{qtype.label}题不需要选项")
        return ()
    if value is None:
        c.err("options", f"{qtype.label}题缺少选项 options")
        return None
    if not isinstance(value, list):
        c.err("options", f"选项应为列表（每行一个“- 选项”），实际是 {_kind(value)}")
        return None
    if not 2 <= len(value) <= MAX_OPTIONS:
        c.err("options", f"选项应有 2 至 {MAX_OPTIONS} 个，实际有 {len(value)} 个")
        return None
    options: list[str] = []
    seen: dict[str, str] = {}
    ok = True
    for i, item in enumerate(value):
        lab = LETTERS[i]
        if isinstance(item, bool) or not isinstance(item, str | int) or not str(item).strip():
            c.err("options", f"选项 {lab} 为空或不是文字")
            ok = False
            continue
        text = str(item).strip()
        key = normalize_text(text)
        if key in seen:
            c.err("options", f"选项 {lab} 与选项 {seen[key]} 重复：“{text}”")
        seen.setdefault(key, lab)
        options.append(text)
    return tuple(options) if ok else None


def _letters(value: Any) -> list[str] | None:
    """Answer letters, however typed: ``B``, ``a c``, ``A、B、D``, ``Ａ，Ｃ``, ``[A, C]``."""
    if isinstance(value, str):
        compact = re.sub(r"[\s,，、;；]", "", halfwidth(value))
        return list(compact.upper()) if compact else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [halfwidth(v).strip().upper() for v in value]
    return None


def _answer(
    c: _Checker, qtype: QType | None, options: tuple[str, ...] | None, stem: str | None
) -> Answer | None:
    value = c.raw.get("answer")
    if value is None or (c.draft and qtype is QType.SHORT and value == ""):
        if qtype is QType.SHORT and c.draft:  # e.g. a Moodle essay: no reference answer yet
            message = "缺少参考答案（导入后请补写）"
            c.problems.add(c.locate("answer"), c.qid, "answer", message, "warning")
            return ""
        c.err("answer", "缺少必填字段 answer")
        return None
    if qtype is None:
        return None
    if qtype.is_choice:
        letters = _letters(value)
        if letters is None:
            c.err("answer", f"答案应为选项字母，如 B 或 [A, C]，实际是“{value}”")
            return None
        if options is None:
            return None
        valid = LETTERS[: len(options)]
        bad = [x for x in letters if x not in valid]
        if bad:
            c.err(
                "answer",
                f"答案“{''.join(bad)}”不对应任何选项（本题选项为 {'、'.join(valid)}）",
            )
            return None
        if len(set(letters)) != len(letters):
            c.err("answer", f"答案中有重复的字母：“{''.join(letters)}”")
            return None
        if qtype is QType.SINGLE:
            if len(letters) != 1:
                c.err("answer", f"单选题只能有一个正确答案，实际给了 {len(letters)} 个")
                return None
            return letters[0]
        if len(letters) < 2:
            c.err("answer", "多选题至少要有两个正确选项；只有一个正确选项请改为单选题")
            return None
        return tuple(sorted(letters))
    if qtype is QType.JUDGE:
        if not isinstance(value, bool):
            c.err("answer", f"判断题答案应为 true（正确）或 false（错误），实际是“{value}”")
            return None
        return value
    if qtype is QType.FILL:
        return _fill_answer(c, value, stem)
    # short
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        c.err("answer", "简答题的参考答案应为非空文字")
        return None
    return str(value).strip()


def _alternatives(item: Any) -> tuple[str, ...] | None:
    items = item if isinstance(item, list) else [item]
    alts: list[str] = []
    for x in items:
        if isinstance(x, bool) or not isinstance(x, str | int) or not str(x).strip():
            return None
        text = str(x).strip()
        if text not in alts:
            alts.append(text)
    return tuple(alts) if alts else None


def _fill_answer(c: _Checker, value: Any, stem: str | None) -> Answer | None:
    items = value if isinstance(value, list) else [value]
    blanks: list[tuple[str, ...]] = []
    for i, item in enumerate(items, 1):
        alts = _alternatives(item)
        if alts is None:
            c.err("answer", f"第 {i} 个空的答案为空或不是文字")
            return None
        blanks.append(alts)
    if stem is not None:
        n = count_blanks(stem)
        if n == 0:
            c.err("stem", "填空题的题干中没有空；用 ____（三个以上下划线）或（ ）标出每个空")
            return None
        if n != len(blanks):
            c.err("answer", f"题干有 {n} 个空，答案却给了 {len(blanks)} 项（每个空一项）")
            return None
    return tuple(blanks)


def _keywords(c: _Checker, qtype: QType | None) -> tuple[tuple[str, ...], ...]:
    value = c.raw.get("keywords")
    if value is None:
        return ()
    if qtype is not None and qtype is not QType.SHORT:
        c.err("keywords", "只有简答题填写评分关键词 keywords")
        return ()
    if not isinstance(value, list) or not value:
        c.err("keywords", "评分关键词应为非空列表，如 [三会一课, [主题党日, 党日活动]]")
        return ()
    out: list[tuple[str, ...]] = []
    for item in value:
        alts = _alternatives(item)
        if alts is None:
            c.err("keywords", f"评分关键词“{item}”为空或不是文字")
            return ()
        out.append(alts)
    return tuple(out)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "字典"
    if isinstance(value, str):
        return "文字"
    return type(value).__name__


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"；是不是想写“{close[0]}”？" if close else ""
