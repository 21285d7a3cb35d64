/** Prefix of every REST route; GraphQL stays at `/graphql`. */
export const API_PREFIX = 'api/v1';
