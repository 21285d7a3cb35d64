import { Injectable, Logger } from '@nestjs/common';
import { CaptureRepository } from '../captures/capture.repository';
import { isUuid } from '../common/uuid';
import { CaptureFormatError, CaptureLimitError } from '../captures/capture-parse.errors';
import { parseCaptureBuffer } from '../captures/capture-parser';
import type { Flow } from '../captures/flow.types';
import { DomainError } from '../common/domain-error';
import type { JobEntity } from '../entities/job.entity';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import type { TokenEntity } from '../entities/token.entity';
import { JobRepository } from '../jobs/job.repository';
import type { TokenField } from '../models/model-definition';
import { ModelsService } from '../models/models.service';
import { QueueRepository } from '../queue/queue.repository';
import { ModelServingService } from '../similarity/model-serving.service';
import type { ServedVersionKind } from '../similarity/serving-model.cache';
import type { VectorIndex } from '../similarity/vector-index.repository';
import { formatToken } from '../training/token-format';
import {
  ClassifiedFlowDto,
  ClassifyEvidenceDto,
  ClassifyRequestDto,
  ClassifyResponseDto,
  FlowFieldsDto,
  MAX_CLASSIFY_FLOWS,
} from './classification.dto';
import { ClassificationRepository, FieldMatch } from './classification.repository';
import { DEFAULT_VOTING_NEIGHBOURS, nearestNeighbours, voteOf } from './token-classifier';

/** Known tokens returned as evidence per field group of an unseen flow. */
const EVIDENCE_PER_GROUP = 5;
/** Fields that name the source of a flow; the remaining token fields name its destination service. */
const SOURCE_FIELDS: readonly TokenField[] = ['srcAddr', 'sport'];

/** Fields of a classify request that carry the flows; a request has exactly one of them. */
const FLOW_SOURCES = ['flows', 'rows', 'captureId'] as const;

/**
 * Classifies flows with a model: known tokens by neighbour vote, unseen ones by novelty and evidence. Flows sent in
 * the request are classified at once; a stored capture is classified by a queued job.
 */
@Injectable()
export class ClassificationService {
  private readonly logger = new Logger(ClassificationService.name);

  constructor(
    private readonly models: ModelsService,
    private readonly captures: CaptureRepository,
    private readonly tokens: ClassificationRepository,
    private readonly serving: ModelServingService,
    private readonly jobs: JobRepository,
    private readonly queue: QueueRepository,
  ) {}

  /**
   * Classifies the flows or rows of a request at once, with the model version numbered `versionNumber` or else the
   * newest ready one. A request with `captureId` is for `startCaptureClassification`.
   */
  async classify(
    modelId: string,
    request: Omit<ClassifyRequestDto, 'captureId'>,
    versionNumber?: number,
  ): Promise<ClassifyResponseDto> {
    checkOneFlowSource(request);
    const version = await this.resolveClassifyingVersion(modelId, versionNumber);

    const { flows, rejectedRows } = await readRequestFlows(request);
    const fields = version.definition.tokenFields;
    const tokenStrings = flows.map((flow) => formatToken(flow, fields));
    const known = new Map(
      (await this.tokens.findByTokens(version.id, [...new Set(tokenStrings)])).map((token) => [token.token, token]),
    );

    const kind = versionNumber === undefined ? 'newest' : 'named';
    const index = known.size > 0 ? await this.loadIndex(version, kind) : null;
    const results: ClassifiedFlowDto[] = [];
    for (const [position, token] of tokenStrings.entries()) {
      const entity = known.get(token);
      results.push(
        entity && index
          ? await this.classifyKnown(version, index, position, entity, request.k ?? DEFAULT_VOTING_NEIGHBOURS)
          : await this.describeUnseen(version, position, token, fields),
      );
    }

    return { versionId: version.id, flows: results, rejectedRows };
  }

  /**
   * Queues a job that classifies every flow of a stored capture into a CSV file (see `ClassificationJobRunner`), with
   * the model version numbered `versionNumber` or else the newest ready one. The model and capture are checked
   * first, so nothing is queued when either is missing.
   */
  async startCaptureClassification(
    modelId: string,
    request: ClassifyRequestDto,
    versionNumber?: number,
  ): Promise<JobEntity> {
    checkOneFlowSource(request);
    const captureId = request.captureId!;
    const version = await this.resolveClassifyingVersion(modelId, versionNumber);
    const capture = isUuid(captureId) ? await this.captures.findById(captureId) : null;
    if (!capture) {
      throw new DomainError('CAPTURE_NOT_FOUND', `Capture ${captureId} not found; upload it first or fix captureId`);
    }

    const k = request.k ?? DEFAULT_VOTING_NEIGHBOURS;
    const fields = { modelId: version.modelId, versionId: version.id, captureId: capture.id, k };
    const job = await this.jobs.createClassification(fields, capture.flowCount);
    try {
      await this.queue.enqueueClassification({ jobId: job.id, ...fields });
    } catch (error) {
      // A job that never reached the queue would stay queued until the reconciler finds it, so it is removed.
      await this.jobs.delete(job.id);
      throw error;
    }

    this.logger.log(
      `Job ${job.id} queued to classify capture ${capture.id} with model ${modelId} version ${version.version}`,
    );
    return job;
  }

