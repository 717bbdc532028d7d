"""Uploads are size-limited and type-checked by their bytes: a real .xlsx passes, a renamed text file does not."""

from __future__ import annotations

import asyncio
import io

import openpyxl
import pytest
from fastapi import UploadFile

from biaotong.errors import FormError
from biaotong.web.uploads import read_upload


def _upload(data: bytes, name: str) -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=name)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["姓名", "人数"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_real_workbook_passes_and_a_renamed_file_does_not() -> None:
    data = _xlsx()
    assert asyncio.run(read_upload(_upload(data, "表样.xlsx"))) == data
    with pytest.raises(FormError) as wrong:
        asyncio.run(read_upload(_upload(b"<html>not a workbook</html>", "evil.xlsx")))
    assert wrong.value.where.file == "evil.xlsx"
    with pytest.raises(FormError):
        asyncio.run(read_upload(_upload(data, "big.xlsx"), limit=len(data) - 1))
    assert asyncio.run(read_upload(_upload("序号,值\n1,2\n".encode(), "a.csv"), kinds=("csv",)))
