/** Errors of arm64 builds: a missing prerequisite, or a builder command that failed. */

/** The machine lacks something a build needs (a builder, qemu binfmt); nothing was built. */
export class BuildPrerequisiteError extends Error {
  override name = 'BuildPrerequisiteError';
}

/** A builder command exited non-zero; the message ends with the last lines it printed. */
export class BuildError extends Error {
  override name = 'BuildError';
  constructor(
    readonly command: string,
    readonly code: number,
    readonly image: string,
    readonly tail: string[],
  ) {
    const shown = tail.length ? `:\n${tail.map((l) => `  | ${l}`).join('\n')}` : '';
    super(`building ${image}: ${command} failed (exit ${code})${shown}`);
  }
}
