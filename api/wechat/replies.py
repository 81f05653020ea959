"""What PolicyBot says in WeChat: fixed texts, answers with compact citations, and pages that fit
WeChat's 2048-byte text limit."""

from __future__ import annotations

import re

from bot.schema import Answer

TEXT_LIMIT_BYTES = 2048  # passive replies, customer-service messages and WeCom message/send alike
MORE_COMMAND = "更多"
MORE_HINT = f"\n\n（内容较长，回复“{MORE_COMMAND}”查看剩余内容）"
FEEDBACK_HINT = "\n\n回复 1 表示有帮助，回复 0 表示没帮助。"

EXAMPLE_QUESTIONS = (
    "发明专利权的期限是多少年？",
    "武汉市知识产权“十四五”规划以什么为主题、以什么为总体方向？",
    "侵犯商标专用权的赔偿数额如何确定？",
    "著作权包括哪些人身权和财产权？",
)
_EXAMPLES = "\n".join(f"· {question}" for question in EXAMPLE_QUESTIONS)

WELCOME = (
    "您好，欢迎使用 PolicyBot 知识产权政策问答！\n"
    "我可以根据《武汉市知识产权“十四五”规划》和专利法、商标法、著作权法等国家知识产权法律法规回答您的问题，"
    f"每个回答都注明出处。您可以这样问：\n{_EXAMPLES}\n\n"
    "回复“帮助”查看使用说明。"
)
HELP = (
    "PolicyBot 使用说明\n"
    "· 能回答：《武汉市知识产权“十四五”规划》及其政策解读的目标、任务和措施，以及专利法、商标法、著作权法、"
    "反不正当竞争法、促进科技成果转化法等国家知识产权法律法规及实施细则的具体规定。\n"
    "· 直接发送文字问题即可，可以继续追问（如“那实用新型呢？”）。\n"
    f"· 回复“{MORE_COMMAND}”查看较长回答的剩余内容；回复 1 或 0 评价上一个回答是否有帮助；"
    "回复“重新开始”开始新的对话。\n"
    "· 回答只依据已收录的文件，不构成法律意见。\n"
    f"示例问题：\n{_EXAMPLES}"
)
RESET_DONE = "好的，已开始新的对话。请提出您的问题。"
NO_MORE = "没有更多内容了，请继续提问。"
UNSUPPORTED = "抱歉，目前只支持文字提问（语音请开启语音转文字后再发送）。请直接输入您想了解的政策问题。"
FEEDBACK_THANKS = {True: "感谢反馈，很高兴对您有帮助！", False: "感谢反馈，我们会据此改进回答。"}
NO_ANSWER_TO_RATE = "暂时没有可以评价的回答，请先提出问题。"
RATE_LIMITED = "您的提问有点频繁，请稍后再试。"
UNAVAILABLE = "服务正在维护，请稍后再试。"
FAILED = "抱歉，暂时无法回答这个问题，请稍后再试。"

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def _source(title: str, section: str) -> str:
    book = title if title.startswith("《") else f"《{title}》"
    clause = section.rsplit("›", 1)[-1].strip()
    return f"{book}§{clause}" if clause else book


def format_answer(answer: Answer, max_sources: int) -> str:
    """The answer text, then its sources as ``来源：《…》§…`` and the feedback hint (for answered questions)."""
    if answer.status != "answered":
        return answer.text
    sources = list(dict.fromkeys(_source(c.title, c.section) for c in answer.citations))[:max_sources]
    text = answer.text + (f"\n\n来源：{'；'.join(sources)}" if sources else "")
    return text + FEEDBACK_HINT


def _byte_len(text: str) -> int:
    return len(text.encode())


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` at the last character boundary within ``limit`` bytes."""
    head = text.encode()[:limit].decode(errors="ignore")
    return head, text[len(head) :]


def paginate(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Pages of at most ``limit`` UTF-8 bytes, broken after sentences; every page but the last ends with
    the "更多" hint. A sentence longer than a page is cut at a character boundary."""
    text = text.strip()
    if _byte_len(text) <= limit:
        return [text]
    room = limit - _byte_len(MORE_HINT)
    pages: list[str] = []
    page = ""
    for sentence in _SENTENCE_END.split(text):
        while _byte_len(page + sentence) > room:
            if page:
                pages.append(page)
                page = ""
            else:
                head, sentence = _cut(sentence, room)
                pages.append(head)
        page += sentence
    pages.append(page)
    if _byte_len(pages[-2] + pages[-1]) <= limit:  # the last page carries no hint, so it may use that room
        pages[-2:] = [pages[-2] + pages[-1]]
    pages = [page.strip() for page in pages if page.strip()]
    return [page + MORE_HINT for page in pages[:-1]] + pages[-1:]
