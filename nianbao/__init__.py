"""nianbao: read, audit, aggregate and write China's 政府信息公开工作年度报告.

The package is layered:

- ``nianbao.readers``: each published form (text, HTML, DOCX, PDF, scans) becomes one
  ``GridDocument`` (paragraphs and tables of cells with spans and source positions);
- ``nianbao.extract``: a ``GridDocument`` becomes a ``Report`` (sections, metadata, every
  table cell with its value semantics, matched label and provenance);
- ``nianbao.audit``, ``nianbao.store``, ``nianbao.compose``: checks, the embedded
  database, and writing reports in the national format;
- ``nianbao.cli`` and ``nianbao.web``: thin front ends over the same core.
"""

__version__ = "0.1.0"
