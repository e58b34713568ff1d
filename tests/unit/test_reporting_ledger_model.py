"""The ledger's status and light of a matter whose task the ladder transferred to the discipline body."""

from duban_reporting.domain.model import STATUS_LABEL, light_label, matter_status, task_status


def test_a_transferred_task_shows_the_transfer_until_it_is_done():
    assert task_status("acknowledged", transferred=True) == "transferred"
    assert task_status("in_progress", transferred=True) == "transferred"
    assert task_status("completed", transferred=True) == "completed"
    assert task_status("acknowledged", transferred=False) == "acknowledged"
    assert STATUS_LABEL[matter_status(["transferred"])] == "已移交纪委监委"
    assert matter_status(["completed", "transferred"]) == "transferred"  # a split matter: one task transferred
    assert matter_status(["completed", "completed"]) == "completed"


def test_the_light_of_a_transferred_matter_says_so():
    assert light_label("red", "transferred") == "红灯（已移交纪委监委）"
    assert light_label("red", "acknowledged") == "红灯"
    assert light_label(None, "registered") == "未定时限"
