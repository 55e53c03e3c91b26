"""The serving endpoints: InService on the configuration the file describes, scaling between
its bounds, alarms that notify the alarm topic, and encrypted container logs.

Everything expected comes from :func:`mlplatform.decisions.serving_plan.plan_endpoint`,
the plan the construct built the endpoint from, so names (the endpoint's, and
the content-hashed model and configuration names) and numbers agree with the
deploy by construction. A configuration or model switched by hand, a scaling
bound raised in the console, or an alarm whose action was removed each show as
a problem.
"""

from __future__ import annotations

from typing import Any

from mlplatform.config import ServingEndpointProps
from mlplatform.decisions.serving_plan import EndpointPlan, VariantPlan, plan_endpoint
from mlplatform.verify.alarms import AlarmChecker
from mlplatform.verify.context import VerifyContext
from mlplatform.verify.keys import KeyChecker
from mlplatform.verify.log_groups import LogGroupChecker
from mlplatform.verify.reads import SAGEMAKER_NOT_FOUND, read_or_none

__all__ = ["ServingChecker"]


class ServingChecker:
    """One endpoint per ``ml.serving`` entry, with its models, scaling, alarms and logs."""

    def __init__(self, context: VerifyContext, keys: KeyChecker, topic_arn: str | None) -> None:
        self.context = context
        self.keys = keys
        self.topic_arn = topic_arn
        self.alarms = AlarmChecker(context, topic_arn)
        self.sagemaker = context.client("sagemaker")
        self.registry_alias = context.naming.kms_alias("registry")

    def check(self, key: str, props: ServingEndpointProps) -> None:
        """Endpoint ``key`` of the file: the endpoint, its scaling, alarms and log group."""
        plan = plan_endpoint(self.context.naming, key, props)
        self._endpoint(plan, props)
        self._scaling(plan)
        self._alarms(plan)
        self._rollback_alarms(plan)
        LogGroupChecker(self.context, self.keys.arn).check(
            plan.log_group_name, props.log_retention_days, self.registry_alias
        )

    def _endpoint(self, plan: EndpointPlan, props: ServingEndpointProps) -> None:
        resource = f"endpoint {plan.endpoint_name}"
        found = read_or_none(
            self.sagemaker.describe_endpoint, SAGEMAKER_NOT_FOUND, EndpointName=plan.endpoint_name
        )
        if found is None:
            self.context.findings.missing(resource)
            return
        findings = self.context.findings
        findings.compare(resource, "status", found.get("EndpointStatus"), "InService")
        variants = [v["VariantName"] for v in found.get("ProductionVariants", [])]
        findings.compare(resource, "variants", variants, [v.name for v in plan.variants])
        self._deployment(resource, plan, found.get("LastDeploymentConfig") or {})
        self._configuration(resource, plan, props, found["EndpointConfigName"])

    # ----------------------------------------------------------------- rollout
    def _deployment(self, resource: str, plan: EndpointPlan, found: dict[str, Any]) -> None:
        """The blue/green policy and the alarms that roll a deployment back."""
        rollout = plan.rollout
        if rollout is None:
            return
        findings = self.context.findings
        routing = found.get("BlueGreenUpdatePolicy", {}).get("TrafficRoutingConfiguration", {})
        findings.compare(
            resource, "deployment traffic routing", routing.get("Type"), rollout.traffic_routing
        )
        alarms = found.get("AutoRollbackConfiguration", {}).get("Alarms", [])
        findings.compare(
            resource,
            "rollback alarms",
            sorted(a.get("AlarmName") for a in alarms),
            sorted(a.name for a in rollout.rollback_alarms),
        )

    def _rollback_alarms(self, plan: EndpointPlan) -> None:
        """Each rollback alarm exists, watches what the plan says and notifies the topic."""
        if plan.rollout is None:
            return
        findings = self.context.findings
        for resource, current, alarm in self.alarms.deployed(plan.rollout.rollback_alarms):
            self.alarms.compare_trigger(resource, current, alarm)
            expression = next(
                (q.get("Expression") for q in current.get("Metrics", []) if q.get("ReturnData")),
                None,
            )
            findings.compare(resource, "expression", expression, alarm.expression)
            if self.topic_arn:
                findings.compare(
                    resource, "alarm actions", current.get("AlarmActions"), [self.topic_arn]
                )

    # ----------------------------------------------------------------- configuration, models
    def _configuration(
        self, resource: str, plan: EndpointPlan, props: ServingEndpointProps, name: str
    ) -> None:
        findings = self.context.findings
        if not findings.expect(
            name.startswith(f"{plan.config_name}-"),
            f"{resource}: configuration {name}",
            f"{resource}: configuration is {name}, expected one named {plan.config_name}-xxxx "
            "(the configuration the environment file describes)",
        ):
            return
        config = self.sagemaker.describe_endpoint_config(EndpointConfigName=name)
        by_name = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
        for variant in plan.variants:
            found = by_name.get(variant.name)
            if found is not None:
                self._variant(f"{resource} variant {variant.name}", variant, found)
        self._data_capture(resource, plan, props, config.get("DataCaptureConfig"))
        if plan.volume_encryption:
            key = self.keys.arn(self.registry_alias)
            if key is not None:
                findings.compare(
                    resource,
                    f"volume encryption key (the {self.registry_alias} key)",
                    config.get("KmsKeyId"),
                    key,
                )

    def _variant(self, resource: str, variant: VariantPlan, found: dict[str, Any]) -> None:
        findings = self.context.findings
        findings.compare(
            resource, "weight", float(found.get("InitialVariantWeight", 1.0)), variant.weight
        )
        if variant.serverless is not None:
            serverless = found.get("ServerlessConfig", {})
            findings.compare(
                resource,
                "serverless memory MB",
                serverless.get("MemorySizeInMB"),
                variant.serverless.memory_size_mb,
            )
            findings.compare(
                resource,
                "serverless max concurrency",
                serverless.get("MaxConcurrency"),
                variant.serverless.max_concurrency,
            )
        else:
            findings.compare(
                resource, "instance type", found.get("InstanceType"), variant.instance_type
            )
        self._model(resource, variant, str(found.get("ModelName", "")))

    def _model(self, resource: str, variant: VariantPlan, name: str) -> None:
        findings = self.context.findings
        model = variant.model
        if not findings.expect(
            name.startswith(f"{model.name}-"),
            f"{resource}: model {name}",
            f"{resource}: model is {name}, expected one named {model.name}-xxxx "
            f"({model.family} version {model.version}, image {model.image_tag})",
        ):
            return
        found = self.sagemaker.describe_model(ModelName=name)
        where = f"model {name}"
        container = found.get("PrimaryContainer", {})
        findings.compare(
            where, "image tag", str(container.get("Image", "")).rpartition(":")[2], model.image_tag
        )
        bucket = self.context.naming.bucket("registry", "artifacts")
        findings.compare(
            where,
            "model data",
            container.get("ModelDataUrl"),
            f"s3://{bucket}/{model.artifact_key}",
        )
        findings.compare(
            where,
            "network isolation",
            bool(found.get("EnableNetworkIsolation", False)),
            model.network_isolation,
        )

    def _data_capture(
        self,
        resource: str,
        plan: EndpointPlan,
        props: ServingEndpointProps,
        capture: dict[str, Any] | None,
    ) -> None:
        findings = self.context.findings
        if plan.data_capture_prefix is None:
            enabled = bool(capture and capture.get("EnableCapture", True))
            findings.compare(resource, "data capture", "on" if enabled else "off", "off")
            return
        if capture is None:
            findings.problem(
                f"{resource}: data capture is off, expected {plan.data_capture_percent}%"
            )
            return
        findings.compare(
            resource,
            "data capture percent",
            capture.get("InitialSamplingPercentage"),
            plan.data_capture_percent,
        )
        bucket = self.context.naming.bucket("datalake", props.data_capture_zone)
        findings.compare(
            resource,
            "data capture destination",
            capture.get("DestinationS3Uri"),
            f"s3://{bucket}/{plan.data_capture_prefix}",
        )

    # ----------------------------------------------------------------- scaling, alarms
    def _scaling(self, plan: EndpointPlan) -> None:
        findings = self.context.findings
        scaling = self.context.client("application-autoscaling")
        for variant in plan.variants:
            resource_id = f"endpoint/{plan.endpoint_name}/variant/{variant.name}"
            resource = f"scalable target {resource_id}"
            targets = scaling.describe_scalable_targets(
                ServiceNamespace="sagemaker", ResourceIds=[resource_id]
            )["ScalableTargets"]
            wanted = variant.scaling
            if wanted is None:
                findings.expect(
                    not targets,
                    f"{resource}: not registered (the variant does not autoscale)",
                    f"{resource}: registered, but the environment file does not autoscale "
                    "this variant",
                )
                continue
            if not targets:
                findings.missing(resource)
                continue
            target = targets[0]
            findings.compare(
                resource, "min capacity", target.get("MinCapacity"), wanted.min_capacity
            )
            findings.compare(
                resource, "max capacity", target.get("MaxCapacity"), wanted.max_capacity
            )
            policies = scaling.describe_scaling_policies(
                ServiceNamespace="sagemaker", ResourceId=resource_id
            )["ScalingPolicies"]
            policy = next((p for p in policies if p["PolicyName"] == wanted.policy_name), None)
            where = f"scaling policy {wanted.policy_name}"
            if policy is None:
                findings.missing(where, f"on {resource_id}")
                continue
            for stray in sorted(p["PolicyName"] for p in policies if p is not policy):
                findings.problem(
                    f"{resource}: scaling policy {stray} is not in the environment file"
                )
            findings.compare(where, "type", policy.get("PolicyType"), "TargetTrackingScaling")
            tracking = policy.get("TargetTrackingScalingPolicyConfiguration", {})
            metric = tracking.get("PredefinedMetricSpecification", {}).get("PredefinedMetricType")
            findings.compare(where, "metric", metric, wanted.predefined_metric)
            findings.compare(
                where, "target value", tracking.get("TargetValue"), wanted.target_value
            )
            findings.compare(
                where,
                "scale-in cooldown",
                tracking.get("ScaleInCooldown"),
                wanted.scale_in_cooldown,
            )
            findings.compare(
                where,
                "scale-out cooldown",
                tracking.get("ScaleOutCooldown"),
                wanted.scale_out_cooldown,
            )

    def _alarms(self, plan: EndpointPlan) -> None:
        self.alarms.check(plan.alarms)
