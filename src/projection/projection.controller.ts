import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServedVersionQueryDto } from '../models/served-version.dto';
import { ProjectionResponseDto } from './projection.dto';
import { ProjectionService } from './projection.service';

@ApiTags('models')
@Controller('models')
export class ProjectionController {
  constructor(private readonly projections: ProjectionService) {}

  @Get(':id/projection')
  @ApiOperation({
    summary: 'The 2-D map of a model',
    description:
      'UMAP layout of the most frequent tokens, computed by the worker after training, with each token’s k-means ' +
      'cluster. 409 while the model (or the version named by the optional version query parameter) is not ready, ' +
      '404 when the model has no such version or no map.',
  })
  @ApiOkResponse({ type: ProjectionResponseDto })
  get(@Param('id') id: string, @Query() query: ServedVersionQueryDto): Promise<ProjectionResponseDto> {
    return this.projections.get(id, query.version);
  }
}
