import { Plugin } from '@nestjs/apollo';
import { Inject } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Depth of the deepest field path, following fragments (cycles are rejected by validation before this runs). */
export function queryDepth(doc: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) max = Math.max(max, s.name.value.startsWith('__') ? 0 : 1 + depthOf(s.selectionSet, seen));
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet, seen));
      else if (!seen.has(s.name.value)) max = Math.max(max, depthOf(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value])));
    }
    return max;
  };
  let max = 0;
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName)) max = Math.max(max, depthOf(d.selectionSet, new Set()));
  }
  return max;
}

const measured = new WeakMap<DocumentNode, Map<string, { depth: number; complexity: number }>>();

/**
 * Query depth and cost limits, checked once the operation is resolved, before any resolver runs. A refusal is the
 * caller's 400 (Apollo answers an error thrown from this hook with 500 unless told otherwise).
 */
@Plugin()
export class QueryLimitsPlugin implements ApolloServerPlugin {
  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async requestDidStart(): Promise<GraphQLRequestListener<any>> {
    const { maxComplexity, maxDepth } = this.config.graphql;
    const schemaHost = this.schemaHost;
    return {
      async didResolveOperation({ request, document }) {
        // Apollo hands the same DocumentNode for the same query text, so a repeated question is measured once per
        // distinct set of non-string variables (list sizes such as `first`; string inputs cost nothing extra).
        let perDoc = measured.get(document);
        if (!perDoc) measured.set(document, (perDoc = new Map()));
        const key = `${request.operationName ?? ''}\0${JSON.stringify(request.variables ?? {}, (_k, v: unknown) => (typeof v === 'string' ? undefined : v))}`;
        let cost = perDoc.get(key);
        if (!cost) {
          cost = {
            depth: queryDepth(document, request.operationName),
            complexity: getComplexity({
              schema: schemaHost.schema,
              operationName: request.operationName,
              query: document,
              variables: request.variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            }),
          };
          if (perDoc.size < 64) perDoc.set(key, cost);
        }
        const { depth, complexity } = cost;
        if (depth > maxDepth) {
          throw new GraphQLError(`Query is too deep: ${depth}. Maximum allowed depth: ${maxDepth}`, { extensions: { code: 'QUERY_TOO_DEEP', depth, http: { status: 400 } } });
        }
        if (complexity > maxComplexity) {
          throw new GraphQLError(`Query is too complex: ${complexity}. Maximum allowed complexity: ${maxComplexity}`, { extensions: { code: 'QUERY_TOO_COMPLEX', complexity, http: { status: 400 } } });
        }
      },
    };
  }
}
