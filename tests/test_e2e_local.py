"""End to end: the real ``cdktf deploy`` of the ``local`` environment into the embedded emulator.

Two tests, each with its own emulator, so ``make test`` runs them side by side
(both spend most of their time waiting on the provider):

- **fresh**, in the order a user lives it: bootstrap the state backend, deploy
  this release, see a second concurrent apply refused by the state lock, check
  every layer with boto3 against the config (``scripts/verify_environment.py``),
  round-trip features through Feast into the platform's own online table
  (configured from the deploy's outputs by ``mlplatform features config``),
  change two settings behind Terraform's back and see the verifier name them,
  put them back, deploy team stacks on the platform contract, plan again and
  expect no changes, destroy, and check nothing is left;
- **upgrade**: find the environment as the previous release deployed it,
  upgrade it with this release (a plan that destroys and replaces nothing,
  every ``moved`` block followed, then the real ``cdktf deploy``), verify it
  with boto3, plan again expecting no changes, and roll out a new model
  version on a new instance type with the endpoint's capacity kept.

The emulator runs on a free port of 127.0.0.1 and is stopped by its process id
even if a step fails.

The previous release is ``tests/upgrades/from-<version>/``: the ``local``
stacks exactly as that version synthesized them, applied with terraform as it
deployed them (with the DynamoDB lock table its bootstrap made). Every
resource that exists in both versions is therefore upgraded in place, and
every resource new in this one is created. ``make up`` always deploys from
scratch.

What the emulator cannot do is turned off in ``environments/local.yaml``, never
in a construct; those resources stay covered by snapshots, terraform validate
and checkov on dev, staging and prod. ``EMULATOR_GAPS`` names each resource
type left out and why; the run's summary shows how many of the types the real
environments synthesize ``local`` deploys ("emulator coverage").
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cdktf import App, TerraformOutput

from mlplatform.config import EnvironmentConfig, TeamConfig
from mlplatform.constructs.compute_cluster import ComputeCluster
from mlplatform.constructs.data_lake import DataLake
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.decisions.contract import PlatformContract
from mlplatform.decisions.naming import Naming
from mlplatform.decisions.policies.karpenter import INTERRUPTION_EVENT_PATTERNS
from mlplatform.emulator.clients import environment_clients
from mlplatform.emulator.local_aws import LocalAws
from mlplatform.emulator.replayed_answers import REPLAY_NOTE
from mlplatform.emulator.retry_log import RETRY_NOTE
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from mlplatform.stacks.team_stack import TeamStack
from tests.conftest import ROOT, Report, load_script, stack_dirs
from tests.test_feast import (
    FEAST_PYTHON,
    check_feast_wrote_the_platforms_table,
    run_round_trip,
    write_feast_config,
)


@dataclass(frozen=True)
class Gap:
    """Why ``local`` leaves out a resource type the real environments synthesize."""

    setting: str
    """The setting of environments/local.yaml that leaves it out (false or null there),
    dotted: ``data_lake.glue_vpc_connection``."""
    reason: str
    deployed_by: str = ""
    """The test that deploys the type into the emulator instead (``tests/<file>.py``), whose
    stack is checked to hold it; empty when nothing does."""


# Every resource type dev, staging or prod synthesize that local does not deploy, and why.
# A type left out needs an entry here and its setting off in local.yaml with the reason
# beside it; an entry whose type local deploys again is stale. Both are checked without
# deploying.
_NO_REDIS = (
    "local keeps its online features in DynamoDB because Feast's round trip needs a real "
    "online store, and the emulator runs no Redis server"
)
REDIS_DEPLOY = "tests/test_redis_store_deploys.py"
"""Applies, replans and destroys the Redis store's resources in the emulator."""
EMULATOR_GAPS: dict[str, Gap] = {
    "helm_release": Gap(
        "compute.cluster_layer.enabled",
        "the emulator has no Kubernetes API for Helm to install into; the <env>-cluster "
        "layer is checked offline (tests/test_cluster_stack.py, tests/test_cluster_manifests.py)",
    ),
    **{
        kind: Gap("feature_store.redis", _NO_REDIS, deployed_by=REDIS_DEPLOY)
        for kind in (
            "aws_elasticache_parameter_group",
            "aws_elasticache_replication_group",
            "aws_elasticache_subnet_group",
            "aws_elasticache_user",
            "aws_elasticache_user_group",
            "aws_lambda_function",
            "aws_lambda_permission",
            "aws_secretsmanager_secret",
            "aws_secretsmanager_secret_rotation",
            "aws_secretsmanager_secret_version",
        )
    },
}


@dataclass(frozen=True)
class Coverage:
    """How many of the resource types the real environments synthesize ``local`` deploys."""

    synthesized: frozenset[str]
    """Every resource type of dev, staging and prod."""
    deployed: frozenset[str]
    """The resource types of local (synthesized, or read from its state after a deploy)."""

    @property
    def left(self) -> list[str]:
        return sorted(self.synthesized - self.deployed)

    @property
    def share(self) -> float:
        return len(self.synthesized & self.deployed) / len(self.synthesized)

    @property
    def elsewhere(self) -> frozenset[str]:
        """Types local leaves out that a test of their own deploys into the emulator."""
        return frozenset(
            kind for kind in self.left if kind in EMULATOR_GAPS and EMULATOR_GAPS[kind].deployed_by
        )

    @property
    def share_of_the_rest(self) -> float:
        """What local deploys of the types no other test deploys."""
        rest = self.synthesized - self.elsewhere
        return len(rest & self.deployed) / len(rest)

    def lines(self, measured: str) -> list[str]:
        """The figure, then each type left with its reason (and the test that deploys it into
        the emulator instead, if one does)."""
        total = len(self.synthesized)
        covered = len(self.synthesized & self.deployed)
        elsewhere = len(self.elsewhere)
        head = (
            f"emulator coverage: {covered} of {total} resource types deploy in local "
            f"({int(self.share * 100)}%; {measured}); with the {elsewhere} its own tests deploy, "
            f"{covered + elsewhere} of {total} ({int((covered + elsewhere) / total * 100)}%)"
        )
        unrecorded = Gap("?", "NO REASON RECORDED in EMULATOR_GAPS")
        lines = [head]
        for kind in self.left:
            gap = EMULATOR_GAPS.get(kind, unrecorded)
            where = f"; deployed by {gap.deployed_by}" if gap.deployed_by else ""
            lines.append(f"  left out of local: {kind} ({gap.setting}): {gap.reason}{where}")
        return lines


