"""Legacy word-processor files (.doc, .wps, .rtf, .odt) → ``GridDocument`` via LibreOffice.

Owns: recognising these formats (OLE2 magic, ``{\\rtf``, OpenDocument text; the extension
for other binary content, e.g. old WPS files) and running
``soffice --headless --convert-to docx`` in a private temporary directory with its own
LibreOffice profile (parallel runs don't clash), with a time limit. The resulting DOCX is
read by ``DocxReader``; the document reports ``format="doc"``. Without LibreOffice the
reader says in Chinese what to install.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..grid import GridDocument
from ..vocab import ErrorCode
from .base import ReadError, Reader
from .docx import DocxReader, is_encrypted_ooxml
from .encoding import looks_binary

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODT_MIME = b"mimetypeapplication/vnd.oasis.opendocument.text"
# OLE files that are not word-processing documents (spreadsheets, slides, mail, installers).
_OTHER_OLE = {".xls", ".xlt", ".et", ".ett", ".ppt", ".pps", ".pot", ".dps", ".dpt", ".msg", ".msi", ".vsd", ".pub"}
TIMEOUT_S = 120
NEED_LIBREOFFICE = "读取 .doc/.wps 需要安装 LibreOffice（apt-get install libreoffice-writer-nogui），或先另存为 .docx"


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


class LegacyReader(Reader):
    name = "legacy"
    extensions = (".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt", ".ott")

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        ext = Path(path).suffix.lower()
        if head.startswith(OLE_MAGIC):
            return ext not in _OTHER_OLE
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
            return True
        if head.startswith(b"PK\x03\x04"):
            return head[30:30 + len(_ODT_MIME)] == _ODT_MIME or (ext == ".odt" and b"word/" not in head)
        # By extension only for binary content: a ".doc" holding HTML or text goes to those readers.
        return ext in cls.extensions and looks_binary(head)

    def convert(self, path: Path, data: bytes) -> GridDocument:
        name = Path(path).name
        if is_encrypted_ooxml(data):
            raise ReadError(f"文件已加密（设置了打开密码），无法读取：{name}。请在 Word/WPS 中取消密码后重新保存",
                            ErrorCode.ENCRYPTED)
        exe = find_soffice()
        if exe is None:
            raise ReadError(NEED_LIBREOFFICE, ErrorCode.NEEDS_LIBREOFFICE)
        with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
            tmpdir = Path(tmp)
            src = tmpdir / ("input" + _input_suffix(path, data))
            src.write_bytes(data)
            outdir = tmpdir / "out"
            outdir.mkdir()
            profile = tmpdir / "profile"
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                   "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                   "--convert-to", "docx", "--outdir", str(outdir), str(src)]
            _run(cmd, name, tmpdir)
            produced = outdir / (src.stem + ".docx")
            if not produced.is_file() or produced.stat().st_size == 0:
                raise ReadError(f"LibreOffice 无法转换此文件（文件可能已损坏、已加密或不是 Word/WPS 文档）：{name}")
            converted = produced.read_bytes()
        doc = DocxReader().convert(path, converted)
        doc.format = "doc"
        return doc


def _input_suffix(path: Path, data: bytes) -> str:
    """A suffix LibreOffice recognises: the content decides, the extension refines."""
    ext = Path(path).suffix.lower()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return ".rtf"
    if data.startswith(b"PK\x03\x04"):
        return ".odt"
    if ext in (".doc", ".dot", ".wps", ".wpt"):
        return ext
    return ".doc"


def _run(cmd: list[str], name: str, tmpdir: Path) -> None:
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                cwd=tmpdir, env=env, start_new_session=True)
    except OSError as e:
        raise ReadError(f"无法启动 LibreOffice（{e}）。{NEED_LIBREOFFICE}", ErrorCode.NEEDS_LIBREOFFICE) from None
    try:
        proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # our own process group only
        except ProcessLookupError:
            pass
        proc.communicate()
        raise ReadError(f"LibreOffice 转换超时（超过 {TIMEOUT_S} 秒），已放弃：{name}", ErrorCode.TIMEOUT) from None
