import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

/** "GET /v1/clusters/{id}" for every handler of the given controllers, from Nest's own route metadata. */
export function routesOf(controllers: readonly (new (...args: never[]) => unknown)[]): string[] {
  const out: string[] = [];
  for (const c of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, c) ?? '');
    for (const name of Object.getOwnPropertyNames(c.prototype)) {
      const handler = (c.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (method === undefined || sub === undefined) continue;
      const full = ('/' + [base, sub].filter((x) => x && x !== '/').join('/')).replace(/\/+/g, '/').replace(/:(\w+)/g, '{$1}');
      out.push(`${RequestMethod[method]} ${full === '/' ? '/' : full.replace(/\/$/, '')}`);
    }
  }
  return out.sort();
}
