"""Tests of the Canvas Lake DAGs, with Python's standard library only (Airflow is replaced by tests/standin.py).

The command listing the arguments are checked against is ``canvaslake commands`` of this build: the Maven build
writes it to tests/target/commands.json and passes its path in CANVASLAKE_COMMANDS_JSON (see tests/pom.xml).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import unittest
from datetime import timedelta
from pathlib import Path

from tests import standin

AIRFLOW_DIR = Path(__file__).resolve().parent.parent
DAGS_DIR = AIRFLOW_DIR / "dags"
REPO = AIRFLOW_DIR.parent
CORE_TEMPLATE = REPO / "glue" / "cloudformation" / "canvaslake.yaml"
EMR_RUNS = REPO / "emr" / "job-runs"
DAG_FILES = sorted(DAGS_DIR.glob("canvaslake_*.py"))

BASE_CONFIG = {
    "stack_name": "canvaslake",
    "region": "eu-west-1",
    "lake_uri": "s3://lake-bucket",
    "raw_root": "s3://raw-bucket",
    "sns_topic_arn": "arn:aws:sns:eu-west-1:111122223333:canvaslake-run-reports",
    "canvas_url": "https://school.instructure.com",
    "ssm_prefix": "canvaslake",
}
EMR_CONFIG = dict(BASE_CONFIG, **{
    "emr_application_id": "00abc123",
    "emr_role_arns": {c: f"arn:aws:iam::111122223333:role/canvaslake-{c}" for c in
                      ("events", "canvas", "dap", "product", "mirror", "report")},
    "artifact_bucket": "artifacts",
    "artifact_prefix": "canvaslake/",
    "version": "1.2.3",
})
MIRROR = {"mirror": {"jdbc_url": "jdbc:postgresql://db.internal:5432/lake"}}
SECRET_WORDS = ("token", "secret", "password", "key")


def listing() -> dict:
    path = Path(os.environ.get("CANVASLAKE_COMMANDS_JSON", REPO / "tests" / "target" / "commands.json"))
    if not path.is_file():
        raise AssertionError(f"No command listing at {path}: build it with 'mvn -B -pl tests -am "
                             f"process-test-classes' or './canvaslake commands > {path}'")
    return json.loads(path.read_text())


def load_dags(platform: str, config: dict) -> dict:
    """Imports every DAG file against the stand-ins; returns {dag_id: dag}."""
    variables = {"canvaslake_platform": platform, "canvaslake_config": json.dumps(config)}
    dags = {}
    with standin.installed(variables):
        sys.path.insert(0, str(DAGS_DIR))
        try:
            for name in [m for m in sys.modules if m == "canvaslake" or m.startswith("canvaslake.")]:
                del sys.modules[name]
            for f in DAG_FILES:
                spec = importlib.util.spec_from_file_location(f"dagfile_{f.stem}_{platform}", f)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                for value in vars(module).values():
                    if isinstance(value, standin.DAG):
                        dags[value.dag_id] = value
        finally:
            sys.path.remove(str(DAGS_DIR))
    return dags


def invocation(task, config: dict) -> tuple[str, list[str], dict]:
    """(command, subcommand words, {option: value}) of a task, as the platform will hand them to Main."""
    if isinstance(task, standin.GlueJobOperator):
        prefix = config["stack_name"] + "-"
        assert task.job_name.startswith(prefix), task.job_name
        command = task.job_name[len(prefix):]
        options = {}
        for key, value in task.script_args.items():
            assert key.startswith("--"), f"{task.task_id}: Glue argument {key} must start with --"
            options[key[2:]] = value
        return command, [], options
    args = task.job_driver["sparkSubmit"]["entryPointArguments"]
    words = []
    i = 0
    while i < len(args) and not args[i].startswith("--"):
        words.append(args[i])
        i += 1
    options = {}
    while i < len(args):
        key = args[i][2:]
        if i + 1 < len(args) and not args[i + 1].startswith("--"):
            options[key] = args[i + 1]
            i += 2
        else:
            options[key] = None
            i += 1
    return words[0], words[1:], options


class DagFilesCompile(unittest.TestCase):

    def test_every_dag_and_helper_file_compiles(self):
        files = list(DAGS_DIR.rglob("*.py"))
        self.assertGreaterEqual(len(DAG_FILES), 5)
        for f in files:
            with self.subTest(file=f.name):
                compile(f.read_text(), str(f), "exec")


    def test_airflow_finds_every_dag_file(self):
        # Airflow's safe-mode discovery parses only files that mention both words
        for f in DAG_FILES:
            with self.subTest(file=f.name):
                text = f.read_text().lower()
                self.assertIn("airflow", text)
                self.assertIn("dag", text)
        self.assertIn("canvaslake/", (DAGS_DIR / ".airflowignore").read_text(), "the helper package is not parsed")


class DagShape(unittest.TestCase):

    def setUp(self):
        self.dags = load_dags("glue", dict(BASE_CONFIG, **MIRROR))

    def test_dags_and_schedules(self):
        self.assertEqual({"canvaslake_events", "canvaslake_canvas_snapshots", "canvaslake_cd2_sync",
                          "canvaslake_product", "canvaslake_mirror"}, set(self.dags))
        self.assertEqual("10 * * * *", self.dags["canvaslake_events"].schedule, "hourly compaction")
        self.assertEqual("0 5 * * *", self.dags["canvaslake_canvas_snapshots"].schedule, "daily snapshots")
        self.assertEqual("20 */4 * * *", self.dags["canvaslake_cd2_sync"].schedule, "CD2 every four hours")
        for dag in self.dags.values():
            with self.subTest(dag=dag.dag_id):
                self.assertFalse(dag.catchup, "no backfill storm after a pause")
                self.assertEqual(1, dag.max_active_runs, "two runs of a job never write the same tables at once")
                self.assertIsNotNone(dag.dagrun_timeout)
                self.assertIsNotNone(dag.sla_miss_callback)

    def test_snapshots_run_one_entity_after_another_in_the_connectors_order(self):
        dag = self.dags["canvaslake_canvas_snapshots"]
        order = ["snapshot_users", "snapshot_courses", "snapshot_assignments", "snapshot_enrollments"]
        self.assertEqual(order, [t.task_id for t in dag.tasks])
        for before, after in zip(order, order[1:]):
            self.assertEqual({after}, dag.task_dict[before].downstream_task_ids)
            self.assertEqual({before}, dag.task_dict[after].upstream_task_ids)
        self.assertEqual(set(), dag.task_dict["snapshot_users"].upstream_task_ids)
        for task_id, entity in zip(order, ["users", "courses", "assignments", "enrollments"]):
            self.assertEqual(entity, dag.task_dict[task_id].script_args["--entities"])

    def test_every_task_retries_with_exponential_backoff_and_has_a_timeout_and_sla(self):
        for dag in self.dags.values():
            for task in dag.tasks:
                with self.subTest(task=f"{dag.dag_id}.{task.task_id}"):
                    self.assertGreaterEqual(task.retries, 2)
                    self.assertTrue(task.retry_exponential_backoff)
                    self.assertEqual(timedelta(minutes=5), task.retry_delay)
                    self.assertEqual(timedelta(hours=1), task.max_retry_delay)
                    self.assertIsInstance(task.execution_timeout, timedelta)
                    self.assertLessEqual(task.execution_timeout, dag.dagrun_timeout)
                    self.assertIsNotNone(task.sla)
                    self.assertGreater(task.sla, task.execution_timeout, "late is noticed before the timeout kills")
                    self.assertIsNotNone(task.on_failure_callback)

    def test_glue_tasks_wait_and_stop_their_run_when_killed(self):
        for dag in self.dags.values():
            for task in dag.tasks:
                with self.subTest(task=task.task_id):
                    self.assertIsInstance(task, standin.GlueJobOperator)
                    self.assertTrue(task.wait_for_completion)
                    self.assertTrue(task.stop_job_run_on_kill, "a timed-out task must not leave its Glue run going")
                    self.assertEqual("eu-west-1", task.region_name)

    def test_product_runs_after_its_inputs(self):
        events = standin.Dataset("s3://lake-bucket/events")
        canvas = standin.Dataset("s3://lake-bucket/canvas")
        cd2 = standin.Dataset("s3://lake-bucket/cd2")
        schedule = self.dags["canvaslake_product"].schedule
        self.assertIsInstance(schedule, standin.DatasetAll)
        self.assertEqual(events, schedule.objects[0])
        self.assertIsInstance(schedule.objects[1], standin.DatasetAny)
        self.assertEqual((canvas, cd2), schedule.objects[1].objects)
        # and the producers announce exactly those datasets, the snapshots only once complete
        self.assertEqual([events], self.dags["canvaslake_events"].task_dict["compact_events"].outlets)
        snapshots = self.dags["canvaslake_canvas_snapshots"].task_dict
        self.assertEqual([canvas], snapshots["snapshot_enrollments"].outlets)
        self.assertEqual([], snapshots["snapshot_users"].outlets)
        self.assertEqual([cd2], self.dags["canvaslake_cd2_sync"].task_dict["sync_cd2"].outlets)
        self.assertEqual([standin.Dataset("s3://lake-bucket/product")], self.dags["canvaslake_mirror"].schedule)

    def test_the_run_report_is_rendered_after_each_product_build(self):
        dag = self.dags["canvaslake_product"]
        self.assertEqual(["build_product", "report"], [t.task_id for t in dag.tasks])
        self.assertEqual({"report"}, dag.task_dict["build_product"].downstream_task_ids)
        self.assertEqual({"build_product"}, dag.task_dict["report"].upstream_task_ids)
        report = dag.task_dict["report"]
        self.assertEqual("canvaslake-report", report.job_name)
        self.assertEqual([], report.outlets, "the report writes no table a DAG waits for")
        self.assertLessEqual(dag.task_dict["build_product"].execution_timeout + report.execution_timeout,
                             dag.dagrun_timeout, "both fit in one DAG run")
        self.assertGreater(report.sla, dag.task_dict["build_product"].sla, "SLAs count from the DAG run's start")

    def test_mirror_dag_exists_only_when_configured(self):
        self.assertNotIn("canvaslake_mirror", load_dags("glue", BASE_CONFIG))

    def test_run_id_differs_per_try(self):
        for dag in self.dags.values():
            for task in dag.tasks:
                run_id = task.script_args["--run-id"]
                self.assertIn("{{ ti.try_number }}", run_id)
                self.assertIn("{{ ts_nodash }}", run_id)
                self.assertIn("script_args", standin.GlueJobOperator.template_fields, "the template is rendered")


class Notifications(unittest.TestCase):

    def test_a_failed_task_is_published_to_the_run_report_topic(self):
        dags = load_dags("glue", BASE_CONFIG)
        task = dags["canvaslake_events"].task_dict["compact_events"]

        class TaskInstance:
            dag_id, task_id, try_number = "canvaslake_events", "compact_events", 4
            log_url = "https://mwaa.example/log?task_id=compact_events"

        task.on_failure_callback({"task_instance": TaskInstance(), "run_id": "scheduled__2025-01-01T10:10:00",
                                  "exception": RuntimeError("Glue job run jr_1 failed: exit code 1")})
        self.assertEqual(1, len(standin.SnsHook.published))
        sent = standin.SnsHook.published[0]
        self.assertEqual(BASE_CONFIG["sns_topic_arn"], sent["target_arn"])
        self.assertEqual("Canvas Lake FAILED: canvaslake_events.compact_events", sent["subject"])
        self.assertIn("jr_1 failed", sent["message"])
        self.assertIn("after 4 tries", sent["message"])
        self.assertLessEqual(len(sent["subject"]), 100, "SNS subjects are at most 100 characters")

    def test_an_sla_miss_is_published_too(self):
        dags = load_dags("glue", BASE_CONFIG)
        dag = dags["canvaslake_cd2_sync"]
        dag.sla_miss_callback(dag, "sync_cd2", "", [], [])
        self.assertEqual("Canvas Lake late: canvaslake_cd2_sync", standin.SnsHook.published[-1]["subject"])


def argument_problems(listing_: dict, platform: str, config: dict) -> tuple[list[str], list[str]]:
    """Checks every task's command and options against a listing: (problems, what could not be checked yet)."""
    dags = load_dags(platform, dict(config, **MIRROR, cd2_pg_url="jdbc:postgresql://db/cd2"))
    problems, unchecked = [], []
    for dag in dags.values():
        for task in dag.tasks:
            where = f"{platform} {dag.dag_id}.{task.task_id}"
            command, words, options = invocation(task, config)
            if command not in listing_:
                problems.append(f"{where}: no command 'canvaslake {command}'")
                continue
            listed = listing_[command]
            for key, value in options.items():
                if any(w in key for w in SECRET_WORDS) and not str(value).startswith(("ssm:", "secretsmanager:")):
                    problems.append(f"{where}: --{key} must be a reference (ssm:...), not a secret")
            unknown = sorted(k for k in options if k not in listed["options"])
            if not listed.get("available", True):
                unchecked.append(f"{where}: 'canvaslake {command}' is not built in this build yet: options "
                                 f"{unknown} {'and subcommand ' + str(words) + ' ' if words else ''}wait for it; "
                                 f"checked the command and {sorted(set(options) - set(unknown))}")
                continue
            problems.extend(f"{where}: 'canvaslake {command}' takes no --{k}" for k in unknown)
            problems.extend(f"{where}: '{w}' is not a subcommand of {command} ({listed['usage']})"
                            for w in words if w not in listed["usage"])
            problems.extend(f"{where}: --{k} is a flag, got {v!r}" for k, v in options.items()
                            if k in listed["options"] and listed["options"][k]["kind"] == "flag"
                            and v not in (None, "true", "false"))
    return problems, unchecked


