"""Build the WeChat channels the settings enable (a channel with any credential unset stays off: 404)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from api.feedback import FeedbackRecorder
from api.wechat.channel import Channel
from api.wechat.crypto import MessageCrypto
from api.wechat.dedupe import ReplyLedger
from api.wechat.dialog import Dialog
from api.wechat.outbound import Api, MessageSender, official_account_api, wecom_api
from api.wechat.ratelimit import RateLimiter
from api.wechat.store import ExpiringMap
from bot.settings import ChannelSettings, Settings

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Channels:
    """The enabled channels (None when off)."""

    official_account: Channel | None = None
    wecom: Channel | None = None

    def close(self) -> None:
        """Shut the enabled channels down."""
        for channel in (self.official_account, self.wecom):
            if channel is not None:
                channel.close()


def _channel(
    config: ChannelSettings,
    *,
    name: str,
    session_prefix: str,
    receive_id: str,
    api: Api,
    feedback: FeedbackRecorder,
    ack: str,
    mode: str,
) -> Channel | None:
    missing = config.missing_credentials()
    if missing:
        if any(getattr(config, name) for name in config.required):  # partly configured: say what is missing
            prefix = config.model_config.get("env_prefix", "")
            logger.warning("%s channel disabled: %s not set", name, ", ".join(prefix + m.upper() for m in missing))
        return None
    dialog = Dialog(
        feedback,
        source=name,
        max_sources=config.max_sources,
        text_limit=config.page_bytes,
        pages=ExpiringMap(config.dedupe_ttl_seconds, config.max_tracked),
    )
    return Channel(
        session_prefix=session_prefix,
        crypto=MessageCrypto(config.token, config.aes_key, receive_id),
        dialog=dialog,
        ledger=ReplyLedger(config.dedupe_ttl_seconds, config.max_tracked),
        limiter=RateLimiter(config.rate_limit_messages, config.rate_limit_window_seconds, config.max_tracked),
        sender=MessageSender(config.api_base, api),
        mode=mode,
        executor=ThreadPoolExecutor(config.workers, thread_name_prefix=f"{name}-reply"),
        reply_deadline_seconds=config.reply_deadline_seconds,
        max_clock_skew_seconds=config.max_clock_skew_seconds,
        max_body_bytes=config.max_body_bytes,
        ack=ack,
    )


def open_channels(settings: Settings, feedback: FeedbackRecorder) -> Channels:
    """The Official Account and WeCom channels, each only if all of its credentials are set."""
    wechat, wecom = settings.wechat, settings.wecom
    return Channels(
        official_account=_channel(
            wechat,
            name="wechat",
            session_prefix="wx",
            receive_id=wechat.appid,
            api=official_account_api(wechat.appid, wechat.secret),
            feedback=feedback,
            ack="success",
            mode=wechat.mode or "safe",
        ),
        # WeCom callbacks are always encrypted.
        wecom=_channel(
            wecom,
            name="wecom",
            session_prefix="wecom",
            receive_id=wecom.corp_id,
            api=wecom_api(wecom.corp_id, wecom.secret, wecom.agent_id or 0),
            feedback=feedback,
            ack="",
            mode="safe",
        ),
    )
