"""The one configuration object. Environment variables use the ``POLICYBOT_`` prefix and ``__`` for
nested groups, e.g. ``POLICYBOT_RETRIEVAL__EMBEDDING_MODEL=/models/bge-small-zh-v1.5``.

Only entry points (the CLI, the API app, the eval harness) call ``get_settings()``; everything else
takes plain arguments.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RetrievalSettings(BaseModel):
    """Index building and hybrid retrieval (values chosen by measurement on the dev set; see README)."""

    embedding_model: str = Field(
        "use-multilingual", description="use-multilingual、e5-small，或 sentence-transformers 模型名/本地路径"
    )
    query_prefix: str = Field("", description="sentence-transformers 模型的查询前缀（如 bge 的检索指令）")
    second_embedding_model: str | None = Field(
        "e5-small", description="第二个向量模型（取值同上），中文问题融合两个模型的向量分；空则关闭"
    )
    second_dense_share: float = Field(
        0.3, description="比较两个问题的相似度（审核答复匹配）时第二个向量模型的余弦所占的比例"
    )
    embedding_threads: int = Field(1, description="向量模型的线程数；1 在并发请求和机器繁忙时最稳定")
    chunk_max_chars: int = 600
    candidate_depth: int = Field(
        40, ge=1, description="每个检索通道（段落 BM25、句子 BM25、同义词、学习词表、各向量模型）提供的候选段落数"
    )
    vocabulary_words: int = Field(20, ge=0, description="学习到的“百姓用语→法条用语”词表为一个问题最多补充的法条用词数")
    disabled_features: list[str] = Field(
        [],
        description='关闭的排序特征名（bot/features.py；如 ["memory"]）：取值恒为 0，其通道不再提供候选；'
        "改动后须重新运行 policybot train（用于逐项衡量每个特征的作用）",
    )
    candidates: int = Field(20, description="交给回答环节挑选的排序结果条数")
    top_k: int = Field(5, description="回答列出的引用条数上限")
    reranker_model: str | None = Field(None, description="可选的 cross-encoder 重排模型名/本地路径")

    @field_validator("second_embedding_model", mode="before")
    @classmethod
    def _empty_means_none(cls, value: str | None) -> str | None:
        """``POLICYBOT_RETRIEVAL__SECOND_EMBEDDING_MODEL=`` (empty) turns the second model off."""
        return value or None

    @property
    def models(self) -> str:
        """The embedding models in use, for status output (``use-multilingual + e5-small``)."""
        return " + ".join(filter(None, (self.embedding_model, self.second_embedding_model)))


class TrainingSettings(BaseModel):
    """What ``policybot train`` learns from, and how (see README, Evaluation)."""

    seed: int = Field(20261202, description="随机种子（LightGBM 与折的划分之外的一切随机性）")
    folds: int = Field(5, ge=2, description="交叉验证的折数；报告中的成绩均为折外成绩")
    with_dev: bool = Field(
        True,
        description="训练是否包含开发集 dev（包含时 dev 的成绩是样本内成绩；blind、lay、stard test 始终不参与训练）",
    )
    vocabulary_sources: list[str] = Field(
        ["transfer", "stard-tune"], description="学习“百姓用语→法条用语”词表所用的问答来源"
    )
    vocabulary_min_pairs: int = Field(3, ge=1, description="一个词对至少在这么多组问答中同时出现才保留")
    vocabulary_min_npmi: float = Field(0.25, description="词对的归一化点互信息（-1～1）不低于此值才保留")
    vocabulary_per_word: int = Field(10, ge=1, description="每个问题用词最多保留的法条用词数")
    learning_rate: float = Field(0.05, gt=0, description="LambdaMART 的学习率")
    num_leaves: int = Field(15, ge=2, description="每棵树的叶子数")
    min_data_in_leaf: int = Field(20, ge=1, description="每个叶子至少的样本数")
    max_rounds: int = Field(500, ge=1, description="交叉验证中每折最多的迭代轮数")
    early_stopping_rounds: int = Field(50, ge=1, description="验证折的 NDCG 这么多轮不升即停止；最终轮数取各折的中位数")


class AnswerSettings(BaseModel):
    """Extractive answering and abstention."""

    min_coverage: float = Field(
        0.15, description="最相关段落至少要含问题中这么多（按 IDF 加权）的用词，否则视为证据不足"
    )
    confident_probability: float = Field(
        0.11,
        description="排序模型给最相关段落的概率不低于此值时，即使用词覆盖不足也作答（dev 与 stard tune 上测定）",
    )
    off_topic_closeness: float = Field(
        0.27, description="问题与最接近的文段的余弦低于此值且不含领域词时视为无关问题（按默认向量模型测定）"
    )
    max_answer_chars: int = 400
    max_quote_units: int = 3
    min_quote_gain: float = 0.1
    whole_paragraph_chars: int = 160
    whole_passage_chars: int = 200
    max_list_items: int = 20
    related_sections: int = 3
    close_second: float = Field(
        0.5, description="同一文件中得分不低于最相关段落这么多倍的次相关段落也一并引用（在 dev 与 stard tune 上测定）"
    )
    close_other: float = Field(
        0.5, description="其他文件中得分不低于最相关段落这么多倍、且含其未覆盖用词的段落也一并引用（同上）"
    )
    residual_share: float = 0.25
    second_source_cover: float = 0.5


class ChannelSettings(BaseSettings):
    """A WeChat callback channel: credentials and limits. Unset credentials disable the channel.

    Each channel reads flat environment variables (``POLICYBOT_WECHAT_TOKEN``, ``POLICYBOT_WECOM_CORP_ID``…),
    the names the operator's guide uses; ``POLICYBOT_WECHAT__TOKEN`` works as well.
    """

    required: ClassVar[tuple[str, ...]] = ("token", "aes_key", "secret")

    token: str = Field("", description="回调 Token（令牌）")
    aes_key: str = Field("", pattern=r"^([A-Za-z0-9+/]{43})?$", description="EncodingAESKey（消息加解密密钥，43 位）")
    secret: str = Field("", description="AppSecret / Secret，用于获取 access_token 以发送客服消息或应用消息")
    api_base: str = Field("", description="WeChat API base URL (tests point it at a local server)")
    reply_deadline_seconds: float = Field(4.5, description="被动回复的时限；超时回复 success 并改用主动消息推送答案")
    max_clock_skew_seconds: int = Field(300, description="请求 timestamp 与本机时间的最大偏差，超出视为重放")
    max_body_bytes: int = Field(64 * 1024, description="回调请求体的大小上限")
    rate_limit_messages: int = Field(10, description="每个用户在一个时间窗内最多的消息数")
    rate_limit_window_seconds: float = 60.0
    dedupe_ttl_seconds: float = Field(600.0, description="按 MsgId 去重、为微信重试保留回复的时长")
    max_tracked: int = Field(10_000, description="去重、限流、分页各自最多记住的条目数（进程内）")
    workers: int = Field(4, description="回答问题和推送消息的线程数")
    max_sources: int = Field(3, description="回复中列出的来源条数")
    page_bytes: int = Field(2048, ge=200, le=2048, description="每条文本回复的字节上限（微信上限 2048），长回答分页")

    def missing_credentials(self) -> list[str]:
        """Names of the credentials that are not set (empty when the channel can be enabled)."""
        return [name for name in self.required if not getattr(self, name)]


class WeChatSettings(ChannelSettings):
    """The Official Account (公众号) channel at ``/wechat/mp``."""

    model_config = SettingsConfigDict(env_prefix="POLICYBOT_WECHAT_", env_file=".env", extra="ignore")
    required: ClassVar[tuple[str, ...]] = ("token", "aes_key", "appid", "secret")

    appid: str = Field("", description="AppID（开发者ID）")
    api_base: str = "https://api.weixin.qq.com"
    mode: Literal["plain", "compat", "safe"] | None = Field(
        None,
        description="消息加解密方式：plain（明文）、compat（兼容）、safe（安全，只接受密文）；"
        "默认：配置了 EncodingAESKey 时为 safe，否则为 plain",
    )

    @model_validator(mode="after")
    def _default_mode(self) -> WeChatSettings:
        """Safe mode unless the operator chose otherwise: a plaintext body's signature does not cover the body."""
        if self.mode is None:
            self.mode = "safe" if self.aes_key else "plain"
        return self

    def missing_credentials(self) -> list[str]:
        """As for every channel, except that plaintext mode needs no EncodingAESKey."""
        missing = super().missing_credentials()
        return [name for name in missing if not (name == "aes_key" and self.mode == "plain")]


