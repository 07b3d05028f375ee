import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchemaSdl } from './schema-sdl';

describe('schema.gql', () => {
  it('matches what the resolvers define (run `npm run schema:write` after changing them)', async () => {
    const committed = readFileSync(path.join(__dirname, 'schema.gql'), 'utf8');
    expect(await buildSchemaSdl()).toBe(committed);
  }, 30000);
});
