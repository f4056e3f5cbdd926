"""YAML reading with line numbers, and YAML writing that people can review in git.

Reading uses libyaml's C parser (PyYAML's ``CSafeLoader``) and records, for every mapping, the line
it starts on and the line of each key, so a problem can be reported as ``path:line``. Writing keeps
field order, Chinese characters as they are, and long texts in block style.

Every YAML file exam-tools reads (bank files, ``course.yaml``, ``standards.yaml``) goes through
:func:`load_yaml`, which refuses an "alias bomb" (billion laughs: anchors whose aliases nest, so a
few lines stand for a billion values) before building any value: with every alias expanded, a
document may hold no more values than the file has characters (at least
:data:`MIN_EXPANDED_VALUES`), which no file written without aliases can exceed. Courses may still
reuse a tag list with ``&tags`` / ``*tags``; only blow-ups are refused.
"""

from __future__ import annotations

from typing import Any

import yaml

from exam_tools.errors import Location

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers where it and each of its keys stand."""

    __slots__ = ("duplicate_keys", "key_lines", "line")

    line: int
    key_lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]


#: Values an expanded document may always hold, however short the file.
MIN_EXPANDED_VALUES = 10_000


class AliasBombError(Exception):
    """Aliases that expand to far more values than the file has characters; carries the line."""

    def __init__(self, line: int, limit: int) -> None:
        super().__init__(
            f"别名（*…）展开后的值超过 {limit:,} 个（上限：文件的字符数，至少 "
            f"{MIN_EXPANDED_VALUES:,}），疑似“别名炸弹”；请不要用锚点（&…）和别名层层引用"
        )
        self.line = line


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expansion(root: yaml.Node, limit: int) -> None:
    """Raise :class:`AliasBombError` if ``root`` with every alias expanded has over ``limit`` values.

    Each distinct node is visited once (post-order, sizes memoised and capped), so the check is
    linear in the file even for a bomb, and iterative, so deep nesting cannot exhaust the stack. The
    error names the smallest mapping or list that is already too big: where the bomb goes off.
    """
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expand = stack.pop()
        key = id(node)
        if not expand:
            if key in size or key in visiting:
                continue
            visiting.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node))
            continue
        visiting.discard(key)
        # A child still being visited is a recursive alias: it counts once.
        total = 1 + sum(size.get(id(c), 1) for c in _children(node))
        if total > limit:
            raise AliasBombError(node.start_mark.line + 1, limit)
        size[key] = total


class _LineLoader(_Loader):  # type: ignore[misc,valid-type]  # CSafeLoader is untyped in stubs
    pass


class _AliasCheckingLoader(_LineLoader):
    """Used only when the text could hold an alias (it has a ``*``): checks expansion first."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._text = stream

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_expansion(node, max(MIN_EXPANDED_VALUES, len(self._text)))
        return self.construct_document(node)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    d = LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    d.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in d:
            d.duplicate_keys.append((key, line))
        d[key] = loader.construct_object(value_node, deep=True)
        d.key_lines[key] = line
    return d


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates and times stay text: "2019-05-01" in a stem or option is content, not a date object.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_str)


class YamlSyntaxError(Exception):
    """A file that is not valid YAML; carries the line libyaml stopped at."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str, path: str | None = None) -> Any:
    """Parse one YAML document; mappings come back as :class:`LineDict`.

    Raises :class:`YamlSyntaxError` (with the line) for bad syntax and for an alias bomb.
    """
    # An alias needs a "*": texts without one (almost every bank file) skip the expansion check.
    loader = _AliasCheckingLoader if "*" in text else _LineLoader
    try:
        return yaml.load(text, Loader=loader)  # both loaders are SafeLoaders
    except AliasBombError as exc:
        raise YamlSyntaxError(f"YAML 格式错误：{exc}", exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        raise YamlSyntaxError(f"YAML 格式错误：{what}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML 格式错误：{exc}", None) from None


def locator(path: str, item: Any, fallback_line: int | None = None) -> Any:
    """A function giving the :class:`Location` of ``item``'s fields inside ``path``."""
    line = getattr(item, "line", fallback_line)
    key_lines: dict[str, int] = getattr(item, "key_lines", {})

    def locate(fld: str | None) -> Location:
        return Location(path=path, line=key_lines.get(fld, line) if fld else line)

    return locate


# ---- writing -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key ("options:\n  - A"), as people write YAML by hand.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    # Short lists of short scalars (tags, answers) read best inline: [A, B, D].
    flow = all(isinstance(x, str | int | float | bool) and len(str(x)) <= 16 for x in data) and (
        len(data) <= 6
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


class BlockList(list[Any]):
    """A list always written one item per line (options, keywords)."""


def _represent_block(dumper: yaml.SafeDumper, data: BlockList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=False)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(BlockList, _represent_block)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(LineDict, yaml.SafeDumper.represent_dict)


def dump_yaml(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return text


def dump_questions(items: list[dict[str, Any]], header: str | None = None) -> str:
    """Questions as a bank file: one blank line between questions, an optional comment header."""
    parts = []
    for item in items:
        shaped = {k: BlockList(v) if k == "options" else v for k, v in item.items()}
        parts.append(dump_yaml([shaped]))
    body = "\n".join(parts)
    if header:
        body = "".join(f"# {line}\n" for line in header.splitlines()) + "\n" + body
    return body
