"""A tenant's working-day calendar over HTTP: days, local holidays, loaded year schedules.
Every change recomputes the open deadlines it touches and answers which moved."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from duban_common.calendar import TZ
from duban_common.dependencies import RuntimeDep
from duban_common.http import ERROR_RESPONSES, Day

from ..service_layer import calendar_admin, views
from . import common


class LocalHolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, description="e.g. 自治县成立纪念日")


class YearScheduleIn(BaseModel):
    """A year's schedule as the State Council's notice gives it (国务院办公厅关于…年部分节假日安排的通知)."""

    model_config = ConfigDict(extra="forbid")
    holidays: list[date] = Field(min_length=1, max_length=60)
    working_weekends: list[date] = Field(default_factory=list, max_length=20)
    source: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _consistent(self):
        both = sorted(set(self.holidays) & set(self.working_weekends))
        if both:
            raise ValueError(f"days listed both as holiday and as working weekend: {[d.isoformat() for d in both]}")
        return self


YEAR = Path(ge=2000, le=2100, description="the years a schedule can be loaded for")
router = APIRouter(tags=["calendar"], responses=ERROR_RESPONSES)


def _check_year(year: int, body: YearScheduleIn) -> None:
    for name, days in (("holidays", body.holidays), ("working_weekends", body.working_weekends)):
        for index, day in enumerate(days):
            if day.year != year:
                raise common.field_error(["body", name, index], f"{day.isoformat()} is not in {year}")
            if name == "working_weekends" and day.weekday() < 5:
                raise common.field_error(["body", name, index], f"{day.isoformat()} is not a Saturday or Sunday")


@router.get("/v1/tenants/{tenant}/calendar")
async def calendar_days(
    tenant: str, runtime: RuntimeDep, start: Day = Query(alias="from"), end: Day = Query(alias="to")
) -> dict:
    common.valid_tenant(tenant)
    if end < start or (end - start).days > 366:
        raise common.field_error(["query", "to"], "'to' must be on or after 'from' and at most 366 days later")
    days = await views.calendar_days(runtime.db, tenant, start, end)
    # the services' own today (their clock: simulated in the demo), so a page counts days waited from it
    return {"tenant": tenant, "today": runtime.clock.now().astimezone(TZ).date(), "days": days}


@router.get("/v1/tenants/{tenant}/calendar/local-holidays")
async def list_local_holidays(tenant: str, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    return {"tenant": tenant, "items": await views.local_holidays(runtime.db, tenant)}


@router.put("/v1/tenants/{tenant}/calendar/local-holidays/{day}")
async def put_local_holiday(tenant: str, day: date, body: LocalHolidayIn, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    async with runtime.unit_of_work() as uow:
        changes = await calendar_admin.add_local_holiday(uow, tenant, day, body.name, runtime.settings.due_time)
    return {"tenant": tenant, "day": day, "name": body.name, **calendar_admin.summary(changes)}


@router.delete("/v1/tenants/{tenant}/calendar/local-holidays/{day}")
async def delete_local_holiday(tenant: str, day: date, runtime: RuntimeDep) -> dict:
    common.valid_tenant(tenant)
    async with runtime.unit_of_work() as uow:
        changes = await calendar_admin.remove_local_holiday(uow, tenant, day, runtime.settings.due_time)
    if changes is None:
        raise HTTPException(404, f"{day.isoformat()} is not a local holiday of tenant {tenant}")
    return {"tenant": tenant, "day": day, "removed": True, **calendar_admin.summary(changes)}


@router.get("/v1/tenants/{tenant}/calendar/years")
async def list_years(
    tenant: str,
    runtime: RuntimeDep,
    start: int = Query(2024, alias="from", ge=2000, le=2100),
    end: int = Query(2030, alias="to", ge=2000, le=2100),
) -> dict:
    common.valid_tenant(tenant)
    return {"tenant": tenant, "years": await views.calendar_years(runtime.db, tenant, start, end)}


@router.get("/v1/tenants/{tenant}/calendar/years/{year}")
async def get_year(tenant: str, runtime: RuntimeDep, year: int = YEAR) -> dict:
    common.valid_tenant(tenant)
    schedule = await views.year_schedule(runtime.db, tenant, year)
    if schedule is None:
        raise HTTPException(404, f"{year} 年的工作日安排尚未导入")
    return schedule


@router.put("/v1/tenants/{tenant}/calendar/years/{year}")
async def put_year(tenant: str, body: YearScheduleIn, runtime: RuntimeDep, year: int = YEAR) -> dict:
    common.valid_tenant(tenant)
    _check_year(year, body)
    async with runtime.unit_of_work() as uow:
        changes = await calendar_admin.load_year(
            uow, tenant, year, body.holidays, body.working_weekends, body.source, runtime.settings.due_time
        )
    return {"tenant": tenant, "year": year, **calendar_admin.summary(changes)}
