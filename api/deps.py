"""Dependencies shared by routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from bot.pipeline import Pipeline


def get_pipeline(request: Request) -> Pipeline:
    """The loaded pipeline, or 503 with a message that says what to run (the details stay in /healthz)."""
    pipeline: Pipeline | None = request.app.state.pipeline
    if pipeline is None:
        raise HTTPException(status_code=503, detail=request.app.state.unavailable)
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
