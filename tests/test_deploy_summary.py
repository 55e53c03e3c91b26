"""What ``make up`` prints after the deploy (``mlplatform outputs``): every value whole."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mlplatform.cli import app

ROLE = "arn:aws:iam::123456789012:role/mlp-local-irsa-training-experiments-jobs"
CERTIFICATE = "QUJD" * 350


def _outputs(tmp_path: Path) -> Path:
    path = tmp_path / "local-outputs.json"
    path.write_text(
        json.dumps(
            {
                "local-network": {
                    "vpc_id": "vpc-1",
                    "availability_zones": ["us-east-1a", "us-east-1b"],
                    "cross-stack-output-aws_vpc.network_vpc_4E8F0223.id": "vpc-1",
                },
                "local-compute": {
                    "cluster_certificate_authority": CERTIFICATE,
                    "job_role_arns": {
                        "training": ROLE.replace("experiments", "training"),
                        "experiments": ROLE,
                    },
                    "node_role_arn": ROLE,
                },
            }
        )
    )
    return path


def test_every_value_is_printed_whole_on_its_line_at_80_columns(tmp_path: Path) -> None:
    outputs = _outputs(tmp_path)
    result = CliRunner().invoke(
        app, ["outputs", str(outputs), "--endpoint", "http://127.0.0.1:4566"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0]
        == "AWS emulator: http://127.0.0.1:4566  (aws --endpoint-url http://127.0.0.1:4566 ...)"
    )
    # Stacks in name order; a map's entries one per line; the keys of a stack aligned.
    assert lines[1:] == [
        "local-compute",
        f"  cluster_certificate_authority  {CERTIFICATE[:40]}… (1,400 characters; whole in {outputs})",
        f"  job_role_arns.experiments      {ROLE}",
        f"  job_role_arns.training         {ROLE.replace('experiments', 'training')}",
        f"  node_role_arn                  {ROLE}",
        "local-network",
        '  availability_zones  ["us-east-1a", "us-east-1b"]',
        "  vpc_id              vpc-1",
    ]


def test_a_missing_outputs_file_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    result = CliRunner().invoke(app, ["outputs", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: no outputs file; did the deploy finish?\n"
    assert result.stdout == ""
