"""A ``NetworkPlacement`` takes known subnets and zones or lists known at preview only.

The platform's own network gives known tuples (and the parity tests show the platform
program is unchanged); a placement read from the contract gives ``pulumi.Output`` lists.
Its users pick from them once they are known: a GPU pool's zone pinning picks each zone's
subnet (and fails the preview naming the pool and the zone when the zone has none, the
same message as with known lists), the lake's Glue connection takes the first zone's.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
import pytest

from mlplatform.config import EnvironmentConfig, FsxScratchProps, GpuPoolProps
from mlplatform.decisions.naming import Naming
from mlplatform.loader import EnvironmentLoader
from mlplatform.pulumi import Recorder, Recording
from mlplatform.pulumi.compute_cluster import ComputeCluster
from mlplatform.pulumi.data_lake import DataLake
from mlplatform.pulumi.gpu_pool import GpuTrainingPool
from mlplatform.pulumi.layer import Layer
from mlplatform.pulumi.network import NetworkPlacement

SUBNETS = ["subnet-1a", "subnet-1b", "subnet-1c"]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
CLUSTER = {
    "cluster_name": "mlp-prod-eks",
    "oidc_provider_arn": "arn:aws:iam::333333333333:oidc-provider/oidc.eks.example/id/X",
    "oidc_issuer_url": "https://oidc.eks.example/id/X",
    "node_role_arn": "arn:aws:iam::333333333333:role/mlp-prod-eks-node",
    "cluster_security_group_id": "sg-0cluster",
}
PINNED = GpuPoolProps(
    instance_types=("g6e.2xlarge", "g6e.4xlarge"),
    capacity="spot",
    max_nodes=2,
    availability_zones=("us-east-1c", "us-east-1b"),
    fsx_scratch=FsxScratchProps(storage_gib=1200),
)


def placement(*, read: bool) -> NetworkPlacement:
    """The same subnets and zones, known (``read=False``) or as lists known at preview."""
    subnets: Any = pulumi.Output.from_input(list(SUBNETS)) if read else tuple(SUBNETS)
    zones: Any = pulumi.Output.from_input(list(ZONES)) if read else tuple(ZONES)
    return NetworkPlacement(
        vpc_id="vpc-0prod",
        vpc_cidr="10.40.0.0/16",
        private_subnet_ids=subnets,
        availability_zones=zones,
        s3_prefix_list_id="pl-63a5400a",
    )


def pool_program(
    loader: EnvironmentLoader,
    props: GpuPoolProps,
    *,
    read: bool,
    seen: dict[str, Any] | None = None,
) -> None:
    layer = Layer(loader.load("prod"), "ranking")
    cluster = ComputeCluster.from_cluster_name(
        layer,
        "platform-cluster",
        naming=Naming("mlp", "prod"),
        placement=placement(read=read),
        **CLUSTER,
    )
    pool = GpuTrainingPool(layer, layer, "ranking", cluster=cluster, props=props)
    if seen is not None:  # without it, nothing in the program uses the pool's subnets
        seen["known"] = not isinstance(pool.subnet_ids, pulumi.Output)
        pulumi.Output.from_input(pool.subnet_ids).apply(lambda ids: seen.update(subnets=ids))


def lake_program(config: EnvironmentConfig, *, read: bool) -> None:
    DataLake(
        Layer(config, "data"), "data-lake", props=config.data_lake, placement=placement(read=read)
    )


def scratch(recording: Recording) -> dict[str, Any]:
    (found,) = [
        r for r in recording.resources if r.token == "aws:fsx/lustreFileSystem:LustreFileSystem"
    ]
    return found.inputs


@pytest.fixture(scope="module")
def pinned(loader: EnvironmentLoader) -> dict[bool, tuple[Recording, dict[str, Any]]]:
    runs: dict[bool, tuple[Recording, dict[str, Any]]] = {}
    for read in (False, True):
        seen: dict[str, Any] = {}
        recording = Recorder.run(partial(pool_program, loader, PINNED, read=read, seen=seen))
        runs[read] = (recording, seen)
    return runs


def test_zone_pinning_picks_each_zones_subnet_from_known_or_read_lists(
    pinned: dict[bool, tuple[Recording, dict[str, Any]]],
) -> None:
    known, read = pinned[False], pinned[True]
    assert known[1] == {"known": True, "subnets": ["subnet-1c", "subnet-1b"]}
    assert read[1] == {"known": False, "subnets": ["subnet-1c", "subnet-1b"]}
    # The scratch file system goes in the first pinned zone's subnet, either way.
    assert scratch(known[0])["subnetIds"] == scratch(read[0])["subnetIds"] == "subnet-1c"


def test_a_pinned_zone_without_a_subnet_stops_the_program_or_fails_the_preview(
    loader: EnvironmentLoader,
) -> None:
    """With known lists at once; with read lists at preview, even with nothing using the
    pool's subnets (no scratch file system here)."""
    props = PINNED.model_copy(
        update={"availability_zones": ("us-east-1b", "us-east-1f"), "fsx_scratch": None}
    )
    message = (
        "GPU pool 'ranking': zone 'us-east-1f' has no private subnet in the cluster's "
        "placement (us-east-1a, us-east-1b, us-east-1c)"
    )
    with pytest.raises(ValueError) as now:
        Recorder.run(lambda: pool_program(loader, props, read=False))
    assert str(now.value) == message
    with pytest.raises(ValueError) as at_preview:
        Recorder.run(lambda: pool_program(loader, props, read=True))
    assert message in str(at_preview.value)


def test_an_unpinned_pool_takes_every_subnet(loader: EnvironmentLoader) -> None:
    props = PINNED.model_copy(update={"availability_zones": (), "fsx_scratch": None})
    for read in (False, True):
        seen: dict[str, Any] = {}
        Recorder.run(partial(pool_program, loader, props, read=read, seen=seen))
        assert seen["subnets"] == SUBNETS


def test_the_glue_connection_takes_the_first_zone_and_its_subnet(loader: EnvironmentLoader) -> None:
    config = loader.load("prod")
    for read in (False, True):
        recording = Recorder.run(partial(lake_program, config, read=read))
        (connection,) = [
            r for r in recording.resources if r.token == "aws:glue/connection:Connection"
        ]
        requirements = connection.inputs["physicalConnectionRequirements"]
        assert requirements["availabilityZone"] == "us-east-1a"
        assert requirements["subnetId"] == "subnet-1a"
