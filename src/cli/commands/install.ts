/** `ampere-images install`: kubeadm init on the mirror, then the stack applied in order (docs/install.md). */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { install, type InstallOptions, type InstallResult } from '../../install/index.js';
import { KUBEADM_APIS, parseKubernetesVersion, type KubeadmApi } from '../../install/kubeadm-config.js';
import { planJson, renderPlanText } from '../../install/render.js';
import { DEFAULT_STATE } from '../../install/state.js';
import { DEFAULT_LOCK } from '../../lock.js';
import { createOutput, printJson, type Output } from '../output.js';

interface RawOptions {
  lock: string;
  stack: string;
  manifests?: string;
  dryRun?: boolean;
  only?: string[];
  skip?: string[];
  root: string;
  state: string;
  kubeconfig?: string;
  plainHttp?: boolean;
  insecure?: boolean;
  kubernetesVersion?: string;
  kubeadmApi?: string;
  untaint: boolean;
  stackOrder?: boolean;
  waitTimeout?: string;
  pollInterval: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

function seconds(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw new InputError(`${flag} "${value}": expected a number of seconds${min > 0 ? ' above 0' : ''}`);
  return n;
}

/** "--only a,b --only c" and "--only a b" both give [a, b, c]. */
const names = (values: string[] | undefined): string[] => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

export function installOptionsFrom(raw: RawOptions, cwd: string): InstallOptions {
  const api = raw.kubeadmApi;
  if (api !== undefined && !KUBEADM_APIS.includes(api as KubeadmApi)) {
    throw new InputError(`--kubeadm-api "${api}": expected one of ${KUBEADM_APIS.join(', ')}`);
  }
  const opts: InstallOptions = {
    cwd,
    lock: raw.lock,
    stack: raw.stack,
    root: raw.root,
    kubeconfig: raw.kubeconfig ?? join(homedir(), '.kube', 'config'),
    state: raw.state,
    only: names(raw.only),
    skip: names(raw.skip),
    untaint: raw.untaint,
    stackOrder: raw.stackOrder === true,
    pollSeconds: seconds('--poll-interval', raw.pollInterval, 0),
    dryRun: raw.dryRun === true,
    plainHttp: raw.plainHttp === true,
    insecure: raw.insecure === true,
  };
  if (raw.manifests !== undefined) opts.manifests = raw.manifests;
  if (api !== undefined) opts.kubeadmApi = api as KubeadmApi;
  if (raw.kubernetesVersion !== undefined) opts.kubernetesVersion = parseKubernetesVersion(raw.kubernetesVersion, '--kubernetes-version');
  if (raw.waitTimeout !== undefined) opts.waitTimeout = seconds('--wait-timeout', raw.waitTimeout, 1);
  return opts;
}

function render(result: InstallResult, json: boolean, output: Output): void {
  if (result.dryRun) {
    if (json) printJson(output, planJson(result.planned));
    else output.out(renderPlanText(result.planned));
    return;
  }
  if (json) printJson(output, { dryRun: false, steps: result.outcomes });
  const count = (s: string): number => result.outcomes.filter((o) => o.status === s).length;
  output.info(`install finished: ${count('done')} steps done, ${count('skipped')} skipped (done earlier), ${count('checked')} checks passed`);
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('kubeadm init with images from the mirror, then apply the stack in order, waiting between components')
    .option('--lock <file>', 'mirror lock file', DEFAULT_LOCK)
    .option('--stack <file>', 'stack catalog: components and their order', 'images/stack.yaml')
    .option('--manifests <dir>', 'rewritten copy of the stack\'s manifests folder (ampere-images rewrite --out); default the stack\'s own')
    .option('--dry-run', 'print every file and command, in order; write and run nothing')
    .option('--only <component...>', 'only these parts (stack components, or containerd / cluster); preflight checks still run')
    .option('--skip <component...>', 'leave out these parts (stack components, or preflight / containerd / cluster)')
    .option('--root <dir>', 'prefix for every /etc path written or read (preparing node images, tests)', '/')
    .option('--state <file>', 'completed steps, for re-runs and resuming', DEFAULT_STATE)
    .option('--kubeconfig <file>', 'where the admin kubeconfig is copied and kubectl reads it (default ~/.kube/config)')
    .option('--plain-http', 'the mirror speaks plain HTTP (the default for a loopback mirror)')
    .option('--insecure', 'the mirror speaks HTTPS with a certificate that is not verified')
    .option('--kubernetes-version <version>', 'default: the tag of kube-apiserver in the lock')
    .option('--kubeadm-api <version>', `kubeadm config API (${KUBEADM_APIS.join(', ')}); default from the Kubernetes version`)
    .option('--stack-order', 'apply components in the stack\'s order (default: by kind — CNI, metrics, storage, monitoring, dashboard, ingress, logging, load balancer, others)')
    .option('--no-untaint', 'keep the control-plane taint (other nodes will join for workloads)')
    .option('--wait-timeout <seconds>', 'one timeout for every wait instead of the per-kind defaults')
    .option('--poll-interval <seconds>', 'pause between attempts of a wait', '5')
    .option('--json', 'print the plan (with --dry-run) or the step outcomes as JSON')
    .option('--quiet', 'no progress lines')
    .option('--verbose', 'show the output of every command')
    .action(async (raw: RawOptions) => {
      const output = createOutput(raw);
      const opts = installOptionsFrom(raw, process.cwd());
      const result = await install(opts, { log: (l) => output.info(l), commandOutput: (l) => output.debug(`    ${l}`) });
      render(result, raw.json === true, output);
    });
}
