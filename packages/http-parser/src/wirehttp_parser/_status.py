"""Status codes and their reason phrases (RFC 9110 §15), with the extra codes HTTP.jl's
``StatusCodes`` table carries (WebDAV, nginx's 444/494–499, Cloudflare's 520–530, IIS 440)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["StatusCodes", "statustext"]

_TEXT: dict[int, str] = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 306: "(Unused)", 307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
    416: "Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a teapot",
    419: "Page Expired", 420: "Enhance Your Calm", 421: "Misdirected Request",
    422: "Unprocessable Content", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
    426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
    430: "Request Header Fields Too Large", 431: "Request Header Fields Too Large",
    440: "Login Timeout", 444: "No Response", 449: "Retry With",
    450: "Blocked by Windows Parental Controls", 451: "Unavailable For Legal Reasons",
    494: "Request Header Too Large", 495: "SSL Certificate Error",
    496: "SSL Certificate Required", 497: "HTTP Request Sent to HTTPS Port",
    498: "Invalid Token", 499: "Client Closed Request",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
    506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
    509: "Bandwidth Limit Exceeded", 510: "Not Extended",
    511: "Network Authentication Required", 520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down", 522: "Connection Timed Out", 523: "Origin Is Unreachable",
    524: "A Timeout Occurred", 525: "SSL Handshake Failed", 526: "Invalid SSL Certificate",
    527: "Railgun Error", 530: "Origin DNS Error", 598: "Network Read Timeout Error",
    599: "Network Connect Timeout Error",
}


def statustext(status: int) -> str:
    """The reason phrase for ``status``: ``statustext(404) == "Not Found"``;
    ``"Unknown Code"`` for codes outside the table, as in HTTP.jl."""
    return _TEXT.get(status, "Unknown Code")


class StatusCodes(IntEnum):
    """Named status codes (HTTP.jl's ``HTTP.StatusCodes.OK`` …); members are ints."""

    CONTINUE = 100
    SWITCHING_PROTOCOLS = 101
    PROCESSING = 102
    EARLY_HINTS = 103
    OK = 200
    CREATED = 201
    ACCEPTED = 202
    NON_AUTHORITATIVE_INFORMATION = 203
    NO_CONTENT = 204
    RESET_CONTENT = 205
    PARTIAL_CONTENT = 206
    MULTI_STATUS = 207
    ALREADY_REPORTED = 208
    IM_USED = 226
    MULTIPLE_CHOICES = 300
    MOVED_PERMANENTLY = 301
    FOUND = 302
    SEE_OTHER = 303
    NOT_MODIFIED = 304
    USE_PROXY = 305
    TEMPORARY_REDIRECT = 307
    PERMANENT_REDIRECT = 308
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    PAYMENT_REQUIRED = 402
    FORBIDDEN = 403
    NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405
    NOT_ACCEPTABLE = 406
    PROXY_AUTHENTICATION_REQUIRED = 407
    REQUEST_TIMEOUT = 408
    CONFLICT = 409
    GONE = 410
    LENGTH_REQUIRED = 411
    PRECONDITION_FAILED = 412
    CONTENT_TOO_LARGE = 413
    PAYLOAD_TOO_LARGE = 413
    URI_TOO_LONG = 414
    UNSUPPORTED_MEDIA_TYPE = 415
    RANGE_NOT_SATISFIABLE = 416
    EXPECTATION_FAILED = 417
    IM_A_TEAPOT = 418
    PAGE_EXPIRED = 419
    ENHANCE_YOUR_CALM = 420
    MISDIRECTED_REQUEST = 421
    UNPROCESSABLE_CONTENT = 422
    UNPROCESSABLE_ENTITY = 422
    LOCKED = 423
    FAILED_DEPENDENCY = 424
    TOO_EARLY = 425
    UPGRADE_REQUIRED = 426
    PRECONDITION_REQUIRED = 428
    TOO_MANY_REQUESTS = 429
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431
    LOGIN_TIMEOUT = 440
    NGINX_NO_RESPONSE = 444
    RETRY_WITH = 449
    BLOCKED_BY_WINDOWS_PARENTAL_CONTROLS = 450
    UNAVAILABLE_FOR_LEGAL_REASONS = 451
    REQUEST_HEADER_TOO_LARGE = 494
    SSL_CERTIFICATE_ERROR = 495
    SSL_CERTIFICATE_REQUIRED = 496
    HTTP_REQUEST_SENT_TO_HTTPS_PORT = 497
    INVALID_TOKEN = 498
    CLIENT_CLOSED_REQUEST = 499
    INTERNAL_SERVER_ERROR = 500
    NOT_IMPLEMENTED = 501
    BAD_GATEWAY = 502
    SERVICE_UNAVAILABLE = 503
    GATEWAY_TIMEOUT = 504
    HTTP_VERSION_NOT_SUPPORTED = 505
    VARIANT_ALSO_NEGOTIATES = 506
    INSUFFICIENT_STORAGE = 507
    LOOP_DETECTED = 508
    BANDWIDTH_LIMIT_EXCEEDED = 509
    NOT_EXTENDED = 510
    NETWORK_AUTHENTICATION_REQUIRED = 511
    WEB_SERVER_UNKNOWN_ERROR = 520
    WEB_SERVER_IS_DOWN = 521
    CONNECTION_TIMED_OUT = 522
    ORIGIN_IS_UNREACHABLE = 523
    TIMEOUT_OCCURRED = 524
    SSL_HANDSHAKE_FAILED = 525
    INVALID_SSL_CERTIFICATE = 526
    RAILGUN_ERROR = 527
    ORIGIN_DNS_ERROR = 530
    NETWORK_READ_TIMEOUT_ERROR = 598
    NETWORK_CONNECT_TIMEOUT_ERROR = 599

    @property
    def phrase(self) -> str:
        return statustext(self.value)
