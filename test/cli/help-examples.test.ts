// `tskubectl <command> --help` ends with the same "Examples:" as the real kubectl's help
// (kubectl read as tskubectl), for every command kubectl/help-examples.ts has examples for.
// No cluster: help is printed before anything connects.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { EXAMPLES } from '../../kubectl/help-examples.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../kubectl/main.js', import.meta.url));

/** The "Examples:" block of a help text: from its heading to the next unindented line. */
function examplesOf(help: string): string {
  const start = help.indexOf('\nExamples:\n');
  if (start < 0) return '';
  const lines = help.slice(start + 1).split('\n');
  const end = lines.findIndex((l, i) => i > 0 && /^\S/.test(l));
  return lines.slice(0, end < 0 ? undefined : end).join('\n').trimEnd();
}

async function help(bin: string[], path: string): Promise<string> {
  const { stdout } = await run(bin[0], [...bin.slice(1), ...path.split(' '), '--help'], { env: { ...process.env, NO_COLOR: '1' } });
  return stdout;
}

describe('--help examples', () => {
  it('every command with examples prints kubectl\'s, as kubectl 1.32 prints them', async () => {
    const paths = Object.keys(EXAMPLES);
    assert.ok(paths.length >= 40, `${paths.length} commands with examples`);
    const differing: string[] = [];
    // Four at a time: each is a process start.
    for (let i = 0; i < paths.length; i += 4) {
      await Promise.all(paths.slice(i, i + 4).map(async (path) => {
        const ours = examplesOf(await help([process.execPath, MAIN], path));
        const theirs = examplesOf(await help(['kubectl'], path)).replace(/(?<![\w-])kubectl(?![\w-])/g, 'tskubectl');
        assert.ok(ours, `tskubectl ${path} --help has no Examples`);
        if (ours !== theirs) differing.push(`${path}:\n--- ours\n${ours}\n--- kubectl\n${theirs}`);
      }));
    }
    assert.deepEqual(differing, []);
  });

});
