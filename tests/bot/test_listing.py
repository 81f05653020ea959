"""The lead-in of a law article's items, in a whole article and in a later part of a split one."""

from __future__ import annotations

from bot.listing import article_items, list_lead
from index.schema import Chunk


def _chunk(text: str, head: str = "") -> Chunk:
    return Chunk(
        chunk_id="d#1", doc_id="d", ordinal=1, text=text, start=0, end=len(text), section="第二十五条", head=head
    )


def test_the_lead_in_is_the_paragraph_before_the_items() -> None:
    chunk = _chunk("第二十五条 对下列各项，不授予专利权：\n\n（一）科学发现；\n\n（二）智力活动的规则和方法；")
    assert list_lead(chunk) == "对下列各项，不授予专利权："
    listing = article_items([chunk])
    assert listing is not None and listing.intro == "对下列各项，不授予专利权：" and len(listing.items) == 2


def test_a_later_part_of_a_split_article_takes_the_head_it_repeats() -> None:
    part = _chunk("（十五）翻译权；\n\n（十六）汇编权；", head="第十条 著作权包括下列人身权和财产权：\n\n")
    assert list_lead(part) == "著作权包括下列人身权和财产权："


def test_a_chunk_without_items_has_no_lead_in() -> None:
    assert list_lead(_chunk("第四十二条 发明专利权的期限为二十年。")) is None
