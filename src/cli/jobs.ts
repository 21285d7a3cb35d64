import { SingleBar } from 'cli-progress';
import type { JobResponseDto } from '../jobs/job.dto';
import { estimateSecondsLeft, formatDuration } from '../dashboard/job-time-left';
import { ApiClient } from './api-client';

/** A job as `GET /api/v1/jobs/:id` returns it, with dates as JSON strings. */
export type Job = Omit<JobResponseDto, 'createdAt' | 'startedAt' | 'finishedAt'> & {
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

/** How often `--wait` polls a job, in milliseconds. */
const WAIT_POLL_MS = 1000;

export const JOB_TABLE_HEADER = ['job', 'kind', 'model', 'state', 'phase', 'progress', 'detail', 'time left', 'error'];

/** Returns the cells of one job under JOB_TABLE_HEADER. */
export function jobRow(job: Job): string[] {
  const left = estimateSecondsLeft(job);
  return [
    job.id,
    job.kind,
    job.modelId,
    job.state,
    job.phase,
    `${Math.round(job.progress.fraction * 100)}%`,
    progressDetail(job),
    left === null ? '' : formatDuration(left),
    job.error ?? '',
  ];
}

/** Epoch and training speed of a training job, or flows done of a classification job; empty before either. */
function progressDetail(job: Job): string {
  const { progress } = job;
  if (progress.epoch !== undefined) {
    const speed =
      progress.wordsPerSecond === undefined ? '' : `, ${progress.wordsPerSecond.toLocaleString('en')} words/s`;
    return `epoch ${progress.epoch}/${progress.epochs}${speed}`;
  }
  if (progress.flowsTotal !== undefined) {
    return `${(progress.flowsDone ?? 0).toLocaleString('en')}/${progress.flowsTotal.toLocaleString('en')} flows`;
  }

  return '';
}

/** Polls the job until it ends, drawing its phase, progress and time left on stderr unless `quiet`. */
export async function waitForJob(client: ApiClient, jobId: string, quiet: boolean): Promise<Job> {
  const bar = quiet
    ? null
    : new SingleBar({
        format: '{phase} [{bar}] {percentage}% | {detail} | {left} left',
        noTTYOutput: true,
        notTTYSchedule: 1000,
      });
  bar?.start(100, 0, { phase: 'queued', detail: '-', left: '-' });

  try {
    for (;;) {
      const job = await client.get<Job>(`/jobs/${encodeURIComponent(jobId)}`);
      const left = estimateSecondsLeft(job);
      bar?.update(Math.round(job.progress.fraction * 100), {
        phase: job.phase.padEnd(11),
        detail: progressDetail(job) || '-',
        left: left === null ? '-' : formatDuration(left),
      });
      if (['completed', 'failed', 'cancelled'].includes(job.state)) {
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}
