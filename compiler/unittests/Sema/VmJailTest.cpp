//===- VmJailTest.cpp - Tests of the vmJail checker -------------*- C++ -*-===//
//
// The pieces of the vmJail checker that are data rather than printed text:
// size parsing (gpart sectors vs truncate bytes), byte formatting, the
// components URL substitution, and the typed VmJailSpec built from a file
// (defaults, partition indexes, root partition, prefixed metadata).
//
//===----------------------------------------------------------------------===//
#include "../../lib/Sema/SchemaCheck.h"
#include "../../lib/Sema/VmJailChecker.h"

#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace overlord;
using namespace overlord::sema;

namespace {

TEST(VmJailSizes, UnitsAndSectors) {
  EXPECT_EQ(vmjail::parseSize("20G", false), uint64_t(20) << 30);
  EXPECT_EQ(vmjail::parseSize("512k", true), uint64_t(512) << 10);
  EXPECT_EQ(vmjail::parseSize("1m", true), uint64_t(1) << 20);
  EXPECT_EQ(vmjail::parseSize("100b", true), uint64_t(100));
  // No unit: gpart counts 512-byte sectors, truncate bytes.
  EXPECT_EQ(vmjail::parseSize("2048", true), uint64_t(2048) * 512);
  EXPECT_EQ(vmjail::parseSize("2048", false), uint64_t(2048));
}

TEST(VmJailSizes, RejectedForms) {
  for (const char *S : {"", "G", "1.5G", "20GB", "-1G", " 20G", "20 G", "20x"})
    EXPECT_FALSE(vmjail::parseSize(S, false)) << S;
  // Overflow is rejected, not wrapped.
  EXPECT_FALSE(vmjail::parseSize("99999999999999999999", false));
  EXPECT_FALSE(vmjail::parseSize("17179869184E", false));
}

TEST(VmJailSizes, FormatBytes) {
  EXPECT_EQ(vmjail::formatBytes(512), "512 bytes");
  EXPECT_EQ(vmjail::formatBytes(uint64_t(10) << 30), "10 GiB");
  EXPECT_EQ(vmjail::formatBytes(uint64_t(3) << 29), "1.50 GiB");
  EXPECT_EQ(vmjail::formatBytes((uint64_t(12) << 30) + 541184), "12.00 GiB");
}

TEST(VmJailSpec, DownloadURLSubstitution) {
  ast::VmInstallFrom F;
  F.OsArch = "amd64";
  F.OsVersion = "14.2-RELEASE";
  EXPECT_EQ(F.resolvedDownloadURL(),
            "https://download.freebsd.org/releases/amd64/14.2-RELEASE");
  F.DownloadURL = "http://m/{{x}}/{VERSION}/{ARCH}";
  EXPECT_EQ(F.resolvedDownloadURL(), "http://m/{x}/14.2-RELEASE/amd64");
}

/// Parses Text and runs checkVmJail on it.
struct Checked {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  CheckContext Ctx{Diags, nullptr, nullptr};
  std::unique_ptr<ast::Document> Doc;
  ast::VmJailSpec Spec;
  bool Ok = false;

  explicit Checked(llvm::StringRef Text) {
    unsigned B = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Text, "vm.yml"), llvm::SMLoc());
    Doc = yaml::parseBuffer(B, Diags, yaml::ParseOptions());
    if (!Doc || !Doc->Root)
      return;
    SchemaChecker C(Diags, Ctx);
    Ok = checkVmJail(*Doc->Root, C, Spec);
  }
};

