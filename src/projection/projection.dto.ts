import { ApiProperty } from '@nestjs/swagger';
import { LABEL_CLASSES } from '../captures/label-class';

class ProjectionSettingsDto {
  @ApiProperty({ description: 'Most frequent tokens projected' }) maxTokens: number;
  @ApiProperty({ description: 'UMAP neighbours per token' }) nNeighbors: number;
  @ApiProperty({ description: 'Smallest distance between points in the layout' }) minDist: number;
  @ApiProperty({ description: 'Layout optimisation epochs' }) nEpochs: number;
  @ApiProperty() seed: number;
}

/** The 2-D map of a model's most frequent tokens, one entry per token in parallel arrays. */
export class ProjectionResponseDto {
  @ApiProperty({ format: 'uuid' }) modelId: string;
  @ApiProperty({ enum: ['umap'] }) method: string;
  @ApiProperty({ type: ProjectionSettingsDto }) settings: ProjectionSettingsDto;
  @ApiProperty({ description: 'Tokens in the whole vocabulary. The map contains the most frequent of them' })
  vocabularySize: number;
  @ApiProperty({ type: [String], description: 'Tokens, most frequent first' }) tokens: string[];
  @ApiProperty({ type: [Number] }) x: number[];
  @ApiProperty({ type: [Number] }) y: number[];
  @ApiProperty({ type: [Number], description: 'Occurrences of each token in the training corpus' }) counts: number[];
  @ApiProperty({ type: [String], enum: LABEL_CLASSES }) labelClasses: string[];
  @ApiProperty({
    description: 'Most frequent labels of each token as [label, count] pairs, at most 3 per token',
    type: 'array',
    items: {
      type: 'array',
      items: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    },
    example: [
      [
        ['flow=Background-UDP-Established', 12],
        ['flow=From-Botnet-V42-UDP-DNS', 3],
      ],
    ],
  })
  labels: [string, number][][];
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', nullable: true },
    description: 'k-means cluster of each token; null for a version trained before clusters were stored',
  })
  clusters: (number | null)[];
}
