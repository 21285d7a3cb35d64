import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  IsBoolean,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import {
  DEFAULT_SENTENCE_LENGTH,
  DEFAULT_SENTENCE_SECONDS,
  DEFAULT_TOKEN_FIELDS,
  MAX_SENTENCE_LENGTH,
  ModelDefinition,
  SENTENCE_MODES,
  SentenceMode,
  TOKEN_FIELDS,
  TokenField,
} from './model-definition';

/** Rejects a sentence setting that the chosen mode ignores, so a request never trains other than it reads. */
function UsedOnlyInModes(modes: SentenceMode[]) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'usedOnlyInModes',
      target: target.constructor,
      propertyName: property,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          modes.includes((args.object as SentenceSettingsDto).mode ?? 'count'),
        defaultMessage: (args: ValidationArguments) =>
          `${property} is not used in ${(args.object as SentenceSettingsDto).mode ?? 'count'} mode; ` +
          `it applies to the modes ${modes.join(', ')}`,
      },
    });
}

export class SentenceSettingsDto {
  @ApiPropertyOptional({
    enum: SENTENCE_MODES,
    default: 'count',
    description:
      '`count`: consecutive chunks of `length` flows in file order; `time`: flows bucketed by StartTime into ' +
      "windows of `seconds`; `host`: each source address's flows in time order, split on gaps over `seconds` " +
      'and every `length` flows',
  })
  @IsOptional()
  @IsIn(SENTENCE_MODES)
  mode?: SentenceMode;

  @ApiPropertyOptional({
    minimum: 2,
    maximum: MAX_SENTENCE_LENGTH,
    default: DEFAULT_SENTENCE_LENGTH,
    description: 'Flows per sentence (`count`) or the most flows before a split (`host`)',
  })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(MAX_SENTENCE_LENGTH)
  @UsedOnlyInModes(['count', 'host'])
  length?: number;

  @ApiPropertyOptional({
    minimum: 0.001,
    maximum: 31_536_000,
    default: DEFAULT_SENTENCE_SECONDS,
    description: 'Bucket width (`time`) or largest gap inside a sentence (`host`), in seconds',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.001)
  @Max(31_536_000)
  @UsedOnlyInModes(['time', 'host'])
  seconds?: number;
}

export class ClusteringSettingsDto {
  @ApiPropertyOptional({
    minimum: 2,
    maximum: 1_000_000,
    nullable: true,
    type: Number,
    description: 'Number of k-means clusters; null or left out for one cluster per five tokens',
  })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1_000_000)
  k?: number | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10000,
    default: 100,
    description: 'Largest number of k-means iterations',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  maxIterations?: number;
}

export class EvaluationSettingsDto {
  @ApiPropertyOptional({
    minimum: 0.05,
    maximum: 0.95,
    nullable: true,
    type: Number,
    description:
      'Share of the flows, in StartTime order, to train on (for example 0.7); the rest is held out, classified and ' +
      'scored as evaluation.temporalSplit. Null or left out trains on every flow',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.05)
  @Max(0.95)
  temporalSplit?: number | null;
}

/** Trainer settings; names and defaults follow gensim 4's `Word2Vec`. */
export class TrainerSettingsDto {
  @ApiPropertyOptional({ enum: ['skipgram', 'cbow'], default: 'skipgram' })
  @IsOptional()
  @IsIn(['skipgram', 'cbow'])
  architecture?: 'skipgram' | 'cbow';

