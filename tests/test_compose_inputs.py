"""Composer inputs: cells files, YAML and Excel templates, request ledgers, the
consistency check, and the ``template`` / ``compose`` commands."""
from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from conftest import SAMPLES
from nianbao.cli import app
from nianbao.compose import check
from nianbao.compose.data import (ComposeError, fill_totals, format_value, ledger_to_t3, load_cells_json,
                                  load_input, load_yaml_template)
from nianbao.compose.template_writer import (META_SHEET, ROW0, COL0, read_excel_template, render_yaml_template,
                                             write_excel_template)
from nianbao.standard import load

STD = load()
S000 = next(SAMPLES.glob("000_*.truth.json"))
S004 = next(SAMPLES.glob("004_*.truth.json"))
runner = CliRunner()
LABEL = {r.key: r.canonical for r in STD.t3_rows}
COL = {c.key: c.canonical for c in STD.t3_columns}


# -- values -----------------------------------------------------------------------

def test_decimals_keep_their_printed_form():
    inp = load_cells_json(S004)
    assert inp.cells["t2.fees.amount"] == Decimal("0.6625")
    assert format_value(Decimal("5949.088667")) == "5949.088667"
    assert format_value(0.1 + 0.2) == "0.30000000000000004"  # a float prints its own repr, nothing invented
    assert format_value(1e-7) == "0.0000001"
    assert format_value(None) == ""


def test_cells_file_rejects_unknown_keys_and_non_numbers(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"format_version": "2021", "cells": {"t3.nope.total": 1}}), encoding="utf-8")
    with pytest.raises(ComposeError, match="未知的单元格键 t3.nope.total"):
        load_cells_json(p)
    p.write_text(json.dumps({"cells": {"t3.new.total": "很多"}}), encoding="utf-8")
    with pytest.raises(ComposeError, match="t3.new.total.*不是数字"):
        load_cells_json(p)
    p.write_text(json.dumps({"cells": {"t3.new.total": 1.5}}), encoding="utf-8")
    with pytest.raises(ComposeError, match="应为整数"):
        load_cells_json(p)


# -- consistency --------------------------------------------------------------------

def test_sample_000_findings_name_cells_and_identity():
    f = check(load_cells_json(S000))
    assert [(x.rule, x.where) for x in f] == [("T3-RES", "natural_person"), ("T3-RES", "total")]
    assert "t3.result_total.natural_person" in f[0].message and "自然人" in f[0].message
    assert LABEL["result_total"] in f[0].message


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("00[1-4]_*.truth.json")), ids=lambda p: p.name[:3])
def test_consistent_samples_pass(sample):
    assert check(load_cells_json(sample)) == []


def test_each_identity_is_reported():
    inp = load_cells_json(S004)
    inp.cells["t3.new.natural_person"] = 1          # T3-BAL (column) and T3-ROW (row new)
    inp.cells["t4.review.total"] = 3                # T4-SUM
    inp.cells["t2.penalty.decisions"] = -1          # DOM
    rules = {(f.rule, f.where) for f in check(inp)}
    assert rules == {("T3-BAL", "natural_person"), ("T3-ROW", "new"), ("T4-SUM", "review"),
                     ("DOM", "t2.penalty.decisions")}
    bal = next(f for f in check(inp) if f.rule == "T3-BAL")
    assert STD.t3_header["header_note"].strip("（）") in bal.message


def test_fill_totals_computes_only_blank_totals():
    cells = {k: 0 for k in STD.all_keys()}
    for k in STD.total_keys("2021"):
        cells[k] = None
    cells["t3.granted.natural_person"] = 2
    cells["t3.new.natural_person"] = 2
    cells["t4.review.upheld"] = 1
    fill_totals(cells, STD, "2021")
    assert cells["t3.granted.total"] == 2 and cells["t3.result_total.natural_person"] == 2
    assert cells["t3.result_total.total"] == 2 and cells["t3.new.total"] == 2
    assert cells["t4.review.total"] == 1


