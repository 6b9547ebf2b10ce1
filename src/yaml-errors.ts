/**
 * YAML that does not parse, as the one line a user reads: "file:line: invalid YAML: reason".
 * Stack files, manifests, kustomizations and build recipes all report it this way. No I/O.
 */
import type { Document, YAMLError } from 'yaml';
import { InputError } from './errors.js';

/** The yaml package's message without its " at line L, column C:" suffix and code frame. */
export function yamlReason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/** A parse error of `file` (parsed with yaml's default prettyErrors, which sets linePos). */
export function yamlInputError(file: string, err: YAMLError): InputError {
  const line = err.linePos?.[0]?.line;
  return new InputError(`${file}${line === undefined ? '' : `:${line}`}: invalid YAML: ${yamlReason(err.message)}`);
}

/** A document as plain values; expanding aliases past yaml's bound (a "billion laughs" file) is bad input. */
export function yamlValue(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    throw new InputError(`${file}: invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}
