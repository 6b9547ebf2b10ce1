/**
 * The generated support table inside a README, between two HTML comments that markdown hides:
 * only that block is rewritten, so the rest of the file stays the author's, and writing the same
 * table twice gives the same bytes.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../files.js';

export const MATRIX_START = '<!-- ampere-images:matrix:start -->';
export const MATRIX_END = '<!-- ampere-images:matrix:end -->';

/** Offsets of `marker` standing alone on a line: a README may mention the markers in its prose. */
function markerLines(text: string, marker: string): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === marker) out.push(offset + line.indexOf(marker));
    offset += line.length + 1;
  }
  return out;
}

/** Replace what lies between the markers with `block`; throws InputError naming the file when they are missing. */
export function replaceMatrixBlock(text: string, block: string, file: string): string {
  const starts = markerLines(text, MATRIX_START);
  const ends = markerLines(text, MATRIX_END);
  if (starts.length === 0) throw new InputError(`${file}: missing marker ${MATRIX_START} (on a line of its own)`);
  if (ends.length === 0) throw new InputError(`${file}: missing marker ${MATRIX_END} (on a line of its own)`);
  if (starts.length > 1) throw new InputError(`${file}: ${MATRIX_START} appears more than once`);
  const start = starts[0]!;
  const end = ends.find((e) => e > start);
  if (end === undefined) throw new InputError(`${file}: ${MATRIX_END} comes before ${MATRIX_START}`);
  const head = text.slice(0, start + MATRIX_START.length);
  const tail = text.slice(end);
  // A README checked out with CRLF (git autocrlf) keeps CRLF: only the block may change.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${head}${eol}${block.trim().replace(/\r?\n/g, eol)}${eol}${tail}`;
}

async function readReadme(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Fail before any registry work when the README cannot take the table. */
export async function checkReadme(file: string): Promise<void> {
  replaceMatrixBlock(await readReadme(file), '', file);
}

/** Rewrite the block in place; returns whether the file changed. */
export async function updateReadme(file: string, block: string): Promise<boolean> {
  const text = await readReadme(file);
  const next = replaceMatrixBlock(text, block, file);
  if (next === text) return false;
  await writeFileAtomic(file, next);
  return true;
}
