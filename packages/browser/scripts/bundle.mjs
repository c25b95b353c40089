// Writes dist/sift.min.js: the client as one minified ES module, for a <script type="module"> or a CDN.
import { rolldown } from 'rolldown';
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The minified bundle's code. */
export async function bundle() {
  const build = await rolldown({ input: join(root, 'src/index.ts'), logLevel: 'silent' });
  const { output } = await build.generate({ format: 'esm', minify: true });
  await build.close();
  return output[0].code;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const code = await bundle();
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist/sift.min.js'), code);
  console.log(`dist/sift.min.js: ${code.length} bytes, ${gzipSync(code).length} gzipped`);
}
