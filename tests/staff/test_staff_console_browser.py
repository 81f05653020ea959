"""The staff console in a real headless Chromium (Debian's chromium, driven by Playwright), the whole review loop:
an enterprise's question the documents do not answer → log in → filter to it → review it → publish a curated
answer → the same question on the chat page gets it, marked 经工作人员审核 → on a day a newer version of the cited
law is in force the answer is flagged stale and no longer served → the dashboard draws its charts → two evaluation
runs compare with the regressions highlighted. Nothing the Content-Security-Policy blocks is allowed.

Screenshots go to ``$POLICYBOT_SCREENSHOTS`` when set (the README's come from there), else to a temporary folder.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from chromium import BROWSER_ARGS, CHROMIUM, free_port
from staff_helpers import PASSWORD, USERNAME, add_user

from api.app import create_app
from api.factory import Components, build_pipeline
from bot.pipeline import Pipeline
from bot.settings import PROJECT_ROOT, Settings
from eval.bench import served
from eval.dataset import load_dataset

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is missing (scripts/test.sh installs it)")
QUESTION = "商标续展要交多少钱？"  # no_answer: the laws state no fee
CORRECTED = (
    "商标续展的费用标准不由法律规定，按国家知识产权局公布的收费标准缴纳。注册商标有效期满需要继续使用的，"
    "应当在期满前十二个月内办理续展手续；期间未能办理的，可以给予六个月的宽展期。"
)
TRADEMARK_LAW_2019 = "related/商标法(2019-04-23)"
LATER = date(2027, 1, 2)  # the 2026 revision of the Trademark Law is in force from 2027-01-01
SAMPLE_CASES = 30
TRAFFIC = 40


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("POLICYBOT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def console_settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A SQLite database of its own and a datasets folder with the first cases of the lay set (runs stay short)."""
    folder = tmp_path_factory.mktemp("console")
    datasets = folder / "datasets"
    datasets.mkdir()
    lines = (PROJECT_ROOT / "eval" / "datasets" / "lay.jsonl").read_text(encoding="utf-8").splitlines()
    (datasets / "lay-sample.jsonl").write_text("\n".join(lines[:SAMPLE_CASES]) + "\n", encoding="utf-8")
    staff = settings.staff.model_copy(
        update={"datasets_dir": datasets, "regression_dataset": datasets / "regression.jsonl"}
    )
    return settings.model_copy(update={"database_url": f"sqlite:///{folder / 'policybot.sqlite3'}", "staff": staff})


@pytest.fixture(scope="module")
def server(console_settings: Settings, pipeline: Pipeline) -> Iterator[tuple[str, Any]]:
    """The app on the tests' day, with one reviewer account."""
    app = create_app(console_settings, pipeline=pipeline)
    with served(app, free_port()) as url:
        add_user(_Client(app), USERNAME, PASSWORD)
        yield url, app


class _Client:
    """What ``add_user`` needs of a test client: the app."""

    def __init__(self, app: Any) -> None:
        self.app = app


def _later(pipeline: Pipeline) -> Pipeline:
    """The same pipeline asked on ``LATER``."""
    twin = copy.copy(pipeline)
    twin.today = lambda: LATER
    return twin


