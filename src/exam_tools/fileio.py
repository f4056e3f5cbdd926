"""Writing files all-or-nothing: a reader never sees half a file, a failure leaves the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from exam_tools.errors import FormatError


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: bytes | str, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the permissions a plainly created file would (``0o666`` less the umask), not
    the temporary file's 0600, so a colleague or the hub's grader can read an export. A
    ``private`` file (an answer key) stays readable by its owner only, whatever the umask.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        Path(tmp).chmod(0o600 if private else 0o666 & ~current_umask())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def decode_text(data: bytes) -> str:
    """Text files from Chinese Windows machines are often GB18030 (GBK); accept both and a BOM."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FormatError(
            "文件不是文本文件（既不是 UTF-8 也不是 GBK 编码），请检查文件格式"
        ) from None
