/**
 * Lets a child `node` process run the TypeScript fixtures: `node -r ./ts-register.js fixture.ts`. Compiles `.ts`
 * with @swc/core as it is required (dynamic `import()` kept native, so ES-module packages load as they would
 * from tsc's output) and maps `tributary` / `tributary/testing` to the sources.
 */
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const swc = require('@swc/core');

const root = resolve(__dirname, '../../../..');
const aliases = { tributary: join(root, 'src/index.ts'), 'tributary/testing': join(root, 'src/testing/index.ts') };

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases[request] ?? request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    module: { type: 'commonjs', ignoreDynamic: true },
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  });
  module._compile(code, filename);
};
