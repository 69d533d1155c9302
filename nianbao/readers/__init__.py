"""Readers: every published form of a report → one ``GridDocument``.

``read(path)`` picks the reader by content (magic bytes) first and extension second,
applies the size limits, and turns every failure into a ``ReadError`` with a Chinese
message, so a batch can go on with the next file.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import NianbaoError
from ..grid import GridDocument
from ..vocab import ErrorCode
from .base import Limits, ReadError, Reader

from .docx import DocxReader
from .html import HtmlReader
from .legacy import LegacyReader
from .ocr import OcrReader
from .pdf import PdfReader
from .text import TextReader

# Tried in this order: content first (magic bytes), so the formats that can be told by
# their bytes come before HTML and text, which accept almost anything by extension.
READERS: tuple[type[Reader], ...] = (PdfReader, DocxReader, LegacyReader, OcrReader, HtmlReader, TextReader)


def pick_reader(path: Path, head: bytes) -> type[Reader]:
    for c in READERS:
        if c.is_valid(path, head):
            return c
    raise ReadError(f"无法识别的文件格式：{path.name}（支持 .txt .md .html .htm .docx .pdf .doc .wps）",
                    ErrorCode.UNSUPPORTED_FORMAT)


def load_bytes(path: str | Path) -> bytes:
    """The contents of one file, after the checks every reader relies on (exists, is a
    file, not empty, within ``Limits.max_file_bytes``), or ``ReadError``."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise ReadError(f"文件不存在：{p}", ErrorCode.NOT_FOUND) from None
    except OSError as e:
        raise ReadError(f"无法访问文件：{p}（{e.strerror or e}）", ErrorCode.UNREADABLE_FILE) from None
    if p.is_dir():
        raise ReadError(f"这是一个目录而不是文件：{p}", ErrorCode.UNREADABLE_FILE)
    if size > Limits.max_file_bytes:
        raise ReadError(f"文件过大（{size / 1e6:.0f} MB，上限 {Limits.max_file_bytes / 1e6:.0f} MB）：{p.name}",
                        ErrorCode.FILE_TOO_LARGE)
    if size == 0:
        raise ReadError(f"文件为空：{p.name}", ErrorCode.EMPTY)
    try:
        return p.read_bytes()
    except OSError as e:
        raise ReadError(f"无法读取文件：{p}（{e.strerror or e}）", ErrorCode.UNREADABLE_FILE) from None


def read(path: str | Path, data: bytes | None = None) -> GridDocument:
    """Read one file (or its contents ``data``) into a grid document, or raise ``ReadError``."""
    p = Path(path)
    if data is None:
        data = load_bytes(p)
    elif len(data) == 0:
        raise ReadError(f"文件为空：{p.name}", ErrorCode.EMPTY)
    cls = pick_reader(p, data[:8192])
    try:
        doc = cls().convert(p, data)
    except NianbaoError:
        raise
    except MemoryError:
        raise ReadError(f"文件过大，内存不足，已放弃读取：{p.name}", ErrorCode.MEMORY) from None
    except RecursionError:
        raise ReadError(f"文件结构嵌套过深，已放弃读取：{p.name}", ErrorCode.TOO_DEEP) from None
    except Exception as e:  # a reader bug or a damaged file: never take the batch down
        raise ReadError(f"文件已损坏或格式异常，无法读取：{p.name}（{type(e).__name__}: {str(e)[:200]}）") from e
    doc.source = str(path)
    return doc


__all__ = ["read", "load_bytes", "pick_reader", "ReadError", "Reader", "Limits"]
