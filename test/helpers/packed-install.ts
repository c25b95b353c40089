import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

/** A workspace package as `npm pack` ships it, installed alone in a temporary project. */
export interface PackedInstall {
  /** The project folder: run `node` here and `import` the package by its name. */
  dir: string;
  /** Runs an ES module script in the project; returns its stdout. */
  run(script: string): string;
  dispose(): void;
}

/**
 * Packs `packages/<name>` and unpacks the tarball into a fresh project's node_modules, with only
 * its declared dependencies linked from this repository's node_modules (no network): a file the
 * tarball lacks, or an import of anything it does not declare, fails there as it would for a user.
 */
export function installPacked(name: string): PackedInstall {
  const packageDir = join(repoRoot, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    main: string;
    dependencies?: Record<string, string>;
  };
  if (!existsSync(join(packageDir, manifest.main))) throw new Error(`packages/${name}/${manifest.main} is missing: run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), `sift-packed-${name}-`));
  try {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: packageDir, encoding: 'utf8' }),
    ) as Array<{ filename: string }>;
    const installed = join(dir, 'node_modules', manifest.name);
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, packed!.filename), '-C', installed, '--strip-components=1']);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const link = join(dir, 'node_modules', dependency);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(repoRoot, 'node_modules', dependency), link, 'dir');
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'packed-install', private: true, type: 'module' }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    run: (script) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 30_000 }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
