"""wirehttp-cookies: RFC 6265 cookies: `Cookie`, `CookieJar`, `getcookies`/`setcookies`, `stringify`, `addcookie`, `cookies` and `cookie_middleware`.

Nothing is implemented yet (issue (to be filed)); the package exports no names so that no caller can mistake
a placeholder for working code.
"""

__all__: list[str] = []
