// What `hookd doctor` can learn about plugins without a receiver: checkPlugins() loads each file
// as serve would and looks for exec commands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkPlugins } from '../dist/dispatch/check.js';
import { appenderPlugin, prepare, tempDir, testConfig, writePlugin } from './helpers/plugins.js';

describe('checkPlugins', () => {
  it('names each plugin that loads and says why the others do not', async () => {
    const dir = tempDir('hookd-check-');
    const config = testConfig({
      plugins: {
        builtins: [
          { name: 'shell', exec: { command: 'sh', args: ['-c', 'true'] } },
          { name: 'missing', exec: { command: 'no-such-command-hookd' } },
          { name: 'relay', forward: { url: 'http://127.0.0.1:3000/' } },
        ],
      },
    });
    const cfg = prepare(dir, config);
    writePlugin(dir, 'good.mjs', appenderPlugin(path.join(dir, 'x.txt')));
    writePlugin(dir, 'syntax.mjs', 'export default { handle( {\n');
    writePlugin(dir, 'nohandle.mjs', 'export default { match: {} };\n');
    writePlugin(dir, 'badmatch.mjs', "export default { match: { where: { path: 'level', atLeast: 'loud' } }, handle() {} };\n");
    writePlugin(dir, 'shadow.mjs', "export default { name: 'relay', handle() {} };\n");
    writePlugin(dir, '_lib.mjs', 'throw new Error("not a plugin");\n');
    fs.writeFileSync(path.join(dir, 'plugins', 'notes.txt'), 'not a plugin either');

    const checks = await checkPlugins(cfg.plugins, cfg.baseDir, { PATH: process.env.PATH });
    const by = Object.fromEntries(checks.map((c) => [c.file ? path.basename(c.file) : c.name, c]));
    assert.deepEqual(Object.keys(by).sort(), ['badmatch.mjs', 'good.mjs', 'missing', 'nohandle.mjs', 'relay', 'shadow.mjs', 'shell', 'syntax.mjs']);
    assert.deepEqual([by['good.mjs'].ok, by['good.mjs'].name], [true, 'good']);
    assert.equal(by.shell.ok, true);
    assert.equal(by.relay.ok, true);
    assert.deepEqual([by.missing.ok, by.missing.message], [false, 'no-such-command-hookd is not on PATH']);
    assert.match(by['syntax.mjs'].message, /^cannot be loaded: SyntaxError/);
    assert.match(by['nohandle.mjs'].message, /no handle\(event, ctx\) function/);
    assert.match(by['badmatch.mjs'].message, /atLeast must be one of/);
    assert.deepEqual([by['shadow.mjs'].ok, by['shadow.mjs'].message], [false, "the name 'relay' is already taken by the config"]);
  });
});
