import { parseVersion, schedulerTexts } from './versions';

describe('scheduler texts by version', () => {
  it.each([
    ['1.35', [1, 35, Number.MAX_SAFE_INTEGER]],
    ['v1.34.2', [1, 34, 2]],
    ['1.33.1-eks-1234', [1, 33, 1]],
    ['1.20', [1, 29, 0]],
    ['1.40.1', [1, 37, Number.MAX_SAFE_INTEGER]],
    ['', [1, 37, Number.MAX_SAFE_INTEGER]],
    ['latest', [1, 37, Number.MAX_SAFE_INTEGER]],
  ])('parses %j to the nearest supported release', (v, want) => {
    expect(parseVersion(v)).toEqual(want);
  });
  it('a 1.34 patch release before the cherry-pick names the taint, from 1.34.3 on it does not; "1.34" means the newest patch', () => {
    expect(schedulerTexts('1.34.2').untoleratedTaint('k', 'v')).toBe('node(s) had untolerated taint {k: v}');
    expect(schedulerTexts('1.34.3').untoleratedTaint('k', 'v')).toBe('node(s) had untolerated taint(s)');
    expect(schedulerTexts('1.34').untoleratedTaint('k', 'v')).toBe('node(s) had untolerated taint(s)');
  });
  it('DynamicResources PostFilter text from 1.34, preemption Success message from 1.37, default newest', () => {
    expect(schedulerTexts('1.33').draNoClaims).toBeUndefined();
    expect(schedulerTexts('1.34.0').draNoClaims).toBe('no new claims to deallocate');
    expect(schedulerTexts('1.36').preemptionSuccess).toBeUndefined();
    expect(schedulerTexts(undefined).preemptionSuccess?.('n', 2)).toBe('found a potential placement for pod on node n, preempting 2 victims');
    expect(schedulerTexts(undefined).version).toBe('1.37');
  });
});
