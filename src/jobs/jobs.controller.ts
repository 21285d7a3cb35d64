import { Controller, Get, Param } from '@nestjs/common';
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
}
