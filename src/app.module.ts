import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ACCESS_CONTROLLERS, ACCESS_PROVIDERS } from './access/access.providers';
import { graphqlContext } from './access/access-request';
import { graphqlLimits } from './access/graphql-limits';
import { ArtifactRepository } from './artifacts/artifact.repository';
import { CaptureRepository } from './captures/capture.repository';
import { CapturesController } from './captures/captures.controller';
import { CapturesResolver } from './captures/captures.resolver';
import { CapturesService } from './captures/captures.service';
import { ClassificationJobRunner } from './classification/classification-job.runner';
import { ClassificationResultRepository } from './classification/classification-result.repository';
import { ClassificationController } from './classification/classification.controller';
import { ClassificationRepository } from './classification/classification.repository';
import { ClassificationResolver } from './classification/classification.resolver';
import { ClassificationService } from './classification/classification.service';
import { ClusterRepository } from './clusters/cluster.repository';
import { ClustersController } from './clusters/clusters.controller';
import { ClustersResolver } from './clusters/clusters.resolver';
import { ClustersService } from './clusters/clusters.service';
import { ModelClusteringService } from './clusters/model-clustering.service';
import { formatGraphqlError } from './common/graphql-error';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions, ENTITIES } from './database/data-source';
import { ModelEvaluationService } from './evaluation/model-evaluation.service';
import { HealthController } from './health/health.controller';
import { InterchangeController } from './interchange/interchange.controller';
import { InterchangeService } from './interchange/interchange.service';
import { JobReconciler } from './jobs/job-reconciler';
import { JobRepository } from './jobs/job.repository';
import { JobsController } from './jobs/jobs.controller';
import { JobsResolver } from './jobs/jobs.resolver';
import { JobsService } from './jobs/jobs.service';
import { ModelRepository } from './models/model.repository';
import { ModelsController } from './models/models.controller';
import { ModelsResolver } from './models/models.resolver';
import { ModelsService } from './models/models.service';
import { ProjectionBuilder } from './projection/projection.builder';
import { ProjectionController } from './projection/projection.controller';
import { ProjectionService } from './projection/projection.service';
import { QueueRepository } from './queue/queue.repository';
import { SimilarityService } from './similarity/similarity.service';
import { TokenRepository } from './similarity/token.repository';
import { ModelServingService } from './similarity/model-serving.service';
import { ServingModelCache } from './similarity/serving-model.cache';
import { ServingModelLoader } from './similarity/serving-model.loader';
import { SimilarityController } from './similarity/similarity.controller';
import { SimilarityResolver } from './similarity/similarity.resolver';
import { VectorIndexRepository } from './similarity/vector-index.repository';
import { ModelAnalysis } from './training/model-analysis.step';
import { TrainingPipeline } from './training/training.pipeline';
import { VocabularySearchController } from './vocabulary-search/vocabulary-search.controller';
import { VocabularySearchRepository } from './vocabulary-search/vocabulary-search.repository';
import { VocabularySearchResolver } from './vocabulary-search/vocabulary-search.resolver';
import { VocabularySearchService } from './vocabulary-search/vocabulary-search.service';
import { TrainingWorker } from './training/training.worker';
import { VocabularyRepository } from './training/vocabulary.repository';

export type Role = 'api' | 'worker' | 'all';

const REPOSITORIES: Provider[] = [
  ArtifactRepository,
  CaptureRepository,
  ClassificationRepository,
  ClassificationResultRepository,
  ClusterRepository,
  JobRepository,
  ModelRepository,
  QueueRepository,
  TokenRepository,
  VectorIndexRepository,
  VocabularyRepository,
];

const API_CONTROLLERS: Type[] = [
  CapturesController,
  ModelsController,
  SimilarityController,
  VocabularySearchController,
  ProjectionController,
  ClustersController,
  ClassificationController,
  InterchangeController,
  JobsController,
  HealthController,
  ...ACCESS_CONTROLLERS,
];
const API_PROVIDERS: Provider[] = [
  CapturesService,
  ModelsService,
  JobsService,
  SimilarityService,
  ModelServingService,
  ServingModelCache,
  ServingModelLoader,
  SimilarityResolver,
  VocabularySearchService,
  VocabularySearchRepository,
  VocabularySearchResolver,
  ProjectionService,
  ClustersService,
  ClustersResolver,
  ClassificationService,
  ClassificationResolver,
  InterchangeService,
  CapturesResolver,
  ModelsResolver,
  JobsResolver,
  ...ACCESS_PROVIDERS,
];

const WORKER_PROVIDERS: Provider[] = [
  ProjectionBuilder,
  TrainingPipeline,
  ModelAnalysis,
  ModelClusteringService,
  ModelEvaluationService,
  ClassificationJobRunner,
  TrainingWorker,
  JobReconciler,
];

/** The application for one role: `api` serves HTTP, `worker` runs training and classification jobs, `all` does both. */
@Module({})
export class AppModule {
  static forRole(role: Role, config: AppConfig): DynamicModule {
    const api = role !== 'worker';
    const worker = role !== 'api';

    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        TypeOrmModule.forFeature(ENTITIES),
        ...(api
          ? [
              GraphQLModule.forRoot<ApolloDriverConfig>({
                driver: ApolloDriver,
                autoSchemaFile: true,
                sortSchema: true,
                path: '/graphql',
                context: graphqlContext,
                formatError: formatGraphqlError,
                // Apollo adds a server stack trace to every error unless NODE_ENV is production; clients never get one.
                includeStacktraceInErrorResponses: false,
                // GraphQL Playground and Apollo's landing pages load their scripts from a CDN, so they fail offline
                // and would need a weaker Content-Security-Policy. Clients introspect the schema instead.
                playground: false,
                ...withPlugins(graphqlLimits(config), ApolloServerPluginLandingPageDisabled()),
              }),
              DiscoveryModule,
            ]
          : []),
      ],
      controllers: api ? API_CONTROLLERS : [],
      providers: [...REPOSITORIES, ...(api ? API_PROVIDERS : []), ...(worker ? WORKER_PROVIDERS : [])],
    };
  }
}

function withPlugins<T extends { plugins: ApolloServerPlugin[] }>(options: T, ...plugins: ApolloServerPlugin[]): T {
  return { ...options, plugins: [...options.plugins, ...plugins] };
}
