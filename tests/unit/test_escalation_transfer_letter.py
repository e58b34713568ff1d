"""The transfer letter (移送函) says why the ladder ended in a transfer: the office's 不充分 and its
reason, and the government's consent, which its leader gave in the sign-off; the annex lists the
judgement and who proposed and approved the transfer. A dossier without them (a case transferred
before the sign-off) keeps the letter's earlier wording."""

from __future__ import annotations

from document_samples import DOSSIER, NAMES, transfer_letter
from duban_common.documents import Heading, Table


def letter(dossier: dict):
    return transfer_letter(dossier, NAMES)


def test_the_letter_gives_the_assessment_its_reason_and_the_governments_consent():
    facts, transfer, annex_note = letter(DOSSIER).body
    assert facts.endswith("该单位未提交书面说明，经我办审核，认定为不充分（逾期未提交书面说明，也未说明延误原因）。")
    assert transfer.startswith("经余庆县人民政府同意，根据督查督办工作有关规定，现将该问题线索移送你委")
    assert "审核、移送审批" in annex_note


def test_an_explanation_judged_inadequate_is_said_so():
    explained = {**DOSSIER, "explanations": [{**DOSSIER["explanations"][0], "submitted_at": "2026-11-19T02:00:00Z"}]}
    facts = letter(explained).body[0]
    assert "该单位提交了书面说明，经我办审核，说明理由不充分（逾期未提交书面说明，也未说明延误原因）。" in facts


def test_the_annex_lists_the_judgement_and_the_approvals():
    blocks = letter(DOSSIER).annexes[0].blocks
    headings = [block.text for block in blocks if isinstance(block, Heading)]
    assert headings[-1] == "七、移送审批"
    assert "2026年11月23日，督查室审核认定书面说明不充分，理由：逾期未提交书面说明，也未说明延误原因。" in blocks
    approvals = blocks[-1]
    assert isinstance(approvals, Table) and approvals.header == ("环节", "签批人", "日期")
    assert approvals.rows == (("提出", "赵明", "2026年11月24日"), ("批准", "王建国", "2026年11月26日"))


def test_a_dossier_without_assessment_or_approvals_keeps_the_earlier_wording():
    earlier = {key: value for key, value in DOSSIER.items() if key not in ("assessment", "approvals")}
    facts, transfer, _ = letter(earlier).body
    assert "不充分" not in facts
    assert transfer.startswith("根据督查督办工作有关规定，现将该问题线索移送你委")
    headings = [block.text for block in letter(earlier).annexes[0].blocks if isinstance(block, Heading)]
    assert "七、移送审批" not in headings
