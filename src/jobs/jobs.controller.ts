import { Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PageQueryDto } from '../common/pagination.dto';
import { JobResponseDto } from './job.dto';
import { JobsService } from './jobs.service';

class JobPageDto {
  @ApiProperty({ type: [JobResponseDto] }) items: JobResponseDto[];
  @ApiProperty() total: number;
}

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'List jobs, newest first' })
  @ApiOkResponse({ type: JobPageDto })
  async list(@Query() page: PageQueryDto): Promise<JobPageDto> {
    const [items, total] = await this.jobs.list(page.limit, page.offset);
    return { items: items.map((item) => JobResponseDto.from(item)), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a job with its state, phase and progress' })
  @ApiOkResponse({ type: JobResponseDto })
  async get(@Param('id') id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.get(id));
  }

  @Get(':id/result.csv')
  @ApiOperation({
    summary: 'Download the CSV of a completed classification job',
    description:
      'One row per flow of the capture in file order: line, token, status (known or unseen), labelClass and ' +
      'confidence by neighbour vote (empty when unseen), and the capture label. Classify an unseen flow through ' +
      'POST /api/v1/models/{id}/classify for its novelty and evidence. 404 for an unknown job, 409 for a training ' +
      'job or a job that has not completed.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The CSV file', schema: { type: 'string' } })
  async result(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const { stream, fileName, sizeBytes } = await this.jobs.openResult(id);
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-length', String(sizeBytes));
    reply.header('content-disposition', `attachment; filename="${fileName}"`);
    return new StreamableFile(stream);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a queued or running job',
    description:
      'The job, and the model version of a training job, become cancelled at once; a running job stops within ' +
      'seconds and its files are removed. The versions that were ready keep serving. 409 when the job has ' +
      'already finished.',
  })
  @ApiOkResponse({ type: JobResponseDto })
  async cancel(@Param('id') id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.cancel(id));
  }
}
