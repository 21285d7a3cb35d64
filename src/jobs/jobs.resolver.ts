import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { JobResponseDto } from './job.dto';
import { JobsService } from './jobs.service';

@Resolver(() => JobResponseDto)
export class JobsResolver {
  constructor(private readonly jobs: JobsService) {}

  @Query(() => JobResponseDto)
  async job(@Args('id', { type: () => ID }) id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.get(id));
  }

  @Mutation(() => JobResponseDto, { description: 'Cancel a queued or running job' })
  async cancelJob(@Args('id', { type: () => ID }) id: string): Promise<JobResponseDto> {
    return JobResponseDto.from(await this.jobs.cancel(id));
  }
}
