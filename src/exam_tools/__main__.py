"""``python -m exam_tools`` runs the command line."""

from exam_tools.cli import main

main()
