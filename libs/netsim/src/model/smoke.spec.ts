import { PROTOCOLS } from '../index';
describe('model', () => {
  it('lists the three Kubernetes protocols in API case', () => {
    expect(PROTOCOLS).toEqual(['TCP', 'UDP', 'SCTP']);
  });
});
