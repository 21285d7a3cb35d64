import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  MostSimilarBatchRequestDto,
  MostSimilarBatchResponseDto,
  MostSimilarRequestDto,
  OddOneOutRequestDto,
  OddOneOutResponseDto,
  SimilarQueryDto,
  SimilarResponseDto,
  TokenResponseDto,
  TokenSimilarityQueryDto,
  TokenSimilarityResponseDto,
} from './similarity.dto';
import { RequireRole } from '../access/access-policy';
import { ServedVersionQueryDto } from '../models/served-version.dto';
import { SimilarityService } from './similarity.service';

const UNKNOWN_TOKEN =
  '404 when a token is not in the vocabulary; the message says whether it was never seen or cut by minCount. ' +
  'The optional version query parameter names the model version to query (default: the newest ready one); 404 ' +
  'when the model has no such version, 409 when it is not ready.';

/**
 * Every route here reads, including the POST ones, which take their query in the body; a reader key may use them.
 * Each route takes an optional `version` query parameter that names the model version to query.
 */
@ApiTags('similarity')
@RequireRole('reader')
@Controller('models/:id')
@ApiParam({ name: 'id', description: 'Model id' })
export class SimilarityController {
  constructor(private readonly similarity: SimilarityService) {}

  @Get('similar')
  @ApiOperation({
    summary: 'Tokens most similar to one token',
    description: `Filters are optional query parameters; k counts the tokens that pass them. ${UNKNOWN_TOKEN}`,
  })
  @ApiOkResponse({ type: SimilarResponseDto })
  similar(@Param('id') id: string, @Query() query: SimilarQueryDto): Promise<SimilarResponseDto> {
    const { token, k, ef, exact, minScore, version, ...filter } = query;
    return this.similarity.mostSimilar(id, { positive: [{ token }], k, ef, exact, minScore, filter }, version);
  }

  @Post('similar')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Tokens most similar to a combination of tokens, flows and vectors',
    description: `Positive unit vectors are added and negative ones subtracted, as gensim's most_similar does. ${UNKNOWN_TOKEN}`,
  })
  @ApiOkResponse({ type: SimilarResponseDto })
  mostSimilar(
    @Param('id') id: string,
    @Query() query: ServedVersionQueryDto,
    @Body() request: MostSimilarRequestDto,
  ): Promise<SimilarResponseDto> {
    return this.similarity.mostSimilar(id, request, query.version);
  }

  @Post('similar/batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Up to 100 most-similar queries in one request',
    description:
      'Each result is at the position of its query; a failing query gets an error there instead. Every query runs ' +
      'on one model version: the one named by the optional version query parameter, or else the newest ready one.',
  })
  @ApiOkResponse({ type: MostSimilarBatchResponseDto })
  async mostSimilarBatch(
    @Param('id') id: string,
    @Query() query: ServedVersionQueryDto,
    @Body() request: MostSimilarBatchRequestDto,
  ): Promise<MostSimilarBatchResponseDto> {
    return { results: await this.similarity.mostSimilarBatch(id, request.queries, query.version) };
  }

  @Get('similarity')
  @ApiOperation({ summary: 'Cosine similarity of two tokens', description: UNKNOWN_TOKEN })
  @ApiOkResponse({ type: TokenSimilarityResponseDto })
  tokenSimilarity(
    @Param('id') id: string,
    @Query() query: TokenSimilarityQueryDto,
  ): Promise<TokenSimilarityResponseDto> {
    return this.similarity.similarity(id, query.a, query.b, query.version);
  }

  @Post('odd-one-out')
  @HttpCode(200)
  @ApiOperation({ summary: 'The token that fits least with the others', description: UNKNOWN_TOKEN })
  @ApiOkResponse({ type: OddOneOutResponseDto })
  oddOneOut(
    @Param('id') id: string,
    @Query() query: ServedVersionQueryDto,
    @Body() request: OddOneOutRequestDto,
  ): Promise<OddOneOutResponseDto> {
    return this.similarity.oddOneOut(id, request.tokens, query.version);
  }

  @Get('tokens/:token')
  @ApiOperation({ summary: "A token's count, label counts, label class and cluster", description: UNKNOWN_TOKEN })
  @ApiParam({ name: 'token', description: 'The token, URL-encoded', example: '147.32.84.165|147.32.80.9|53|udp' })
  @ApiOkResponse({ type: TokenResponseDto })
  token(
    @Param('id') id: string,
    @Param('token') token: string,
    @Query() query: ServedVersionQueryDto,
  ): Promise<TokenResponseDto> {
    return this.similarity.token(id, token, query.version);
  }
}
