"""Renderers of the national tables: one layout, many output formats.

Owns the ``nianbao.render`` package:

- ``layout``: the official layout of 表二/表三/表四 built once from ``standard.yaml`` —
  a typed grid of header, label and value cells with their spans and cell keys;
- ``html``, ``excel``, ``docx``, ``markdown``, ``terminal``: that grid drawn as an HTML
  ``<table>``, worksheet cells, a Word table, a pipe table and a ``rich`` table.

The auditor's exports, the composer's writers and templates and ``nianbao extract``
all draw their tables through this package; none lays a table out itself.
"""
from __future__ import annotations

from .layout import TABLES, Grid, LayoutCell, Labels, Role, grid, grids

__all__ = ["TABLES", "Grid", "LayoutCell", "Labels", "Role", "grid", "grids"]
