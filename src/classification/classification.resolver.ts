import { Args, ID, Int, Mutation, Resolver } from '@nestjs/graphql';
import { RequireRole } from '../access/access-policy';
import { DomainError } from '../common/domain-error';
import { JobResponseDto } from '../jobs/job.dto';
import { SERVED_VERSION_ARG } from '../models/served-version.dto';
import { ClassifyResponseDto, FlowFieldsDto, MAX_CLASSIFY_FLOWS } from './classification.dto';
import { ClassificationService } from './classification.service';

@Resolver(() => ClassifyResponseDto)
export class ClassificationResolver {
  constructor(private readonly classification: ClassificationService) {}

  // A mutation by GraphQL's request shape, but it only reads the model, so a reader key may run it.
  @Mutation(() => ClassifyResponseDto, { description: 'Classify flows, given as fields or as binetflow rows' })
  @RequireRole('reader')
  classify(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('flows', { type: () => [FlowFieldsDto], nullable: true }) flows: FlowFieldsDto[] | null,
    @Args('rows', { type: () => String, nullable: true }) rows: string | null,
    @Args('k', { type: () => Int, defaultValue: 10 }) k: number,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<ClassifyResponseDto> {
    checkK(k);
    if (flows && flows.length > MAX_CLASSIFY_FLOWS) {
      throw new DomainError('INVALID_INPUT', `flows has ${flows.length} items, more than ${MAX_CLASSIFY_FLOWS}`);
    }

    const request = { flows: flows ?? undefined, rows: rows ?? undefined, k };
    return this.classification.classify(modelId, request, version ?? undefined);
  }

  @Mutation(() => JobResponseDto, {
    description:
      'Queue a job that classifies every flow of a stored capture; poll it with the job query and download its ' +
      'CSV from GET /api/v1/jobs/{id}/result.csv once completed',
  })
  async classifyCapture(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('captureId', { type: () => ID }) captureId: string,
    @Args('k', { type: () => Int, defaultValue: 10 }) k: number,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<JobResponseDto> {
    checkK(k);

    const job = await this.classification.startCaptureClassification(modelId, { captureId, k }, version ?? undefined);
    return JobResponseDto.from(job);
  }
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 100) {
    throw new DomainError('INVALID_INPUT', `k must be an integer from 1 to 100, got ${k}`);
  }
}
