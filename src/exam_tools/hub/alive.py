"""``/hub/exam-tools/alive``: JupyterHub's tornado imports this by name (it imports JupyterHub, so
nothing else does); see :mod:`exam_tools.hub.session`."""

from exam_tools.hub.session import make_alive_handler

AliveHandler = make_alive_handler()
