"""download(): where the file goes and its name, redirects (only the final body is saved, named
after the final response), error statuses, and progress reporting."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import wirehttp_client as C

from .conftest import Httpbin, RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]


def test_download_to_dir_file_and_temp(httpbin: Httpbin, tmp_path: Path) -> None:
    p = C.download(httpbin("/response-headers?Content-Disposition=attachment%3B%20filename%3D%22report.txt%22"),
                   tmp_path)
    assert os.path.basename(p) == "report.txt" and Path(p).exists()
    p2 = C.download(httpbin("/bytes/1000"), tmp_path / "out.bin")
    assert Path(p2).stat().st_size == 1000
    p3 = C.download(httpbin("/gzip"), update_period=float("inf"))
    assert json.loads(Path(p3).read_bytes())["gzipped"] is True and os.path.basename(p3) == "gzip"


def test_download_never_escapes_the_directory(httpbin: Httpbin, tmp_path: Path) -> None:
    p = C.download(httpbin("/response-headers?Content-Disposition=attachment%3B%20filename%3D%22..%2F..%2Fevil%22"),
                   tmp_path)
    assert Path(p).parent == tmp_path and os.path.basename(p) == "evil"


def test_download_error_creates_no_file(httpbin: Httpbin, tmp_path: Path) -> None:
    with pytest.raises(C.StatusError) as info:
        C.download(httpbin("/status/404"), tmp_path / "missing.bin")
    assert info.value.status == 404
    assert not (tmp_path / "missing.bin").exists()
    with pytest.raises(C.StatusError):
        C.download(httpbin("/status/500"), tmp_path / "missing.bin", status_exception=False, retry=False)
    assert not (tmp_path / "missing.bin").exists()


# -- redirects ----------------------------------------------------------------------------

REAL = b"the real content"


def _redirecting(c: socket.socket) -> None:
    """``/start`` → 301 → ``/middle`` → 302 → ``/files/real.txt``; each 3xx has a body of its
    own, which must never become the file."""
    while head := read_request(c):
        target = head.split(b" ", 2)[1]
        if target == b"/start":
            c.sendall(b"HTTP/1.1 301 Moved Permanently\r\nLocation: /middle\r\nContent-Length: 5\r\n\r\nmoved")
        elif target == b"/middle":
            c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /files/real.txt\r\nContent-Length: 4\r\n\r\nhere")
        elif target == b"/files/real.txt":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(REAL), REAL))
        elif target == b"/cd":
            c.sendall(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /attachment\r\nContent-Length: 0\r\n\r\n")
        elif target == b"/attachment":
            c.sendall(b'HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="named.bin"\r\n'
                      b"Content-Length: %d\r\n\r\n%s" % (len(REAL), REAL))
        else:
            c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def test_download_through_redirects_into_a_temporary_directory(raw_server: Make) -> None:
    srv = raw_server(_redirecting)
    p = C.download(srv.url + "/start")
    assert Path(p).read_bytes() == REAL
    assert os.path.basename(p) == "real.txt"  # the final URL's name, not "start"
    assert os.listdir(os.path.dirname(p)) == ["real.txt"]  # no file for a 3xx body


def test_download_through_redirects_into_a_directory(raw_server: Make, tmp_path: Path) -> None:
    srv = raw_server(_redirecting)
    p = C.download(srv.url + "/start", tmp_path)
    assert p == str(tmp_path / "real.txt") and Path(p).read_bytes() == REAL
    assert os.listdir(tmp_path) == ["real.txt"]
    # Content-Disposition of the final response names the file.
    sub = tmp_path / "sub"
    sub.mkdir()
    p2 = C.download(srv.url + "/cd", sub)
    assert p2 == str(sub / "named.bin") and Path(p2).read_bytes() == REAL
    assert os.listdir(sub) == ["named.bin"]


def test_download_through_redirects_to_a_file_path(raw_server: Make, tmp_path: Path) -> None:
    srv = raw_server(_redirecting)
    p = C.download(srv.url + "/start", tmp_path / "out.txt")
    assert p == str(tmp_path / "out.txt") and Path(p).read_bytes() == REAL
    assert os.listdir(tmp_path) == ["out.txt"]


def test_download_redirect_not_followed_is_an_error(raw_server: Make, tmp_path: Path) -> None:
    srv = raw_server(_redirecting)
    with pytest.raises(C.StatusError) as info:
        C.download(srv.url + "/start", tmp_path, redirect_limit=1)
    assert info.value.status == 302 and os.listdir(tmp_path) == []
    with pytest.raises(C.StatusError) as info:  # a 3xx is never the file
        C.download(srv.url + "/start", tmp_path, redirect=False, status_exception=False)
    assert info.value.status == 301 and info.value.target == "/start" and os.listdir(tmp_path) == []


# -- progress -----------------------------------------------------------------------------

SIZE = 500


def _slow(c: socket.socket) -> None:
    """500 bytes in five pieces, 50 ms apart."""
    read_request(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
    for _ in range(5):
        time.sleep(0.05)
        c.sendall(b"x" * (SIZE // 5))


def _final(lines: list[str]) -> int:
    return sum(f"downloaded {SIZE} of {SIZE} bytes (100%" in line for line in lines)


def test_download_progress_log_lines(raw_server: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: log lines
    srv = raw_server(_slow)
    with caplog.at_level(logging.INFO, logger="wirehttp.client"):
        p = C.download(srv.url + "/slow.bin", tmp_path, update_period=0.01)
    assert Path(p).stat().st_size == SIZE
    lines = [m for m in caplog.messages if m.startswith("downloaded ")]
    assert len(lines) >= 2, lines  # reported while the body arrived, not only at the end
    counts = [int(line.split()[1]) for line in lines]
    assert counts == sorted(set(counts)), lines  # growing, never the same line twice
    assert _final(lines) == 1, lines


def test_download_progress_on_a_terminal(raw_server: Make, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    srv = raw_server(_slow)
    C.download(srv.url + "/slow.bin", tmp_path, update_period=0.01)
    text = term.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert _final(text.split("\r")) == 1, text


def test_download_progress_off(raw_server: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    srv = raw_server(_slow)
    with caplog.at_level(logging.INFO, logger="wirehttp.client"):
        C.download(srv.url + "/slow.bin", tmp_path / "a", update_period=float("inf"))
        C.download(srv.url + "/slow.bin", tmp_path / "b")  # 1 s period, a 0.25 s download
    assert not [m for m in caplog.messages if m.startswith("downloaded ")]
