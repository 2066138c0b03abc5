/**
 * Reading registry files: list the YAML files of a folder, parse each strictly, and turn every
 * YAML error into a problem with its line and column, so an operator can fix them all in one pass.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import type { RegistryProblem } from './registry-types.js';

export interface RegistryFile {
  /** consentDir joined with the relative name, as the operator would type it. */
  file: string;
  /** The exact bytes read: their SHA-256 identifies the agreement text a decision relied on. */
  bytes: Buffer;
}

const YAML_FILE = /^[^.].*\.ya?ml$/;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The `*.yaml`/`*.yml` files of consentDir/folder, sorted by name (dot-files, e.g. editor swaps, skipped). */
export function readFolder(
  consentDir: string,
  folder: string,
  problems: RegistryProblem[],
  options: { nonEmpty: boolean },
): RegistryFile[] {
  const dir = join(consentDir, folder);
  if (!isDirectory(dir)) {
    problems.push({ file: dir, path: '(root)', message: 'folder not found' });
    return [];
  }
  const names = readdirSync(dir)
    .filter((name) => YAML_FILE.test(name) && !isDirectory(join(dir, name)))
    .sort();
  if (options.nonEmpty && names.length === 0) {
    problems.push({ file: dir, path: '(root)', message: 'no *.yaml or *.yml files' });
  }
  return names.map((name) => ({ file: join(dir, name), bytes: readFileSync(join(dir, name)) }));
}

function yamlProblem(file: string, error: YAMLError): RegistryProblem {
  const pos = error.linePos?.[0];
  // prettyErrors appends " at line L, column C:" and a source excerpt; keep the first sentence only.
  const message = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
  return {
    file,
    path: pos ? `(yaml line ${pos.line} col ${pos.col})` : '(yaml)',
    message: `${error.code}: ${message}`,
  };
}

/** Parsed content, or undefined when the file cannot be read as one YAML document (problems added). */
export function parseYaml(f: RegistryFile, problems: RegistryProblem[]): unknown {
  // YAML 1.2 core schema (the default): `on`/`no` stay strings and dates stay strings for `format: date`.
  // uniqueKeys: a duplicated key would silently keep only one value, so it is an error.
  const doc = parseDocument(f.bytes.toString('utf8'), { uniqueKeys: true, prettyErrors: true, strict: true });
  const issues = [...doc.errors, ...doc.warnings];
  problems.push(...issues.map((e) => yamlProblem(f.file, e)));
  if (doc.errors.length > 0) return undefined;
  if (doc.contents === null) {
    problems.push({ file: f.file, path: '(root)', message: 'file is empty' });
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e: unknown) {
    problems.push({ file: f.file, path: '(root)', message: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}
