"""How a stack reaches AWS: its S3 state backend and its AWS provider configurations.

The same for a platform layer (``PlatformStack``), a team's stack
(``TeamStack``) and a provider for another region
(:class:`~mlplatform.stacks.stack_providers.StackProviders`): default tags, the
account guard (``allowed_account_ids``) for real AWS, or the emulator's
endpoints and fixed credentials for ``local``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cdktf import S3Backend, S3BackendEndpointConfig, TerraformStack

from mlplatform.bindings.aws.provider import (
    AwsProvider,
    AwsProviderDefaultTags,
    AwsProviderEndpoints,
)
from mlplatform.emulator.local_aws import (
    DEFAULT_ENDPOINT,
    EMULATOR_ACCESS_KEY,
    emulated_endpoints,
)

__all__ = ["configure_backend", "configure_provider"]


def configure_backend(
    stack: TerraformStack,
    *,
    bucket: str,
    key: str,
    region: str,
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
) -> None:
    """State in S3 at ``bucket``/``key``, locked by S3 itself; the emulator's S3 if ``emulator``."""
    where = _account_settings(
        emulator,
        account_id,
        endpoint,
        lambda url: dict(
            endpoints=S3BackendEndpointConfig(s3=url, sts=url, iam=url),
            use_path_style=True,
            skip_metadata_api_check=True,
            skip_requesting_account_id=True,
        ),
    )
    state = S3Backend(stack, bucket=bucket, key=key, region=region, encrypt=True, **where)
    # S3-native locking (Terraform 1.11); cdktf 0.21's S3Backend has no argument for it yet.
    state.add_override("use_lockfile", True)


def configure_provider(
    stack: TerraformStack,
    *,
    region: str,
    tags: Mapping[str, str],
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
    alias: str | None = None,
) -> AwsProvider:
    """The AWS provider with default ``tags``; pointed at the emulator if ``emulator``; the
    stack's default provider unless ``alias`` names it."""
    where = _account_settings(
        emulator,
        account_id,
        endpoint,
        lambda url: dict(
            endpoints=[AwsProviderEndpoints(**emulated_endpoints(url))],
            s3_use_path_style=True,
            skip_metadata_api_check="true",
        ),
    )
    return AwsProvider(
        stack,
        alias or "aws",
        region=region,
        alias=alias,
        default_tags=[AwsProviderDefaultTags(tags=dict(tags))],
        **where,
    )


def _account_settings(
    emulator: bool,
    account_id: str | None,
    endpoint: str | None,
    emulated: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """Where the backend or the provider reaches AWS: the emulator at ``endpoint`` (its fixed
    credentials, AWS's own checks off, and ``emulated(url)``: the setting's endpoints and
    path-style S3), or the real AWS, only in ``account_id`` when given."""
    if emulator:
        return dict(
            access_key=EMULATOR_ACCESS_KEY,
            secret_key=EMULATOR_ACCESS_KEY,
            skip_credentials_validation=True,
            skip_region_validation=True,
            **emulated(endpoint or DEFAULT_ENDPOINT),
        )
    # allowed_account_ids stops a dev file from ever applying to the prod account.
    return dict(allowed_account_ids=[account_id] if account_id else None)