const char *Base = R"(kind: vmJail
datacenters: {main: {entrypoint: 'http://127.0.0.1:8888'}}
deployIn: {labels: [all]}
vmName: vm1
makejail: 'gh+DtxdF/vm-makejail'
template: {loader: bhyveload}
metadataPrefix: vm1
metadata: [resolv.conf]
diskLayout:
  driver: nvme
  size: 10G
  from: {type: pkgbase, osVersion: '14', osArch: amd64, packages: [FreeBSD-runtime]}
  disk:
    scheme: gpt
    partitions:
      - {type: freebsd-boot, size: 512k}
      - {type: freebsd-swap, size: 1G, alignment: 1m}
      - {type: freebsd-ufs, alignment: 1m, format: {flags: -U}}
    bootcode: {bootcode: /boot/pmbr, partcode: /boot/gptboot, index: 1}
  fstab:
    - {device: /dev/nda0p3, mountpoint: /, type: ufs, options: rw, dump: 1, pass: 1}
)";

TEST(VmJailChecker, BuildsTypedSpecWithDefaults) {
  Checked R(Base);
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Diags.getNumWarnings(), 0u);
  const ast::VmJailSpec &S = R.Spec;
  EXPECT_EQ(S.VmName, std::optional<std::string>("vm1"));
  ASSERT_EQ(S.Metadata.size(), 1u);
  EXPECT_EQ(S.Metadata[0], "vm1.resolv.conf");
  EXPECT_FALSE(S.Overwrite);
  EXPECT_FALSE(S.CloudInit.Enabled);
  ASSERT_TRUE(S.DiskLayout);
  const ast::VmDiskLayout &L = *S.DiskLayout;
  EXPECT_EQ(L.Driver, ast::VmDiskDriver::Nvme);
  EXPECT_EQ(L.Size.Bytes, std::optional<uint64_t>(uint64_t(10) << 30));
  EXPECT_EQ(L.From.Type, ast::VmInstallSource::Pkgbase);
  EXPECT_EQ(L.From.Fingerprints, "/usr/share/keys/pkg");
  ASSERT_TRUE(L.Disk);
  ASSERT_EQ(L.Disk->Partitions.size(), 3u);
  EXPECT_EQ(L.Disk->Partitions[2].Index, 3u);
  EXPECT_FALSE(L.Disk->Partitions[2].Size);
  EXPECT_EQ(L.Disk->RootIndex, std::optional<unsigned>(3));
  EXPECT_EQ(L.Disk->Bootcode->PartcodeIndex, std::optional<unsigned>(1));
  ASSERT_EQ(L.Fstab.size(), 1u);
  EXPECT_EQ(L.Fstab[0].Pass, 1);
}

TEST(VmJailChecker, JsonHasReferenceKeys) {
  Checked R(Base);
  ASSERT_TRUE(R.Ok);
  llvm::json::Object O = vmJailToJson(R.Spec);
  for (const char *K :
       {"vmName", "makejail", "template", "diskLayout", "script", "metadata",
        "options", "script-environment", "start-environment",
        "start-arguments", "build-environment", "build-arguments",
        "cloud-init", "overwrite", "datastore", "poweroff"})
    EXPECT_TRUE(O.get(K)) << K;
  EXPECT_EQ(O.getObject("diskLayout")->getObject("from")->getString("pkgConf"),
            std::optional<llvm::StringRef>(
                "/usr/local/share/overlord/files/pkgbase"));
}

TEST(VmJailChecker, NeverCrashesOnOddShapes) {
  for (const char *Text :
       {"kind: vmJail\ndiskLayout: []\n", "kind: vmJail\ndiskLayout: {from: 3}\n",
        "kind: vmJail\ndiskLayout: {disk: {partitions: [null, 1, []]}}\n",
        "kind: vmJail\noptions: [1, null, {}, {a: b, c: d}]\n",
        "kind: vmJail\ncloud-init: {meta-data: [1]}\n",
        "kind: vmJail\ndiskLayout: {driver: nvme, size: 1k, from: {type: "
        "components, components: [a], osVersion: a, osArch: b}, disk: "
        "{scheme: gpt, partitions: [{type: efi, size: 99E}]}, fstab: [{device: "
        "/dev/nda0p0, mountpoint: /, type: ufs, options: rw, dump: 0, pass: "
        "0}]}\n"}) {
    Checked R(Text);
    EXPECT_FALSE(R.Ok) << Text;
  }
}

} // namespace
