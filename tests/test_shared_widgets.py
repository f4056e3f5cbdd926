"""Member pages built from few widget models: Layouts and styles shared per kernel, and sealed
(exam_tools.quiz.shared). Each model is a message the kernel sends, the member's server reads and
the phone draws."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest

from exam_tools.quiz import shared

from .conftest import FakeClock
from .test_landing import Service, hub_page


def models(root: w.Widget) -> dict[str, w.Widget]:
    """Every widget model the page shows, by id: widgets, their children, Layouts and styles."""
    found: dict[str, w.Widget] = {}
    todo = [root]
    while todo:
        x = todo.pop()
        if x.model_id in found:
            continue
        found[x.model_id] = x
        todo += list(getattr(x, "children", ()))
        todo += [m for m in (getattr(x, "layout", None), getattr(x, "style", None)) if m]
    return found


def kinds(found: dict[str, w.Widget]) -> int:
    return sum(1 for m in found.values() if isinstance(m, (w.Layout, w.Style)))


def test_widgets_share_one_layout_and_style_and_cannot_change_them() -> None:
    a, b, c = shared.html("甲"), shared.html("乙"), shared.button(description="丙")
    assert a.layout is b.layout is c.layout and a.style is b.style
    with pytest.raises(AttributeError, match="shared by many widgets"):
        a.layout.display = "none"  # would hide b and c too
    with pytest.raises(shared.SharedModelError):
        c.style.button_color = "red"
    assert a.layout.display is None and c.style.button_color is None
    a.value, c.description, c.button_style = "改了", "改了", "success"  # the widgets' own traits
    own = shared.button(description="丁", layout=w.Layout(display="none"))
    own.layout.display = "flex"
    assert own.layout is not a.layout and a.layout.display is None
    assert shared.layout(width="100%") is shared.layout(width="100%") is not a.layout
    w.Widget.close_all()  # a closed shared model is replaced, not reused
    d = shared.html("戊")
    assert d.layout is not a.layout and d.layout.comm is not None


def test_the_landing_page_is_few_models_and_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    real_send, real_open = w.Widget._send, w.Widget.open

    def send(self: w.Widget, msg: dict[str, Any], buffers: Any = None) -> Any:
        sent.append("update " + ",".join(msg.get("state", {})))
        return real_send(self, msg, buffers)

    def open_(self: w.Widget) -> Any:
        sent.append("open")
        return real_open(self)

    monkeypatch.setattr(w.Widget, "_send", send)
    monkeypatch.setattr(w.Widget, "open", open_)
    page = hub_page(tmp_path, Service(), monkeypatch)
    found = models(page.widget)
    # 64 models (36 of them an empty Layout or style) before they were shared
    assert len(found) <= 30 and kinds(found) <= 6, sorted(type(m).__name__ for m in found.values())
    # and 85 messages, 18 of them a CSS class added to a widget just made
    assert len(sent) <= 32 and not [m for m in sent if "_dom_classes" in m], sent


def test_an_exam_page_is_few_models_and_hides_only_its_own_buttons(
    tmp_path: Path, clock: FakeClock
) -> None:
    from exam_tools.quiz.online.exam import open_service_exam

    from .test_attempts import cert_at_service

    _store, client = cert_at_service(tmp_path, clock)
    launcher: Any = open_service_exam(client, "cert", tmp_path / "m.paper.json",
                                      clock=clock, intro=True, timer=False)  # fmt: skip
    launcher.begin_button.click()
    app = launcher.app
    found = models(app.widget)
    # an exam of ten questions: 115 models before they were shared
    assert len(app.paper) == 10 and len(found) <= 60 and kinds(found) <= 14
    app.submit_button.click()
    app.confirm_button.click()
    assert app.submitted and app.rules_button.layout.display == "flex"
    assert app.back_button.layout.display == "none"
    hidden = {app.rules_button, app.back_button, app.begin_button}
    for b in (m for m in models(app.widget).values() if isinstance(m, w.Button)):
        assert b in hidden or b.layout.display is None, b.description


def test_a_heartbeat_carries_the_notice_alone_and_the_page_its_style(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A beat goes to the phone for as long as the page is open: the notice only (its style, the
    same every time, is on the page once), at least three beats within the grace."""
    from exam_tools.quiz.alive import OFFLINE_TEXT

    page = hub_page(tmp_path, Service(), monkeypatch)
    beat = page.heartbeat
    first = beat.widget.value
    beat.beat()
    assert beat.widget.value != first  # a new element: its animation starts again
    assert OFFLINE_TEXT in beat.widget.value and "<style" not in beat.widget.value
    assert len(beat.widget.value.encode("utf-8")) < 400  # 1.5 KB more with the style
    assert beat.interval * 3 <= beat.grace
    css = page.widget.children[0].value
    assert ".et-offline" in css and f"animation: et-offline-show 0.1s linear {beat.grace:g}s" in css
