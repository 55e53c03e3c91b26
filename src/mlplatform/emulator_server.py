"""Runs moto server with the few fixes that make it answer the way AWS does.

The ``local`` environment must converge: a second plan after deploy proposes
nothing. Where moto invents state AWS never returns, the fix belongs here, in
the emulator, never in a construct (a construct that ignored the drift would
also hide it in real accounts). Each fix names what AWS does.

    python -m mlplatform.emulator_server -H 127.0.0.1 -p PORT
"""

from __future__ import annotations

import sys

__all__ = ["apply_fidelity_fixes", "main"]


def apply_fidelity_fixes() -> None:
    """Patch moto's models in this process, before the server handles a request."""
    import moto.eks.models as eks

    # AWS returns no remoteAccess for a node group created without SSH access; moto
    # invents {"ec2SshKey": "eksKeypair"}, which makes every plan replace node groups.
    eks.DEFAULT_REMOTE_ACCESS = None  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> None:
    """Apply the fixes, then run moto's own server command line."""
    apply_fidelity_fixes()
    from moto.server import main as serve

    serve(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
