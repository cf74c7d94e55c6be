#!/bin/sh
# spawn-fork.test: one Director sequence against the state root $1, run from
# the current directory; prints every command's output and exit status.
export AJSIM_ROOT="$1"
run() {
  ajsim appjail-director "$@" 2>&1
  echo "rc $?"
}
run up -j -f demo.yml -p demo
run up -j -f demo.yml -p demo
run up -j -f demo-changed.yml -p demo
run describe -p demo
run down -j -d -p demo