class WeComSettings(ChannelSettings):
    """The WeCom (企业微信) self-built app channel at ``/wechat/work``."""

    model_config = SettingsConfigDict(env_prefix="POLICYBOT_WECOM_", env_file=".env", extra="ignore")
    required: ClassVar[tuple[str, ...]] = ("token", "aes_key", "corp_id", "agent_id", "secret")

    corp_id: str = Field("", description="企业ID（CorpID），也是回调消息的 receiveid")
    agent_id: int | None = Field(None, description="自建应用的 AgentId")
    api_base: str = "https://qyapi.weixin.qq.com"


class StaffSettings(BaseModel):
    """The staff workspace at ``/admin``: accounts, curated answers, content gaps, evaluation runs."""

    session_hours: float = Field(8.0, gt=0, description="工作人员登录会话的有效期（小时）")
    cookie_secure: bool = Field(False, description="会话 Cookie 只经 HTTPS 发送（部署在 HTTPS 之后时设为 true）")
    login_rate_limit: int = Field(10, ge=1, description="每个客户端（及每个用户名）在一个时间窗内最多的登录尝试次数")
    login_rate_window_seconds: float = Field(300.0, gt=0, description="登录限流的时间窗（秒）")
    curated_min_similarity: float = Field(
        0.94,
        description="问题与已发布审核答复的问题的相似度（两个向量模型的余弦按检索的比例融合）不低于此值、且涉及"
        "相同的知识产权客体时，直接给出审核答复（由 scripts/measure_curated_threshold.py 测定）",
    )
    gap_similarity: float = Field(
        0.75, description="内容缺口聚类：问题与类中心的余弦（主向量模型）不低于此值时归入该类"
    )
    regression_dataset: Path = Field(
        PROJECT_ROOT / "eval" / "datasets" / "regression.jsonl", description="“转为测试用例”写入的回归评测集"
    )
    datasets_dir: Path = Field(PROJECT_ROOT / "eval" / "datasets", description="后台可选的评测集所在目录")
    timezone: str = Field("Asia/Shanghai", description="后台按哪个时区划分日期（统计图表）")


