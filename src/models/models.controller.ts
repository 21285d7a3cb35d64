import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/pagination.dto';
import { JobResponseDto } from '../jobs/job.dto';
import { JobsService } from '../jobs/jobs.service';
import { SimilarQueryDto, SimilarResponseDto } from '../similarity/similarity.dto';
import { SimilarityService } from '../similarity/similarity.service';
import { ModelCreateDto, ModelResponseDto, ModelRetrainDto, ModelVersionResponseDto } from './model.dto';
import { VersionWithJob } from './model.repository';
import { ModelsService } from './models.service';

class ModelCreateResponseDto {
  @ApiProperty({ type: ModelResponseDto, description: 'The model as it serves now' }) model: ModelResponseDto;
  @ApiProperty({ type: ModelVersionResponseDto, description: 'The queued version' }) version: ModelVersionResponseDto;
  @ApiProperty({ type: JobResponseDto }) job: JobResponseDto;
}

class ModelPageDto {
  @ApiProperty({ type: [ModelResponseDto] }) items: ModelResponseDto[];
  @ApiProperty() total: number;
}

@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly jobs: JobsService,
    private readonly similarity: SimilarityService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Create a model and queue its training',
    description: 'Poll the returned job until its state is completed. 404 when a capture does not exist.',
  })
  @ApiAcceptedResponse({ type: ModelCreateResponseDto })
  async create(@Body() request: ModelCreateDto): Promise<ModelCreateResponseDto> {
    return this.createdResponse(await this.models.create(request));
  }

  @Get()
  @ApiOperation({ summary: 'List models, newest first' })
  @ApiOkResponse({ type: ModelPageDto })
  async list(@Query() page: PageQueryDto): Promise<ModelPageDto> {
    const [items, total] = await this.models.list(page.limit, page.offset);
    return { items: items.map(({ model, version }) => ModelResponseDto.from(model, version)), total };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Get a model as it serves',
    description: 'The fields describe its newest ready version, or its newest version while none is ready.',
  })
  @ApiOkResponse({ type: ModelResponseDto })
  async get(@Param('id') id: string): Promise<ModelResponseDto> {
    const { model, version } = await this.models.get(id);
    return ModelResponseDto.from(model, version);
  }

  @Post(':id/versions')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Retrain a model as a new version',
    description:
      'Settings left out are taken from the newest version. The current ready version keeps serving until the ' +
      'new one is ready.',
  })
  @ApiAcceptedResponse({ type: ModelCreateResponseDto })
  async retrain(@Param('id') id: string, @Body() request: ModelRetrainDto): Promise<ModelCreateResponseDto> {
    return this.createdResponse(await this.models.retrain(id, request));
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'List the versions of a model, newest first' })
  @ApiOkResponse({ type: [ModelVersionResponseDto] })
  async listVersions(@Param('id') id: string): Promise<ModelVersionResponseDto[]> {
    return (await this.models.listVersions(id)).map((version) => ModelVersionResponseDto.from(version));
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'Get one version of a model by its number' })
  @ApiOkResponse({ type: ModelVersionResponseDto })
  async getVersion(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
  ): Promise<ModelVersionResponseDto> {
    return ModelVersionResponseDto.from(await this.models.getVersion(id, version));
  }

  @Get(':id/jobs')
  @ApiOperation({ summary: 'List the training jobs of a model, newest first' })
  @ApiOkResponse({ type: [JobResponseDto] })
  async listJobs(@Param('id') id: string): Promise<JobResponseDto[]> {
    const { model } = await this.models.get(id);
    return (await this.jobs.listForModel(model.id)).map((job) => JobResponseDto.from(job));
  }

  @Get(':id/similar')
  @ApiOperation({
    summary: 'Most similar tokens by cosine similarity',
    description: '404 when the token is not in the vocabulary.',
  })
  @ApiOkResponse({ type: SimilarResponseDto })
  similar(@Param('id') id: string, @Query() query: SimilarQueryDto): Promise<SimilarResponseDto> {
    return this.similarity.mostSimilar(id, query.token, query.k);
  }

  private async createdResponse({ version, job }: VersionWithJob): Promise<ModelCreateResponseDto> {
    const shown = await this.models.get(version.modelId);
    return {
      model: ModelResponseDto.from(shown.model, shown.version),
      version: ModelVersionResponseDto.from(version),
      job: JobResponseDto.from(job),
    };
  }
}
