"""The cdktf app of this repository (see cdktf.json).

Synthesizes the environments named in ``MLPLATFORM_ENV`` (comma-separated
names or YAML paths; default: every file in environments/). An emulator
environment points at ``MLPLATFORM_AWS_ENDPOINT`` (default: the running
emulator's, as ``make up`` started it; without one, http://127.0.0.1:5000). Bad input ends with a one-line error, never a traceback.
"""

from mlplatform.cli import synth_from_environment

if __name__ == "__main__":
    raise SystemExit(synth_from_environment())
