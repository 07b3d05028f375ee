/**
 * Property tests of the quantity reader against the grammar documented in apimachinery's quantity.go, with a seeded
 * generator (a failing case names its seed and index): every string the grammar produces is read as exactly the
 * value its parts denote, and rounded up to milli (cpu) or integer units as MilliValue()/Value() do; strings outside
 * the grammar are refused. The expected values are computed from the generated parts, not by parsing.
 */
import { checkManifests } from '../checks';
import { InputError, loadSnapshot } from '../adapter';
import { aNode, aSnapshot } from '../testing';
import { integerValue, milliValue, parseQuantity, parseQuantityExact, resourceAmount } from './quantity';
import { prng } from '../testing';


// the documented suffixes, as factors num/den of the base unit
const SUFFIXES: Array<[string, bigint, bigint]> = [
  ['Ki', 1024n, 1n], ['Mi', 1024n ** 2n, 1n], ['Gi', 1024n ** 3n, 1n], ['Ti', 1024n ** 4n, 1n], ['Pi', 1024n ** 5n, 1n], ['Ei', 1024n ** 6n, 1n],
  ['n', 1n, 10n ** 9n], ['u', 1n, 10n ** 6n], ['m', 1n, 1000n], ['', 1n, 1n], ['k', 1000n, 1n], ['M', 10n ** 6n, 1n], ['G', 10n ** 9n, 1n], ['T', 10n ** 12n, 1n], ['P', 10n ** 15n, 1n], ['E', 10n ** 18n, 1n],
];

interface Generated {
  text: string;
  num: bigint;
  den: bigint;
}

function generate(rand: () => number): Generated {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join('');
  const sign = ['', '', '+', '-'][int(0, 3)] as string;
  // <number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
  const form = int(0, 3);
  const i = form === 3 ? '' : digits(int(1, 12));
  const f = form === 1 || form === 3 ? digits(int(1, 12)) : '';
  const number = form === 0 ? i : form === 1 ? `${i}.${f}` : form === 2 ? `${i}.` : `.${f}`;
  let num = BigInt((i || '0') + f) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(f.length);
  let suffix: string;
  if (rand() < 0.25) {
    const e = int(-15, 15);
    const es = e < 0 ? String(e) : ['', '+'][int(0, 1)] + String(e);
    suffix = `${['e', 'E'][int(0, 1)]}${es}`;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else {
    const [s, n, d] = SUFFIXES[int(0, SUFFIXES.length - 1)] as [string, bigint, bigint];
    suffix = s;
    num *= n;
    den *= d;
  }
  return { text: `${sign}${number}${suffix}`, num, den };
}

const ceil = (n: bigint, d: bigint) => (n % d !== 0n && n > 0n ? n / d + 1n : n / d);
const SEED = 0x51ab1e;
const N = 5000;

describe('resource.Quantity, as the grammar says', () => {
  it(`reads ${N} generated quantities (seed ${SEED}) exactly, and rounds up as MilliValue() and Value() do`, () => {
    const rand = prng(SEED);
    const wrong: string[] = [];
    for (let k = 0; k < N; k++) {
      const g = generate(rand);
      const q = parseQuantityExact(g.text);
      if (!q || q.num * g.den !== g.num * q.den) {
        wrong.push(`#${k} ${g.text}: ${q ? `${q.num}/${q.den}` : 'refused'}, want ${g.num}/${g.den}`);
        continue;
      }
      if (milliValue(q) !== ceil(g.num * 1000n, g.den) || integerValue(q) !== ceil(g.num, g.den)) wrong.push(`#${k} ${g.text}: rounding`);
      if (g.num >= 0n && resourceAmount('cpu', g.text) !== Number(ceil(g.num * 1000n, g.den))) wrong.push(`#${k} ${g.text}: cpu amount ${resourceAmount('cpu', g.text)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses what the grammar does not produce', () => {
    const rand = prng(SEED + 1);
    const breakers: Array<(t: string) => string> = [
      (t) => ` ${t}`, (t) => `${t} `, (t) => `${t}B`, (t) => `${t}i`, (t) => `--${t.replace(/^[+-]/, '')}`, (t) => `${t}.5`.replace(/\.(\d*)\.5/, '.$1.5'),
      (t) => `${t}e`, (t) => `${t.replace(/[A-Za-z].*$/, '')}e1.5`, (t) => `${t.replace(/[A-Za-z].*$/, '')}KI`, (t) => `${t.replace(/[A-Za-z].*$/, '')}mi`, (t) => `0x${t}`,
    ];
    const accepted: string[] = [];
    for (let k = 0; k < 2000; k++) {
      const g = generate(rand);
      const bad = (breakers[k % breakers.length] as (t: string) => string)(g.text);
      // a breaker can land on another valid quantity only by accident (e.g. "5" + ".5" when there was no dot)
      if (/^[+-]?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.test(bad)) continue;
      if (parseQuantityExact(bad) !== null) accepted.push(bad);
    }
    for (const bad of ['', '.', '+', '-', 'Ki', 'e3', '1e', '1e+', '1.2.3', '1 Ki', '1KiB', '1toString', '1constructor', 'lots', '∞', '1e1001', 'NaN']) {
      if (parseQuantityExact(bad) !== null) accepted.push(bad);
    }
    expect(accepted).toEqual([]);
  });

  it.each([
    ['1E', 'memory', 10 ** 18],
    ['1e3', 'memory', 1000],
    ['1.5Gi', 'memory', 1610612736],
    ['.5', 'cpu', 500],
    ['5.', 'cpu', 5000],
    ['+1', 'cpu', 1000],
    ['0.1', 'cpu', 100],
    ['0.0001', 'cpu', 1],
    ['1n', 'cpu', 1],
    ['0.30000000000000004', 'cpu', 301],
    ['123456789.123456789m', 'cpu', 123456790],
    ['0.9Gi', 'memory', 966367642],
    ['1Ei', 'memory', 2 ** 60],
  ])('%s (%s) is %d', (text, resource, want) => {
    expect(resourceAmount(resource, text)).toBe(want);
  });

  it('reads a YAML/JSON number as its decimal text', () => {
    expect(resourceAmount('cpu', 0.5)).toBe(500);
    expect(resourceAmount('memory', 1e21)).toBe(1e21);
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
  });
});

describe('an unparsable quantity is an input error, never a pod that fits everywhere', () => {
  const pod = (cpu: unknown) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }] } });

  it('in a snapshot: the load fails naming the field', () => {
    let error: unknown;
    try {
      loadSnapshot([{ name: 'pods.yaml', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('2 cores')] }) }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).diagnostics).toEqual([expect.objectContaining({ severity: 'error', file: 'pods.yaml', field: 'spec.containers[0].resources.requests.cpu', message: expect.stringMatching(/invalid quantity "2 cores"/) })]);
  });

  it('in a CI check: an input-error finding with the field, and the verdict fails', () => {
    const r = checkManifests([pod('lots')], aSnapshot({ nodes: [aNode('n1', { ip: '10.0.0.1' })] }));
    expect(r.verdict).toBe('fail');
    expect(r.findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'input-error', severity: 'error', message: expect.stringMatching(/resources\.requests\.cpu.*invalid quantity|invalid quantity.*lots/) })]));
  });
});
