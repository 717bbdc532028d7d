"""The console script's entry point (`biaotong`, `python -m biaotong`): never a traceback to the user.

Exit codes (docs/safety.md):
  0  done
  1  a check found a problem (ledger verify, a held or failed sync, …)
  2  the input or the environment is wrong: the message says what and where (BiaotongError, usage, OSError)
  3  an internal error: the message names the command, the traceback is in a log file whose path is printed
  130 interrupted (Ctrl-C)

Errors raised by pyarrow, DuckDB and openpyxl while reading a user's file are described by their kind and
position only: their own text often quotes the offending value, which may be personal data.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import typer

from biaotong.errors import BiaotongError
from biaotong.i18n import msg
from biaotong.readerrors import position

# Typer carries its own copy of click; its ClickException is the base of every usage error it raises.
_ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

EXIT_CHECK, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130
_GLOBAL_WITH_VALUE = ("--home", "--as", "--lang")
_WORD = re.compile(r"^[a-z][a-z0-9-]*$")


def _argv_info(argv: list[str]) -> tuple[str, str | None]:
    """(the command words, e.g. "source sync", and --home if given); option values are not repeated."""
    words: list[str] = []
    home = None
    it = iter(argv)
    for token in it:
        if token in _GLOBAL_WITH_VALUE:
            value = next(it, None)
            if token == "--home":
                home = value
        elif token.startswith("--home="):
            home = token.split("=", 1)[1]
        elif token.startswith("-"):
            continue
        elif _WORD.match(token) and len(words) < 2:
            words.append(token)
        else:
            break
    return " ".join(words) or "biaotong", home


def _log_dir(home: str | None) -> Path:
    """The workspace's logs/ folder when there is a workspace, else the system's temporary folder."""
    env = os.environ.get("BIAOTONG_HOME")
    candidates = [Path(home)] if home else [Path(env)] if env else [Path("."), Path("biaotong-home")]
    for root in candidates:
        if (root / "biaotong.yaml").is_file():
            logs = root / "logs"
            try:
                logs.mkdir(exist_ok=True)
                if os.access(logs, os.W_OK):
                    return logs
            except OSError:
                pass
    return Path(tempfile.gettempdir())


def write_log(exc: BaseException, command: str, home: str | None) -> Path | None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for folder in (_log_dir(home), Path(tempfile.gettempdir())):
        path = folder / f"biaotong-error-{stamp}.log"
        try:
            with path.open("w", encoding="utf-8") as fh:
                fh.write(f"biaotong {command}\n{datetime.now(UTC).isoformat()}\n\n")
                fh.write("".join(traceback.format_exception(exc)))
            return path
        except OSError:
            continue
    return None


def _foreign(exc: BaseException) -> tuple[str, str] | None:
    """A user-facing description of an error from a library that read a user's file, without its values."""
    module = type(exc).__module__ or ""
    text = str(exc)
    if module.startswith(("pyarrow", "duckdb", "openpyxl", "zipfile", "xml", "lxml")) or type(exc).__name__ in ("BadZipFile", "InvalidFileException"):
        row, col = position(text)  # where, from the library's text; never the values it quotes
        where_zh = "，".join(p for p in [f"第 {row} 行" if row else "", f"列 {col}" if col else ""] if p)
        where_en = ", ".join(p for p in [f"row {row}" if row else "", f"column {col}" if col else ""] if p)
        library = module.split(".", 1)[0] or type(exc).__name__
        return (
            f"文件内容无法读取（{library}：{type(exc).__name__}{'，' + where_zh if where_zh else ''}）；请检查该文件的格式",
            f"the file's content cannot be read ({library}: {type(exc).__name__}{', ' + where_en if where_en else ''}); check its format",
        )
    return None


