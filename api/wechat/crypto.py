"""WeChat callback signatures and message encryption (the WXBizMsgCrypt scheme both channels use).

Ciphertext = base64(AES-256-CBC(key, iv=key[:16], PKCS#7-to-32-bytes(random(16) + len(4, big-endian) + xml
+ receive_id))), where key = base64(EncodingAESKey + "=") and receive_id is the AppID (Official Account)
or the CorpID (WeCom).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32  # WeChat pads to 32 bytes, not to AES's 16


class SignatureError(ValueError):
    """The request's signature does not match."""


class DecryptError(ValueError):
    """A ciphertext that does not decrypt to a message for this account."""


def signature(token: str, *parts: str) -> str:
    """SHA-1 hex digest of the token and the parts, sorted and concatenated (``signature``/``msg_signature``)."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def check_signature(expected: str, token: str, *parts: str) -> None:
    """Raise ``SignatureError`` unless ``expected`` is the signature of the token and parts."""
    if not hmac.compare_digest(signature(token, *parts).encode(), expected.encode()):
        raise SignatureError("signature mismatch")


def _aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("EncodingAESKey is not base64") from error
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters")
    return key


class MessageCrypto:
    """Encrypts replies and decrypts messages of one account.

    Args:
        token: the callback token.
        encoding_aes_key: the 43-character EncodingAESKey; empty for an account in plaintext mode, which then
            can neither encrypt nor decrypt.
        receive_id: the AppID (Official Account) or CorpID (WeCom).
    """

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self._key = _aes_key(encoding_aes_key) if encoding_aes_key else None
        self._receive_id = receive_id.encode()

    def _cipher(self) -> Cipher:
        if self._key is None:
            raise DecryptError("no EncodingAESKey is configured")
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, text: str, *, prefix: bytes | None = None) -> str:
        """Base64 ciphertext of ``text``; ``prefix`` replaces the 16 random bytes (only for test vectors)."""
        body = text.encode()
        plain = (prefix or os.urandom(16)) + struct.pack(">I", len(body)) + body + self._receive_id
        pad = _BLOCK - len(plain) % _BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The text inside a ciphertext addressed to this account.

        Raises:
            DecryptError: not base64, bad padding or layout, or another receive id.
        """
        try:
            data = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError) as error:
            raise DecryptError("ciphertext is not base64") from error
        if not data or len(data) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or len(plain) < 20 + pad:
            raise DecryptError("bad padding")
        plain = plain[:-pad]
        (length,) = struct.unpack(">I", plain[16:20])
        body, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or not hmac.compare_digest(receive_id, self._receive_id):
            raise DecryptError("message is not addressed to this account")
        try:
            return body.decode()
        except UnicodeDecodeError as error:
            raise DecryptError("message is not UTF-8") from error

    def decrypt_verified(self, msg_signature: str, timestamp: str, nonce: str, ciphertext: str) -> str:
        """Check ``msg_signature`` over the ciphertext, then decrypt it.

        Raises:
            SignatureError: the signature does not match (nothing is decrypted).
            DecryptError: the ciphertext is not a message for this account.
        """
        check_signature(msg_signature, self.token, timestamp, nonce, ciphertext)
        return self.decrypt(ciphertext)
