"""Members' notebooks made inert before an instructor's browser shows them (issue 16 item 3).

formgrader renders a submitted notebook to HTML with nbconvert, which passes a markdown cell's raw
HTML through, keeps ``javascript:`` links, writes ``text/html``, ``image/svg+xml`` and
``application/javascript`` outputs into the page as they are, and puts cell metadata, output
metadata and image data into attributes unescaped. A script there runs on the grader's origin, next
to the grader's contents API (the answer key) and formgrader's grade API. So every notebook a
member handed in is rewritten here from what is known to be harmless (an allowlist, never a list
of bad patterns):

* a markdown cell is rendered to HTML as formgrader would render it, cleaned by nh3 (Rust's
  ammonia: an allowlist HTML sanitizer; tags, attributes and URL schemes it does not know are
  dropped), and stored as one HTML block on one line (so no markdown is parsed inside it again),
  inside an element MathJax skips (``\\href{javascript:…}``); a raw cell is shown as text;
* outputs keep ``text/plain``, ``text/html`` (cleaned the same way), and PNG, JPEG and GIF images
  whose base64 decodes (re-encoded); anything else (SVG, JavaScript, widgets, markdown, LaTeX) is
  replaced by a line of text naming what was removed; output metadata goes;
* a cell keeps only nbgrader's metadata with values of the expected types (ids of letters, digits,
  ``_ . -``), its id if nbformat would accept it, an integer execution count; attachments go;
* the notebook keeps only a kernel and language name;
* file and folder names with characters HTML gives a meaning to are renamed.

:func:`inert_notebook` is pure; :func:`sanitize_folder` is the I/O edge, used by
``exam_tools.grading.nbcollect`` (nbgrader collect) and by ``exam-tools grade`` for the copy
formgrader shows.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from pathlib import Path
from typing import Any

#: URL schemes a link or image in a member's notebook may use (relative URLs stay).
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: What each kept output MIME type becomes; the rest are replaced by a line of text.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
NBGRADER_KEYS: dict[str, type | tuple[type, ...]] = {
    "grade": bool, "solution": bool, "locked": bool, "task": bool,
    "schema_version": int, "points": (int, float), "grade_id": str, "cell_type": str,
}  # fmt: skip
SAFE_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}", re.ASCII)
CELL_ID = re.compile(r"[a-zA-Z0-9_\-]{1,64}", re.ASCII)
SAFE_NAME = re.compile(r"[\w.\- ()（）+]+")
#: MathJax 2 and 3 leave the inside of these alone
NO_MATH = '<div class="tex2jax_ignore mathjax_ignore">'
MAX_TEXT = 5_000_000


def clean_html(text: str) -> str:
    """``text`` as HTML through nh3's allowlist, on one line (no markdown parsed inside it)."""
    import nh3

    cleaned = nh3.clean(text, url_schemes=set(URL_SCHEMES))
    return cleaned.replace("\r", "").replace("\n", "&#10;")


def _text(value: Any) -> str:
    """nbformat's multiline string (a string or a list of strings) as one string."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list):
        text = "".join(v for v in value if isinstance(v, str))
    else:
        text = "" if value is None else json.dumps(value, ensure_ascii=False)
    return text[:MAX_TEXT]


def markdown_html(source: str) -> str:
    """A markdown cell's source as the inert HTML block that replaces it."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    try:
        rendered = markdown2html_mistune(source)
    except Exception:  # mistune on hostile input: show the text instead
        rendered = f"<pre>{html.escape(source)}</pre>"
    return f"{NO_MATH}{clean_html(rendered)}</div>"


def _image(data: Any) -> str | None:
    """Base64 image data, re-encoded; None unless it decodes."""
    text = _text(data)
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(raw).decode("ascii") if raw else None


def _removed(kinds: list[str]) -> dict[str, str]:
    return {"text/plain": "（为安全起见，未显示的输出：" + "、".join(sorted(kinds)) + "）"}


