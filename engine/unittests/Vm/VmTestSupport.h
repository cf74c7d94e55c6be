//===- VmTestSupport.h - A node with ajsim for the VM flow tests -*- C++ -*-===//
//
// VmSimTest gives each test a fresh directory with ajsim installed as every
// tool the VM flow runs (appjail, appjail-director, mdconfig, gpart, newfs,
// mount, umount, makefs, fetch, pkg; tar and cp are the system's), an
// EngineConfig pointing into it, a metadata store, a components mirror
// served through sim/config `fetch_root`, and helpers to read the
// simulator's journal (top-level calls only, paths shown relative to the
// test directory as `$T`).
//
//===----------------------------------------------------------------------===//
#ifndef OVERLORD_ENGINE_UNITTESTS_VM_VMTESTSUPPORT_H
#define OVERLORD_ENGINE_UNITTESTS_VM_VMTESTSUPPORT_H

#include "overlord/Engine/Config.h"
#include "overlord/Engine/MetadataStore.h"
#include "overlord/Engine/Process.h"
#include "overlord/Engine/VmBuilder.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <unistd.h>

namespace overlord::engine::vmtest {

inline std::string selfDir() {
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  if (N <= 0)
    return ".";
  Buf[N] = 0;
  return std::string(llvm::sys::path::parent_path(Buf));
}

inline std::string slurp(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFile(Path, false, false);
  return B ? (*B)->getBuffer().str() : std::string("<missing>");
}

inline void spit(const std::string &Path, llvm::StringRef Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  OS << Text;
}

inline std::string sha256Hex(llvm::StringRef Data) {
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(Data)),
                     /*LowerCase=*/true);
}

class VmSimTest : public ::testing::Test {
protected:
  std::string T, Bin, Root;
  EngineConfig Cfg;
  ToolPaths Tools;
  std::unique_ptr<MetadataStore> Meta;

  void SetUp() override {
    llvm::SmallString<128> Dir;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vmtest", Dir));
    T = std::string(Dir);
    Bin = T + "/bin";
    Root = T + "/root";
    llvm::sys::fs::create_directories(Root);
    ::setenv("AJSIM_ROOT", Root.c_str(), 1);
    std::string Ajsim = std::getenv("OVERLORD_AJSIM") ? std::getenv("OVERLORD_AJSIM")
                                                      : selfDir() + "/ajsim";
    ProcessSpec S;
    S.Program = Ajsim;
    S.Args = {"install", Bin};
    S.InheritEnv = true;
    auto R = runProcess(S);
    ASSERT_TRUE(R && R->succeeded()) << "ajsim is not usable: " << Ajsim;
    ConfigOptions O;
    O.Prefix = T + "/prefix";
    Cfg = defaultConfig(O);
    Cfg.AppjailJails = Root + "/appjail/jails";
    Cfg.AppjailImages = T + "/images";
    Cfg.Components = T + "/components";
    Cfg.Overlordd.DefaultTimeout = 30;
    Cfg.ExecutionTime = 60;
    OverlorddConfig &OC = Cfg.Overlordd;
    for (std::string *P : {&OC.Makefs, &OC.Mdconfig, &OC.Gpart, &OC.Newfs,
                           &OC.Mount, &OC.Umount, &OC.Fetch, &OC.Pkg})
      *P = Bin + "/" + *P;
    Tools.AppJail = Bin + "/appjail";
    Tools.Director = Bin + "/appjail-director";
    Meta = std::make_unique<MetadataStore>(T + "/metadata", 1 << 20);
    spit(Root + "/sim/config", "fetch_root=" + T + "/mirror\n");
  }

  void TearDown() override {
    if (!HasFailure())
      llvm::sys::fs::remove_directories(T);
  }

  std::string jail(llvm::StringRef Vm) const {
    return Cfg.AppjailJails + "/" + Vm.str() + "/jail";
  }

