"""Shared pieces of the Canvas Lake DAGs: configuration, the task factory (Glue or EMR Serverless), notifications."""
