"""A synthetic county for the demo: organisations, a roster, a year of training sessions.

Everything is generated from a seed; people get generated names, never real persons'. Sizes follow
seed 001's city for ``city`` (20 乡镇, 281 村, 46 社区, 189 非公企业, about 12,000 members, 400
sessions, 40,000 attendances) and a small county for ``small``. Proportions of member categories and
roles are those a rural county reports (many growers and older members, one 书记 and a few 班子成员
per village).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = "建国华明红英秀兰志强军平芳春桂兰玉梅海燕丽伟敏静德福勇刚文光金凤永生富贵国庆新民小云东"
TOWN_NAMES = (  # noqa: SIM905  # a line of names reads better than a 20-item literal
    "城关 石桥 花溪 龙潭 白沙 青山 高桥 长乐 新塘 梅林 枫树 双河 黄岭 金盆 杨柳 松柏 竹园 桃源 清水 大坪"
).split()
VILLAGE_WORDS = (  # noqa: SIM905  # as above
    "花王 石门 新屋 上坪 下湾 枫林 茶园 竹山 李家 张家 刘坊 中心 东山 西岭 南岗 北坡 河口 塘边 田心 坳上"
).split()
CATEGORIES = (  # category, share of ordinary members
    ("种养业大户党员", 0.24),
    ("年龄较大党员", 0.30),
    ("工人党员", 0.12),
    ("个体工商户、企业经营者党员", 0.10),
    ("党员经纪人", 0.06),
    ("流动党员", 0.18),
)


@dataclass(frozen=True)
class Scale:
    towns: int
    villages: int
    communities: int
    companies: int
    members: int
    sessions: int


SCALES = {
    "small": Scale(towns=3, villages=12, communities=2, companies=3, members=360, sessions=60),
    "city": Scale(
        towns=20, villages=281, communities=46, companies=189, members=12_000, sessions=400
    ),
}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def roster_rows(scale: Scale, rng: random.Random) -> list[dict[str, Any]]:
    """Roster rows with the roster template's Chinese columns."""
    county = "示范县委"
    towns = [
        f"{TOWN_NAMES[i % len(TOWN_NAMES)]}{'镇' if i % 4 else '乡'}党委"
        for i in range(scale.towns)
    ]
    units: list[tuple[str, str]] = []  # (path, kind)
    for i in range(scale.villages):
        town = towns[i % len(towns)]
        word = VILLAGE_WORDS[(i // len(towns)) % len(VILLAGE_WORDS)]
        suffix = "" if i < len(towns) * len(VILLAGE_WORDS) else str(i)
        units.append((f"{county}/{town}/{word}{suffix}村党支部", "村"))
    for i in range(scale.communities):
        units.append((f"{county}/{towns[i % len(towns)]}/第{i + 1}社区党支部", "社区"))
    for i in range(scale.companies):
        units.append(
            (
                f"{county}/{towns[i % len(towns)]}/{VILLAGE_WORDS[i % 20]}农业发展有限公司{i + 1}党支部",
                "非公企业",
            )
        )
    rows: list[dict[str, Any]] = []
    per_unit = max(3, scale.members // len(units))
    for path, kind in units:
        for k in range(per_unit):
            roles: list[str] = []
            if k == 0:
                roles = ["书记"]
            elif k <= (3 if kind == "村" else 1):
                roles = ["班子成员"] + (["村干部"] if kind == "村" else [])
            if roles and kind in ("村", "社区"):
                category = "村(社区)干部"
            else:
                r, acc = rng.random(), 0.0
                category = CATEGORIES[-1][0]
                for name, share in CATEGORIES:
                    acc += share
                    if r < acc:
                        category = name
                        break
                if kind == "非公企业" and category == "种养业大户党员":
                    category = "工人党员"
            older = category == "年龄较大党员"
            birth = rng.randint(1940, 1960) if older else rng.randint(1962, 2002)
            joined = date(max(birth + 20, 1965), rng.randint(1, 12), 1)
            rows.append(
                {
                    "编号": f"D{len(rows) + 1:05d}",
                    "姓名": _name(rng),
                    "所在党组织": path,
                    "人员类别": category,
                    "职务": "、".join(roles),
                    "出生年份": birth,
                    "入党时间": joined.strftime("%Y-%m"),
                    "党员状态": "预备" if rng.random() < 0.03 else "正式",
                    "是否流动": "是" if category == "流动党员" else "否",
                }
            )
    return rows


SESSION_KINDS = (  # kind, hours (half day 4, full day 8; 集中培训 may last 1-3 days), share
    ("主题党日", (4.0,), 0.3),
    ("党课", (4.0,), 0.2),
    ("集中培训", (8.0, 16.0, 24.0), 0.25),
    ("远程教育", (4.0,), 0.1),
    ("现场观摩", (8.0,), 0.08),
    ("送教下乡", (4.0, 8.0), 0.07),
)
TOPICS = {
    "主题党日": ("学习党章", "重温入党誓词", "志愿服务", "学习条例"),
    "党课": ("党的基本知识", "四议两公开", "基层治理"),
    "集中培训": ("水稻种植技术", "生猪健康养殖", "设施蔬菜栽培", "党员教育管理工作条例"),
    "远程教育": ("远程教育专题课",),
    "现场观摩": ("示范基地观摩",),
    "送教下乡": ("农技专家送教",),
}
COURSE_OF = {"水稻种植技术": "shuidao", "生猪健康养殖": "shengzhu", "设施蔬菜栽培": "shucai",
             "党员教育管理工作条例": "tiaoli", "学习党章": "dangzhang", "四议两公开": "jiceng_zhili"}  # fmt: skip


def sessions_and_attendance(
    year: int,
    members: list[dict[str, Any]],
    orgs: dict[str, dict[str, Any]],
    scale: Scale,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Sessions held by 乡镇 (open to everyone below) with who attended and for how long."""
    towns = [o for o in orgs.values() if o["kind"] == "乡镇"]
    under: dict[str, list[dict[str, Any]]] = {t["path"]: [] for t in towns}
    for m in members:
        for path in under:
            if m["org_path"].startswith(path + "/"):
                under[path].append(m)
    weights = [w for _k, _h, w in SESSION_KINDS]
    out = []
    target_attendance = scale.members * 3.4  # seed 001: about 40,000 attendances for 12,000 members
    per_session = max(5, int(target_attendance / scale.sessions))
    for i in range(scale.sessions):
        town = towns[i % len(towns)]
        kind, choices, _w = rng.choices(SESSION_KINDS, weights=weights)[0]
        hours = rng.choice(choices)
        title = rng.choice(TOPICS[kind])
        day = date(year, 1, 1) + timedelta(days=rng.randint(0, 350))
        pool = under[town["path"]]
        present = []
        for m in rng.sample(pool, min(len(pool), per_session)):
            if m["是否流动"] == "是" and kind != "远程教育" and rng.random() < 0.7:
                continue  # away from home
            left_early = rng.random() < 0.05
            present.append((m["编号"], hours / 2 if left_early else hours))
        out.append(
            {"date": day, "org": town["path"], "kind": kind, "hours": hours * 1.0, "title": title,
             "course": COURSE_OF.get(title), "attendance": present}
        )  # fmt: skip
    return out