  /// A FreeBSD release directory in the mirror: one tar per component
  /// (holding etc/ and a marker file) and its MANIFEST.
  void makeRelease(llvm::StringRef Dir, llvm::ArrayRef<std::string> Names) {
    std::string Out = T + "/mirror/" + Dir.str();
    std::string Manifest;
    for (const std::string &N : Names) {
      std::string Src = T + "/src/" + N;
      spit(Src + "/etc/marker." + N, N + "\n");
      std::string Cmd = "tar -C '" + Src + "' -cJf '" + Out + "/" + N + "' .";
      llvm::sys::fs::create_directories(Out);
      ASSERT_EQ(std::system(Cmd.c_str()), 0) << Cmd;
      // A similar name listed first: a substring match would take it.
      Manifest += "dbg-" + N + "\t" + std::string(64, '0') + "\t1\tdbg\t\"x\"\toff\n";
      Manifest += N + "\t" + sha256Hex(slurp(Out + "/" + N)) +
                  "\t1\tbase\t\"Base system\"\ton\n";
    }
    spit(Out + "/MANIFEST", Manifest);
  }

  /// Appends a fault rule (docs/Simulator.md).
  void fault(llvm::StringRef Line) {
    std::string Old = slurp(Root + "/sim/faults");
    if (Old == "<missing>")
      Old.clear();
    spit(Root + "/sim/faults", Old + Line.str() + "\n");
  }

  /// The engine's own calls (parent_seq null) as "tool arg arg...", with
  /// the test directory shown as $T and the Director temp file as $FILE.
  std::vector<std::string> calls() const {
    std::vector<std::string> Out;
    std::string Text = slurp(Root + "/sim/calls.jsonl");
    llvm::SmallVector<llvm::StringRef, 64> Lines;
    llvm::StringRef(Text).split(Lines, '\n', -1, false);
    for (llvm::StringRef L : Lines) {
      auto V = llvm::json::parse(L);
      if (!V) {
        llvm::consumeError(V.takeError());
        continue;
      }
      const llvm::json::Object *O = V->getAsObject();
      if (!O || O->get("parent_seq")->kind() != llvm::json::Value::Null)
        continue;
      std::string Line = O->getString("tool")->str();
      const llvm::json::Array *A = O->getArray("argv");
      for (size_t I = 0; I < A->size(); ++I) {
        std::string Arg = (*A)[I].getAsString()->str();
        if (I > 0 && *(*A)[I - 1].getAsString() == "-f" &&
            llvm::StringRef(Line).startswith("appjail-director up"))
          Arg = "$FILE";
        for (size_t P; (P = Arg.find(T)) != std::string::npos;)
          Arg.replace(P, T.size(), "$T");
        Line += " " + Arg;
      }
      Out.push_back(Line);
    }
    return Out;
  }

  void clearJournal() { ::unlink((Root + "/sim/calls.jsonl").c_str()); }

  JobResult run(const llvm::json::Object &Payload, llvm::StringRef Vm,
                std::function<bool()> Cancelled = [] { return false; }) {
    Job J;
    J.Id = ++NextId;
    J.Kind = JobKind::VmCreate;
    J.Project = Vm.str();
    J.Payload = llvm::formatv("{0}", llvm::json::Value(llvm::json::Object(Payload))).str();
    VmBuilder B(Cfg, Tools, *Meta);
    return B.create(J, Cancelled);
  }

  JobId NextId = 0;
};

/// A minimal profile: components from the local mirror, one formatted
/// partition, one fstab line.
inline llvm::json::Object basicProfile(llvm::StringRef Url) {
  using namespace llvm::json;
  return Object{
      {"makejail", "gh+DtxdF/vm-makejail"},
      {"template", Object{{"loader", "bhyveload"}, {"memory", "256M"}}},
      {"diskLayout",
       Object{{"driver", "virtio-blk"},
              {"size", "1G"},
              {"from", Object{{"type", "components"},
                              {"components", Array{"base.txz"}},
                              {"osArch", "amd64"},
                              {"osVersion", "14.2-RELEASE"},
                              {"downloadURL", Url.str()}}},
              {"disk", Object{{"scheme", "gpt"},
                              {"partitions",
                               Array{Object{{"type", "freebsd-ufs"},
                                            {"format", Object{{"flags", "-U"}}}}}}}},
              {"fstab", Array{Object{{"device", "/dev/vtbd0p1"},
                                     {"mountpoint", "/"},
                                     {"type", "ufs"},
                                     {"options", "rw"},
                                     {"dump", 1},
                                     {"pass", 1}}}}}}};
}

} // namespace overlord::engine::vmtest

#endif // OVERLORD_ENGINE_UNITTESTS_VM_VMTESTSUPPORT_H
