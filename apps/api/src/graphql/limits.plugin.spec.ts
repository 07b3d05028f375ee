import { parse } from 'graphql';
import { queryDepth } from './limits.plugin';

describe('queryDepth', () => {
  it('counts the deepest field path, through fragments and inline fragments', () => {
    expect(queryDepth(parse('{ a { b { c } } d }'))).toBe(3);
    expect(queryDepth(parse('query Q { a { ...F } } fragment F on T { b { ... on U { c { d } } } }'))).toBe(4);
  });
  it('ignores introspection meta fields and measures only the named operation', () => {
    expect(queryDepth(parse('{ __typename a }'))).toBe(1);
    expect(queryDepth(parse('query A { x } query B { x { y { z } } }'), 'A')).toBe(1);
  });
});
