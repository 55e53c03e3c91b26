"""Engine-free decisions: what the platform chooses, as plain Python functions of the config.

This package exists so that a second engine (Pulumi, later) builds the same
platform from the same environment files without re-deciding anything: the
cdktf constructs only translate these decisions into resources. Nothing here
imports cdktf, jsii, ``constructs`` or :mod:`mlplatform.bindings`; it depends
on :mod:`mlplatform.catalogs` and :mod:`mlplatform.config` only.

- :mod:`~mlplatform.decisions.naming`: physical names, checked against AWS limits
- :mod:`~mlplatform.decisions.tagging`: the tags every resource carries
- :mod:`~mlplatform.decisions.subnet_plan`: how a VPC's CIDR is cut into subnets
- :mod:`~mlplatform.decisions.scheduling`: GPU node labels and taints
- :mod:`~mlplatform.decisions.container_insights`: the observability add-on's log groups
  and service account
- :mod:`~mlplatform.decisions.lifecycle`: S3 lifecycle rules
- :mod:`~mlplatform.decisions.retention`: which resources must survive a destroy
- :mod:`~mlplatform.decisions.serving_plan`: a serving endpoint's names, variants,
  scaling and alarms
- :mod:`~mlplatform.decisions.policies`: IAM, bucket, key and ECR lifecycle policy
  documents, one module per AWS service
"""
