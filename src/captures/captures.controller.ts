import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STREAMED_BODY } from '../access/http-security';
import { PageQueryDto } from '../common/pagination.dto';
import { AppConfig } from '../config/app-config';
import { CaptureResponseDto } from './capture.dto';
import { openCaptureUpload } from './capture-upload';
import { CapturesService } from './captures.service';
import { CAPTURE_FORMATS, CaptureFormat } from './flow.types';

class CaptureUploadDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'Argus .binetflow CSV or Zeek conn.log, plain or gzip',
  })
  file: unknown;
}

class CaptureUploadQueryDto {
  @ApiPropertyOptional({
    enum: CAPTURE_FORMATS,
    description: 'Format of the capture; detected from the content when absent',
  })
  @IsOptional()
  @IsIn(CAPTURE_FORMATS)
  format?: CaptureFormat;

  @ApiPropertyOptional({
    description: 'File name to record for a raw (non-multipart) upload',
    example: 'capture20110816.binetflow',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}

class CapturePageDto {
  @ApiProperty({ type: [CaptureResponseDto] }) items: CaptureResponseDto[];
  @ApiProperty() total: number;
}

@ApiTags('captures')
@Controller('captures')
export class CapturesController {
  constructor(
    private readonly captures: CapturesService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @STREAMED_BODY()
  @ApiOperation({
    summary: 'Upload a capture',
    description:
      'Send multipart/form-data with the capture in field "file", or the capture itself as the body ' +
      '(text/csv, application/gzip, or any of them with Content-Encoding: gzip). Returns 201 with a new capture, ' +
      'or 200 with the existing one when the same bytes were uploaded before. 413 above the size or ' +
      'decompression-ratio limit, 408 when the upload stalls, 422 when the file is not a readable capture.',
  })
  @ApiConsumes('multipart/form-data', 'text/csv', 'application/gzip')
  @ApiBody({ type: CaptureUploadDto })
  @ApiCreatedResponse({ type: CaptureResponseDto })
  @ApiOkResponse({ type: CaptureResponseDto })
  async upload(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: CaptureUploadQueryDto,
  ): Promise<CaptureResponseDto> {
    try {
      const upload = await openCaptureUpload(
        request.raw,
        query.fileName ?? 'capture',
        this.config.UPLOAD_IDLE_TIMEOUT_MS,
      );
      const { capture, created } = await this.captures.ingest({ ...upload, format: query.format });
      reply.status(created ? 201 : 200);
      return CaptureResponseDto.from(capture);
    } catch (error) {
      // The rest of a rejected body is discarded and the connection closed after the error response, so a
      // client still sending a large file learns of the error instead of waiting on a full socket.
      reply.header('Connection', 'close');
      request.raw.unpipe();
      request.raw.resume();
      throw error;
    }
  }

  @Get()
  @ApiOperation({ summary: 'List captures, newest first' })
  @ApiOkResponse({ type: CapturePageDto })
  async list(@Query() page: PageQueryDto): Promise<CapturePageDto> {
    const [items, total] = await this.captures.list(page.limit, page.offset);
    return { items: items.map((item) => CaptureResponseDto.from(item)), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a capture with its counts, time span and rejected rows' })
  @ApiOkResponse({ type: CaptureResponseDto })
  async get(@Param('id') id: string): Promise<CaptureResponseDto> {
    return CaptureResponseDto.from(await this.captures.get(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a capture and its file', description: '409 while a model uses the capture.' })
  @ApiNoContentResponse()
  async delete(@Param('id') id: string): Promise<void> {
    await this.captures.delete(id);
  }
}
