import { Plugin } from '@nestjs/apollo';
import { Inject } from '@nestjs/common';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { GraphQLError, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { truncate } from '../errors/truncate';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/**
 * How many times the armor's expansion bound exceeds GRAPHQL_MAX_COMPLEXITY. The armor prices the document as if every
 * fragment were inlined (1 per field, times a literal `first`) in one pass over the text; only a document under that
 * bound is priced field by field with the schema's costs (listCost), whose walk follows every spread.
 */
export const EXPANSION_FACTOR = 50;

export interface Refusal {
  code: 'QUERY_TOO_DEEP' | 'QUERY_TOO_COMPLEX' | 'QUERY_TOO_MANY_ALIASES' | 'QUERY_TOO_MANY_DIRECTIVES';
  message: string;
}

/**
 * The document's shape limits, in time linear in its text: graphql-armor's depth, alias, directive and cost rules
 * each measure a fragment once and reuse it where it is spread. Every operation of the document is measured.
 */
export function shapeRefusal(schema: GraphQLSchema, document: DocumentNode, limits: AppConfig['graphql']): Refusal | undefined {
  let refusal: Refusal | undefined;
  const on = (code: Refusal['code'], what: string) => ({
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (_ctx: unknown, err: GraphQLError) => {
        refusal ??= { code, message: `${what}: ${err.message.replace(/^Syntax Error: /, '')}` };
      },
    ],
  });
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false }, // graphql-js's own parse option (app.module.ts) bounds tokens while parsing
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...on('QUERY_TOO_DEEP', 'Query is too deep') },
    maxAliases: { n: limits.maxAliases, ...on('QUERY_TOO_MANY_ALIASES', 'Query has too many aliases') },
    maxDirectives: { n: limits.maxDirectives, ...on('QUERY_TOO_MANY_DIRECTIVES', 'Query has too many directives') },
    costLimit: {
      maxCost: limits.maxComplexity * EXPANSION_FACTOR,
      objectCost: 1,
      scalarCost: 1,
      depthCostFactor: 1,
      flattenFragments: true,
      ignoreIntrospection: true,
      ...on('QUERY_TOO_COMPLEX', 'Query is too complex'),
    },
  }).protect();
  validate(schema, document, validationRules as ValidationRule[]);
  return refusal;
}

/** A variable that does not coerce to its declared type: 400 BAD_USER_INPUT naming the variable (message capped). */
export function variableError(e: unknown): GraphQLError {
  const message = truncate(e instanceof Error ? e.message : String(e));
  const field = /Variable "\$([_A-Za-z][_0-9A-Za-z]*)"/.exec(message)?.[1];
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}), http: { status: 400 } } });
}

const measured = new WeakMap<DocumentNode, { shape: Refusal | null; costs: Map<string, number> }>();

/**
 * Query depth, alias, directive and cost limits, checked once the operation is resolved, before any resolver runs. A
 * refusal is the caller's 400 with a stable extensions.code (Apollo answers an error thrown from this hook with 500
 * unless told otherwise). Document size and token count are bounded before this, while parsing.
 */
@Plugin()
export class QueryLimitsPlugin implements ApolloServerPlugin {
  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async requestDidStart(): Promise<GraphQLRequestListener<any>> {
    const limits = this.config.graphql;
    const schemaHost = this.schemaHost;
    return {
      async didResolveOperation({ request, document, operation }) {
        // Only queries and mutations exist here; a subscription or an operationName the document lacks is refused.
        if (operation?.operation !== 'query' && operation?.operation !== 'mutation') {
          const message = operation ? `${operation.operation} operations are not supported; use a query or a mutation` : truncate(`the document has no operation named ${JSON.stringify(request.operationName ?? null)}, or several without operationName`);
          throw new GraphQLError(message, { extensions: { code: 'UNSUPPORTED_OPERATION', http: { status: 400 } } });
        }
        // Apollo hands the same DocumentNode for the same query text: its shape is measured once, its schema cost once
        // per distinct set of non-string variables (list sizes such as `first`; string inputs cost nothing extra).
        let m = measured.get(document);
        if (!m) measured.set(document, (m = { shape: shapeRefusal(schemaHost.schema, document, limits) ?? null, costs: new Map() }));
        if (m.shape) throw new GraphQLError(m.shape.message, { extensions: { code: m.shape.code, http: { status: 400 } } });
        const key = `${request.operationName ?? ''}\0${JSON.stringify(request.variables ?? {}, (_k, v: unknown) => (typeof v === 'string' ? undefined : v))}`;
        let complexity = m.costs.get(key);
        if (complexity === undefined) {
          try {
            complexity = getComplexity({
              schema: schemaHost.schema,
              operationName: request.operationName,
              query: document,
              variables: request.variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (e) {
            // Pricing coerces the variables first: a missing or mistyped one is the caller's mistake, named here.
            throw variableError(e);
          }
          if (m.costs.size < 64) m.costs.set(key, complexity);
        }
        if (complexity > limits.maxComplexity) {
          throw new GraphQLError(`Query is too complex: ${complexity}. Maximum allowed complexity: ${limits.maxComplexity}`, { extensions: { code: 'QUERY_TOO_COMPLEX', complexity, http: { status: 400 } } });
        }
      },
    };
  }
}
