import { Controller, Get, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STREAMED_BODY } from '../access/http-security';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { createValidationPipe } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { ModelResponseDto } from '../models/model.dto';
import { InterchangeService } from './interchange.service';
import { receiveMultipartFile } from './multipart-file';
import type { Word2VecFormat } from './word2vec-format';

const FORMATS = ['text', 'binary'];

export class VectorExportQueryDto {
  @ApiPropertyOptional({ enum: FORMATS, default: 'text', description: 'word2vec text or binary format' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: Word2VecFormat;

  @ApiPropertyOptional({ minimum: 1, description: 'Version number. Default: the newest ready version' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

/** The form fields of an import besides the file. */
export class VectorImportFieldsDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'Model name. Default: the file name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: FORMATS, description: 'Default: detected from the bytes after the header' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: Word2VecFormat;
}

class VectorImportDto extends VectorImportFieldsDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'word2vec file, text or binary' }) file: unknown;
}

@ApiTags('models')
@Controller('models')
export class InterchangeController {
  constructor(
    private readonly interchange: InterchangeService,
    private readonly artifacts: ArtifactRepository,
    private readonly config: AppConfig,
  ) {}

  @Get(':id/vectors')
  @ApiOperation({
    summary: 'Download the vectors of a model in word2vec format',
    description:
      'Streams a file that gensim reads with `KeyedVectors.load_word2vec_format(path, binary=...)`. Tokens come ' +
      'in vocabulary order, most frequent first. 409 when the model (or the named version) is not ready.',
  })
  @ApiProduces('text/plain', 'application/octet-stream')
  async exportVectors(
    @Param('id') id: string,
    @Query() query: VectorExportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const exported = await this.interchange.exportVectors(id, query.format ?? 'text', query.version);
    reply.header('content-type', exported.contentType);
    reply.header('content-disposition', `attachment; filename="${exported.fileName}"`);
    return new StreamableFile(exported.stream);
  }

  @Post('import')
  @STREAMED_BODY()
  @ApiOperation({
    summary: 'Create a ready model from a word2vec file',
    description:
      'Accepts the text or binary word2vec format, for example from gensim `save_word2vec_format`. Tokens get ' +
      'count 0 and no labels. 422 when the file is not a valid word2vec file.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: VectorImportDto })
  @ApiCreatedResponse({ type: ModelResponseDto })
  async importVectors(@Req() request: FastifyRequest): Promise<ModelResponseDto> {
    // The file goes to the artifact tmp folder on disk, never into memory; importVectors removes it.
    const file = await receiveMultipartFile(request.raw, {
      field: 'file',
      targetPath: this.artifacts.temporaryPath('.word2vec'),
      maxBytes: this.config.MAX_UPLOAD_BYTES,
      maxBytesSetting: 'MAX_UPLOAD_BYTES',
      maxFields: 10,
      idleTimeoutMs: this.config.UPLOAD_IDLE_TIMEOUT_MS,
    });
    let fields: VectorImportFieldsDto;
    try {
      fields = await createValidationPipe().transform(file.fields, { type: 'body', metatype: VectorImportFieldsDto });
    } catch (error) {
      await this.artifacts.remove(file.path);
      throw error;
    }

    const name = fields.name ?? (file.fileName.slice(0, 200) || 'imported vectors');
    const { model, version } = await this.interchange.importVectors(file.path, name, fields.format);
    return ModelResponseDto.from(model, version);
  }
}
