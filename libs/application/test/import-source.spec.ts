import { AppError } from '../src/errors';
import { parseInput } from '../src/cluster-profile';
import { parseCron } from '../src/imports/cron';
import { SetImportSourceInput } from '../src/imports/import-source';

// Validation is cron-parser's, the library BullMQ runs patterns with; these pin what it accepts and how the errors
// name the field.
describe('parseCron', () => {
  it.each([
    ['*/15 * * * *', '*/15 * * * *'],
    ['*/2 * * * * *', '*/2 * * * * *'],
    ['0 3 * * MON-FRI', '0 3 * * MON-FRI'],
    ['0 0 1,15 jan,jul ?', '0 0 1,15 jan,jul ?'],
    ['  5 4   * * 0  ', '5 4 * * 0'],
    ['0 0 L * *', '0 0 L * *'],
    ['0 9 * * 1#2', '0 9 * * 1#2'],
    // macros expand the way cron-parser expands them (6 fields, leading second)
    ['@hourly', '0 0 * * * *'],
    ['@DAILY', '0 0 0 * * *'],
    ['@weekdays', '0 0 0 * * 1-5'],
  ])('accepts %j', (text, pattern) => {
    expect(parseCron(text)).toEqual({ pattern });
  });

  it.each([
    ['every hour', /^expected 5 fields .* got 2$/],
    ['* * * *', /got 4/],
    ['* * * * * * *', /got 7/],
    ['61 * * * *', /^minute field "61": Constraint error, got value 61 expected range 0-59$/],
    ['61 * * * * *', /^second field "61": /],
    ['* 24 * * *', /^hour field "24": .*expected range 0-23/],
    ['* * 0 * *', /^day of month field "0": .*expected range 1-31/],
    ['* * * 13 *', /^month field "13": .*expected range 1-12/],
    ['* * * * FUNDAY', /^day of week field "FUNDAY": Validation error, cannot resolve alias "fun"/],
    ['*/0 * * * *', /^minute field "\*\/0": Constraint error, cannot repeat at every 0 time/],
    ['5-1 * * * *', /^minute field "5-1": Invalid range: 5-1/],
    ['1,,2 * * * *', /^minute field "1,,2": Invalid list value format/],
    ['0 0 30 2 *', /^the fields never match together: /],
    ['H * * * *', /^minute field "H": H \(hashed\) values are not supported/],
    ['@fortnightly', /^unknown macro "@fortnightly" \(cron-parser knows @yearly, /],
  ])('rejects %j naming the field', (text, msg) => {
    const r = parseCron(text);
    expect('error' in r && r.error).toMatch(msg);
  });

  describe('minimum interval (IMPORT_MIN_INTERVAL_SECONDS)', () => {
    const from = new Date('2026-11-23T10:00:00Z');
    const min = (text: string, minIntervalSeconds = 300) => parseCron(text, { minIntervalSeconds, from });

    it.each([
      ['* * * * *', 'runs every 60 s; the minimum is 300 s (IMPORT_MIN_INTERVAL_SECONDS)'],
      ['*/2 * * * * *', 'runs every 2 s; the minimum is 300 s (IMPORT_MIN_INTERVAL_SECONDS)'],
      ['@minutely', 'runs every 60 s; the minimum is 300 s (IMPORT_MIN_INTERVAL_SECONDS)'],
      // the closest pair counts, not the average: twice an hour, one minute apart
      ['0,1 * * * *', 'runs as little as 60 s apart; the minimum is 300 s (IMPORT_MIN_INTERVAL_SECONDS)'],
      // once a day, but two runs a minute apart
      ['0,1 23 * * *', 'runs as little as 60 s apart; the minimum is 300 s (IMPORT_MIN_INTERVAL_SECONDS)'],
    ])('refuses %j', (text, msg) => {
      const r = min(text);
      expect('error' in r && r.error).toBe(msg);
    });

    it.each(['*/5 * * * *', '*/15 * * * *', '@hourly', '0 3 * * MON-FRI', '0 0 1,15 jan,jul ?', '0 0 29 2 *'])('accepts %j at 300 s', (text) => {
      expect(min(text)).toEqual({ pattern: expect.any(String) });
    });

    it('is the configured value, so a test stack may run every 2 s', () => {
      expect(min('*/2 * * * * *', 2)).toEqual({ pattern: '*/2 * * * * *' });
      expect(min('* * * * * *', 2)).toEqual({ error: 'runs every 1 s; the minimum is 2 s (IMPORT_MIN_INTERVAL_SECONDS)' });
    });

    it('does not apply without a minimum (the input schema checks syntax only)', () => {
      expect(parseCron('* * * * * *')).toEqual({ pattern: '* * * * * *' });
    });
  });
});

describe('SetImportSourceInput', () => {
  const ok = { apiServer: 'https://k8s.example:6443', token: 'abc', schedule: '*/15 * * * *' };
  const issues = (input: unknown): string[] => {
    try {
      parseInput(SetImportSourceInput, input, 'import source');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return (e as AppError).details.map((d) => `${d.field}: ${d.message}`);
    }
    return [];
  };

  it('accepts a token source, a CA bundle and a resource subset', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    expect(issues({ ...ok, caData: ca, resources: ['pods', 'nodes'] })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(issues({ ...ok, schedule: 'every five minutes' })).toEqual([expect.stringMatching(/^schedule: not a cron schedule: expected 5 fields/)]);
    expect(issues({ ...ok, apiServer: 'ftp://k8s' })).toEqual([expect.stringMatching(/^apiServer: must be an http:\/\/ or https:\/\/ URL/)]);
    expect(issues({ ...ok, kubeconfig: 'x: 1' })).toEqual(expect.arrayContaining([expect.stringMatching(/^kubeconfig: give exactly one of token or kubeconfig/)]));
    expect(issues({ apiServer: ok.apiServer, schedule: ok.schedule })).toEqual([expect.stringMatching(/^token: give exactly one/)]);
    expect(issues({ ...ok, caData: 'not base64!' })).toEqual([expect.stringMatching(/^caData: must be a base64-encoded PEM/)]);
    expect(issues({ ...ok, resources: ['pods', 'secrets'] })).toEqual([expect.stringMatching(/^resources.1: /)]);
    expect(issues({ ...ok, extra: true })).toEqual([expect.stringMatching(/extra/)]);
  });

  it('refuses plain http unless TLS verification is explicitly off (test servers)', () => {
    expect(issues({ ...ok, apiServer: 'http://127.0.0.1:8001' })).toEqual([expect.stringMatching(/^apiServer: plain http:\/\/ sends the token unencrypted/)]);
    expect(issues({ ...ok, apiServer: 'http://127.0.0.1:8001', insecureSkipTLSVerify: true })).toEqual([]);
  });

  it('checks a kubeconfig and that it points at apiServer', () => {
    const kc = (server: string, user = 'token: t') =>
      `clusters:\n- name: c\n  cluster: {server: "${server}"}\nusers:\n- name: u\n  user: {${user}}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`;
    const base = { apiServer: 'https://k8s.example:6443', schedule: '@hourly' };
    expect(issues({ ...base, kubeconfig: kc('https://k8s.example:6443') })).toEqual([]);
    expect(issues({ ...base, kubeconfig: kc('https://other:6443') })).toEqual(["apiServer: does not match the kubeconfig's current cluster server https://other:6443"]);
    expect(issues({ ...base, kubeconfig: kc('https://k8s.example:6443', 'exec: {command: sh}') })).toEqual([expect.stringMatching(/^kubeconfig: "u" uses exec/)]);
    expect(issues({ ...base, kubeconfig: kc('https://k8s.example:6443'), insecureSkipTLSVerify: true })).toEqual([expect.stringMatching(/^insecureSkipTLSVerify: with a kubeconfig/)]);
  });
});

describe('an in-cluster source', () => {
  const issues = (input: unknown) => {
    try {
      parseInput(SetImportSourceInput, input, 'import source');
      return [];
    } catch (e) {
      return ((e as AppError).details ?? []).map((d) => `${d.field}: ${d.message}`);
    }
  };
  it('takes inCluster and a schedule alone', () => {
    expect(issues({ inCluster: true, schedule: '*/15 * * * *' })).toEqual([]);
    expect(issues({ inCluster: true, schedule: '0 3 * * *', resources: ['nodes', 'pods'] })).toEqual([]);
  });
  it('refuses credentials or a server beside it, and a source with neither', () => {
    expect(issues({ inCluster: true, schedule: '@hourly', token: 't' })).toEqual([expect.stringMatching(/^token: an in-cluster source uses the worker's service account/)]);
    expect(issues({ inCluster: true, schedule: '@hourly', apiServer: 'https://k8s.example:6443' })).toEqual([expect.stringMatching(/^apiServer: /)]);
    expect(issues({ schedule: '@hourly', token: 't' })).toEqual(['apiServer: is required (or give inCluster: true)']);
    expect(issues({ inCluster: false, schedule: '@hourly' })).toEqual([expect.stringMatching(/^inCluster: /)]);
  });
});
