"""Cross-region replication of the data lake (``data_lake.replication``): config, what
prod's data layer is made of, the Pulumi engine's providers, and the refusals.

prod turns it on (to us-west-2): every zone replicated into a bucket of the other region
that is as secure as the zone, under a key of that region, by a role that can do nothing
else. terraform validate, checkov, the guardrails and Pulumi parity cover prod's stacks
with the rest (tests/test_validate.py, test_policy.py, test_pulumi_parity.py); local
deploys it into the emulator (tests/test_e2e_local.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktf import TerraformStack

from mlplatform.config import DataLakeProps, ReplicationProps
from mlplatform.constructs.alarm import Alarm
from mlplatform.constructs.data_lake import DataLake
from mlplatform.decisions.dashboard import dashboard_body, platform_widgets
from mlplatform.decisions.metrics import MathSpec
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.replication_plan import (
    batch_replication_job,
    replication_alarms,
    replication_metrics,
    unwatched_replication_warning,
)
from mlplatform.errors import ConstructError
from mlplatform.loader import ConfigError, EnvironmentLoader
from mlplatform.pulumi import PlatformEnvironment, Recorder
from mlplatform.pulumi.types import terraform_type
from tests.conftest import ENVIRONMENTS

PROD = ENVIRONMENTS / "prod.yaml"
REPLICA_PROVIDER = "aws.aws-us-west-2"
ZONES = ("raw", "curated", "features")


def prod_text(**replication: Any) -> str:
    data = yaml.safe_load(PROD.read_text())
    data["data_lake"]["replication"] = replication
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture(scope="module")
def document(synthesized: Path) -> dict[str, Any]:
    """prod's data layer, as synthesized from environments/prod.yaml."""
    result: dict[str, Any] = json.loads((synthesized / "prod-data" / "cdk.tf.json").read_text())
    return result