# -- YAML template ------------------------------------------------------------------------

def test_yaml_template_lists_every_cell_with_labels(tmp_path):
    text = render_yaml_template(year=2024)
    d = yaml.safe_load(text)
    assert list(d["cells"]) == STD.all_keys()
    assert set(d["sections"]) == {s.key for s in STD.sections}
    for k in ("t2.fees.amount", "t3.other.no_fee.research", "t4.suit_after_review.pending"):
        row, col = STD.label_of(k)
        assert f"{k}: " in text and f"# {row}｜{col}" in text
    assert d["cells"]["t3.result_total.total"] is None


def test_yaml_template_filled_round_trip(tmp_path):
    text = render_yaml_template(year=2024)
    d = yaml.safe_load(text)
    d["agency"] = "某某市某某局"
    d["sections"]["s1_overview"] = "第一段。\n第二段。"
    d["cells"]["t3.new.commercial"] = 2
    d["cells"]["t3.granted.commercial"] = 1
    d["cells"]["t3.carry_forward.commercial"] = 1
    d["cells"]["t2.fees.amount"] = "5949.088667"
    p = tmp_path / "filled.yaml"
    p.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    inp = load_yaml_template(p)
    assert inp.agency == "某某市某某局" and inp.year == 2024
    assert inp.cells["t3.new.total"] == 2 and inp.cells["t3.result_total.total"] == 1
    assert inp.cells["t2.fees.amount"] == Decimal("5949.088667")
    assert check(inp) == []
    assert inp.sections["s1_overview"] == "第一段。\n第二段。"


