/**
 * One stored object -> its normalized form, for views that show a single object (the API's snapshot lists): the
 * same readers the snapshot build uses, so a view never disagrees with what the engine answers from.
 */
import type { Node, Service } from '../model/types';
import type { Diagnostic } from './diagnostics';
import { Reader } from './fields';
import { readNode, readService } from './objects';
import { asParsed, finish } from './pod';

export function nodeFromObject(obj: unknown): Node {
  const po = asParsed(obj);
  const diags: Diagnostic[] = [];
  const n = readNode(new Reader(po, diags), po.obj);
  return finish(diags, n);
}

export function serviceFromObject(obj: unknown): Service {
  const po = asParsed(obj);
  const diags: Diagnostic[] = [];
  const s = readService(new Reader(po, diags), po.obj);
  return finish(diags, s);
}
