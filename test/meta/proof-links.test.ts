/**
 * The links between proofs/ and the tests, checked both ways (STYLE rule 17):
 * - every claim in a proof's front-matter has a statement, assumptions and test files,
 *   and each named test file has a test whose name begins with the claim id;
 * - every test name that begins with a claim id cites a claim that exists, in a proof
 *   that lists that test file;
 * - every property test (test.prop) begins with a claim id: no property without a proof.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');

function walk(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

const rel = (p: string) => relative(root, p).split(sep).join('/');

interface Claim {
  id: string;
  statement: string;
  assumptions: string;
  tests: string[];
  proof: string;
}

function frontMatter(text: string, file: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error(`${file}: no YAML front-matter`);
  return parse(m[1]!) as Record<string, unknown>;
}

const proofFiles = walk(join(root, 'proofs'), '.md').filter((p) => !p.endsWith('README.md'));
const claims = new Map<string, Claim>();
const proofErrors: string[] = [];
for (const file of proofFiles) {
  const fm = frontMatter(readFileSync(file, 'utf8'), rel(file));
  const stem = rel(file).replace(/^proofs\//, '').replace(/\.md$/, '');
  const list = fm.claims;
  if (!Array.isArray(list) || list.length === 0) {
    proofErrors.push(`${rel(file)}: front-matter has no claims`);
    continue;
  }
  for (const c of list as Record<string, unknown>[]) {
    const id = String(c.id ?? '');
    if (!id.startsWith(`${stem}#`)) proofErrors.push(`${rel(file)}: claim id '${id}' must start with '${stem}#'`);
    for (const key of ['statement', 'assumptions'] as const) {
      if (typeof c[key] !== 'string' || (c[key] as string).trim() === '') proofErrors.push(`${id}: missing ${key}`);
    }
    const tests = Array.isArray(c.tests) ? (c.tests as unknown[]).map(String) : [];
    if (tests.length === 0) proofErrors.push(`${id}: lists no tests`);
    if (claims.has(id)) proofErrors.push(`${id}: defined twice`);
    claims.set(id, { id, statement: String(c.statement), assumptions: String(c.assumptions), tests, proof: rel(file) });
  }
}

const testFiles = walk(join(root, 'test'), '.test.ts');
const claimIdPattern = /(['"`])([a-z0-9-]+(?:\/[a-z0-9-]+)+#[a-z0-9-]+):/g;

/** Names of the test.prop(...)(name, ...) calls in a source file. */
function propertyTestNames(src: string): string[] {
  const names: string[] = [];
  let at = src.indexOf('test.prop(');
  while (at >= 0) {
    let i = at + 'test.prop('.length;
    let depth = 1;
    while (i < src.length && depth > 0) {
      const ch = src[i++];
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if (ch === ')' || ch === ']' || ch === '}') depth--;
    }
    const rest = src.slice(i);
    const m = /^\s*\(\s*(['"`])([^'"`]*)/.exec(rest);
    names.push(m ? m[2]! : '<unparsed>');
    at = src.indexOf('test.prop(', i);
  }
  return names;
}

describe('proofs <-> tests', () => {
  test('every proof front-matter is well formed', () => {
    expect(proofFiles.length).toBeGreaterThan(0);
    expect(proofErrors).toEqual([]);
  });

  test('every claim is checked by a test in each file it names', () => {
    const missing: string[] = [];
    for (const c of claims.values()) {
      for (const t of c.tests) {
        const p = join(root, t);
        if (!existsSync(p)) {
          missing.push(`${c.id} (${c.proof}): test file ${t} does not exist`);
          continue;
        }
        const src = readFileSync(p, 'utf8');
        const cited = [...src.matchAll(claimIdPattern)].some((m) => m[2] === c.id);
        if (!cited) missing.push(`${c.id} (${c.proof}): no test in ${t} is named '${c.id}: ...'`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('every test that cites a claim cites one that exists and lists its file', () => {
    const unknown: string[] = [];
    for (const file of testFiles) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(claimIdPattern)) {
        const c = claims.get(m[2]!);
        if (!c) unknown.push(`${rel(file)}: cites unknown claim ${m[2]}`);
        else if (!c.tests.includes(rel(file))) unknown.push(`${rel(file)}: cites ${c.id}, whose proof ${c.proof} does not list this file`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test('every property test names the claim it checks', () => {
    const orphans: string[] = [];
    // This file's own comments mention test.prop; the meta tests check no claim.
    for (const file of testFiles.filter((f) => !rel(f).startsWith('test/meta/'))) {
      for (const name of propertyTestNames(readFileSync(file, 'utf8'))) {
        const m = /^([a-z0-9-]+(?:\/[a-z0-9-]+)+#[a-z0-9-]+):/.exec(name);
        if (!m || !claims.has(m[1]!)) orphans.push(`${rel(file)}: property '${name}' names no claim`);
      }
    }
    expect(orphans).toEqual([]);
  });
});
