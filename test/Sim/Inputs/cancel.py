"""cancel.py ROOT DIRECTOR_FILE: starts `appjail-director up` (hung by a
fault), shows describe while it runs, cancels it, and prints what `up`
printed, its exit code and the project state. lit's shell cannot run
background jobs."""
import json, os, subprocess, sys, time

root, dfile = sys.argv[1], sys.argv[2]
env = dict(os.environ, AJSIM_ROOT=root)
proj = os.path.join(root, "director/projects/demo")
up = subprocess.Popen(["ajsim", "appjail-director", "up", "-j", "-f", dfile,
                       "-p", "demo"], env=env, stdout=subprocess.PIPE)
for _ in range(1000):
    if os.path.exists(os.path.join(proj, "pid")):
        break
    time.sleep(0.01)
desc = subprocess.run(["ajsim", "appjail-director", "describe", "-p", "demo"],
                      env=env, capture_output=True, text=True)
d = json.loads(desc.stdout)
print("running:", d["state"], "locked:", d["locked"])
again = subprocess.run(["ajsim", "appjail-director", "up", "-j", "-f", dfile,
                        "-p", "demo"], env=env, capture_output=True, text=True)
print("second up rc:", again.returncode)
rc = subprocess.run(["ajsim", "appjail-director", "cancel", "-p", "demo"],
                    env=env).returncode
print("cancel rc:", rc)
out, _ = up.communicate(timeout=20)
print(out.decode(), end="")
print("up rc:", up.returncode)
print("state:", open(os.path.join(proj, "state")).read())
print("pid left:", os.path.exists(os.path.join(proj, "pid")))
print("lock left:", os.path.exists(os.path.join(root, "director/locks/demo/lock")))
