"""Composer: write 政府信息公开工作年度报告 that are right by construction (issue 4).

Owns the ``nianbao.compose`` package:

- ``data``: ``ComposeInput`` and its loaders (cells file, YAML/Excel template, request ledger);
- ``consistency``: the hard identities checked before writing (T3-BAL, T3-RES, T3-ROW, T4-SUM);
- ``body``: the section texts and the tables (``nianbao.render.layout``) filled with the values;
- ``docx_writer``, ``html_writer``, ``md_writer``: the report as DOCX, HTML, Markdown (tables drawn by
  ``nianbao.render``);
- ``template_writer``: the fill-in templates (YAML, Excel) and reading Excel back;
- ``convert``: DOCX → PDF (LibreOffice), PDF → PNG (pdftoppm).

Public API: ``render(inp, fmt)``, ``write_report(inp, path)``, ``load_input(path)``, ``check(inp)``.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .consistency import Finding, check, refusal_message
from .data import ComposeError, ComposeInput, load_input
from ..fsutil import atomic_write
from ..render.layout import Labels

FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".pdf": "pdf"}


def render(inp: ComposeInput, fmt: str, labels: Labels | None = None) -> bytes:
    """The report as bytes in ``fmt`` (docx | html | md)."""
    if fmt == "docx":
        from .docx_writer import render_docx
        return render_docx(inp, labels)
    if fmt == "html":
        from .html_writer import render_html
        return render_html(inp, labels)
    if fmt == "md":
        from .md_writer import render_md
        return render_md(inp, labels)
    raise ComposeError(f"不支持的输出格式：{fmt}（支持 .docx .html .md .pdf）")


def output_format(path: str | Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ComposeError(f"无法根据扩展名确定输出格式：{Path(path).name}（支持 .docx .html .md .pdf）")
    return fmt


def write_report(inp: ComposeInput, path: str | Path, labels: Labels | None = None) -> Path:
    """Render and write atomically; the format follows the extension."""
    fmt = output_format(path)
    if fmt == "pdf":
        from .convert import docx_to_pdf
        with tempfile.TemporaryDirectory(prefix="nianbao-compose-") as tmp:
            docx = Path(tmp, Path(path).stem + ".docx")
            docx.write_bytes(render(inp, "docx", labels))
            return docx_to_pdf(docx, path)
    return atomic_write(path, render(inp, fmt, labels))


__all__ = ["ComposeError", "ComposeInput", "Finding", "Labels", "check", "load_input", "refusal_message",
           "render", "write_report", "atomic_write", "output_format"]
