import 'reflect-metadata';
import { CONTROLLERS } from '../controllers';
import { OPENAPI } from './openapi';
import { routesOf } from './routes';

describe('the OpenAPI document', () => {
  it('documents exactly the routes the controllers serve', () => {
    const documented = Object.entries(OPENAPI.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(routesOf(CONTROLLERS as never));
  });

  it('names only schemas it defines', () => {
    const refs = [...JSON.stringify(OPENAPI).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    for (const r of new Set(refs)) expect(Object.keys(OPENAPI.components.schemas)).toContain(r);
  });
});
