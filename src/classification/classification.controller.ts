import { Body, Controller, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { assertRequestRole, AuditWhen, RequireRole } from '../access/access-policy';
import type { AccessRequest } from '../access/access-request';
import { JobResponseDto } from '../jobs/job.dto';
import { ServedVersionQueryDto } from '../models/served-version.dto';
import { ClassifyRequestDto, ClassifyResponseDto } from './classification.dto';
import { ClassificationService } from './classification.service';

@ApiTags('classification')
@Controller('models/:id')
export class ClassificationController {
  constructor(private readonly classification: ClassificationService) {}

  // Classifying flows only reads the model, so a reader key may; queueing a capture job is a write.
  @Post('classify')
  @RequireRole('reader')
  @AuditWhen((request) => (request.body as Partial<ClassifyRequestDto> | undefined)?.captureId != null)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Classify flows with a model',
    description:
      'Send flows as fields, as binetflow rows, or a stored capture by captureId (exactly one). A flow whose token ' +
      'the model knows gets a label class by similarity-weighted vote of its nearest neighbours, with a confidence ' +
      'and the neighbours. An unseen flow gets a novelty score and the known tokens that share its destination or ' +
      'source. Flows and rows are answered at once (200). A capture is classified by a queued job (202 with the ' +
      'job): poll GET /api/v1/jobs/{id} and download the CSV from GET /api/v1/jobs/{id}/result.csv. 404 when the ' +
      'capture does not exist, 409 when the model has no ready version. The optional version query parameter names ' +
      'the model version to classify with (default: the newest ready one); 404 when the model has no such version, ' +
      '409 when it is not ready. Flows and rows need a reader key, a capture a writer key.',
  })
  @ApiOkResponse({ type: ClassifyResponseDto, description: 'The classified flows, for flows or rows' })
  @ApiAcceptedResponse({ type: JobResponseDto, description: 'The queued classification job, for captureId' })
  async classify(
    @Param('id') id: string,
    @Query() query: ServedVersionQueryDto,
    @Body() request: ClassifyRequestDto,
    @Req() httpRequest: AccessRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClassifyResponseDto | JobResponseDto> {
    if (request.captureId == null) {
      return this.classification.classify(id, request, query.version);
    }

    assertRequestRole(httpRequest, 'writer', 'Classifying a stored capture, which queues a job,');
    const job = await this.classification.startCaptureClassification(id, request, query.version);
    reply.status(HttpStatus.ACCEPTED);
    return JobResponseDto.from(job);
  }
}
