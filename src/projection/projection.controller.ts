import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
      'cluster. 409 while the model is not ready, 404 when the model has no map.',
  })
  @ApiOkResponse({ type: ProjectionResponseDto })
  get(@Param('id') id: string): Promise<ProjectionResponseDto> {
    return this.projections.get(id);
  }
}