def resources(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = document["resource"].get(kind, {})
    return found


def address(document: dict[str, Any], kind: str, **match: Any) -> str:
    (name,) = [n for n, r in resources(document, kind).items() if match.items() <= r.items()]
    return f"{kind}.{name}"


def of_bucket(document: dict[str, Any], kind: str, bucket_address: str) -> dict[str, Any]:
    (found,) = [
        r for r in resources(document, kind).values() if r["bucket"] == f"${{{bucket_address}.id}}"
    ]
    return found


# ------------------------------------------------------------------ config


def test_replication_is_off_unless_the_file_sets_it() -> None:
    assert DataLakeProps().replication is None
    loader = EnvironmentLoader(ENVIRONMENTS)
    assert {name: loader.load(name).data_lake.replication for name in ("dev", "staging")} == {
        "dev": None,
        "staging": None,
    }
    assert [loader.load(name).data_lake.replication for name in ("prod", "local")] == [
        ReplicationProps(region="us-west-2")
    ] * 2


@pytest.mark.parametrize(
    ("region", "said"),
    [
        ("us-east-1", "data_lake.replication.region: 'us-east-1' is the environment's own region"),
        ("cn-north-1", "data_lake.replication.region: 'cn-north-1' is in another AWS partition"),
        (
            "us-west",
            "data_lake.replication.region: 'us-west' is not an AWS region; did you mean "
            "us-west-2 or us-west-1",
        ),
    ],
)
def test_a_replica_region_that_cannot_work_is_one_line_naming_the_field(
    region: str, said: str
) -> None:
    with pytest.raises(ConfigError) as error:
        EnvironmentLoader.parse(prod_text(region=region), PROD)
    assert str(error.value).startswith(f"{PROD}: {said}")
    assert "\n" not in str(error.value)


# ------------------------------------------------------------------ what is made


def test_the_replica_region_has_its_own_provider_with_the_stacks_settings(
    document: dict[str, Any],
) -> None:
    default, replica = document["provider"]["aws"]
    assert replica["alias"] == "aws-us-west-2" and replica["region"] == "us-west-2"
    assert {k: v for k, v in replica.items() if k not in ("alias", "region")} == {
        k: v for k, v in default.items() if k != "region"
    }  # the same account guard and default tags


def test_every_zone_replicates_into_a_secure_replica_under_the_replica_key(
    document: dict[str, Any],
) -> None:
    rules = resources(document, "aws_s3_bucket_replication_configuration")
    assert len(rules) == len(ZONES)
    replica_key = address(document, "aws_kms_key", provider=REPLICA_PROVIDER)
    for zone in ZONES:
        source = address(document, "aws_s3_bucket", bucket=f"mlp-prod-datalake-{zone}-333333333333")
        replica = address(
            document, "aws_s3_bucket", bucket=f"mlp-prod-datalake-dr-{zone}-333333333333"
        )
        assert resources(document, "aws_s3_bucket")[replica.split(".")[1]]["provider"] == (
            REPLICA_PROVIDER
        )
        (configuration,) = [r for r in rules.values() if r["bucket"] == f"${{{source}.bucket}}"]
        (rule,) = configuration["rule"]
        assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}
        assert rule["destination"] == {
            "bucket": f"${{{replica}.arn}}",
            "storage_class": "STANDARD_IA",
            "encryption_configuration": {"replica_kms_key_id": f"${{{replica_key}.arn}}"},
            # What the ml layer's failed-replication alarms watch (the next tests).
            "metrics": {"status": "Enabled"},
        }
        assert rule["source_selection_criteria"] == {
            "sse_kms_encrypted_objects": {"status": "Enabled"}
        }
        # A delete in the primary region does not reach the replica unless the file says so.
        assert rule["delete_marker_replication"] == {"status": "Disabled"}
        # S3 takes the rule only once both buckets are versioned.
        versioning = {
            address(document, "aws_s3_bucket_versioning", bucket=f"${{{b}.id}}")
            for b in (source, replica)
        }
        assert versioning <= set(configuration["depends_on"])
        # The replica is as secure as the zone: versioned, encrypted with the replica key,
        # private, TLS only, under the zone's Object Lock, kept (its logging: the next test).
        encryption = of_bucket(
            document, "aws_s3_bucket_server_side_encryption_configuration", replica
        )
        default = encryption["rule"][0]["apply_server_side_encryption_by_default"]
        assert default == {
            "sse_algorithm": "aws:kms",
            "kms_master_key_id": f"${{{replica_key}.arn}}",
        }
        block = of_bucket(document, "aws_s3_bucket_public_access_block", replica)
        assert all(block[k] is True for k in ("block_public_acls", "restrict_public_buckets"))
        assert (
            "DenyInsecureTransport"
            in of_bucket(document, "aws_s3_bucket_policy", replica)["policy"]
        )
        assert of_bucket(document, "aws_s3_bucket_object_lock_configuration", replica)["rule"][
            "default_retention"
        ] == {"mode": "GOVERNANCE", "days": 30}
        bucket = resources(document, "aws_s3_bucket")[replica.split(".")[1]]
        assert bucket["lifecycle"]["prevent_destroy"] is True


def test_replicas_log_into_a_log_bucket_of_their_own_region(document: dict[str, Any]) -> None:
    log_bucket = address(document, "aws_s3_bucket", bucket="mlp-prod-datalake-dr-logs-333333333333")
    assert resources(document, "aws_s3_bucket")[log_bucket.split(".")[1]]["provider"] == (
        REPLICA_PROVIDER
    )
    for zone in ZONES:
        replica = address(
            document, "aws_s3_bucket", bucket=f"mlp-prod-datalake-dr-{zone}-333333333333"
        )
        logging = of_bucket(document, "aws_s3_bucket_logging", replica)
        assert logging["target_bucket"] == f"${{{log_bucket}.bucket}}"
        assert logging["provider"] == REPLICA_PROVIDER


