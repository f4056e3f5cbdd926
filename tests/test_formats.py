"""Import/export of every exchange format, on real files in each format's own conventions."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from exam_tools.bank.formats import (
    ImportDefaults,
    export_bytes,
    import_bytes,
    unsupported,
)
from exam_tools.bank.load import check_bank
from exam_tools.bank.model import Question
from exam_tools.errors import BankError, FormatError, UnsupportedQuestionError

from .conftest import DATA, ROOT

TECH = ImportDefaults(domain="实用技术", difficulty="中等", technology="水稻种植")


@pytest.fixture(scope="module")
def shipped() -> list[Question]:
    return list(check_bank(ROOT / "question_bank", similar=False).bank)


def roundtrip(questions: list[Question], fmt: str) -> list[Question]:
    data, report = export_bytes(questions, fmt)
    assert report.written == len(questions)
    return import_bytes(data, fmt, f"export.{fmt}").questions


# ---- lossless round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "moodle-xml"])
def test_roundtrip_is_lossless_for_every_type(sample_questions: list[Question], fmt: str) -> None:
    assert roundtrip(sample_questions, fmt) == sample_questions


@pytest.mark.parametrize("fmt", ["xlsx", "moodle-xml"])
def test_roundtrip_is_lossless_for_the_whole_shipped_bank(
    shipped: list[Question], fmt: str
) -> None:
    assert roundtrip(shipped, fmt) == shipped


def test_gift_roundtrip_keeps_every_question_it_can_express(
    sample_questions: list[Question],
) -> None:
    data, report = export_bytes(sample_questions, "gift", skip_unsupported=True)
    kept = [q for q in sample_questions if q.id != "s-fill2"]
    assert [p.qid for p in report.skipped] == ["s-fill2"]
    assert import_bytes(data, "gift", "x.gift").questions == kept


def test_aiken_roundtrip_keeps_stem_options_and_answer(sample_questions: list[Question]) -> None:
    data, report = export_bytes(sample_questions, "aiken", skip_unsupported=True)
    singles = [q for q in sample_questions if q.type == "single"]
    assert report.written == len(singles)
    back = import_bytes(data, "aiken", "x.txt", TECH).questions
    assert [(q.stem, q.options, q.answer) for q in back] == [
        (q.stem, q.options, q.answer) for q in singles
    ]


# ---- what a format cannot express is reported, never dropped ----------------------------------


@pytest.mark.parametrize(
    ("fmt", "ids", "reason"),
    [
        (
            "aiken",
            {"s-multiple", "s-judge", "s-fill1", "s-fill2", "s-short"},
            "Aiken 格式只能表达单选题",
        ),
        ("gift", {"s-fill2"}, "GIFT 的填空（缺词）题只能有一个空"),
        ("qti", {"s-fill2"}, "QTI 标准评分模板只能处理一个空的填空题"),
    ],
)
def test_unsupported_questions_are_reported(
    sample_questions: list[Question], fmt: str, ids: set[str], reason: str
) -> None:
    problems = unsupported(sample_questions, fmt)
    assert {p.qid for p in problems} == ids
    assert all(reason in p.message for p in problems)
    with pytest.raises(UnsupportedQuestionError) as exc:
        export_bytes(sample_questions, fmt)
    assert {p.qid for p in exc.value.problems} == ids
    assert "s.yaml:" in str(exc.value)  # names where each question is


# ---- GIFT, Aiken, Moodle XML and jupyterquiz as their own documentation shows them ------------


def test_gift_file_as_in_moodle_docs() -> None:
    data = (DATA / "moodle_docs.gift").read_bytes()
    with pytest.raises(BankError) as exc:
        import_bytes(data, "gift", "moodle_docs.gift", TECH)
    text = str(exc.value)
    assert "moodle_docs.gift:15: -: -: GIFT 格式错误：配对题（->）不支持" in text
    assert "moodle_docs.gift:18: -: -: GIFT 格式错误：数值题（{#…}）不支持" in text
    result = import_bytes(data, "gift", "moodle_docs.gift", TECH, skip_invalid=True)
    assert result.skipped_count == 2
    by_stem = {q.stem: q for q in result.questions}
    assert by_stem["预备党员的预备期为一年。"].answer is True
    q2 = by_stem["申请入党的人，要有几名正式党员作介绍人？"]
    assert (q2.type, q2.options, q2.answer) == ("single", ("两名", "一名", "三名"), "A")
    q3 = by_stem["党员连续 ____ 不参加党的组织生活，就被认为是自行脱党。"]
    assert q3.blanks == (("六个月", "6个月"),)
    q7 = by_stem["预备党员没有下列哪些权利？"]
    assert (q7.type, q7.answer) == ("multiple", ("A", "B", "C"))
    assert q7.explanation == "党章第七条：预备党员没有表决权、选举权和被选举权。"
    assert by_stem["谈谈你对“三会一课”的认识。"].type == "short"
    assert "下列写法中等号的转义是 = 吗？" in by_stem
    # GIFT carries no 解析 for most of these: the import says which questions need one.
    assert set(result.incomplete_ids) >= {q2.id, q3.id}


def test_aiken_file_as_in_moodle_docs() -> None:
    result = import_bytes((DATA / "moodle_docs.aiken.txt").read_bytes(), "aiken", "a.txt", TECH)
    first, second = result.questions
    assert (first.stem, first.answer, len(first.options)) == (
        "What is the correct answer to this question?",
        "D",
        4,
    )
    assert (second.options, second.answer) == (("每周", "每月", "每季度", "每年"), "B")
    assert {p.field for p in result.warnings} == {"explanation"}


def test_aiken_without_domain_says_which_option_to_use() -> None:
    with pytest.raises(BankError) as exc:
        import_bytes((DATA / "moodle_docs.aiken.txt").read_bytes(), "aiken", "a.txt")
    assert "a.txt:1: " in str(exc.value)
    assert "源文件没有领域，请用 --domain 指定" in str(exc.value)


def test_moodle_xml_export_as_moodle_writes_it() -> None:
    data = (DATA / "moodle_export.xml").read_bytes()
    with pytest.raises(BankError) as exc:
        import_bytes(data, "moodle-xml", "moodle_export.xml", ImportDefaults(domain="党章党规"))
    assert "moodle_export.xml:116: -: type: Moodle 题型 matching 不支持" in str(exc.value)
    result = import_bytes(
        data,
        "moodle-xml",
        "moodle_export.xml",
        ImportDefaults(domain="党章党规", difficulty="简单"),
        skip_invalid=True,
    )
    qs = {q.stem: q for q in result.questions}
    mc = qs["预备党员的预备期为（ ）。"]
    assert (mc.id, mc.options, mc.answer, mc.points, mc.source) == (
        "dz-7",
        ("半年", "一年", "两年"),
        "B",
        1,
        "党章 第七条",
    )
    assert mc.explanation == "党章第七条规定：“预备党员的预备期为一年。”"
    assert qs["党员的党龄从预备期满转为正式党员之日算起。"].answer is True
    short = qs["申请入党的人，要有几名正式党员作介绍人？____"]
    assert short.blanks == (("两名", "2名"),)
    cloze = qs["党员连续____不参加党的组织生活，或不交纳____，就被认为是自行脱党。"]
    assert cloze.blanks == (("六个月", "6个月"), ("党费",))
    essay = qs["简述“三会一课”的内容。"]
    assert (essay.type, essay.reference, essay.points) == (
        "short",
        "支部党员大会、支部委员会、党小组会和党课。",
        5,
    )


def test_jupyterquiz_json_as_in_its_readme() -> None:
    data = (DATA / "jupyterquiz.json").read_bytes()
    result = import_bytes(data, "jupyterquiz", "quiz.json", TECH, skip_invalid=True)
    many, single, code = result.questions
    assert (many.type, many.answer) == ("multiple", ("A", "B", "C"))
    assert (single.type, single.answer) == ("single", "B")
    assert single.explanation == "党章第七条规定，预备党员的预备期为一年。"
    assert code.options == ("mylist+=3", "mylist+=[3]", "mylist+={3}")
    assert [str(p) for p in result.skipped] == [
        "quiz.json 第4题: -: -: jupyterquiz 的数值题（numeric）在题库中没有对应题型"
    ]


def test_reimport_gives_the_same_ids() -> None:
    data = (DATA / "moodle_docs.aiken.txt").read_bytes()
    first = import_bytes(data, "aiken", "a.txt", TECH).questions
    again = import_bytes(data, "aiken", "a.txt", TECH).questions
    assert [q.id for q in first] == [q.id for q in again]
    assert len({q.id for q in first}) == 2


# ---- QTI 3.0 ---------------------------------------------------------------------------------


def test_qti_package_has_manifest_and_one_match_correct_item_per_question(
    sample_questions: list[Question],
) -> None:
    data, report = export_bytes(sample_questions, "qti", skip_unsupported=True)
    ns = {"cp": "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
          "q": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"}  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        resources = manifest.findall("cp:resources/cp:resource", ns)
        assert len(resources) == report.written == 6
        items = {}
        for res in resources:
            assert res.get("type") == "imsqti_item_xmlv3p0"
            item = ET.fromstring(zf.read(res.get("href", "")))
            assert item.tag == f"{{{ns['q']}}}qti-assessment-item"
            items[item.get("identifier")] = item
    single = items["s-single"]
    assert [v.text for v in single.iterfind(".//q:qti-correct-response/q:qti-value", ns)] == ["B"]
    rp = single.find("q:qti-response-processing", ns)
    assert rp is not None and rp.get("template", "").endswith("rptemplates/match_correct.xml")
    multi = items["s-multiple"]
    assert [v.text for v in multi.iterfind(".//q:qti-value", ns)][:3] == ["A", "B", "C"]
    assert items["s-judge"].find(".//q:qti-correct-response/q:qti-value", ns).text == "F"  # type: ignore[union-attr]
    fill = items["s-fill1"]  # one blank, three accepted spellings: map_response
    keys = [e.get("map-key") for e in fill.iterfind(".//q:qti-map-entry", ns)]
    assert keys == ["两", "2", "二"]
    rp = fill.find("q:qti-response-processing", ns)
    assert rp is not None and rp.get("template", "").endswith("rptemplates/map_response.xml")
    short = items["s-short"]
    assert short.find("q:qti-response-processing", ns) is None  # scored by a person
    assert short.find(".//q:qti-extended-text-interaction", ns) is not None


# ---- goldens: exported files as instructors receive them --------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("gift", "sample.gift"), ("aiken", "sample.aiken.txt"), ("moodle-xml", "sample.moodle.xml")],
)
def test_export_goldens(sample_questions: list[Question], golden, fmt: str, name: str) -> None:  # type: ignore[no-untyped-def]
    data, _ = export_bytes(sample_questions, fmt, skip_unsupported=True)
    golden(name, data.decode("utf-8"))


def test_qti_item_golden(sample_questions: list[Question], golden) -> None:  # type: ignore[no-untyped-def]
    data, _ = export_bytes(sample_questions, "qti", skip_unsupported=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        golden("sample.qti-manifest.xml", zf.read("imsmanifest.xml").decode())
        golden("sample.qti-item-multiple.xml", zf.read("items/s-multiple.xml").decode())


# ---- bad files: clear errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        ("xlsx", b"not a zip", "不是有效的 .xlsx 文件"),
        ("moodle-xml", b"<quiz><question>", "XML 格式错误"),
        ("moodle-xml", b"<html></html>", "不是 Moodle XML 题库"),
        ("jupyterquiz", b"{", "JSON 格式错误"),
        ("jupyterquiz", b'"x"', "不是 jupyterquiz 题目列表"),
    ],
)
def test_unreadable_files_raise_format_errors(fmt: str, data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        import_bytes(data, fmt, "bad")


def test_empty_file_is_an_error_not_an_empty_bank() -> None:
    with pytest.raises(FormatError, match="没有找到任何题目"):
        import_bytes(b"", "gift", "empty.gift")


def test_gbk_encoded_aiken_from_windows_is_read() -> None:
    text = "党支部委员会会议一般多久召开一次？\nA. 每周\nB. 每月\nANSWER: B\n"
    result = import_bytes(text.encode("gbk"), "aiken", "win.txt", TECH)
    assert result.questions[0].stem == "党支部委员会会议一般多久召开一次？"


def test_export_of_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="没有可导出的题目"):
        export_bytes([], "gift")


def test_aiken_and_gift_with_full_width_labels_and_answers() -> None:
    """Ａ．, ＡＮＳＷＥＲ：Ｂ and {Ｔ} as a Chinese input method types them; texts stay as typed."""
    aiken = "党支部委员会会议一般多久召开一次？\nＡ．每周（视情况）\nＢ、每月，一般一次\nＡＮＳＷＥＲ：Ｂ\n"
    (q,) = import_bytes(aiken.encode("utf-8"), "aiken", "a.txt", TECH).questions
    assert (q.options, q.answer) == (("每周（视情况）", "每月，一般一次"), "B")
    path = Path("全角.txt")
    from exam_tools.bank.formats import detect_format

    assert detect_format(path, aiken.encode("gb18030")) == "aiken"
    gift = "::j1:: 晒种能提高种子发芽势。{Ｔ}\n\n::j2:: 催芽温度越高越好。{ｆａｌｓｅ}\n"
    j1, j2 = import_bytes(gift.encode("utf-8"), "gift", "g.gift", TECH).questions
    assert (j1.answer, j2.answer) == (True, False)
