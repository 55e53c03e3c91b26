"""A GPU pool's FSx for Lustre scratch file system on Pulumi, against cdktf's.

No environment file has one, so the test writes dev.yaml with ``fsx_scratch`` on the
experiments pool and compares its compute layer in both engines.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mlplatform.config import EnvironmentConfig
from mlplatform.loader import EnvironmentLoader
from mlplatform.platform_app import PlatformApp
from mlplatform.pulumi import PlatformEnvironment, Recorder
from mlplatform.pulumi.normalise import Normalised, from_cdktf, from_pulumi
from mlplatform.pulumi.parity import first_difference, synthesized_environment
from tests.conftest import ENVIRONMENTS


@pytest.fixture(scope="module")
def config() -> EnvironmentConfig:
    data: dict[str, Any] = yaml.safe_load((ENVIRONMENTS / "dev.yaml").read_text())
    data["compute"]["gpu_pools"]["experiments"]["fsx_scratch"] = {
        "storage_gib": 1200,
        "import_prefix": "datasets/",
    }
    return EnvironmentLoader.parse(yaml.safe_dump(data), "dev-with-scratch.yaml")


def _compute(normalised: Normalised) -> Normalised:
    """The compute layer, and the pools' lake grants wherever they live: cdktf puts them in
    the ml layer (so compute deploys beside data); one Pulumi program has no layer order, so
    there they stay beside the role."""
    return Normalised(
        {
            k: r
            for k, r in normalised.resources.items()
            if r.path.startswith("dev-compute/")
            or (r.kind == "aws_iam_role_policy" and "/data-lake-" in r.path)
        }
    )


def test_the_scratch_file_system_matches_cdktf(
    tmp_path_factory: pytest.TempPathFactory, config: EnvironmentConfig
) -> None:
    outdir = tmp_path_factory.mktemp("scratch")
    PlatformApp([config], outdir=str(outdir)).synth()
    cdktf = _compute(from_cdktf(synthesized_environment(outdir / "stacks", "dev")))
    pulumi = _compute(from_pulumi(Recorder.run(lambda: PlatformEnvironment(config))))
    assert first_difference(cdktf, pulumi) is None
    [scratch] = [
        r.config
        for (kind, _), r in pulumi.resources.items()
        if kind == "aws_fsx_lustre_file_system"
    ]
    assert scratch["deployment_type"] == "SCRATCH_2"
    assert scratch["subnet_ids"] == ["${aws_subnet.dev-network/network/private-0.id}"]
    assert scratch["import_path"] == (
        "s3://${aws_s3_bucket.dev-data/data-lake/zone-features/bucket.bucket}/datasets/"
    )
    rules = [
        name for kind, name in pulumi.resources if kind == "aws_vpc_security_group_ingress_rule"
    ]
    assert any("scratch-lustre-988-from-nodes" in name for name in rules)
