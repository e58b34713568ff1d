from pydantic import Field

from duban_common.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: str = "reporting"
    http_port: int = 8105
    yellow_workdays: int = 2  # a task is yellow this many working days before its deadline
    # the admonition rule (约谈): the bottom N by score, and every unit with a transfer in the period (domain.statistics)
    admonition_bottom: int = 3  # N where the tenant has none of its own
    admonition_bottoms: dict[str, int] = Field(
        default_factory=dict
    )  # tenant → N, DUBAN_ADMONITION_BOTTOMS='{"yuqing": 5}'
    dashboard_overdue_limit: int = 20  # overdue matters per dashboard page
    rebuild_batch: int = 500  # events applied per transaction when a rebuild replays the stream into a fresh database
    # bulletins and special reports (督查通报, 督查专报)
    # 发文机关 and 落款 when the tenant registry (intake) has no issuing_body for the tenant and `issuers` none either
    issuer: str = "县人民政府督查室"
    issuers: dict[str, str] = Field(
        default_factory=dict
    )  # tenant → issuing body, DUBAN_ISSUERS='{"yuqing": "余庆县人民政府督查室"}'
    bulletin_addressee: str = "各乡镇人民政府，县政府各部门、各直属机构："
    special_report_addressee: str = "县人民政府领导："
    report_copies_to: list[str] = Field(default_factory=lambda: ["县委组织部", "县纪委监委", "县作风建设办公室"])
    rhythm_remind_workdays: int = 3  # a draft waiting longer than this many working days: the office is reminded, once
    rhythm_poll_s: float = (
        30.0  # how often the reporting rhythm looks for ended periods (besides every simulated clock change)
    )
    special_report_limit: int = 200  # matters a campaign's special report may cover

    def issuer_of(self, tenant: str) -> str:
        return self.issuers.get(tenant, self.issuer)

    def admonition_bottom_of(self, tenant: str) -> int:
        return self.admonition_bottoms.get(tenant, self.admonition_bottom)
