"""The workbench in a real browser (Debian's Chromium through its chromium-driver), against the
running system: five services and the workbench as processes. Every step is a click or a
keystroke in the page; each role signs in in its own browser. Screenshots of every page at
1400 px and 390 px go to test-artifacts/workbench/."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import FLAGS
from browser_support import binary as _binary
from e2e_support import example, wait_for

pytestmark = pytest.mark.e2e
DEFAULT_BACKENDS = ["sqlite"]  # pages over the services' APIs; the APIs run on PostgreSQL in their own modules

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "workbench"
TITLE = "反映幸福里小区路灯长期不亮"
PHONE = (390, 844)


def _gone(element) -> bool:
    """Whether a page's element belongs to a page that has been replaced (mid-navigation the
    driver may answer with an inspector error instead of a stale reference)."""
    try:
        element.is_enabled()
        return False
    except WebDriverException:
        return True


class Browser:
    """One person's browser: its own profile, so its own cookies and session."""

    def __init__(self, system, profile: Path, size=(1400, 1000)) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = _binary("chromium", "chromium-browser")
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations show up in the console
        self.d = webdriver.Chrome(options=options, service=Service(executable_path=_binary("chromedriver")))
        self.d.set_page_load_timeout(60)
        self.size = size
        self.d.set_window_size(*size)
        self.base = system.url("workbench")

    def open(self, path: str) -> None:
        self.d.get(self.base + path)

    def find(self, css: str):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def click(self, css: str, navigates: bool = True) -> None:
        self._go(self.find(css), navigates)

    def link(self, text: str) -> None:
        self._go(self.d.find_element(By.PARTIAL_LINK_TEXT, text), True)

    def _go(self, element, navigates: bool) -> None:
        """Click; when the click loads a page, wait until the old page is gone."""
        page = self.find("html")
        element.click()
        if navigates:
            WebDriverWait(self.d, 60).until(lambda _: _gone(page))

    def type(self, css: str, text: str) -> None:
        el = self.find(css)
        el.clear()
        el.send_keys(text)

    def text(self) -> str:
        return self.find("body").text

    def login(self, username: str, password: str) -> None:
        self.open("/")
        assert "登录督查督办工作台" in self.text()
        self.type("#f-username", username)
        self.type("#f-password", password)
        self.click("#do-login")

    def reload_until(self, predicate, what: str, timeout_s: float = 60):
        def check():
            self.d.refresh()
            return predicate()

        return wait_for(check, timeout_s=timeout_s, interval_s=0.5, what=what)

    def open_details(self, summary: str) -> None:
        """Open a folded form (<details>) by clicking its summary, unless it is open."""
        for el in self.d.find_elements(By.CSS_SELECTOR, "details.action"):
            s = el.find_element(By.TAG_NAME, "summary")
            if summary in s.text:
                if el.get_attribute("open") is None:
                    s.click()
                return
        raise AssertionError(f"no form {summary!r} on {self.d.current_url}: {self.text()[:500]}")

    def shoot(self, name: str) -> None:
        """The page at 1400 px and at 390 px, whole height; at 390 px nothing may scroll sideways."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for width in (1400, 390):
            self.d.set_window_size(width, 900)
            height = self.d.execute_script("return document.documentElement.scrollHeight")
            self.d.set_window_size(width, min(max(int(height) + 120, 700), 8000))
            assert self.d.save_screenshot(str(ARTIFACTS / f"{name}-{width}.png"))
            if width == 390:
                wide = self.d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
                assert wide[0] <= wide[1], f"{name} scrolls sideways at 390 px: {wide}"
        self.d.set_window_size(*self.size)

    def console_errors(self) -> list[str]:
        """Script errors and refused resources; a form answered 4xx (a refusal page) is expected."""
        return [
            e["message"]
            for e in self.d.get_log("browser")
            if e["level"] == "SEVERE"
            and not re.search(r"status of 4(22|09|03|04)", e["message"])
            or "Content Security Policy" in e["message"]
        ]

    def quit(self) -> None:
        self.d.quit()


@pytest.fixture(scope="module")
def browsers(system, tmp_path_factory):
    made: dict[str, Browser] = {}

    def get(name: str, size=(1400, 1000)) -> Browser:
        if name not in made:
            made[name] = Browser(system, tmp_path_factory.mktemp(f"chromium-{name}"), size)
        return made[name]

    yield get
    for name, b in made.items():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        b.d.save_screenshot(
            str(ARTIFACTS / f"last-{name}.png")
        )  # where each browser ended: what to look at when a step failed
        b.quit()


@pytest.fixture(scope="module", autouse=True)
def completion_reports_straight_to_the_office(system):
    """The daily loop here is the office's: the module's tenant turns the unit's sign-off of completion
    reports off (its tenant setting), so the office reviews them at once. The unit head's 审签 on the
    待我签批 page is test_workbench_approvals.py's."""
    r = httpx.put(
        f"{system.url('tasking')}/v1/tenants/demo/signoff-chains/completion_report",
        json={"steps": []},
        headers={"X-Duban-Role": "supervision_office"},
        timeout=10,
    )
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def message(system):
    """An online message from the 12345 hotline with no unit named: it waits in the triage queue."""
    env = example("online_message", id="wb-message-1")
    env["data"].update(
        title=TITLE, content="幸福里小区3栋至5栋之间路灯已经一个多月不亮，晚上出行不便，联系电话13912345678。"
    )
    del env["data"]["lead_unit"]
    r = httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=env, timeout=30)
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    return r.json()["submission_id"]


