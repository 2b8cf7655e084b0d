"""A renderer whose every second artifact fails, importable by worker processes and Dask."""

from __future__ import annotations

from ketapub import Artifact, Job, RenderContext, Renderer, Series
from ketapub.errors import RenderError, SourceError


class HalfFailing(Renderer):
    name = "halffail"
    description = "six text files; 2 and 4 raise RenderError, 3 raises SourceError, 5 a bug"

    def plan(self, series: Series, ctx: RenderContext) -> list[Job]:
        return [self.job(f"half/{n}.txt") for n in range(1, 7)]

    def render(self, job: Job, ctx: RenderContext) -> Artifact:
        n = int(job.path.split("/")[1].split(".")[0])
        if n in (2, 4):
            raise RenderError(job.path, f"planned failure {n}")
        if n == 3:
            from ketapub.errors import Diagnostic

            raise SourceError([Diagnostic("parts/x.md", 3, 1, "planned source problem")])
        if n == 5:
            raise ValueError("planned bug")
        return Artifact(job.path, f"ok {n}\n".encode(), "text/plain", self.name)
