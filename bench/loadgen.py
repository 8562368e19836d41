"""The server benchmark's load generator: ``python -m bench.loadgen URL CONNECTIONS SECONDS``.

Keep-alive HTTP/1.1 clients on raw asyncio streams, so that the client spends as little CPU
as possible and what is measured is the server. It prints ``{"ok", "errors", "seconds"}`` as
JSON. It runs in processes of its own, beside the server's, so it imports little.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time

__all__ = [
    "QUERY",
    "load_generator",
    "main",
]

# Only the id: the server's own cost, not the size of the answer. (The chapters' clients ask
# for lib.anilist.clients.MEDIA_QUERY, which adds the titles.)
QUERY = "query ($id: Int) { Media(id: $id) { id } }"


async def load_generator(url: str, connections: int, seconds: float) -> dict[str, float]:
    """Send requests over ``connections`` connections for ``seconds``; count the answers."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    body = json.dumps({"query": QUERY, "variables": {"id": 100}})
    request = (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    counts = {"ok": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                counts["ok" if head.startswith(b"HTTP/1.1 200") else "errors"] += 1
        finally:
            writer.close()

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return {**counts, "seconds": time.perf_counter() - begin}


def main(argv: list[str] | None = None) -> int:
    url, connections, seconds = sys.argv[1:] if argv is None else argv
    print(json.dumps(asyncio.run(load_generator(url, int(connections), float(seconds)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