def test_the_daily_loop_by_clicks(system, browsers, message, tmp_path):
    office = browsers("office")
    office.login("dcs", "dcs2026")
    assert office.d.current_url.endswith("/office")
    office.shoot("office-home")
    pending = int(office.find("#count-1 .n").text)
    assert pending >= 1

    # 来件: register the message, 住建局 leads
    office.link("来件")
    assert TITLE in office.text() and "张*三" in office.text() and "13912345678" not in office.text()
    office.shoot("intake-list")
    office.link(TITLE)
    assert "139****5678" in office.text() and "13912345678" not in office.text(), (
        "citizen data masked on the triage page"
    )
    office.shoot("intake-detail")
    office.click("#do-register")  # no lead unit chosen: refused beside the field
    assert office.find(".field-error").text == "请为第 1 项选择牵头单位"
    Select(office.find("#f-lead_1")).select_by_visible_text("县住房和城乡建设局")
    office.type("#f-note", "转住建局办理")
    office.click("#do-register")
    assert "已立项并交办" in office.text()

    # the handler of 住建局, on a phone
    handler = browsers("zjj", PHONE)
    handler.login("zjj", "zjj2026")
    assert handler.d.current_url.endswith("/todo")
    handler.reload_until(lambda: TITLE in handler.text(), "the task in 住建局's 我的待办")
    assert "签收" in handler.find("#todo").text
    handler.shoot("todo")
    handler.link(TITLE)
    task_url = handler.d.current_url
    task_path = task_url[len(handler.base) :]
    assert "/tasks/" in task_path and "已交办" in handler.find("#status").text
    assert "139****5678" in handler.text() and "13912345678" not in handler.text(), (
        "the number in the message is masked"
    )
    handler.shoot("task-assigned")
    handler.click("#do-acknowledge")
    assert "已签收" in handler.text() and "已签收" in handler.find("#status").text

    # progress: a Chinese error beside the field, the typed text kept
    handler.type("#f-text", "已安排路灯维修单位现场查看")
    handler.type("#f-progress", "150")
    handler.click("#do-progress")
    assert "办理进度应是 0 到 100 之间的整数" in handler.find("#e-progress").text
    assert handler.find("#f-text").get_attribute("value") == "已安排路灯维修单位现场查看"
    handler.shoot("task-form-error")
    handler.type("#f-progress", "40")
    handler.click("#do-progress")
    assert "进展已反馈" in handler.text() and "进展反馈（进度 40%）" in handler.find("#timeline").text

    # 延期申请, with the working days it adds
    due = date.fromisoformat(handler.find("input[name=current_due_on]").get_attribute("value"))
    asked = due + timedelta(days=7)
    handler.open_details("延期申请")
    handler.d.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
        handler.find("#f-requested_due_on"),
        asked.isoformat(),
    )
    wait_for(lambda: "个工作日" in handler.find("#workdays").text, what="the working days the extension adds")
    assert "延长 5 个工作日" in handler.find("#workdays").text, handler.find("#workdays").text
    handler.type("#f-ext-reason", "路灯电缆需整体更换，需协调供电公司停电施工")
    handler.click("#do-extension")
    assert "延期申请已提交" in handler.text()

    # the office approves it from its queue
    office.open("/office")
    office.link("延期待批")
    office.shoot("queue-extensions")
    office.link("审批延期申请")
    office.find("input[name=decision][value=approved]").click()
    office.type("#f-decision_reason", "同意延期")
    office.click("#do-decide")
    assert "延期审批已完成" in office.text() and f"期限延至 {asked.isoformat()}" in office.find("#timeline").text
    wait_for(
        lambda: handler.d.refresh() or asked.isoformat() in handler.find("#due").text,
        what="the new deadline on the task",
    )

    # completion → returned with a reason → resubmitted → accepted
    handler.open_details("办结报告")
    handler.type("#f-completion", "已更换路灯电缆，路灯恢复正常照明")
    handler.click("#do-completion")
    assert "办结报告已提交" in handler.text() and "待审核" in handler.find("#status").text

    office.open(task_path)
    office.shoot("task-review")
    office.open_details("退回重办")
    office.click("#do-return")
    assert "请填写退回理由" in office.text()
    office.type("#f-return-reason", "缺少现场照片，请补充整改前后对比照片")
    office.click("#do-return")
    assert "已退回重办" in office.text()

    handler.d.refresh()
    assert "退回重办" in handler.find("#status").text and "缺少现场照片" in handler.find("#timeline").text
    handler.open_details("办结报告")
    handler.type("#f-completion", "已补充整改前后对比照片，路灯恢复正常")
    handler.click("#do-completion")
    assert "办结报告已提交" in handler.text()

    office.d.refresh()
    office.click("#do-accept")
    assert "审核通过" in office.text() and "已办结" in office.find("#status").text
    office.shoot("task-completed")

    # 抽查回访: draw every completed online message, record the callback of ours
    office.link("抽查回访")
    office.shoot("spot-checks")
    office.type("#f-rate", "100")
    office.click("#do-draw")
    form = office.find(f"form[action$='/callbacks/{task_path.rsplit('/', 1)[1]}']")
    form.find_element(By.CSS_SELECTOR, "input[value=yes]").click()
    form.find_element(By.TAG_NAME, "textarea").send_keys("电话回访，群众表示满意")
    office._go(form.find_element(By.CSS_SELECTOR, "button"), True)
    assert "回访结果已记录" in office.text() and "回访结果：满意" in office.text()
    office.shoot("spot-check")
    office.open(task_path)
    assert "抽查回访" in office.find("#timeline").text

    # the ledger finds it, with search, and exports
    office.link("台账")
    office.type("#f-q", "幸福里")
    office.click(".filters button", navigates=False)  # htmx: the table is replaced, the address follows the filter
    wait_for(lambda: "q=" in office.d.current_url, what="the filtered ledger's address")
    office.reload_until(
        lambda: TITLE in office.find("#ledger-table").text and "已办结" in office.find("#ledger-table").text,
        "the ledger row",
    )
    office.shoot("ledger")
    href = office.find("#export").get_attribute("href")
    assert href.endswith("/ledger.xlsx?q=%E5%B9%B8%E7%A6%8F%E9%87%8C")
    jar = {c["name"]: c["value"] for c in office.d.get_cookies()}
    book = httpx.get(href, cookies=jar, timeout=60)  # what the browser downloads, with the same session
    assert book.status_code == 200 and book.content[:2] == b"PK" and ".xlsx" in book.headers["content-disposition"]
    notice = httpx.get(f"{office.base}{task_path}/notice.docx", cookies=jar, timeout=60)
    assert (
        notice.status_code == 200
        and notice.content[:2] == b"PK"
        and "filename*=UTF-8''" in notice.headers["content-disposition"]
    )
    assert httpx.get(href, timeout=60, follow_redirects=False).status_code == 303, "no session, no download"

    for page, name in (("/assign", "assign"), ("/queue/review", "queue-review"), ("/queue/overdue", "queue-overdue")):
        office.open(page)
        office.shoot(name)
    assert office.console_errors() == [] and handler.console_errors() == [], (
        "no script, style or CSP error in the pages"
    )

    # another unit's handler: the same 404 page as a task that does not exist
    other = browsers("jyj", PHONE)
    other.login("jyj", "jyj2026")
    other.open(task_path)
    assert "页面不存在" in other.text() and TITLE not in other.text()
    other.shoot("not-found")
    other.open("/tasks/00000000-0000-0000-0000-000000000000")
    assert "页面不存在" in other.text()


