"""The canonical model of one report: what the extractor produces and everything
downstream (auditor, store, composer, exports) consumes.

Owns: ``CellValue`` (a printed value with semantics, matched label and provenance),
``Section``, ``Note`` (a structured extraction observation for the auditor) and
``Report``. Keys follow shared/spec/cells.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .grid import Source
from .normalize import KIND_ABSENT, KIND_NUMBER, KIND_ZERO

FORMAT_2021 = "2021"
FORMAT_2019 = "2019"
FORMAT_PRE2019 = "pre2019"


@dataclass(slots=True)
class CellValue:
    key: str
    value: int | float | None          # what the document prints; None unless a number
    kind: str = KIND_ABSENT            # number | zero | blank | na | unreadable | absent
    raw: str | None = None             # the printed text of the cell
    label: str | None = None           # the row label as printed
    column_label: str | None = None    # the column label as printed, when known
    variant: str | None = None         # "canonical", the variant matched, or "keyword:…"/"fuzzy:…"
    source: Source | None = None
    confidence: float = 1.0            # < 1 when the reading is uncertain (OCR, ambiguous layout)

    @property
    def is_number(self) -> bool:
        return self.kind in (KIND_NUMBER, KIND_ZERO)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "value": self.value, "kind": self.kind, "raw": self.raw,
             "label": self.label, "column_label": self.column_label, "variant": self.variant,
             "confidence": self.confidence}
        if self.source is not None:
            d["source"] = self.source.to_dict()
        return d


@dataclass(slots=True)
class Note:
    """Something the extractor saw that the auditor should know about.

    Codes: extra-cell, missing-cell, blank-cell, label-variant, label-fuzzy, shifted-columns,
    other-single-row, split-label, table-missing, tables-unreadable, section-missing,
    title-missing, agency-inferred, year-inferred, ambiguous-cells, unknown-row, ocr-low-confidence.
    """
    code: str
    message: str                       # Chinese
    where: str = ""                    # table / row key / section key
    keys: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    source: Source | None = None
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        d = {"code": self.code, "where": self.where, "message": self.message, "keys": self.keys,
             "evidence": self.evidence, "confidence": self.confidence}
        if self.source is not None:
            d["source"] = self.source.to_dict()
        return d


# ``Section.variant`` of a section printed without its heading, opened by its first sub-heading
SECTION_IMPLIED = "implied"


@dataclass(slots=True)
class Section:
    key: str                           # s1_overview … s6_other (pre2019: p_*)
    title: str | None                  # the heading as printed (None: no heading found)
    text: str = ""                     # the section's paragraphs, joined by newlines
    ordinal: str = ""                  # the printed ordinal (一、 / 1、 / （一）)
    variant: str | None = None         # "canonical" or the variant matched
    source: Source | None = None
    index: int = -1                    # order of appearance

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "title": self.title, "ordinal": self.ordinal, "variant": self.variant,
             "text": self.text, "index": self.index}
        if self.source is not None:
            d["source"] = self.source.to_dict()
        return d


@dataclass(slots=True)
class Report:
    source: str
    format_version: str | None = None  # "2021" | "2019" | "pre2019" | None (not recognised)
    agency: str | None = None
    agency_basis: str | None = None    # title | html-title | preamble | …
    year: int | None = None
    year_basis: str | None = None
    title: str | None = None
    publish_date: str | None = None
    input_format: str | None = None    # text | html | docx | pdf | ocr
    preamble: str = ""
    sections: dict[str, Section] = field(default_factory=dict)
    cells: dict[str, CellValue] = field(default_factory=dict)
    tables_found: dict[str, bool] = field(default_factory=dict)   # t2 / t3 / t4
    notes: list[Note] = field(default_factory=list)
    pre2019_items: list[dict[str, Any]] = field(default_factory=list)
    full_text: str = ""

    def values(self) -> dict[str, int | float | None]:
        """Key → printed value (None for blank / NA / unreadable / absent)."""
        return {k: c.value for k, c in self.cells.items()}

    def note(self, code: str, message: str, **kw) -> Note:
        n = Note(code=code, message=message, **kw)
        self.notes.append(n)
        return n

    def cells_record(self) -> dict[str, Any]:
        """The `extract --cells` line of shared/spec/cells.md."""
        return {"source": self.source, "format_version": self.format_version, "agency": self.agency,
                "year": self.year, "cells": self.values()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "format_version": self.format_version, "agency": self.agency,
            "agency_basis": self.agency_basis, "year": self.year, "year_basis": self.year_basis,
            "title": self.title, "publish_date": self.publish_date, "input_format": self.input_format,
            "preamble": self.preamble,
            "sections": {k: s.to_dict() for k, s in self.sections.items()},
            "tables_found": self.tables_found,
            "cells": {k: c.to_dict() for k, c in self.cells.items()},
            "notes": [n.to_dict() for n in self.notes],
            "pre2019_items": self.pre2019_items,
        }
