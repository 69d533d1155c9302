"""Audit rules, one module per family; each rule registers itself in ``base.REGISTRY``.

Families: identities (the fixed 勾稽 codes), domain (value domain), structure
(sections, tables, format), labels (wording vs the standard), text_tables (text vs
tables), rubric (evaluator items), plausibility (soft checks of format.md §5.3).
"""
from __future__ import annotations

import importlib

from .base import REGISTRY, Rule, register, rules

FAMILIES = ("identities", "domain", "structure", "labels", "text_tables", "rubric", "plausibility")


def load_all() -> None:
    for fam in FAMILIES:
        importlib.import_module(f"{__name__}.{fam}")


__all__ = ["REGISTRY", "Rule", "register", "rules", "load_all", "FAMILIES"]
