"""Layer 4, ``<env>-ml``: the model registry and the serving endpoints that read from it."""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import TerraformOutput
from constructs import Construct

from mlplatform.config import EnvironmentConfig
from mlplatform.constructs.alarm_topic import AlarmTopic
from mlplatform.constructs.budgets import Budgets
from mlplatform.constructs.dashboard import Dashboard
from mlplatform.constructs.model_registry import ModelRegistry
from mlplatform.constructs.serving_endpoint import ServingEndpoint
from mlplatform.decisions.budgets import plan_budgets
from mlplatform.decisions.dashboard import platform_widgets
from mlplatform.decisions.metrics import dashboard_name
from mlplatform.interfaces import DataCaptureDestination, IDataLake, IRole, VpcPlacement
from mlplatform.stacks.platform_stack import PlatformStack

__all__ = ["MlStack"]


class MlStack(PlatformStack):
    """Registry, one endpoint per ``ml.serving`` entry, and the topic their alarms notify.

    The stack also holds the environment's dashboard (``observability.dashboard``) and its
    AWS Budgets (``budgets``), which notify the same topic.

    Instance-backed endpoints run in the network's private subnets
    (``placement``) and capture sampled requests into a data lake zone; both
    arrive as cdktf cross-stack references. ``publishers`` are training
    roles from earlier layers (GPU pools' job roles) that may publish every
    model family; their grants live here, so references point backwards.
    """

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        *,
        lake: IDataLake,
        placement: VpcPlacement,
        publishers: Mapping[str, IRole] | None = None,
        emulator_endpoint: str | None = None,
    ):
        if config.ml is None:
            raise ValueError(
                f"{config.environment}: the ml stack needs an ml section in the environment"
            )
        super().__init__(scope, config, "ml", emulator_endpoint=emulator_endpoint)
        ml = config.ml
        self.alarms = AlarmTopic(
            self,
            "alarm-topic",
            naming=self.naming,
            component="ml",
            subscriptions=config.observability.subscriptions,
        )
        self.registry = ModelRegistry(self, "model-registry", naming=self.naming, props=ml.registry)
        for role in (publishers or {}).values():
            self.registry.grant_publish(role)

        endpoints_scope = Construct(self, "serving")
        self.endpoints: dict[str, ServingEndpoint] = {}
        for name, props in ml.serving.items():
            zone = props.data_capture_zone
            capture = (
                DataCaptureDestination(
                    bucket_name=lake.bucket_name(zone),
                    bucket_arn=lake.bucket_arn(zone),
                    key_arn=lake.key_arn,
                )
                if props.data_capture_percent
                else None
            )
            self.endpoints[name] = ServingEndpoint(
                endpoints_scope,
                name,
                registry=self.registry,
                props=props,
                data_capture=capture,
                alarm_topic_arn=self.alarms.topic_arn,
                # Serverless Inference runs outside any VPC.
                placement=None if props.serverless else placement,
            )

        self._observability(config)

        registry = self.registry
        TerraformOutput(self, "registry_bucket", value=registry.bucket_name)
        TerraformOutput(self, "registry_table", value=registry.table_name)
        TerraformOutput(self, "ecr_repositories", value=registry.repository_urls)
        TerraformOutput(
            self,
            "endpoint_names",
            value={name: e.endpoint_name for name, e in self.endpoints.items()},
        )
        TerraformOutput(self, "alarm_topic_arn", value=self.alarms.topic_arn)

    def _observability(self, config: EnvironmentConfig) -> None:
        """The environment's dashboard, from the file and the metric specs, and its budgets."""
        self.dashboard: Dashboard | None = None
        if config.observability.dashboard:
            self.dashboard = Dashboard(
                self,
                "dashboard",
                name=dashboard_name(self.naming.prefix),
                region=config.region,
                widgets=platform_widgets(config, self.naming),
            )
            TerraformOutput(self, "dashboard_name", value=self.dashboard.dashboard_name)
        plans = plan_budgets(config, self.naming)
        self.budgets = Budgets(self, "budgets", plans=plans, topic_arn=self.alarms.topic_arn)
