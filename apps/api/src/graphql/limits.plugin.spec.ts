import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '@portolan/config';
import { buildSchema, parse } from 'graphql';
import { shapeRefusal, variableError } from './limits.plugin';

const schema = buildSchema(readFileSync(path.join(__dirname, 'schema.gql'), 'utf8'));
const limits: AppConfig['graphql'] = { maxComplexity: 1000, maxDepth: 4, maxDocumentBytes: 16384, maxTokens: 2000, maxAliases: 3, maxDirectives: 2 };
const refusal = (q: string) => shapeRefusal(schema, parse(q), limits)?.code;

describe('shapeRefusal (graphql-armor rules)', () => {
  it('counts depth through fragment spreads and inline fragments, not the spreads themselves', () => {
    expect(refusal('{ clusters { edges { node { name } } } }')).toBeUndefined();
    expect(refusal('{ clusters { edges { node { ...F } } } } fragment F on Cluster { ... on Cluster { name } }')).toBeUndefined();
    expect(refusal('{ clusters { edges { node { ...F } } } } fragment F on Cluster { snapshots { totalCount } }')).toBe('QUERY_TOO_DEEP');
  });

  it('refuses width^levels fragment expansions as too complex after one pass', () => {
    const frags = ['fragment F0 on Cluster { id name }'];
    for (let i = 1; i <= 30; i++) frags.push(`fragment F${i} on Cluster { ${`...F${i - 1} `.repeat(10)}}`);
    expect(refusal(`{ clusters { edges { node { ...F30 } } } } ${frags.join(' ')}`)).toBe('QUERY_TOO_COMPLEX');
  });

  it('counts aliases and directives where fragments are spread', () => {
    expect(refusal('{ a: clusters { totalCount } b: clusters { totalCount } }')).toBeUndefined();
    expect(refusal('{ clusters { edges { node { ...A ...A } } } } fragment A on Cluster { x: id y: name }')).toBe('QUERY_TOO_MANY_ALIASES');
    expect(refusal('{ clusters { totalCount @include(if: true) edges @skip(if: false) { cursor @include(if: true) } } }')).toBe('QUERY_TOO_MANY_DIRECTIVES');
  });
});

describe('variableError', () => {
  it('names the variable and caps the message', () => {
    const e = variableError(new Error(`Variable "$id" got invalid value "${'x'.repeat(5000)}"`));
    expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(e.message.length).toBeLessThan(400);
  });
});
