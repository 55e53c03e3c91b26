"""What every Pulumi counterpart of a platform construct shares: its name, options and suppressions.

A construct at ``<env>-<layer>/<construct>`` in the cdktf tree becomes a
``ComponentResource`` of type ``mlplatform:<layer>:<Construct>`` with that path
as its name, and each resource below it is named ``<path>/<construct id>``,
so both engines name a resource by the same path. Guardrail suppressions are
the component's own inputs (``mlplatformSuppress``): they show in review and
in the Pulumi state, and the guardrails read them for everything below.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

__all__ = ["SUPPRESS_INPUT", "PlatformComponent"]

SUPPRESS_INPUT = "mlplatformSuppress"


class PlatformComponent(pulumi.ComponentResource):
    """A platform construct as a Pulumi component: ``mlplatform:<layer>:<Construct>``."""

    def __init__(
        self,
        layer: str,
        construct: str,
        path: str,
        *,
        parent: pulumi.Resource | None,
        suppressions: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        for rule_id, reason in (suppressions or {}).items():
            if not reason.strip():
                raise ValueError(f"suppressing {rule_id} needs a reason a reviewer can judge")
        props = {SUPPRESS_INPUT: dict(suppressions)} if suppressions else {}
        super().__init__(
            f"mlplatform:{layer}:{construct}",
            path,
            props,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=parent)),
        )
        self.path = path

    def child(self, id: str) -> str:
        """The name of this component's child ``id``: the cdktf construct path."""
        return f"{self.path}/{id}"

    def options(
        self,
        *,
        protect: bool = False,
        depends_on: list[pulumi.Resource] | None = None,
        create_before_destroy: bool = False,
    ) -> pulumi.ResourceOptions:
        """Options of a child resource: parented here (the layer's provider comes with it).

        A replacement deletes first, as Terraform does by default: platform resources have
        explicit physical names, and a second bucket or role by the same name cannot be
        created before the first is gone. ``create_before_destroy`` is for what is named by
        its contents (SageMaker models and endpoint configurations), as in cdktf.
        """
        return pulumi.ResourceOptions(
            parent=self,
            protect=protect,
            depends_on=depends_on,
            delete_before_replace=not create_before_destroy,
        )
