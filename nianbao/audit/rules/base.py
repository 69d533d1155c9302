"""Rule base class and the registry of all rules.

Owns: ``Rule`` (a small class with ``code``, ``severity``, ``family``, ``title``,
``description``, ``basis`` and ``check(report) -> list[Finding]``), the ``register``
decorator and the ordered ``REGISTRY``. One module per family registers its rules
here; ``nianbao.audit.run`` runs them all.
"""
from __future__ import annotations

from typing import Any

from ...model import Report
from ..finding import FAIL, Finding

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

    def check(self, report: Report) -> list[Finding]:  # pragma: no cover - interface
        raise NotImplementedError

    def finding(self, where: str, message: str, *, severity: str | None = None, status: str = FAIL,
                group: str | None = None, code: str | None = None, **kw: Any) -> Finding:
        return Finding(rule=code or self.code, where=where, severity=severity or self.severity,
                       status=status, message=message, group=group or self.group, **kw)


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
