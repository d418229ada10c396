"""`ogi scheduler run`: the embedded scheduler in the foreground until Ctrl-C (until
`ogi serve` starts it with the web app)."""

from __future__ import annotations

import typer

from cli.common import runtime
from cli.output import console

app = typer.Typer(no_args_is_help=True)


@app.command("run")
def run_cmd() -> None:
    """Run the scheduled flows: sweep 07:30, dispatch every minute, year end 1 January 00:05."""
    import os

    from flows.embedded import build_scheduler
    from services.logs import configure_logging

    configure_logging(level="INFO")
    # the jobs make their own runtime from the environment: give them the database of --db
    os.environ["OGI_DATABASE_URL"] = runtime().settings.database_url
    scheduler = None
    try:  # Ctrl-C may come while the jobs are still being stored: stop cleanly then too
        scheduler = build_scheduler(runtime(), blocking=True)
        console.print("内置调度器已启动（Asia/Shanghai）；按 Ctrl-C 停止")
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)
        console.print("调度器已停止")