def test_the_replication_role_is_s3s_for_this_account_and_can_only_replicate(
    document: dict[str, Any],
) -> None:
    roles = {r["name"]: r for r in resources(document, "aws_iam_role").values()}
    assert set(roles) == {"mlp-prod-datalake-replication", "mlp-prod-datalake-batch-replication"}
    role = roles["mlp-prod-datalake-replication"]
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    # This account only: the stack's one account lookup (allowed_account_ids pins it).
    (account,) = trust["Condition"]["StringEquals"].values()
    assert account.startswith("${data.aws_caller_identity.account-context_account_")
    policies = {p["name"]: p for p in resources(document, "aws_iam_role_policy").values()}
    statements = {
        s["Sid"]: s for s in json.loads(policies["replicate-lake"]["policy"])["Statement"]
    }
    assert set(statements) == {
        "ReadReplicationConfiguration",
        "ReadSourceVersions",
        "WriteReplicas",
        "DecryptSources",
        "EncryptReplicas",
    }
    assert all(s["Effect"] == "Allow" and "*" not in s["Resource"] for s in statements.values())
    assert not [a for s in statements.values() for a in s["Action"] if a.endswith("*")]
    # Each key only through S3 in its own region.
    via = statements["EncryptReplicas"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert via.startswith("s3.us-west-2.")
    assert "kms:ViaService" in statements["DecryptSources"]["Condition"]["StringEquals"]


def test_batch_operations_may_only_start_the_zones_replication_and_write_its_reports(
    document: dict[str, Any],
) -> None:
    """Batch Replication runs as its own role: S3 Batch Operations (this account only) may
    start replication of the zones' objects, list them from the zones' replication
    configuration and write reports under batch-replication/ in the lake's log bucket;
    reading and writing the objects stays with the replication role."""
    buckets = {  # prod's names end in its bucket_suffix
        b["bucket"].rsplit("-", 1)[0]: a for a, b in resources(document, "aws_s3_bucket").items()
    }
    roles = {r["name"]: a for a, r in resources(document, "aws_iam_role").items()}
    role = resources(document, "aws_iam_role")[roles["mlp-prod-datalake-batch-replication"]]
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "batchoperations.s3.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"].startswith(
        "${data.aws_caller_identity."
    )
    (policy,) = [
        p
        for p in resources(document, "aws_iam_role_policy").values()
        if p["name"] == "replicate-existing-objects"
    ]
    assert policy["role"] == f"${{aws_iam_role.{roles['mlp-prod-datalake-batch-replication']}.id}}"
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    zones = [f"${{aws_s3_bucket.{buckets[f'mlp-prod-datalake-{z}']}.arn}}" for z in ZONES]
    logs = f"${{aws_s3_bucket.{buckets['mlp-prod-datalake-access-logs']}.arn}}"
    assert statements == {
        "InitiateReplication": {
            "Sid": "InitiateReplication",
            "Effect": "Allow",
            "Action": "s3:InitiateReplication",
            "Resource": [f"{zone}/*" for zone in zones],
        },
        "GenerateObjectList": {
            "Sid": "GenerateObjectList",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
            "Resource": zones,
        },
        "WriteCompletionReport": {
            "Sid": "WriteCompletionReport",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{logs}/batch-replication/*",
        },
    }


def test_a_batch_replication_job_replicates_one_zones_unreplicated_and_failed_objects() -> None:
    """What ``mlplatform lake replicate-existing`` asks S3 Control for, per zone."""
    prod = EnvironmentLoader(ENVIRONMENTS).load("prod")
    naming, props = Naming.for_environment(prod), prod.data_lake
    suffix = f"-{prod.bucket_name_suffix}"
    job = batch_replication_job(
        naming, props, "curated", partition="aws", account="1" * 12, token="t-1"
    )
    generator = job["ManifestGenerator"]["S3JobManifestGenerator"]
    assert generator["SourceBucket"] == f"arn:aws:s3:::mlp-prod-datalake-curated{suffix}"
    assert generator["Filter"] == {
        "EligibleForReplication": True,
        "ObjectReplicationStatuses": ["NONE", "FAILED"],
    }
    assert job["Operation"] == {"S3ReplicateObject": {}}
    assert job["RoleArn"] == "arn:aws:iam::111111111111:role/mlp-prod-datalake-batch-replication"
    assert (job["ConfirmationRequired"], job["ClientRequestToken"]) == (False, "t-1")
    assert job["Report"] == {
        "Enabled": True,
        "Bucket": f"arn:aws:s3:::mlp-prod-datalake-access-logs{suffix}",
        "Format": "Report_CSV_20180820",
        "Prefix": "batch-replication/curated",
        "ReportScope": "FailedTasksOnly",
    }
    with pytest.raises(ValueError, match="no zone 'gold'; its zones: raw, curated, features"):
        batch_replication_job(naming, props, "gold", partition="aws", account="1" * 12, token="t")
    dev = EnvironmentLoader(ENVIRONMENTS).load("dev").data_lake
    with pytest.raises(ValueError, match="does not replicate"):
        batch_replication_job(
            Naming("mlp", "dev"), dev, "raw", partition="aws", account="1" * 12, token="t"
        )


def test_the_ml_layer_alarms_the_topic_on_each_rules_failed_replication(
    synthesized: Path, document: dict[str, Any]
) -> None:
    """The alarms live with the topic in the ml layer; their dimensions must name what the
    data layer's rules replicate, or they watch a metric nobody publishes."""
    buckets = resources(document, "aws_s3_bucket")
    watched = set()
    for configuration in resources(document, "aws_s3_bucket_replication_configuration").values():
        (rule,) = configuration["rule"]
        source = buckets[configuration["bucket"].split(".")[1]]["bucket"]
        replica = buckets[rule["destination"]["bucket"].split(".")[1]]["bucket"]
        watched.add((source, replica, rule["id"]))
    assert len(watched) == len(ZONES)

    ml = json.loads((synthesized / "prod-ml" / "cdk.tf.json").read_text())
    (topic,) = ml["resource"]["aws_sns_topic"]
    alarms = [
        a
        for a in ml["resource"]["aws_cloudwatch_metric_alarm"].values()
        if a.get("metric_name") == "OperationsFailedReplication"
    ]
    assert {
        (d["SourceBucket"], d["DestinationBucket"], d["RuleId"])
        for d in (a["dimensions"] for a in alarms)
    } == watched
    for alarm in alarms:
        assert alarm["namespace"] == "AWS/S3" and alarm["statistic"] == "Sum"
        # One failed operation pages: it stays unreplicated until someone acts.
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 0
        assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (1, 1)
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [f"${{aws_sns_topic.{topic}.arn}}"]
        assert "Runbook: " in alarm["alarm_description"]


def test_the_dashboard_graphs_replication_from_the_region_that_publishes_it() -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    body = dashboard_body(platform_widgets(config), config.region)
    widgets = {w["properties"].get("title"): w["properties"] for w in body["widgets"]}
    # Failed operations are published in the lake's region: the dashboard's own.
    failed = widgets["replication: failed operations"]["metrics"]
    assert len(failed) == len(ZONES)
    assert all("region" not in row[-1] for row in failed)
    # Latency and bytes pending are published in the replica region; each row says so.
    for title in ("replication: latency (s)", "replication: bytes pending"):
        rows = widgets[title]["metrics"]
        assert [row[-1]["region"] for row in rows] == ["us-west-2"] * len(ZONES)
        assert [row[-1]["label"] for row in rows] == list(ZONES)
        assert rows[0][2:8] == [
            "SourceBucket",
            "mlp-prod-datalake-raw-333333333333",
            "DestinationBucket",
            "mlp-prod-datalake-dr-raw-333333333333",
            "RuleId",
            "replicate-raw",
        ]


def test_an_alarm_refuses_a_metric_of_another_region(stack: TerraformStack) -> None:
    """CloudWatch alarms watch their own region; a spec published elsewhere is refused, not
    turned into an alarm on a metric that never arrives."""
    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    naming = Naming.for_environment(config)
    latency = replication_metrics(naming, config.data_lake)["raw"]["latency"]
    with pytest.raises(ValueError, match="published in us-west-2: an alarm watches its own"):
        Alarm(stack, "lag", metric=latency, threshold=900, name="lag", summary="behind")
    with pytest.raises(ValueError, match="published in us-west-2"):
        Alarm(
            stack,
            "lag-math",
            metric=MathSpec("{0} / 60", (latency,), label="minutes"),
            threshold=15,
            name="lag-math",
            summary="behind",
        )


def test_a_lake_that_does_not_replicate_has_no_replication_alarms(synthesized: Path) -> None:
    ml = json.loads((synthesized / "dev-ml" / "cdk.tf.json").read_text())
    alarms = ml["resource"]["aws_cloudwatch_metric_alarm"].values()
    assert [a for a in alarms if a.get("metric_name") == "OperationsFailedReplication"] == []


def test_a_team_stack_replicates_its_own_lake_through_its_regional_provider() -> None:
    """A team's own lake (not the platform's) replicates as the platform's does: TeamStack
    makes the replica region's provider with the team stack's tags and account guard."""
    from cdktf import App, Testing

    from mlplatform.constructs.alarm import Alarm
    from mlplatform.decisions.replication_plan import replication_alarms
    from mlplatform.stacks.team_stack import TeamStack
    from tests.test_contract import team_config_for

    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    stack = TeamStack(App(), team_config_for(config), "archive")
    props = DataLakeProps(zones=["raw"], replication=ReplicationProps(region="us-west-2"))
    DataLake(
        stack,
        "lake",
        naming=stack.naming,
        props=props,
        replica_provider=stack.regional_provider("us-west-2"),
    )
    assert stack.regional_provider("us-west-2") is stack.regional_provider("us-west-2")
    # Its alarms, as the README shows: the ml layer's plan, the platform's topic.
    for zone, plan in replication_alarms(stack.naming, props).items():
        Alarm(
            stack,
            f"archive-{zone}",
            **plan.arguments(),
            topic=stack.platform_value("ml/alarm-topic-arn"),
        )
    synth: dict[str, Any] = json.loads(Testing.synth(stack))

    providers = synth["provider"]["aws"]
    (default,) = [p for p in providers if "alias" not in p]
    (replica,) = [p for p in providers if p.get("alias") == "aws-us-west-2"]
    assert replica["region"] == "us-west-2" and default["region"] == config.region
    for setting in ("default_tags", "allowed_account_ids"):
        assert replica[setting] == default[setting]
    buckets = synth["resource"]["aws_s3_bucket"].values()
    replicas = [b for b in buckets if b.get("provider") == REPLICA_PROVIDER]
    # The team's names: <org>-<env>-<team>-..., in the replica region.
    assert "mlp-prod-ranking-datalake-dr-raw-333333333333" in [b["bucket"] for b in replicas]
    (alarm,) = synth["resource"]["aws_cloudwatch_metric_alarm"].values()
    assert alarm["dimensions"] == {
        "SourceBucket": "mlp-prod-ranking-datalake-raw-333333333333",
        "DestinationBucket": "mlp-prod-ranking-datalake-dr-raw-333333333333",
        "RuleId": "replicate-raw",
    }
    assert "ml-alarm-topic-arn" in alarm["alarm_actions"][0]


def test_each_engines_lake_hands_out_the_metrics_its_alarms_and_dashboard_use() -> None:
    """``metric_failed_replication`` and friends, as a team alarms or graphs its own lake's
    replication: the specs the ml layer's alarms and the dashboard are made from."""
    from cdktf import App

    from mlplatform.stacks.team_stack import TeamStack
    from tests.test_contract import team_config_for

    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    stack = TeamStack(App(), team_config_for(config), "archive")
    props = DataLakeProps(zones=["raw"], replication=ReplicationProps(region="us-west-2"))
    lake = DataLake(
        stack,
        "lake",
        naming=stack.naming,
        props=props,
        replica_provider=stack.regional_provider("us-west-2"),
    )
    assert lake.metric_failed_replication("raw") == (
        replication_alarms(stack.naming, props)["raw"].metric
    )
    assert lake.metric_replication_latency("raw").region == "us-west-2"
    assert lake.metric_bytes_pending_replication("raw").metric_name == "BytesPendingReplication"
    with pytest.raises(ConstructError, match="no zone 'gold'; its zones are raw"):
        lake.metric_failed_replication("gold")
    unreplicated = DataLake(stack, "plain", naming=stack.naming, props=DataLakeProps())
    with pytest.raises(ConstructError, match="plain: the lake does not replicate"):
        unreplicated.metric_failed_replication("raw")

    lakes: list[Any] = []

    def program() -> None:
        environment = PlatformEnvironment(config)
        lakes.append(environment.lake)

    Recorder.run(program, stack="prod")
    naming = Naming.for_environment(config)
    plans = replication_alarms(naming, config.data_lake)
    for zone in ZONES:
        assert lakes[0].metric_failed_replication(zone) == plans[zone].metric
        assert (
            lakes[0].metric_replication_latency(zone)
            == (replication_metrics(naming, config.data_lake)[zone]["latency"])
        )


def _replicated_without_ml() -> Any:
    """prod's file with its lake replicated and no ml layer (so no alarm topic)."""
    data = yaml.safe_load(PROD.read_text())
    for section in ("ml", "feature_store", "budgets", "observability"):
        data.pop(section, None)
    return EnvironmentLoader.parse(yaml.safe_dump(data), PROD)


def test_a_replicated_lake_that_nothing_alarms_on_is_a_synth_warning(tmp_path: Path) -> None:
    from mlplatform.platform_app import PlatformApp

    config = _replicated_without_ml()
    app = PlatformApp([config], outdir=str(tmp_path))
    app.synth()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    warnings = [a["message"] for a in manifest["stacks"]["prod-data"]["annotations"]]
    assert warnings == [unwatched_replication_warning(config)]
    assert "no ml section, so no alarm topic: a failed replication alerts nobody" in warnings[0]
    # With an ml layer, the alarms exist and there is nothing to say.
    prod = EnvironmentLoader(ENVIRONMENTS).load("prod")
    assert unwatched_replication_warning(prod) is None


def test_the_pulumi_engine_warns_the_same(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    config = _replicated_without_ml()
    with caplog.at_level(logging.WARNING):
        Recorder.run(lambda: PlatformEnvironment(config), stack="prod")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert unwatched_replication_warning(config) in warnings


# ------------------------------------------------------------------ refusals


def test_a_lake_that_replicates_needs_the_replica_regions_provider(
    stack: TerraformStack, naming: Naming
) -> None:
    props = DataLakeProps(replication=ReplicationProps(region="us-west-2"))
    with pytest.raises(ConstructError) as error:
        DataLake(stack, "lake", naming=naming, props=props)
    # The fix for any stack, and the shortcut the platform's and a team's stacks have.
    assert "replica_provider=, an aliased AwsProvider(region='us-west-2')" in str(error.value)
    assert "stack.regional_provider('us-west-2')" in str(error.value)


def test_the_pulumi_engine_makes_the_replicas_in_the_replica_region() -> None:
    config = EnvironmentLoader(ENVIRONMENTS).load("prod")
    recording = Recorder.run(lambda: PlatformEnvironment(config), stack="prod")

    replicas = [r for r in recording.custom() if "/data-lake/replication/" in r.name]
    in_replica_region = {terraform_type(r.token) for r in replicas if "aws-us-west-2" in r.provider}
    in_lake_region = {
        terraform_type(r.token) for r in replicas if "aws-us-west-2" not in r.provider
    }
    # Parity compares what is made, not by which provider: the replicas and their key are
    # made in the replica region, the role and the rules in the lake's.
    assert in_replica_region >= {"aws_s3_bucket", "aws_kms_key", "aws_s3_bucket_versioning"}
    assert in_lake_region == {
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_s3_bucket_replication_configuration",
    }
    assert all(r.provider.startswith("urn:") for r in replicas)
