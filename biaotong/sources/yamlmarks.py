"""Reading a YAML file while keeping where each key is, so errors can point at the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from biaotong.errors import SourceError, where
from biaotong.yamlfile import compose_yaml, construct_yaml


class MarkedYaml:
    """The parsed data of a YAML file plus its node tree, to look up the line of a dotted key."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None) -> None:
        self.path = path
        self.data = data
        self._root = root

    def line_of(self, key: str) -> int | None:
        """1-based line of `a.b.c` (the deepest part that exists), or None."""
        node = self._root
        line: int | None = None
        for part in key.split(".") if key else []:
            if not isinstance(node, yaml.MappingNode):
                break
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    line = k.start_mark.line + 1
                    node = v
                    break
            else:
                break
        return line


def read_yaml(path: Path) -> MarkedYaml:
    """Parse `path`; a syntax error or a repeated key becomes a SourceError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SourceError("数据源定义文件不存在", "source spec file not found", where(file=str(path))) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(
            "数据源定义文件须为 UTF-8 编码", "the source spec file must be UTF-8 encoded", where(file=str(path))
        ) from exc
    try:
        root = compose_yaml(text, str(path), SourceError)  # bounded: size, depth, aliases expanded
        data = construct_yaml(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SourceError(
            f"YAML 格式错误：{problem}", f"malformed YAML: {problem}",
            where(file=str(path), row=mark.line + 1 if mark else None),
        ) from exc
    if root is not None:
        _check_duplicates(path, root, "")
    return MarkedYaml(path, data, root)


def _check_duplicates(path: Path, node: yaml.Node, prefix: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            name = str(k.value)
            dotted = f"{prefix}.{name}" if prefix else name
            if name in seen:
                raise SourceError(
                    f"键重复出现（后者会覆盖前者）：{name}", f"key appears twice (the second would override the first): {name}",
                    where(file=str(path), row=k.start_mark.line + 1, key=dotted),
                )
            seen.add(name)
            _check_duplicates(path, v, dotted)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(path, item, f"{prefix}.{i}" if prefix else str(i))
