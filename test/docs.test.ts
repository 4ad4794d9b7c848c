import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository's documentation stands alone: a clone has no `../shared`, so nothing may point
 * there, and every relative link in a Markdown file must reach a file of the repository.
 */
const root = join(import.meta.dirname, '..');
const markdown = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && existsSync(join(root, file)));

describe('Markdown files', () => {
  it('include the README and the docs', () => {
    expect(markdown).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/contracts.md', 'docs/limits.md']),
    );
  });

  it.each(markdown)('%s points nowhere outside the repository', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(text).not.toMatch(/\.\.\/shared|shared\/(DESIGN|STYLE)\.md|shared\/reference/);
    // Code (fenced blocks and `spans`) shows link syntax rather than linking.
    const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    const targets = [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^([a-z]+:|#)/i.test(target))
      .map((target) => target.replace(/#.*$/, ''));
    for (const target of targets)
      expect(existsSync(join(root, dirname(file), target)), `${file} → ${target}`).toBe(true);
  });
});
