"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    """A question, optionally within an earlier conversation."""

    question: str = Field(..., description="问题（1–500 字）", examples=["发明专利权的期限是多少年？"])
    session_id: str | None = Field(None, max_length=128, description="会话 ID；追问时传入上一轮返回的 session_id")
    debug: bool = Field(
        False, description="为 true 时在回答中附上排序与作答过程（trace）：每个候选的特征取值与贡献、各作答步骤"
    )


class CitationPublic(BaseModel):
    """A cited passage."""

    doc_id: str
    title: str = Field(..., description="文件标题")
    section: str = Field(..., description="章节/条款路径")
    version: str | None = Field(None, description="版本，如 2020年修正")
    status: Literal["现行有效", "尚未施行", "已被取代"] = Field(..., description="提问当天该版本的状态")
    in_force: bool = Field(..., description="是否为现行有效版本")
    text: str = Field(..., description="被引用片段的原文")
    score: float = Field(..., description="检索得分（越大越相关）")


class AnswerPublic(BaseModel):
    """One answer with its citations, best first."""

    answer_id: str
    answer: str
    status: Literal["answered", "no_answer", "refused"]
    citations: list[CitationPublic]
    session_id: str
    mode: str
    latency_ms: float
    trace: dict[str, Any] | None = Field(
        None, description="排序与作答过程（仅当请求的 debug 为 true）：检索步骤、前几个候选的特征取值与贡献、作答步骤"
    )


class ErrorPublic(BaseModel):
    """An error, with a message for the user in Chinese."""

    detail: str


class HealthPublic(BaseModel):
    """Whether the service can answer, and what it answers from."""

    status: Literal["ok", "degraded", "no_index"] = Field(
        ..., description="ok；degraded：当前索引损坏，正在使用上一个完好的索引；no_index：无法回答（HTTP 503）"
    )
    index_loaded: bool
    model: str
    documents: int
    chunks: int
    build_id: str | None = None
    ranker: str | None = Field(
        None, description="排序模型：learned（policybot train 训练所得）或 rank fusion (untrained)（尚未训练）"
    )
    today: str = Field(..., description="法律版本状态按哪一天计算（ISO 日期，POLICYBOT_TODAY 或当天）")
    stale: bool = Field(False, description="语料目录在建索引后有变化或索引需要重建（需运行 policybot ingest）")
    previous_build: bool = Field(False, description="当前索引未通过校验，正在使用上一个完好的索引")
    detail: str | None = Field(None, description="索引为何未加载或未使用（供运维人员查看）")
    database: Literal["ok", "degraded"] = Field(
        "ok", description="对话记录数据库：degraded 表示写入失败（回答不受影响，记录在队列中重试）"
    )
    database_reason: Literal["locked", "read_only", "missing", "unreachable", "error"] | None = Field(
        None, description="数据库降级的原因"
    )
    database_backlog: int = Field(0, description="等待写入数据库的记录数")


class DocumentPublic(BaseModel):
    """An indexed document."""

    doc_id: str
    title: str
    kind: str
    version: str | None
    promulgated: str | None = Field(..., description="本版本的公布（通过）日期，ISO 格式")
    effective: str | None = Field(..., description="本版本的施行日期，ISO 格式；文件未写明时为 null")
    status: Literal["现行有效", "尚未施行", "已被取代"] = Field(..., description="按 /healthz 报告的日期计算的状态")
    history: list[str]
    extra: dict[str, str]
    chunks: int
