"""MIME sniffing (sniff) and the JSON validator (isjson): HTTP.jl's reference examples, its
test/sniff.jl behaviours, and every WHATWG MIME Sniffing signature we implement."""

from __future__ import annotations

import io
import json
import os
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehttp_parser import isjson, sniff

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
BINARY = "application/octet-stream"

KNOWN_TYPES = {
    HTML, TEXT, JSON, BINARY,
    "text/xml; charset=utf-8", "application/pdf", "application/postscript",
    "text/plain; charset=utf-16be", "text/plain; charset=utf-16le",
    "image/vnd.microsoft.icon", "image/x-icon", "image/bmp", "image/gif", "image/webp",
    "image/png", "image/jpeg",
    "audio/aiff", "audio/mpeg", "application/ogg", "audio/midi", "video/avi", "audio/wave",
    "audio/basic", "video/mp4", "video/webm",
    "application/vnd.ms-fontobject", "font/ttf", "font/otf", "font/collection", "font/woff",
    "font/woff2",
    "application/x-gzip", "application/zip", "application/x-rar-compressed", "application/wasm",
}  # fmt: skip


# -- the reference's examples and HTTP.jl's test/sniff.jl -----------------------------------------


def test_reference_examples() -> None:
    assert sniff("Hello world!!") == "text/plain; charset=utf-8"
    assert sniff("<html><body>Hello world!!</body></html>") == "text/html; charset=utf-8"
    assert sniff('{"a": -1.0}') == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", TEXT),
        (bytes([1, 2, 3]), BINARY),
        (b"<HtMl><bOdY>blah blah blah</body></html>", HTML),
        (b"<HTML></HTML>", HTML),
        (b"   <!DOCTYPE HTML>...", HTML),
        (b"\r\n<html>...", HTML),
        ("This is not HTML. It has \u2603 though.".encode(), TEXT),
        (b"\n<?xml!", "text/xml; charset=utf-8"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a...", "image/gif"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "audio/midi"),
        (b"ID3\x03\x00\x00\x00\x00\x0f", "audio/mpeg"),
        (b"RIFFb\xb8\x00\x00WAVEfmt \x12\x00\x00\x00\x06", "audio/wave"),
        (b"RIFF,\x00\x00\x00WAVEfmt \x12\x00\x00\x00\x06", "audio/wave"),
        (b"FORM\x00\x00\x00\x00AIFFCOMM\x00\x00\x00\x12\x00\x01\x00\x00\x57\x55", "audio/aiff"),
        (b"OggS\x00\x02" + bytes(8) + b"\x7e\x46", "application/ogg"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom<\x06t\xbfmdat", "video/mp4"),
        (b"RIFF,O\n\x00AVI LIST\xc0", "video/avi"),
        (b"RIFF,\n\x00\x00AVI LIST\xc0", "video/avi"),
    ],
)
def test_httpjl_cases(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


def test_json_rejects_a_number_followed_by_junk() -> None:
    # HTTP.jl 2.x #1084: "2A" is text, not JSON.
    assert sniff("2A") == TEXT
    assert isjson("2A") == (False, 1)


# -- WHATWG signatures ----------------------------------------------------------------------------


def _mp3_frames(header: bytes, size: int, count: int = 2) -> bytes:
    return (header + b"\x55" * (size - 4)) * count


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # §7.1 step 1: scriptable types, after whitespace, case-insensitive, terminated.
        (b"\t\x0c <!-- comment -->", HTML),
        (b"<a href='x'>", HTML),
        (b"<B>bold</B>", HTML),
        (b"<p>", HTML),
        (b"<br>", HTML),
        (b"<iframe src=x>", HTML),
        (b"<SCRIPT>", HTML),
        (b"<table>", HTML),
        (b"  <?xml version='1.0'?>", "text/xml; charset=utf-8"),
        (b"%PDF-1.7", "application/pdf"),
        (b"%!PS-Adobe-3.0", "application/postscript"),
        # §7.1 step 2: byte-order marks.
        (b"\xfe\xff\x00h", "text/plain; charset=utf-16be"),
        (b"\xff\xfeh\x00", "text/plain; charset=utf-16le"),
        (b"\xef\xbb\xbf{}", "text/plain; charset=utf-8"),
        # §6.1 images.
        (b"\x00\x00\x01\x00\x01\x00", "image/vnd.microsoft.icon"),
        (b"\x00\x00\x02\x00\x01\x00", "image/x-icon"),
        (b"BM\x36\x00\x0c\x00", "image/bmp"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        # §6.2 audio and video.
        (b".snd\x00\x00\x00\x18", "audio/basic"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm\x42\x87", "video/webm"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84\x00\x00webm", "video/webm"),  # padded value
        (_mp3_frames(b"\xff\xfb\x90\x00", 417), "audio/mpeg"),  # MPEG-1 128 kbit/s 44.1 kHz
        (_mp3_frames(b"\xff\xf3\x80\x00", 208), "audio/mpeg"),  # MPEG-2 64 kbit/s 22.05 kHz
        # §6.3 fonts.
        (b"\x10\x02\x00\x00" + bytes(4) + b"\x00\x00\x01\x00" + bytes(22) + b"LP" + bytes(8),
         "application/vnd.ms-fontobject"),
        (b"\x00\x01\x00\x00\x00\x0e\x00\x80", "font/ttf"),
        (b"OTTO\x00\x0b\x00\x80", "font/otf"),
        (b"ttcf\x00\x01\x00\x00", "font/collection"),
        (b"wOFF\x00\x01\x00\x00", "font/woff"),
        (b"wOF2\x00\x01\x00\x00", "font/woff2"),
        # §6.4 archives, and WebAssembly.
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "application/x-gzip"),
        (b"PK\x03\x04\x14\x00", "application/zip"),
        (b"Rar!\x1a\x07\x00\xcf\x90", "application/x-rar-compressed"),
        (b"Rar!\x1a\x07\x01\x00\x33", "application/x-rar-compressed"),
        (b"Rar \x1a\x07\x00", "application/x-rar-compressed"),  # the standard's own row
        (b"\x00asm\x01\x00\x00\x00", "application/wasm"),
    ],
)
def test_signatures(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # An HTML tag needs a tag-terminating byte (SP or ">") after it.
        (b"<htmlx>", TEXT),
        (b"<a", TEXT),
        (b"<bold>", TEXT),
        (b"<?XML", TEXT),  # the XML pattern is case-sensitive
        (b"  %PDF-", TEXT),  # PDF is matched at offset 0 only
        # The EOT row needs a real EOT version: "LP" at offset 34 alone is just text.
        (b"x" * 34 + b"LP and more text", TEXT),
        # MP4: the ftyp box must fit in the data and hold an "mp4" brand.
        (b"\x00\x00\x00\x40ftypmp42\x00\x00\x00\x00mp42isom", BINARY),  # box of 64 > 24
        (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  qt  qt  ", BINARY),
        (b"\x00\x00\x00\x14ftypmp4", BINARY),  # shorter than 12 bytes of box
        # Matroska shares WebM's EBML magic but its DocType is not "webm".
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska", BINARY),
        # One MP3 frame header with nothing where the next frame should start.
        (b"\xff\xfb\x90\x00" + b"\x55" * 600, BINARY),
        # A sync word with the reserved version, or Layer I, is not a Layer III frame.
        (_mp3_frames(b"\xff\xeb\x90\x00", 417), BINARY),
        (_mp3_frames(b"\xff\xff\x90\x00", 417), BINARY),
    ],
)
def test_near_misses(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


def test_bmp_quirk_is_kept() -> None:
    # The standard's BMP row is just "BM"; every sniffer in the lineage has this quirk.
    assert sniff("BMW 3 series") == "image/bmp"


def test_text_versus_binary_bytes() -> None:
    # §3 binary data bytes; TAB, LF, FF, CR and ESC are text.
    assert sniff(b"col\tcol\r\nline\x0cpage\x1b[0m") == TEXT
    for b in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)]:
        assert sniff(b"text " + bytes([b]) + b" text") == BINARY, hex(b)
    assert sniff(b"caf\xc3\xa9 \xff\xfe not utf-8") == TEXT  # sniffing does not validate UTF-8


