import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClassifyRequestDto, ClassifyResponseDto } from './classification.dto';
import { ClassificationService } from './classification.service';

@ApiTags('classification')
@Controller('models/:id')
export class ClassificationController {
  constructor(private readonly classification: ClassificationService) {}

  @Post('classify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Classify flows with a model',
    description:
      'Send flows as fields or as binetflow rows (exactly one). A flow whose token the model knows gets a label ' +
      'class by similarity-weighted vote of its nearest neighbours, with a confidence and the neighbours. An unseen ' +
      'flow gets a novelty score and the known tokens that share its destination or source. 409 when the model has ' +
      'no ready version.',
  })
  @ApiOkResponse({ type: ClassifyResponseDto })
  classify(@Param('id') id: string, @Body() request: ClassifyRequestDto): Promise<ClassifyResponseDto> {
    return this.classification.classify(id, request);
  }
}
