"""How busy the rest of the machine was during a benchmark, shared by the benchmark scripts.

Side-by-side ratios stay fair on a shared machine, but thread speed-ups shrink when other processes take cores;
each benchmark prints the share of CPU other processes used while it timed.
"""

from __future__ import annotations

import os
import time


def machine_seconds():
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (Linux); None elsewhere."""
    try:
        with open("/proc/stat") as handle:
            ticks = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4]) / hz, sum(ticks) / hz  # minus idle and iowait


class OtherLoad:
    """Measure from creation to :meth:`report`; prints what other processes used of the machine's CPU."""

    def __init__(self):
        self.before, self.own_before = machine_seconds(), time.process_time()

    def report(self) -> None:
        after, own = machine_seconds(), time.process_time() - self.own_before
        if self.before and after:
            others = max(0.0, (after[0] - self.before[0]) - own) / (after[1] - self.before[1])
            print(f"\nother processes used {others:.0%} of this machine's CPU during the timed runs")
