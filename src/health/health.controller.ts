import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../access/access-policy';

class HealthResponseDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
}

// Public so that load balancers and orchestrators can probe the API without a key; it reveals nothing.
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  @Get()
  @ApiOperation({ summary: 'Liveness check; answers once the API has started' })
  @ApiOkResponse({ type: HealthResponseDto })
  health(): HealthResponseDto {
    return { status: 'ok' };
  }
}
