/**
 * The few facts a build needs from a Dockerfile before running it: whether it has RUN steps
 * (which execute arm64 binaries, so need qemu on other hosts) and which base images FROM pulls
 * (a base on the plain-HTTP target registry needs TLS verification off for the pull).
 * Pure: the caller reads the file. Syntax: docs.docker.com/reference/dockerfile/.
 */

export interface DockerfileFacts {
  /** Number of RUN instructions across all stages. */
  runSteps: number;
  /** Base images pulled by FROM, build args expanded; stage names and "scratch" left out. */
  bases: string[];
}

interface Instruction {
  keyword: string;
  rest: string;
}

/** Joins continuation lines, drops comments, and skips heredoc bodies ("RUN <<EOF … EOF"). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Docker drops whole-line comments, even between continuation lines.
    if (/^\s*#/.test(line)) continue;
    if (/\\\s*$/.test(line)) {
      current += line.replace(/\\\s*$/, ' ');
      continue;
    }
    current += line;
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(current);
    current = '';
    if (!match) continue;
    out.push({ keyword: match[1]!.toUpperCase(), rest: match[2]!.trim() });
    for (const heredoc of match[2]!.matchAll(/<<-?["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)) {
      const end = heredoc[1]!;
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== end) i++;
      i++;
    }
  }
  return out;
}

/** Expands $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} the way FROM lines may use them. */
export function expandArgs(text: string, values: Record<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const value = values[(braced ?? bare)!];
      if (op === '-') return value ? value : word ?? '';
      if (op === '+') return value ? word ?? '' : '';
      return value ?? '';
    });
}

/** ARG lines before the first FROM set defaults usable in FROM; --build-arg values win. */
function globalArg(rest: string, args: Record<string, string>, defaults: Record<string, string>): void {
  for (const decl of rest.split(/\s+/)) {
    const eq = decl.indexOf('=');
    const name = eq < 0 ? decl : decl.slice(0, eq);
    const value = eq < 0 ? undefined : decl.slice(eq + 1).replace(/^["']|["']$/g, '');
    const given = args[name];
    if (given !== undefined) defaults[name] = given;
    else if (value !== undefined) defaults[name] = value;
  }
}

export function dockerfileFacts(text: string, args: Record<string, string> = {}): DockerfileFacts {
  const defaults: Record<string, string> = {};
  const stages = new Set<string>();
  const bases: string[] = [];
  let runSteps = 0;
  let seenFrom = false;
  for (const { keyword, rest } of instructions(text)) {
    if (keyword === 'RUN') runSteps++;
    else if (keyword === 'ARG' && !seenFrom) globalArg(rest, args, defaults);
    else if (keyword === 'FROM') {
      seenFrom = true;
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = expandArgs(words[0] ?? '', defaults);
      if (image !== '' && image !== 'scratch' && !stages.has(image.toLowerCase()) && !bases.includes(image)) {
        bases.push(image);
      }
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
    }
  }
  return { runSteps, bases };
}
