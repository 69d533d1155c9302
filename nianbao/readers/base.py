"""Reader contract: one small class per input format.

Each reader turns the bytes of one file into a ``GridDocument``. A reader raises
``ReadError`` (a message in Chinese saying what is wrong) for input it cannot read; it
never returns partial guesses silently (it adds ``GridDocument.warnings`` instead).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import NianbaoError
from ..grid import GridDocument


class ReadError(NianbaoError):
    """A file that a reader cannot read. ``str(err)`` is a user-facing Chinese message;
    ``code`` says why (default ``corrupt``)."""


class Limits:
    """Resource limits applied by every reader (hostile input, see issue 5)."""
    max_file_bytes = 200 * 1024 * 1024       # any input file
    max_text_chars = 20 * 1024 * 1024        # decoded text / HTML
    max_zip_members = 2000                   # DOCX parts
    max_zip_uncompressed = 300 * 1024 * 1024 # DOCX total uncompressed size
    max_zip_ratio = 200                      # DOCX compression ratio (zip bomb guard)
    max_pdf_pages = 300
    max_table_cells = 200_000


class Reader:
    """Base class. Subclasses set ``name`` and ``extensions`` and implement the methods."""
    name: str = ""
    extensions: tuple[str, ...] = ()

    @classmethod
    def supported_formats(cls) -> tuple[str, ...]:
        return cls.extensions

    @classmethod
    def is_valid(cls, path: Path, head: bytes) -> bool:
        """True when the file looks like this format (by content first, then extension)."""
        raise NotImplementedError

    def convert(self, path: Path, data: bytes) -> GridDocument:
        raise NotImplementedError
