"""The closed vocabularies of nianbao: every code that crosses a module boundary.

Owns the enums for note codes (what the extractor tells the auditor), value kinds (the
semantics of a printed cell), format versions, finding severities and statuses, and the
error codes of files that cannot be processed. They are ``StrEnum``: a member is its
string (JSON, DuckDB and the cell contract see plain strings), and a typo in code is an
``AttributeError`` instead of a silently unmatched string.
"""
from __future__ import annotations

from enum import StrEnum


class NoteCode(StrEnum):
    """What the extractor observed; each code is handled by exactly one audit rule
    (``nianbao.audit.rules`` declares which, and a test checks it)."""
    # reading problems (the document could not be read with certainty)
    READER_WARNING = "reader-warning"
    TABLES_UNREADABLE = "tables-unreadable"
    OCR_LOW_CONFIDENCE = "ocr-low-confidence"
    AMBIGUOUS_CELLS = "ambiguous-cells"
    SHIFTED_COLUMNS = "shifted-columns"
    COLUMN_ORDER = "column-order"
    UNKNOWN_ROW = "unknown-row"
    DUPLICATE_ROW = "duplicate-row"
    EXTRA_CELL = "extra-cell"
    INFERRED_CELLS = "inferred-cells"
    # what the report prints (or does not)
    TABLE_MISSING = "table-missing"
    MISSING_ROW = "missing-row"
    OTHER_SINGLE_ROW = "other-single-row"
    SPLIT_LABEL = "split-label"
    TITLE_MISSING = "title-missing"
    AGENCY_INFERRED = "agency-inferred"
    YEAR_INFERRED = "year-inferred"
    PRE2019 = "pre2019"
    NOT_A_REPORT = "not-a-report"
    EXTRA_SECTION = "extra-section"


class ValueKind(StrEnum):
    """The semantics of one cell as printed (shared/spec/cells.md: blank is not 0)."""
    NUMBER = "number"          # a printed number other than zero
    ZERO = "zero"              # a printed zero
    BLANK = "blank"            # an empty cell
    NA = "na"                  # a not-applicable mark: / - — 无 不适用
    UNREADABLE = "unreadable"  # text that is not a number (or OCR that could not be read)
    ABSENT = "absent"          # the cell is not in the document at all
    INFERRED = "inferred"      # digits printed run together, split by the identities


class FormatVersion(StrEnum):
    V2021 = "2021"             # 国办公开办函〔2021〕30号
    V2019 = "2019"             # 国办公开办函〔2019〕60号
    PRE2019 = "pre2019"        # free-form reports before the national tables


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FindingStatus(StrEnum):
    FAIL = "fail"
    NOT_ASSESSABLE = "not-assessable"


class ErrorCode(StrEnum):
    """Why a file produced no report (``nianbao.errors.NianbaoError.code``)."""
    NOT_FOUND = "not-found"
    UNREADABLE_FILE = "unreadable-file"     # the OS refused (permissions, a directory, I/O)
    EMPTY = "empty"
    FILE_TOO_LARGE = "file-too-large"
    UNSUPPORTED_FORMAT = "unsupported-format"
    ENCRYPTED_PDF = "encrypted-pdf"
    ENCRYPTED = "encrypted"                 # a Word/WPS document with an opening password
    NEEDS_OCR = "needs-ocr"
    NEEDS_LIBREOFFICE = "needs-libreoffice"
    NOT_A_REPORT = "not-a-report"
    CORRUPT = "corrupt"
    TOO_DEEP = "too-deep"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    WORKER_CRASH = "worker-crash"
    INTERNAL = "internal"                   # a bug in nianbao: the file is kept, the batch goes on


__all__ = ["NoteCode", "ValueKind", "FormatVersion", "Severity", "FindingStatus", "ErrorCode"]
