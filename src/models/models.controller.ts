import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/pagination.dto';
import { JobResponseDto } from '../jobs/job.dto';
import { ModelCreateDto, ModelResponseDto } from './model.dto';
import { ModelsService } from './models.service';

class ModelCreateResponseDto {
  @ApiProperty({ type: ModelResponseDto }) model: ModelResponseDto;
  @ApiProperty({ type: JobResponseDto }) job: JobResponseDto;
}

class ModelPageDto {
  @ApiProperty({ type: [ModelResponseDto] }) items: ModelResponseDto[];
  @ApiProperty() total: number;
}

@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Create a model and queue its training',
    description: 'Poll the returned job until its state is completed.',
  })
  @ApiAcceptedResponse({ type: ModelCreateResponseDto })
  async create(@Body() request: ModelCreateDto): Promise<ModelCreateResponseDto> {
    const { model, job } = await this.models.create(request);
    return { model: ModelResponseDto.from(model), job: JobResponseDto.from(job) };
  }

  @Get()
  @ApiOperation({ summary: 'List models, newest first' })
  @ApiOkResponse({ type: ModelPageDto })
  async list(@Query() page: PageQueryDto): Promise<ModelPageDto> {
    const [items, total] = await this.models.list(page.limit, page.offset);
    return { items: items.map((item) => ModelResponseDto.from(item)), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a model with its settings and training results' })
  @ApiOkResponse({ type: ModelResponseDto })
  async get(@Param('id') id: string): Promise<ModelResponseDto> {
    return ModelResponseDto.from(await this.models.get(id));
  }
}
