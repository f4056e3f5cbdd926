"""Reading an organiser's Excel sheet: find the header, walk the rows, collect bad cells.

Shared by the roster and attendance imports, so both report problems the same way (sheet, row,
column) and both skip blank rows and the template's example row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from exam_tools.errors import InvalidInputError, Location, Problem


def cell_text(value: Any) -> str:
    """A cell as text: ``None`` is empty, ``1968.0`` is ``1968``, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Sheet:
    path: str
    title: str
    rows: list[tuple[Any, ...]]
    header_row: int  # 0-based index into rows
    columns: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def bad(self, row: int | None, column: str | None, message: str) -> None:
        where = Location(self.path, sheet=self.title, row=row, column=column)
        self.problems.append(Problem(where, None, column, message))

    def records(self, example: Sequence[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number as Excel shows it, cells by column name), blank and example rows skipped."""
        for i, raw in enumerate(self.rows[self.header_row + 1 :], start=self.header_row + 2):
            cells = {name: raw[j] if j < len(raw) else None for name, j in self.columns.items()}
            if all(cell_text(v) == "" for v in cells.values()):
                continue
            if [cell_text(v) for v in raw[: len(example)]] == [cell_text(v) for v in example]:
                continue  # the template's example row, left in
            yield i, cells

    def raise_problems(self, note: str = "") -> None:
        if self.problems:
            raise InvalidInputError(
                f"{self.path} 有 {len(self.problems)} 处错误{note}", self.problems
            )


def read_sheet(data: bytes, path: str, sheet: str, marker: str, template_command: str) -> Sheet:
    """The sheet named ``sheet`` (else the first); its header is the first row containing
    ``marker``. Raises :class:`InvalidInputError` for a file that is not xlsx or has no header."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise InvalidInputError(f"{path} 不是 Excel（.xlsx）文件：{exc}") from None
    ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    head = next((i for i, r in enumerate(rows) if r and marker in [cell_text(c) for c in r]), None)
    if head is None:
        missing = Sheet(path, ws.title, rows, 0, {})
        missing.bad(1, None, f"找不到表头（应有“{marker}”等列）；请用 {template_command} 生成模板")
        raise InvalidInputError(f"{path} 有 1 处错误", missing.problems)
    columns = {cell_text(c): i for i, c in enumerate(rows[head]) if cell_text(c)}
    return Sheet(path, ws.title, rows, head, columns)
