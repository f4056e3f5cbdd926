"""Load and validate a synthetic bank of 20,000 questions in 200 files; print the median time.

Goal (issue 2): under 1 s on a 2-core machine; `bank check` with the near-duplicate search under
2 s (issue 10). Then hostile inputs (issue 10): GIFT imports of near-copies of one question (every
pair near: quadratic before), questions sharing their characters but never near (the search stops
at its work bound), an alias bomb, and a 50 MB import (refused by size).
Run: python3 benchmarks/bench_bank.py [--runs N] [--no-hostile]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from exam_tools.bank.formats import ImportDefaults, import_bytes, import_file
from exam_tools.bank.load import check_bank, load_bank, parse_bank_text
from exam_tools.bank.similar import near_duplicates
from exam_tools.bank.yamlio import dump_questions
from exam_tools.errors import FormatError

# Common characters, so stems look like Chinese text to the near-duplicate check.
CHARS = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着"
    "去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行"
    "方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理"
    "美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电"
    "四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼"
    "体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感"
    "金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许"
    "八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管"
    "夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完"
    "革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取"
    "设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专"
    "石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切团尔原"
)
TYPES = ["single", "single", "single", "multiple", "judge", "judge", "fill", "short"]
DOMAINS = [
    ("党章党规", "党章 第七条", None),
    ("政策理论", "《中国共产党支部工作条例（试行）》", None),
    ("实用技术", None, "水稻种植"),
    ("实用技术", None, "生猪养殖"),
]


def text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(CHARS) for _ in range(n))


def question(rng: random.Random, i: int) -> dict[str, object]:
    qtype = rng.choice(TYPES)
    domain, source, tech = rng.choice(DOMAINS)
    q: dict[str, object] = {"id": f"bench-{i:05d}", "type": qtype, "domain": domain}
    if tech:
        q["technology"] = tech
    q["difficulty"] = rng.choice(["简单", "中等", "困难"])
    q["tags"] = [text(rng, 3), text(rng, 2)]
    if source:
        q["source"] = source
    stem = text(rng, rng.randint(15, 40))
    if qtype in ("single", "multiple"):
        q["stem"] = stem + "（ ）。"
        q["options"] = [text(rng, rng.randint(2, 10)) for _ in range(4)]
        q["answer"] = rng.choice("ABCD") if qtype == "single" else sorted(rng.sample("ABCD", 2))
    elif qtype == "judge":
        q["stem"] = stem + "。"
        q["answer"] = rng.random() < 0.5
    elif qtype == "fill":
        q["stem"] = stem + "____，" + text(rng, 8) + "____。"
        q["answer"] = [text(rng, 2), [text(rng, 2), text(rng, 3)]]
    else:
        q["stem"] = stem + "？"
        q["answer"] = text(rng, 40)
        q["keywords"] = [text(rng, 2), text(rng, 3)]
    q["explanation"] = text(rng, rng.randint(20, 60))
    return q


def make_bank(root: Path, n_questions: int = 20_000, n_files: int = 200, seed: int = 1) -> int:
    rng = random.Random(seed)
    per_file = n_questions // n_files
    size = 0
    for f in range(n_files):
        items = [question(rng, f * per_file + k) for k in range(per_file)]
        data = dump_questions(items, header=f"synthetic bank file {f}")
        (root / f"topic_{f:03d}.yaml").write_text(data, encoding="utf-8")
        size += len(data.encode())
    return size


T = TypeVar("T")


def near_copies_gift(size: int) -> bytes:
    """About ``size`` bytes of GIFT: one question again and again with a changing number."""
    parts: list[str] = []
    total = k = 0
    while total < size:
        part = f"// [id:c{k}]\n根据党章规定，预备党员的预备期为多长时间？第{k}题 {{=一年 ~半年 ~两年 ~三年}}\n"
        parts.append(part)
        total += len(part.encode()) + 1
        k += 1
    return "\n".join(parts).encode()


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def hostile() -> None:
    print("hostile inputs (issue 10):")
    defaults = ImportDefaults(domain="党章党规", difficulty="简单")
    for mb in (1, 3):
        data = near_copies_gift(mb * 1_000_000)
        result, took = timed(lambda data=data: import_bytes(data, "gift", "c.gift", defaults))
        near = sum("几乎相同" in p.message for p in result.warnings)
        print(f"  GIFT import, {mb} MB of near-copies ({len(result.questions):,} questions, "
              f"{near:,} near-duplicate warnings): {took:.2f} s")  # fmt: skip
    rng = random.Random(2)
    base = next(iter(parse_bank_text(dump_questions([question(rng, 0)]), "x.yaml")[0]))
    import dataclasses

    alike = [
        dataclasses.replace(base, id=f"a{i}", stem="".join(rng.choice("党员组织生活会学习教育")
                            for _ in range(40)), options=(), answer=True, type=base.type)
        for i in range(20_000)
    ]  # fmt: skip
    found, took = timed(lambda: near_duplicates(alike))
    print(f"  20,000 questions of the same 11 characters, none near: {took:.2f} s, "
          f"{found.work:,} candidate checks, stopped at question {found.stopped_at}")  # fmt: skip
    levels = ['  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 9):
        x, y = chr(ord("a") + k - 1), chr(ord("a") + k)
        levels.append(f"  {y}: &{y} [{', '.join(['*' + x] * 9)}]")
    bomb = "- id: q1\n" + "\n".join(levels) + "\n"
    (_, problems), took = timed(lambda: parse_bank_text(bomb, "bomb.yaml"))
    print(f"  alias bomb (9**9 values in 10 lines): {took * 1000:.1f} ms: {problems[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.gift"
        with big.open("wb") as fh:
            fh.truncate(50 * 1024 * 1024)

        def refuse() -> str:
            try:
                import_file(big, "gift", defaults)
            except FormatError as exc:
                return str(exc)
            return "imported?"

        message, took = timed(refuse)
        print(f"  50 MB GIFT import: {took * 1000:.1f} ms: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--no-hostile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = Path(tmp)
        size = make_bank(root, args.questions)
        print(f"bank: {args.questions} questions in 200 files, {size / 1e6:.1f} MB of YAML")
        cases = [
            ("cold (cache off)", "off"),
            ("warm (files unchanged since the last check)", cache),
        ]
        for state, setting in cases:
            os.environ["EXAM_TOOLS_CACHE"] = setting
            load_bank(root)  # fills the cache when it is on
            for label, fn in (
                ("load_bank  (read + validate + unique ids)", lambda: len(load_bank(root))),
                ("check_bank (+ near-duplicate search)   ", lambda: len(check_bank(root).bank)),
            ):
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    n = fn()
                    times.append(time.perf_counter() - t0)
                assert n == args.questions, n
                median, low, high = statistics.median(times), min(times), max(times)
                print(
                    f"{state:45s} {label}: median {median:.3f} s over {args.runs} runs "
                    f"(min {low:.3f}, max {high:.3f})"
                )
            times = []
            for _ in range(args.runs):  # the command an instructor runs, interpreter start included
                t0 = time.perf_counter()
                cli = [sys.executable, "-m", "exam_tools", "bank", "check", str(root)]
                subprocess.run(cli, check=True, capture_output=True)
                times.append(time.perf_counter() - t0)
            print(
                f"{state:45s} exam-tools bank check (whole command)   : median "
                f"{statistics.median(times):.3f} s over {args.runs} runs"
            )
    if not args.no_hostile:
        hostile()


if __name__ == "__main__":
    main()
