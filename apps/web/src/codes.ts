/**
 * GraphQL enum names are the engine's codes with '-' and '(' spelled '_' (apps/api/src/graphql/codes.ts); people
 * read the engine's spelling, the one the CLI, REST and SARIF use.
 */
export const code = (enumName: string): string => enumName.replace(/_PreFilter$/, '(PreFilter)').replace(/_/g, '-');