class Settings(BaseSettings):
    """PolicyBot configuration."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "data" / "index"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    max_document_bytes: int = 20 * 1024 * 1024
    max_question_chars: int = 500
    max_request_bytes: int = Field(64 * 1024, description="任何请求的请求体上限（字节），超出即返回 413，不做解析")
    api_docs: bool = Field(False, description="是否提供接口文档 /docs 和 /openapi.json（默认关闭，见 README）")
    session_ttl_seconds: int = Field(3600, description="会话记忆的有效期：空闲超过此秒数的会话重新开始")
    session_max_turns: int = 10
    session_cache_size: int = 10_000
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'data' / 'policybot.sqlite3'}",
        description="对话记录、评价和工作人员数据所在的数据库（SQLAlchemy URL；postgresql:// 使用 psycopg 3）",
    )
    database_queue_size: int = Field(
        5000, ge=1, description="等待写入数据库的记录条数上限；队列满时新记录被丢弃并写入日志"
    )
    database_retry_seconds: float = Field(
        120.0, gt=0, description="一条记录写入失败（数据库被锁、只读、不可达）后持续重试的秒数，超过则丢弃并写入日志"
    )
    turn_retention_days: int = Field(
        180, ge=1, description="对话记录保留天数；更早的记录（已审核的除外）每小时清理一次"
    )
    feedback_rate_limit: int = Field(20, ge=1, description="每个客户端在一个时间窗内最多提交的评价数")
    feedback_rate_window_seconds: float = Field(60.0, gt=0, description="评价限流的时间窗（秒）")
    host: str = "127.0.0.1"
    port: int = 8000
    today: date | None = Field(
        None, description="按这一天判断法律版本的状态（ISO 日期，如 2027-01-02）；不设置时取当天日期"
    )
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    training: TrainingSettings = TrainingSettings()
    staff: StaffSettings = StaffSettings()
    # Factories, so each channel reads its POLICYBOT_WECHAT_* / POLICYBOT_WECOM_* variables when Settings is built.
    wechat: WeChatSettings = Field(default_factory=WeChatSettings)
    wecom: WeComSettings = Field(default_factory=WeComSettings)

    @field_validator("today", mode="before")
    @classmethod
    def _empty_means_real_date(cls, value: object) -> object:
        """``POLICYBOT_TODAY=`` (empty) means the real date, as when it is not set."""
        return value or None

    def fingerprint(self) -> str:
        """A short hash of every setting that shapes an answer (not paths, credentials or limits of the service),
        stored with each turn so a reviewer can tell which configuration produced it."""
        shaping = self.model_dump(
            mode="json",
            include={
                "retrieval",
                "answer",
                "training",
                "max_question_chars",
                "session_max_turns",
                "session_ttl_seconds",
            },
        )
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:12]


def today(settings: Settings) -> date:
    """The day of asking: ``POLICYBOT_TODAY`` when set, else the real date (read at each call)."""
    return settings.today or date.today()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (tests clear the cache to override)."""
    return Settings()
