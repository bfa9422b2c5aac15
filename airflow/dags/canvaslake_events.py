"""Canvas Lake Airflow DAG: compact the live events landed in the last hour into events.* (hourly)."""
from __future__ import annotations

from datetime import timedelta

from canvaslake import config as cfg
from canvaslake import lake
from canvaslake.dag import canvaslake_dag
from canvaslake.tasks import canvaslake_task

config = cfg.load()

with canvaslake_dag(
    config, "canvaslake_events", "Compact landed Canvas live events into Delta (events.*)",
    # a few minutes past the hour, so the lander's last batches of the hour have landed
    schedule="10 * * * *",
    dagrun_timeout=timedelta(minutes=55),
) as dag:
    canvaslake_task(
        config, "compact_events", "events",
        timeout=timedelta(minutes=45),
        sla=timedelta(minutes=50),
        outlets=[lake.events(config)],
    )
