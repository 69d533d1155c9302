"""Audit rules, one module per family; each rule registers itself in ``base.REGISTRY``.

Families: identities (the fixed 勾稽 codes), domain (value domain), structure
(sections, tables, format), labels (wording vs the standard), text_tables (text vs
tables), rubric (evaluator items), plausibility (soft checks of format.md §5.3), and
the cross-report rules of ``nianbao.audit.series`` (metadata only; their checks need two
reports).
"""
from __future__ import annotations

import importlib

from .base import REGISTRY, Rule, note_handlers, register, rules

FAMILIES = ("identities", "domain", "structure", "labels", "text_tables", "rubric", "plausibility")


def load_all() -> None:
    for fam in FAMILIES:
        importlib.import_module(f"{__name__}.{fam}")
    importlib.import_module("nianbao.audit.series")


__all__ = ["REGISTRY", "Rule", "register", "rules", "load_all", "note_handlers", "FAMILIES"]
