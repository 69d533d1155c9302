"""Rule base class and the registry of all rules.

Owns: ``Rule`` (a small class with ``code``, ``severity``, ``family``, ``title``,
``description``, ``basis``, ``channel`` (report / reading), ``handles`` (the extractor
note codes, ``nianbao.vocab.NoteCode``, this rule turns into findings: every code is
handled by exactly one rule) and ``check(report) -> list[Finding]``), the ``register``
decorator, the ordered ``REGISTRY`` and ``note_handlers()`` (note code → rule). One module per family registers its rules
here; ``nianbao.audit.run`` runs them all.
"""
from __future__ import annotations

from typing import Any

from ...model import Report
from ..finding import FAIL, READING, REPORT, Finding

REGISTRY: dict[str, "Rule"] = {}


class Rule:
    code: str = ""
    severity: str = "error"
    family: str = ""            # identities | domain | structure | labels | text | rubric | plausibility
    group: str = "meta"         # display group of its findings (finding.GROUPS)
    title: str = ""             # short Chinese name
    description: str = ""       # what it checks (Chinese)
    basis: str = ""             # legal or format basis (Chinese)
    also_emits: tuple[str, ...] = ()   # further codes this class reports under
    channel: str = REPORT               # report (the unit must fix it) | reading (需人工核对)
    handles: tuple[str, ...] = ()       # extractor note codes (NoteCode) turned into findings here

    def check(self, report: Report) -> list[Finding]:  # pragma: no cover - interface
        raise NotImplementedError

    def finding(self, where: str, message: str, *, severity: str | None = None, status: str = FAIL,
                group: str | None = None, code: str | None = None, channel: str | None = None,
                **kw: Any) -> Finding:
        ch = channel or self.channel
        grp = "reading" if ch == READING else (group or self.group)
        return Finding(rule=code or self.code, where=where, severity=severity or self.severity,
                       status=status, message=message, group=grp, channel=ch, **kw)


def register(cls: type[Rule]) -> type[Rule]:
    inst = cls()
    if inst.code in REGISTRY:
        raise ValueError(f"duplicate rule code {inst.code}")
    REGISTRY[inst.code] = inst
    return cls


def rules() -> list[Rule]:
    from . import load_all
    load_all()
    return list(REGISTRY.values())


def note_handlers() -> dict[str, list[str]]:
    """Note code → codes of the rules that declare they handle it (exactly one each)."""
    out: dict[str, list[str]] = {}
    for r in rules():
        for code in r.handles:
            out.setdefault(str(code), []).append(r.code)
    return out