def test_a_state_change_without_its_csrf_token_is_refused_and_logout_ends_the_session(system, browsers):
    handler = browsers("zjj", PHONE)
    handler.open("/todo")
    if "登录督查督办工作台" in handler.text():
        handler.login("zjj", "zjj2026")
    # a form another site could post: the browser sends the cookie (same-site here), but no token
    status = handler.d.execute_async_script(
        "const done = arguments[0];"
        "fetch('/tasks/00000000-0000-0000-0000-000000000000/acknowledge', {method: 'POST', body: new URLSearchParams({x: '1'})})"
        ".then(r => r.text().then(t => done([r.status, t])))"
    )
    assert status[0] == 403 and "请求无效" in status[1], status

    handler.click("#logout")
    assert "您已退出登录" in handler.text()
    handler.open("/todo")
    assert handler.d.current_url.startswith(handler.base + "/login") and "登录督查督办工作台" in handler.text()
    handler.shoot("login")


def test_leader_sees_the_dashboard_in_the_workbench_without_a_token_in_any_link(system, browsers):
    leader = browsers("leader")
    leader.login("leader", "leader2026")
    assert leader.d.current_url.endswith("/kanban")
    assert leader.d.title.startswith("督查督办工作看板")
    assert "access_token" not in leader.d.page_source
    leader.shoot("kanban")


