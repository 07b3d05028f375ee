import type { NextFunction, Request, Response } from 'express';
import { truncate } from './truncate';

/** Deepest JSON body accepted; no request of this API nests beyond a handful of levels. */
export const MAX_BODY_DEPTH = 32;

export interface InputProblem {
  field: string;
  message: string;
}

/**
 * NUL characters (Postgres text cannot store them) and nesting beyond MAX_BODY_DEPTH, found in one iterative walk
 * (no recursion, so no stack overflow on a hostile body). The first problem is reported with its JSON path.
 */
export function inputProblem(value: unknown): InputProblem | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '$', depth: 0 }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const { v, path, depth } = top;
    if (typeof v === 'string') {
      if (v.includes('\0')) return { field: path, message: `${path} contains a NUL character` };
    } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      if (depth >= MAX_BODY_DEPTH) return { field: path, message: `${path} is nested deeper than ${MAX_BODY_DEPTH} levels` };
      for (const [k, child] of Object.entries(v)) {
        const p = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
        if (k.includes('\0')) return { field: p, message: `a key of ${path} contains a NUL character` };
        stack.push({ v: child, path: p, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Refuses, before any handler, a URL with a NUL (raw or %00) and a parsed JSON body with a NUL or excessive nesting:
 * 400 INVALID_INPUT naming the field, in GraphQL's error shape on /graphql.
 */
export function inputGuard(req: Request, res: Response, next: NextFunction): void {
  const problem: InputProblem | undefined = /%00|\0/i.test(req.originalUrl) ? { field: 'url', message: 'the URL contains a NUL character' } : inputProblem(req.body);
  if (!problem) return next();
  const field = truncate(problem.field, 120);
  const message = truncate(problem.message.replace(problem.field, field));
  if (req.path.startsWith('/graphql')) {
    res.status(400).json({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT', field } }] });
    return;
  }
  res.status(400).json({ error: { code: 'INVALID_INPUT', message, details: [{ field, message }] } });
}
