"""How many bytes a socket's kernel send queue still holds (``TIOCOUTQ``: unsent plus
unacknowledged), for the write timeout: see ``Connection._unsent``. A module of its own, kept
out of the mypyc-compiled ones: it is off the per-request path, and imports per platform."""

from __future__ import annotations

import sys

__all__: list[str] = []

if sys.platform != "win32":
    import fcntl
    import termios

    _REQUEST: int | None = getattr(termios, "TIOCOUTQ", None)

    def kernel_unsent(sock: object) -> int:
        """Bytes in ``sock``'s send queue; 0 when that cannot be read (not a kernel socket, a
        platform without the ioctl)."""
        fileno = getattr(sock, "fileno", None)
        if _REQUEST is None or fileno is None:
            return 0
        try:
            out = fcntl.ioctl(fileno(), _REQUEST, b"\0\0\0\0")
        except (OSError, ValueError, TypeError):
            return 0
        return int.from_bytes(out, sys.byteorder, signed=True)

else:

    def kernel_unsent(sock: object) -> int:
        """Windows has no such ioctl: the transport's buffer alone counts."""
        return 0
