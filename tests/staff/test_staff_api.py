"""The staff console's JSON API through the real app and pipeline, on SQLite and PostgreSQL: sessions, CSRF and the
login limit; the conversation list's filters and a turn's detail; reviews; corrections that become regression
cases; curated answers served, versioned, withdrawn, flagged stale and approved again; statistics; evaluation runs;
exports; the `policybot admin create-user` command."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from db_helpers import wait_until
from fastapi.testclient import TestClient
from staff_helpers import PASSWORD, USERNAME, ask
from typer.testing import CliRunner

from api import crud
from api.cli import app as cli
from api.database import open_database
from api.staff.auth import password_matches
from bot.pipeline import Pipeline
from bot.settings import Settings, get_settings
from eval.dataset import load_dataset
from eval.harness import run_case
from eval.metrics import CaseResult

ANSWERED = "发明专利权的期限是多少年？"
NO_ANSWER = "武汉市的商标注册窗口电话是多少？"
PROTECTED = [
    ("GET", "/admin/api/turns"),
    ("GET", "/admin/api/turns/0"),
    ("POST", "/admin/api/turns/0/review"),
    ("POST", "/admin/api/turns/0/to-eval"),
    ("GET", "/admin/api/curated"),
    ("POST", "/admin/api/curated"),
    ("PUT", "/admin/api/curated/1"),
    ("DELETE", "/admin/api/curated/1"),
    ("POST", "/admin/api/curated/1/approve"),
    ("GET", "/admin/api/stats"),
    ("GET", "/admin/api/me"),
    ("GET", "/admin/api/eval-runs"),
    ("POST", "/admin/api/eval-runs"),
    ("GET", "/admin/api/eval-datasets"),
    ("GET", "/admin/api/eval-runs/compare?a=1&b=2"),
    ("GET", "/admin/api/passages?doc_id=x"),
    ("GET", "/admin/api/export/conversations"),
    ("GET", "/admin/api/export/reviews"),
    ("GET", "/admin/api/export/runs"),
    ("POST", "/admin/api/logout"),
]
PAGES = ["/admin", "/admin/turns", "/admin/turns/abc", "/admin/curated", "/admin/eval"]


def _patent_citation(answer: dict) -> dict[str, str]:
    first = answer["citations"][0]
    return {"doc_id": first["doc_id"], "section": first["section"]}


def test_without_a_session_every_endpoint_is_401_and_every_page_the_login_page(console: TestClient) -> None:
    for method, path in PROTECTED:
        response = console.request(method, path, json={})
        assert response.status_code == 401, (method, path)
        assert response.json() == {"detail": "请先登录工作人员后台。"}
    for path in PAGES:
        page = console.get(path)
        assert page.status_code == 401 and "登录" in page.text and 'id="login"' in page.text
    assert console.get("/admin/login").status_code == 200


def test_login_cookie_csrf_and_logout(console: TestClient) -> None:
    assert console.post("/admin/api/login", json={"username": USERNAME, "password": "wrong"}).status_code == 401
    assert console.post("/admin/api/login", json={"username": "nobody", "password": PASSWORD}).status_code == 401
    response = console.post("/admin/api/login", json={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie
    token = response.json()["csrf_token"]
    assert len(token) >= 32 and console.get("/admin/api/me").json()["username"] == USERNAME
    with console.app.state.records.database.reads.connect() as connection:  # the cookie itself is not stored
        stored = connection.exec_driver_sql("SELECT token_hash FROM staff_sessions").scalars().all()
    assert console.cookies.get("policybot_staff") not in stored and len(stored) == 1
    assert console.post("/admin/api/logout").status_code == 403  # state-changing without the token
    assert console.post("/admin/api/logout", headers={"X-CSRF-Token": "x" * 43}).status_code == 403
    assert console.post("/admin/api/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert console.get("/admin/api/turns").status_code == 401


def test_login_is_rate_limited(console: TestClient) -> None:
    limit = console.app.state.settings.staff.login_rate_limit
    codes = [
        console.post("/admin/api/login", json={"username": USERNAME, "password": f"wrong{n}"}).status_code
        for n in range(limit + 1)
    ]
    assert codes[:limit] == [401] * limit and codes[-1] == 429
    refused = console.post("/admin/api/login", json={"username": USERNAME, "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"] and "频繁" in refused.json()["detail"]


def test_filters_and_detail(staff: TestClient) -> None:
    answered, missing = ask(staff, ANSWERED), ask(staff, NO_ANSWER)
    assert missing["status"] == "no_answer"
    staff.post(
        "/api/feedback",
        json={
            "answer_id": answered["answer_id"],
            "session_id": answered["session_id"],
            "helpful": False,
            "comment": "我的电话13812345678",
        },
    )
    assert staff.app.state.records.writer.flush(timeout=30)

    def ids(**query: object) -> list[str]:
        response = staff.get("/admin/api/turns", params=query)
        assert response.status_code == 200, response.text
        return [item["answer_id"] for item in response.json()["items"]]

    assert ids() == [missing["answer_id"], answered["answer_id"]]  # newest first
    assert ids(status="no_answer") == [missing["answer_id"]]
    assert ids(feedback="negative") == [answered["answer_id"]]
    assert ids(feedback="none") == [missing["answer_id"]]
    assert ids(q="商标注册窗口") == [missing["answer_id"]]
    assert ids(q="二十年") == [answered["answer_id"]]  # the answer text is searched too
    assert ids(channel="web") and ids(channel="wechat") == []
    assert ids(max_score=0.0) == [missing["answer_id"]]  # it cites nothing
    assert set(ids(max_score=100)) == {missing["answer_id"], answered["answer_id"]}
    today = date.today()
    assert len(ids(since=(today - timedelta(days=1)).isoformat(), until=(today + timedelta(days=1)).isoformat())) == 2
    assert ids(until=(today - timedelta(days=2)).isoformat()) == []
    assert staff.get("/admin/api/turns", params={"since": "昨天"}).status_code == 400
    page = staff.get("/admin/api/turns", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [i["answer_id"] for i in page["items"]] == [answered["answer_id"]]

    item = staff.get("/admin/api/turns", params={"feedback": "negative"}).json()["items"][0]
    assert item["feedback"] == {"helpful": 0, "unhelpful": 1} and item["review"] is None
    assert (item["answer"], item["status"], item["mode"]) == (answered["answer"], "answered", "extractive")
    detail = staff.get(f"/admin/api/turns/{answered['answer_id']}").json()
    pipeline: Pipeline = staff.app.state.pipeline
    assert detail["provenance"] == pipeline.provenance and "trace" in detail and detail["query"]
    assert detail["feedback_comments"][0]["comment"] == "我的电话[手机号]"
    assert staff.get("/admin/api/turns/" + "0" * 32).status_code == 404


def test_a_review_is_stored_with_its_reviewer(staff: TestClient) -> None:
    answer = ask(staff, NO_ANSWER)
    path = f"/admin/api/turns/{answer['answer_id']}/review"
    assert staff.post(path, json={"verdict": "bad"}).status_code == 422
    saved = staff.post(path, json={"verdict": "wrong", "comment": "应说明可拨打12345", "corrected_answer": "  修正  "})
    assert saved.status_code == 201
    assert saved.json()["reviewer"] == USERNAME and saved.json()["corrected_answer"] == "修正"
    staff.post(path, json={"verdict": "partial"})
    listed = staff.get("/admin/api/turns", params={"reviewed": "yes"}).json()["items"]
    assert [i["review"]["verdict"] for i in listed] == ["partial"]
    assert len(staff.get(f"/admin/api/turns/{answer['answer_id']}").json()["reviews"]) == 2
    assert staff.post("/admin/api/turns/" + "0" * 32 + "/review", json={"verdict": "correct"}).status_code == 404


def test_a_reviewed_turn_becomes_a_regression_case_that_passes(
    staff: TestClient, staff_settings: Settings, pipeline: Pipeline
) -> None:
    answer = ask(staff, ANSWERED)
    path = f"/admin/api/turns/{answer['answer_id']}/to-eval"
    assert staff.post(path).status_code == 409  # not reviewed yet
    staff.post(f"/admin/api/turns/{answer['answer_id']}/review", json={"verdict": "correct"})
    chunk_id = staff.get(f"/admin/api/turns/{answer['answer_id']}").json()["citations"][0]["chunk_id"]
    bad = staff.post(path, json={"evidence": [{"chunk_id": chunk_id, "text": "发明专利权的期限为三十年"}]})
    assert bad.status_code == 400 and "不在" in bad.json()["detail"]
    made = staff.post(path, json={"evidence": [{"chunk_id": chunk_id, "text": "发明专利权的期限为二十年"}]})
    assert made.status_code == 201, made.text
    assert staff.post(path).status_code == 409  # once per turn
    cases = load_dataset(staff_settings.staff.regression_dataset)
    assert [c.id for c in cases] == [made.json()["case"]["id"]]
    case = cases[0]
    assert case.evidence == ["发明专利权的期限为二十年"] and case.status == "answered" and case.today == "2026-12-02"
    assert case.doc == "related/专利法(2020-10-17)" and "发明专利权的期限为二十年" in case.key_points
    result: CaseResult = run_case(pipeline, case)
    assert result.status == case.status and result.evidence_rank == 1


def test_one_click_takes_the_corrected_answer_and_a_wrong_abstention_case(
    staff: TestClient, staff_settings: Settings
) -> None:
    answer = ask(staff, NO_ANSWER)
    staff.post(f"/admin/api/turns/{answer['answer_id']}/review", json={"verdict": "correct"})
    made = staff.post(f"/admin/api/turns/{answer['answer_id']}/to-eval")
    assert made.status_code == 201
    case = made.json()["case"]
    assert (case["answerable"], case["status"], case["evidence"], case["doc"]) == (False, "no_answer", [], None)
    assert load_dataset(staff_settings.staff.regression_dataset)[0].id == case["id"]


def test_curated_answers_are_served_versioned_and_withdrawn(staff: TestClient) -> None:
    original = ask(staff, ANSWERED)
    citation = _patent_citation(original)
    anonymous = {"X-CSRF-Token": ""}
    body = {
        "question": ANSWERED,
        "answer": "发明专利保护二十年，自申请日起算。",
        "citations": [citation],
        "source_answer_id": original["answer_id"],
    }
    assert staff.post("/admin/api/curated", json=body, headers=anonymous).status_code == 403
    unknown = staff.post(
        "/admin/api/curated", json={**body, "citations": [{"doc_id": citation["doc_id"], "section": "第九百条"}]}
    )
    assert unknown.status_code == 400 and "第九百条" in unknown.json()["detail"]
    made = staff.post("/admin/api/curated", json=body)
    assert made.status_code == 201 and made.json()["version"] == 1
    curated_id = made.json()["id"]

    served = ask(staff, "发明专利权的保护期限是多少年？")  # a paraphrase close enough (similarity 0.968)
    assert served["mode"] == "curated" and served["answer"].endswith("（经工作人员审核）")
    assert served["answer"].startswith("发明专利保护二十年") and served["status"] == "answered"
    assert served["citations"][0]["section"].endswith("第四十二条") and served["citations"][0]["in_force"]
    assert "发明专利权的期限为二十年" in served["citations"][0]["text"]
    assert ask(staff, "实用新型专利权的期限是多少年？")["mode"] == "extractive"  # another subject
    assert ask(staff, "商标注册申请被驳回怎么办？")["mode"] == "extractive"
    logged = staff.get(f"/admin/api/turns/{served['answer_id']}").json()
    assert logged["mode"] == "curated" and logged["provenance"]["curated_id"] == str(curated_id)
    assert staff.get("/admin/api/turns", params={"mode": "curated"}).json()["total"] == 1
    follow_up = ask(staff, "那实用新型呢？", served["session_id"])  # the conversation goes on from a curated turn
    assert "十年" in follow_up["answer"] and follow_up["session_id"] == served["session_id"]

    edited = staff.put(f"/admin/api/curated/{curated_id}", json={**body, "answer": "二十年（自申请日起计算）。"})
    assert edited.json()["version"] == 2
    assert ask(staff, ANSWERED)["answer"].startswith("二十年（自申请日起计算）")
    detail = staff.get(f"/admin/api/curated/{curated_id}").json()
    assert [v["version"] for v in detail["versions"]] == [2, 1] and detail["sources"][0]["chunk_hash"]

    assert staff.delete(f"/admin/api/curated/{curated_id}").status_code == 200
    assert ask(staff, ANSWERED)["mode"] == "extractive"
    listed = staff.get("/admin/api/curated").json()["items"]
    assert [(i["id"], i["status"], i["version"]) for i in listed] == [(curated_id, "withdrawn", 2)]
    assert staff.post(f"/admin/api/curated/{curated_id}/approve").status_code == 409


def test_a_curated_answer_goes_stale_when_its_passage_changes_and_is_approved_again(staff: TestClient) -> None:
    original = ask(staff, ANSWERED)
    made = staff.post(
        "/admin/api/curated",
        json={"question": ANSWERED, "answer": "二十年。", "citations": [_patent_citation(original)]},
    ).json()
    assert ask(staff, ANSWERED)["mode"] == "curated"
    # The index after the Patent Law file was edited and re-ingested: article 42 reads differently.
    pipeline: Pipeline = staff.app.state.pipeline
    chunks = [
        replace(c, text=c.text.replace("二十年", "二十五年"))
        if c.chunk_id.endswith("#42") and c.doc_id == original["citations"][0]["doc_id"]
        else c
        for c in pipeline.index.chunks
    ]
    changed = pipeline.with_sessions(pipeline.sessions)
    changed.index = replace(pipeline.index, chunks=chunks)
    staff.app.state.pipeline = changed
    staff.app.state.staff.curated.invalidate()
    assert ask(staff, ANSWERED)["mode"] == "extractive"  # not served once the passage changed
    assert staff.app.state.records.writer.flush(timeout=30)
    item = staff.get("/admin/api/curated").json()["items"][0]
    assert item["status"] == "stale" and "第四十二条的内容已变化" in item["stale_reason"]
    approved = staff.post(f"/admin/api/curated/{made['id']}/approve")
    assert approved.status_code == 200 and approved.json()["version"] == 2
    item = staff.get("/admin/api/curated").json()["items"][0]
    assert item["status"] == "published" and item["stale_reason"] is None
    assert ask(staff, ANSWERED)["mode"] == "curated"


def test_a_curated_answer_goes_stale_when_a_newer_version_is_in_force(staff: TestClient) -> None:
    made = staff.post(
        "/admin/api/curated",
        json={
            "question": "注册商标的有效期是多久？",
            "answer": "十年，自核准注册之日起计算。",
            "citations": [{"doc_id": "related/商标法(2019-04-23)", "section": "第三十九条"}],
        },
    )
    assert made.status_code == 201, made.text
    assert ask(staff, "注册商标的有效期是多久？")["mode"] == "curated"
    pipeline: Pipeline = staff.app.state.pipeline
    later = pipeline.with_sessions(pipeline.sessions)
    later.today = lambda: date(2027, 1, 2)  # the 2026 revision is in force from 2027-01-01
    staff.app.state.pipeline = later
    assert ask(staff, "注册商标的有效期是多久？")["mode"] == "extractive"
    item = staff.get("/admin/api/curated").json()["items"][0]
    assert item["status"] == "stale" and "2027-01-01" in item["stale_reason"]
    refused = staff.post(f"/admin/api/curated/{made.json()['id']}/approve")
    assert refused.status_code == 409 and "改引现行条文" in refused.json()["detail"]
    fixed = staff.put(
        f"/admin/api/curated/{made.json()['id']}",
        json={
            "question": "注册商标的有效期是多久？",
            "answer": "十年，自核准注册之日起计算。",
            "citations": [{"doc_id": "related/商标法(2026-06-26)", "section": "第四十三条"}],
        },
    )
    assert fixed.status_code == 200, fixed.text
    served = ask(staff, "注册商标的有效期是多久？")
    assert served["mode"] == "curated" and served["citations"][0]["version"].startswith("2026")


def test_stats_count_days_and_cluster_the_gaps(staff: TestClient) -> None:
    ask(staff, ANSWERED)
    for question in (
        "武汉市的商标注册窗口电话是多少？",
        "武汉商标注册窗口的电话号码是多少？",
        "北京的专利补贴政策是什么？",
    ):
        ask(staff, question)
    stats = staff.get("/admin/api/stats", params={"days": 7}).json()
    assert len(stats["daily"]) == 7 and stats["daily"][-1]["questions"] == 4
    today = stats["daily"][-1]
    assert today["answered"] + today["no_answer"] + today["refused"] == 4 and today["p95_ms"] > 0
    gaps = stats["gaps"]
    assert gaps[0]["count"] == 2 and "商标注册" in gaps[0]["label"]  # the two questions about the same window
    assert sum(g["count"] for g in gaps) == today["no_answer"]
    assert staff.get("/admin/api/stats", params={"days": 0}).status_code == 422


def test_an_evaluation_run_is_stored_and_two_runs_compare(staff: TestClient, staff_settings: Settings) -> None:
    datasets = staff.get("/admin/api/eval-datasets").json()["items"]
    assert {"dev.jsonl", "lay.jsonl"} <= {d["name"] for d in datasets}
    staff_settings.staff.regression_dataset.write_text(
        "\n".join(  # a tiny set, in the offered regression file
            line
            for line in (staff_settings.staff.datasets_dir / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:3]
        )
        + "\n",
        encoding="utf-8",
    )
    assert staff.post("/admin/api/eval-runs", json={"dataset": "../dev.jsonl"}).status_code == 404
    runs = []
    for _ in range(2):
        started = staff.post("/admin/api/eval-runs", json={"dataset": "regression.jsonl"})
        assert started.status_code == 202, started.text
        runs.append(started.json()["id"])
        assert wait_until(lambda: staff.get("/admin/api/eval-runs").json()["running"] is False, timeout=120)
    detail = staff.get(f"/admin/api/eval-runs/{runs[0]}").json()
    assert detail["status"] == "done" and len(detail["results"]) == 3 and detail["done_cases"] == 3
    assert detail["provenance"]["index_build"] == staff.app.state.pipeline.index.build_id
    assert detail["summary"]["overall"]["cases"] == 3 and all(r["passed"] is not None for r in detail["results"])
    compared = staff.get("/admin/api/eval-runs/compare", params={"a": runs[0], "b": runs[1]}).json()
    assert compared["regressions"] == 0 and {c["change"] for c in compared["cases"]} == {"same"}
    assert staff.get("/admin/api/turns").json()["total"] == 0  # evaluation turns stay out of the log


def test_exports(staff: TestClient) -> None:
    answer = ask(staff, '=HYPERLINK("x") 发明专利权的期限是多少年？')
    staff.post(f"/admin/api/turns/{answer['answer_id']}/review", json={"verdict": "correct", "comment": "好"})
    exported = staff.get("/admin/api/export/conversations", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"] and exported.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["answer_id"] == answer["answer_id"] and rows[0]["verdict"] == "correct"
    assert rows[0]["question"].startswith("'=")  # never a formula in a spreadsheet
    lines = staff.get("/admin/api/export/reviews", params={"format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["comment"] for line in lines] == ["好"]
    assert staff.get("/admin/api/export/runs", params={"format": "jsonl"}).text == ""
    assert staff.get("/admin/api/export/turns").status_code == 404


def test_create_user_command(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(
            cli,
            ["admin", "create-user", "wang", "--password-stdin", "--role", "admin"],
            input="a long enough password\n",
        )
        assert made.exit_code == 0 and "已创建" in made.output
        again = runner.invoke(cli, ["admin", "create-user", "wang", "--password-stdin"], input="another password1\n")
        assert again.exit_code == 1 and "已存在" in again.output
        short = runner.invoke(cli, ["admin", "create-user", "li", "--password-stdin"], input="short\n")
        assert short.exit_code == 1 and "至少" in short.output
        reset = runner.invoke(
            cli, ["admin", "create-user", "wang", "--password-stdin", "--reset"], input="a new long password\n"
        )
        assert reset.exit_code == 0
    finally:
        get_settings.cache_clear()
    database = open_database(database_url)
    try:
        with database.reads.connect() as connection:
            account = crud.staff_user_by_name(connection, username="wang")
    finally:
        database.dispose()
    assert account is not None and account["role"] == "admin" and account["password_hash"].startswith("$argon2id$")
    assert password_matches(account["password_hash"], "a new long password")