def synthesized_types(stacks: Path, environments: Iterable[str]) -> frozenset[str]:
    """Resource types in the synthesized stacks of the environments."""
    return frozenset(
        kind
        for environment in environments
        for stack in stack_dirs(stacks, environment)
        for kind in json.loads((stack / "cdk.tf.json").read_text()).get("resource", {})
    )


def real_environments(loader: EnvironmentLoader) -> list[str]:
    return [c.environment for c in loader.load_all() if not c.emulator]


def setting(config: EnvironmentConfig, dotted: str) -> Any:
    """A setting by its dotted path; a part may be a key (a pool's name)."""
    value: Any = config
    for part in dotted.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


CDKTF = ["npx", "--no-install", "cdktf"]
UPGRADES = ROOT / "tests" / "upgrades"
LAYERS = ("network", "data", "compute", "ml")
SAVED_ENDPOINT = "http://127.0.0.1:5000"  # what the saved stacks were synthesized with


def run(command: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> None:
    """Run a step; on failure show the tail of its output (the full log stays in tmp)."""
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text()[-6000:]
        findings = emulator_findings(log.parent / "moto.log")
        pytest.fail(f"{' '.join(command[:4])} failed with {done.returncode}:\n{tail}{findings}")


ANSI = re.compile(r"\x1b\[[0-9;]*m")
NOTABLE = re.compile(
    rf'" 5\d\d |^{re.escape(RETRY_NOTE)}|^{re.escape(REPLAY_NOTE)}|^\w*(Error|Exception)\b'
)


def emulator_findings(moto_log: Path, most: int = 30) -> str:
    """What the emulator's log says beyond answered requests: server errors, the last line of
    each traceback, retried calls. pytest keeps only its last three temporary directories,
    so a failure carries its own evidence."""
    if not moto_log.is_file():
        return ""
    lines = [ANSI.sub("", line) for line in moto_log.read_text(errors="replace").splitlines()]
    found = [line for line in lines if NOTABLE.search(line)]
    if not found:
        return "\n--- the emulator's log has no server errors or retried calls"
    return "\n--- the emulator's log, beyond answered requests:\n" + "\n".join(found[-most:])


class Phases:
    """Wall time of each step of the end-to-end test, printed in the run's summary (never
    asserted): where the minutes go, for whoever makes the suite faster."""

    def __init__(self) -> None:
        self.seconds: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.seconds.append((name, time.monotonic() - start))

    def lines(self) -> list[str]:
        total = sum(s for _, s in self.seconds)
        return [f"{s:6.1f} s  {name}" for name, s in self.seconds] + [f"{total:6.1f} s  in all"]


def plan(stack: Path, env: dict[str, str]) -> tuple[int, str]:
    """``terraform plan`` of a deployed stack: 0 when it proposes nothing, 2 when it would change."""
    done = subprocess.run(
        ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"],
        cwd=stack,
        env=env,
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout + done.stderr


def terraform(directory: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{directory.name}: terraform {args[0]} failed:\n{done.stdout[-3000:]}\n"
            f"{done.stderr[-3000:]}"
        )
    return done.stdout


def previous_release() -> Path | None:
    """The newest saved release's stacks, or None to deploy from scratch."""
    saved = sorted(UPGRADES.glob("from-*"), key=lambda p: [int(n) for n in p.name[5:].split(".")])
    return saved[-1] if saved else None


def bootstrap_previous_release(saved: Path, endpoint: str) -> list[str]:
    """The lock tables a release before S3 locking bootstrapped beside the state bucket."""
    tables: list[str] = []
    for layer in LAYERS:
        backend = json.loads((saved / f"local-{layer}.tf.json").read_text())["terraform"]
        table = backend["backend"]["s3"].get("dynamodb_table")
        if table and table not in tables:
            tables.append(table)
            clients(endpoint)("dynamodb").create_table(
                TableName=table,
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
    return tables


def init_one_at_a_time(stack: Path, env: dict[str, str]) -> None:
    """``terraform init``, never two at once: a directory without a lock file installs the
    provider into the shared plugin cache, and two inits doing so race on its directory."""
    terraform(stack, env, "init", "-input=false")


def apply_waves(saved: Path) -> list[list[str]]:
    """The saved release's layers in waves: each wave reads only earlier waves' state (its
    ``terraform_remote_state`` data sources), so the layers of one wave apply side by side."""
    needs = {}
    for layer in LAYERS:
        document = json.loads((saved / f"local-{layer}.tf.json").read_text())
        reads = document.get("data", {}).get("terraform_remote_state", {})
        needs[layer] = {
            other for other in LAYERS if any(k.endswith(f"-local-{other}") for k in reads)
        }
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(LAYERS):
        wave = [layer for layer in LAYERS if layer not in done and needs[layer] <= done]
        assert wave, f"the saved layers read each other's state in a cycle: {needs}"
        waves.append(wave)
        done.update(wave)
    return waves


def deploy_previous_release(saved: Path, workdir: Path, env: dict[str, str], endpoint: str) -> None:
    """Apply the saved stacks as their release deployed them, independent layers side by side."""

    def apply(layer: str) -> None:
        terraform(workdir / f"local-{layer}", env, "apply", "-auto-approve", "-input=false")

    for layer in LAYERS:
        stack = workdir / f"local-{layer}"
        stack.mkdir(parents=True)
        text = (saved / f"local-{layer}.tf.json").read_text()
        (stack / "cdk.tf.json").write_text(text.replace(SAVED_ENDPOINT, endpoint))
        init_one_at_a_time(stack, env)
    for wave in apply_waves(saved):
        with ThreadPoolExecutor(max_workers=len(wave)) as pool:
            list(pool.map(apply, wave))


def as_deployed_by(saved: Path) -> EnvironmentConfig:
    """``local`` as this release's file has it, with the saved release's settings where they differ.

    An upgrade plan checks what the release changes, so it runs with the settings the
    saved release was deployed with. ``local-settings.yaml`` beside the saved stacks lists
    them (dotted paths, each replacing a value); what local.yaml has turned on since then
    (resources the emulator now deploys) is a configuration change, deployed after the check.
    """
    data = yaml.safe_load((ROOT / "environments" / "local.yaml").read_text())
    settings_file = saved / "local-settings.yaml"
    settings = yaml.safe_load(settings_file.read_text()) if settings_file.is_file() else None
    for dotted, value in (settings or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return EnvironmentLoader.parse(yaml.safe_dump(data), settings_file)


def synth_upgrade(saved: Path, outdir: Path, endpoint: str) -> Path:
    """This release's stacks of ``local`` with the saved release's settings; their directory."""
    PlatformApp([as_deployed_by(saved)], outdir=str(outdir), emulator_endpoint=endpoint).synth()
    return outdir / "stacks"


def deployed_types(stacks: list[Path], env: dict[str, str]) -> frozenset[str]:
    """Resource types in the state of deployed stacks (managed resources, not data sources),
    read with ``terraform state pull``: the state as stored, no provider started (``terraform
    show -json`` starts one per stack, for its schema)."""

    def state(stack: Path) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = json.loads(terraform(stack, env, "state", "pull"))[
            "resources"
        ]
        return resources

    with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
        return frozenset(
            r["type"] for rs in pool.map(state, stacks) for r in rs if r["mode"] == "managed"
        )


# What an upgrade from a saved release replaces or removes on purpose, by resource type or by
# the address of one resource (see the README, "Upgrading a deployed environment"). Anything
# else replaced or removed fails the test.
DELIBERATE_REPLACEMENTS = {
    "from-0.1.0": {
        "aws_sagemaker_endpoint": "the provider attaches rollback alarms only to a new endpoint",
        "aws_appautoscaling_target": "deleting an endpoint deregisters its scaling target",
        "aws_appautoscaling_policy": "deregistering a scaling target deletes its policy",
        "aws_sagemaker_endpoint_configuration": (
            "immutable, named by contents: the autoscaled count left the name (create first)"
        ),
        "aws_eks_node_group.gpu-pools_experiments_nodes_node-group_F500A2AB": (
            "GPU pools are no managed node groups any more: Karpenter launches their nodes "
            "(the group was empty: pools scale to zero)"
        ),
    },
}


def check_upgrade_plan(stack: Path, env: dict[str, str], deliberate: dict[str, str]) -> None:
    """This release's plan over the previous release's state destroys nothing it moved
    (``stack`` initialised already, see :func:`init_one_at_a_time`).

    ``deliberate`` names the resource types, or addresses, the release replaces on purpose.
    """
    terraform(stack, env, "plan", "-input=false", "-out=upgrade.plan")
    changes = json.loads(terraform(stack, env, "show", "-json", "upgrade.plan")).get(
        "resource_changes", []
    )
    gone = [
        c["address"]
        for c in changes
        if "delete" in c["change"]["actions"]
        and c["type"] not in deliberate
        and c["address"] not in deliberate
    ]
    assert gone == [], f"{stack.name}: the upgrade would destroy {gone}"
    followed = {c["previous_address"]: c["address"] for c in changes if "previous_address" in c}
    for block in json.loads((stack / "cdk.tf.json").read_text()).get("moved", []):
        assert followed.get(block["from"]) == block["to"], f"{stack.name}: not followed: {block}"


def check_state_lock(stack: Path, env: dict[str, str], endpoint: str, bucket: str) -> None:
    """While one apply holds a stack's S3 lock, a second is refused; the lock goes with the first."""
    lock = f"local/{stack.name.removeprefix('local-')}.tfstate.tflock"
    s3 = clients(endpoint)("s3")

    def held() -> bool:
        return bool(s3.list_objects_v2(Bucket=bucket, Prefix=lock).get("KeyCount"))

    command = ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"]
    first = subprocess.Popen(
        command, cwd=stack, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 60
    while not held() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held(), "the first apply never showed its lock object in the state bucket"
    second = subprocess.run(
        [*command, "-lock-timeout=0s"], cwd=stack, env=env, capture_output=True, text=True
    )
    output, _ = first.communicate(timeout=300)
    assert first.returncode == 0, output[-3000:]
    assert second.returncode != 0
    assert "Error acquiring the state lock" in second.stdout + second.stderr
    assert not held(), "the lock outlived the apply that took it"


def check_replication(
    config: EnvironmentConfig, endpoint: str, env: dict[str, str], log: Path
) -> None:
    """What is written to a zone reaches its replica at once, under the rule the deploy made
    (the zones' objects are SSE-KMS: the rule selects them and names the replica key). An
    object whose replication FAILED, while the replica bucket had stopped versioning, reaches
    it through ``mlplatform lake replicate-existing`` and the batch role the deploy made."""
    replication = config.data_lake.replication
    assert replication is not None
    s3 = clients(endpoint)("s3")
    replicas = environment_clients(config, endpoint)("s3", region_name=replication.region)
    zone, replica = "mlp-local-datalake-raw", "mlp-local-datalake-dr-raw"
    s3.put_object(Bucket=zone, Key="e2e/live.json", Body=b"{}")
    live = replicas.head_object(Bucket=replica, Key="e2e/live.json")
    assert live["ReplicationStatus"] == "REPLICA"
    [rule] = replicas.get_bucket_encryption(Bucket=replica)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    replica_key = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert (live["ServerSideEncryption"], live["SSEKMSKeyId"]) == ("aws:kms", replica_key)

    replicas.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=zone, Key="e2e/backfill.json", Body=b"{}")
    assert s3.head_object(Bucket=zone, Key="e2e/backfill.json")["ReplicationStatus"] == "FAILED"
    replicas.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Enabled"})
    command = [sys.executable, "-m", "mlplatform.cli", "lake", "replicate-existing", "local"]
    run([*command, "--zone", "raw", "--endpoint-url", endpoint], env, log)
    head = replicas.head_object(Bucket=replica, Key="e2e/backfill.json")
    assert head["ReplicationStatus"] == "REPLICA"


def clients(endpoint: str) -> Any:
    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="mlplatform-local",
            aws_secret_access_key="mlplatform-local",
        )

    return client


def kms_key_ids(endpoint: str) -> set[str]:
    return {k["KeyId"] for k in clients(endpoint)("kms").list_keys()["Keys"]}


def aws_managed(key: dict[str, Any]) -> bool:
    """An AWS managed key (``alias/aws/s3``, ...): it appears on first use and cannot be deleted.

    The emulator reports them as AWS does (mlplatform.emulator.fixes.kms).
    """
    return key.get("KeyManager") == "AWS"


def leftovers(config: EnvironmentConfig, endpoint: str, keys_before: set[str]) -> list[str]:
    """Resources of the environment that still exist (the state backend is expected to stay)."""
    client = clients(endpoint)
    found = []
    vpcs = client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:env", "Values": [config.environment]}]
    )["Vpcs"]
    found += [f"VPC {v['VpcId']}" for v in vpcs]
    buckets = [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    found += [f"bucket {b}" for b in buckets if b != config.state_backend.bucket]
    databases = client("glue").get_databases()["DatabaseList"]
    found += [f"Glue database {d['Name']}" for d in databases]
    kms = client("kms")
    # Keys that existed before the deploy belong to the state backend (moto makes one for
    # the lock table's encryption); every key the deploy made must be pending deletion.
    keys = [kms.describe_key(KeyId=k)["KeyMetadata"] for k in kms_key_ids(endpoint) - keys_before]
    found += [
        f"KMS key {k['KeyId']} ({k.get('Description', '')}) in state {k['KeyState']}"
        for k in keys
        if k["KeyState"] != "PendingDeletion" and not aws_managed(k)
    ]
    groups = client("logs").describe_log_groups(logGroupNamePrefix="/mlplatform/")["logGroups"]
    found += [f"log group {g['logGroupName']}" for g in groups]
    found += [f"EKS cluster {c}" for c in client("eks").list_clusters()["clusters"]]
    tables = client("dynamodb").list_tables()["TableNames"]
    found += [f"table {t}" for t in tables if t != config.state_backend.lock_table]
    found += [
        f"ECR {r['repositoryName']}" for r in client("ecr").describe_repositories()["repositories"]
    ]
    sagemaker = client("sagemaker")
    found += [f"endpoint {e['EndpointName']}" for e in sagemaker.list_endpoints()["Endpoints"]]
    found += [f"model {m['ModelName']}" for m in sagemaker.list_models()["Models"]]
    found += [f"SNS topic {t['TopicArn']}" for t in client("sns").list_topics()["Topics"]]
    providers = client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    found += [f"OIDC provider {p['Arn']}" for p in providers]
    roles = client("iam").list_roles()["Roles"]
    found += [f"IAM role {r['RoleName']}" for r in roles if r["RoleName"].startswith("mlp-")]
    profiles = client("iam").list_instance_profiles()["InstanceProfiles"]
    found += [f"instance profile {p['InstanceProfileName']}" for p in profiles]
    found += [f"SQS queue {q}" for q in client("sqs").list_queues().get("QueueUrls", [])]
    found += [f"EventBridge rule {r['Name']}" for r in client("events").list_rules()["Rules"]]
    return found


def contract_parameters(config: EnvironmentConfig, endpoint: str) -> dict[str, str]:
    """Every parameter under the environment's contract prefix, as the emulator's SSM holds it."""
    prefix = PlatformContract(config.org, config.environment).prefix
    pages = clients(endpoint)("ssm").get_paginator("get_parameters_by_path")
    return {
        p["Name"]: p["Value"]
        for page in pages.paginate(Path=prefix, Recursive=True)
        for p in page["Parameters"]
    }


def check_contract(
    config: EnvironmentConfig, outputs: dict[str, Any], stacks: Path, endpoint: str
) -> dict[str, str]:
    """The deploy wrote every contract parameter the stacks declare, with the deployed values."""
    found = contract_parameters(config, endpoint)
    declared = {
        resource["name"]
        for stack in stack_dirs(stacks, config.environment)
        for resource in json.loads((stack / "cdk.tf.json").read_text())
        .get("resource", {})
        .get("aws_ssm_parameter", {})
        .values()
    }
    assert sorted(declared - set(found)) == []
    contract = PlatformContract(config.org, config.environment)
    value = {key: found[contract.name(key)] for key in ("network/vpc-id", "network/vpc-cidr")}
    network, client = outputs["local-network"], clients(endpoint)
    assert value["network/vpc-id"] == network["vpc_id"]
    assert value["network/vpc-cidr"] == config.network.cidr
    subnets = found[contract.name("network/private-subnet-ids")].split(",")
    assert subnets == network["private_subnet_ids"]
    described = client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    assert {s["VpcId"] for s in described} == {network["vpc_id"]}
    assert found[contract.name("network/availability-zones")].split(",") == [
        {s["SubnetId"]: s["AvailabilityZone"] for s in described}[s] for s in subnets
    ]
    for zone in config.data_lake.zones:
        bucket = found[contract.name("data/zones/{zone}/bucket-name", zone=zone)]
        assert bucket == outputs["local-data"]["zone_buckets"][zone]
        client("s3").head_bucket(Bucket=bucket)
        assert found[contract.name("data/zones/{zone}/bucket-arn", zone=zone)] == (
            f"arn:aws:s3:::{bucket}"
        )
    key = client("kms").describe_key(KeyId=Naming.for_environment(config).kms_alias("datalake"))
    assert found[contract.name("data/key-arn")] == key["KeyMetadata"]["Arn"]
    compute = outputs["local-compute"]
    assert found[contract.name("compute/cluster-name")] == compute["cluster_name"]
    assert found[contract.name("compute/oidc-provider-arn")] == compute["oidc_provider_arn"]
    cluster = client("eks").describe_cluster(name=compute["cluster_name"])["cluster"]
    assert found[contract.name("compute/cluster-endpoint")] == cluster["endpoint"]
    ml = outputs["local-ml"]
    assert found[contract.name("ml/registry/bucket-name")] == ml["registry_bucket"]
    assert found[contract.name("ml/alarm-topic-arn")] == ml["alarm_topic_arn"]
    for family, url in ml["ecr_repositories"].items():
        assert (
            found[contract.name("ml/registry/families/{family}/repository-url", family=family)]
            == url
        )
    # Tagged like every resource of its layer (provider default tags): MLP-TAG-1 deployed.
    ssm = client("ssm")
    tags = ssm.list_tags_for_resource(
        ResourceType="Parameter", ResourceId=contract.name("network/vpc-id")
    )
    assert {t["Key"]: t["Value"] for t in tags["TagList"]}["component"] == "network"
    return found


def check_team_stack(
    config: EnvironmentConfig,
    outputs: dict[str, Any],
    workdir: Path,
    env: dict[str, str],
    endpoint: str,
    log: Path,
) -> None:
    """A team stack on the deployed platform: reads the contract, deploys its role and grants
    with the real cdktf deploy into its own state, is checked with boto3, then destroyed,
    leaving the platform's state and contract as they were."""
    team = TeamConfig.model_validate(
        {
            "platform": {
                "org": config.org,
                "environment": config.environment,
                "region": config.region,
                "emulator": True,
            },
            "team": {"name": "ranking", "cost_center": "ranking-ml", "owners": ["r@example.com"]},
        }
    )
    outdir = workdir / "team.out"
    app = App(outdir=str(outdir))
    stack = TeamStack(app, team, "training", emulator_endpoint=endpoint)
    lake = DataLake.from_environment(stack, "lake")
    cluster = ComputeCluster.from_environment(stack, "cluster")
    registry = ModelRegistry.from_environment(stack, "registry")
    role = cluster.service_account_role("ranking", "trainer")
    lake.grant_read(role, "raw")
    lake.grant_write(role, "features")
    registry.grant_publish(role, "ranker")
    TerraformOutput(stack, "role_arn", value=role.arn)
    app.synth()
    state = clients(endpoint)("s3")
    bucket = config.state_backend.bucket
    platform_state = {
        o["Key"]: o["ETag"]
        for o in state.list_objects_v2(Bucket=bucket, Prefix=f"{config.environment}/")["Contents"]
    }
    contract_before = contract_parameters(config, endpoint)
    common = ["--auto-approve", "--skip-provider-lock", "--skip-synth", "--output", str(outdir)]
    run([*CDKTF, "deploy", stack.node.id, *common], env, log)

    iam = clients(endpoint)("iam")
    name = "mlp-local-ranking-irsa-ranking-trainer"
    found = iam.get_role(RoleName=name)["Role"]
    tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
    assert tags["team"] == "ranking" and tags["cost-center"] == "ranking-ml", tags
    trust = json.dumps(found["AssumeRolePolicyDocument"])
    assert outputs["local-compute"]["oidc_provider_arn"] in trust
    policies = {
        p: json.dumps(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
    }
    raw = outputs["local-data"]["zone_buckets"]["raw"]
    assert any(f"arn:aws:s3:::{raw}/*" in p for p in policies.values()), policies
    registry_bucket = outputs["local-ml"]["registry_bucket"]
    assert any(f"arn:aws:s3:::{registry_bucket}/ranker/*" in p for p in policies.values())
    keys = {o["Key"] for o in state.list_objects_v2(Bucket=bucket, Prefix="teams/")["Contents"]}
    assert "teams/ranking/local/training.tfstate" in keys
    assert not [k for k in keys if not k.startswith("teams/ranking/local/")], keys

    run([*CDKTF, "destroy", stack.node.id, *common], env, log)
    assert name not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    after = {
        o["Key"]: o["ETag"]
        for o in state.list_objects_v2(Bucket=bucket, Prefix=f"{config.environment}/")["Contents"]
    }
    assert after == platform_state, "the team's deploy changed the platform's state"
    assert contract_parameters(config, endpoint) == contract_before


def check_scaffolded_team_repo(
    config: EnvironmentConfig,
    outputs: dict[str, Any],
    workdir: Path,
    env: dict[str, str],
    endpoint: str,
    log: Path,
) -> None:
    """What a new team does: ``mlplatform team init`` on the platform, then the repo's own
    stack deployed with the real ``cdktf deploy`` from the repo (its app reads team.yaml and
    the contract), checked with boto3 and destroyed, leaving the platform's state as it was.

    The repo's ``.venv`` and ``node_modules`` are this checkout's (the scaffold test shows
    its Makefile makes its own); everything else is as written."""
    repo = workdir / "ranking-repo"
    init = [sys.executable, "-m", "mlplatform.cli", "team", "init", "ranking"]
    options = ["--platform-env", config.environment, "--org", config.org, "--region",
               config.region, "--emulator", "--owner", "ranking-oncall@example.com"]  # fmt: skip
    run([*init, *options, "--dir", str(repo), "--cost-center", "ranking-ml"], env, log)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    (repo / "node_modules").symlink_to(ROOT / "node_modules")
    team_env = {**env, "MLPLATFORM_AWS_ENDPOINT": endpoint}
    state = clients(endpoint)("s3")
    bucket = config.state_backend.bucket
    platform_state = {
        o["Key"]: o["ETag"]
        for o in state.list_objects_v2(Bucket=bucket, Prefix=f"{config.environment}/")["Contents"]
    }
    stack = f"{config.environment}-ranking-jobs"
    common = ["--auto-approve", "--skip-provider-lock"]
    run([*CDKTF, "deploy", stack, *common], team_env, log, cwd=repo)

    iam = clients(endpoint)("iam")
    name = f"{config.org}-{config.environment}-ranking-jobs"
    found = iam.get_role(RoleName=name)["Role"]
    tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
    assert (tags["team"], tags["cost-center"]) == ("ranking", "ranking-ml"), tags
    [policy] = iam.list_role_policies(RoleName=name)["PolicyNames"]
    document = json.dumps(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
    curated = outputs["local-data"]["zone_buckets"]["curated"]
    assert f"arn:aws:s3:::{curated}/*" in document  # read from the contract at plan time
    keys = {o["Key"] for o in state.list_objects_v2(Bucket=bucket, Prefix="teams/")["Contents"]}
    assert f"teams/ranking/{config.environment}/jobs.tfstate" in keys

    run([*CDKTF, "destroy", stack, *common], team_env, log, cwd=repo)
    assert name not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    after = {
        o["Key"]: o["ETag"]
        for o in state.list_objects_v2(Bucket=bucket, Prefix=f"{config.environment}/")["Contents"]
    }
    assert after == platform_state, "the team repo's deploy changed the platform's state"


def check_karpenter(config: EnvironmentConfig, outputs: dict[str, Any], endpoint: str) -> None:
    """Karpenter's AWS side is really there: the queue, the rules sending to it, the roles."""
    compute, client = outputs["local-compute"], clients(endpoint)
    queue = compute["karpenter_interruption_queue"]
    sqs = client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=queue)["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    assert attributes["MessageRetentionPeriod"] == "300"
    assert "events.amazonaws.com" in attributes["Policy"]
    events = client("events")
    rules = events.list_rules(NamePrefix=f"mlp-{config.environment}-karpenter-")["Rules"]
    assert sorted(r["Name"] for r in rules) == sorted(
        f"mlp-{config.environment}-karpenter-{name}" for name in INTERRUPTION_EVENT_PATTERNS
    )
    for rule in rules:
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == attributes["QueueArn"]
    iam = client("iam")
    controller = compute["karpenter_controller_role_arn"].rsplit("/", 1)[1]
    trust = json.dumps(iam.get_role(RoleName=controller)["Role"]["AssumeRolePolicyDocument"])
    assert "system:serviceaccount:kube-system:karpenter" in trust
    profile = iam.get_instance_profile(InstanceProfileName=compute["karpenter_instance_profile"])
    roles = [r["RoleName"] for r in profile["InstanceProfile"]["Roles"]]
    assert roles == [compute["karpenter_node_role_name"]]


def check_drift_is_named(config: EnvironmentConfig, verifier: Any, endpoint: str) -> None:
    """Settings changed behind Terraform's back are each named by the verifier, then put back.

    A lake bucket's versioning is suspended and the lake key's rotation turned off, as
    someone might in the console; afterwards both are restored, so the replan finds nothing.
    """
    naming = Naming.for_environment(config)
    bucket, alias = naming.bucket("datalake", "curated"), naming.kms_alias("datalake")
    s3, kms = clients(endpoint)("s3"), clients(endpoint)("kms")
    key = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    kms.disable_key_rotation(KeyId=key)
    try:
        assert verifier.verify() == [
            f"KMS key {alias}: automatic rotation is disabled, expected enabled",
            f"bucket {bucket}: versioning is Suspended, expected Enabled",
        ]
    finally:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        kms.enable_key_rotation(KeyId=key)
    assert verifier.verify() == []


def check_rollout(
    config: EnvironmentConfig, outputs: dict[str, Any], workdir: Path, env: dict[str, str]
) -> None:
    """Roll out a new model version on a new instance type, as a user would: capacity is kept.

    The endpoint is scaled out to ``max_instances`` first (what autoscaling does
    at peak). The environment file then gets version 2 of the model, a new
    image tag and the next instance size; the ml stack is synthesized and
    applied like any change. The emulator refuses an instance-type change
    while the variant is registered with autoscaling, so the apply proves the
    plan deregisters first; afterwards the endpoint serves the new
    configuration with no fewer instances than before, autoscaling is back,
    and a second plan proposes nothing.
    """
    assert config.ml is not None
    client = clients(env["MLPLATFORM_AWS_ENDPOINT"])
    sagemaker, scaling = client("sagemaker"), client("application-autoscaling")
    name, endpoint_name = next(iter(outputs["local-ml"]["endpoint_names"].items()))
    wanted = config.ml.serving[name]
    primary = wanted.variants[0].name
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=endpoint_name,
        DesiredWeightsAndCapacities=[
            {"VariantName": primary, "DesiredInstanceCount": wanted.max_instances}
        ],
    )
    serving = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    before = {v["VariantName"]: v["CurrentInstanceCount"] for v in serving["ProductionVariants"]}

    data = yaml.safe_load((ROOT / "environments" / "local.yaml").read_text(encoding="utf-8"))
    endpoint = data["ml"]["serving"][name]
    endpoint["instance_type"] = "ml.m5.xlarge"  # moto accepts it; AWS's rule is what counts
    endpoint["variants"][0].update(model_version="2", image_tag="1.1.0")
    workdir.mkdir(parents=True, exist_ok=True)
    changed = workdir / "local.yaml"
    changed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    outdir = workdir / "cdktf.out"
    log = workdir / "rollout.log"
    run([*CDKTF, "synth", "--output", str(outdir)], {**env, "MLPLATFORM_ENV": str(changed)}, log)
    stack = outdir / "stacks" / "local-ml"
    terraform(stack, env, "init", "-input=false")
    terraform(stack, env, "apply", "-auto-approve", "-input=false")

    after = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    assert after["EndpointStatus"] == "InService"
    assert after["EndpointConfigName"] != serving["EndpointConfigName"]
    deployed = sagemaker.describe_endpoint_config(EndpointConfigName=after["EndpointConfigName"])
    [variant] = deployed["ProductionVariants"]
    assert variant["InstanceType"] == "ml.m5.xlarge"
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["ModelDataUrl"].endswith("/ranker/2/model.tar.gz")
    counts = {v["VariantName"]: v["CurrentInstanceCount"] for v in after["ProductionVariants"]}
    assert counts[primary] >= before[primary] == wanted.max_instances, (before, counts)
    routing = after["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == wanted.rollout.strategy.upper()
    resource = f"endpoint/{endpoint_name}/variant/{primary}"
    targets = scaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource]
    )
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]] == [
        (wanted.min_instances, wanted.max_instances)
    ]
    policies = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)
    assert len(policies["ScalingPolicies"]) == 1
    rc, out = plan(stack, env)
    assert rc == 0, f"the rollout did not converge:\n{out[-4000:]}"


