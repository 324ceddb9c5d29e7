"""wirehttp-parser: HTTP/1.1 messages, headers, URIs, status texts, MIME sniffing, body decoding
and a strict sans-I/O parser and writer for both directions. The core every other wirehttp
package builds on; it imports nothing outside the standard library.

Implementation lives in private modules, each named after one concept; this module re-exports
their public names (each module's ``__all__``).
"""

from . import (
    _body,
    _context,
    _decode,
    _errors,
    _events,
    _headers,
    _limits,
    _messages,
    _parser,
    _protocols,
    _sniff,
    _status,
    _strings,
    _uri,
    _version,
    _writer,
)
from ._body import *  # noqa: F403
from ._context import *  # noqa: F403
from ._decode import *  # noqa: F403
from ._errors import *  # noqa: F403
from ._events import *  # noqa: F403
from ._headers import *  # noqa: F403
from ._limits import *  # noqa: F403
from ._messages import *  # noqa: F403
from ._parser import *  # noqa: F403
from ._protocols import *  # noqa: F403
from ._sniff import *  # noqa: F403
from ._status import *  # noqa: F403
from ._strings import *  # noqa: F403
from ._uri import *  # noqa: F403
from ._version import *  # noqa: F403
from ._writer import *  # noqa: F403

__version__ = "0.1.0"

__all__ = ["__version__"]
__all__ += _body.__all__
__all__ += _context.__all__
__all__ += _decode.__all__
__all__ += _errors.__all__
__all__ += _events.__all__
__all__ += _headers.__all__
__all__ += _limits.__all__
__all__ += _messages.__all__
__all__ += _parser.__all__
__all__ += _protocols.__all__
__all__ += _sniff.__all__
__all__ += _status.__all__
__all__ += _strings.__all__
__all__ += _uri.__all__
__all__ += _version.__all__
__all__ += _writer.__all__
