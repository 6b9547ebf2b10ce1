/**
 * The install plan as data: what to check, write, run and wait for, in order. plan.ts makes it,
 * exec.ts carries it out, and --dry-run / --json print it.
 */

/** Steps of the plan not owned by a stack component carry one of these component names. */
export const PREFLIGHT = 'preflight';
export const CONTAINERD = 'containerd';
export const CLUSTER = 'cluster';
export const BUILTIN_PARTS: readonly string[] = [PREFLIGHT, CONTAINERD, CLUSTER];

export type Check =
  /** The program answers its version command: ["kubeadm", "version", "-o", "short"]. */
  | { type: 'command'; argv: string[] }
  /** `uname -m`, reported. */
  | { type: 'arch'; argv: string[] }
  /** No active swap in this file (kubelet refuses to start with swap on). */
  | { type: 'swap'; file: string }
  /** GET URL answers (200, or 401 when the mirror wants credentials). */
  | { type: 'mirror'; url: string; insecure: boolean };

interface StepBase {
  /** Stable across runs: the state file keys completed steps by it. "containerd:hosts:quay.io". */
  id: string;
  /** Stack component name, or preflight / containerd / cluster. */
  component: string;
  /** One line for people: "wait until every node is Ready". */
  title: string;
}

/** Runs on every invocation and is never recorded: the facts may have changed since. */
export interface CheckStep extends StepBase {
  kind: 'check';
  check: Check;
}

export interface WriteStep extends StepBase {
  kind: 'write';
  path: string;
  content: string;
}

/** Set the CRI registry config_path in containerd's config.toml, keeping the rest of the file. */
export interface ContainerdConfigStep extends StepBase {
  kind: 'containerd-config';
  path: string;
  configPath: string;
}

export interface CopyStep extends StepBase {
  kind: 'copy';
  from: string;
  to: string;
  /** File mode of the copy: 0o600 for a kubeconfig. */
  mode: number;
}

export interface RunStep extends StepBase {
  kind: 'run';
  argv: string[];
  /** Output that still counts as success (e.g. a taint that is already gone). */
  tolerate?: string;
  /** sha256 of the files the command reads (kubectl apply -f): changed files make it run again. */
  contentDigest?: string;
}

/**
 * Repeated until it exits 0 or `timeoutSeconds` pass: "not ready" is a non-zero exit. Each
 * attempt is bounded by the command's own --timeout.
 */
export interface WaitStep extends StepBase {
  kind: 'wait';
  argv: string[];
  timeoutSeconds: number;
  /** Said when time runs out: "storage: no rook-ceph-osd pod became Running in rook-ceph". */
  failure: string;
}

export type Step = CheckStep | WriteStep | ContainerdConfigStep | CopyStep | RunStep | WaitStep;

export interface Plan {
  steps: Step[];
}