  private async resolveClassifyingVersion(modelId: string, versionNumber?: number): Promise<ModelVersionEntity> {
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    if (version.definition.includeLabel) {
      throw new DomainError(
        'INVALID_INPUT',
        `Model ${modelId} has each flow's label inside its tokens, so it cannot classify flows; use a model ` +
          'trained with includeLabel false',
      );
    }

    return version;
  }

  /** Returns the index of the version that `resolveClassifyingVersion` picked, from the serving cache. */
  private async loadIndex(version: ModelVersionEntity, kind: ServedVersionKind): Promise<VectorIndex> {
    return (await this.serving.getResolved(version, kind)).index;
  }

  private async classifyKnown(
    version: ModelVersionEntity,
    index: VectorIndex,
    position: number,
    entity: TokenEntity,
    k: number,
  ): Promise<ClassifiedFlowDto> {
    const neighbours = nearestNeighbours(index, entity.tokenId, k);
    const details = new Map(
      (
        await this.tokens.findByIds(
          version.id,
          neighbours.map((neighbour) => neighbour.tokenId),
        )
      ).map((token) => [token.tokenId, token]),
    );
    const vote = voteOf(
      neighbours.map((neighbour) => ({ ...neighbour, labelClass: details.get(neighbour.tokenId)!.labelClass })),
    );

    return {
      index: position,
      token: entity.token,
      status: 'known',
      labelClass: vote?.labelClass ?? null,
      confidence: vote?.confidence ?? null,
      novelty: null,
      neighbours: (vote?.neighbours ?? []).map((neighbour) => ({
        token: details.get(neighbour.tokenId)!.token,
        labelClass: neighbour.labelClass,
        similarity: neighbour.similarity,
      })),
      evidence: [],
    };
  }

  private async describeUnseen(
    version: ModelVersionEntity,
    position: number,
    token: string,
    fields: readonly TokenField[],
  ): Promise<ClassifiedFlowDto> {
    const values = token.split('|');
    const matchesOf = (group: TokenField[]): FieldMatch[] =>
      group.map((field) => ({ position: fields.indexOf(field) + 1, value: values[fields.indexOf(field)] }));
    const destinationFields = fields.filter((field) => !SOURCE_FIELDS.includes(field));
    const sourceFields = fields.includes('srcAddr') ? (['srcAddr'] as TokenField[]) : [];

    const evidence = new Map<string, ClassifyEvidenceDto>();
    for (const group of [destinationFields, sourceFields]) {
      if (group.length === 0 || group.length === fields.length) {
        continue;
      }

      for (const found of await this.tokens.findSharingFields(version.id, matchesOf(group), EVIDENCE_PER_GROUP)) {
        const foundValues = found.token.split('|');
        evidence.set(found.token, {
          token: found.token,
          labelClass: found.labelClass,
          count: found.count,
          sharedFields: fields.filter((field, i) => foundValues[i] === values[i]),
        });
      }
    }

    const bestShared = Math.max(0, ...[...evidence.values()].map((item) => item.sharedFields.length));
    return {
      index: position,
      token,
      status: 'unseen',
      labelClass: null,
      confidence: null,
      novelty: 1 - bestShared / fields.length,
      neighbours: [],
      evidence: [...evidence.values()],
    };
  }
}

/** Throws INVALID_INPUT, naming the fields sent, unless the request has exactly one of flows, rows and captureId. */
function checkOneFlowSource(request: Partial<Pick<ClassifyRequestDto, (typeof FLOW_SOURCES)[number]>>): void {
  const sent = FLOW_SOURCES.filter((field) => request[field] != null);
  if (sent.length !== 1) {
    throw new DomainError(
      'INVALID_INPUT',
      'Send exactly one of flows (an array of flow fields), rows (binetflow text) or captureId (a stored capture, ' +
        `classified by a job); the request has ${sent.length === 0 ? 'none of them' : sent.join(' and ')}`,
    );
  }
}

/** Returns the request's flows, from fields or from binetflow rows, whichever it has. */
async function readRequestFlows(
  request: Omit<ClassifyRequestDto, 'captureId'>,
): Promise<{ flows: Flow[]; rejectedRows: number }> {
  if (request.flows) {
    return { flows: request.flows.map(flowOfFields), rejectedRows: 0 };
  }

  try {
    const { summary, flows } = await parseCaptureBuffer(request.rows!, { format: 'binetflow' });
    if (flows.length > MAX_CLASSIFY_FLOWS) {
      throw new DomainError(
        'INVALID_INPUT',
        `rows has ${flows.length} flows, more than ${MAX_CLASSIFY_FLOWS}; upload the file as a capture instead`,
      );
    }

    return { flows: flows.map(({ flow }) => flow), rejectedRows: summary.rejected };
  } catch (error) {
    if (error instanceof CaptureFormatError || error instanceof CaptureLimitError) {
      throw new DomainError('INVALID_INPUT', `rows is not a readable binetflow capture: ${error.message}`);
    }
    throw error;
  }
}

function flowOfFields(fields: FlowFieldsDto): Flow {
  return {
    startTime: null,
    srcAddr: fields.srcAddr.trim(),
    sport: fields.sport?.trim() ?? '',
    dstAddr: fields.dstAddr.trim(),
    dport: fields.dport?.trim() ?? '',
    proto: fields.proto.trim().toLowerCase(),
    state: fields.state?.trim() ?? '',
    label: null,
  };
}
