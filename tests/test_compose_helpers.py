"""Helpers for the composer tests (no tests here): read a DOCX's tables back from its XML, with spans."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


@dataclass
class XCell:
    text: str
    row: int
    col: int
    colspan: int
    vmerge: str | None      # None | "restart" | "continue"
    rowspan: int = 1


def _text(tc) -> str:
    paras = []
    for p in tc.findall("w:p", NS):
        parts = []
        for el in p.iter():
            if el.tag == f"{{{W}}}t":
                parts.append(el.text or "")
            elif el.tag in (f"{{{W}}}br", f"{{{W}}}cr"):
                parts.append("\n")
        paras.append("".join(parts))
    return "\n".join(paras)


def docx_xml(data: bytes | Path) -> etree._Element:
    if isinstance(data, (str, Path)):
        data = Path(data).read_bytes()
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


def docx_tables(data: bytes | Path) -> list[list[XCell]]:
    """Every table as its origin cells with rowspan (from vMerge) and colspan (gridSpan)."""
    root = docx_xml(data)
    out = []
    for tbl in root.iter(f"{{{W}}}tbl"):
        cells: list[XCell] = []
        for r, tr in enumerate(tbl.findall("w:tr", NS)):
            col = 0
            for tc in tr.findall("w:tc", NS):
                pr = tc.find("w:tcPr", NS)
                span, vm = 1, None
                if pr is not None:
                    gs = pr.find("w:gridSpan", NS)
                    if gs is not None:
                        span = int(gs.get(f"{{{W}}}val"))
                    v = pr.find("w:vMerge", NS)
                    if v is not None:
                        vm = v.get(f"{{{W}}}val") or "continue"
                cells.append(XCell(_text(tc), r, col, span, vm))
                col += span
        # fold vertical merges into their origin cell
        origin = {}
        result = []
        for c in cells:
            if c.vmerge == "continue":
                o = origin[c.col]
                o.rowspan += 1
                continue
            origin[c.col] = c
            result.append(c)
        out.append(result)
    return out


def at(cells: list[XCell], row: int, col: int) -> XCell:
    return next(c for c in cells if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan)


def as_float(d: dict) -> dict:
    return {k: (float(v) if isinstance(v, Decimal) else v) for k, v in d.items()}
