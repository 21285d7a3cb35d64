import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import type { ClassAgreement } from './label-agreement';
import type { ModelEvaluation } from './model-evaluation.types';

@ObjectType('ClassAgreement')
export class ClassAgreementDto {
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty({ description: 'Tokens of the class' }) @Field(() => Int) tokens: number;
  @ApiProperty({ description: 'Weight of those tokens: their flows, or their number when weighted by tokens' })
  @Field(() => Float)
  weight: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Weighted mean share of a token’s nearest neighbours in its own class; null without tokens',
  })
  @Field(() => Float, { nullable: true })
  agreement: number | null;
}

@ObjectType('DetectionScores')
export class DetectionScoresDto {
  @ApiProperty() @Field(() => Float) truePositives: number;
  @ApiProperty() @Field(() => Float) falsePositives: number;
  @ApiProperty() @Field(() => Float) falseNegatives: number;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) precision: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) recall: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) f1: number | null;
}

@ObjectType('ClusteringSummary')
export class ClusteringSummaryDto {
  @ApiProperty({ description: 'Clusters made' }) @Field(() => Int) k: number;
  @ApiProperty({ description: 'k-means passes before the final assignment' }) @Field(() => Int) iterations: number;
  @ApiProperty({ description: 'Sum of squared distances of the unit-normalised vectors to their centroids' })
  @Field(() => Float)
  inertia: number;
  @ApiProperty({ description: 'Wall-clock seconds of the k-means run' }) @Field(() => Float) seconds: number;
}

@ObjectType('HeldOutDetection')
export class HeldOutDetectionDto extends DetectionScoresDto {
  @ApiProperty({ description: 'Held-out flows, or distinct held-out tokens' }) @Field(() => Int) total: number;
  @ApiProperty({ description: 'Of total, those not in the vocabulary; they get no prediction and count as misses' })
  @Field(() => Int)
  unseen: number;
  @ApiProperty({ description: 'Of unseen, those labelled Botnet' }) @Field(() => Int) unseenBotnet: number;
}

@ObjectType('TemporalSplitEvaluation')
export class TemporalSplitEvaluationDto {
  @ApiProperty({ description: 'Requested share of flows, in StartTime order, trained on' })
  @Field(() => Float)
  trainShare: number;
  @ApiProperty({ description: 'StartTime (epoch seconds) from which flows were held out' })
  @Field(() => Float)
  cutoff: number;
  @ApiProperty() @Field(() => Int) trainingFlows: number;
  @ApiProperty() @Field(() => Int) heldOutFlows: number;
  @ApiProperty({ description: 'Flows without a StartTime, trained on' })
  @Field(() => Int)
  flowsWithoutStartTime: number;
  @ApiProperty({ type: HeldOutDetectionDto }) @Field(() => HeldOutDetectionDto) byFlows: HeldOutDetectionDto;
  @ApiProperty({ type: HeldOutDetectionDto }) @Field(() => HeldOutDetectionDto) byTokens: HeldOutDetectionDto;
}

/** A version's stored evaluation. Metrics ending in ByTokens weigh every token 1; ByFlows weigh it by its count. */
@ObjectType('ModelEvaluation')
export class ModelEvaluationDto {
  @ApiProperty({ type: ClusteringSummaryDto }) @Field(() => ClusteringSummaryDto) clustering: ClusteringSummaryDto;
  @ApiProperty({ description: 'Nearest neighbours per token in agreement and vote (10)' })
  @Field(() => Int)
  neighbours: number;
  @ApiProperty({ type: [ClassAgreementDto], description: 'Label agreement@neighbours per label class, per token' })
  @Field(() => [ClassAgreementDto])
  labelAgreementByTokens: ClassAgreementDto[];
  @ApiProperty({ type: [ClassAgreementDto], description: 'Label agreement@neighbours per label class, per flow' })
  @Field(() => [ClassAgreementDto])
  labelAgreementByFlows: ClassAgreementDto[];
  @ApiProperty({ type: DetectionScoresDto, description: 'Botnet detection by leave-one-out neighbour vote, per token' })
  @Field(() => DetectionScoresDto)
  botnetDetectionByTokens: DetectionScoresDto;
  @ApiProperty({ type: DetectionScoresDto, description: 'Botnet detection by leave-one-out neighbour vote, per flow' })
  @Field(() => DetectionScoresDto)
  botnetDetectionByFlows: DetectionScoresDto;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) clusterPurityByTokens:
    number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) clusterPurityByFlows:
    number | null;
  @ApiProperty({
    nullable: true,
    type: TemporalSplitEvaluationDto,
    description: 'Botnet detection on held-out later flows; null unless the model set evaluation.temporalSplit',
  })
  @Field(() => TemporalSplitEvaluationDto, { nullable: true })
  temporalSplit: TemporalSplitEvaluationDto | null;
  @ApiProperty({ description: 'Wall-clock seconds of the neighbour search and metrics' })
  @Field(() => Float)
  seconds: number;

  static from(evaluation: ModelEvaluation): ModelEvaluationDto {
    return {
      clustering: evaluation.clustering,
      neighbours: evaluation.neighbours,
      labelAgreementByTokens: agreementList(evaluation.labelAgreement.byTokens),
      labelAgreementByFlows: agreementList(evaluation.labelAgreement.byFlows),
      botnetDetectionByTokens: evaluation.botnetDetection.byTokens,
      botnetDetectionByFlows: evaluation.botnetDetection.byFlows,
      clusterPurityByTokens: evaluation.clusterPurity.byTokens,
      clusterPurityByFlows: evaluation.clusterPurity.byFlows,
      temporalSplit: evaluation.temporalSplit ?? null,
      seconds: evaluation.seconds,
    };
  }
}

function agreementList(byClass: Record<LabelClass, ClassAgreement>): ClassAgreementDto[] {
  return LABEL_CLASSES.map((labelClass) => ({ labelClass, ...byClass[labelClass] }));
}
