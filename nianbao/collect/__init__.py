"""Collecting reports from government websites (``nianbao collect``).

A reviewing office finds its units' reports on their websites, in each site's
政府信息公开年报 column. This package walks those columns politely and resumably and
saves every report as it was served, with a manifest of where each came from.

Modules, each owning one concern:

- ``fetch``: the polite HTTP client (robots.txt, one request at a time per host,
  delay, timeouts, retries with backoff, size limit, redirects, User-Agent);
- ``meta``: decoding (GBK/GB18030/UTF-8, declared or not), title, publish date,
  Content-Disposition file names, saved-file suffixes;
- ``links``: links of a page, report/attachment/pagination classification, the kind
  of a page (report, wrapper around an attachment, column);
- ``manifest``: the JSON Lines manifest and the durability rules (fsync, torn lines,
  compaction) that make a run resumable after ``kill -9``;
- ``run``: the walk itself (``collect(urls, CollectOptions(...))``);
- ``store``: ``--db``: ingesting the saved reports, the ``collect_manifest`` table,
  start URLs from the units table.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

# The public names, loaded on first use (PEP 562): ``nianbao.collect.defaults`` and the CLI
# must not pay for the HTTP client and the HTML parser.
_EXPORTS = {"FetchConfig": "fetch", "FetchError": "fetch", "PoliteClient": "fetch", "RobotsDisallowed": "fetch",
            "MANIFEST_NAME": "manifest", "Entry": "manifest", "Manifest": "manifest",
            "CollectOptions": "run", "CollectResult": "run", "Collector": "run", "collect": "run"}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
