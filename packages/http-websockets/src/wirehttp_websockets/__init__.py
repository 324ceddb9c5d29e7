"""wirehttp-websockets: RFC 6455 WebSockets: a sans-I/O protocol object, `WebSocket`, `open`, `listen` and the upgrade from a server handler.

Nothing is implemented yet (issue (to be filed)); the package exports no names so that no caller can mistake
a placeholder for working code.
"""

__all__: list[str] = []
