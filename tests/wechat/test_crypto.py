"""Signatures and AES against published test vectors (WeChat's own WXBizMsgCrypt sample and wechatpy's
WeCom tests), for both the app's implementation and the tests' independent peer."""

from __future__ import annotations

import pytest
from wechat_peer import peer_decrypt, peer_encrypt, sha1_signature

from api.wechat.crypto import DecryptError, MessageCrypto, SignatureError, check_signature, signature

# WeChat's official sample (WXBizMsgCrypt Sample.py): an Official Account message in safe mode.
SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP, SAMPLE_NONCE = "1409735669", "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9Fr"
    "XpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WG"
    "zjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYY"
    "I1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)

# wechatpy tests/test_crypto.py: a WeCom app.
WECOM_TOKEN, WECOM_KEY, WECOM_CORP = "123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "wx49f0ab532d5d035a"
ECHO = (
    "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
    "1411443780",
    "437374425",
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
)
WECOM_MESSAGE = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6y"
    "dJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/T"
    "ywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5"
    "t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
WECOM_MESSAGE_SIGNED = ("74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294")
WECOM_REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
WECOM_REPLY_RANDOM = b"1234567890123456"
WECOM_REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesE"
    "l5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsD"
    "f03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nT"
    "YjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
WECOM_REPLY_SIGNATURE = "407518b7649e86ef23978113f92d27afa9296533"


def test_official_sample_message_decrypts() -> None:
    crypto = MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)
    xml = crypto.decrypt_verified(SAMPLE_MSG_SIGNATURE, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT)
    assert "<Content><![CDATA[abcdteT]]></Content>" in xml
    assert "<MsgId>6054768590064713728</MsgId>" in xml
    assert peer_decrypt(SAMPLE_KEY, SAMPLE_APPID, SAMPLE_ENCRYPT) == xml


def test_official_sample_signature() -> None:
    assert signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE
    assert sha1_signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE


def test_wecom_echostr_verifies_and_decrypts() -> None:
    crypto = MessageCrypto(WECOM_TOKEN, WECOM_KEY, WECOM_CORP)
    assert crypto.decrypt_verified(*ECHO).isdigit()
    with pytest.raises(SignatureError):
        crypto.decrypt_verified(ECHO[0], ECHO[1], "437374424", ECHO[3])


def test_wecom_message_decrypts() -> None:
    crypto = MessageCrypto(WECOM_TOKEN, WECOM_KEY, WECOM_CORP)
    xml = crypto.decrypt_verified(*WECOM_MESSAGE_SIGNED, WECOM_MESSAGE)
    assert "<FromUserName><![CDATA[messense]]></FromUserName>" in xml
    assert "<Content><![CDATA[test]]></Content>" in xml


def test_wecom_reply_encrypts_to_the_published_ciphertext() -> None:
    crypto = MessageCrypto(WECOM_TOKEN, WECOM_KEY, WECOM_CORP)
    assert crypto.encrypt(WECOM_REPLY, prefix=WECOM_REPLY_RANDOM) == WECOM_REPLY_ENCRYPT
    assert peer_encrypt(WECOM_KEY, WECOM_CORP, WECOM_REPLY, WECOM_REPLY_RANDOM) == WECOM_REPLY_ENCRYPT
    assert signature(WECOM_TOKEN, "1411525903", "461056294", WECOM_REPLY_ENCRYPT) == WECOM_REPLY_SIGNATURE


# 16 + 4 + 26 + the 18-byte appid = 64 bytes: padded with a whole 32-byte block
@pytest.mark.parametrize("text", ["", "<xml/>", "专利" * 500, "x" * 26])
def test_round_trip_with_the_independent_peer(text: str) -> None:
    crypto = MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)
    assert crypto.decrypt(peer_encrypt(SAMPLE_KEY, SAMPLE_APPID, text)) == text
    assert peer_decrypt(SAMPLE_KEY, SAMPLE_APPID, crypto.encrypt(text)) == text


def test_message_for_another_account_is_refused() -> None:
    crypto = MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)
    with pytest.raises(DecryptError):
        crypto.decrypt(peer_encrypt(SAMPLE_KEY, "wx0000000000000000", "<xml/>"))


@pytest.mark.parametrize("ciphertext", ["not base64!", "", "AAAA", SAMPLE_ENCRYPT[:-8] + "AAAAAAA="])
def test_garbage_ciphertext_is_refused(ciphertext: str) -> None:
    with pytest.raises(DecryptError):
        MessageCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID).decrypt(ciphertext)


def test_forged_signature_is_refused() -> None:
    with pytest.raises(SignatureError):
        check_signature("0" * 40, SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE)


@pytest.mark.parametrize("key", ["short", "a" * 44, "!" * 43])
def test_malformed_encoding_aes_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError):
        MessageCrypto(SAMPLE_TOKEN, key, SAMPLE_APPID)
