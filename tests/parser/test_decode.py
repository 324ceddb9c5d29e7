"""Content-Encoding decoding: decode() and ContentDecoder (RFC 9110 §8.4)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import brotli  # type: ignore[import-untyped]
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehttp_parser import (
    DEFAULT_MAX_DECODED_SIZE,
    SUPPORTED_ENCODINGS,
    ContentDecoder,
    DecodedSizeError,
    DecodeError,
    Headers,
    HTTPError,
    Request,
    Response,
    decode,
)

MiB = 1 << 20


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _zlib(data: bytes) -> bytes:
    return zlib.compress(data)


def _raw_deflate(data: bytes) -> bytes:
    co = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return co.compress(data) + co.flush()


def _br(data: bytes) -> bytes:
    out: bytes = brotli.compress(data, quality=4)
    return out


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gzip,
    "deflate": _zlib,
    "br": _br,
    "zstd": _zstd,
}
PAYLOAD = os.urandom(3000) + b"The quick brown fox jumps over the lazy dog. " * 2000


@dataclass
class Msg:
    """A minimal message satisfying DecodableMessage."""

    headers: Headers = field(default_factory=Headers)
    body: object = b""


def _chunked(decoder: ContentDecoder, chunks: Iterable[bytes]) -> bytes:
    out = [decoder.decompress(c) for c in chunks]
    out.append(decoder.flush())
    return b"".join(out)


# -- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_round_trip_each_coding(coding: str) -> None:
    assert decode(ENCODERS[coding](PAYLOAD), coding) == PAYLOAD


def test_supported_encodings_lists_what_is_installed() -> None:
    assert SUPPORTED_ENCODINGS == ("gzip", "deflate", "br", "zstd")


def test_x_gzip_case_and_whitespace() -> None:
    data = _gzip(PAYLOAD)
    for enc in ("x-gzip", "GZIP", " gzip\t", "identity, gzip", "gzip,,", "Gzip, IDENTITY"):
        assert decode(data, enc) == PAYLOAD, enc


def test_deflate_accepts_zlib_wrapped_and_raw() -> None:
    # RFC 9110 §8.4.1.2 says zlib; some servers send raw deflate and browsers accept it.
    assert decode(_zlib(PAYLOAD), "deflate") == PAYLOAD
    assert decode(_raw_deflate(PAYLOAD), "deflate") == PAYLOAD
    assert decode(_raw_deflate(b""), "deflate") == b""


def test_chain_is_undone_in_reverse_order() -> None:
    # "br, gzip": brotli was applied first, then gzip (RFC 9110 §8.4).
    data = _gzip(_br(PAYLOAD))
    assert decode(data, "br, gzip") == PAYLOAD
    with pytest.raises(DecodeError):
        decode(data, "gzip, br")
    three = _zstd(_zlib(_gzip(PAYLOAD)))
    assert decode(three, "gzip, deflate, zstd") == PAYLOAD


def test_identity_and_empty_coding_pass_through() -> None:
    assert decode(b"plain", "identity") == b"plain"
    assert decode(b"plain", "") == b"plain"
    assert decode(bytearray(b"plain"), "identity") == b"plain"
    assert decode(memoryview(b"plain"), "") == b"plain"


def test_empty_body_decodes_to_empty_for_every_coding() -> None:
    # Servers send Content-Encoding on empty 204/304/redirect bodies.
    for coding in ("gzip", "deflate", "br", "zstd", "gzip, br"):
        assert decode(b"", coding) == b""
        d = ContentDecoder(coding)
        assert d.decompress(b"") == b"" and d.flush() == b""


# -- messages -------------------------------------------------------------------------------------


def test_decode_message_uses_content_encoding_and_does_not_mutate() -> None:
    encoded = _gzip(PAYLOAD)
    m = Msg(Headers([("Content-Encoding", "gzip")]), encoded)
    assert decode(m) == PAYLOAD
    assert m.body == encoded and m.headers["Content-Encoding"] == "gzip"
    # An explicit encoding wins over the header (HTTP.jl's decode(m, "gzip")).
    assert decode(Msg(Headers(), encoded), "gzip") == PAYLOAD


def test_decode_request_and_response() -> None:
    encoded = _gzip(b"hello")
    r = Response(200, [("Content-Encoding", "gzip")], encoded)
    assert decode(r) == b"hello" and r.body == encoded
    assert decode(Request("POST", "/", [("Content-Encoding", "br")], _br(b"up"))) == b"up"


def test_decode_message_combines_repeated_content_encoding_fields() -> None:
    # RFC 9110 §5.3: repeated list fields are one list, in order.
    fields = Headers([("Content-Encoding", "br"), ("content-encoding", "gzip")])
    m = Msg(fields, _gzip(_br(PAYLOAD)))
    assert decode(m) == PAYLOAD


def test_decode_message_without_content_encoding_returns_body() -> None:
    assert decode(Msg(Headers([("Content-Type", "text/plain")]), b"as is")) == b"as is"


def test_decode_type_errors() -> None:
    with pytest.raises(TypeError, match="needs the encoding"):
        decode(b"abc")
    with pytest.raises(TypeError, match="ContentDecoder"):
        decode(Msg(Headers([("Content-Encoding", "gzip")]), iter([b"x"])))


# -- multi-member gzip, multi-frame zstd, trailing data -------------------------------------------


def test_concatenated_gzip_members_are_all_decoded() -> None:
    # `gzip -c a b > ab.gz` writes two members; gunzip outputs a then b (RFC 1952 §2.2).
    a, b = b"first file\n", b"second file\n" * 100
    data = _gzip(a) + _gzip(b) + _gzip(b"")
    assert decode(data, "gzip") == a + b + b""
    sevens = [data[i : i + 7] for i in range(0, len(data), 7)]
    assert _chunked(ContentDecoder("gzip"), sevens) == a + b


def test_gzip_zero_padding_is_accepted_garbage_is_not() -> None:
    data = _gzip(PAYLOAD)
    assert decode(data + b"\x00" * 10, "gzip") == PAYLOAD
    with pytest.raises(DecodeError, match="corrupt"):
        decode(data + b"junk", "gzip")
    with pytest.raises(DecodeError, match="truncated"):
        decode(data + b"\x1f", "gzip")  # the start of a member that never comes


def test_concatenated_zstd_frames_are_all_decoded() -> None:
    data = _zstd(b"one ") + _zstd(b"two ") + _zstd(b"three")
    assert decode(data, "zstd") == b"one two three"
    with pytest.raises(DecodeError):
        decode(data + b"junk", "zstd")


def test_zstd_window_is_limited_to_8_mib() -> None:
    # RFC 9659 §3: the zstd content coding uses windows of at most 8 MB; a larger one is memory
    # the decoder would have to allocate on the sender's say-so.
    def frame(window_log: int) -> bytes:
        params = zstandard.ZstdCompressionParameters.from_level(
            3, window_log=window_log, write_content_size=False
        )
        co = zstandard.ZstdCompressor(compression_params=params).compressobj()
        return co.compress(b"x" * 100) + co.flush()

    assert decode(frame(23), "zstd") == b"x" * 100
    with pytest.raises(DecodeError, match="memory"):
        decode(frame(24), "zstd")


@pytest.mark.parametrize("coding", ["deflate", "br"])
def test_data_after_a_single_stream_is_an_error(coding: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(ENCODERS[coding](PAYLOAD) + b"extra", coding)
    assert info.value.encoding == coding


# -- corrupt and truncated input ------------------------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_every_truncation_is_an_error(coding: str) -> None:
    data = ENCODERS[coding](b"hello hello hello, a short body")
    for n in range(1, len(data)):
        with pytest.raises(DecodeError) as info:
            decode(data[:n], coding)
        assert info.value.encoding == coding and "(Content-Encoding: " in str(info.value)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_garbage_is_a_decode_error_with_cause(coding: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(b"\xff" * 64 + b"this is not compressed data", coding)
    assert isinstance(info.value, HTTPError)
    assert info.value.encoding == coding
    assert "corrupt" in str(info.value)
    assert info.value.__cause__ is not None


def test_gzip_crc_mismatch_is_detected() -> None:
    data = bytearray(_gzip(PAYLOAD))
    data[-8] ^= 0xFF  # the CRC-32 in the trailer (RFC 1952 §2.3.1)
    with pytest.raises(DecodeError, match="corrupt"):
        decode(bytes(data), "gzip")


@settings(max_examples=200, deadline=None)
@given(junk=st.binary(max_size=600), coding=st.sampled_from(["gzip", "deflate", "br", "zstd"]))
def test_arbitrary_bytes_give_bytes_or_decode_error(junk: bytes, coding: str) -> None:
    try:
        decode(junk, coding, max_size=1 << 16)
    except DecodeError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    coding=st.sampled_from(["gzip", "deflate", "br", "zstd"]),
    position=st.integers(min_value=0),
    xor=st.integers(min_value=1, max_value=255),
)
def test_a_flipped_byte_gives_bytes_or_decode_error(coding: str, position: int, xor: int) -> None:
    data = bytearray(ENCODERS[coding](PAYLOAD[:2000]))
    data[position % len(data)] ^= xor
    try:
        decode(bytes(data), coding, max_size=1 << 16)
    except DecodeError:
        pass


# -- unknown codings and limits on the header -----------------------------------------------------


def test_unknown_and_unsupported_codings() -> None:
    with pytest.raises(DecodeError) as info:
        decode(b"x", "foo")
    assert info.value.encoding == "foo" and "unknown content coding" in str(info.value)
    with pytest.raises(DecodeError, match="compress"):
        decode(b"x", "compress")
    with pytest.raises(DecodeError, match="invalid content coding"):
        decode(b"x", "gzip, a b")
    with pytest.raises(DecodeError, match="unknown"):
        ContentDecoder("gzip, snappy")  # fails before any data is read


def test_more_than_five_codings_is_refused() -> None:
    # urllib3 CVE-2025-66418 / curl CVE-2022-32206: each coding multiplies an attacker's leverage.
    assert decode(_gzip(_gzip(_gzip(_gzip(_gzip(b"x"))))), "gzip, " * 4 + "gzip") == b"x"
    with pytest.raises(DecodeError, match="more than 5"):
        ContentDecoder("gzip, " * 5 + "gzip")


def test_missing_optional_packages_name_the_coding() -> None:
    # Run in a fresh interpreter where brotli, brotlicffi and zstandard cannot be imported.
    code = (
        "import sys\n"
        "for name in ('brotli', 'brotlicffi', 'zstandard', 'compression.zstd',\n"
        "             'backports.zstd'):\n"
        "    sys.modules[name] = None\n"
        "from wirehttp_parser import decode, DecodeError, SUPPORTED_ENCODINGS\n"
        "assert SUPPORTED_ENCODINGS == ('gzip', 'deflate'), SUPPORTED_ENCODINGS\n"
        "for coding, package in (('br', 'brotli'), ('zstd', 'zstandard')):\n"
        "    try:\n"
        "        decode(b'x', coding)\n"
        "    except DecodeError as exc:\n"
        "        assert exc.encoding == coding and package in str(exc), exc\n"
        "    else:\n"
        "        raise AssertionError(coding)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# The documented semantics of Python 3.14's compression.zstd.ZstdDecompressor (and of its
# backports.zstd twin), built on zstandard so that the stdlib code path runs on older Pythons.
_STDLIB_ZSTD_STAND_IN = """
import enum, sys, types, zstandard

