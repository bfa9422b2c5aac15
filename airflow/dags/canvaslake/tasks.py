"""One Airflow task = one run of a ``canvaslake`` command, on Glue or on EMR Serverless.

Glue: the core stack defines one Glue job per command with the stable options (lake, raw root, topic, secret
references) as default arguments; a task passes only what differs per run (``--run-id``, ``--entities`` ...).
EMR Serverless: a job run carries everything, so a task passes the command, the common options and its own, as
``emr/job-runs/<command>.json`` does.
"""
from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

from canvaslake.config import CanvasLakeConfig

MAIN_CLASS = "org.canvaslake.Main"

# EMR Serverless: Main from our jar; Delta Lake as EMR 7 ships it; the Glue Data Catalog as metastore.
# Kept equal to emr/job-runs/*.json (the DAG tests compare them).
EMR_SPARK_SUBMIT_PARAMETERS = " ".join([
    f"--class {MAIN_CLASS}",
    "--conf spark.jars=/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar",
    "--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
    "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # Delta's commits on S3 as conditional PUTs, so two jobs cannot replace each other's (docs/architecture.md)
    "--conf spark.delta.logStore.s3.impl=org.canvaslake.common.delta.S3ConditionalLogStore",
    "--conf spark.sql.catalogImplementation=hive",
    "--conf spark.hadoop.hive.metastore.client.factory.class="
    "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory",
])

# A run id per task try, so a retried run shows as its own row in _meta.runs and in the SNS reports.
RUN_ID = "airflow-{{ dag.dag_id }}-{{ task.task_id }}-{{ ts_nodash }}-try{{ ti.try_number }}"


def command_options(config: CanvasLakeConfig, command: str) -> dict[str, str | None]:
    """The options every run of a command needs, which the Glue job already has as defaults."""
    options: dict[str, str | None] = {
        "lake": config.lake_uri,
        "raw-root": config.raw_root,
        "sns-topic-arn": config.sns_topic_arn,
    }
    if command == "canvas":
        options["canvas-url"] = config.canvas_url
        options["canvas-token"] = config.secret_ref("canvas-token")
    if command == "dap":
        options["client-id"] = config.secret_ref("dap-client-id")
        options["client-secret"] = config.secret_ref("dap-client-secret")
    return options


def emr_arguments(words: list[str], options: dict[str, str | None]) -> list[str]:
    """``[command, subcommand..., --key, value, --flag, ...]``; a None value is a flag."""
    args = list(words)
    for key, value in options.items():
        args.append(f"--{key}")
        if value is not None:
            args.append(value)
    return args


def glue_arguments(options: dict[str, str | None]) -> dict[str, str]:
    """Glue job arguments: ``{"--key": "value"}``; Glue arguments always carry a value, so a flag is "true"."""
    return {f"--{key}": ("true" if value is None else value) for key, value in options.items()}


def canvaslake_task(config: CanvasLakeConfig, task_id: str, command: str, options: dict[str, str | None] | None = None,
                    subcommand: str | None = None, timeout: timedelta = timedelta(hours=1), **task_kwargs):
    """A task running ``canvaslake <command> [<subcommand>] <options>`` on the configured platform.

    ``options`` are the run's own options (a None value is a flag); ``timeout`` is the task's execution timeout
    and, on EMR, the job run's own timeout too.
    """
    run_options: dict[str, str | None] = dict(options or {})
    run_options["run-id"] = RUN_ID
    minutes = int(timeout.total_seconds() // 60)
    if config.platform == "glue":
        return GlueJobOperator(
            task_id=task_id,
            job_name=f"{config.stack_name}-{command}",
            script_args=glue_arguments(run_options),
            wait_for_completion=True,
            verbose=True,
            stop_job_run_on_kill=True,
            job_poll_interval=30,
            aws_conn_id=config.aws_conn_id,
            region_name=config.region,
            execution_timeout=timeout,
            **task_kwargs,
        )
    words = [command] + ([subcommand] if subcommand else [])
    all_options = command_options(config, command)
    all_options.update(run_options)
    role = config.emr_role_arns.get(command)
    if not role:
        raise ValueError(f"emr_role_arns in canvaslake_config has no role for '{command}' (EMR stack output "
                         f"{command.capitalize()}RoleArn)")
    return EmrServerlessStartJobOperator(
        task_id=task_id,
        application_id=config.emr_application_id,
        execution_role_arn=role,
        name=f"canvaslake-{task_id}",
        job_driver={"sparkSubmit": {
            "entryPoint": f"s3://{config.artifact_bucket}/{config.artifact_prefix}"
                          f"canvaslake-jobs-{config.version}-app.jar",
            "entryPointArguments": emr_arguments(words, all_options),
            "sparkSubmitParameters": EMR_SPARK_SUBMIT_PARAMETERS,
        }},
        configuration_overrides={"monitoringConfiguration": {"s3MonitoringConfiguration": {
            "logUri": f"s3://{config.artifact_bucket}/{config.artifact_prefix}emr-logs/"}}},
        config={"executionTimeoutMinutes": minutes},
        wait_for_completion=True,
        # poll once a minute for as long as the run may take
        waiter_delay=60,
        waiter_max_attempts=minutes + 5,
        aws_conn_id=config.aws_conn_id,
        execution_timeout=timeout,
        **task_kwargs,
    )
