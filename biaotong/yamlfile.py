"""Reading a YAML file the user wrote: libyaml when available, bounded, and an error naming the file and line.

Bounded before anything walks the document: the file's size, its nesting depth, and its node count with every
alias expanded (a 453-byte file of nested aliases stands for billions of nodes; anything that walks it —
validation, duplicate-key checks — would never finish). Limits are settings (biaotong.limits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from biaotong import limits
from biaotong.errors import BiaotongError, ConfigError, where

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is about 20× faster than pure Python


def _check_node(root: yaml.Node, name: str, error: type[BiaotongError]) -> None:
    """Expanded node count and depth, each node's figures computed once (aliases share nodes)."""
    max_nodes, max_depth = limits.get("yaml_max_nodes"), limits.get("yaml_max_depth")
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > max_nodes:
                raise limits.refuse(error, name, f"YAML 展开别名后超过 {int(max_nodes):,} 个节点", f"the YAML expands to more than {int(max_nodes):,} nodes", "yaml_max_nodes")
            if depth[key] > max_depth:
                mark = node.start_mark
                raise error(
                    f"YAML 嵌套超过 {int(max_depth)} 层；已拒绝读取（上限可由设置 yaml_max_depth 调整）",
                    f"the YAML nests deeper than {int(max_depth)} levels; refused (the limit is the setting yaml_max_depth)",
                    where(file=name, row=mark.line + 1 if mark else None),
                )
            continue
        if key in size:
            continue
        if key in on_path:  # a recursive alias: the document would be infinite
            raise limits.refuse(error, name, "YAML 含自引用的别名", "the YAML has a self-referencing alias", "yaml_max_nodes")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def compose_yaml(text: str, name: str, error: type[BiaotongError] = ConfigError) -> yaml.Node | None:
    """The node tree of `text`, refused when bigger than the limits; YAML errors propagate (yaml.YAMLError)."""
    max_bytes = limits.get("yaml_max_kb") * 1024
    if len(text) > max_bytes:
        raise limits.refuse(error, name, f"YAML 文件超过 {int(max_bytes // 1024):,} KB", f"the YAML file exceeds {int(max_bytes // 1024):,} KB", "yaml_max_kb")
    loader = LOADER(text)
    try:
        root = loader.get_single_node()
    except RecursionError:
        raise limits.refuse(error, name, "YAML 嵌套过深", "the YAML nests too deeply", "yaml_max_depth") from None
    except yaml.YAMLError as exc:  # libyaml stops at its own nesting limit before ours is reached
        if "nesting depth" not in str(getattr(exc, "problem", "") or exc):
            raise
        raise limits.refuse(error, name, "YAML 嵌套过深", "the YAML nests too deeply", "yaml_max_depth") from None
    finally:
        loader.dispose()
    if root is not None:
        _check_node(root, name, error)
    return root


def construct_yaml(root: yaml.Node | None) -> Any:
    """Python data of a node tree already checked by compose_yaml."""
    if root is None:
        return None
    loader = LOADER("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def load_yaml(text: str, name: str, error: type[BiaotongError] = ConfigError) -> Any:
    return construct_yaml(compose_yaml(text, name, error))


def read_yaml(path: Path | str, *, error: type[BiaotongError] = ConfigError, shown: str | None = None) -> Any:
    """The parsed document; `error` (a BiaotongError subclass) names the file and line of any problem."""
    p = Path(path)
    name = shown or str(p)
    try:
        if p.stat().st_size > limits.get("yaml_max_kb") * 1024 * 4:  # refuse before reading a huge file at all
            raise limits.refuse(error, name, "YAML 文件过大", "the YAML file is too large", "yaml_max_kb")
        return load_yaml(p.read_text(encoding="utf-8"), name, error)
    except FileNotFoundError:
        raise error(f"找不到文件：{name}", f"file not found: {name}", where(file=name)) from None
    except IsADirectoryError:
        raise error(f"这是一个目录，不是文件：{name}", f"this is a folder, not a file: {name}", where(file=name)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise error(
            f"YAML 格式错误：{problem}", f"malformed YAML: {problem}",
            where(file=name, row=mark.line + 1 if mark else None),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"无法读取文件：{exc}", f"cannot read the file: {exc}", where(file=name)) from None
