"""Canvas Lake Airflow DAG: the data product, built when its inputs have new data.

Scheduled on datasets, not on a clock or an ExternalTaskSensor: it runs once the events have been compacted since
its last run AND the entities (Canvas REST snapshots or Canvas Data 2, whichever the institution runs) have been
refreshed. A sensor would need the hourly and daily schedules to line up and would hold a worker slot while it
waits; a dataset condition needs neither, and the product job is incremental, so running after every entity refresh
costs only the new events. The pipeline run report is rendered after each product build.
"""
from __future__ import annotations

from datetime import timedelta

from canvaslake import config as cfg
from canvaslake import lake
from canvaslake.dag import canvaslake_dag
from canvaslake.tasks import canvaslake_task

config = cfg.load()

with canvaslake_dag(
    config, "canvaslake_product",
    "product.learning_events: events joined with users, courses and assignments; then the pipeline run report",
    schedule=lake.events(config) & (lake.canvas(config) | lake.cd2(config)),
    dagrun_timeout=timedelta(hours=3),
) as dag:
    build = canvaslake_task(
        config, "build_product", "product",
        timeout=timedelta(hours=2),
        sla=timedelta(hours=2, minutes=30),
        outlets=[lake.product(config)],
    )
    # the HTML run report (_meta/report/index.html) after each product build; it only reads the tables and counts
    # their rows, so it is quick, and it announces no dataset
    report = canvaslake_task(
        config, "report", "report",
        timeout=timedelta(minutes=30),
        # an SLA counts from the DAG run's start, so the report's comes after the product's
        sla=timedelta(hours=2, minutes=45),
    )
    build >> report