def _os_error(exc: OSError) -> tuple[str, str]:
    name = exc.filename2 or exc.filename or ""  # os.replace(src, dst): the user's path is dst
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间已满，无法写入 {name}；已写入的内容不会被当作有效结果", f"the disk is full; cannot write {name}; nothing half-written counts as a result"
    if isinstance(exc, IsADirectoryError):
        return f"{name} 是一个目录，请给出文件路径", f"{name} is a folder; give a file path"
    if isinstance(exc, NotADirectoryError):
        return f"{name} 的上级路径不是目录", f"a parent of {name} is not a folder"
    if isinstance(exc, PermissionError):
        return f"没有权限访问 {name}", f"permission denied: {name}"
    if isinstance(exc, FileNotFoundError):
        return f"找不到 {name}", f"not found: {name}"
    reason = exc.strerror or type(exc).__name__
    return f"无法读写 {name}：{reason}", f"cannot read or write {name}: {reason}"


_FULL = ("disk is full", "no space left", "file too large", "disk i/o error")


def _disk_full(exc: BaseException) -> bool:
    """A full disk as the metadata store or a writer reports it (SQLite says "database or disk is full")."""
    for e in (exc, getattr(exc, "orig", None), exc.__cause__, exc.__context__):
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return True
        if e is not None and any(k in str(e).lower() for k in _FULL):
            return True
    return False


def _say(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def run(argv: list[str] | None = None) -> NoReturn:
    """Run the command line; every outcome is an exit code and a message, never a traceback."""
    from biaotong.cli.main import _chosen_language, app

    args = list(sys.argv[1:] if argv is None else argv)
    command, home = _argv_info(args)
    chosen = _chosen_language(args)
    if chosen and chosen.lower() in ("zh", "en"):
        os.environ["BIAOTONG_LANG"] = chosen.lower()  # for the messages below, after the app restored it
    code: int
    try:
        result = app(args=args, prog_name="biaotong", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        _say(msg("已中止", "aborted"))
        code = EXIT_INTERRUPTED
    except _ClickException as exc:
        exc.show()  # type: ignore[attr-defined]
        code = int(getattr(exc, "exit_code", EXIT_INPUT))
    except KeyboardInterrupt:
        _say(msg(f"已中断：{command}", f"interrupted: {command}"))
        code = EXIT_INTERRUPTED
    except BiaotongError as exc:
        _say(f"{msg('错误', 'Error')}: {exc.message}")
        code = EXIT_INPUT
    except RecursionError as exc:
        log = write_log(exc, command, home)
        _say(msg(f"错误：执行 {command} 时输入嵌套过深，已停止；详情见 {log}", f"Error: the input of {command} nests too deeply; stopped; details in {log}"))
        code = EXIT_INPUT
    except Exception as exc:
        log = write_log(exc, command, home)
        where = msg(f"；技术细节已写入 {log}", f"; technical details were written to {log}") if log else ""
        foreign = _foreign(exc)
        if _disk_full(exc):
            _say(msg(f"错误：执行 {command} 时磁盘空间已满（或文件超出允许的大小），未完成的结果不会生效{where}",
                     f"Error: while running {command}: the disk is full (or a file outgrew its allowed size); nothing unfinished takes effect{where}"))
            code = EXIT_INPUT
        elif isinstance(exc, OSError):
            zh, en = _os_error(exc)
            _say(msg(f"错误：执行 {command} 时{zh}{where}", f"Error: while running {command}: {en}{where}"))
            code = EXIT_INPUT
        elif foreign is not None:
            _say(msg(f"错误：执行 {command} 时{foreign[0]}{where}", f"Error: while running {command}: {foreign[1]}{where}"))
            code = EXIT_INPUT
        else:
            _say(msg(f"内部错误：执行 {command} 时发生意外（{type(exc).__name__}）。这是 biaotong 的缺陷，请将日志报告给维护者{where}",
                     f"Internal error while running {command} ({type(exc).__name__}). This is a bug in biaotong; please report it with the log{where}"))
            code = EXIT_INTERNAL
    sys.exit(code)
