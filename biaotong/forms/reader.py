"""Opening a department's .xlsx safely: old .xls, password-protected and corrupt files get clear errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from biaotong.errors import FormError, where
from biaotong.limits import check_workbook

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def read_bytes(path: Path | str) -> bytes:
    p = Path(path)
    if not p.exists():
        raise FormError(f"找不到文件：{p}", f"file not found: {p}", where(file=str(p)))
    if p.is_dir():
        raise FormError(f"这是一个文件夹，不是 Excel 文件：{p}", f"this is a folder, not an Excel file: {p}", where(file=str(p)))
    return p.read_bytes()


def check_signature(data: bytes, file: str) -> None:
    """Reject what openpyxl cannot read, before it fails obscurely."""
    if not data:
        raise FormError("文件是空的", "the file is empty", where(file=file))
    if data[:8] == OLE2_SIGNATURE:
        if _ENCRYPTED_STREAM in data:
            raise FormError(
                "文件设置了打开密码，无法读取；请在 Excel 中取消密码（文件 › 信息 › 保护工作簿 › 用密码进行加密）后另存为 .xlsx 再导入",
                "the file is password-protected; remove the password in Excel and save it as .xlsx, then import it again",
                where(file=file),
            )
        raise FormError(
            "这是旧版 Excel 97-2003（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
            "this is an old Excel 97-2003 (.xls) file; save it as .xlsx in Excel or WPS and import that",
            where(file=file),
        )
    if data[:4] != ZIP_SIGNATURE:
        raise FormError(
            "不是有效的 .xlsx 文件（文件内容无法识别，可能已损坏或是其他格式改了扩展名）",
            "not a valid .xlsx file (unrecognised content: corrupt, or another format renamed)",
            where(file=file),
        )


def open_workbook(data: bytes, file: str) -> Workbook:
    check_signature(data, file)
    check_workbook(data, file, FormError)  # zip parts and the sheets' real extent, before openpyxl pays for them
    try:
        return load_workbook(io.BytesIO(data), rich_text=False)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise FormError(
            f"文件已损坏，无法读取（{type(exc).__name__}）；请用 Excel 打开后重新保存",
            f"the file is corrupt and cannot be read ({type(exc).__name__}); open and save it again in Excel",
            where(file=file),
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds on malformed XML inside a valid zip
        raise FormError(
            f"文件内容无法解析（{type(exc).__name__}: {exc}）；请用 Excel 打开后另存为 .xlsx",
            f"the workbook cannot be parsed ({type(exc).__name__}: {exc}); open it in Excel and save as .xlsx",
            where(file=file),
        ) from exc


def pick_sheet(wb: Workbook, sheet: str | None, file: str) -> Worksheet:
    names = wb.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise FormError(
                f"工作表“{sheet}”不存在；可选：{'、'.join(names)}",
                f"no sheet named {sheet!r}; the workbook has: {', '.join(names)}",
                where(file=file, key=sheet),
            )
        return wb[sheet]
    for ws in wb.worksheets:
        if ws.sheet_state == "visible" and ws.max_row > 1:
            return ws
    return wb.worksheets[0]