class DecompressionParameter(enum.IntEnum):
    window_log_max = 101

class ZstdError(Exception):
    pass

class ZstdDecompressor:
    def __init__(self, zstd_dict=None, options=None):
        assert options == {DecompressionParameter.window_log_max: 23}, options
        self._obj = zstandard.ZstdDecompressor(max_window_size=1 << 23).decompressobj()
        self._out = b""
        self.eof, self.needs_input, self.unused_data = False, True, b""

    def decompress(self, data, max_length=-1):
        if self.eof:
            raise EOFError("already at the end of a frame")
        try:
            self._out += self._obj.decompress(data) if data else b""
        except zstandard.ZstdError as exc:
            raise ZstdError(str(exc)) from None
        n = len(self._out) if max_length < 0 else max_length
        out, self._out = self._out[:n], self._out[n:]
        if self._obj.eof and not self._out:
            self.eof, self.unused_data = True, self._obj.unused_data
        self.needs_input = not self._out and not self.eof
        return out

module = types.ModuleType("backports.zstd")
module.__dict__.update(ZstdDecompressor=ZstdDecompressor, ZstdError=ZstdError,
                       DecompressionParameter=DecompressionParameter)
sys.modules["backports"] = types.ModuleType("backports")
sys.modules["backports.zstd"] = module
sys.modules["compression.zstd"] = None
"""


def test_stdlib_zstd_api_is_used_when_available() -> None:
    code = _STDLIB_ZSTD_STAND_IN + (
        "import zstandard\n"
        "from wirehttp_parser import ContentDecoder, DecodeError, DecodedSizeError, decode\n"
        "z = zstandard.ZstdCompressor()\n"
        "body = bytes(range(256)) * 4000\n"
        "data = z.compress(body[:1000]) + z.compress(body[1000:])\n"
        "assert decode(data, 'zstd') == body\n"
        "d = ContentDecoder('zstd', max_size=len(body))\n"
        "out = b''.join(d.decompress(data[i:i + 5]) for i in range(0, len(data), 5))\n"
        "assert out + d.flush() == body\n"
        "for bad in (data[:-1], b'garbage', data + b'x'):\n"
        "    try:\n"
        "        decode(bad, 'zstd')\n"
        "    except DecodeError as exc:\n"
        "        assert exc.encoding == 'zstd', exc\n"
        "    else:\n"
        "        raise AssertionError(bad[-10:])\n"
        "bomb = z.compress(bytes(64 << 20))\n"
        "try:\n"
        "    decode(bomb, 'zstd', max_size=1 << 20)\n"
        "except DecodedSizeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('no cap')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the cap on the decoded size ------------------------------------------------------------------


def test_cap_is_inclusive() -> None:
    data = _gzip(b"a" * 1000)
    assert decode(data, "gzip", max_size=1000) == b"a" * 1000
    with pytest.raises(DecodedSizeError) as info:
        decode(data, "gzip", max_size=999)
    assert info.value.limit == 999 and info.value.encoding == "gzip"
    assert isinstance(info.value, DecodeError)
    assert decode(data, "gzip", max_size=None) == b"a" * 1000
    assert decode(_gzip(b""), "gzip", max_size=0) == b""


def test_cap_does_not_apply_to_identity() -> None:
    # The cap is about expansion; the parser limits the body itself.
    assert decode(b"x" * 100, "identity", max_size=10) == b"x" * 100


def test_default_cap_is_64_mib() -> None:
    assert DEFAULT_MAX_DECODED_SIZE == 64 * MiB
    assert ContentDecoder("gzip").max_size == DEFAULT_MAX_DECODED_SIZE


def test_negative_cap_is_refused() -> None:
    with pytest.raises(ValueError):
        ContentDecoder("gzip", max_size=-1)


def _peak_while(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
    except DecodedSizeError:
        pass
    else:
        raise AssertionError("no DecodedSizeError")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _gzip_bomb(members: int) -> bytes:
    # 16 KiB that gunzip to 16 MiB, repeated: `members` × 16 MiB from members × 16 KiB.
    return gzip.compress(b"\x00" * (16 * MiB), compresslevel=9, mtime=0) * members


def test_gzip_bomb_of_10_gib_stops_at_the_default_cap() -> None:
    bomb = _gzip_bomb(640)  # 10 MiB in, 10 GiB out
    assert len(bomb) < 11 * MiB
    peak = _peak_while(lambda: decode(bomb, "gzip"))
    # The cap, plus one decompressor call's output (at most 8 MiB), which CPython's zlib may
    # briefly hold twice while it joins its buffers.
    assert peak < DEFAULT_MAX_DECODED_SIZE + 3 * 8 * MiB


def _deflate_bomb(size: int) -> bytes:
    co = zlib.compressobj(1)
    block = b"\x00" * MiB
    return b"".join([co.compress(block) for _ in range(size // MiB)] + [co.flush()])


@pytest.mark.parametrize(
    ("coding", "bomb"),
    [
        ("gzip", lambda: _gzip_bomb(16)),
        ("deflate", lambda: _deflate_bomb(64 * MiB)),
        ("br", lambda: _br_bomb()),
        ("zstd", lambda: zstandard.ZstdCompressor(level=1).compress(b"\x00" * (64 * MiB))),
    ],
)
def test_bombs_stop_at_a_small_cap_in_bounded_memory(
    coding: str, bomb: Callable[[], bytes]
) -> None:
    payload = bomb()
    assert len(payload) < 512 * 1024  # small in, 64 MiB or more out
    cap = MiB
    peak = _peak_while(lambda: decode(payload, coding, max_size=cap))
    assert peak < cap + len(payload) + 2 * MiB
    # Chunk by chunk, the error comes as soon as the output passes the cap.
    decoder = ContentDecoder(coding, max_size=cap)
    total = 0
    with pytest.raises(DecodedSizeError):
        for i in range(0, len(payload), 4096):
            total += len(decoder.decompress(payload[i : i + 4096]))
    assert total <= cap


def _br_bomb() -> bytes:
    out: bytes = brotli.compress(b"\x00" * (64 * MiB), quality=1)
    return out


def test_nested_bomb_is_capped_at_every_stage() -> None:
    inner = gzip.compress(b"\x00" * (64 * MiB), mtime=0)
    outer = _gzip(inner)
    with pytest.raises(DecodedSizeError):
        decode(outer, "gzip, gzip", max_size=MiB)
    assert len(decode(outer, "gzip, gzip", max_size=None)) == 64 * MiB


# -- the streaming decoder ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    payload=st.binary(max_size=3000),
    repeat=st.integers(min_value=1, max_value=20),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
    coding=st.sampled_from(["gzip", "deflate", "br", "zstd", "br, gzip", "gzip, zstd"]),
)
def test_random_split_points_give_the_same_body(
    payload: bytes, repeat: int, cuts: list[int], coding: str
) -> None:
    body = payload * repeat
    encoded = body
    for c in coding.split(", "):
        encoded = ENCODERS[c](encoded)
    points = sorted({c % (len(encoded) + 1) for c in cuts})
    bounds = [0, *points, len(encoded)]
    chunks = [encoded[a:b] for a, b in zip(bounds, bounds[1:])]
    assert _chunked(ContentDecoder(coding), chunks) == body
    assert _chunked(ContentDecoder(coding, max_size=len(body)), chunks) == body


def test_byte_by_byte_small_cap_multi_member() -> None:
    data = _gzip(b"ab" * 500) + _gzip(b"cd" * 500)
    decoder = ContentDecoder("gzip", max_size=2000)
    one_by_one = [data[i : i + 1] for i in range(len(data))]
    assert _chunked(decoder, one_by_one) == b"ab" * 500 + b"cd" * 500


def test_flush_detects_truncation() -> None:
    data = _zstd(PAYLOAD)
    decoder = ContentDecoder("zstd")
    decoder.decompress(data[:-5])
    with pytest.raises(DecodeError, match="truncated"):
        decoder.flush()


def test_decoder_cannot_be_reused_after_flush_or_error() -> None:
    decoder = ContentDecoder("gzip")
    decoder.decompress(_gzip(b"x"))
    assert decoder.flush() == b""
    with pytest.raises(DecodeError, match="flushed"):
        decoder.decompress(b"more")
    broken = ContentDecoder("gzip")
    with pytest.raises(DecodeError):
        broken.decompress(b"not gzip at all")
    with pytest.raises(DecodeError, match="failed"):
        broken.flush()


def test_decoder_attributes() -> None:
    decoder = ContentDecoder("X-Gzip, identity, BR", max_size=None)
    assert decoder.encodings == ("gzip", "br")
    assert decoder.max_size is None
    assert repr(decoder) == "ContentDecoder('gzip, br', max_size=None)"
    assert ContentDecoder("identity").decompress(bytearray(b"raw")) == b"raw"
