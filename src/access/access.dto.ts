import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { ACCESS_ROLES, AccessRole, ApiKeyEntity } from '../entities/api-key.entity';
import type { AuditOutcome, AuditRecordEntity } from '../entities/audit-record.entity';
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
  @ApiProperty({
    example: 'api-key:3f6c4a0e-2b1d-4c8e-9a7f-5d2e1b0c9a8f',
    description: 'Who made the write: `api-key:<key id>` for an API request, `cli:<OS user name>` for the keys CLI',
  })
  actor: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null for the keys CLI' })
  apiKeyId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null for the keys CLI' })
  apiKeyName: string | null;
  @ApiProperty({ example: 'captures.upload' }) action: string;
  @ApiProperty({ example: 'POST /api/v1/captures' }) request: string;
  @ApiProperty({ type: [String], description: 'Ids the request named or created' }) targetIds: string[];
  @ApiProperty({
    enum: ['started', 'succeeded', 'failed'],
    description:
      '`started` while the write runs, and afterwards when its outcome could not be stored (the server stopped or ' +
      'the database failed during the write), so the write may or may not have taken effect',
  })
  outcome: AuditOutcome;
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
  @ApiProperty({ description: 'Whether writes through the route are recorded in the audit trail' }) audited: boolean;
}
