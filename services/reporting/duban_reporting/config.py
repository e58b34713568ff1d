from duban_common.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: str = "reporting"
    http_port: int = 8105
    yellow_workdays: int = 2  # a task is yellow this many working days before its deadline
    admonition_bottom: int = 3  # the bottom N of the unit ranking are flagged for an admonition talk (约谈)
    dashboard_overdue_limit: int = 20  # overdue matters per dashboard page
    tasking_url: str = "http://127.0.0.1:8102"  # the units directory, for unit names in exports and the dashboard
    rebuild_batch: int = 500  # events applied per transaction when a rebuild replays the stream into a fresh database
