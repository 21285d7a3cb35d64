import { Args, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { SimilarResponseDto } from '../similarity/similarity.dto';
import { SimilarityService } from '../similarity/similarity.service';
import { DomainError } from '../common/domain-error';
import { ModelResponseDto, ModelVersionResponseDto } from './model.dto';
import { ModelsService } from './models.service';

@Resolver(() => ModelResponseDto)
export class ModelsResolver {
  constructor(
    private readonly modelsService: ModelsService,
    private readonly similarity: SimilarityService,
  ) {}

  @Query(() => [ModelResponseDto], { description: 'Models, newest first' })
  async models(
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
  ): Promise<ModelResponseDto[]> {
    const [items] = await this.modelsService.list(Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    return items.map(({ model, version }) => ModelResponseDto.from(model, version));
  }

  @Query(() => ModelResponseDto)
  async model(@Args('id', { type: () => ID }) id: string): Promise<ModelResponseDto> {
    const { model, version } = await this.modelsService.get(id);
    return ModelResponseDto.from(model, version);
  }

  @Query(() => [ModelVersionResponseDto], { description: 'Versions of a model, newest first' })
  async modelVersions(@Args('modelId', { type: () => ID }) modelId: string): Promise<ModelVersionResponseDto[]> {
    return (await this.modelsService.listVersions(modelId)).map((version) => ModelVersionResponseDto.from(version));
  }

  @Query(() => SimilarResponseDto, { description: 'The k tokens most similar to a token of a model' })
  similar(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('token') token: string,
    @Args('k', { type: () => Int, defaultValue: 10 }) k: number,
  ): Promise<SimilarResponseDto> {
    if (!Number.isInteger(k) || k < 1 || k > 1000) {
      throw new DomainError('INVALID_INPUT', `k must be an integer from 1 to 1000, got ${k}`);
    }

    return this.similarity.mostSimilar(modelId, token, k);
  }
}
