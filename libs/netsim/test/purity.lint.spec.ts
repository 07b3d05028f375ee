import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The engine must stay pure. This lints a probe as if it were engine source (ESLint's --stdin-filename), so a
 * weakened boundary config fails here, not months later in a code review.
 */
const root = path.resolve(__dirname, '../../..');
const probe = [
  "import { Injectable } from '@nestjs/common';",
  "import { PrismaClient } from '@prisma/client';",
  "import { Queue } from 'bullmq';",
  "import IORedis from 'ioredis';",
  "import { readFileSync } from 'fs';",
  "import { createHash } from 'node:crypto';",
  "import * as http from 'node:http';",
  'export const leaks = [Injectable, PrismaClient, Queue, IORedis, readFileSync, createHash, http, process.env, Buffer.from("x")];',
].join('\n');

function lint(filename: string, text: string): Array<{ line: number; ruleId: string; message: string }> {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', filename], { cwd: root, input: text, encoding: 'utf8' });
  const out = JSON.parse(r.stdout || '[]') as Array<{ messages: Array<{ line: number; ruleId: string; message: string }> }>;
  return out.flatMap((f) => f.messages);
}

describe('libs/netsim purity (lint)', () => {
  const messages = lint('libs/netsim/src/__purity_probe__.ts', probe);

  it.each([
    [1, '@nestjs/common'],
    [2, '@prisma/client'],
    [3, 'bullmq'],
    [4, 'ioredis'],
    [5, 'fs'],
    [6, 'node:crypto'],
    [7, 'node:http'],
  ])('rejects line %i, importing %s', (line) => {
    expect(messages.filter((m) => m.line === line && m.ruleId === 'no-restricted-imports')).not.toHaveLength(0);
  });

  it('rejects ambient process and Buffer', () => {
    const globals = messages.filter((m) => m.line === 8 && m.ruleId === 'no-restricted-globals').map((m) => m.message);
    expect(globals.join('\n')).toMatch(/process/);
    expect(globals.join('\n')).toMatch(/Buffer/);
  });

  it('allows the same imports in an app', () => {
    const appMessages = lint('apps/worker/src/__purity_probe__.ts', probe.replace(', process.env', ''));
    expect(appMessages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')).toEqual([]);
  });
});
