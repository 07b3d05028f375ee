import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { RESOLVERS } from '../resolvers';

export const SCHEMA_HEADER = '# Generated from the code-first resolvers: `npm run schema:write`. Checked for drift by schema.spec.ts.\n\n';

/** The SDL the resolvers define, built from their metadata alone (no database, no HTTP). */
export async function buildSchemaSdl(): Promise<string> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  try {
    await app.init();
    const schema = await app.get(GraphQLSchemaFactory).create([...RESOLVERS]);
    return SCHEMA_HEADER + printSchema(lexicographicSortSchema(schema)) + '\n';
  } finally {
    await app.close();
  }
}
