"""A chunk store in memory (narrate.audio.chunk.ChunkStore), for assembly tests."""


class DictStore:
    """Chunks (and the generated episode cover) kept in a dict by key."""

    def __init__(self) -> None:
        self.chunks: dict[str, bytes] = {}

    def get_chunk(self, key: str) -> bytes | None:
        return self.chunks.get(key)

    def put_chunk(self, key: str, data: bytes) -> None:
        self.chunks[key] = data
