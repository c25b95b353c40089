import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { Ignore } from '@balena/dockerignore';
import { DockerfileParser, type Copy, type Env, type Arg, type JSONInstruction, type From } from 'dockerfile-ast';

// A CommonJS module whose export is the function itself, which its typings call `default`.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as () => Ignore;

/**
 * Re-enacts a Dockerfile's stages on this machine, without Docker: each stage gets a folder that
 * stands for its root filesystem; COPY takes exactly what it names from the build context minus
 * .dockerignore (or, with --from, from the earlier stage's folder); RUN runs there with WORKDIR,
 * ENV and ARG honoured. What the base image provides (Node, npm, a shell) comes from this machine,
 * with `nodeBinDir` first on PATH.
 */

export interface Stage {
  name: string | null;
  image: string;
  /** The folder standing for the stage's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

export interface ReenactOptions {
  context: string;
  dockerfile: string;
  /** A folder holding the `node` the base image would provide. */
  nodeBinDir: string;
  log?: (line: string) => void;
}

/** The images a Dockerfile's stages start from, with ARG defaults filled in. */
export function stageImages(dockerfile: string): string[] {
  return DockerfileParser.parse(readFileSync(dockerfile, 'utf8'))
    .getFROMs()
    .map((from) => from.getExpandedArguments()[0]!.getValue());
}

export async function reenactDockerfile(options: ReenactOptions): Promise<Stage[]> {
  const parsed = DockerfileParser.parse(readFileSync(options.dockerfile, 'utf8'));
  const ignored = ignore().add(
    existsSync(join(options.context, '.dockerignore')) ? readFileSync(join(options.context, '.dockerignore'), 'utf8') : '',
  );
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  // ARGs declared in a stage reach its RUN steps as environment variables.
  let args: Record<string, string> = {};

  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as From;
      stage = {
        name: from.getBuildStage(),
        image: from.getExpandedArguments()[0]!.getValue(),
        root: mkdtempSync(join(tmpdir(), 'sift-image-')),
        workdir: '/',
        env: {},
        entrypoint: [],
        cmd: [],
      };
      stages.push(stage);
      args = {};
      options.log?.(`FROM ${stage.image}${stage.name ? ` AS ${stage.name}` : ''} → ${stage.root}`);
      continue;
    }
    if (!stage) {
      if (keyword === 'ARG') continue; // before the first FROM: only fills in image names
      throw new Error(`${keyword} before the first FROM`);
    }
    const current: Stage = stage;
    const inStage = (path: string) => join(current.root, posix.resolve(current.workdir, path));
    switch (keyword) {
      case 'WORKDIR':
        current.workdir = posix.resolve(current.workdir, instruction.getArguments()[0]!.getValue());
        mkdirSync(join(current.root, current.workdir), { recursive: true });
        break;
      case 'ENV':
        for (const property of (instruction as Env).getProperties()) current.env[property.getName()] = property.getValue() ?? '';
        break;
      case 'ARG':
        for (const property of [(instruction as Arg).getProperty()]) if (property) args[property.getName()] = property.getValue() ?? '';
        break;
      case 'COPY': {
        const copy = instruction as Copy;
        const values = jsonOrWords(copy);
        const dest = values.pop()!;
        const from = copy.getFromFlag()?.getValue();
        if (from) {
          const source = stages.find((s) => s.name === from) ?? stages[Number(from)];
          if (!source || source === current) throw new Error(`COPY --from=${from}: no earlier stage of that name`);
          for (const path of values) copyFromStage(source, path, inStage(dest), values.length > 1 || dest.endsWith('/'));
        } else {
          copyFromContext(options.context, ignored, values, inStage(dest), values.length > 1 || dest.endsWith('/'));
        }
        options.log?.(`COPY ${from ? `--from=${from} ` : ''}${values.join(' ')} ${dest}`);
        break;
      }
      case 'RUN': {
        const exec = jsonOrWords(instruction as JSONInstruction, false);
        const command = exec ?? ['sh', '-c', instruction.getRawArgumentsContent() ?? ''];
        options.log?.(`RUN ${command.join(' ')}`);
        const result = await run(command, {
          cwd: join(current.root, current.workdir),
          env: { ...baseEnv(options.nodeBinDir), ...args, ...current.env },
        });
        if (result.code !== 0)
          throw new Error(
            `RUN ${instruction.getRawArgumentsContent()} failed (exit ${result.code}) in stage ${current.name ?? stages.length - 1}:\n${result.output.slice(-4000)}`,
          );
        break;
      }
      case 'ENTRYPOINT':
        current.entrypoint = jsonOrWords(instruction as JSONInstruction, false) ?? ['sh', '-c', instruction.getRawArgumentsContent() ?? ''];
        break;
      case 'CMD':
        current.cmd = jsonOrWords(instruction as JSONInstruction, false) ?? ['sh', '-c', instruction.getRawArgumentsContent() ?? ''];
        break;
      case 'USER':
      case 'EXPOSE':
      case 'LABEL':
      case 'STOPSIGNAL':
      case 'HEALTHCHECK':
        break; // metadata of the image, nothing to build
      default:
        throw new Error(`${keyword} is not re-enacted here: extend test/helpers/dockerfile-stages.ts`);
    }
  }
  return stages;
}

