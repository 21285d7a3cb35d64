import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { ACCESS_ROLES, AccessRole, ApiKeyEntity } from '../entities/api-key.entity';
import type { AuditRecordEntity } from '../entities/audit-record.entity';
import type { AccessRoute } from './route-table.service';

export class ApiKeyCreateDto {
  @ApiProperty({ example: 'soc-dashboard', description: 'What or who uses the key, 1 to 100 characters' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: ACCESS_ROLES, description: 'reader: queries and status; writer: also writes; admin: also keys' })
  @IsIn(ACCESS_ROLES)
  role: AccessRole;
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ACCESS_ROLES }) role: AccessRole;
  @ApiProperty({ description: 'First characters of the secret', example: 'f2v_Hq3xK9aB' }) secretPrefix: string;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ type: Date, nullable: true }) revokedAt: Date | null;

  static from(entity: ApiKeyEntity): ApiKeyResponseDto {
    return {
      id: entity.id,
      name: entity.name,
      role: entity.role,
      secretPrefix: entity.secretPrefix,
      createdAt: entity.createdAt,
      revokedAt: entity.revokedAt,
    };
  }
}

export class ApiKeyCreatedResponseDto {
  @ApiProperty({ type: ApiKeyResponseDto }) key: ApiKeyResponseDto;
  @ApiProperty({ description: 'The secret to send as a Bearer token or X-API-Key; it is shown only here' })
  secret: string;
}

export class ApiKeyCurrentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ACCESS_ROLES }) role: AccessRole;
}

export class AuditRecordResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ format: 'uuid' }) apiKeyId: string;
  @ApiProperty() apiKeyName: string;
  @ApiProperty({ example: 'captures.upload' }) action: string;
  @ApiProperty({ example: 'POST /api/v1/captures' }) request: string;
  @ApiProperty({ type: [String], description: 'Ids the request named or created' }) targetIds: string[];
  @ApiProperty({ enum: ['succeeded', 'failed'] }) outcome: 'succeeded' | 'failed';
  @ApiPropertyOptional({ type: String, nullable: true, example: 'CAPTURE_UNREADABLE' }) errorCode: string | null;

  static from(entity: AuditRecordEntity): AuditRecordResponseDto {
    return { ...entity };
  }
}

export class AuditRecordPageDto {
  @ApiProperty({ type: [AuditRecordResponseDto] }) items: AuditRecordResponseDto[];
  @ApiProperty() total: number;
}

export class AccessRouteDto implements AccessRoute {
  @ApiProperty({ enum: ['rest', 'graphql'] }) transport: 'rest' | 'graphql';
  @ApiProperty({ example: 'GET', description: 'HTTP method, or query, mutation or subscription' }) method: string;
  @ApiProperty({ example: '/api/v1/models/:id', description: 'Path pattern, or GraphQL root field' }) path: string;
  @ApiProperty({ enum: ['public', ...ACCESS_ROLES, 'unguarded'], description: 'Role required to call the route' })
  access: AccessRole | 'public' | 'unguarded';
}
