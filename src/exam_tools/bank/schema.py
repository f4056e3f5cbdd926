"""The JSON Schema of a bank file, shipped in the package for editors (yaml-language-server)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "question.schema.json"


def schema_text() -> str:
    return resources.files("exam_tools.bank").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_text())
    return data
