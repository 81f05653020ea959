"""The ``policybot`` command: ingest, train, ask, serve, eval, documents, db upgrade, admin create-user."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from api import crud
from api.database import current_revision, now, open_database, upgrade
from api.factory import build_pipeline, ingest, load_components
from api.records import open_records
from api.staff.auth import MIN_PASSWORD_CHARS, ROLES, hash_password
from api.training import train_models
from bot.errors import QuestionError
from bot.settings import PROJECT_ROOT, get_settings, today
from bot.templates import Templates
from index.build import describe_documents, read_records
from index.errors import CorpusIndexError

app = typer.Typer(
    help="PolicyBot：武汉市知识产权“十四五”规划及相关法律法规智能问答",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
db_app = typer.Typer(help="数据库：结构迁移", no_args_is_help=True)
app.add_typer(db_app, name="db")
admin_app = typer.Typer(help="工作人员后台：账号", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
DEFAULT_DATASET = PROJECT_ROOT / "eval" / "datasets" / "dev.jsonl"


def _fail(message: str) -> None:
    console.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code=1)


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="要索引的文件或目录（默认 corpus/）")] = None,
    force: Annotated[bool, typer.Option("--force", help="即使语料未变化也重建")] = False,
) -> None:
    """建立或更新索引（语料未变化时跳过）。"""
    settings = get_settings()
    for path in paths or []:
        if not path.exists():
            _fail(f"路径不存在：{path}")
    components = load_components(settings)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        try:
            result = ingest(settings, components, paths, progress=report, force=force)
        except CorpusIndexError as error:
            _fail(str(error))
    for skipped in result.errors:
        console.print(f"[yellow]跳过：[/yellow]{skipped}")
    if result.skipped:
        console.print(f"索引已是最新（{result.documents} 篇文档，{result.chunks} 个片段），无需重建。")
    else:
        console.print(
            f"索引完成：{result.documents} 篇文档，{result.chunks} 个片段；新向量化 {result.embedded} 个，"
            f"复用 {result.reused} 个；用时 {result.seconds:.1f} 秒（{settings.index_dir}）。"
        )


@app.command("train")
def train_command(
    force: Annotated[bool, typer.Option("--force", help="即使训练数据、索引和设置都未变化也重新训练")] = False,
) -> None:
    """学习排序模型和“百姓用语→法条用语”词表（固定随机种子），保存在索引旁（训练数据与索引未变化时跳过）。"""
    settings = get_settings()
    components = load_components(settings)
    try:
        report = train_models(settings, components, force=force, progress=lambda message: console.print(message))
    except CorpusIndexError as error:
        _fail(str(error))
    if report is None:
        console.print("排序模型已是最新，无需重新训练。")
        return
    table = Table(title=f"折外成绩（{report['folds']} 折，种子 {report['seed']}，{report['rounds']} 轮）")
    for column in ("来源", "问题数", "学习排序 hit@1", "hit@3", "排名融合 hit@1", "hit@3", "候选召回"):
        table.add_column(column)
    for source, figures in report["out_of_fold"].items():
        learned, fused = figures["learned"], figures["rank_fusion"]
        table.add_row(
            source,
            str(learned["questions"]),
            f"{learned['hit@1']:.3f}",
            f"{learned['hit@3']:.3f}",
            f"{fused['hit@1']:.3f}",
            f"{fused['hit@3']:.3f}",
            f"{learned['candidate_recall']:.3f}",
        )
    console.print(table)
    console.print(f"词表：{report['vocabulary']['associations']} 个词对；用时 {report['seconds']} 秒。")


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="问题")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    session: Annotated[str | None, typer.Option("--session", help="会话 ID（用于追问）")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="列出前几条结果的各项排序特征及其贡献")] = False,
) -> None:
    """回答一个问题（记入对话记录，渠道为 cli）。"""
    settings = get_settings()
    records = open_records(settings)
    try:
        pipeline = build_pipeline(settings, load_components(settings), log=records.turns)
        answer = pipeline.answer(question, session, channel="cli")
    except (CorpusIndexError, QuestionError) as error:
        _fail(str(error))
    finally:
        records.close()
    if as_json:
        data = answer.to_dict()
        data["answer"] = data.pop("text")
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(answer.text)
    for number, citation in enumerate(answer.citations[:5], 1):
        version = f"（{citation.version}，{citation.status}）" if citation.version else ""
        console.print(f"[dim][{number}] {citation.title}{version} › {citation.section}  score={citation.score}[/dim]")
    console.print(f"[dim]状态：{answer.status}  会话：{answer.session_id}  用时：{answer.latency_ms} ms[/dim]")
    if explain and answer.trace:
        _print_trace(answer.trace, settings.prompts_dir / "explain.toml")


def _print_trace(trace: dict[str, Any], labels_path: Path) -> None:
    """The ranking's best hits, feature by feature: value and contribution (largest contributions first)."""
    labels = tomllib.loads(labels_path.read_text(encoding="utf-8"))
    names, headings = labels["features"], labels["headings"]
    console.print(headings["title"].format(**trace))
    for number, hit in enumerate(trace["candidates"], 1):
        table = Table(
            title=f"[{number}] {hit['title']} › {hit['section']}  score={hit['score']}"
            f"  {headings['base']}={hit.get('base', 0)}"
        )
        for column in (headings["feature"], headings["value"], headings["contribution"]):
            table.add_column(column)
        contributions = hit.get("contributions", {})
        for name, contribution in sorted(contributions.items(), key=lambda item: -abs(item[1])):
            if (value := hit["features"][name]) or contribution:
                table.add_row(names.get(name, name), f"{value:g}", f"{contribution:+.3f}")
        console.print(table)
    console.print(headings["steps"])
    for step in trace["steps"]:
        details = "，".join(f"{key}={value}" for key, value in step.items() if key != "step")
        console.print(f"  {step['step']}：{details}")


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
) -> None:
    """启动 API 与网页问答（http://HOST:PORT/）。"""
    import uvicorn

    from api.access_log import uvicorn_log_config
    from api.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings), host=host or settings.host, port=port or settings.port, log_config=uvicorn_log_config()
    )


