"""Streaming a Parquet file as it is written (results files, aggregated data sets)."""


class ParquetSink:
    """A write-only file for pyarrow that hands back what was written since the last take().
    It counts every byte for tell(): the Parquet footer records row-group offsets from it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data) -> int:
        data = bytes(data)
        self.parts.append(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data
