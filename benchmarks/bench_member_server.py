"""What one member's single-user server costs at start: every server extension of the hub's venv
(as members' servers ran before) against the member configuration ``hub init`` writes (Voilà
only). Prints, per configuration and run: seconds until the server answers, CPU-seconds spent, RSS
and PSS (PSS shares library pages fairly between processes, so it adds up across members).

    /opt/exam-tools-hub/bin/python benchmarks/bench_member_server.py [--runs 3] [--port 18390]

Runs a plain ``jupyter server`` from the hub's venv on localhost (no hub, no kernel); the page's
kernel is measured by benchmarks/bench_hub.py on a real hub.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from exam_tools.hub.config import load_config  # noqa: E402  (the checkout's src, put first above)
from exam_tools.hub.files import GRADER_ONLY, member_server_config  # noqa: E402


def start(server_app: dict[str, object], port: int) -> tuple[float, float, float, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-member-"))
    config = {"ServerApp": {**server_app, "token": "", "open_browser": False, "port": port,
                            "ip": "127.0.0.1", "allow_root": True, "root_dir": str(folder)}}  # fmt: skip
    (folder / "jupyter_server_config.json").write_text(json.dumps(config))
    bindir = Path(sys.executable).parent
    began = time.monotonic()
    proc = subprocess.Popen([str(bindir / "jupyter-server"),
                             f"--config={folder / 'jupyter_server_config.json'}"],
                            env={**os.environ, "JUPYTER_CONFIG_DIR": str(folder), "PYTHONPATH": str(SRC)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)  # fmt: skip
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - began > 120:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.05)
        ready = time.monotonic() - began
        stat = Path(f"/proc/{proc.pid}/stat").read_text().split()
        cpu = (int(stat[13]) + int(stat[14])) / os.sysconf("SC_CLK_TCK")
        rollup = Path(f"/proc/{proc.pid}/smaps_rollup").read_text().splitlines()[1:]
        kib = {line.split()[0]: int(line.split()[1]) for line in rollup}
        return ready, cpu, kib["Rss:"] / 1024, kib["Pss:"] / 1024
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=18390)
    args = parser.parse_args()
    member = member_server_config(load_config(None))["ServerApp"]
    configs = {
        "every extension (before)": {"jpserver_extensions": dict.fromkeys(GRADER_ONLY, False)},
        "members' config (Voilà only)": member,
    }
    print(f"member server start, {args.runs} runs each, load {os.getloadavg()[0]:.1f}")
    for name, server_app in configs.items():
        runs = [start(server_app, args.port) for _ in range(args.runs)]
        ready, cpu, rss, pss = (statistics.median(r[i] for r in runs) for i in range(4))
        print(f"  {name:30} ready {ready:5.1f} s  CPU {cpu:4.2f} s  "
              f"RSS {rss:4.0f} MiB  PSS {pss:4.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
