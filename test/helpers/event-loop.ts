// SPDX-License-Identifier: MIT
// Event-loop delay for the test workloads, measured as bench/bulk.js measures it.
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A 1 ms event-loop delay histogram that has ticked once: its first tick only starts its clock,
 * so a block right at the start of the work (a burst's calls all made in one go) would otherwise
 * not be counted.
 */
export async function startedHistogram(): Promise<IntervalHistogram> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((resolve) => setTimeout(resolve, 5));
  return h;
}
