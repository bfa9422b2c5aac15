"""Canvas Lake Airflow DAG: Canvas Data 2 incremental sync of every table every four hours (cd2.*)."""
from __future__ import annotations

from datetime import timedelta

from canvaslake import config as cfg
from canvaslake import lake
from canvaslake.dag import canvaslake_dag
from canvaslake.tasks import canvaslake_task

config = cfg.load()

options: dict = {"all": None}
if config.cd2_pg_url:
    # the same run also mirrors CD2 into PostgreSQL; its password is read by the job from SSM
    options["pg-url"] = config.cd2_pg_url

with canvaslake_dag(
    config, "canvaslake_cd2_sync", "Canvas Data 2: sync every DAP table into Delta (cd2.*)",
    schedule="20 */4 * * *",
    dagrun_timeout=timedelta(hours=3, minutes=50),
) as dag:
    canvaslake_task(
        config, "sync_cd2", "dap", subcommand="sync",
        options=options,
        timeout=timedelta(hours=3),
        sla=timedelta(hours=3, minutes=30),
        outlets=[lake.cd2(config)],
    )