def test_the_saved_release_applies_in_waves_of_layers_that_read_only_earlier_ones() -> None:
    saved = previous_release()
    assert saved is not None
    waves = apply_waves(saved)
    assert sorted(layer for wave in waves for layer in wave) == sorted(LAYERS)
    # 0.1.0's data layer read nothing of the network's: the two apply side by side.
    if saved.name == "from-0.1.0":
        assert waves == [["network", "data"], ["compute"], ["ml"]]


def test_a_failed_step_shows_the_emulators_errors_and_retries(tmp_path: Path) -> None:
    moto_log = tmp_path / "moto.log"
    moto_log.write_text(
        '127.0.0.1 - - [29/Nov/2026 11:42:19] "\x1b[33mHEAD /bucket HTTP/1.1\x1b[0m" 404 -\n'
        '127.0.0.1 - - [29/Nov/2026 11:42:19] "POST / HTTP/1.1" 200 -\n'
        "Traceback (most recent call last):\n"
        '  File "moto/ssm/models.py", line 1682, in describe_parameters\n'
        "RuntimeError: dictionary changed size during iteration\n"
        '127.0.0.1 - - [29/Nov/2026 11:42:20] "POST / HTTP/1.1" 500 -\n'
        f"{RETRY_NOTE}: AmazonSSM.DescribeParameters (attempt 2)\n"
        f"{RETRY_NOTE}: AmazonSSM.PutParameter (attempt 2)\n"
        f"{REPLAY_NOTE}: AmazonSSM.PutParameter (attempt 2)\n"
    )
    assert emulator_findings(moto_log).strip().splitlines()[1:] == [
        "RuntimeError: dictionary changed size during iteration",
        '127.0.0.1 - - [29/Nov/2026 11:42:20] "POST / HTTP/1.1" 500 -',
        f"{RETRY_NOTE}: AmazonSSM.DescribeParameters (attempt 2)",
        f"{RETRY_NOTE}: AmazonSSM.PutParameter (attempt 2)",
        f"{REPLAY_NOTE}: AmazonSSM.PutParameter (attempt 2)",
    ]
    moto_log.write_text('127.0.0.1 - - [29/Nov/2026 11:42:19] "POST / HTTP/1.1" 200 -\n')
    assert "no server errors or retried calls" in emulator_findings(moto_log)


