import { Body, Controller, Delete, Get, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from './access-policy';
import type { AccessRequest } from './access-request';
import { ApiKeyCreateDto, ApiKeyCreatedResponseDto, ApiKeyCurrentDto, ApiKeyResponseDto } from './access.dto';
import { ApiKeyService } from './api-key.service';

@ApiTags('keys')
@Controller('keys')
@RequireRole('admin')
export class KeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The response contains the secret, which is never returned again.',
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedResponseDto })
  async create(@Body() request: ApiKeyCreateDto): Promise<ApiKeyCreatedResponseDto> {
    const { key, secret } = await this.keys.create(request.name, request.role);
    return { key: ApiKeyResponseDto.from(key), secret };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, newest first, revoked ones included' })
  @ApiOkResponse({ type: [ApiKeyResponseDto] })
  async list(): Promise<ApiKeyResponseDto[]> {
    return (await this.keys.list()).map((key) => ApiKeyResponseDto.from(key));
  }

  @Get('current')
  @RequireRole('reader')
  @ApiOperation({ summary: 'The key this request was sent with, so a client can check a key and its role' })
  @ApiOkResponse({ type: ApiKeyCurrentDto })
  current(@Req() request: AccessRequest): ApiKeyCurrentDto {
    const principal = request.accessPrincipal!;
    return { id: principal.keyId, name: principal.keyName, role: principal.role };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key', description: 'The key stays listed with its revocation time.' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  async revoke(@Param('id') id: string): Promise<ApiKeyResponseDto> {
    return ApiKeyResponseDto.from(await this.keys.revoke(id));
  }
}
