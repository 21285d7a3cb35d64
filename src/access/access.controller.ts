import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../common/pagination.dto';
import { RequireRole } from './access-policy';
import { AccessRouteDto, AuditRecordPageDto, AuditRecordResponseDto } from './access.dto';
import { AuditRecordRepository } from './audit-record.repository';
import { RouteTableService } from './route-table.service';

@ApiTags('access')
@Controller('access')
@RequireRole('admin')
export class AccessController {
  constructor(
    private readonly routeTable: RouteTableService,
    private readonly auditRecords: AuditRecordRepository,
  ) {}

  @Get('routes')
  @ApiOperation({ summary: 'Every REST route and GraphQL root field the server serves, with the role it requires' })
  @ApiOkResponse({ type: [AccessRouteDto] })
  routes(): AccessRouteDto[] {
    return this.routeTable.routes();
  }

  @Get('audit')
  @ApiOperation({ summary: 'Audit records of writes, newest first' })
  @ApiOkResponse({ type: AuditRecordPageDto })
  async audit(@Query() page: PageQueryDto): Promise<AuditRecordPageDto> {
    const [items, total] = await this.auditRecords.list(page.limit, page.offset);
    return { items: items.map((item) => AuditRecordResponseDto.from(item)), total };
  }
}