@pytest.fixture()
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, violations: list[str]) -> Any:
    """A page that records every Content-Security-Policy violation."""
    page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def _log_in(page: Any) -> None:
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_review_publish_serve_and_stale(
    server: tuple[str, Any], browser: Any, console_settings: Settings, pipeline: Pipeline, shots: Path
) -> None:
    from playwright.sync_api import expect

    url, _ = server
    violations: list[str] = []
    chat = _page(browser, violations)
    chat.goto(url)
    chat.fill("#question", QUESTION)
    chat.click("#send")
    expect(chat.locator(".turn").nth(0)).to_have_class("turn no_answer", timeout=15_000)

    page = _page(browser, violations)
    response = page.goto(f"{url}/admin/turns")
    assert response is not None and response.status == 401  # the login page, until logged in
    expect(page.locator("h1")).to_have_text("PolicyBot 工作人员后台")
    _log_in(page)
    expect(page.locator("header.bar nav a.current")).to_have_text("对话记录", timeout=10_000)
    page.select_option("select[name=status]", "no_answer")
    page.click("#filters button[type=submit]")
    row = page.locator("tr.turn", has_text=QUESTION)
    expect(row).to_have_count(1)
    expect(page.locator("tr.turn")).to_have_count(page.locator("tr.turn .badge.no_answer").count())
    page.screenshot(path=str(shots / "console-conversations.png"))
    row.locator("a").click()

    expect(page.locator("#question")).to_have_text(QUESTION)
    expect(page.locator("#facts .badge.no_answer")).to_be_visible()
    expect(page.locator("#trace")).to_contain_text("unstated_figure")  # the answer step that abstained
    expect(page.locator("#trace table.trace thead th")).to_have_count(6)  # the five best passages, feature by feature
    expect(page.locator("#trace table.trace tbody")).to_contain_text("memory")
    expect(page.locator("#provenance")).to_contain_text(pipeline.index.build_id)
    page.check("input[name=verdict][value=wrong]")
    page.fill("textarea[name=comment]", "文件确实没有规定金额，但可以告诉企业续展期限和收费依据。")
    page.fill("textarea[name=corrected_answer]", CORRECTED)
    page.click("#review button[type=submit]")
    expect(page.locator("#review-message")).to_have_text("已保存审核。")
    expect(page.locator("#reviews .badge.wrong")).to_be_visible()

    # Publish, citing the Trademark Law of 2019 art. 40 (chosen among the turn's citations, or added by label).
    expect(page.locator("#publish textarea[name=answer]")).to_have_value(CORRECTED)
    page.locator("#publish-citations input").first.uncheck()  # the best-scored cited passage, checked by default
    page.select_option("#add-doc", TRADEMARK_LAW_2019)
    page.fill("#add-section", "第四十条")
    page.click("#add-citation")
    expect(page.locator("#publish-message")).to_contain_text("已添加")
    page.click("#publish button[type=submit]")
    expect(page.locator("#publish-message")).to_contain_text("已发布审核答复")
    page.screenshot(path=str(shots / "console-review-publish.png"), full_page=True)

    chat.fill("#question", QUESTION)
    chat.click("#send")
    served_turn = chat.locator(".turn").nth(1)
    expect(served_turn.locator(".answer")).to_contain_text("经工作人员审核", timeout=15_000)
    expect(served_turn.locator(".answer")).to_contain_text("按国家知识产权局公布的收费标准缴纳")
    expect(served_turn).to_have_class("turn answered curated")
    served_turn.locator(".citations summary").click()
    expect(served_turn.locator(".citations li").first).to_contain_text("中华人民共和国商标法（2019年修正）")
    expect(served_turn.locator(".citations li").first).to_contain_text("第四十条")
    chat.screenshot(path=str(shots / "chat-curated-answer.png"))

    page.goto(f"{url}/admin/curated")
    expect(page.locator("tr.curated-row").first.locator(".badge")).to_have_text("已发布")

    # The same database on a day the 2026 revision is in force: the answer rests on a superseded version.
    with served(create_app(console_settings, pipeline=_later(pipeline)), free_port()) as later_url:
        later = _page(browser, violations)
        later.goto(f"{later_url}/admin/curated")
        _log_in(later)
        stale = later.locator("tr.curated-row").first
        expect(stale.locator(".badge")).to_have_text("已过时", timeout=10_000)
        expect(stale.locator(".stale-reason")).to_contain_text("已被2027-01-01起施行的新版本取代")
        later.screenshot(path=str(shots / "console-curated-stale.png"))
        stale.locator("button.approve").click()  # still superseded: the console says to cite the law in force
        expect(later.locator("#message")).to_contain_text("请先编辑答复、改引现行条文")
        later.goto(later_url)
        later.fill("#question", QUESTION)
        later.click("#send")
        expect(later.locator(".turn").nth(0).locator(".answer")).not_to_contain_text("经工作人员审核", timeout=15_000)
    assert violations == []


