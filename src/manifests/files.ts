/**
 * Multi-document YAML (and JSON, a YAML subset) kept as the parser's concrete syntax tree, so a
 * rewrite can change single scalars and print everything else byte for byte: comments, key
 * order, quoting, indentation and `---` separators.
 */
import { readFile } from 'node:fs/promises';
import { CST, Composer, LineCounter, Parser, type Document, type Scalar } from 'yaml';
import { InputError } from '../errors.js';
import { yamlReason } from '../yaml-errors.js';

export interface ManifestFile {
  /** As the user should read it: relative to the working folder. */
  name: string;
  /** Where it was read from (the name when parsed from text). */
  path: string;
  docs: Document.Parsed[];
  /** The CST the documents were composed from; scalars are edited here. */
  tokens: CST.Token[];
}

/** A YAML file that does not parse; the message names the file and line. */
export class ManifestSyntaxError extends InputError {
  override name = 'ManifestSyntaxError';
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: invalid YAML: ${reason}`);
  }
}

/** Parse `text`; throws ManifestSyntaxError at the first error of any document. */
export function parseManifest(name: string, text: string, path = name): ManifestFile {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  // Duplicate keys are kubectl's business, not a reason to miss the images next to them.
  const docs = [...new Composer({ keepSourceTokens: true, uniqueKeys: false }).compose(tokens)];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw new ManifestSyntaxError(name, lines.linePos(err.pos[0]).line, yamlReason(err.message));
  }
  return { name, path, docs, tokens };
}

export async function readManifest(path: string, name: string): Promise<ManifestFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${name}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseManifest(name, text, path);
}

/** The file's text with every scalar edit applied. */
export function renderManifest(file: ManifestFile): string {
  return file.tokens.map((t) => CST.stringify(t)).join('');
}

/**
 * Replace a scalar's value in the CST. Its quoting style is kept (plain, single or double quoted,
 * block); the yaml package escapes as that style needs.
 */
export function setScalar(node: Scalar, value: string): void {
  const token = node.srcToken;
  if (!token) throw new Error('scalar has no source token (parse with keepSourceTokens)');
  CST.setScalarValue(token, value);
  node.value = value;
}
