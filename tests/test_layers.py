"""The package's import arrows point one way, so the trust boundary stays visible in the layout.

Read from the source (every ``import`` of ``exam_tools``, at module level, inside functions and under
``TYPE_CHECKING`` alike): no two modules import each other, however indirectly; the member side
(``exam_tools.quiz``) imports neither the exam service, the grading code nor the records, which hold
keys and scores; the exam service does not import the hub's deployment code (the hub configures the
service, never the other way round). A package's ``__init__`` naming its own modules (its lazy
public surface) is not an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# (importer prefix, forbidden target prefix, why)
FORBIDDEN = [
    ("exam_tools.quiz", "exam_tools.service", "the service plugs into the quiz's store from above"),
    ("exam_tools.quiz", "exam_tools.grading", "grading holds keys; the member side never sees one"),
    ("exam_tools.quiz", "exam_tools.records", "the member side reads records through a client"),
    ("exam_tools.service", "exam_tools.hub", "the hub configures the service, not the reverse"),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        facade = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if not name.startswith("exam_tools"):
                    continue
                target = resolve(name)
                if target == module or (facade and target.startswith(module + ".")):
                    continue
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(import_graph()) == []


def test_arrows_point_one_way() -> None:
    graph = import_graph()
    wrong = [
        f"{src} → {dst}: {why}"
        for src, targets in graph.items()
        for dst in targets
        for frm, to, why in FORBIDDEN
        if (src == frm or src.startswith(frm + ".")) and (dst == to or dst.startswith(to + "."))
    ]
    assert wrong == []


def test_the_checker_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