# -- only the first 512 bytes count ---------------------------------------------------------------


def test_only_the_first_512_bytes_are_examined() -> None:
    assert sniff(b" " * 512 + b"<html>") == TEXT
    assert sniff(b" " * 506 + b"<html>") == HTML  # its ">" is the 512th byte
    assert sniff(b" " * 507 + b"<html>") == TEXT  # its ">" is cut off
    assert sniff(b"a" * 512 + b"\x00") == TEXT
    assert sniff(b"a" * 511 + b"\x00") == BINARY
    long_json = json.dumps({"k": list(range(1000))})
    assert len(long_json) > 512 and sniff(long_json) == JSON


def test_input_types() -> None:
    assert sniff(bytearray(b"%PDF-1.4")) == "application/pdf"
    assert sniff(memoryview(b"xx%PDF-1.4")[2:]) == "application/pdf"
    assert sniff("\u2603" * 600) == TEXT  # str is looked at as UTF-8
    assert sniff("\ud800 lone surrogate") == TEXT  # never a UnicodeEncodeError
    with pytest.raises(TypeError, match="sniff"):
        sniff(42)  # type: ignore[arg-type]


# -- streams --------------------------------------------------------------------------------------


def test_stream_is_sniffed_and_its_position_restored() -> None:
    data = b"prefix" + b"<html><body>" + b"x" * 1000
    stream = io.BytesIO(data)
    stream.seek(6)
    assert sniff(stream) == HTML == sniff(data[6:])
    assert stream.tell() == 6
    assert stream.read() == data[6:]


