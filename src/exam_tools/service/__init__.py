"""The exam service on the hub (issue 12): the clock, the attempts and the answers of every exam.

- :mod:`.rules`: the rules (deadline, grace, attempts, ownership, sizes), pure functions;
- :mod:`.store`: the service's SQLite database (WAL);
- :mod:`.server`: thin tornado handlers, authenticated by JupyterHub (``HubAuth``);
- :mod:`.client` and :mod:`.quiz`: the member's quiz talking to it, with a local queue;
- :mod:`.export`: instructors' side: the nbgrader submitted layout, records for 我的档案.
"""
