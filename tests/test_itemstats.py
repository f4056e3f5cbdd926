"""Item statistics checked against values worked out by hand for a fixed 6 x 3 response matrix.

      q1 q2 q3  total        (1 = right; every question 1 point)
  a   1  1  1   3
  b   1  1  0   2
  c   1  0  1   2
  d   0  1  0   1
  e   1  0  0   1
  f   0  0  0   0

Groups of round(0.27 * 6) = 2: lower = f, d (ties broken by id), upper = c, a.
Point-biserial by the textbook formula r = (Mp - Mq) / s * sqrt(p q), s the population SD of the
totals (3,2,2,1,1,0: mean 1.5, s = sqrt(5.5 / 6) = 0.957427):
  q1: Mp = 2.0 (a b c e), Mq = 0.5 (d f), p = 4/6  ->  1.5 / 0.957427 * 0.471405 = 0.738549
  q2: Mp = 2.0 (a b d),   Mq = 1.0 (c e f), p = 1/2 ->  1.0 / 0.957427 * 0.5     = 0.522233
  q3: Mp = 2.5 (a c),     Mq = 1.0,          p = 2/6 ->  0.738549
KR-20 / alpha with sample variances: items 0.266667 + 0.3 + 0.266667 = 0.833333, total 5.5 / 5 = 1.1,
alpha = 3/2 * (1 - 0.833333 / 1.1) = 0.363636. Percent totals 100, 66.7, 66.7, 33.3, 33.3, 0:
mean 50, sample SD sqrt(6111.11 / 5) = 34.960.
"""

from __future__ import annotations

import pytest

from exam_tools.grading.itemstats import Row, flag_unchosen, item_statistics

MATRIX = {
    "a": (1, 1, 1),
    "b": (1, 1, 0),
    "c": (1, 0, 1),
    "d": (0, 1, 0),
    "e": (1, 0, 0),
    "f": (0, 0, 0),
}
SHOWN = (2, 0, 1, 3)  # q1's options were shown as C, A, B, D; the bank's answer is A (shown "B")


def rows() -> list[Row]:
    out = []
    for member, marks in MATRIX.items():
        for q, mark in zip(("q1", "q2", "q3"), marks, strict=True):
            if q == "q1":
                response = "B" if mark else ({"d": "A"}.get(member))  # d picked shown A = bank C
                out.append(Row(member, q, "single", mark, 1, response, SHOWN))
            else:
                out.append(Row(member, q, "judge", mark, 1, bool(mark)))
    return out


def test_facility_discrimination_and_point_biserial_match_hand_values() -> None:
    items, _paper = item_statistics(rows())
    by = {s.qid: s for s in items}
    assert by["q1"].facility == pytest.approx(4 / 6)
    assert by["q2"].facility == pytest.approx(0.5)
    assert by["q3"].facility == pytest.approx(2 / 6)
    assert by["q1"].discrimination == pytest.approx(1.0)
    assert by["q2"].discrimination == pytest.approx(0.0)
    assert by["q3"].discrimination == pytest.approx(1.0)
    assert by["q1"].point_biserial == pytest.approx(0.738549, abs=1e-6)
    assert by["q2"].point_biserial == pytest.approx(0.522233, abs=1e-6)
    assert by["q3"].point_biserial == pytest.approx(0.738549, abs=1e-6)


def test_paper_mean_sd_and_alpha_match_hand_values() -> None:
    _items, paper = item_statistics(rows())
    assert paper.members == 6
    assert paper.mean == pytest.approx(50.0)
    assert paper.sd == pytest.approx(34.960, abs=1e-3)
    assert paper.alpha == pytest.approx(0.363636, abs=1e-6)


def test_distractors_are_counted_in_bank_order_and_flags_raised() -> None:
    items, _ = item_statistics(rows())
    by = {s.qid: s for s in items}
    assert by["q1"].options == {"A": 4, "B": 0, "C": 1, "D": 0}
    assert by["q1"].blank == 1
    flag_unchosen(items, {"q1": {"A"}})
    assert "干扰项 B、D 无人选择" in by["q1"].flags
    assert by["q2"].flags == ["区分度低（低于 0.2）"]
    assert by["q3"].flags == []


def test_extreme_items_are_flagged() -> None:
    easy = [Row(m, "easy", "judge", 1, 1, True) for m in "abcdefghijklmnopqrstu"]
    hard = [Row(m, "hard", "judge", int(m == "a"), 1) for m in "abcdefghijklmnopqrstu"]
    items, paper = item_statistics(easy + hard)
    by = {s.qid: s for s in items}
    assert "太容易（难度值高于 0.95）" in by["easy"].flags
    assert "太难（难度值低于 0.2）" in by["hard"].flags
    assert paper.alpha is not None or paper.alpha_note


def test_variant_papers_get_no_alpha() -> None:
    r = [Row("a", "q1", "judge", 1, 1), Row("b", "q2", "judge", 0, 1)]
    _items, paper = item_statistics(r)
    assert paper.alpha is None and "每人一卷" in paper.alpha_note


def test_the_chart_uses_a_chinese_font_and_renders() -> None:
    from exam_tools.reports.charts import cjk_font, item_chart, png_bytes

    assert "CJK" in cjk_font() or cjk_font() in ("Microsoft YaHei", "SimHei", "PingFang SC")
    items, paper = item_statistics(rows())
    png = png_bytes(item_chart("测试", items, paper))
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
