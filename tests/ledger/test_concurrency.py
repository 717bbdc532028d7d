"""Concurrent appends from several connections queue on the state row and still make one valid tree."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from biaotong.ledger import record
from biaotong.ledger.checkpoint import Signer
from biaotong.ledger.verify import verify

from .helpers import event


def test_threads_appending_at_once_make_a_valid_tree(store_engine: Engine, log_key: Signer) -> None:
    threads, per_thread, batch = 3, 40, 5
    errors: list[BaseException] = []
    seqs: list[list[int]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        try:
            start.wait()  # the very first appends race to create the state row too
            for i in range(per_thread):
                with store_engine.begin() as conn:
                    seqs[t] += record(conn, *(event(1000 * t + batch * i + k) for k in range(batch)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    total = threads * per_thread * batch
    assert sorted(s for ss in seqs for s in ss) == list(range(total))  # no position given twice
    with store_engine.connect() as conn:
        report = verify(conn)
    assert report.ok and report.size == total, report.problem
