import { Injectable, Logger } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { CaptureRepository } from '../captures/capture.repository';
import type { CaptureEntity } from '../entities/capture.entity';
import type { ClassificationResult, JobProgress } from '../entities/job.entity';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import { JobRepository } from '../jobs/job.repository';
import { ModelRepository } from '../models/model.repository';
import type { ClassificationJobData } from '../queue/queue.constants';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import { PermanentTrainingError } from '../training/training.errors';
import type { ProgressReporter } from '../training/training.pipeline';
import { classifyCaptureAsCsv, FlowClassification } from './capture-classification';
import { ClassificationRepository } from './classification.repository';
import { ClassificationResultRepository } from './classification-result.repository';

/** Flows classified between two progress reports, which `JobProgressReporter` writes at most once a second. */
const PROGRESS_EVERY_FLOWS = 1000;
/** Share of the job's `fraction` reached when every flow is classified; renaming the file and the summary follow. */
const CLASSIFYING_SHARE = 0.95;

/** A classification job that retrying cannot fix, such as a deleted capture; it fails without a retry. */
export class PermanentClassificationError extends PermanentTrainingError {}

/**
 * Runs a classification job in the worker: classifies every flow of the capture with the job's model version into
 * the job's CSV file, then marks the job completed with a summary. The file gets its final name before the job is
 * completed, and is removed again when a cancellation won the race, so a completed job always has its file.
 */
@Injectable()
export class ClassificationJobRunner {
  private readonly logger = new Logger(ClassificationJobRunner.name);

  constructor(
    private readonly models: ModelRepository,
    private readonly captures: CaptureRepository,
    private readonly tokens: ClassificationRepository,
    private readonly indexes: VectorIndexRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly results: ClassificationResultRepository,
    private readonly jobs: JobRepository,
  ) {}

  /** Returns whether the job completed; false when it was cancelled before the summary was stored. */
  async run(data: ClassificationJobData, report: ProgressReporter, signal: AbortSignal): Promise<boolean> {
    const { version, capture } = await this.loadInputs(data);
    const tally = new ClassificationTally(capture.flowCount);
    report('classifying', tally.progress());

    const rows = await this.classifyingStream(version, capture, data.k, tally, report, signal);
    const sizeBytes = await this.results.writePartial(data.jobId, rows, signal);
    report('saving', tally.progress());
    await this.results.publish(data.jobId);

    const result = tally.result(resultFileName(capture), sizeBytes);
    const completed = await this.jobs.transition(data.jobId, ['active'], {
      state: 'completed',
      phase: 'done',
      progress: { ...tally.progress(), fraction: 1 },
      result,
      finishedAt: new Date(),
    });
    if (!completed) {
      await this.results.remove(data.jobId);
      this.logger.log(`Job ${data.jobId} was cancelled while saving; its CSV file was removed`);
      return false;
    }

    this.logger.log(
      `Job ${data.jobId} completed: ${result.flows} flows of capture ${capture.id} classified with model ` +
        `${data.modelId} version ${version.version} (${result.known} known, ${result.unseen} unseen)`,
    );
    return true;
  }

  private async loadInputs(
    data: ClassificationJobData,
  ): Promise<{ version: ModelVersionEntity; capture: CaptureEntity }> {
    const version = await this.models.findVersionById(data.versionId);
    if (version?.status !== 'ready') {
      throw new PermanentClassificationError(
        `model version ${data.versionId} is ${version ? version.status : 'deleted'}, so it cannot classify`,
      );
    }

    const capture = await this.captures.findById(data.captureId);
    if (!capture) {
      throw new PermanentClassificationError(`capture ${data.captureId} was deleted before it was classified`);
    }

    return { version, capture };
  }

  private async classifyingStream(
    version: ModelVersionEntity,
    capture: CaptureEntity,
    k: number,
    tally: ClassificationTally,
    report: ProgressReporter,
    signal: AbortSignal,
  ) {
    const index = await this.indexes.read(this.artifacts.indexPath(version.id), version.definition.trainer.vectorSize);
    const tokens = await this.tokens.findAllLabelClasses(version.id);

    return classifyCaptureAsCsv({
      source: this.artifacts.openRead(this.artifacts.capturePath(capture.sha256.trim())),
      format: capture.format,
      tokenFields: version.definition.tokenFields,
      idOf: new Map(tokens.map((token) => [token.token, token.tokenId])),
      labelClassOf: (tokenId) => tokens[tokenId].labelClass,
      index,
      k,
      onFlow: (classification) => {
        tally.add(classification);
        if (tally.flows % PROGRESS_EVERY_FLOWS === 0) {
          report('classifying', tally.progress());
        }
      },
      onParsed: (summary) => tally.setRejectedRows(summary.rejected),
      signal,
    });
  }
}

/** Counts of a running classification, for progress and the final summary. */
class ClassificationTally {
  flows = 0;
  private known = 0;
  private rejectedRows = 0;
  private readonly labelClassCounts: ClassificationResult['labelClassCounts'] = {};

  constructor(private readonly flowsTotal: number) {}

  add({ status, labelClass }: FlowClassification): void {
    this.flows++;
    if (status === 'known') {
      this.known++;
    }
    if (labelClass !== null) {
      this.labelClassCounts[labelClass] = (this.labelClassCounts[labelClass] ?? 0) + 1;
    }
  }

  setRejectedRows(rejectedRows: number): void {
    this.rejectedRows = rejectedRows;
  }

  progress(): JobProgress {
    const done = this.flowsTotal > 0 ? Math.min(this.flows / this.flowsTotal, 1) : 1;
    return { fraction: done * CLASSIFYING_SHARE, flowsDone: this.flows, flowsTotal: this.flowsTotal };
  }

  result(fileName: string, sizeBytes: number): ClassificationResult {
    return {
      flows: this.flows,
      known: this.known,
      unseen: this.flows - this.known,
      rejectedRows: this.rejectedRows,
      labelClassCounts: { ...this.labelClassCounts },
      fileName,
      sizeBytes,
    };
  }
}

/**
 * Returns the name of the CSV download: the capture's file name without a `.gz` ending (the CSV is not compressed),
 * reduced to characters safe in a header, plus a suffix.
 */
function resultFileName(capture: CaptureEntity): string {
  return `${capture.fileName.replace(/\.gz$/i, '').replace(/[^\w.-]+/g, '_')}.classified.csv`;
}
