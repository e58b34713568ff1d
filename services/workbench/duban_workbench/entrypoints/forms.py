"""The forms' checks, in Chinese, before anything is sent: each answers (values, errors)
where errors maps a field to what is wrong with it."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData


def text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def need(errors: dict, name: str, value: str, label: str, *, least: int = 1, most: int = 2000) -> None:
    if not value:
        errors[name] = f"请填写{label}"
    elif len(value) < least:
        errors[name] = f"{label}至少 {least} 个字"
    elif len(value) > most:
        errors[name] = f"{label}不能超过 {most} 个字（现有 {len(value)} 个字）"


def percent(errors: dict, name: str, value: str) -> int | None:
    if not value:
        errors[name] = "请填写办理进度（0 到 100 之间的整数）"
        return None
    try:
        number = int(value)
    except ValueError:
        errors[name] = "办理进度应是 0 到 100 之间的整数"
        return None
    if not 0 <= number <= 100:
        errors[name] = "办理进度应是 0 到 100 之间的整数"
        return None
    return number


def day(
    errors: dict, name: str, value: str, label: str, *, after: date | None = None, required: bool = True
) -> date | None:
    if not value:
        if required:
            errors[name] = f"请选择{label}"
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = f"{label}格式不对，应为 年-月-日，例如 2026-12-31"
        return None
    if after and day <= after:
        errors[name] = f"{label}应晚于 {after.isoformat()}"
        return None
    return day


def files(form: FormData, name: str = "file") -> list:
    return [f for f in form.getlist(name) if getattr(f, "filename", None)]
