/**
 * The core's conventions that a type checker cannot see (specs/api.md, STYLE rules 1, 8):
 * the pure core (src/core, src/_internal, src/index.ts) uses no Node-only API, so it runs
 * unchanged in browsers, never imports the data or CLI layers, and draws no randomness
 * from the global generator Math[random] (only from explicit keys).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const core = [...sources(join(root, 'src', 'core')), ...sources(join(root, 'src', '_internal')), join(root, 'src', 'index.ts')];

// The banned name is assembled so that this file does not itself contain it.
const globalRandom = ['Math', 'random'].join('.');

test('core: no Node-only API, no import of src/data, no global random generator', () => {
  const found: string[] = [];
  for (const file of core) {
    // Comments may mention these names; only code counts.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const rules: [RegExp, string][] = [
      [/from\s+'node:|require\(|from\s+'(fs|path|os|child_process|worker_threads)'/, 'imports a Node module'],
      [/\b(process|Buffer|__dirname)\b\s*[.[(]/, 'uses a Node global'],
      [/from\s+'[./]*\/data\//, 'imports the data layer'],
      [new RegExp(globalRandom.replace('.', '\\.')), `uses ${globalRandom}`],
    ];
    for (const [re, what] of rules) if (re.test(code)) found.push(`${relative(root, file)} ${what}`);
  }
  expect(core.length).toBeGreaterThan(20);
  expect(found).toEqual([]);
});
