import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JobResponseDto } from './job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Get a job with its state, phase and progress' })
  @ApiOkResponse({ type: JobResponseDto })
  async get(@Param('id') id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a queued or running job',
    description:
      'The job and its model version become cancelled at once; a running training stops within seconds and its ' +
      'files are removed. The versions that were ready keep serving. 409 when the job has already finished.',
  })
  @ApiOkResponse({ type: JobResponseDto })
  async cancel(@Param('id') id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.cancel(id));
  }
}