def test_dashboard_charts_and_eval_comparison(
    server: tuple[str, Any],
    browser: Any,
    console_settings: Settings,
    components: Components,
    pipeline: Pipeline,
    shots: Path,
) -> None:
    from playwright.sync_api import expect

    url, app = server
    # Traffic for the dashboard: questions of the lay set asked on the chat API; the unanswered ones rated unhelpful,
    # answered ones helpful, up to the ratings one client may post in a minute.
    lay = load_dataset(PROJECT_ROOT / "eval" / "datasets" / "lay.jsonl")[SAMPLE_CASES : SAMPLE_CASES + TRAFFIC]
    with httpx.Client(base_url=url, timeout=60) as client:
        answers = [client.post("/api/chat", json={"question": case.question}).json() for case in lay]
        answers.sort(key=lambda answer: answer["status"] == "answered")
        for answer in answers[: console_settings.feedback_rate_limit]:
            client.post(
                "/api/feedback",
                json={
                    "answer_id": answer["answer_id"],
                    "session_id": answer["session_id"],
                    "helpful": answer["status"] == "answered",
                },
            )
    violations: list[str] = []
    page = _page(browser, violations)
    page.goto(f"{url}/admin")
    _log_in(page)
    expect(page.locator("header.bar nav a.current")).to_have_text("概览", timeout=10_000)
    for chart in ("questions", "rates", "feedback", "latency"):  # Chart.js drew into each canvas
        page.wait_for_function(
            "id => Chart.getChart(document.getElementById(id)) !== undefined", arg=f"chart-{chart}", timeout=10_000
        )
    expect(page.locator("#tiles .tile .value").first).to_have_text(str(TRAFFIC + 3))  # and the first test's three
    expect(page.locator("ul.gaps li.gap").first).to_be_visible()
    page.select_option("#days", "7")
    expect(page.locator("#tiles .tile .value").last).not_to_have_text("0 / 0")
    page.screenshot(path=str(shots / "console-dashboard.png"), full_page=True)

    # Two runs of the same sample: the served pipeline, then one built with top_k = 1 (fewer citations: four of
    # these cases then miss their evidence), which must show up as regressions.
    page.goto(f"{url}/admin/eval")
    page.select_option("select[name=set]", "lay-sample.jsonl")
    page.click("#start button[type=submit]")
    expect(page.locator("tr.run").first).to_have_attribute("data-status", "done", timeout=120_000)
    fewer = console_settings.retrieval.model_copy(update={"top_k": 1})
    worse = console_settings.model_copy(update={"retrieval": fewer})
    original = app.state.pipeline
    app.state.pipeline = build_pipeline(worse, components).with_sessions(original.sessions)
    try:
        page.click("#start button[type=submit]")
        expect(page.locator("tr.run")).to_have_count(2)
        expect(page.locator("tr.run").first).to_have_attribute("data-status", "done", timeout=120_000)
    finally:
        app.state.pipeline = original
    page.click("#compare")
    expect(page.locator("#comparison-title")).to_contain_text("退步")
    assert page.locator("#cases tr.regressed, #cases tr.worse").count() >= 1
    expect(page.locator("#metrics td.worse").first).to_be_visible()
    page.screenshot(path=str(shots / "console-eval-compare.png"), full_page=True)
    assert violations == []


def test_pages_ask_for_a_login_and_load_nothing_from_elsewhere(server: tuple[str, Any], browser: Any) -> None:
    url, _ = server
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/admin", "/admin/turns", "/admin/curated", "/admin/eval", "/admin/turns/0123"):
        response = page.goto(url + path)
        assert response is not None and response.status == 401
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert all(address.startswith(url) for address in requested)
