"""Errors raised while reading the corpus or building and loading an index."""


class CorpusIndexError(Exception):
    """Base class of index-layer errors."""


class DocumentError(CorpusIndexError):
    """A corpus file cannot be read: unsupported type, oversize, broken or empty."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotReady(CorpusIndexError):
    """No usable index on disk; the message says how to build one."""


class IndexMismatch(CorpusIndexError):
    """The index on disk was built with another embedding model than the one configured."""
