import { Body, Controller, Get, HttpCode, Param, Post, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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

  @Get('captures/:captureId/classification.csv')
  @ApiOperation({
    summary: 'Classify every flow of a stored capture, as CSV',
    description:
      'Streams one row per flow in file order: line, token, status (known or unseen), labelClass and confidence ' +
      'by neighbour vote (empty when unseen), and the capture label. Send an unseen flow to classify for its ' +
      'novelty and evidence. 404 when the capture does not exist, 409 when the model has no ready version.',
  })
  @ApiProduces('text/csv')
  async classifyCapture(
    @Param('id') id: string,
    @Param('captureId') captureId: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const { stream, fileName } = await this.classification.classifyCapture(id, captureId);
    response.setHeader('content-type', 'text/csv; charset=utf-8');
    response.setHeader('content-disposition', `attachment; filename="${fileName}"`);
    return new StreamableFile(stream);
  }
}
