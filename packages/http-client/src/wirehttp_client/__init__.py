"""wirehttp-client: The HTTP/1.1 client: `request`, `get`/`post`/…, `open`, `download`, `openraw`, a connection pool, layers, retries, redirects, proxies and TLS backends.

Nothing is implemented yet (issue #3); the package exports no names so that no caller can mistake
a placeholder for working code.
"""

__all__: list[str] = []
