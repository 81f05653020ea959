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


class IndexCorrupt(CorpusIndexError):
    """A build whose files are missing, truncated, altered or inconsistent (checked on load and before a switch).

    Args:
        build_id: the build's id (its folder name).
        reason: what is wrong, naming files inside the build only (never the server's paths).
    """

    def __init__(self, build_id: str, reason: str) -> None:
        super().__init__(f"索引 {build_id} 已损坏：{reason}；请运行 policybot ingest 重建索引")
        self.build_id = build_id
        self.reason = reason
