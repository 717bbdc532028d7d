"""The `biaotong` command: a root with global options and one sub-command group per capability.

The root is a lazy group: a sub-command's module (and the heavy libraries it imports) is imported only when
that command is run or its help is shown, so `biaotong --help` and `biaotong version` stay fast. The names
and one-line help of the groups come from GROUPS, so listing them imports nothing.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from biaotong import __version__
from biaotong.i18n import msg

LANGUAGES = ("zh", "en")

# Sub-command groups, each a Typer app named `app` in biaotong/cli/<name>.py.
GROUPS: dict[str, tuple[str, str]] = {
    "source": ("数据源：登记、测试、同步", "sources: add, test, sync"),
    "catalog": ("数据标准：数据元与代码集", "the standard: data elements and code lists"),
    "org": ("行政区划树", "the org tree"),
    "report": ("报表：生成、说明、准入", "reports: generate, explain, review"),
    "template": ("部门自有 Excel 表样", "the department's own Excel forms"),
    "ledger": ("存证账本", "the tamper-evident ledger"),
    "task": ("填报任务：预填、填报、审核、纠错", "tasks: pre-filled, filled, reviewed, corrected"),
    "user": ("用户、角色与管辖范围", "users, roles and scopes"),
    "feedback": ("基层反馈", "grassroots feedback"),
    "quality": ("数据质量", "data quality"),
    "lake": ("数据湖：快照与清理", "the lake: snapshots and clean-up"),
}
# Top-level commands of biaotong/cli/toplevel.py, listed here so that the root help imports nothing.
TOPLEVEL: dict[str, tuple[str, str]] = {
    "init": ("新建工作区", "create a workspace"),
    "demo": ("生成演示县、同步全部部门系统并生成全部报表", "build the demo county, sync it, generate every report"),
    "conflicts": ("统计一表中各数据源之间的不一致", "count disagreements between sources in the one table"),
    "settings": ("列出全部设置项及当前取值", "list every setting with its value"),
    "trace": ("追溯报表中的一个数", "trace a number to its sources and ledger entries"),
}
# Modules of other capabilities whose register(app) adds top-level commands (thin modules: cheap to import).
REGISTERING = ("serve", "burden", "inventory", "events", "scheduler")


def _root_texts() -> dict[str, str]:
    """The root's own help, built in the language chosen for this invocation."""
    return {
        "": msg("表通：报表数据中心——从系统取，不向基层要。",
                "biaotong: a report data center — fetch from systems, don't ask the grassroots."),
        "home": msg("工作区目录（或环境变量 BIAOTONG_HOME）", "workspace folder (or BIAOTONG_HOME)"),
        "lang": msg("界面语言：zh 或 en（或环境变量 BIAOTONG_LANG）", "language: zh or en (or BIAOTONG_LANG)"),
        "as_user": msg("以哪个用户身份操作（默认工作区管理员）", "act as this user (default: the workspace administrator)"),
        "show_version": msg("显示版本并退出", "print the version and exit"),
    }


_BILINGUAL = re.compile(r"^(.*[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s*([A-Za-z][^\u4e00-\u9fff]*)$", re.S)


def pick_language(text: str | None) -> str | None:
    """A docstring's first paragraph written "中文。English." shows in the chosen language only."""
    if not text:
        return text
    first, sep, rest = text.partition("\n\n")
    m = _BILINGUAL.match(first.strip())
    if not m:
        return text
    return msg(m.group(1), m.group(2)) + sep + rest


def _localise(command: Any) -> Any:
    command.help = pick_language(command.help)
    command.short_help = pick_language(command.short_help)
    for sub in getattr(command, "commands", {}).values():
        _localise(sub)
    return command


def _chosen_language(args: Sequence[str]) -> str | None:
    """--lang among the root's options (before the sub-command), else BIAOTONG_LANG."""
    it = iter(args)
    for token in it:
        if token == "--lang":
            return next(it, None)
        if token.startswith("--lang="):
            return token.split("=", 1)[1]
        if token in ("--home", "--as"):
            next(it, None)
        elif not token.startswith("-"):
            break
    return os.environ.get("BIAOTONG_LANG")


