"""Typed errors: why a file produced no report.

Owns ``NianbaoError`` — one base class with a stable ``code`` (``nianbao.vocab.ErrorCode``)
and a user-facing Chinese message — and the messages of the failures that happen
outside any reader (time limit, memory limit, a worker that died, a bug). Callers branch
on ``code``, never on message text; the store's ``errors`` table, the JSON outputs and
the web app carry both. Shaped after docling's typed input rejections.
"""
from __future__ import annotations

from typing import Any

from .vocab import ErrorCode


class NianbaoError(Exception):
    """A file that could not be processed. ``str(err)`` is the Chinese message."""

    default_code: ErrorCode = ErrorCode.CORRUPT

    def __init__(self, message: str, code: ErrorCode | str | None = None):
        super().__init__(message)
        self.message = message
        self.code = ErrorCode(code) if code is not None else self.default_code

    def __reduce__(self) -> tuple[Any, ...]:     # survives the pipe from a worker process
        return (type(self), (self.message, self.code))

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}


def timeout_error(seconds: float) -> NianbaoError:
    return NianbaoError(f"处理超时（超过 {seconds:g} 秒），已跳过。可用 --timeout 放宽时限", ErrorCode.TIMEOUT)


def memory_error(mem_mb: int | None) -> NianbaoError:
    limit = f"超过 {mem_mb} MB" if mem_mb else "内存不足"
    return NianbaoError(f"内存超限（{limit}），已跳过。可用 --max-memory-mb 放宽上限", ErrorCode.MEMORY)


def crash_error(exit_code: int | None) -> NianbaoError:
    return NianbaoError(f"处理该文件时工作进程异常退出（退出码 {exit_code}，可能内存超限或文件触发了解析库错误），已跳过",
                        ErrorCode.WORKER_CRASH)


def internal_error(stage: str, e: BaseException) -> NianbaoError:
    """A bug of nianbao met on this file: the file is reported, the batch goes on."""
    return NianbaoError(f"{stage}时出错，已跳过（{type(e).__name__}: {str(e)[:200]}）", ErrorCode.INTERNAL)


__all__ = ["NianbaoError", "timeout_error", "memory_error", "crash_error", "internal_error"]
