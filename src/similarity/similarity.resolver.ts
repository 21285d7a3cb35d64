import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { SERVED_VERSION_ARG } from '../models/served-version.dto';
import {
  MostSimilarRequestDto,
  OddOneOutResponseDto,
  SimilarArgsDto,
  SimilarBatchItemDto,
  SimilarResponseDto,
  TokenRefDto,
  TokenResponseDto,
  TokenSimilarityResponseDto,
} from './similarity.dto';
import { SimilarityService } from './similarity.service';

/** GraphQL reads of similarity; arguments are validated by the same DTO rules as REST. */
@Resolver()
export class SimilarityResolver {
  constructor(private readonly similarity: SimilarityService) {}

  @Query(() => SimilarResponseDto, { description: 'The k tokens most similar to one token of a model' })
  similar(@Args() args: SimilarArgsDto): Promise<SimilarResponseDto> {
    const { modelId, token, version, ...settings } = args;
    return this.similarity.mostSimilar(modelId, { positive: [{ token }], ...settings }, version ?? undefined);
  }

  @Query(() => SimilarResponseDto, {
    description: 'Tokens most similar to positive minus negative tokens, flows and vectors, with filters',
  })
  mostSimilar(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('query') query: MostSimilarRequestDto,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<SimilarResponseDto> {
    return this.similarity.mostSimilar(modelId, query, version ?? undefined);
  }

  @Query(() => [SimilarBatchItemDto], {
    description: 'Up to 100 most-similar queries on one model version; a failing query gets an error in place',
  })
  mostSimilarBatch(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('queries', { type: () => [MostSimilarRequestDto] }) queries: MostSimilarRequestDto[],
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<SimilarBatchItemDto[]> {
    return this.similarity.mostSimilarBatch(modelId, queries, version ?? undefined);
  }

  @Query(() => TokenSimilarityResponseDto, { description: 'Cosine similarity of two tokens' })
  tokenSimilarity(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('a') a: string,
    @Args('b') b: string,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<TokenSimilarityResponseDto> {
    return this.similarity.similarity(modelId, a, b, version ?? undefined);
  }

  @Query(() => OddOneOutResponseDto, { description: 'The token that fits least with the others' })
  oddOneOut(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('tokens', { type: () => [String] }) tokens: string[],
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<OddOneOutResponseDto> {
    return this.similarity.oddOneOut(modelId, tokens, version ?? undefined);
  }

  @Query(() => TokenResponseDto, { description: "A token's count, label counts, label class and cluster" })
  token(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('token', { type: () => TokenRefDto }) token: TokenRefDto,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<TokenResponseDto> {
    return this.similarity.token(modelId, token, version ?? undefined);
  }
}
