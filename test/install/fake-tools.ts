/**
 * Stand-ins for kubeadm, kubelet, kubectl, containerd and systemctl: real executables placed first
 * on PATH that log their argv and obey rules a test writes (fail, or "not ready" N times first).
 * The real ones cannot run here (no cluster, no root), and the tool only ever runs them by argv.
 */
import { appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOOLS = ['kubeadm', 'kubelet', 'kubectl', 'containerd', 'systemctl'];

// Rules are "GLOB<TAB>ACTION<TAB>N" lines matched against "name arg1 arg2 …" in order:
//   fail     exit 1 with a message
//   notready exit 1 ("timed out waiting") the first N times, then carry on
// kubeadm init writes $FAKE_ADMIN_CONF, as the real one writes /etc/kubernetes/admin.conf.
const SCRIPT = `#!/bin/bash
name=$(basename "$0")
line="$name $*"
{ printf '%s' "$name"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "$FAKE_LOG"
if [ -f "$FAKE_CTL/rules" ]; then
  n=0
  while IFS=$'\\t' read -r pat action count; do
    n=$((n+1))
    case "$line" in
      $pat)
        if [ "$action" = fail ]; then echo "fake $name: told to fail" >&2; exit 1; fi
        if [ "$action" = notready ]; then
          c=$(cat "$FAKE_CTL/count.$n" 2>/dev/null || echo 0)
          if [ "$c" -lt "$count" ]; then echo $((c+1)) > "$FAKE_CTL/count.$n"; echo "error: timed out waiting for the condition" >&2; exit 1; fi
        fi;;
    esac
  done < "$FAKE_CTL/rules"
fi
if [ "$name" = kubeadm ] && [ "$1" = init ] && [ -n "$FAKE_ADMIN_CONF" ]; then
  mkdir -p "$(dirname "$FAKE_ADMIN_CONF")" && echo "apiVersion: v1 # fake admin.conf" > "$FAKE_ADMIN_CONF"
fi
if [ "$name" = kubeadm ] && [ "$1" = version ]; then echo v1.31.2; fi
exit 0
`;

export interface FakeTools {
  /** Environment for the program under test: PATH with the fakes first, and their settings. */
  env: NodeJS.ProcessEnv;
  /** Every call so far: [name, ...args]. */
  calls(): string[][];
  /** Add a rule; e.g. rule("kubectl *rook-ceph-osd*", "notready", 3). */
  rule(glob: string, action: 'fail' | 'notready', count?: number): void;
  /** Forget rules and their counters. */
  clearRules(): void;
}

export function makeFakeTools(dir: string, adminConf: string, tools: string[] = TOOLS): FakeTools {
  const bin = join(dir, 'bin');
  const ctl = join(dir, 'ctl');
  const log = join(dir, 'calls.log');
  mkdirSync(bin, { recursive: true });
  mkdirSync(ctl, { recursive: true });
  writeFileSync(join(bin, 'fake-tool'), SCRIPT);
  chmodSync(join(bin, 'fake-tool'), 0o755);
  for (const t of tools) symlinkSync('fake-tool', join(bin, t));
  writeFileSync(log, '');
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_LOG: log, FAKE_CTL: ctl, FAKE_ADMIN_CONF: adminConf },
    calls: () => readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t')),
    rule: (glob, action, count = 0) => appendFileSync(join(ctl, 'rules'), `${glob}\t${action}\t${count}\n`),
    clearRules: () => {
      rmSync(ctl, { recursive: true, force: true });
      mkdirSync(ctl);
    },
  };
}
