"""Members' homes and the exam service's database: one member must not fill the disk the answers
are saved on (issue 18).

Two things guard it. Each member's server and kernels may write no file larger than
``member.file_size_limit`` (RLIMIT_FSIZE, :class:`exam_tools.hub.spawner.MemberSpawner`). And
``hub init`` and ``hub users`` warn when the members' homes and the service's database share a
filesystem: per-member quotas need the filesystem mounted with quotas, which this tool does not
do; a database on its own partition (``exam_service.db``), or ext4 blocks reserved for the
service's group (``tune2fs -g``), leaves the service room when the members' disk is full.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def device(path: Path) -> int | None:
    """The filesystem (``st_dev``) ``path`` is on, or would be on once made; None if unknown."""
    for p in (path, *path.parents):
        try:
            return p.stat().st_dev
        except OSError:
            continue
    return None


def shared_disk_warning(cfg: Mapping[str, Any]) -> str | None:
    """A warning in Chinese when members' homes and the service's database share a filesystem."""
    from exam_tools.hub import examservice

    if not examservice.enabled(cfg):
        return None
    homes = Path(cfg["users"]["home_base"])
    db = examservice.db_path(cfg)
    dev = device(homes)
    if dev is None or dev != device(db.parent):
        return None
    group = examservice.settings(cfg)["user"]
    return (
        f"党员主目录（{homes}）和考试服务的数据库（{db}）在同一个文件系统上：有人写满硬盘时，"
        f"答案也存不进去。每人单个文件已限制在 {cfg['member']['file_size_limit']} 以内；"
        f"建议在 config.yaml 的 exam_service.db 指向另一个分区上的文件，或给考试服务的组留出"
        f"保留空间（ext4：tune2fs -m 5 -g {group} 分区设备）"
    )
