"""How the ARNs the platform names are spelt, in one place.

An ARN is ``arn:<partition>:<service>:<region>:<account>:<resource>``, but each
service fills the fields its own way: S3 bucket names are global, so a
bucket's ARN has neither region nor account; IAM is global, so its ARNs have
no region; what AWS owns (managed policies, EKS access policies, public AMIs
and parameters) names ``aws`` or no account; Glue tables sit under their
database; a Secrets Manager secret's ARN ends in a random suffix. Both engines
name resources before (or instead of) creating them: a team's importer, a
grant on a table the contract only names, a key or queue policy that names
its own resource. Spelling each ARN by hand in each place would let one drift
(a missing ``:``, a region where S3 has none) without a test noticing.

Two forms, by what an ARN needs:

- :class:`Arns` (``Arns(partition, region, account)``): what lives in one
  account and region, one method per resource kind
  (``Arns(...).dynamodb_table("t")``);
- module functions for what is global and needs less: :func:`s3_bucket`
  (partition), :func:`iam_account_root` (partition, account),
  :func:`aws_managed_policy` and :func:`eks_access_policy` (partition).

Every input is a plain string, whatever it holds: a literal, a cdktf token
(``${data.aws_partition.partition.partition}``), which Terraform resolves
inside the string, or, in Pulumi, a value an ``Output.apply`` has resolved
(:class:`mlplatform.pulumi.resource_arns.ArnOutputs`). No engine is imported
here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Arns",
    "arn",
    "aws_managed_policy",
    "eks_access_policy",
    "iam_account_root",
    "iam_role",
    "s3_bucket",
]


def arn(partition: str, service: str, region: str, account: str, resource: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``: every ARN's layout.

    ``region`` or ``account`` is ``""`` where the service leaves it out.
    """
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def s3_bucket(partition: str, bucket: str) -> str:
    """``arn:<partition>:s3:::<bucket>``: bucket names are global, so no region or account."""
    return arn(partition, "s3", "", "", bucket)


def iam_account_root(partition: str, account: str) -> str:
    """``arn:<partition>:iam::<account>:root``: the account as a principal (IAM has no region).

    A resource policy naming it lets the account's IAM policies decide.
    """
    return arn(partition, "iam", "", account, "root")


def iam_role(partition: str, account: str, name: str) -> str:
    """``arn:<partition>:iam::<account>:role/<name>`` (IAM has no region)."""
    return arn(partition, "iam", "", account, f"role/{name}")


def aws_managed_policy(partition: str, name: str) -> str:
    """``arn:<partition>:iam::aws:policy/<name>``: an AWS managed IAM policy (AWS's account).

    ``name`` may carry a path: ``service-role/AmazonEBSCSIDriverPolicy``.
    """
    return arn(partition, "iam", "", "aws", f"policy/{name}")


def eks_access_policy(partition: str, name: str) -> str:
    """``arn:<partition>:eks::aws:cluster-access-policy/<name>``: an EKS access policy
    (not an IAM policy; global and AWS's)."""
    return arn(partition, "eks", "", "aws", f"cluster-access-policy/{name}")


@dataclass(frozen=True)
class Arns:
    """The ARNs of resources in one ``partition``, ``region`` and ``account``.

    A method that leaves the region or account out (:meth:`s3_bucket`,
    :meth:`ec2_any_account`, :meth:`ssm_public_parameter`) says why; where only the
    partition is known, use the module's functions.
    """

    partition: str
    region: str
    account: str

    def _arn(self, service: str, resource: str) -> str:
        return arn(self.partition, service, self.region, self.account, resource)

    # ----------------------------------------------------------------- data
    def s3_bucket(self, name: str) -> str:
        """``arn:<partition>:s3:::<name>`` (:func:`s3_bucket`: the region and account are not
        part of it), for a place that holds an :class:`Arns` already."""
        return s3_bucket(self.partition, name)

    def dynamodb_table(self, name: str) -> str:
        """``arn:<partition>:dynamodb:<region>:<account>:table/<name>``."""
        return self._arn("dynamodb", f"table/{name}")

    def glue_catalog(self) -> str:
        """``arn:<partition>:glue:<region>:<account>:catalog``: the account's one Data Catalog."""
        return self._arn("glue", "catalog")

    def glue_database(self, name: str) -> str:
        """``arn:<partition>:glue:<region>:<account>:database/<name>``."""
        return self._arn("glue", f"database/{name}")

    def glue_table(self, database: str, table: str) -> str:
        """``arn:<partition>:glue:<region>:<account>:table/<database>/<table>``."""
        return self._arn("glue", f"table/{database}/{table}")

    def athena_workgroup(self, name: str) -> str:
        """``arn:<partition>:athena:<region>:<account>:workgroup/<name>``."""
        return self._arn("athena", f"workgroup/{name}")

    # ----------------------------------------------------------------- ML
    def ecr_repository(self, name: str) -> str:
        """``arn:<partition>:ecr:<region>:<account>:repository/<name>``."""
        return self._arn("ecr", f"repository/{name}")

    def sagemaker_model_package_group(self, name: str) -> str:
        """``arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>``."""
        return self._arn("sagemaker", f"model-package-group/{name}")

    def sagemaker_model_package_prefix(self) -> str:
        """``arn:<partition>:sagemaker:<region>:<account>:model-package``: what every model
        package's ARN starts with (``/<group>/<version>`` follows)."""
        return self._arn("sagemaker", "model-package")

    # ----------------------------------------------------------------- other services
    def secretsmanager_secret_any_suffix(self, name: str) -> str:
        """``arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-??????``: secret
        ``name`` whatever the six random characters Secrets Manager adds after a ``-``."""
        return self._arn("secretsmanager", f"secret:{name}-??????")

    def sqs_queue(self, name: str) -> str:
        """``arn:<partition>:sqs:<region>:<account>:<name>`` (no resource type: SQS has one)."""
        return self._arn("sqs", name)

    def logs_any(self) -> str:
        """``arn:<partition>:logs:<region>:<account>:*``: any CloudWatch Logs resource here."""
        return self._arn("logs", "*")

    def ec2_all(self, resource_type: str) -> str:
        """``arn:<partition>:ec2:<region>:<account>:<resource_type>/*``: every EC2 resource of
        one type (``subnet``, ``instance``, ...) the account owns here."""
        return self._arn("ec2", f"{resource_type}/*")

    def ec2_any_account(self, resource_type: str) -> str:
        """``arn:<partition>:ec2:<region>::<resource_type>/*``: every ``image`` or ``snapshot``
        here whoever owns it (an instance starts from public AMIs, which are not the account's)."""
        return arn(self.partition, "ec2", self.region, "", f"{resource_type}/*")

    def ssm_public_parameter(self, path: str) -> str:
        """``arn:<partition>:ssm:<region>::parameter/<path>``: a public parameter AWS publishes
        (``aws/service/...``, the latest AMI ids); public ones name no account."""
        return arn(self.partition, "ssm", self.region, "", f"parameter/{path}")
