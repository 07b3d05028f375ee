import { AppError } from '../src/errors';
import { parseInput } from '../src/cluster-profile';
import { parseCron } from '../src/imports/cron';
import { SetImportSourceInput } from '../src/imports/import-source';

describe('parseCron', () => {
  it.each([
    ['*/15 * * * *', '*/15 * * * *'],
    ['*/2 * * * * *', '*/2 * * * * *'],
    ['0 3 * * MON-FRI', '0 3 * * MON-FRI'],
    ['0 0 1,15 jan,jul ?', '0 0 1,15 jan,jul ?'],
    ['  5 4   * * 0  ', '5 4 * * 0'],
    ['@hourly', '0 * * * *'],
  ])('accepts %j', (text, pattern) => {
    expect(parseCron(text)).toEqual({ pattern });
  });

  it.each([
    ['every hour', /expected 5 fields .* got 2/],
    ['* * * *', /got 4/],
    ['* * * * * * *', /got 7/],
    ['61 * * * *', /^minute field "61": 61 is outside 0-59/],
    ['* 24 * * *', /^hour field "24"/],
    ['* * 0 * *', /^day of month field "0"/],
    ['* * * 13 *', /^month field "13"/],
    ['* * * * FUNDAY', /^day of week field "FUNDAY": "FUNDAY" is not a number or a name/],
    ['*/0 * * * *', /step "0" must be/],
    ['5-1 * * * *', /runs backwards/],
    ['1,,2 * * * *', /is not a value/],
  ])('rejects %j naming the field', (text, msg) => {
    const r = parseCron(text);
    expect('error' in r && r.error).toMatch(msg);
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
