"""Plans every example (text, JSON, and a diff against itself re-planned
with another key) into OUTDIR. Usage: plan-all.py OVERLORDC EXAMPLES SNAPSHOT OUTDIR"""
import os, subprocess, sys
cc, ex, snap, out = sys.argv[1:5]
for f in sorted(os.listdir(ex)):
    if not f.endswith('.yml'):
        continue
    n = f[:-4]
    env = os.path.join(ex, '.profile-vmtest.env' if n.startswith('vm') else n + '.env')
    base = [cc, 'plan', '-f', os.path.join(ex, f), '-e', env, '--cluster', snap]
    plan = os.path.join(out, n + '.oplan')
    subprocess.run(base + ['-o', plan], check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, n + '.json'), 'w') as o:
        subprocess.run(base + ['--format=json'], check=True, stdout=o, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, n + '.diff'), 'w') as o:
        subprocess.run(base + ['--diff-against', plan], check=True, stdout=o, stderr=subprocess.DEVNULL)