def test_empty_stream_is_text() -> None:
    # HTTP.jl: sniffing an IOBuffer gives the same answer as sniffing its bytes.
    assert sniff(io.BytesIO(b"")) == sniff(b"") == TEXT


def test_file_stream(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    with path.open("rb") as f:
        f.read(0)
        assert sniff(f) == "application/pdf"
        assert f.tell() == 0


class _Trickle:
    """A seekable raw stream that returns at most 7 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1, /) -> bytes:
        n = 7 if size < 0 else min(size, 7)
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0, /) -> int:
        self._pos = pos
        return pos


def test_short_reads_are_continued_up_to_512_bytes() -> None:
    data = b" " * 500 + b"<p>paragraph"
    stream = _Trickle(data)
    assert sniff(stream) == HTML
    assert stream.tell() == 0


def test_unseekable_stream_raises_before_reading() -> None:
    r, w = os.pipe()
    os.write(w, b"<html>not consumed")
    os.close(w)
    with open(r, "rb") as pipe:
        with pytest.raises(io.UnsupportedOperation, match="seekable"):
            sniff(pipe)
        assert pipe.read() == b"<html>not consumed"

    class ReadOnly:
        def read(self, size: int = -1, /) -> bytes:
            raise AssertionError("must not be read")

    with pytest.raises(io.UnsupportedOperation):
        sniff(ReadOnly())


def test_text_stream_is_refused_and_restored() -> None:
    stream = io.StringIO("<html>")
    with pytest.raises(TypeError, match="binary stream"):
        sniff(stream)  # type: ignore[arg-type]
    assert stream.tell() == 0


@settings(max_examples=300)
@given(data=st.binary(max_size=1100), start=st.integers(min_value=0, max_value=1100))
def test_stream_equals_bytes_and_keeps_position(data: bytes, start: int) -> None:
    start = min(start, len(data))
    stream = io.BytesIO(data)
    stream.seek(start)
    assert sniff(stream) == sniff(data[start:])
    assert stream.tell() == start


@settings(max_examples=1000)
@given(data=st.binary(max_size=1024))
def test_sniff_never_raises_and_answers_a_known_type(data: bytes) -> None:
    assert sniff(data) in KNOWN_TYPES


@settings(max_examples=300)
@given(head=st.sampled_from([b"\x1a\x45\xdf\xa3", b"\x00\x00\x00\x18ftyp", b"\xff\xfb\x90\x00",
                             b"\xff\xf3", b"RIFF", b"<!", b"\xef\xbb\xbf", b"{", b"[\"", b"-"]),
       tail=st.binary(max_size=600))
def test_structured_prefixes_never_raise(head: bytes, tail: bytes) -> None:
    assert sniff(head + tail) in KNOWN_TYPES


# -- isjson ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "n", "nu", "nul", "null", "t", "tr", "tru", "true", "f", "fa", "fal", "fals", "false",
        '"sample string \\" with escaped double quote"',
        '"all escapes \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00"',
        "1", "1.0", "3.1428", "100000", "-0", "-12.5e+3", "6.02E23", "1e-7",
        "[1,2,3]", "[]", "{}", "[ ]", "{ }", "[[[]]]",
        '[ "simple array" , {"key": null } ,{ "key2"  : false}]',
        '{"simpleobject": null}',
        '  {"nested": {"a": [1, {"b": [true, false, null]}], "c": "d"}}  \n',
        # Cut by the window: everything that is there is valid.
        '{"a": [1, 2', '{"a', '{"a"', '{"a":', '["unterminated', '"\\u00', "-", "1.", "1e", "1e+",
    ],
)  # fmt: skip
def test_isjson_true(text: str) -> None:
    ok, index = isjson(text)
    assert ok and index == len(text.encode())


@pytest.mark.parametrize(
    ("text", "index"),
    [
        (b"", 0),
        ("   ", 3),
        ("Hello", 0),
        ("nulx", 3),
        ("truth", 3),
        ("2A", 1),
        ("01", 1),
        ("1.x", 2),
        ("-a", 1),
        ("+1", 0),
        (".5", 0),
        ('{"a" 1}', 5),
        ('{"a": 1,}', 8),
        ("[1,]", 3),
        ("[1 2]", 3),
        ('{1: 2}', 1),
        ("{'a': 1}", 1),
        ('"tab\there"', 4),
        ('"bad \\x escape"', 6),
        ('"\\u12G4"', 5),
        ("[1]]", 3),
        ('{"a": 1}}', 8),
        ("[1} ", 2),
        ("true false", 5),
        ("NaN", 0),
        (b"\xef\xbb\xbf{}", 0),  # RFC 8259 §8.1: no byte-order mark
        (b"[\xff]", 1),
        ("null\x0c", 4),  # form feed is not JSON whitespace
    ],
)
def test_isjson_false(text: str | bytes, index: int) -> None:
    assert isjson(text) == (False, index)


def test_isjson_window_is_512_bytes() -> None:
    doc = json.dumps({"items": [{"id": i, "name": f"n{i}"} for i in range(100)]})
    assert len(doc) > 512
    assert isjson(doc) == (True, 512)
    assert isjson(doc[:512] + "\x00") == (True, 512)  # the junk is past the window
    assert isjson(b"[" + b"[" * 600) == (True, 512)  # deep nesting needs no recursion


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300)
@given(value=json_values, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_isjson_accepts_every_prefix_of_json(
    value: object, indent: int | None, ascii_only: bool
) -> None:
    doc = json.dumps(value, indent=indent, ensure_ascii=ascii_only).encode()[:512]
    assert isjson(doc) == (True, len(doc))
    stripped = doc.lstrip(b" \t\r\n")
    for cut in range(len(doc) - len(stripped) + 1, len(doc) + 1, max(1, len(doc) // 40)):
        assert isjson(doc[:cut])[0], doc[:cut]


def _reject_constant(name: str) -> object:
    raise ValueError(name)


@settings(max_examples=1000)
@given(text=st.text(alphabet=st.sampled_from(list('{}[],:"\\ \t\n0123456789.-+eEtrufalsn\x01ab')),
                    max_size=40))
def test_isjson_agrees_with_the_json_module_on_complete_documents(text: str) -> None:
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return  # invalid or truncated: isjson may say either (a cut document is OK)
    assert isjson(text)[0], text


@settings(max_examples=300)
@given(data=st.binary(max_size=700))
def test_isjson_never_raises(data: bytes) -> None:
    ok, index = isjson(data)
    assert 0 <= index <= min(len(data), 512)


# -- a reference validator, for differential testing ------------------------------------------
# Recursive descent over RFC 8259, written independently of isjson's loop and fast paths, with
# the same rule: running out of input inside a value is fine.


class _Cut(Exception):
    pass


class _Bad(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


def _reference_isjson(data: bytes) -> tuple[bool, int]:
    b = data[:512]
    n = len(b)

    def at(i: int) -> int:
        if i >= n:
            raise _Cut
        return b[i]

    def ws(i: int) -> int:
        while i < n and b[i] in b" \t\n\r":
            i += 1
        return i

    def digits(i: int) -> int:
        if not 0x30 <= at(i) <= 0x39:
            raise _Bad(i)
        while i < n and 0x30 <= b[i] <= 0x39:
            i += 1
        return i

    def number(i: int) -> int:
        if at(i) == ord("-"):
            i += 1
        i = i + 1 if at(i) == ord("0") else digits(i)
        if i < n and b[i] == ord("."):
            i = digits(i + 1)
        if i < n and b[i] in b"eE":
            i += 1
            if at(i) in b"+-":
                i += 1
            i = digits(i)
        return i

    def string(i: int) -> int:
        i += 1
        while True:
            c = at(i)
            if c == ord('"'):
                return i + 1
            if c < 0x20:
                raise _Bad(i)
            if c != ord("\\"):
                i += 1
                continue
            e = at(i + 1)
            if e == ord("u"):
                for k in range(2, 6):
                    if at(i + k) not in b"0123456789abcdefABCDEF":
                        raise _Bad(i + k)
                i += 6
            elif e in b'"\\/bfnrt':
                i += 2
            else:
                raise _Bad(i + 1)

    def value(i: int) -> int:
        i = ws(i)
        c = at(i)
        if c in b"[{":
            close = ord("]") if c == ord("[") else ord("}")
            i = ws(i + 1)
            if at(i) == close:
                return i + 1
            while True:
                if c == ord("{"):
                    i = ws(i)
                    if at(i) != ord('"'):
                        raise _Bad(i)
                    i = ws(string(i))
                    if at(i) != ord(":"):
                        raise _Bad(i)
                    i += 1
                i = ws(value(i))
                if at(i) == close:
                    return i + 1
                if at(i) != ord(","):
                    raise _Bad(i)
                i += 1
        if c == ord('"'):
            return string(i)
        if c == ord("-") or 0x30 <= c <= 0x39:
            return number(i)
        for word in (b"true", b"false", b"null"):
            if c == word[0]:
                for k in range(len(word)):
                    if at(i + k) != word[k]:
                        raise _Bad(i + k)
                return i + len(word)
        raise _Bad(i)

    start = ws(0)
    if start == n:
        return (False, start)
    try:
        end = ws(value(start))
    except _Cut:
        return (True, n)
    except _Bad as bad:
        return (False, bad.index)
    return (True, n) if end == n else (False, end)


_SOUP = st.text(
    alphabet=st.sampled_from(list('{}[],:"\\ \t\n0123456789.-+eEtrufalsnu\x01\x1fab/')),
    max_size=60,
).map(str.encode)


@settings(max_examples=2000)
@given(data=_SOUP)
def test_isjson_matches_the_reference_on_token_soup(data: bytes) -> None:
    assert isjson(data) == _reference_isjson(data), data


@settings(max_examples=500)
@given(
    value=json_values,
    indent=st.sampled_from([None, 1]),
    position=st.integers(min_value=0),
    replacement=st.sampled_from([b"", b",", b"]", b"}", b":", b'"', b"\\", b"0", b"-", b"e", b" ",
                                 b"\x00", b"x", b"[", b"{", b"tru", b'"a":1']),
)  # fmt: skip
def test_isjson_matches_the_reference_on_mutated_documents(
    value: object, indent: int | None, position: int, replacement: bytes
) -> None:
    doc = json.dumps({"data": [value, value]}, indent=indent).encode()
    at = position % (len(doc) + 1)
    mutated = doc[:at] + replacement + doc[at + 1 :]
    assert isjson(mutated) == _reference_isjson(mutated), mutated
    assert isjson(doc[:at]) == _reference_isjson(doc[:at])