def test_local_leaves_out_only_resource_types_with_a_recorded_reason(
    synthesized: Path, loader: EnvironmentLoader, run_summary: Report
) -> None:
    coverage = Coverage(
        synthesized_types(synthesized, real_environments(loader)),
        synthesized_types(synthesized, ["local"]),
    )
    run_summary("emulator coverage", coverage.lines("as synthesized"))

    unrecorded = [kind for kind in coverage.left if kind not in EMULATOR_GAPS]
    assert unrecorded == [], f"local leaves out {unrecorded}: deploy them, or add to EMULATOR_GAPS"
    stale = sorted(set(EMULATOR_GAPS) - set(coverage.left))
    assert stale == [], f"local deploys {stale} now: remove them from EMULATOR_GAPS"
    local = loader.load("local")
    for kind, gap in EMULATOR_GAPS.items():
        assert setting(local, gap.setting) in (False, None), f"{kind}: {gap.reason}"
    # The Redis online store (10 types, one component) is left out of local and deployed by
    # its own test; of every other type, local deploys all but helm_release (no Kubernetes).
    assert coverage.share_of_the_rest >= 0.95, coverage.lines("as synthesized")
    assert len(coverage.synthesized & coverage.deployed | coverage.elsewhere) >= 0.95 * len(
        coverage.synthesized
    ), coverage.lines("as synthesized")


