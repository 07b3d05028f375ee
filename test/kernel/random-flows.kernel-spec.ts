/**
 * Kernel suite, generated clusters: for each seed (KERNEL_RANDOM_SEEDS, comma-separated; two fixed ones by
 * default, so a red run is reproducible), a random cluster on the two-node topology (support/random-cluster.ts) is
 * built in namespaces and a few dozen random flows are checked against trace(), over the rendered rules and over
 * the kernel's iptables-save. Catches what hand-written scenarios do not think of.
 */
import { checkPreconditions } from './support/netns';
import { randomCluster } from './support/random-cluster';
import { worldSuite } from './support/world-suite';

const pre = checkPreconditions();
const SEEDS = (process.env['KERNEL_RANDOM_SEEDS'] ?? '20261203,4242').split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x));
const FLOWS = Number(process.env['KERNEL_RANDOM_FLOWS'] ?? 24);

if (!pre.ok) {
  describe('kernel suite preconditions (generated clusters)', () => {
    it('says why the kernel suite cannot run here', () => {
      expect(pre.reason).toMatch(/permission|missing binary|platform|kernel support/);
    });
  });
} else {
  for (const seed of SEEDS) {
    const c = randomCluster(seed, FLOWS);
    describe(`kernel: generated cluster ${c.describe}`, () => {
      worldSuite(pre, (dumps) => c.build(dumps), c.scenarios);
      it(`draws ${FLOWS} distinct flows from seed ${seed}`, () => {
        expect(c.scenarios).toHaveLength(FLOWS);
        expect(new Set(c.scenarios.map((s) => s.name)).size).toBe(FLOWS);
      });
    });
  }
}
