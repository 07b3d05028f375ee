import { loadConfig } from '@portolan/config';

/**
 * BullMQ worker options for every processor. A decorator argument is read when its class is defined, before Nest's
 * config module exists, so the same variables are read the same way here; an invalid environment falls back to the
 * defaults, and bootstrap then reports it.
 */
export function jobWorkerOptions(env: Record<string, string | undefined> = process.env): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  let seconds = 30;
  try {
    seconds = loadConfig(env).queue.lockSeconds;
  } catch {
    // reported by bootstrap
  }
  // one stall is forgiven (the job runs again on a live worker); a second one fails the job, and its row ends
  return { lockDuration: seconds * 1000, stalledInterval: seconds * 1000, maxStalledCount: 1 };
}
