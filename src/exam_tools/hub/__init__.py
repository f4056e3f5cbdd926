"""Running exam-tools for many members on a real JupyterHub.

- :mod:`~exam_tools.hub.config`: the one YAML file merged over defaults (pure);
- :mod:`~exam_tools.hub.jhconfig`: ``update_*`` functions setting JupyterHub traits, and the hooks;
- :mod:`~exam_tools.hub.files`: the generated Jupyter config files (pure);
- :mod:`~exam_tools.hub.accounts`, :mod:`~exam_tools.hub.cards`: login names, passwords, 登录卡;
- :mod:`~exam_tools.hub.system`, :mod:`~exam_tools.hub.setup`: Unix accounts and folders (root);
- :mod:`~exam_tools.hub.logins`: the login → roster id map (``DIR/accounts.json``, root's);
- :mod:`~exam_tools.hub.pam`, :mod:`~exam_tools.hub.throttle`, :mod:`~exam_tools.hub.pamauth`: PAM
  settings (pam_faillock for the hub and ``su``), login pacing, and the authenticator using both;
- :mod:`~exam_tools.hub.client`, :mod:`~exam_tools.hub.localhub`: an HTTP client that uses a hub as a
  browser does, and a throwaway localhost hub, for tests and benchmarks/bench_hub.py.
"""