def _mime_bundle(data: Any) -> dict[str, str]:
    if not isinstance(data, dict):
        return _removed(["?"])
    out: dict[str, str] = {}
    removed = []
    for mime, value in data.items():
        if mime == "text/plain":
            out[mime] = _text(value)
        elif mime == "text/html":
            out[mime] = f"{NO_MATH}{clean_html(_text(value))}</div>"
        elif mime in IMAGE_TYPES and (image := _image(value)) is not None:
            out[mime] = image
        else:
            removed.append(re.sub(r"[^\w/.+\-]", "_", str(mime))[:60])
    if removed:
        note = _removed(removed)["text/plain"]
        out["text/plain"] = f"{out['text/plain']}\n{note}" if "text/plain" in out else note
    return out


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _output(output: Any) -> dict[str, Any]:
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return {"output_type": "stream", "name": name, "text": _text(output.get("text"))}
    if kind == "error":
        trace = output.get("traceback")
        return {"output_type": "error", "ename": _text(output.get("ename")),
                "evalue": _text(output.get("evalue")),
                "traceback": [_text(t) for t in trace] if isinstance(trace, list) else []}  # fmt: skip
    data = _mime_bundle(output.get("data") if isinstance(output, dict) else None)
    if kind == "execute_result":
        return {"output_type": "execute_result", "data": data, "metadata": {},
                "execution_count": _count(output.get("execution_count"))}  # fmt: skip
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _nbgrader(meta: Any) -> dict[str, Any] | None:
    grading = meta.get("nbgrader") if isinstance(meta, dict) else None
    if not isinstance(grading, dict):
        return None
    out: dict[str, Any] = {}
    for key, kind in NBGRADER_KEYS.items():
        value = grading.get(key)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            continue
        if isinstance(value, str) and not SAFE_ID.fullmatch(value):
            continue
        out[key] = value
    return out


def _cell(cell: Any, index: int) -> dict[str, Any]:
    if not isinstance(cell, dict):
        cell = {"cell_type": "raw", "source": json.dumps(cell, ensure_ascii=False)}
    cid = cell.get("id")
    out: dict[str, Any] = {
        "id": cid if isinstance(cid, str) and CELL_ID.fullmatch(cid) else f"cell-{index}",
        "metadata": {},
    }
    grading = _nbgrader(cell.get("metadata"))
    if grading is not None:
        out["metadata"]["nbgrader"] = grading
    source = _text(cell.get("source"))
    kind = cell.get("cell_type")
    if kind == "code":
        outputs = cell.get("outputs")
        out.update(
            cell_type="code",
            source=source,
            execution_count=_count(cell.get("execution_count")),
            outputs=[_output(o) for o in outputs] if isinstance(outputs, list) else [],
        )
    elif kind == "markdown":
        out.update(cell_type="markdown", source=markdown_html(source))
    else:  # a raw cell (or anything else) is shown as its text
        text = f"{NO_MATH}<pre>{clean_html(html.escape(source))}</pre></div>"
        out.update(cell_type="markdown", source=text)
    return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def inert_notebook(nb: Any) -> dict[str, Any]:
    """A notebook (parsed JSON, any shape) rebuilt from its harmless parts (see the module)."""
    nb = nb if isinstance(nb, dict) else {}
    cells = nb.get("cells")
    meta = _dict(nb.get("metadata"))
    kernel, language = _dict(meta.get("kernelspec")), _dict(meta.get("language_info"))

    def safe(value: Any, default: str) -> str:
        return value if isinstance(value, str) and SAFE_ID.fullmatch(value) else default

    metadata = {
        "kernelspec": {
            "name": safe(kernel.get("name"), "python3"),
            "display_name": safe(kernel.get("display_name"), "Python 3"),
            "language": safe(kernel.get("language"), "python"),
        },
        "language_info": {"name": safe(language.get("name"), "python")},
    }
    return {
        "cells": [_cell(c, i) for i, c in enumerate(cells if isinstance(cells, list) else [])],
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def safe_name(name: str) -> str:
    """A file name with nothing HTML gives a meaning to (letters of any script, digits, ``_ . - +
    ( ) space``); others become ``_``."""
    out = "".join(ch if SAFE_NAME.fullmatch(ch) else "_" for ch in name)
    return out if out.strip(". ") else "_"


def sanitize_notebook_file(path: Path) -> None:
    """Rewrite one notebook file in place; one that is not JSON is kept as ``<name>.rejected``
    and replaced by a notebook that says so."""
    try:
        nb = json.loads(path.read_bytes())
    except (OSError, ValueError):
        path.replace(path.with_name(path.name + ".rejected"))
        note = f"这份笔记本无法读取（不是有效的 JSON），原文件保存为 {path.name}.rejected"
        nb = {"cells": [{"cell_type": "markdown", "source": html.escape(note)}]}
    text = json.dumps(inert_notebook(nb), ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def sanitize_folder(folder: Path) -> int:
    """Make every notebook under ``folder`` inert and rename unsafe names; links are removed, never
    followed. The number of notebooks rewritten."""
    count = 0
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_symlink():
            path.unlink()
            continue
        if path.is_file() and path.suffix == ".ipynb":
            sanitize_notebook_file(path)
            count += 1
        name = safe_name(path.name)
        if name != path.name:
            target = path.with_name(name)
            while target.exists():
                target = target.with_name("_" + target.name)
            path.rename(target)
    return count
