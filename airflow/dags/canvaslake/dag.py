"""What every Canvas Lake DAG shares: no catch-up, one active run, retries with backoff, failure and SLA notices."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG

from canvaslake.config import CanvasLakeConfig
from canvaslake.notify import default_args, sla_miss_callback

START = datetime(2025, 1, 1)


def canvaslake_dag(config: CanvasLakeConfig, dag_id: str, description: str, schedule,
                   dagrun_timeout: timedelta) -> DAG:
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=START,
        # a paused or new DAG does not replay the past: every job is incremental and catches up in one run
        catchup=False,
        # two runs of a job never write the same tables at once
        max_active_runs=1,
        dagrun_timeout=dagrun_timeout,
        default_args=default_args(config),
        sla_miss_callback=sla_miss_callback(config),
        tags=["canvaslake"],
    )
