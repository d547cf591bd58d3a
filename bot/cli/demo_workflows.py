"""The month-long demo's other workflows (发案, 预警, campaigns, 回访), one entry each.

`run_demo` plans every workflow after the daily pushes and prints each one's summary after
the bulletins. A workflow plays only when the demo runs for a month or more (MONTH_DAYS),
so the one-day and one-week transcripts stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cli.demo import DemoScript
    from bot.runtime import Runtime

MONTH_DAYS = 28


@dataclass(frozen=True)
class DemoWorkflow:
    """How one workflow takes part in the demo."""

    name: str
    # Schedules the workflow's events on the script (script.at / script.say) for `days`.
    plan: Callable[[DemoScript, int], None]
    # What to print about it at the end ("" prints nothing).
    summary: Callable[[Runtime], str]


def workflows() -> list[DemoWorkflow]:
    """Every workflow the month-long demo plays, in the order they are printed."""
    # Each imports DemoWorkflow from here, so they are imported late.
    from bot.cli import demo_callback, demo_cases, demo_drive, demo_warning

    return [
        DemoWorkflow("发案统计", demo_cases.plan, demo_cases.summary),
        demo_warning.WORKFLOW,
        DemoWorkflow("专项行动", demo_drive.plan, demo_drive.summary),
        demo_callback.workflow(),
    ]
