/**
 * Every relative link in the Markdown of README.md, docs/ and proofs/ points at a file or
 * folder that exists, so a student following the study path never meets a dead end.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function markdown(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...markdown(p));
    else if (name.endsWith('.md')) out.push(p);
  }
  return out;
}

test('docs: every relative link in README.md, docs/ and proofs/ resolves', () => {
  const files = [join(root, 'README.md'), ...markdown(join(root, 'docs')), ...markdown(join(root, 'proofs'))];
  const dead: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      if (!existsSync(join(dirname(file), target))) dead.push(`${relative(root, file)}: ${m[1]}`);
    }
  }
  expect(dead).toEqual([]);
});
