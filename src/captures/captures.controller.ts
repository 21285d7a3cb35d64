import {
  BadRequestException,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { PageQueryDto } from '../common/pagination.dto';
import { CaptureResponseDto } from './capture.dto';
import { CapturesService } from './captures.service';

class CaptureUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'Argus .binetflow CSV, plain or gzip' }) file: unknown;
}

class CapturePageDto {
  @ApiProperty({ type: [CaptureResponseDto] }) items: CaptureResponseDto[];
  @ApiProperty() total: number;
}

@ApiTags('captures')
@Controller('captures')
export class CapturesController {
  constructor(private readonly captures: CapturesService) {}

  @Post()
  @ApiOperation({
    summary: 'Upload a capture',
    description:
      'Returns 201 with a new capture, or 200 with the existing one when the same bytes were uploaded before.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CaptureUploadDto })
  @ApiCreatedResponse({ type: CaptureResponseDto })
  @ApiOkResponse({ type: CaptureResponseDto })
  @UseInterceptors(FileInterceptor('file'))
  async upload(
    @UploadedFile() file: Express.Multer.File | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaptureResponseDto> {
    if (!file) {
      throw new BadRequestException('Missing multipart field "file": send the capture as form field "file"');
    }

    const { capture, created } = await this.captures.ingest({
      path: file.path,
      originalName: file.originalname,
      sizeBytes: file.size,
    });
    response.status(created ? 201 : 200);
    return CaptureResponseDto.from(capture);
  }

  @Get()
  @ApiOperation({ summary: 'List captures, newest first' })
  @ApiOkResponse({ type: CapturePageDto })
  async list(@Query() page: PageQueryDto): Promise<CapturePageDto> {
    const [items, total] = await this.captures.list(page.limit, page.offset);
    return { items: items.map((item) => CaptureResponseDto.from(item)), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a capture' })
  @ApiOkResponse({ type: CaptureResponseDto })
  async get(@Param('id') id: string): Promise<CaptureResponseDto> {
    return CaptureResponseDto.from(await this.captures.get(id));
  }
}
