import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { VocabularyPageDto, VocabularySearchQueryDto } from './vocabulary-search.dto';
import { VocabularySearchService } from './vocabulary-search.service';

@ApiTags('vocabulary')
@Controller('models/:id/tokens')
@ApiParam({ name: 'id', description: 'Model id' })
export class VocabularySearchController {
  constructor(private readonly vocabularySearch: VocabularySearchService) {}

  @Get()
  @ApiOperation({
    summary: "Search a model's vocabulary",
    description: 'By token prefix, substring and address range, with counts and label counts, most frequent first.',
  })
  @ApiOkResponse({ type: VocabularyPageDto })
  search(@Param('id') id: string, @Query() query: VocabularySearchQueryDto): Promise<VocabularyPageDto> {
    return this.vocabularySearch.search(id, query);
  }
}
