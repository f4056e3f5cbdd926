"""Widgets that share one Layout and one style model per kernel, with their CSS classes from the
start.

ipywidgets gives every widget a Layout and a style of its own, and each is a model of its own: the
member's kernel sends it, the member's server reads it (Voilà's executor takes in every widget
message of the first page) and the phone fetches and draws it. 我的学习 was 64 models, 36 of them
an empty Layout or style, and 85 messages (18 of them a CSS class added to a widget just made); an
exam of ten questions 115 models. In a login storm each costs CPU in the kernel and in the server
(about 0.7 ms together per model, measured with nbclient), and on an old phone each model is one
more view to build before the page answers a tap.

The widgets made here share, per kernel, one Layout for each set of layout traits and one style per
widget kind. A shared model is sealed: setting one of its synced traits raises
:class:`SharedModelError`, since hiding one button through its shared Layout would hide them all. A
widget whose Layout changes (shown and hidden) is given one of its own (``layout=w.Layout(...)``).
Their ``classes`` go into the first message (``_dom_classes``), not one ``add_class`` message each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle


class SharedModelError(AttributeError):
    """A trait of a Layout or style shared by many widgets was about to change."""


class _Sealed:
    """Once sealed, the synced traits cannot be set: the model is every sharing widget's."""

    _sealed = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._sealed and name in self.traits(sync=True):  # type: ignore[attr-defined]
            raise SharedModelError(
                f"{type(self).__name__}.{name}: this model is shared by many widgets; "
                "give the widget a Layout or style of its own to change it"
            )
        super().__setattr__(name, value)


class SharedLayout(_Sealed, w.Layout):  # type: ignore[misc]  # ipywidgets is untyped
    pass


class SharedHTMLStyle(_Sealed, HTMLStyle):  # type: ignore[misc]  # ipywidgets is untyped
    pass


class SharedButtonStyle(_Sealed, w.ButtonStyle):  # type: ignore[misc]  # ipywidgets is untyped
    pass


_kept: dict[tuple[Any, ...], w.Widget] = {}


def _shared(key: tuple[Any, ...], make: Callable[[], w.Widget]) -> Any:
    got = _kept.get(key)
    if got is None or got.comm is None:  # none yet, or closed (Widget.close_all)
        got = _kept[key] = make()
        got._sealed = True
    return got


def layout(**traits: str) -> w.Layout:
    """The kernel's one sealed Layout with these traits (``layout(width="100%")``)."""
    return _shared(("layout", *sorted(traits.items())), lambda: SharedLayout(**traits))


def html(value: str = "", *, classes: Sequence[str] = (), **kwargs: Any) -> w.HTML:
    """``w.HTML`` with the shared Layout (unless ``layout=`` is given) and the shared style, and
    its CSS ``classes`` from the start (each ``add_class`` after it is made is a message more)."""
    kwargs.setdefault("layout", layout())
    style = _shared(("html-style",), SharedHTMLStyle)
    return w.HTML(value, style=style, _dom_classes=tuple(classes), **kwargs)


def button(*, classes: Sequence[str] = (), **kwargs: Any) -> w.Button:
    """``w.Button`` with the shared Layout (unless ``layout=`` is given), the shared style and
    its CSS ``classes`` from the start."""
    kwargs.setdefault("layout", layout())
    style = _shared(("button-style",), SharedButtonStyle)
    return w.Button(style=style, _dom_classes=tuple(classes), **kwargs)
