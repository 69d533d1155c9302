"""External converters: DOCX → PDF with LibreOffice, PDF page → PNG with pdftoppm.

Owns: finding ``soffice`` / ``pdftoppm``, running them with a private LibreOffice profile
(so parallel runs do not collide) and a time limit, and turning failures into
``ComposeError`` with a Chinese message.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .data import ComposeError

SOFFICE_TIMEOUT = 180

# The report asks for 宋体/仿宋/黑体. Where those fonts are missing (Linux, CI), map them to
# the closest free CJK families so the PDF shows Chinese glyphs of the right kind.
_FONT_ALIASES = {
    "宋体": ["SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", "WenQuanYi Zen Hei"],
    "SimSun": ["Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", "WenQuanYi Zen Hei"],
    "仿宋": ["FangSong", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UKai CN", "WenQuanYi Zen Hei"],
    "FangSong": ["Noto Serif CJK SC", "Source Han Serif SC", "AR PL UKai CN", "WenQuanYi Zen Hei"],
    "黑体": ["SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei"],
    "SimHei": ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei"],
}


def _fontconfig(tmp: Path) -> Path:
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer>'
        + "".join(f"<family>{f}</family>" for f in prefer) + "</prefer></alias>"
        for name, prefer in _FONT_ALIASES.items())
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f"{aliases}</fontconfig>", encoding="utf-8")
    return conf


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdftoppm_path() -> str | None:
    return shutil.which("pdftoppm")


def docx_to_pdf(docx: str | Path, out_pdf: str | Path, timeout: int = SOFFICE_TIMEOUT) -> Path:
    """Convert one DOCX to PDF with LibreOffice (headless)."""
    exe = soffice_path()
    if exe is None:
        raise ComposeError("未找到 LibreOffice（soffice），无法生成 PDF")
    docx, out_pdf = Path(docx), Path(out_pdf)
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        outdir = Path(tmp, "out")
        outdir.mkdir()
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir), str(docx)]
        env = dict(os.environ, HOME=tmp)
        if Path("/etc/fonts/fonts.conf").exists():
            env["FONTCONFIG_FILE"] = str(_fontconfig(Path(tmp)))
        try:
            res = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise ComposeError(f"LibreOffice 转换超时（{timeout} 秒）：{docx.name}") from None
        produced = outdir / (docx.stem + ".pdf")
        if res.returncode != 0 or not produced.exists():
            msg = (res.stderr or res.stdout or b"").decode("utf-8", "replace")[-300:]
            raise ComposeError(f"LibreOffice 无法把 {docx.name} 转为 PDF：{msg}")
        out_pdf.parent.mkdir(parents=True, exist_ok=True)
        tmp_target = out_pdf.with_name(f".{out_pdf.name}.tmp")
        shutil.move(str(produced), tmp_target)
        os.replace(tmp_target, out_pdf)
    return out_pdf


def pdf_page_png(pdf: str | Path, out_prefix: str | Path, page: int = 1, dpi: int = 60) -> Path:
    """Render one PDF page to PNG; returns the PNG path."""
    exe = pdftoppm_path()
    if exe is None:
        raise ComposeError("未找到 pdftoppm（poppler-utils），无法渲染页面")
    out_prefix = Path(out_prefix)
    cmd = [exe, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out_prefix)]
    res = subprocess.run(cmd, capture_output=True, timeout=120)
    png = Path(str(out_prefix) + ".png")
    if res.returncode != 0 or not png.exists():
        raise ComposeError(f"pdftoppm 渲染失败：{res.stderr.decode('utf-8', 'replace')[-300:]}")
    return png
