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

from .fetch import FetchConfig, FetchError, PoliteClient, RobotsDisallowed
from .manifest import MANIFEST_NAME, Entry, Manifest
from .run import CollectOptions, CollectResult, Collector, collect

__all__ = ["collect", "CollectOptions", "CollectResult", "Collector", "FetchConfig", "FetchError",
           "PoliteClient", "RobotsDisallowed", "Manifest", "Entry", "MANIFEST_NAME"]
