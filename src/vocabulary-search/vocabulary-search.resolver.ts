import { Args, Query, Resolver } from '@nestjs/graphql';
import { VocabularyPageDto, VocabularySearchArgsDto } from './vocabulary-search.dto';
import { VocabularySearchService } from './vocabulary-search.service';

@Resolver()
export class VocabularySearchResolver {
  constructor(private readonly vocabularySearch: VocabularySearchService) {}

  @Query(() => VocabularyPageDto, { description: "Search a model's vocabulary by prefix, substring and address range" })
  vocabulary(@Args() args: VocabularySearchArgsDto): Promise<VocabularyPageDto> {
    const { modelId, ...query } = args;
    return this.vocabularySearch.search(modelId, query);
  }
}
