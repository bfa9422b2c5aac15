"""The lake's databases as Airflow datasets: a task that writes one declares it as an outlet, and the data product
DAG is scheduled on them (it runs when its inputs have new data, not at a guessed hour)."""
from __future__ import annotations

from airflow.datasets import Dataset

from canvaslake.config import CanvasLakeConfig


def events(config: CanvasLakeConfig) -> Dataset:
    return Dataset(config.dataset_uri("events"))


def canvas(config: CanvasLakeConfig) -> Dataset:
    return Dataset(config.dataset_uri("canvas"))


def cd2(config: CanvasLakeConfig) -> Dataset:
    return Dataset(config.dataset_uri("cd2"))


def product(config: CanvasLakeConfig) -> Dataset:
    return Dataset(config.dataset_uri("product"))
