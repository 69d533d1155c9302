"""Input discovery: expand files and directories into the report files to process."""
from __future__ import annotations

import re
from pathlib import Path

REPORT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".pdf", ".doc",
                   ".wps", ".rtf", ".odt", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


# A directory of reports often carries its own documentation: not reports.
_IGNORED = re.compile(r"^(?:README|LICENSE|CHANGELOG|CONTRIBUTING)(?:\.|$)", re.I)


def expand_inputs(paths) -> list[Path]:
    """Files as given (kept in order, even if missing: the reader reports it); a
    directory contributes its report files, sorted, skipping answer keys and hidden files."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if (f.is_file() and f.suffix.lower() in REPORT_SUFFIXES and not f.name.startswith(".")
                        and not f.name.endswith(".truth.json") and not _IGNORED.match(f.name)):
                    out.append(f)
        else:
            out.append(p)
    return out