def test_yaml_float_keeps_digits(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_text("cells:\n  t2.fees.amount: 5949.0886670000001\n", encoding="utf-8")
    assert load_yaml_template(p).cells["t2.fees.amount"] == Decimal("5949.0886670000001")


# -- Excel template ---------------------------------------------------------------------------

@pytest.fixture()
def xlsx(tmp_path):
    p = tmp_path / "t.xlsx"
    write_excel_template(p, year=2024, agency="某某镇人民政府")
    return p


def _coord(sheet_table: str, key: str) -> str:
    from openpyxl.utils import get_column_letter
    from nianbao.render.layout import grid
    c = grid(sheet_table).value_cell(key)
    return f"{get_column_letter(COL0 + c.col)}{ROW0 + c.row}"


def test_excel_template_structure(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [META_SHEET, "表二", "表三", "表四"]
    ws = wb["表三"]
    assert ws.protection.sheet
    note = ws.cell(row=ROW0, column=COL0)
    assert note.value == STD.t3_header["header_note"] and note.protection.locked
    assert any(str(r) == "B3:D5" for r in ws.merged_cells.ranges)
    v = ws[_coord("t3", "t3.granted.natural_person")]
    assert v.value == 0 and not v.protection.locked
    tot = ws[_coord("t3", "t3.granted.total")]
    assert tot.value.startswith("=SUM(") and tot.protection.locked
    res = ws[_coord("t3", "t3.result_total.commercial")]
    assert res.value == f"=SUM({_coord('t3', 't3.granted.commercial')}:{_coord('t3', 't3.other.other.commercial')})"
    dvs = ws.data_validations.dataValidation
    assert any(d.type == "whole" and d.operator == "greaterThanOrEqual" and v.coordinate in str(d.sqref)
               for d in dvs)
    fee = wb["表二"][_coord("t2", "t2.fees.amount")]
    assert any(d.type == "decimal" and fee.coordinate in str(d.sqref) for d in wb["表二"].data_validations.dataValidation)
    assert wb["表四"][_coord("t4", "t4.review.total")].value.startswith("=SUM(")


def test_excel_template_filled_round_trip(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["表三"]
    ws[_coord("t3", "t3.new.natural_person")] = 3
    ws[_coord("t3", "t3.partial.natural_person")] = 2
    ws[_coord("t3", "t3.carry_forward.natural_person")] = 1
    wb["表二"][_coord("t2", "t2.fees.amount")] = 0.6625
    wb["表四"][_coord("t4", "t4.suit_direct.upheld")] = 4
    meta = wb[META_SHEET]
    for row in meta.iter_rows(min_row=1):
        if row[2].value == "s6_other":
            row[1].value = "本年度未收取信息处理费。"
    wb.save(xlsx)
    inp = read_excel_template(xlsx)
    assert inp.agency == "某某镇人民政府" and inp.year == 2024
    assert inp.cells["t3.new.total"] == 3 and inp.cells["t3.result_total.natural_person"] == 2
    assert inp.cells["t3.result_total.total"] == 2 and inp.cells["t4.suit_direct.total"] == 4
    assert format_value(inp.cells["t2.fees.amount"]) == "0.6625"
    assert inp.sections["s6_other"] == "本年度未收取信息处理费。"
    assert check(inp) == []


def test_excel_template_bad_value_and_tampered_label(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["表三"]
    ws[_coord("t3", "t3.new.research")] = "三"
    ws.cell(row=ROW0, column=COL0).value = "随便写的"
    wb.save(xlsx)
    with pytest.raises(ComposeError) as e:
        read_excel_template(xlsx)
    msg = str(e.value)
    assert "不是数字" in msg and LABEL["new"] in msg and "标签应为" in msg


# -- ledger ---------------------------------------------------------------------------------------

LEDGER = """收到日期,申请人类型,办理结果,办理状态
2023-12-20,自然人,予以公开,办结
2024-01-05,自然人,（二）部分公开（区分处理的，只计这一情形，不计其他情形）,办结
2024-02-01,商业企业,unavailable.not_held,办结
2024年3月4日,法律服务机构,1.本机关不掌握相关政府信息,办结
2024/12/28,自然人,,结转
2024-06-01,其他,3.其他,办结
"""


def test_ledger_counts(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text(LEDGER, encoding="utf-8")
    cells, year, warnings = ledger_to_t3(p)
    assert year == 2024
    assert cells["t3.new.natural_person"] == 2 and cells["t3.carried_over.natural_person"] == 1
    assert cells["t3.granted.natural_person"] == 1 and cells["t3.partial.natural_person"] == 1
    assert cells["t3.unavailable.not_held.commercial"] == 1
    assert cells["t3.unavailable.not_held.legal_service"] == 1
    assert cells["t3.other.other.other_org"] == 1
    assert cells["t3.carry_forward.natural_person"] == 1
    assert cells["t3.result_total.total"] == 5 and cells["t3.new.total"] == 5
    inp = load_input(p, agency="某某局")
    assert check(inp) == [] and inp.agency == "某某局"


def test_ledger_unknown_categories_are_errors(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text(LEDGER + "2024-07-01,个体户,予以公开,办结\n2024-07-02,自然人,驳回,办结\n"
                 "2024-07-03,自然人,驳回,办结\n", encoding="utf-8")
    with pytest.raises(ComposeError) as e:
        ledger_to_t3(p)
    msg = str(e.value)
    assert "第8行的申请人类型“个体户”不是标准类别" in msg
    assert "第9、10行的办理结果“驳回”不是标准类别" in msg
    assert "允许的办理结果：" + LABEL["granted"] in msg and COL["legal_service"] in msg


def test_ledger_carry_over_input_and_base(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text(LEDGER, encoding="utf-8")
    co = tmp_path / "co.yaml"
    co.write_text("自然人: 1\n", encoding="utf-8")
    base = tmp_path / "base.yaml"
    d = yaml.safe_load(render_yaml_template(year=2024))
    d["agency"] = "某某区某某局"
    d["cells"]["t2.penalty.decisions"] = 24
    base.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    inp = load_input(p, base=base, carry_over=co)
    assert inp.agency == "某某区某某局" and inp.cells["t2.penalty.decisions"] == 24
    assert inp.cells["t3.carried_over.total"] == 1 and check(inp) == []


def test_ledger_completed_date_column(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text("收到日期,申请人类型,办理结果,办理状态,办结日期\n"
                 "2023-03-01,自然人,予以公开,办结,2023-03-20\n"     # an earlier year's work: not counted
                 "2023-12-30,自然人,予以公开,办结,2024-01-10\n"     # carried in, completed in 2024
                 "2024-12-30,商业企业,予以公开,办结,2025-01-05\n",  # completed after the year: carried
                 encoding="utf-8")
    cells, year, warnings = ledger_to_t3(p, year=2024)
    assert cells["t3.carried_over.natural_person"] == 1 and cells["t3.granted.natural_person"] == 1
    assert cells["t3.new.commercial"] == 1 and cells["t3.carry_forward.commercial"] == 1
    assert cells["t3.granted.commercial"] == 0
    assert any("之前已办结" in w for w in warnings)


def test_ledger_dates_after_the_year_are_errors(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text("收到日期,申请人类型,办理结果\n2025-01-02,自然人,予以公开\n2024-01-02,自然人,\n", encoding="utf-8")
    with pytest.raises(ComposeError, match="第2行的收到日期晚于报告年度 2024"):
        ledger_to_t3(p, year=2024)


def test_ledger_xlsx(tmp_path):
    p = tmp_path / "ledger.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    import datetime
    ws.append(["收到日期", "申请人类型", "办理结果", "办理状态"])
    ws.append([datetime.datetime(2024, 5, 1), "科研机构", "withheld.process_info", "办结"])
    ws.append([datetime.datetime(2024, 5, 2), "social_welfare", "", "结转"])
    wb.save(p)
    inp = load_input(p, year=2024)
    assert inp.cells["t3.withheld.process_info.research"] == 1
    assert inp.cells["t3.carry_forward.social_welfare"] == 1 and check(inp) == []


# -- CLI --------------------------------------------------------------------------------------------

def test_cli_refuses_inconsistent_input(tmp_path):
    out = tmp_path / "x.docx"
    r = runner.invoke(app, ["compose", str(S000), "-o", str(out)])
    assert r.exit_code == 1 and not out.exists()
    assert "T3-RES" in r.output and "t3.result_total.natural_person" in r.output and "--allow-inconsistent" in r.output


def test_cli_allow_inconsistent_prints_findings(tmp_path):
    out = tmp_path / "x.docx"
    r = runner.invoke(app, ["compose", str(S000), "-o", str(out), "--allow-inconsistent"])
    assert r.exit_code == 0, r.output
    assert out.exists() and "T3-RES" in r.output
    assert [p.name for p in tmp_path.iterdir()] == ["x.docx"]      # no temp files left


def test_cli_template_then_compose(tmp_path):
    for name in ("t.yaml", "t.xlsx"):
        r = runner.invoke(app, ["template", "-o", str(tmp_path / name), "--year", "2024"])
        assert r.exit_code == 0, r.output
    for src in ("t.yaml", "t.xlsx"):
        for ext in ("docx", "html", "md"):
            out = tmp_path / f"{src}.{ext}"
            r = runner.invoke(app, ["compose", str(tmp_path / src), "-o", str(out), "--agency", "某某局"])
            assert r.exit_code == 0, r.output
            assert out.stat().st_size > 0


def test_cli_ledger_error_exit_code(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text("收到日期,申请人类型,办理结果\n2024-01-01,自然人,不知道\n", encoding="utf-8")
    r = runner.invoke(app, ["compose", str(p), "-o", str(tmp_path / "x.md")])
    assert r.exit_code == 1 and "第2行的办理结果“不知道”不是标准类别" in r.output


def test_cli_bad_output_extension(tmp_path):
    r = runner.invoke(app, ["compose", str(S004), "-o", str(tmp_path / "x.txt")])
    assert r.exit_code == 1 and "输出格式" in r.output
