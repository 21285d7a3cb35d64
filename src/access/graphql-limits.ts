import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { ComplexityEstimatorArgs, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { GraphQLError, ValidationRule } from 'graphql';
import { AppConfig } from '../config/app-config';

/** Arguments that set how many items a list field returns. */
const LIST_SIZE_ARGUMENTS = ['limit', 'k', 'first'];

/** Counts a list field as its item count times the cost of one item, when an argument gives the count. */
function listSizeEstimator({ args, childComplexity }: ComplexityEstimatorArgs): number | void {
  const size = LIST_SIZE_ARGUMENTS.map((name) => args[name]).find((value) => typeof value === 'number');
  if (typeof size === 'number') {
    return 1 + Math.max(size, 1) * childComplexity;
  }
}

/**
 * Rejects GraphQL operations nested deeper than GRAPHQL_MAX_DEPTH or costlier than GRAPHQL_MAX_COMPLEXITY
 * before any resolver runs. Introspection fields (`__schema`, `__type`) are left out of the depth count,
 * because GraphQL tools send deeply nested introspection queries.
 */
export function graphqlLimits(config: AppConfig): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin[] } {
  const complexityPlugin: ApolloServerPlugin = {
    requestDidStart: async () => ({
      didResolveOperation: async ({ request, document, schema }) => {
        const complexity = getComplexity({
          schema,
          query: document,
          variables: request.variables,
          operationName: request.operationName,
          estimators: [listSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
        });
        if (complexity > config.GRAPHQL_MAX_COMPLEXITY) {
          throw new GraphQLError(
            `Query complexity ${complexity} exceeds the maximum of ${config.GRAPHQL_MAX_COMPLEXITY}: ` +
              'request fewer fields or smaller limit/k values',
            { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } },
          );
        }
      },
    }),
  };

  return {
    validationRules: [depthLimit(config.GRAPHQL_MAX_DEPTH, { ignore: [/^__/] })],
    plugins: [complexityPlugin],
  };
}
