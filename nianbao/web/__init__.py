"""Web front end: a thin FastAPI application over the same core as the CLI.

Owns ``nianbao.web``: ``app.create_app()`` (routes and pages), ``batch`` (processing
uploaded files in memory, the LRU of finished batches), ``security`` (CSP and other
headers, request size limit, RFC 5987 file names) and ``templates/`` (Jinja2, autoescape
on, Chinese UI, inline CSS only — no scripts, no external resources).

Run it with ``nianbao web`` (``--host 127.0.0.1 --port 8000``) or
``uvicorn --factory nianbao.web.app:create_app``. Needs the ``web`` extra.
"""
from __future__ import annotations


def create_app(*args, **kwargs):
    from .app import create_app as _create
    return _create(*args, **kwargs)


__all__ = ["create_app"]
