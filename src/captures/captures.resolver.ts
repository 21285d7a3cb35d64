import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { CaptureResponseDto } from './capture.dto';
import { CapturesService } from './captures.service';

@Resolver(() => CaptureResponseDto)
export class CapturesResolver {
  constructor(private readonly capturesService: CapturesService) {}

  @Query(() => [CaptureResponseDto], { description: 'Captures, newest first' })
  async captures(
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
  ): Promise<CaptureResponseDto[]> {
    const [items] = await this.capturesService.list(Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    return items.map((item) => CaptureResponseDto.from(item));
  }

  @Query(() => CaptureResponseDto)
  async capture(@Args('id', { type: () => ID }) id: string): Promise<CaptureResponseDto> {
    return CaptureResponseDto.from(await this.capturesService.get(id));
  }
}
