"""wirehttp-server: The HTTP/1.1 server: `listen`/`serve` and their background forms, `Server`, `Stream`, `Router`, `register`, middleware and access logs.

Nothing is implemented yet (issue #4); the package exports no names so that no caller can mistake
a placeholder for working code.
"""

__all__: list[str] = []
