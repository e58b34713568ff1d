"""Subject names and tenant slugs (DESIGN.md §3)."""

import pytest

from duban_common import subjects
from duban_common.subjects import SubjectError


def test_builders():
    assert subjects.inbound("yuqing", "online_message") == "duban.in.yuqing.online_message"
    assert subjects.event("yuqing", "matter", "registered") == "duban.ev.yuqing.matter.registered"
    assert subjects.outbound("yuqing", "discipline.transfer") == "duban.out.yuqing.discipline.transfer"
    assert subjects.outbound("yuqing", "notification.sms") == "duban.out.yuqing.notification.sms"
    assert subjects.dead_letter("yuqing", "intake") == "duban.dlq.yuqing.intake"
    assert subjects.family_wildcard("ev") == "duban.ev.>"


def test_dead_letter_accepts_the_reserved_unknown_tenant_only_there():
    assert subjects.dead_letter("unknown", "intake") == "duban.dlq.unknown.intake"
    with pytest.raises(SubjectError):
        subjects.inbound("unknown", "document")
    with pytest.raises(SubjectError):
        subjects.dead_letter("Not A Slug", "intake")


@pytest.mark.parametrize(
    "build",
    [
        lambda: subjects.inbound("yuqing", "online.message"),  # a kind is one token
        lambda: subjects.inbound("yuqing", "*"),
        lambda: subjects.inbound("yuqing", ">"),
        lambda: subjects.event("yuqing", "Matter", "registered"),
        lambda: subjects.event("yuqing", "matter", ""),
        lambda: subjects.outbound("yuqing", "notification..sms"),
        lambda: subjects.outbound("yuqing", "notification.*"),
        lambda: subjects.dead_letter("yuqing", "in-take"),
        lambda: subjects.family_wildcard("xx"),
    ],
)
def test_builders_refuse_tokens_that_would_change_the_subject(build):
    with pytest.raises(SubjectError):
        build()


@pytest.mark.parametrize("slug", ["ab", "yuqing", "xian-2", "a" * 40, "0-9"])
def test_validate_tenant_accepts_slugs(slug):
    assert subjects.validate_tenant(slug) == slug


@pytest.mark.parametrize(
    "slug", ["a", "a" * 41, "Yuqing", "yu_qing", "yu.qing", "yu qing", "", "yuqing\n", "渝庆", "unknown", None, 42]
)
def test_validate_tenant_refuses(slug):
    with pytest.raises(SubjectError):
        subjects.validate_tenant(slug)


def test_unknown_is_reserved_with_its_own_message():
    with pytest.raises(SubjectError, match="reserved"):
        subjects.validate_tenant("unknown")


def test_subject_error_is_a_value_error():
    assert issubclass(SubjectError, ValueError)


@pytest.mark.parametrize(
    "subject, tenant",
    [
        ("duban.in.yuqing.online_message", "yuqing"),
        ("duban.ev.anhua.task.assigned", "anhua"),
        ("duban.out.yuqing.notification.sms", "yuqing"),
        ("duban.dlq.unknown.intake", "unknown"),
        ("duban.ev.yuqing", None),  # too short
        ("other.ev.yuqing.task.assigned", None),
        ("duban.xx.yuqing.task.assigned", None),
        ("", None),
    ],
)
def test_tenant_of(subject, tenant):
    assert subjects.tenant_of(subject) == tenant


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("duban.in.yuqing.online_message", "duban.in.{tenant}.online_message"),
        ("duban.ev.yuqing.matter.registered", "duban.ev.{tenant}.matter.registered"),
        ("duban.out.anhua.notification.sms", "duban.out.{tenant}.notification.sms"),
        ("duban.dlq.yuqing.intake", "duban.dlq.{tenant}.intake"),
        ("duban.in.yuqing.document.extra.tokens", "duban.in.{tenant}.document.*"),
        ("somebody.else", "other"),
        ("duban.zz.yuqing.x", "other"),
    ],
)
def test_template(subject, expected):
    assert subjects.template(subject) == expected


def test_template_is_bounded_across_tenants():
    names = {subjects.template(subjects.event(t, "task", "assigned")) for t in ("yuqing", "anhua", "xian-2")}
    assert names == {"duban.ev.{tenant}.task.assigned"}


def test_split_type():
    assert subjects.split_type("duban.matter.registered.v1") == ("matter", "registered", 1)
    assert subjects.split_type("duban.task.progress_reported.v12") == ("task", "progress_reported", 12)


@pytest.mark.parametrize(
    "bad",
    [
        "matter.registered.v1",
        "duban.matter.registered",
        "duban.matter.registered.v0",
        "duban.matter.registered.1",
        "duban.matter.v1",
        "duban.matter.registered.v1.x",
    ],
)
def test_split_type_refuses(bad):
    with pytest.raises(SubjectError, match="duban.<aggregate>.<event>.v<major>"):
        subjects.split_type(bad)


def test_event_subject_for_type_drops_the_version():
    assert subjects.event_subject_for_type("yuqing", "duban.deadline.set.v1") == "duban.ev.yuqing.deadline.set"
    assert subjects.event_subject_for_type("yuqing", "duban.deadline.set.v2") == "duban.ev.yuqing.deadline.set"
    with pytest.raises(SubjectError):
        subjects.event_subject_for_type("yuqing", "deadline.set")
    with pytest.raises(SubjectError):
        subjects.event_subject_for_type("BAD", "duban.deadline.set.v1")