  @ApiPropertyOptional({ minimum: 2, maximum: 1000, default: 100, description: 'Dimensions of each vector' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  vectorSize?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'Maximum distance between centre and context word',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  window?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5, description: 'Noise words per positive pair' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  negative?: number;

  @ApiPropertyOptional({
    minimum: -2,
    maximum: 2,
    default: 0.75,
    description: 'Exponent of counts in the noise distribution',
  })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  nsExponent?: number;

  @ApiPropertyOptional({
    minimum: 0,
    default: 0.001,
    description: 'Down-sampling threshold (values >= 1 are absolute counts); 0 disables',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  sample?: number;

  @ApiPropertyOptional({
    minimum: 1,
    default: 1,
    description: 'Tokens seen fewer times are dropped from the vocabulary',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  minCount?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Largest vocabulary kept; minCount is raised until it fits' })
  @IsOptional()
  @IsInt()
  @Min(1)
  maxFinalVocab?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 5, description: 'Passes over the corpus' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  epochs?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.025, description: 'Initial learning rate' })
  @IsOptional()
  @IsNumber()
  @Min(1e-6)
  @Max(1)
  alpha?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.0001, description: 'Learning rate at the end of training' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  minAlpha?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 64, default: 1, description: 'Worker threads sharing the weights' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  workers?: number;

  @ApiPropertyOptional({
    default: 1,
    description: 'Seed of every random draw; with one worker, equal seeds give identical vectors',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;

  @ApiPropertyOptional({
    default: true,
    description:
      "Draw a centre word's noise words once and reuse them for all its context words, which trains several " +
      "times faster. false draws them for every (context, centre) pair, as gensim's Word2Vec does.",
  })
  @IsOptional()
  @IsBoolean()
  sharedNegatives?: boolean;
}

/** The settings shared by a new model and a retraining; each one left out keeps its default or previous value. */
export class ModelSettingsDto {
  @ApiPropertyOptional({
    enum: TOKEN_FIELDS,
    isArray: true,
    default: DEFAULT_TOKEN_FIELDS,
    description: 'Flow fields joined with "|" into a token',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(TOKEN_FIELDS, { each: true })
  tokenFields?: TokenField[];

  @ApiPropertyOptional({
    default: false,
    description:
      "Append each flow's label to its token, as the original notebook did. The label then leaks into every " +
      'label-based evaluation, and the model is marked `labelLeaking`.',
  })
  @IsOptional()
  @IsBoolean()
  includeLabel?: boolean;

  @ApiPropertyOptional({ type: SentenceSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SentenceSettingsDto)
  sentences?: SentenceSettingsDto;

  @ApiPropertyOptional({ type: TrainerSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TrainerSettingsDto)
  trainer?: TrainerSettingsDto;

  @ApiPropertyOptional({ type: ClusteringSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClusteringSettingsDto)
  clustering?: ClusteringSettingsDto;

  @ApiPropertyOptional({ type: EvaluationSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => EvaluationSettingsDto)
  evaluation?: EvaluationSettingsDto;
}

export const DEFAULT_MODEL_DEFINITION: ModelDefinition = {
  tokenFields: DEFAULT_TOKEN_FIELDS,
  includeLabel: false,
  sentences: { mode: 'count', length: DEFAULT_SENTENCE_LENGTH, seconds: DEFAULT_SENTENCE_SECONDS },
  vocabulary: { minCount: 1, maxFinalVocab: null },
  trainer: {
    architecture: 'skipgram',
    vectorSize: 100,
    window: 5,
    negative: 5,
    nsExponent: 0.75,
    sample: 0.001,
    epochs: 5,
    alpha: 0.025,
    minAlpha: 0.0001,
    workers: 1,
    seed: 1,
    sharedNegatives: true,
  },
  clustering: { k: null, maxIterations: 100 },
  evaluation: { temporalSplit: null },
};

/** Fills every setting the request left out from `base`: the defaults, or the definition being retrained. */
export function toModelDefinition(
  dto: ModelSettingsDto,
  base: ModelDefinition = DEFAULT_MODEL_DEFINITION,
): ModelDefinition {
  const { minCount, maxFinalVocab, ...trainer } = dto.trainer ?? {};
  const sentences = dto.sentences ?? {};
  const mode = sentences.mode ?? base.sentences.mode;
  return {
    tokenFields: dto.tokenFields ?? base.tokenFields,
    includeLabel: dto.includeLabel ?? base.includeLabel,
    sentences: {
      mode,
      // A changed mode starts from the defaults, because a length or gap means something else in another mode.
      length: sentences.length ?? (mode === base.sentences.mode ? base.sentences.length : DEFAULT_SENTENCE_LENGTH),
      seconds: sentences.seconds ?? (mode === base.sentences.mode ? base.sentences.seconds : DEFAULT_SENTENCE_SECONDS),
    },
    vocabulary: {
      minCount: minCount ?? base.vocabulary.minCount,
      maxFinalVocab: maxFinalVocab === undefined ? base.vocabulary.maxFinalVocab : maxFinalVocab,
    },
    trainer: { ...base.trainer, ...withoutUndefined(trainer) },
    clustering: { ...base.clustering, ...withoutUndefined(dto.clustering ?? {}) },
    evaluation: {
      temporalSplit:
        dto.evaluation?.temporalSplit === undefined
          ? (base.evaluation?.temporalSplit ?? null)
          : dto.evaluation.temporalSplit,
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
