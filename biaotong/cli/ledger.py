"""`biaotong ledger …`: sign heads, prove entries, verify the whole log, witness another log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg
from biaotong.lake.verify_index import LakeReport

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


def _read_head_file(path: Path) -> str:
    """A checkpoint kept by an auditor: the signed note itself, or JSON with a "checkpoint" field."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        return str(json.loads(text)["checkpoint"])
    return text


@app.command("head")
@handle_errors
def head_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """签署并保存当前树头（C2SP checkpoint）。Sign and keep a head for the current tree.

    Example: biaotong ledger head > head-2026-06.txt
    """
    from biaotong.services.ledger import sign_head

    h = sign_head(actor(ctx), workspace(ctx))
    if as_json:
        print_json(h)
    else:
        typer.echo(h["checkpoint"], nl=False)


@app.command("prove")
@handle_errors
def prove_cmd(
    ctx: typer.Context,
    entry: Annotated[int, typer.Argument(help=msg("条目序号（从 0 起）", "entry number (from 0)"))],
    size: Annotated[int | None, typer.Option("--size", help=msg("树的大小（默认最新签名树头）", "tree size (default: newest signed head)"))] = None,
    as_json: JsonOpt = False,
) -> None:
    """条目包含证明，可用 python -m biaotong.ledger.audit 独立核验。Inclusion proof of an entry.

    Example: biaotong ledger prove 42 --json > proof.json && python -m biaotong.ledger.audit proof.json --key HOME/keys/ledger.pub
    """
    from biaotong.services.ledger import prove

    proof = prove(actor(ctx), workspace(ctx), entry, size)
    if as_json:
        print_json(proof)
        return
    console.print(msg(f"条目 {proof['seq']} 在大小为 {proof['tree_size']} 的树中，树根 {proof['root']}",
                      f"entry {proof['seq']} is in the tree of size {proof['tree_size']}, root {proof['root']}"), highlight=False)
    for h in proof["proof"]:
        typer.echo(h)


@app.command("consistency")
@handle_errors
def consistency_cmd(
    ctx: typer.Context,
    old: Annotated[int, typer.Argument(help=msg("旧树大小", "older tree size"))],
    new: Annotated[int, typer.Argument(help=msg("新树大小", "newer tree size"))],
    as_json: JsonOpt = False,
) -> None:
    """一致性证明：旧树是新树的前缀。Consistency proof: the older tree is a prefix of the newer.

    Example: biaotong ledger consistency 1000 2000 --json
    """
    from biaotong.services.ledger import consistency

    proof = consistency(actor(ctx), workspace(ctx), old, new)
    if as_json:
        print_json(proof)
        return
    for h in proof["proof"]:
        typer.echo(h)


@app.command("verify")
@handle_errors
def verify_cmd(
    ctx: typer.Context,
    head_file: Annotated[Path | None, typer.Option("--head", exists=True, dir_okay=False, help=msg("此前保存的树头文件", "a head saved earlier"))] = None,
    lake: Annotated[bool, typer.Option("--lake", help=msg("逐一重算数据湖每个快照文件的哈希（默认只核对索引行、行数和大小）", "hash every snapshot file of the lake (default: index rows, row counts and sizes)"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """重算整个账本并核对签名树头，并核对数据湖与账本；发现问题时指出出错的位置。Recompute and check the whole ledger, and the lake against it.

    Example: biaotong ledger verify --lake --head head-2026-06.txt
    """
    from biaotong.services.ledger import verify

    older = _read_head_file(head_file) if head_file else None
    report = verify(actor(ctx), workspace(ctx), older, full_lake=lake)
    if as_json:
        print_json(report.to_json())
    elif report.ok:
        console.print(msg(f"账本完好：{report.size} 条，树根 {report.root.hex()}，核对签名树头 {report.heads_checked} 个，用时 {report.seconds:.2f} 秒",
                          f"ledger intact: {report.size} entries, root {report.root.hex()}, {report.heads_checked} signed heads checked in {report.seconds:.2f} s"), highlight=False)
        for note in report.notes:
            console.print(note, highlight=False)
    elif report.problem is not None:
        console.print(f"[bold red]{report.problem.message}[/]", highlight=False)
    if report.lake is not None and not as_json:
        _print_lake(report.lake)
    if not report.ok:
        raise typer.Exit(code=1)


def _print_lake(lake: LakeReport) -> None:
    mode = msg("全部文件已重算哈希", "every file hashed") if lake.full else msg("快速核对：索引行、行数、大小", "fast: index rows, row counts, sizes")
    if lake.ok:
        console.print(msg(f"数据湖与账本一致：{lake.snapshots} 个快照（{mode}）", f"lake matches the ledger: {lake.snapshots} snapshots ({mode})"), highlight=False)
        return
    console.print(msg(f"数据湖有 {len(lake.problems)} 处与账本不符（{mode}）：", f"the lake differs from the ledger in {len(lake.problems)} places ({mode}):"), highlight=False)
    for p in lake.problems:
        console.print(f"[bold red]{p.reason}[/] {p.message}" + (f"  {p.file}" if p.file else ""), highlight=False)


@app.command("witness")
@handle_errors
def witness_cmd(
    log: Annotated[str, typer.Option("--log", help=msg("被见证日志：工作区目录或 http(s) 地址", "the log: a workspace folder or an http(s) base URL"))],
    state: Annotated[Path, typer.Option("--state", help=msg("见证人状态目录（保存上次见到的树头）", "the witness's state folder (keeps the last head seen)"))],
    log_key: Annotated[Path | None, typer.Option("--log-key", exists=True, dir_okay=False, help=msg("日志公钥文件（默认首次使用时信任）", "the log's public key file (default: trust on first use)"))] = None,
    as_json: JsonOpt = False,
) -> None:
    """见证：核对日志只增不改，然后副签其树头。Witness a log: check it only grew, then cosign its head.

    Example: biaotong ledger witness --log https://county.example/api/ledger --state ~/witness/county
    """
    from biaotong.ledger.checkpoint import parse_verifier
    from biaotong.ledger.keys import ensure_witness_key
    from biaotong.ledger.witness import witness

    key = parse_verifier(log_key.read_text(encoding="utf-8")) if log_key else None
    result = witness(log, state, ensure_witness_key(state), key)
    if as_json:
        print_json(result.to_json())
    elif result.ok:
        console.print(msg(f"已副签 {result.origin} 大小 {result.new_size} 的树头（上次 {result.old_size}）",
                          f"cosigned {result.origin} at size {result.new_size} (last seen {result.old_size})"), highlight=False)
    else:
        console.print(f"[bold red]{result.reason}[/] → {result.evidence}", highlight=False)
    if not result.ok:
        raise typer.Exit(code=1)
