"""wirehttp-forms: Forms: `Form`, `Multipart`, urlencoded bodies and a streaming multipart parser for servers.

Nothing is implemented yet (issue (to be filed)); the package exports no names so that no caller can mistake
a placeholder for working code.
"""

__all__: list[str] = []
