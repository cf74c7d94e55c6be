//===- PyYamlTest.cpp - yaml.dump and shlex compatibility ------*- C++ -*-===//
//
// pyyamlDump() against the bytes PyYAML 6's yaml.dump() printed for the same
// values (generated once with python3 -c 'import yaml; ...' and pasted
// here): plain/single/double quoting, implicit-resolver collisions, folding
// at width 80, empty collections, complex keys, floats. shellQuote and
// shellSplit against shlex.quote / shlex.split.
//
//===----------------------------------------------------------------------===//
#include "overlord/Engine/VmBuilder.h"

#include "gtest/gtest.h"

using namespace overlord::engine;

namespace {

struct DumpCase {
  const char *Json;
  const char *Yaml;
};

const DumpCase Cases[] = {
    {R"j({"services": {"vm": {"name": "vmtest", "makejail": "gh+DtxdF/vm-makejail", "options": [{"label": "overlord.vm:1"}], "ignore_mtime": true, "start-environment": [{"TZ": "UTC"}], "environment": [{"PKG_CACHE": "/var/cache/pkg"}], "start": [{"mode": "fast"}], "arguments": [{"is_public_vm": "1"}]}}, "options": [{"fstab": "/var/appjail-vm/vm1/data vm-data <volumefs>"}, {"ephemeral": null}]})j",
     R"y(options:
- fstab: /var/appjail-vm/vm1/data vm-data <volumefs>
- ephemeral: null
services:
  vm:
    arguments:
    - is_public_vm: '1'
    environment:
    - PKG_CACHE: /var/cache/pkg
    ignore_mtime: true
    makejail: gh+DtxdF/vm-makejail
    name: vmtest
    options:
    - label: overlord.vm:1
    start:
    - mode: fast
    start-environment:
    - TZ: UTC
)y"},
    {R"j({"instance-id": "vm1", "local-hostname": "yes", "n": 1, "f": 1.5, "big": 1e+20, "small": 0.0001, "tiny": 1e-05, "empty": "", "list": [], "map": {}, "t": true, "nul": null})j",
     R"y(big: 1.0e+20
empty: ''
f: 1.5
instance-id: vm1
list: []
local-hostname: 'yes'
map: {}
n: 1
nul: null
small: 0.0001
t: true
tiny: 1.0e-05
)y"},
    {R"j({"users": [{"name": "root", "ssh_authorized_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk8sR3Nfs2b7z0q1c5nUb6Q0fJ2q8GZr1sZ2Vb9b0xA user@example.host-with-a-long-name.example.org"]}], "runcmd": ["echo 'hi'", "a: b", "- x", "#c", "x #y", "multi\nline\n", " lead", "trail ", "née", "tab\there", "1.0", "0777", "2025-01-01", "~", "null", "on", "=", "<<", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbb", "it's", "%x", "@y", "k: ", "?q", "-", "---x", "x:y", "[a]", "{b}", "a,b", "e f"]})j",
     R"y(runcmd:
- echo 'hi'
- 'a: b'
- '- x'
- '#c'
- 'x #y'
- 'multi

  line

  '
- ' lead'
- 'trail '
- "n\xE9e"
- "tab\there"
- '1.0'
- '0777'
- '2025-01-01'
- '~'
- 'null'
- 'on'
- '='
- '<<'
- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
  bbbbbbbbbb
- it's
- '%x'
- '@y'
- 'k: '
- ?q
- '-'
- '---x'
- x:y
- '[a]'
- '{b}'
- a,b
- "e\Lf"
users:
- name: root
  ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk8sR3Nfs2b7z0q1c5nUb6Q0fJ2q8GZr1sZ2Vb9b0xA
    user@example.host-with-a-long-name.example.org
)y"},
    {R"j({"write_files": [{"path": "/etc/x", "content": "line one\nline two with a long text word word word word word word word word word word word word word word word word word word word word \n  indented\n\nlast"}]})j",
     R"y(write_files:
- content: "line one\nline two with a long text word word word word word word word\
    \ word word word word word word word word word word word word word \n  indented\n\
    \nlast"
  path: /etc/x
)y"},
    {R"j({"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": "long key", "multi\nkey": 1, "": "emptykey"})j",
     R"y(? ''
: emptykey
? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
: long key
? 'multi

  key'
: 1
)y"},
    {R"j({"nested": [[1, 2], [], [{"a": [1, {"b": null}]}]]})j",
     R"y(nested:
- - 1
  - 2
- []
- - a:
    - 1
    - b: null
)y"},
};

TEST(VmPyYaml, MatchesPyYamlDump) {
  for (const DumpCase &C : Cases) {
    llvm::Expected<llvm::json::Value> V = llvm::json::parse(C.Json);
    ASSERT_TRUE(bool(V)) << llvm::toString(V.takeError());
    EXPECT_EQ(pyyamlDump(*V), C.Yaml) << C.Json;
  }
}

TEST(VmPyYaml, ScalarRoots) {
  // yaml.dump('abc') == 'abc\n...\n'; yaml.dump('1') == "'1'\n"
  EXPECT_EQ(pyyamlDump(llvm::json::Value("abc")), "abc\n...\n");
  EXPECT_EQ(pyyamlDump(llvm::json::Value("1")), "'1'\n");
  EXPECT_EQ(pyyamlDump(llvm::json::Value(7)), "7\n...\n");
  EXPECT_EQ(pyyamlDump(llvm::json::Object{}), "{}\n");
  EXPECT_EQ(pyyamlDump(llvm::json::Array{}), "[]\n");
}

TEST(VmPyYaml, ShellQuote) {
  EXPECT_EQ(shellQuote(""), "''");
  EXPECT_EQ(shellQuote("bhyveload"), "bhyveload");
  EXPECT_EQ(shellQuote("256M"), "256M");
  EXPECT_EQ(shellQuote("a b"), "'a b'");
  EXPECT_EQ(shellQuote("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(shellQuote("YES"), "YES");
  EXPECT_EQ(shellQuote("x=y,z:/p@%+-."), "x=y,z:/p@%+-.");
  EXPECT_EQ(shellQuote("$HOME"), "'$HOME'");
}

TEST(VmPyYaml, ShellSplit) {
  auto W = shellSplit("-o R,L=cidata");
  ASSERT_TRUE(bool(W));
  EXPECT_EQ(*W, (std::vector<std::string>{"-o", "R,L=cidata"}));
  W = shellSplit("  -U  -j 'a b' \"c \\\"d\\\" $e\" f\\ g ");
  ASSERT_TRUE(bool(W));
  EXPECT_EQ(*W, (std::vector<std::string>{"-U", "-j", "a b", "c \"d\" $e",
                                          "f g"}));
  W = shellSplit("");
  ASSERT_TRUE(bool(W));
  EXPECT_TRUE(W->empty());
  W = shellSplit("''");
  ASSERT_TRUE(bool(W));
  EXPECT_EQ(*W, (std::vector<std::string>{""}));
  for (const char *Bad : {"'open", "\"open", "trailing\\"}) {
    auto E = shellSplit(Bad);
    EXPECT_FALSE(bool(E)) << Bad;
    llvm::consumeError(E.takeError());
  }
}

} // namespace
