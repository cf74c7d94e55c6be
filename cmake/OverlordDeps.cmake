#===- OverlordDeps.cmake - third-party dependencies -------------------------===#
#
# Every dependency comes from Debian 12 packages installed by scripts/setup.sh.
# See docs/Building.md and ../shared/reference/dependencies.md for the pitfalls
# these lines avoid.
#
#===------------------------------------------------------------------------===#

# LLVM 15, pinned: a bare find_package(LLVM) picks an arbitrary installed one.
find_package(LLVM 15 REQUIRED CONFIG
  PATHS /usr/lib/llvm-15/lib/cmake/llvm NO_DEFAULT_PATH)
llvm_map_components_to_libnames(OVERLORD_LLVM_LIBS support)
separate_arguments(OVERLORD_LLVM_DEFS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
add_library(overlord_llvm INTERFACE)
target_include_directories(overlord_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(overlord_llvm INTERFACE ${OVERLORD_LLVM_DEFS})
target_link_libraries(overlord_llvm INTERFACE ${OVERLORD_LLVM_LIBS})

find_package(yaml-cpp 0.7 REQUIRED CONFIG)
find_package(fmt 9 REQUIRED CONFIG)
find_package(CURL 7.80 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(GTest REQUIRED)

# ANTLR4: runtime 4.9 from libantlr4-runtime-dev; the grammar (grammar/) is
# generated with Debian's `antlr4` wrapper, never with antlr4_generate().
find_package(antlr4-runtime 4.9 REQUIRED CONFIG)
find_path(ANTLR4_INCLUDE_DIR antlr4-runtime.h
  PATHS /usr/include/antlr4-runtime REQUIRED)
find_program(ANTLR4_TOOL antlr4)

# lit and FileCheck from llvm-15-tools. lit has no binary: run lit.py with
# Debian's python3 (the pyenv shim on PATH cannot see python3-psutil).
set(LIT_PY /usr/lib/llvm-15/build/utils/lit/lit.py)
if(NOT EXISTS ${LIT_PY})
  message(FATAL_ERROR "lit not found at ${LIT_PY}; run scripts/setup.sh")
endif()
set(OVERLORD_PYTHON /usr/bin/python3)
set(LLVM_TOOLS_BINARY_DIR /usr/lib/llvm-15/bin)
find_package(Threads REQUIRED)
