"""Evaluation: datasets of questions with exact evidence, metrics, the harness and the LangChain-docs baseline."""
