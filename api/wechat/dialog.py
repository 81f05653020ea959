"""What PolicyBot replies to each WeChat message, whichever channel it came from: events, commands
(帮助, 重新开始, 更多, 1/0 feedback) and questions answered by the pipeline."""

from __future__ import annotations

import logging

from api.feedback import FeedbackRecorder
from api.wechat.dedupe import Reply
from api.wechat.messages import Message
from api.wechat.replies import (
    FAILED,
    FEEDBACK_THANKS,
    HELP,
    MORE_COMMAND,
    NO_ANSWER_TO_RATE,
    NO_MORE,
    RESET_DONE,
    TEXT_LIMIT_BYTES,
    UNAVAILABLE,
    UNSUPPORTED,
    WELCOME,
    format_answer,
    paginate,
)
from api.wechat.store import ExpiringMap
from bot.errors import QuestionError
from bot.pipeline import Pipeline

logger = logging.getLogger(__name__)

HELP_COMMANDS = {"帮助", "help", "?", "？"}
RESET_COMMANDS = {"重新开始"}
FEEDBACK_COMMANDS = {"1": True, "0": False}


def question_of(message: Message) -> str | None:
    """The text a message asks (a voice message's recognised text), or None for what PolicyBot cannot read."""
    if message.msg_type == "text":
        return message.content
    if message.msg_type == "voice" and message.recognition.strip():
        return message.recognition
    return None


class Dialog:
    """Turns one user's message into the text to send back.

    Args:
        feedback: where 1/0 ratings go.
        source: the channel's name in the conversation log and feedback (``wechat`` or ``wecom``).
        max_sources: sources listed under an answer.
        pages: the unsent pages of each session's last long answer (for "更多").
        text_limit: bytes per message.
    """

    def __init__(
        self,
        feedback: FeedbackRecorder,
        *,
        source: str,
        max_sources: int,
        pages: ExpiringMap[str, list[str]],
        text_limit: int = TEXT_LIMIT_BYTES,
    ) -> None:
        self._feedback = feedback
        self._source = source
        self._max_sources = max_sources
        self._pages = pages
        self._text_limit = text_limit

    def reply(self, pipeline: Pipeline | None, session_id: str, message: Message) -> Reply:
        """The reply to ``message`` from the user whose conversation is ``session_id`` (None: say nothing).

        Never raises: an unexpected error is logged and the user gets a generic apology.
        """
        try:
            return self._reply(pipeline, session_id, message)
        except Exception:
            logger.exception("WeChat reply failed for %s", session_id)
            return FAILED

    def _reply(self, pipeline: Pipeline | None, session_id: str, message: Message) -> Reply:
        if message.msg_type == "event":
            return WELCOME if message.event == "subscribe" else None
        question = question_of(message)
        if question is None:
            return UNSUPPORTED
        command = question.strip().lower()
        if command in HELP_COMMANDS:
            return HELP
        if command == MORE_COMMAND:
            return self._next_page(session_id)
        if pipeline is None:
            return UNAVAILABLE
        if command in RESET_COMMANDS:
            pipeline.sessions.reset(session_id)
            self._pages.pop(session_id)
            return RESET_DONE
        if command in FEEDBACK_COMMANDS:
            return self._rate(pipeline, session_id, FEEDBACK_COMMANDS[command])
        return self._answer(pipeline, session_id, question)

    def _answer(self, pipeline: Pipeline, session_id: str, question: str) -> str:
        self._pages.pop(session_id)
        try:
            answer = pipeline.answer(question, session_id, channel=self._source)
        except QuestionError as error:
            return str(error)
        first, *rest = paginate(format_answer(answer, self._max_sources), self._text_limit)
        if rest:
            self._pages.set(session_id, rest)
        return first

    def _next_page(self, session_id: str) -> str:
        pages = self._pages.pop(session_id)
        if not pages:
            return NO_MORE
        first, *rest = pages
        if rest:
            self._pages.set(session_id, rest)
        return first

    def _rate(self, pipeline: Pipeline, session_id: str, helpful: bool) -> str:
        last = pipeline.sessions.get(session_id).last
        if last is None:
            return NO_ANSWER_TO_RATE
        self._feedback.record(answer_id=last.answer_id, session_id=session_id, channel=self._source, helpful=helpful)
        return FEEDBACK_THANKS[helpful]
