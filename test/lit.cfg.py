# lit configuration for overlord. Tests are .test/.yml/.yaml/.env files with
# RUN lines; %overlordc is the compiler, FileCheck/not/split-file come from
# llvm-15-tools, %examples and %shared name the example and corpus folders.
import os
import lit.formats

config.name = "overlord"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test", ".yml", ".yaml"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "run_lit.py", "expect_exit.py", "diag_coverage.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.overlord_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.overlord_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "/usr/bin:/bin")])
# Deterministic: no colours, no inherited variables that !ENV could read.
for var in ["ENTRYPOINT", "TOKEN", "OVERLORD_CONFIG"]:
    config.environment.pop(var, None)

config.substitutions.append(("%overlordc", os.path.join(config.overlord_tools_dir, "overlordc")))
config.substitutions.append(("%examples", os.path.join(config.overlord_src_root, "examples")))
config.substitutions.append(("%stdlib", os.path.join(config.overlord_src_root, "stdlib")))
config.substitutions.append(("%srcroot", config.overlord_src_root))
config.substitutions.append(("%shared", config.shared_dir))
config.substitutions.append(("%overlordd", os.path.join(config.overlord_tools_dir, "overlordd")))
config.substitutions.append(("%ajsim", os.path.join(config.overlord_tools_dir, "ajsim")))
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%expect-exit", "/usr/bin/python3 " + os.path.join(config.overlord_src_root, "test", "expect_exit.py")))
if os.path.isdir(config.shared_dir):
    config.available_features.add("shared")
