"""The defaults of ``nianbao collect`` that the command line shows (no imports: the CLI
reads them without loading the HTTP client)."""
from __future__ import annotations

DEFAULT_DELAY = 1.0              # s between two requests to the same host (the default)
DEFAULT_TIMEOUT = 30.0           # s to wait for the server between bytes (read timeout)
DEFAULT_RETRIES = 3              # further attempts after a 5xx, a timeout or a network error
DEFAULT_BACKOFF = 1.0            # s before the first retry; doubled for each further one
DEFAULT_MAX_BYTES = 100 * 1024 * 1024   # one response; scanned reports as PDF reach tens of MB
DEFAULT_MAX_PAGES = 50           # list pages per start URL: 50 pages × 20 links covers any one unit's column
