"""The embedded AWS emulator: a moto server the ``local`` environment deploys into.

This package exists so that everything that makes AWS local sits in one
place, apart from the platform itself: constructs never bend to the emulator,
and a fix for where moto answers unlike AWS belongs here.

- :mod:`~mlplatform.emulator.local_aws`: :class:`LocalAws`, which starts and stops the
  server by process id, and the endpoint and placeholder credentials everyone uses
- :mod:`~mlplatform.emulator.server`: moto server with the AWS-fidelity fixes,
  ``python -m mlplatform.emulator.server -H 127.0.0.1 -p PORT``
- :mod:`~mlplatform.emulator.clients`: boto3 clients for an environment, pointed at
  the emulator when the environment runs in one (imports boto3, so not re-exported)
"""

from mlplatform.emulator.local_aws import DEFAULT_ENDPOINT, EMULATOR_ACCESS_KEY, LocalAws

__all__ = ["DEFAULT_ENDPOINT", "EMULATOR_ACCESS_KEY", "LocalAws"]
