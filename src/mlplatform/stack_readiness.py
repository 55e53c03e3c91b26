"""Which synthesized stacks can be planned now, and which wait for others to be deployed.

A layer reads the layers before it through their Terraform state: cdktf turns each
cross-stack reference into a ``terraform_remote_state`` data source over the other
stack's state object. ``terraform plan`` reads those first, and fails ("Unable to find
remote state") while one does not exist yet. So on an environment's first
``make diff`` only the network could be planned, and every later layer failed the
same way. :class:`StackReadiness` reads, from each stack's synthesized
``cdk.tf.json``, the state objects it reads and where they are (the S3 backend
settings cdktf copied into the data source, emulator endpoint included), and asks S3
whether they exist, so ``make diff`` plans what it can and says what waits for what.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from mlplatform.errors import MlplatformError

__all__ = ["StackReadiness", "StateReadError"]

StateClients = Callable[[Mapping[str, Any]], Any]
"""Makes an S3 client from a remote state's backend settings (``bucket``, ``region``,
``endpoints``, keys)."""


class StateReadError(MlplatformError, RuntimeError):
    """S3 refused to say whether a state object exists (credentials, permissions)."""


def _s3_for(settings: Mapping[str, Any]) -> Any:
    """An S3 client reaching a backend as Terraform does: its region, and for an emulator
    backend its endpoint and keys (a real backend uses the default credential chain)."""
    options: dict[str, Any] = {"region_name": settings.get("region")}
    endpoint = settings.get("endpoints", {}).get("s3")
    if endpoint:
        options["endpoint_url"] = endpoint
    if settings.get("access_key"):
        options["aws_access_key_id"] = settings["access_key"]
        options["aws_secret_access_key"] = settings.get("secret_key")
    return boto3.client("s3", **options)


class StackReadiness:
    """The stacks under ``outdir/stacks``, and whether the state each one reads exists."""

    def __init__(self, outdir: Path, clients: StateClients = _s3_for) -> None:
        self._stacks = outdir / "stacks"
        self._clients = clients
        self._exists: dict[tuple[str, str], bool] = {}

    def _document(self, stack: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            (self._stacks / stack / "cdk.tf.json").read_text(encoding="utf-8")
        )
        return document

    def waits_for(self, stack: str, stacks: list[str]) -> list[str]:
        """The stacks among ``stacks`` whose state ``stack`` reads and that are not deployed
        (no state object yet), in ``stacks``' order."""
        owners = {self._state_of(other): other for other in stacks}
        remote = self._document(stack).get("data", {}).get("terraform_remote_state", {})
        missing = set()
        for source in remote.values():
            settings = source.get("config", {})
            where = (settings.get("bucket", ""), settings.get("key", ""))
            if where in owners and not self._state_exists(settings):
                missing.add(owners[where])
        return [other for other in stacks if other in missing]

    def _state_of(self, stack: str) -> tuple[str, str]:
        """The S3 bucket and key ``stack`` keeps its own state at."""
        backend = self._document(stack).get("terraform", {}).get("backend", {}).get("s3", {})
        return backend.get("bucket", ""), backend.get("key", "")

    def _state_exists(self, settings: Mapping[str, Any]) -> bool:
        where = (str(settings.get("bucket", "")), str(settings.get("key", "")))
        if where not in self._exists:
            try:
                self._clients(settings).head_object(Bucket=where[0], Key=where[1])
                self._exists[where] = True
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code not in {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}:
                    raise StateReadError(
                        f"s3://{where[0]}/{where[1]}: S3 answered {code} when asked whether "
                        "this state exists; the credentials must read the state bucket "
                        "(mlplatform preflight checks them)"
                    ) from None
                self._exists[where] = False
        return self._exists[where]
