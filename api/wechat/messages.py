"""Callback XML: hardened parsing of incoming messages and rendering of passive replies."""

from __future__ import annotations

from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class XmlError(ValueError):
    """A body that is not a well-formed, entity-free callback XML document."""


def parse_fields(data: str | bytes) -> dict[str, str]:
    """The top-level elements of a callback document as ``{tag: text}``.

    DTDs, entity declarations and external references are refused outright, so neither entity
    expansion bombs nor external entities can be used.

    Raises:
        XmlError: the document is malformed, uses a DTD or entities, or its root is not ``<xml>``.
    """
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SyntaxError, ValueError) as error:  # ParseError is a SyntaxError
        raise XmlError(str(error)) from error
    if root.tag != "xml":
        raise XmlError("root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True, slots=True)
class Message:
    """An incoming message or event (the fields PolicyBot uses)."""

    to_user: str
    from_user: str
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""
    recognition: str = ""

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Message:
        """Build from parsed fields; raises ``XmlError`` when a required field is missing."""
        if not all(fields.get(name) for name in ("ToUserName", "FromUserName", "MsgType")):
            raise XmlError("ToUserName, FromUserName or MsgType missing")
        return cls(
            to_user=fields["ToUserName"],
            from_user=fields["FromUserName"],
            create_time=fields.get("CreateTime", ""),
            msg_type=fields["MsgType"].lower(),
            content=fields.get("Content", ""),
            msg_id=fields.get("MsgId", ""),
            event=fields.get("Event", "").lower(),
            recognition=fields.get("Recognition", ""),
        )

    @property
    def dedupe_key(self) -> str:
        """What identifies WeChat's retries of this message: sender + MsgId, or sender + CreateTime for events.

        MsgIds are not secret and may repeat across users: keyed by MsgId alone, a message from another sender
        reusing one would get the first sender's reply and never be answered itself.
        """
        return f"{self.from_user}:{self.msg_id}" if self.msg_id else f"{self.from_user}:{self.create_time}:{self.event}"


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: close the section and reopen it around the ">".
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def encrypted_envelope(encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The document that carries an encrypted reply."""
    return (
        f"<xml><Encrypt>{_cdata(encrypt)}</Encrypt><MsgSignature>{_cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
    )
