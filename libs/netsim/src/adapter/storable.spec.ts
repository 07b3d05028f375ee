import { InputError } from './diagnostics';
import { parseDocuments } from './parse';
import { MAX_NESTING_DEPTH } from './storable';

const node = (metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', ...metadata }, ...extra });

function errorsOf(text: string, name = 'in.json') {
  try {
    parseDocuments([{ name, text }]);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics;
    throw e;
  }
  return [];
}

describe('values that cannot be stored are input errors', () => {
  it('names the field holding a NUL, in a value or a key', () => {
    expect(errorsOf(node({ labels: { a: 'x\u0000' } }))).toEqual([expect.objectContaining({ file: 'in.json', field: 'metadata.labels.a', message: expect.stringMatching(/NUL/) })]);
    expect(errorsOf(node({ labels: { 'a\u0000': 'x' } }))).toEqual([expect.objectContaining({ field: 'metadata.labels', message: expect.stringMatching(/^a key .*NUL/) })]);
  });

  it('refuses lone surrogates but keeps paired ones (astral characters)', () => {
    expect(errorsOf(node({ annotations: { a: 'x\udc00' } }))[0]).toMatchObject({ field: 'metadata.annotations.a', message: expect.stringMatching(/surrogate/) });
    expect(errorsOf(node({ annotations: { a: 'x\ud83dy' } }))[0]).toMatchObject({ message: expect.stringMatching(/surrogate/) });
    expect(errorsOf(node({ annotations: { a: 'ship \ud83d\udea2' } }))).toEqual([]);
  });

  it('holds names and namespaces to Kubernetes lengths', () => {
    expect(errorsOf(node({ name: 'n'.repeat(253) }))).toEqual([]);
    expect(errorsOf(node({ name: 'n'.repeat(254) }))[0]).toMatchObject({ field: 'metadata.name', message: expect.stringMatching(/253/) });
    expect(errorsOf(node({ namespace: 'n'.repeat(64) }))[0]).toMatchObject({ field: 'metadata.namespace' });
  });

  it('refuses nesting deeper than the limit, at the limit it passes', () => {
    const deep = (n: number) => `${node({}).slice(0, -1)},"spec":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
    expect(errorsOf(deep(MAX_NESTING_DEPTH - 2))).toEqual([]);
    expect(errorsOf(deep(20_000))[0]).toMatchObject({ message: expect.stringMatching(/nested more than/), field: 'spec.a.a.a.a.a.a.a' });
    const yamlDeep = `kind: Node\napiVersion: v1\nmetadata: {name: n}\nspec: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(errorsOf(yamlDeep, 'deep.yaml')[0]).toMatchObject({ file: 'deep.yaml', message: expect.stringMatching(/YAML|nested/) });
  });

  it('refuses one anchor aliased beyond the size budget, keeps ordinary aliases', () => {
    const refs = (n: number) => Array.from({ length: n }, (_, i) => `    k${i}: *big`).join('\n');
    const doc = (size: number, n: number) => `apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  annotations:\n    seed: &big ${'z'.repeat(size)}\n${refs(n)}\n`;
    expect(errorsOf(doc(1000, 50), 'a.yaml')).toEqual([]);
    expect(errorsOf(doc(100_000, 500), 'a.yaml')[0]).toMatchObject({ file: 'a.yaml', message: expect.stringMatching(/aliases expand/) });
  });

  it('quotes at most 80 characters of a wrong value', () => {
    const [d] = errorsOf(JSON.stringify(['q'.repeat(100_000)]));
    expect(d?.message).toMatch(/expected a Kubernetes object/);
    expect(d?.message.length).toBeLessThan(200);
  });
});