class ArgumentsMatchTheCommandListing(unittest.TestCase):
    """Every command and option a DAG passes exists in `canvaslake commands` of this build."""

    @classmethod
    def setUpClass(cls):
        cls.listing = listing()

    def check(self, platform: str, config: dict):
        problems, unchecked = argument_problems(self.listing, platform, config)
        self.assertEqual([], problems)
        if unchecked:
            # said once per platform, so that a lead reading the test output sees what is still open
            self.skipTest("; ".join(unchecked))

    def test_glue_tasks(self):
        self.check("glue", BASE_CONFIG)

    def test_emr_tasks(self):
        self.check("emr", EMR_CONFIG)

    def test_the_check_catches_what_a_command_does_not_take(self):
        doctored = json.loads(json.dumps(self.listing))
        common = {k: v for k, v in doctored["events"]["options"].items()}
        for command in ("events", "canvas", "dap", "product", "mirror", "report"):
            doctored[command].update(available=True, options=dict(common), usage=f"{command} [options]")
        doctored["canvas"]["options"]["entities"] = {"kind": "value"}
        problems, unchecked = argument_problems(doctored, "emr", EMR_CONFIG)
        self.assertEqual([], unchecked)
        self.assertTrue(any("takes no --canvas-url" in p for p in problems), problems)
        self.assertTrue(any("'sync' is not a subcommand of dap" in p for p in problems), problems)
        self.assertFalse(any("--entities" in p for p in problems), problems)
        del doctored["product"]
        problems, _ = argument_problems(doctored, "glue", BASE_CONFIG)
        self.assertTrue(any("no command 'canvaslake product'" in p for p in problems), problems)

    def test_glue_jobs_the_dags_start_are_defined_by_the_core_stack(self):
        template = CORE_TEMPLATE.read_text()
        dags = load_dags("glue", dict(BASE_CONFIG, **MIRROR))
        for dag in dags.values():
            for task in dag.tasks:
                command = task.job_name[len("canvaslake-"):]
                with self.subTest(job=task.job_name):
                    self.assertIn('Name: {Fn::Sub: "${AWS::StackName}-' + command + '"}', template)


