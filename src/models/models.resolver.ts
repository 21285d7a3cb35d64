import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { ModelResponseDto } from './model.dto';
import { ModelsService } from './models.service';

@Resolver(() => ModelResponseDto)
export class ModelsResolver {
  constructor(private readonly modelsService: ModelsService) {}

  @Query(() => [ModelResponseDto], { description: 'Models, newest first' })
  async models(
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
  ): Promise<ModelResponseDto[]> {
    const [items] = await this.modelsService.list(Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    return items.map((item) => ModelResponseDto.from(item));
  }

  @Query(() => ModelResponseDto)
  async model(@Args('id', { type: () => ID }) id: string): Promise<ModelResponseDto> {
    return ModelResponseDto.from(await this.modelsService.get(id));
  }
}