@pytest.fixture
def phase(run_summary: Report, request: pytest.FixtureRequest) -> Iterator[Phases]:
    """Times the test's steps; their figures go to the run's summary, pass or fail."""
    phases = Phases()
    yield phases
    title = "upgrade phases" if request.node.get_closest_marker("upgrade") else "end-to-end phases"
    run_summary(title, phases.lines())


def emulator_env(terraform_env: dict[str, str], endpoint: str, workdir: Path) -> dict[str, str]:
    """What every step runs with: the project's terraform config, ``local``, this emulator.

    And a plugin cache of the test's own: terraform's cache is not safe for two inits at
    once, and ``make test`` runs the two end-to-end tests and the rest of the suite side by
    side (a provider installed from an unpacked mirror is a link, so a cache costs nothing).
    """
    cache = workdir / "plugin-cache"
    cache.mkdir(exist_ok=True)
    return {
        **terraform_env,
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "MLPLATFORM_ENV": "local",
        "MLPLATFORM_AWS_ENDPOINT": endpoint,
        "CI": "1",
    }


def bootstrap_state_backend(env: dict[str, str], log: Path) -> None:
    bootstrap = str(ROOT / "scripts" / "bootstrap_state_backend.py")
    endpoint = env["MLPLATFORM_AWS_ENDPOINT"]
    run([sys.executable, bootstrap, "local", "--endpoint-url", endpoint], env, log)


