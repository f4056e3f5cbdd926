"""The standards records are measured against, read from a YAML file (never from code)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from exam_tools.bank.yamlio import YamlSyntaxError, load_yaml
from exam_tools.errors import InvalidInputError, Location, Problem


@dataclass(frozen=True)
class Target:
    name: str
    roles: tuple[str, ...]
    org_kinds: tuple[str, ...]
    min_technologies: int
    share: float


@dataclass(frozen=True)
class Standards:
    default_hours: float
    role_hours: dict[str, float]
    session_kinds: tuple[str, ...]
    targets: tuple[Target, ...]

    def required_hours(self, roles: Iterable[str]) -> float:
        """The member's yearly requirement: the highest of their roles', else the default."""
        return max(
            (self.role_hours[r] for r in roles if r in self.role_hours), default=self.default_hours
        )


def load_standards(path: str | Path | None = None) -> Standards:
    if path is None:
        text = resources.files("exam_tools.records").joinpath("standards.yaml").read_text("utf-8")
        where = "standards.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = str(path)
    try:
        data = load_yaml(text, where)
    except YamlSyntaxError as exc:
        loc = Location(where, exc.line)
        raise InvalidInputError(
            f"培训标准文件格式不对：{exc}", [Problem(loc, None, None, str(exc))], location=loc
        ) from None
    try:
        hours = data["year_hours"]
        result = Standards(
            default_hours=float(hours["default"]),
            role_hours={str(k): float(v) for k, v in (hours.get("roles") or {}).items()},
            session_kinds=tuple(str(k) for k in data.get("session_kinds", ())),
            targets=tuple(
                Target(
                    name=str(t["name"]),
                    roles=tuple(t.get("roles", ())),
                    org_kinds=tuple(t.get("org_kinds", ())),
                    min_technologies=int(t.get("min_technologies", 1)),
                    share=float(t["share"]),
                )
                for t in data.get("targets") or ()
            ),
        )
        for h in (result.default_hours, *result.role_hours.values()):
            if not (math.isfinite(h) and 0 < h <= 366 * 24):
                raise ValueError(f"每年学时要求应为正数，现在是 {h}")
        return result
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"培训标准文件格式不对：{exc}"
        raise InvalidInputError(message, [Problem(Location(where), None, None, message)]) from None
