"""nianbao: read, audit, aggregate and write China's 政府信息公开工作年度报告.

The package is layered:

- ``nianbao.readers``: each published form (text, HTML, DOCX, PDF, scans) becomes one
  ``GridDocument`` (paragraphs and tables of cells with spans and source positions);
- ``nianbao.extract``: a ``GridDocument`` becomes a ``Report`` (sections, metadata, every
  table cell with its value semantics, matched label and provenance);
- ``nianbao.audit``, ``nianbao.store``, ``nianbao.compose``: checks, the embedded
  database, and writing reports in the national format;
- ``nianbao.core``: the one unit of work — ``process(file)`` / ``process_many(files)``
  read, extract and audit under the per-file guard (``nianbao.guard``), giving an
  ``Outcome`` or a typed ``NianbaoError``;
- ``nianbao.cli`` and ``nianbao.web``: thin front ends over the same core.
"""
from .core import Outcome, process, process_many
from .errors import NianbaoError
from .guard import Limits

__version__ = "0.1.0"

__all__ = ["process", "process_many", "Outcome", "NianbaoError", "Limits", "__version__"]