class EmrRunsMatchTheJobRunDefinitions(unittest.TestCase):

    def test_emr_tasks_submit_like_emr_job_runs(self):
        dags = load_dags("emr", dict(EMR_CONFIG, **MIRROR))
        runs = {}
        for f in EMR_RUNS.glob("*.json"):
            run = json.loads(f.read_text())
            runs[run["jobDriver"]["sparkSubmit"]["entryPointArguments"][0]] = run
        self.assertEqual({"events", "canvas", "dap", "product", "mirror", "report"}, set(runs))
        for dag in dags.values():
            for task in dag.tasks:
                with self.subTest(task=task.task_id):
                    self.assertIsInstance(task, standin.EmrServerlessStartJobOperator)
                    command, words, options = invocation(task, EMR_CONFIG)
                    run = runs[command]
                    submit = task.job_driver["sparkSubmit"]
                    self.assertEqual(run["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"],
                                     submit["sparkSubmitParameters"])
                    self.assertEqual("s3://artifacts/canvaslake/canvaslake-jobs-1.2.3-app.jar", submit["entryPoint"])
                    self.assertEqual(
                        run["jobDriver"]["sparkSubmit"]["entryPoint"].replace("${ARTIFACT_BUCKET}", "artifacts")
                        .replace("${ARTIFACT_PREFIX}", "canvaslake/").replace("${VERSION}", "1.2.3"),
                        submit["entryPoint"])
                    self.assertEqual(EMR_CONFIG["emr_role_arns"][command], task.execution_role_arn)
                    self.assertEqual("00abc123", task.application_id)
                    expected_words = [a for a in run["jobDriver"]["sparkSubmit"]["entryPointArguments"][1:]
                                      if not a.startswith("--")][:len(words)]
                    self.assertEqual(expected_words, words)
                    for key in ("lake", "raw-root", "sns-topic-arn"):
                        self.assertIn(key, options)
                    self.assertEqual("s3://lake-bucket", options["lake"])
                    minutes = task.config["executionTimeoutMinutes"]
                    self.assertEqual(int(task.execution_timeout.total_seconds() // 60), minutes)
                    self.assertGreaterEqual(task.waiter_delay * task.waiter_max_attempts, minutes * 60,
                                            "the operator waits as long as the run may take")


class Configuration(unittest.TestCase):

    def test_unknown_platform_is_refused_with_the_variable_named(self):
        with self.assertRaisesRegex(Exception, "canvaslake_platform must be one of"):
            load_dags("databricks", BASE_CONFIG)

    def test_missing_settings_name_the_stack_outputs(self):
        with self.assertRaisesRegex(Exception, "lacks emr_application_id.*CloudFormation stack outputs"):
            load_dags("emr", BASE_CONFIG)

    def test_misspelt_settings_are_refused(self):
        with self.assertRaisesRegex(Exception, r"unknown keys \['lake_url'\]"):
            load_dags("glue", dict(BASE_CONFIG, lake_url="s3://x"))

    def test_no_secret_in_dag_code(self):
        pattern = re.compile(r"(AKIA[0-9A-Z]{16}|(password|secret|token)\s*=\s*['\"][^'\"{]+['\"])", re.IGNORECASE)
        for f in DAGS_DIR.rglob("*.py"):
            with self.subTest(file=f.name):
                self.assertIsNone(pattern.search(f.read_text()))


if __name__ == "__main__":
    unittest.main()
