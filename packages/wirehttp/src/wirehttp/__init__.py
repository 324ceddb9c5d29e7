"""wirehttp: HTTP.jl's whole API for Python — ``import wirehttp as HTTP``.

This meta-package re-exports every public name of the wirehttp packages, so ``HTTP.Request``,
``HTTP.URI``, ``HTTP.statustext`` and (as their packages land) ``HTTP.get``, ``HTTP.serve``,
``HTTP.WebSockets`` … all live in one namespace, as in Julia. ``docs/api-mapping.md`` maps every
name of HTTP.jl's reference to its Python name here.
"""

import wirehttp_client
import wirehttp_cookies
import wirehttp_forms
import wirehttp_parser
import wirehttp_server
import wirehttp_websockets
from wirehttp_client import *  # noqa: F403
from wirehttp_cookies import *  # noqa: F403
from wirehttp_forms import *  # noqa: F403
from wirehttp_parser import *  # noqa: F403
from wirehttp_server import *  # noqa: F403
from wirehttp_websockets import *  # noqa: F403

__version__ = "0.1.0"

PACKAGES = (
    wirehttp_parser,
    wirehttp_client,
    wirehttp_server,
    wirehttp_websockets,
    wirehttp_cookies,
    wirehttp_forms,
)
"""The packages whose public names this module re-exports, lowest first."""

__all__ = ["__version__", "PACKAGES"]
__all__ += [n for n in wirehttp_parser.__all__ if n != "__version__"]
__all__ += wirehttp_client.__all__
__all__ += wirehttp_server.__all__
__all__ += wirehttp_websockets.__all__
__all__ += wirehttp_cookies.__all__
__all__ += wirehttp_forms.__all__
