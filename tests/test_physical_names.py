"""The physical name of every stateful resource of every environment, pinned.

Renaming a bucket, a table, a key alias or a cluster makes Terraform replace
the resource, and its data goes with it. So the names are written out below,
one table per environment: a change that renames a stateful resource, by
accident or on purpose, fails here, and changing the table is the reviewed
decision to do it (with a migration for environments that hold data).

Buckets of real environments end with the account id because S3 names are
global; ``local`` (the emulator) keeps bare names, because the upgrade test
deploys the previous release's ``local`` stacks and must see no replacement.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplatform.loader import EnvironmentLoader
from tests.conftest import ENVIRONMENTS, environment_names, stack_dirs

# Stateful resource types and the argument that holds their physical name.
# KMS keys have no name; their alias is how everything finds them.
NAME_ARGUMENT = {
    "aws_s3_bucket": "bucket",
    "aws_kms_alias": "name",
    "aws_dynamodb_table": "name",
    "aws_eks_cluster": "name",
    "aws_ecr_repository": "name",
    "aws_sagemaker_model_package_group": "model_package_group_name",
    "aws_glue_catalog_database": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_elasticache_replication_group": "replication_group_id",
}


def _names(env: str, buckets: list[str], *, replicated: bool = False) -> dict[str, set[str]]:
    """The table of one environment; only bucket names differ in shape between environments.
    ``replicated``: the lake replicates into another region (its key there, ``-dr``)."""
    p = f"mlp-{env}"
    return {
        "aws_s3_bucket": set(buckets),
        "aws_kms_alias": {
            f"alias/{p}-datalake",
            f"alias/{p}-eks",
            f"alias/{p}-ml-alarms",
            f"alias/{p}-network-logs",
            f"alias/{p}-registry",
        }
        | ({f"alias/{p}-datalake-dr"} if replicated else set()),
        # The online feature store: DynamoDB tables in local and dev, Valkey in staging and prod.
        "aws_dynamodb_table": {f"{p}-registry-models"}
        | ({f"{p}-features-ranker"} if env in {"local", "dev"} else set()),
        "aws_elasticache_replication_group": (
            {f"{p}-features"} if env in {"staging", "prod"} else set()
        ),
        "aws_eks_cluster": {f"{p}-eks"},
        "aws_ecr_repository": {f"{p}-registry-ranker"},
        "aws_sagemaker_model_package_group": {f"{p}-registry-ranker"},
        "aws_glue_catalog_database": {
            f"mlp_{env}_datalake_curated",
            f"mlp_{env}_datalake_features",
            f"mlp_{env}_datalake_raw",
        },
        "aws_cloudwatch_log_group": {
            f"/aws/eks/{p}-eks/cluster",
            *(
                f"/aws/containerinsights/{p}-eks/{kind}"
                for kind in ("application", "dataplane", "host", "performance")
            ),
            f"/aws/sagemaker/Endpoints/{p}-serving-ranker",
            f"/mlplatform/{p}/network/flow-logs",
        }
        # The Redis passwords' rotation function logs where Lambda would.
        | ({f"/aws/lambda/{p}-features-redis-rotation"} if env in {"staging", "prod"} else set()),
    }


PHYSICAL_NAMES: dict[str, dict[str, set[str]]] = {
    "local": _names(
        "local",
        [
            "mlp-local-datalake-access-logs",
            "mlp-local-datalake-curated",
            "mlp-local-datalake-features",
            "mlp-local-datalake-query-results",
            "mlp-local-datalake-raw",
            "mlp-local-datalake-dr-curated",
            "mlp-local-datalake-dr-features",
            "mlp-local-datalake-dr-logs",
            "mlp-local-datalake-dr-raw",
            "mlp-local-registry-access-logs",
            "mlp-local-registry-artifacts",
        ],
        replicated=True,
    ),
    "dev": _names(
        "dev",
        [
            "mlp-dev-datalake-access-logs-111111111111",
            "mlp-dev-datalake-curated-111111111111",
            "mlp-dev-datalake-features-111111111111",
            "mlp-dev-datalake-query-results-111111111111",
            "mlp-dev-datalake-raw-111111111111",
            "mlp-dev-registry-access-logs-111111111111",
            "mlp-dev-registry-artifacts-111111111111",
        ],
    ),
    "staging": _names(
        "staging",
        [
            "mlp-staging-datalake-access-logs-222222222222",
            "mlp-staging-datalake-curated-222222222222",
            "mlp-staging-datalake-features-222222222222",
            "mlp-staging-datalake-query-results-222222222222",
            "mlp-staging-datalake-raw-222222222222",
            "mlp-staging-registry-access-logs-222222222222",
            "mlp-staging-registry-artifacts-222222222222",
        ],
    ),
    "prod": _names(
        "prod",
        [
            "mlp-prod-datalake-access-logs-333333333333",
            "mlp-prod-datalake-curated-333333333333",
            "mlp-prod-datalake-features-333333333333",
            "mlp-prod-datalake-query-results-333333333333",
            "mlp-prod-datalake-raw-333333333333",
            "mlp-prod-datalake-dr-curated-333333333333",
            "mlp-prod-datalake-dr-features-333333333333",
            "mlp-prod-datalake-dr-logs-333333333333",
            "mlp-prod-datalake-dr-raw-333333333333",
            "mlp-prod-registry-access-logs-333333333333",
            "mlp-prod-registry-artifacts-333333333333",
        ],
        replicated=True,
    ),
}

# Made by scripts/bootstrap_state_backend.py from the environment file, not by a stack.
STATE_BUCKETS = {
    "local": "mlp-local-tfstate",
    "dev": "mlp-dev-tfstate-111111111111",
    "staging": "mlp-staging-tfstate-222222222222",
    "prod": "mlp-prod-tfstate-333333333333",
}


def _synthesized_names(stacks: Path, environment: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in NAME_ARGUMENT}
    for directory in stack_dirs(stacks, environment):
        document = json.loads((directory / "cdk.tf.json").read_text())
        for kind, resources in document.get("resource", {}).items():
            if kind in NAME_ARGUMENT:
                found[kind] |= {r[NAME_ARGUMENT[kind]] for r in resources.values()}
    return found


def test_the_table_covers_every_environment() -> None:
    assert sorted(PHYSICAL_NAMES) == sorted(STATE_BUCKETS) == environment_names()


@pytest.mark.parametrize("environment", environment_names())
def test_stateful_resources_keep_their_physical_names(synthesized: Path, environment: str) -> None:
    found = _synthesized_names(synthesized, environment)

    for kind, expected in PHYSICAL_NAMES[environment].items():
        assert found[kind] == expected, (
            f"{environment}: {kind} names changed; renaming a stateful resource replaces it "
            "(and its data). If that is intended, update PHYSICAL_NAMES and plan the migration."
        )


@pytest.mark.parametrize("environment", environment_names())
def test_state_bucket_keeps_its_name(environment: str) -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load(environment)

    assert config.state_backend.bucket == STATE_BUCKETS[environment]


def test_no_two_environments_share_a_physical_name() -> None:
    seen: dict[tuple[str, str], str] = {}
    for environment, table in PHYSICAL_NAMES.items():
        for kind, names in table.items():
            for name in names:
                assert (kind, name) not in seen, (
                    f"{kind} {name}: {seen[(kind, name)]} and {environment}"
                )
                seen[(kind, name)] = environment


def test_every_bucket_would_fit_with_the_longest_org_environment_and_suffix() -> None:
    # Config allows org up to 12, environment up to 10 and bucket_suffix up to 16 characters;
    # the platform's longest bucket component must leave room for all three within S3's 63.
    for environment, table in PHYSICAL_NAMES.items():
        config = EnvironmentLoader(ENVIRONMENTS).load(environment)
        suffix = config.bucket_name_suffix
        for name in table["aws_s3_bucket"]:
            middle = name.removeprefix(f"mlp-{environment}-")
            middle = middle.removesuffix(f"-{suffix}") if suffix else middle
            assert len(f"{'o' * 12}-{'e' * 10}-{middle}-{'s' * 16}") <= 63, name
