"""Load and validate a synthetic bank of 20,000 questions in 200 files; print the median time.

Goal (issue 2): under 1 s on a 2-core machine. Run: python3 benchmarks/bench_bank.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from exam_tools.bank.load import check_bank, load_bank
from exam_tools.bank.yamlio import dump_questions

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--questions", type=int, default=20_000)
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


if __name__ == "__main__":
    main()