def cdktf_every_stack(
    verb: str, outdir: Path, env: dict[str, str], log: Path, *options: str
) -> None:
    """``cdktf deploy|destroy 'local-*'`` of the stacks synthesized into ``outdir`` (no synth)."""
    common = ["--auto-approve", "--skip-provider-lock", "--skip-synth", "--output", str(outdir)]
    run([*CDKTF, verb, "local-*", *common, *options], env, log)


def plan_every_stack(stacks: list[Path], env: dict[str, str]) -> list[str]:
    """Each stack's plan, side by side (they only read each other's state); what changes."""
    with ThreadPoolExecutor(max_workers=len(stacks)) as pool:
        plans = list(pool.map(lambda stack: plan(stack, env), stacks))
    return [
        f"{s.name} plans changes:\n{out[-4000:]}"
        for s, (rc, out) in zip(stacks, plans, strict=True)
        if rc != 0
    ]


NO_CHANGES = re.compile(r"^(local-[a-z]+)\s+No changes\.", re.MULTILINE)


def make_diff_local(env: dict[str, str], log: Path) -> list[str]:
    """``make diff ENV=local`` as a user runs it (the preflight, one synth into the repo's
    cdktf.out, ``cdktf diff`` stack by stack) against this test's emulator
    (``MLPLATFORM_AWS_ENDPOINT``); the stacks that plan no change. Set-up is not remade
    (``-o setup``): ``make test`` made it, and rewriting the terraform config under the
    other tests' feet is not safe."""
    command = ["make", "--no-print-directory", "-o", "setup", "diff", "ENV=local"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n{done.stdout}{done.stderr}")
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    return sorted(NO_CHANGES.findall(done.stdout))


@pytest.mark.e2e
@pytest.mark.upgrade
def test_local_environment_upgrades_from_the_previous_release(
    tmp_path: Path, terraform_env: dict[str, str], loader: EnvironmentLoader, phase: Phases
) -> None:
    """The saved release, deployed as it deployed itself, upgraded by this one's ``cdktf deploy``.

    Its own emulator, beside the fresh deploy's test: the two share nothing, so
    ``make test`` runs them side by side (most of each is waiting on the provider).
    """
    saved = previous_release()
    assert saved is not None, f"no saved release in {UPGRADES} to upgrade from"
    config = loader.load("local")
    log = tmp_path / "e2e.log"
    outdir = tmp_path / "cdktf.out"
    outputs_file = tmp_path / "outputs.json"
    with LocalAws(log_file=tmp_path / "moto.log") as emulator:
        env = emulator_env(terraform_env, emulator.endpoint, tmp_path)
        bootstrap_state_backend(env, log)
        old_tables = bootstrap_previous_release(saved, emulator.endpoint)
        with phase(f"deploy the previous release ({saved.name})"):
            deploy_previous_release(saved, tmp_path / "previous", env, emulator.endpoint)
        with phase("plan the upgrade over it"):
            upgrade = synth_upgrade(saved, tmp_path / "upgrade.out", emulator.endpoint)
            deliberate = DELIBERATE_REPLACEMENTS.get(saved.name, {})
            for layer in LAYERS:
                init_one_at_a_time(upgrade / f"local-{layer}", env)
            with ThreadPoolExecutor(max_workers=len(LAYERS)) as pool:  # plans only read state
                list(
                    pool.map(
                        lambda layer: check_upgrade_plan(
                            upgrade / f"local-{layer}", env, deliberate
                        ),
                        LAYERS,
                    )
                )
        with phase("cdktf synth"):
            run([*CDKTF, "synth", "--output", str(outdir)], env, log)
        with phase("cdktf deploy 'local-*' over it"):
            cdktf_every_stack("deploy", outdir, env, log, "--outputs-file", str(outputs_file))
        for table in old_tables:  # the README's migration: S3 locks now, the table can go
            clients(emulator.endpoint)("dynamodb").delete_table(TableName=table)
        with phase("verify with boto3, then make diff ENV=local: no stack plans a change"):
            verify = load_script("verify_environment")
            verifier = verify.EnvironmentVerifier(
                config, environment_clients(config, emulator.endpoint)
            )
            assert verifier.verify() == []
            stacks = sorted(p.name for p in (outdir / "stacks").glob("local-*"))
            assert make_diff_local(env, log) == stacks
        # A rollout on the upgraded environment, as a user's first change after an upgrade;
        # here rather than in the fresh test so that the two tests take about as long.
        with phase("roll out a new model version"):
            check_rollout(config, json.loads(outputs_file.read_text()), tmp_path / "rollout", env)
    # The emulator went with its process: an upgraded environment's teardown is the
    # fresh one's (the test beside this one destroys and checks nothing is left).


@pytest.mark.e2e
def test_local_environment_deploys_verifies_replans_and_destroys(
    tmp_path: Path,
    terraform_env: dict[str, str],
    loader: EnvironmentLoader,
    synthesized: Path,
    run_summary: Report,
    phase: Phases,
) -> None:
    config = loader.load("local")
    log = tmp_path / "e2e.log"
    outdir = tmp_path / "cdktf.out"
    with LocalAws(log_file=tmp_path / "moto.log") as emulator:
        env = emulator_env(terraform_env, emulator.endpoint, tmp_path)
        bootstrap_state_backend(env, log)
        keys_before = kms_key_ids(emulator.endpoint)
        with phase("cdktf synth"):
            run([*CDKTF, "synth", "--output", str(outdir)], env, log)
        outputs_file = tmp_path / "outputs.json"
        with phase("cdktf deploy 'local-*'"):
            cdktf_every_stack("deploy", outdir, env, log, "--outputs-file", str(outputs_file))
        with phase("state lock"):
            check_state_lock(
                outdir / "stacks" / "local-network",
                env,
                emulator.endpoint,
                config.state_backend.bucket,
            )

        # Every layer is what the config asks for, checked with boto3; and drift is named.
        with phase("verify with boto3, then name drift"):
            verify = load_script("verify_environment")
            verifier = verify.EnvironmentVerifier(
                config, environment_clients(config, emulator.endpoint)
            )
            assert verifier.verify() == []
            check_drift_is_named(config, verifier, emulator.endpoint)
        with phase("save the deployed environment (emulator snapshot)"):
            emulator.snapshot("deployed")
        outputs = json.loads(outputs_file.read_text())
        # Feast itself, configured from the deploy's outputs, writes into the platform's
        # online table and reads it back (the replan below shows it changed no setting).
        with phase("Feast writes and reads the online store"):
            repo = tmp_path / "feast"
            write_feast_config(
                "local", outputs_file, repo / "feature_store.yaml", "--endpoint", emulator.endpoint
            )
            feast = run_round_trip(
                FEAST_PYTHON, ROOT / "environments" / "local.yaml", repo, emulator.endpoint
            )
            check_feast_wrote_the_platforms_table(config, feast, clients(emulator.endpoint))
            assert verifier.verify() == []
        with phase("replication: live, then a FAILED object by Batch Replication"):
            check_replication(config, emulator.endpoint, env, log)
        vpc_id = outputs["local-network"]["vpc_id"]
        ec2 = clients(emulator.endpoint)("ec2")
        assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == config.network.cidr
        assert outputs["local-data"]["zone_buckets"]["raw"] == "mlp-local-datalake-raw"
        check_karpenter(config, outputs, emulator.endpoint)
        # The platform contract holds the deployed values, and a team stack deploys on it;
        # the replan below shows the platform untouched by it.
        with phase("team stacks on the contract: deploy, check, destroy"):
            check_contract(config, outputs, outdir / "stacks", emulator.endpoint)
            # Two teams' stacks side by side, as two repos would deploy them: each with its
            # own log and plugin cache (two terraform inits must not share one).
            with ThreadPoolExecutor(max_workers=2) as pool:
                done = []
                for check, name in (
                    (check_team_stack, "team-stack"),
                    (check_scaffolded_team_repo, "team-repo"),
                ):
                    cache = tmp_path / f"plugin-cache-{name}"
                    cache.mkdir()
                    team_env = {**env, "TF_PLUGIN_CACHE_DIR": str(cache)}
                    args = (config, outputs, tmp_path, team_env, emulator.endpoint)
                    done.append(pool.submit(check, *args, tmp_path / f"{name}.log"))
                for check_done in done:
                    check_done.result()

        # A second plan proposes nothing: the deploy converged. Each plan refreshes every
        # resource from the emulator; the stacks only read each other's state, so they plan
        # side by side.
        stacks = sorted((outdir / "stacks").glob("local-*"))
        assert {"local-data", "local-network"} <= {s.name for s in stacks}
        with phase("coverage and a second plan of every stack"):
            coverage = Coverage(
                synthesized_types(synthesized, real_environments(loader)),
                deployed_types(stacks, env),
            )
            lines = coverage.lines("read from local's state after the deploy")
            run_summary("emulator coverage", lines)
            print("\n".join(lines))
            assert coverage.left == sorted(EMULATOR_GAPS), lines
            assert plan_every_stack(stacks, env) == []

        # The stacks the deploy synthesized are the ones to destroy: no second synth.
        with phase("cdktf destroy 'local-*'"):
            cdktf_every_stack("destroy", outdir, env, log)
        assert leftovers(config, emulator.endpoint, keys_before) == []

        # The snapshot saved after the deploy brings it all back, Terraform state included:
        # every layer is there again, and the network stack plans no change.
        with phase("restore the saved environment, verify and plan"):
            emulator.restore("deployed")
            assert verifier.verify() == []
            code, planned = plan(outdir / "stacks" / "local-network", env)
            assert code == 0, planned[-4000:]