def test_a_progress_report_carries_a_pdf_the_office_can_download(system, browsers, tmp_path):
    """Needs tasking's attachments API (POST/GET /v1/tenants/{t}/tasks/{id}/attachments)."""
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "整改照片.pdf"
    c = canvas.Canvas(str(pdf))
    c.drawString(72, 720, "photos")
    c.save()
    env = example("online_message", id="wb-message-pdf")
    env["data"]["title"] = "反映学府路积水"
    r = httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=env, timeout=30)
    assert r.status_code == 201, r.text
    handler = browsers("zjj-pdf", PHONE)
    handler.login("zjj", "zjj2026")
    handler.reload_until(lambda: "反映学府路积水" in handler.text(), "the task in 我的待办")
    handler.link("反映学府路积水")
    handler.click("#do-acknowledge")
    handler.type("#f-text", "已排查积水原因，附现场照片")
    handler.type("#f-progress", "20")
    handler.find("#f-file-progress").send_keys(str(pdf))
    handler.click("#do-progress")
    assert "进展已反馈" in handler.text(), handler.text()[:800]
    link = handler.d.find_element(By.PARTIAL_LINK_TEXT, "整改照片.pdf")
    got = httpx.get(
        link.get_attribute("href"), cookies={c["name"]: c["value"] for c in handler.d.get_cookies()}, timeout=30
    )
    assert got.status_code == 200 and got.content == pdf.read_bytes()
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    handler.shoot("task-with-attachment")


def test_the_expired_page(system, browsers):
    b = browsers("expired")
    b.open("/login")
    b.d.add_cookie({"name": "duban_session", "value": "gAAAAA-not-a-valid-session", "path": "/"})
    b.open("/todo")
    assert b.d.current_url.endswith("/expired") and "登录已过期" in b.text()
    b.shoot("expired")
    assert json.dumps(b.d.get_cookies()).find("gAAAAA-not-a-valid-session") == -1, "the dead cookie is removed"


def test_with_a_service_down_the_page_names_it_and_the_rest_works(system, browsers):
    office = browsers("office-down")
    office.login("dcs", "dcs2026")
    system.services["deadline"].stop()
    try:
        office.open("/office")
        assert "期限服务暂时无法访问：延期待批数暂不显示" in office.text()
        assert office.find("#count-6 .n").text == "暂不可用" and office.find("#count-1 .n").text.isdigit(), (
            "the other counts are there"
        )
        office.link("台账")
        office.d.find_element(By.CSS_SELECTOR, "#ledger td.title a").click()
        WebDriverWait(office.d, 60).until(lambda d: "/tasks/" in d.current_url)
        assert "期限服务暂时无法访问：办理期限和红黄绿灯暂不显示" in office.text()
        assert office.find("#timeline").text and office.find("#status").text, "the task and its timeline are shown"
        office.shoot("service-down")
    finally:
        system.restart_service("deadline")


def test_a_unit_declines_and_the_office_reassigns_by_clicks(system, browsers):
    env = example("online_message", id="wb-message-decline")
    env["data"]["title"] = "反映学校门口交通拥堵"
    del env["data"]["lead_unit"]
    assert httpx.post(f"{system.url('intake')}/v1/tenants/demo/submissions", json=env, timeout=30).status_code == 201
    office = browsers("office-decline")
    office.login("dcs", "dcs2026")
    office.link("来件")
    office.link("反映学校门口交通拥堵")
    Select(office.find("#f-lead_1")).select_by_visible_text("县教育局")
    office.click("#do-register")

    unit = browsers("jyj-decline", PHONE)
    unit.login("jyj", "jyj2026")
    unit.reload_until(lambda: "反映学校门口交通拥堵" in unit.text(), "the task in 教育局's 我的待办")
    unit.link("反映学校门口交通拥堵")
    task_path = unit.d.current_url[len(unit.base) :]
    unit.open_details("退回")
    unit.click("#decline button[type=submit]")
    assert "请填写退回理由" in unit.find("#e-reason").text
    unit.type("#f-reason", "交通秩序属公安交警和交通运输部门职责")
    unit.click("#decline button[type=submit]")
    assert "已退回" in unit.text() and "已退回" in unit.find("#status").text
    unit.shoot("task-declined")

    office.open(task_path)
    assert "交通秩序属公安交警" in office.find("#timeline").text
    Select(office.find("#f-lead_unit")).select_by_visible_text("县交通运输局")
    office.click("#do-reassign")
    assert "已重新交办" in office.text() and "县交通运输局" in office.find("#facts").text
    office.shoot("task-reassigned")
    unit.open(task_path)
    assert "页面不存在" in unit.text(), "教育局 no longer sees the task it handed back"
