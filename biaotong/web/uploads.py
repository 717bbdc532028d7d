"""Uploads (a department's Excel form, a filled task sheet): size-limited and type-checked by content, not by
the name or the browser's word. Routes call `read_upload(file, kinds=("xlsx",))` and get the bytes."""

from __future__ import annotations

import io
import zipfile

from fastapi import UploadFile

from biaotong.errors import FormError, where

MAX_UPLOAD = 10 * 1024 * 1024
# What each kind's bytes must look like; an .xlsx is a zip holding the workbook part.
KINDS = ("xlsx", "csv")


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def _is_csv(data: bytes) -> bool:
    try:
        data[:65536].decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data[:65536]


async def read_upload(file: UploadFile, *, kinds: tuple[str, ...] = ("xlsx",), limit: int = MAX_UPLOAD) -> bytes:
    """The uploaded bytes, if no larger than `limit` and of one of `kinds`; FormError otherwise."""
    name = file.filename or "upload"
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise FormError(f"文件过大（上限 {limit // 1024 // 1024} MB）", f"file too large (limit {limit // 1024 // 1024} MB)",
                        where(file=name))
    checks = {"xlsx": _is_xlsx, "csv": _is_csv}
    if not any(checks[k](data) for k in kinds):
        raise FormError(f"文件类型不符，应为 {'/'.join(kinds)}", f"wrong file type: expected {'/'.join(kinds)}",
                        where(file=name))
    return data
