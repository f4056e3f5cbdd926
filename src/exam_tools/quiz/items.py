"""One question on screen: the input widgets for each question type, read and written as data.

单选 radio buttons, 多选 check boxes, 判断 two large buttons, 填空 one text box per blank, 简答 a text
area. A view turns the widgets' state into a response (``"B"``, ``["A", "C"]``, ``True``,
``["一年", ""]``, ``"text"``; ``None`` when unanswered) and back, so saving and resuming are plain data.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from exam_tools.bank.model import BLANK_RE, LETTERS, QType
from exam_tools.course.paper import PaperItem
from exam_tools.quiz import shared

JUDGE_LABELS = {True: "✔ 正确", False: "✘ 错误"}


def stem_html(item: PaperItem, total: int) -> str:
    text = html.escape(item.stem)
    if item.type is QType.FILL:
        counter = iter(range(1, item.blanks + 1))
        text = BLANK_RE.sub(lambda _m: f"<u>&nbsp;（第{next(counter, '')}空）&nbsp;</u>", text)
    points = f"{item.points:g} 分"
    return (
        f'<div class="et-qhead">第 {item.n} 题 · {item.type.label}题 · {points}</div>'
        f'<div class="et-stem">{text}</div>'
    )


class ItemView:
    """The widgets of one paper item; ``on_change`` is called after every change by the member."""

    def __init__(self, item: PaperItem, total: int, on_change: Callable[[int], None]) -> None:
        self.item = item
        self._on_change = on_change
        self._quiet = False
        self._judge: bool | None = None
        self.inputs: list[w.Widget] = []
        self.labels = [f"{LETTERS[i]}. {text}" for i, text in enumerate(item.options)]
        build = {
            QType.SINGLE: self._single,
            QType.MULTIPLE: self._multiple,
            QType.JUDGE: self._judge_buttons,
            QType.FILL: self._fill,
            QType.SHORT: self._short,
        }[item.type]
        hint = {
            QType.SINGLE: "请选择一个答案",
            QType.MULTIPLE: "可以选择多个答案",
            QType.JUDGE: "请判断对错",
            QType.FILL: "请在每个空里填写答案",
            QType.SHORT: "请写出你的回答",
        }[item.type]
        self.box = w.VBox(
            [
                shared.html(stem_html(item, total)),
                shared.html(f'<div class="et-hint">{hint}</div>'),
                build(),
            ],
            layout=shared.layout(width="100%"),
            _dom_classes=("et-item",),
        )

    # ---- builders -------------------------------------------------------------------------------

    def _changed(self, *_args: Any) -> None:
        if not self._quiet:
            self._on_change(self.item.n)

    def _single(self) -> w.Widget:
        radio = w.RadioButtons(options=self.labels, index=None, layout=shared.layout(width="100%"))
        radio.observe(self._changed, names="value")
        self.inputs = [radio]
        return radio

    def _multiple(self) -> w.Widget:
        boxes = [
            w.Checkbox(
                value=False, description=label, indent=False, layout=shared.layout(width="100%")
            )
            for label in self.labels
        ]
        for box in boxes:
            box.observe(self._changed, names="value")
        self.inputs = list(boxes)
        return w.VBox(boxes, layout=shared.layout(width="100%"))

    def _judge_buttons(self) -> w.Widget:
        buttons = []
        for truth in (True, False):
            b = shared.button(description=JUDGE_LABELS[truth], tooltip=JUDGE_LABELS[truth][2:],
                              classes=("et-judge",))  # fmt: skip
            b.on_click(lambda _b, t=truth: self._click_judge(t))
            buttons.append(b)
        self.inputs = buttons
        return w.HBox(buttons)

    def _click_judge(self, truth: bool) -> None:
        if self.inputs[0].disabled:
            return
        self._judge = truth
        self._style_judge()
        self._changed()

    def _style_judge(self) -> None:
        for b, truth in zip(self.inputs, (True, False), strict=True):
            chosen = self._judge is truth
            # chosen: filled and marked 已选 (CSS); no tick icon, which beside "✘ 错误" read as
            # "correct" to older members
            b.button_style = "primary" if chosen else ""
            if chosen:
                b.add_class("et-chosen")
            else:
                b.remove_class("et-chosen")

    def _fill(self) -> w.Widget:
        rows = []
        texts = []
        for i in range(1, max(1, self.item.blanks) + 1):
            text = w.Text(
                placeholder=f"第{i}空的答案",
                continuous_update=True,
                layout=shared.layout(width="auto", flex="1 1 200px"),
            )
            text.observe(self._changed, names="value")
            texts.append(text)
            rows.append(w.HBox([shared.html(f'<span class="et-blank">第{i}空</span>'), text]))
        self.inputs = texts
        return w.VBox(rows)

    def _short(self) -> w.Widget:
        area = w.Textarea(
            placeholder="在这里写下你的回答", rows=6, layout=shared.layout(width="100%")
        )
        area.observe(self._changed, names="value")
        self.inputs = [area]
        return area

    # ---- data <-> widgets ---------------------------------------------------------------------

    def get(self) -> Any:
        t = self.item.type
        if t is QType.SINGLE:
            index = self.inputs[0].index
            return None if index is None else LETTERS[index]
        if t is QType.MULTIPLE:
            chosen = [LETTERS[i] for i, box in enumerate(self.inputs) if box.value]
            return chosen or None
        if t is QType.JUDGE:
            return self._judge
        if t is QType.FILL:
            values = [text.value for text in self.inputs]
            return values if any(v.strip() for v in values) else None
        value = self.inputs[0].value
        return value if value.strip() else None

    def set(self, value: Any) -> None:
        """Show a saved response (ignored where it does not fit the question)."""
        self._quiet = True
        try:
            t = self.item.type
            if t is QType.SINGLE:
                ok = isinstance(value, str) and value in LETTERS[: len(self.labels)]
                self.inputs[0].index = LETTERS.index(value) if ok else None
            elif t is QType.MULTIPLE:
                chosen = set(value) if isinstance(value, list) else set()
                for letter, box in zip(LETTERS, self.inputs, strict=False):
                    box.value = letter in chosen
            elif t is QType.JUDGE:
                self._judge = value if isinstance(value, bool) else None
                self._style_judge()
            elif t is QType.FILL:
                values = value if isinstance(value, list) else []
                for i, text in enumerate(self.inputs):
                    text.value = str(values[i]) if i < len(values) else ""
            else:
                self.inputs[0].value = value if isinstance(value, str) else ""
        finally:
            self._quiet = False

    def lock(self, locked: bool = True) -> None:
        for widget in self.inputs:
            widget.disabled = locked
