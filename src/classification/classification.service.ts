import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { CaptureRepository } from '../captures/capture.repository';
import { isUuid } from '../common/uuid';
import { classifyCaptureAsCsv } from './capture-classification';
import { CaptureFormatError, CaptureLimitError } from '../captures/capture-parse.errors';
import { parseCaptureBuffer } from '../captures/capture-parser';
import type { Flow } from '../captures/flow.types';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import type { TokenEntity } from '../entities/token.entity';
import type { TokenField } from '../models/model-definition';
import { ModelsService } from '../models/models.service';
import { ModelServingService } from '../similarity/model-serving.service';
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

/** Classifies flows with a model: known tokens by neighbour vote, unseen ones by novelty and evidence. */
@Injectable()
export class ClassificationService {
  constructor(
    private readonly models: ModelsService,
    private readonly captures: CaptureRepository,
    private readonly tokens: ClassificationRepository,
    private readonly serving: ModelServingService,
    private readonly artifacts: ArtifactRepository,
  ) {}

  async classify(modelId: string, request: ClassifyRequestDto): Promise<ClassifyResponseDto> {
    const version = await this.resolveClassifyingVersion(modelId);

    const { flows, rejectedRows } = await readRequestFlows(request);
    const fields = version.definition.tokenFields;
    const tokenStrings = flows.map((flow) => formatToken(flow, fields));
    const known = new Map(
      (await this.tokens.findByTokens(version.id, [...new Set(tokenStrings)])).map((token) => [token.token, token]),
    );

    const index = known.size > 0 ? await this.loadIndex(version) : null;
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
   * Classifies every flow of a stored capture and returns the CSV stream (see `classifyCaptureAsCsv`). The model,
   * capture and index are checked before the stream starts, so those failures reach the client as errors.
   * NOTE: this runs in the API process for the length of the request, not as a queued job, so a client that
   * disconnects loses the result and a capture of millions of flows keeps one request open for minutes.
   */
  async classifyCapture(modelId: string, captureId: string): Promise<{ stream: Readable; fileName: string }> {
    const version = await this.resolveClassifyingVersion(modelId);
    const capture = isUuid(captureId) ? await this.captures.findById(captureId) : null;
    if (!capture) {
      throw new DomainError('CAPTURE_NOT_FOUND', `Capture ${captureId} not found`);
    }

    const index = await this.loadIndex(version);
    const tokens = await this.tokens.findAllLabelClasses(version.id);
    const stream = classifyCaptureAsCsv({
      source: this.artifacts.openRead(this.artifacts.capturePath(capture.sha256.trim())),
      format: capture.format,
      tokenFields: version.definition.tokenFields,
      idOf: new Map(tokens.map((token) => [token.token, token.tokenId])),
      labelClassOf: (tokenId) => tokens[tokenId].labelClass,
      index,
      description: `capture ${capture.id} with model ${modelId} version ${version.version}`,
    });

    return { stream, fileName: `${capture.fileName.replace(/[^\w.-]+/g, '_')}.classified.csv` };
  }

  private async resolveClassifyingVersion(modelId: string): Promise<ModelVersionEntity> {
    const version = await this.models.resolveServingVersion(modelId);
    if (version.definition.includeLabel) {
      throw new DomainError(
        'INVALID_INPUT',
        `Model ${modelId} has each flow's label inside its tokens, so it cannot classify flows; use a model ` +
          'trained with includeLabel false',
      );
    }

    return version;
  }

  /** Returns the index of the newest ready version, the one `resolveClassifyingVersion` picked, from the serving cache. */
  private async loadIndex(version: ModelVersionEntity): Promise<VectorIndex> {
    return (await this.serving.get(version.modelId)).index;
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

/** Returns the request's flows, from fields or from binetflow rows (exactly one of the two). */
async function readRequestFlows(request: ClassifyRequestDto): Promise<{ flows: Flow[]; rejectedRows: number }> {
  if ((request.flows === undefined) === (request.rows === undefined)) {
    throw new DomainError('INVALID_INPUT', 'Send exactly one of flows (an array of flow fields) or rows (binetflow)');
  }

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