def _metrics_table(title: str, columns: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=title)
    table.add_column("指标")
    for name in columns:
        table.add_column(name, justify="right")
    keys = list(next(iter(columns.values())).keys())
    for key in keys:
        table.add_row(key, *("-" if (v := col.get(key)) is None else str(v) for col in columns.values()))
    return table


@app.command("eval")
def eval_command(
    dataset: Annotated[Path, typer.Option(help="评测集（JSONL）")] = DEFAULT_DATASET,
    split: Annotated[str | None, typer.Option(help="只评测该部分（如 stard-civil 的 tune / test）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="同时运行 LangChain 文档式、BM25 与 BM25+向量融合三个基线并对比")
    ] = False,
    cases: Annotated[bool, typer.Option("--cases", help="输出每个用例的结果")] = False,
) -> None:
    """在评测集上评估检索与回答。"""
    from eval.baseline import baselines
    from eval.dataset import load_dataset
    from eval.harness import report, run_case, run_cases

    settings = get_settings()
    try:
        items = load_dataset(dataset, split)
        components = load_components(settings)
        pipeline = build_pipeline(settings, components)  # evaluation turns stay out of the conversation log
    except (OSError, ValueError, CorpusIndexError) as error:
        _fail(str(error))
    results: dict[str, Any] = {
        "dataset": str(dataset),
        "split": split,
        "today": today(settings).isoformat(),
        "index": pipeline.index.build_id,
        "embedding_models": settings.retrieval.models,
    }
    results["policybot"] = report(run_cases(lambda case: run_case(pipeline, case), items), with_cases=cases)
    if baseline:
        results["baselines"] = {
            reference.name: report(run_cases(reference.run, items), with_cases=cases)
            for reference in baselines(
                [settings.corpus_dir], components.embeddings, max_bytes=settings.max_document_bytes
            )
        }
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    columns = {"PolicyBot": results["policybot"]["overall"]}
    columns.update({name: data["overall"] for name, data in results.get("baselines", {}).items()})
    title = f"评测：{dataset.name}{f'（{split}）' if split else ''}，{len(items)} 题"
    console.print(_metrics_table(title, columns))
    by_type = Table(title="按题型（PolicyBot）")
    for name in ("题型", "题数", "hit@1", "hit@3", "MRR", "要点召回", "拒答准确", "误拒率"):
        by_type.add_column(name, justify="right")
    for kind, metrics in results["policybot"]["by_type"].items():
        by_type.add_row(
            kind,
            *(
                str(metrics[key]) if metrics[key] is not None else "-"
                for key in (
                    "cases",
                    "hit@1",
                    "hit@3",
                    "mrr",
                    "key_point_recall",
                    "no_answer_accuracy",
                    "false_refusal_rate",
                )
            ),
        )
    console.print(by_type)


@app.command("documents")
def documents_command(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出已索引的文档：标题、类别、版本、公布与施行日期、当天的状态、片段数。"""
    settings = get_settings()
    try:
        docs, chunks = read_records(settings.index_dir)
    except CorpusIndexError as error:
        _fail(str(error))
    day = today(settings)
    rows = describe_documents(docs.values(), chunks, day)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"已索引文档（{len(rows)} 篇，状态按 {day.isoformat()} 计算）")
    for name in ("标题", "类别", "版本", "公布日期", "施行日期", "状态", "片段数"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            row["title"],
            row["kind"],
            row["version"] or "-",
            row["promulgated"] or "-",
            row["effective"] or "-",
            row["status"],
            str(row["chunks"]),
        )
    console.print(table)


@db_app.command("upgrade")
def db_upgrade_command() -> None:
    """把数据库迁移到最新结构（服务和 policybot ask 启动时也会自动迁移）。"""
    settings = get_settings()
    database = open_database(settings.database_url)
    try:
        upgrade(database)
        revision = current_revision(database)
    except SQLAlchemyError as error:
        _fail(f"无法迁移数据库 {database.url}：{str(getattr(error, 'orig', error)).splitlines()[0]}")
    finally:
        database.dispose()
    console.print(f"数据库已是最新结构：{database.url}（版本 {revision}）")


@admin_app.command("create-user")
def create_user_command(
    username: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（第一行）")] = False,
    role: Annotated[str, typer.Option(help="角色：admin 或 reviewer")] = "reviewer",
    reset: Annotated[bool, typer.Option("--reset", help="用户已存在时重设其密码")] = False,
) -> None:
    """创建工作人员后台账号（密码以 argon2 哈希保存）。"""
    settings = get_settings()
    wording = Templates(settings.prompts_dir / "staff_messages.toml")
    if role not in ROLES:
        _fail(wording.zh("role_invalid", roles=" / ".join(ROLES)))
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    if not password:
        _fail(wording.zh("password_missing"))
    if len(password) < MIN_PASSWORD_CHARS:
        _fail(wording.zh("password_too_short", length=MIN_PASSWORD_CHARS))
    database = open_database(settings.database_url)
    try:
        upgrade(database)
        with database.writes.begin() as connection:
            if reset and crud.set_staff_password(connection, username=username, password_hash=hash_password(password)):
                console.print(wording.zh("password_reset", username=username))
                return
            crud.add_staff_user(
                connection, username=username, password_hash=hash_password(password), role=role, at=now()
            )
        console.print(wording.zh("user_created", username=username, role=role))
    except IntegrityError:
        _fail(wording.zh("user_exists", username=username))
    except SQLAlchemyError as error:
        _fail(f"无法写入数据库 {database.url}：{str(getattr(error, 'orig', error)).splitlines()[0]}")
    finally:
        database.dispose()
