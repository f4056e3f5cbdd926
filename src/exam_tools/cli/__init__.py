"""The ``exam-tools`` command. Thin: parses options, calls the library, prints results.

Domain errors (:class:`~exam_tools.errors.ExamToolsError`) become one-line Chinese messages on
stderr with exit status 1; nobody using the command ever sees a traceback for bad input.
"""

from __future__ import annotations

from exam_tools.cli.main import cli, main

__all__ = ["cli", "main"]
