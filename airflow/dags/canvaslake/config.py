"""Canvas Lake's Airflow configuration: two Airflow Variables, no secrets.

``canvaslake_platform``  ``glue`` (default) or ``emr``: which service runs the jobs.
``canvaslake_config``    a JSON object, mostly the CloudFormation stacks' outputs (see airflow/README.md)::

    {
      "stack_name": "canvaslake",                  # core stack name: Glue jobs are <stack_name>-<command>
      "region": "eu-west-1",
      "aws_conn_id": "aws_default",
      "lake_uri": "s3://...",  "raw_root": "s3://...",  "sns_topic_arn": "arn:aws:sns:...",
      "canvas_url": "https://myschool.instructure.com",
      "ssm_prefix": "canvaslake",                  # secrets are read by the jobs from /<ssm_prefix>/...
      "emr_application_id": "...", "emr_role_arns": {"events": "arn:...", ...},   # emr only
      "artifact_bucket": "...", "artifact_prefix": "canvaslake/", "version": "0.1.0",  # emr only
      "cd2_pg_url": "jdbc:postgresql://...",       # optional: dap also mirrors CD2 into PostgreSQL
      "mirror": {"jdbc_url": "jdbc:postgresql://...", "tables": ["events.live_stream", "..."]}  # optional
    }

Secrets never go here: the jobs get references (``ssm:/canvaslake/canvas-token``) and resolve them with their own
role at run time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from airflow.models import Variable

PLATFORM_VARIABLE = "canvaslake_platform"
CONFIG_VARIABLE = "canvaslake_config"
PLATFORMS = ("glue", "emr")

# The Canvas REST entities in the order the original connector snapshots them: users before the courses that
# reference them, courses before their assignments and enrollments.
CANVAS_ENTITIES = ("users", "courses", "assignments", "enrollments")

REQUIRED = ("stack_name", "lake_uri", "raw_root", "sns_topic_arn", "canvas_url")
REQUIRED_EMR = ("emr_application_id", "emr_role_arns", "artifact_bucket", "version")


class ConfigError(ValueError):
    """The Canvas Lake Variables are missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class CanvasLakeConfig:
    platform: str
    stack_name: str
    lake_uri: str
    raw_root: str
    sns_topic_arn: str
    canvas_url: str
    region: str | None = None
    aws_conn_id: str = "aws_default"
    ssm_prefix: str = "canvaslake"
    emr_application_id: str | None = None
    emr_role_arns: dict = field(default_factory=dict)
    artifact_bucket: str | None = None
    artifact_prefix: str = "canvaslake/"
    version: str | None = None
    cd2_pg_url: str | None = None
    mirror: dict | None = None

    def secret_ref(self, name: str) -> str:
        """A reference the job resolves at run time, never the secret itself."""
        return f"ssm:/{self.ssm_prefix}/{name}"

    def dataset_uri(self, database: str) -> str:
        return f"{self.lake_uri.rstrip('/')}/{database}"


def parse(platform: str | None, raw: Any) -> CanvasLakeConfig:
    platform = (platform or "glue").strip().lower()
    if platform not in PLATFORMS:
        raise ConfigError(f"Airflow Variable {PLATFORM_VARIABLE} must be one of {PLATFORMS}, got {platform!r}")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ConfigError(f"Airflow Variable {CONFIG_VARIABLE} is not valid JSON: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"Airflow Variable {CONFIG_VARIABLE} must be a JSON object (see airflow/README.md)")
    needed = REQUIRED + (REQUIRED_EMR if platform == "emr" else ())
    missing = [k for k in needed if not raw.get(k)]
    if missing:
        raise ConfigError(f"Airflow Variable {CONFIG_VARIABLE} lacks {', '.join(missing)}: copy them from the "
                          f"CloudFormation stack outputs (airflow/README.md)")
    known = set(CanvasLakeConfig.__dataclass_fields__) - {"platform"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"Airflow Variable {CONFIG_VARIABLE} has unknown keys {unknown}; known: {sorted(known)}")
    if platform == "emr":
        roles = raw["emr_role_arns"]
        if not isinstance(roles, dict):
            raise ConfigError(f"emr_role_arns in {CONFIG_VARIABLE} must map each command to its role ARN")
    return CanvasLakeConfig(platform=platform, **raw)


def load() -> CanvasLakeConfig:
    """Reads the two Variables (at DAG parse time: the platform decides which operator class a task is)."""
    return parse(Variable.get(PLATFORM_VARIABLE, default_var="glue"),
                 Variable.get(CONFIG_VARIABLE, default_var=None))
