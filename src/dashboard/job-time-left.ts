/** The fields of a job that its remaining time is estimated from, as the REST API returns them. */
export interface JobTiming {
  state: string;
  startedAt: string | Date | null;
  progress: { fraction: number };
}

/**
 * Estimates a running job's remaining seconds by assuming the rest of the job goes at the average pace so far.
 * Returns null when the job is not running or has done too little for an estimate.
 * NOTE: phases run at different paces, so the estimate is rough until training is under way.
 */
export function estimateSecondsLeft(job: JobTiming, now: number = Date.now()): number | null {
  if (job.state !== 'active' || job.startedAt === null) {
    return null;
  }

  const fraction = job.progress.fraction;
  const elapsedSeconds = (now - new Date(job.startedAt).getTime()) / 1000;
  if (fraction < 0.01 || elapsedSeconds <= 0) {
    return null;
  }

  return Math.max(0, (elapsedSeconds * (1 - fraction)) / fraction);
}

/** Formats seconds as `1h 02m`, `3m 05s` or `42s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;

  if (hours > 0) {
    return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${String(rest).padStart(2, '0')}s`;
  }
  return `${rest}s`;
}