/** The environment a step sees: this machine's, without npm's or the test runner's own, and the base image's Node first on PATH. */
export function baseEnv(nodeBinDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|VITEST|CLICKHOUSE_|NATS_|SIFT_)|^NODE_(ENV|OPTIONS)$/i.test(key)) continue;
    env[key] = value;
  }
  // Native addons compile against the headers of the Node that runs them.
  if (process.env.npm_config_nodedir) env.npm_config_nodedir = process.env.npm_config_nodedir;
  env.PATH = `${nodeBinDir}:${process.env.PATH ?? ''}`;
  return env;
}

export function run(
  command: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => ((stdout += d), (output += d)));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, stdout }));
  });
}

/** The JSON form's strings, or (for COPY) the shell form's words; undefined for a RUN/CMD/ENTRYPOINT in shell form. */
function jsonOrWords(instruction: JSONInstruction): string[];
function jsonOrWords(instruction: JSONInstruction, wordsAllowed: false): string[] | undefined;
function jsonOrWords(instruction: JSONInstruction, wordsAllowed = true): string[] | undefined {
  const json = instruction.getJSONStrings().map((s) => s.getJSONValue());
  if (json.length) return json;
  return wordsAllowed ? instruction.getArguments().map((a) => a.getValue()) : undefined;
}

function copyFromContext(context: string, ignored: Ignore, sources: string[], dest: string, intoDir: boolean): void {
  for (const raw of sources) {
    if (/[*?[]/.test(raw)) throw new Error(`COPY ${raw}: wildcards are not re-enacted here`);
    const path = posix.normalize(raw).replace(/^(\.\/|\/)+/, '');
    const absolute = join(context, path);
    if (path === '' || path === '.') throw new Error('COPY of the whole context is not re-enacted here');
    if (ignored.ignores(path) || !existsSync(absolute))
      throw new Error(`COPY ${raw}: not found in the build context (missing, or excluded by .dockerignore)`);
    if (!lstatSync(absolute).isDirectory()) {
      copyEntry(absolute, intoDir ? join(dest, basename(path)) : dest);
      continue;
    }
    // A directory's contents go to the destination, less what .dockerignore excludes.
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(absolute, { recursive: true, withFileTypes: true })) {
      const full = join(entry.parentPath, entry.name);
      const rel = relative(context, full);
      if (entry.isDirectory() || ignored.ignores(rel)) continue;
      copyEntry(full, join(dest, relative(absolute, full)));
    }
  }
}

function copyEntry(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else copyFileSync(from, to);
}

function copyFromStage(source: Stage, path: string, dest: string, intoDir: boolean): void {
  const absolute = join(source.root, posix.resolve(source.workdir, path));
  if (!existsSync(absolute)) throw new Error(`COPY --from=${source.name}: ${path} does not exist in that stage`);
  const target = !lstatSync(absolute).isDirectory() && intoDir ? join(dest, basename(absolute)) : dest;
  // Symlinks stay as they are (npm's .bin links, workspace links), as Docker copies them.
  cpSync(absolute, target, { recursive: true, verbatimSymlinks: true });
}