class LazyGroup(TyperGroup):
    """A root group that imports a sub-command's module only when the command is needed."""

    _modules: dict[str, tuple[ModuleType, str]]  # module name -> (module, language it was built in)

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._modules = {}
        self._listing = False

    # -- language ---------------------------------------------------------------------------------------
    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        chosen = _chosen_language(argv)
        if chosen is not None and chosen.lower() not in LANGUAGES:
            sys.stderr.write(
                f"错误：不支持的语言 {chosen!r}，可选 zh 或 en。\nError: unknown language {chosen!r}; use zh or en.\n"
            )
            if extra.get("standalone_mode", True):
                sys.exit(2)
            raise typer.Exit(code=2)
        before = os.environ.get("BIAOTONG_LANG")
        if chosen is not None:
            os.environ["BIAOTONG_LANG"] = chosen.lower()
        try:
            self._translate()
            return super().main(argv, *rest, **extra)
        finally:  # one in-process invocation (tests, the Python API) does not change the next
            if before is None:
                os.environ.pop("BIAOTONG_LANG", None)
            else:
                os.environ["BIAOTONG_LANG"] = before

    def _translate(self) -> None:
        texts = _root_texts()
        self.help = texts[""]
        for param in self.params:
            if param.name in texts and hasattr(param, "help"):
                param.help = texts[param.name]  # type: ignore[attr-defined]

    # -- lazy sub-commands ------------------------------------------------------------------------------
    def _module(self, name: str) -> ModuleType:
        """Import biaotong.cli.<name>, re-executing it when it was built in another language."""
        current = os.environ.get("BIAOTONG_LANG", "zh")
        loaded = self._modules.get(name)
        if loaded is None:
            module = importlib.import_module(f"biaotong.cli.{name}")
        elif loaded[1] != current:
            module = importlib.reload(loaded[0])
        else:
            return loaded[0]
        self._modules[name] = (module, current)
        return module

    def _registered(self, name: str) -> dict[str, Any]:
        holder = typer.Typer()
        self._module(name).register(holder)
        if not holder.registered_commands and not holder.registered_groups:
            return {}
        return dict(typer.main.get_group(holder).commands)

    def list_commands(self, ctx: Any) -> list[str]:
        names = [*self.commands, *GROUPS, *TOPLEVEL]
        for module in REGISTERING:
            names += [n for n in self._registered(module) if n not in names]
        return names

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if self._listing and (cmd_name in GROUPS or cmd_name in TOPLEVEL):
            zh, en = GROUPS.get(cmd_name) or TOPLEVEL[cmd_name]
            return typer.main.get_command_from_info(  # a stand-in that only carries the one-line help
                typer.models.CommandInfo(name=cmd_name, callback=_noop, help=msg(zh, en)),
                pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode,
            )
        if cmd_name in GROUPS:
            group = typer.main.get_group(self._module(cmd_name).app)
            group.name = cmd_name
            group.help = msg(*GROUPS[cmd_name])
            return _localise(group)
        if cmd_name in TOPLEVEL:
            found = self._registered("toplevel").get(cmd_name)
            return _localise(found) if found is not None else None
        for module in REGISTERING:
            found = self._registered(module).get(cmd_name)
            if found is not None:
                return _localise(found)
        return None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if not args or args[0] in self.commands or args[0] in GROUPS or args[0] in TOPLEVEL:
            return super().resolve_command(ctx, args)
        names = self.list_commands(ctx)
        if args[0] in names:
            return super().resolve_command(ctx, args)
        # An unknown name: Typer's "did you mean" looks at self.commands, so let it see every name.
        saved = self.commands
        self.commands = dict.fromkeys(names)  # type: ignore[assignment]
        try:
            return super().resolve_command(ctx, args)
        finally:
            self.commands = saved


def _noop() -> None:
    """A stand-in's callback; never run."""


def _show_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


_TEXTS = _root_texts()  # replaced per invocation by LazyGroup._translate
app = typer.Typer(
    name="biaotong",
    cls=LazyGroup,
    help=_TEXTS[""],
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(None, "--home", envvar="BIAOTONG_HOME", help=_TEXTS["home"]),
    lang: str | None = typer.Option(None, "--lang", help=_TEXTS["lang"]),
    as_user: str | None = typer.Option(None, "--as", envvar="BIAOTONG_USER", help=_TEXTS["as_user"]),
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help=_TEXTS["show_version"]
    ),
) -> None:
    # --lang was applied by LazyGroup.main before any sub-command module was imported.
    ctx.obj = {"home": home, "as_user": as_user}


@app.command()
def version() -> None:
    """打印版本。Print the version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
