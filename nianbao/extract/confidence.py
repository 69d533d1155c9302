"""Reading confidence of cells: from the grid onto the report, and the notes it calls for.

Owns ``flag_low_confidence(report, doc)``, the last step of the extraction pipeline, for
every input format alike: a reader that is not sure of a cell's text (today OCR) sets
``GridCell.confidence``; here each extracted cell is matched to the grid cell it was read
from (by its ``Source``), its ``CellValue.confidence`` is kept at most the grid's, and
every cell read with a confidence under ``grid.LOW_CONFIDENCE`` (the one threshold, with
its reason, shared with the readers) gets an ``ocr-low-confidence`` note keyed to it: a
doubtful value is a finding to check against the original, never taken silently.
"""
from __future__ import annotations

from ..grid import LOW_CONFIDENCE, GridDocument, Source
from ..model import Note, Report
from ..vocab import NoteCode, ValueKind

_SourceKey = tuple[str, int | None, int | None, int | None, int | None, int | None,
                   tuple[float, float, float, float] | None]


def _key(s: Source) -> _SourceKey:
    return (s.file, s.page, s.line, s.table, s.row, s.col, s.bbox)


def grid_confidences(doc: GridDocument) -> dict[_SourceKey, float]:
    """Where the reader gave a confidence: the grid cell's source → its confidence (the
    lowest, should two cells share a source)."""
    out: dict[_SourceKey, float] = {}
    for table in doc.tables:
        for cell in table.cells:
            if cell.confidence is None or cell.source is None:
                continue
            k = _key(cell.source)
            out[k] = min(cell.confidence, out.get(k, 1.0))
    return out


def flag_low_confidence(report: Report, doc: GridDocument, threshold: float = LOW_CONFIDENCE) -> list[Note]:
    """Carry the grid's confidence onto ``report.cells`` and add a keyed
    ``ocr-low-confidence`` note for every cell read with a confidence under
    ``threshold`` (a doubtful value, or a blank with ink nothing was read from).
    Returns the notes added."""
    confidences = grid_confidences(doc)
    if not confidences:
        return []
    notes: list[Note] = []
    for key, cv in report.cells.items():
        if cv.kind == ValueKind.ABSENT or cv.source is None:
            continue
        read = confidences.get(_key(cv.source))
        if read is None:
            continue
        cv.confidence = min(cv.confidence, read)
        if read >= threshold:
            continue
        where = cv.source.describe()
        label = cv.label or key
        raw = (cv.raw or "").strip()
        if cv.value is None and not raw:
            msg = f"“{label}”的单元格有字迹但 OCR 未能识别（{where}），请核对原件"
        else:
            msg = f"“{label}”的值“{raw}”由 OCR 识别，置信度低（{read:.2f}，{where}），请核对原件"
        notes.append(report.note(NoteCode.OCR_LOW_CONFIDENCE, msg, where=".".join(key.split(".")[:-1]), keys=[key],
                                 source=cv.source, confidence=cv.confidence,
                                 evidence={"raw": cv.raw, "confidence": round(read, 3)}))
    return notes


__all__ = ["flag_low_confidence", "grid_confidences", "LOW_CONFIDENCE"]
