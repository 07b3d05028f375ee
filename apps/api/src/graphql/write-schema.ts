import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchemaSdl } from './schema-sdl';

// npm run schema:write
buildSchemaSdl().then((sdl) => {
  writeFileSync(path.join(__dirname, 'schema.gql'), sdl);
  console.log('wrote apps/api/src/graphql/schema.gql');
});
