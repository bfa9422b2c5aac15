"""Failure and SLA-miss notices to the run-report SNS topic (the same topic the jobs publish their reports to)."""
from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.sns import SnsHook

from canvaslake.config import CanvasLakeConfig

MAX_ERROR_CHARS = 1000


def failure_callback(config: CanvasLakeConfig):
    """on_failure_callback: called once a task has failed for good (after its retries)."""

    def notify(context) -> None:
        ti = context["task_instance"]
        error = str(context.get("exception") or "")[:MAX_ERROR_CHARS]
        message = "\n".join([
            f"Canvas Lake task failed after {ti.try_number} tries: {ti.dag_id}.{ti.task_id}",
            f"run: {context.get('run_id')}",
            f"log: {ti.log_url}",
            f"error: {error}" if error else "error: (see the log)",
            "The job's own run report (counts, failed units) is in _meta.runs and on this topic.",
        ])
        SnsHook(aws_conn_id=config.aws_conn_id, region_name=config.region).publish_to_target(
            target_arn=config.sns_topic_arn,
            subject=f"Canvas Lake FAILED: {ti.dag_id}.{ti.task_id}"[:100],
            message=message,
        )

    return notify


def sla_miss_callback(config: CanvasLakeConfig):
    """sla_miss_callback (Airflow 2): a run is late, before it fails."""

    def notify(dag, task_list, blocking_task_list, slas, blocking_tis) -> None:
        SnsHook(aws_conn_id=config.aws_conn_id, region_name=config.region).publish_to_target(
            target_arn=config.sns_topic_arn,
            subject=f"Canvas Lake late: {dag.dag_id}"[:100],
            message=f"Canvas Lake tasks missed their SLA in {dag.dag_id}:\n{task_list}\nBlocking:\n{blocking_task_list}",
        )

    return notify


def default_args(config: CanvasLakeConfig) -> dict:
    """Retries with exponential backoff (5 min, 10 min, 20 min, capped at an hour) and the failure notice."""
    return {
        "owner": "canvaslake",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
        "on_failure_callback": failure_callback(config),
        "email_on_failure": False,
        "email_on_retry": False,
    }
