//===- VmInstallTest.cpp - Install types, layouts, failures, cancel -*- C++ -*-//
//
// Every install source (components, appjailImage with and without import,
// pkgbase, iso before and after `installed`, img), disk layouts (all gpart
// flags at once, a format script's three phases, no formatted partition,
// cloud-init seed), a failing command at each step (a sim fault) giving
// FAILED with the step named and the disk released, and a cancel between
// steps.
//
//===----------------------------------------------------------------------===//
#include "VmTestSupport.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::vmtest;
using llvm::json::Array;
using llvm::json::Object;

namespace {

class VmInstall : public VmSimTest {
protected:
  std::string Url;
  void SetUp() override {
    VmSimTest::SetUp();
    makeRelease("rel", {"base.txz"});
    Url = "file://" + T + "/mirror/rel";
  }
  Object &from(Object &P) {
    return *P.getObject("diskLayout")->getObject("from");
  }
  static bool contains(const std::vector<std::string> &L, llvm::StringRef S) {
    return llvm::any_of(L, [&](const std::string &X) { return X == S; });
  }
};

TEST_F(VmInstall, AppjailImageWithoutImport) {
  Object P = basicProfile(Url);
  from(P) = Object{{"type", "appjailImage"}, {"entrypoint", "none"},
                   {"imageName", "freebsd"}, {"imageArch", "amd64"},
                   {"imageTag", "14.2"}};
  std::string Src = T + "/imgsrc";
  spit(Src + "/jail/etc/rc.conf", "hostname=img\n");
  llvm::sys::fs::create_directories(T + "/images/freebsd");
  std::string Cmd = "tar -C '" + Src + "' -cf '" + T +
                    "/images/freebsd/14.2-amd64-image.appjail' ./jail";
  ASSERT_EQ(std::system(Cmd.c_str()), 0);
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_EQ(slurp(jail("vm1") + "/mnt/etc/rc.conf"), "hostname=img\n");
  for (const std::string &L : calls())
    EXPECT_EQ(L.find("image import"), std::string::npos) << L;
}

TEST_F(VmInstall, AppjailImageWithImport) {
  Object P = basicProfile(Url);
  from(P) = Object{{"type", "appjailImage"},
                   {"entrypoint", "gh+AppJail-makejails/freebsd"},
                   {"imageName", "freebsd"}, {"imageArch", "amd64"},
                   {"imageTag", "14.2"}};
  std::string Src = T + "/imgsrc";
  spit(Src + "/jail/etc/motd", "hi\n");
  llvm::sys::fs::create_directories(T + "/images/freebsd");
  std::string Cmd = "tar -C '" + Src + "' -cf '" + T +
                    "/images/freebsd/14.2-amd64-image.appjail' ./jail";
  ASSERT_EQ(std::system(Cmd.c_str()), 0);
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_TRUE(contains(calls(), "appjail image import -a amd64 -t 14.2 -n "
                                "freebsd -- gh+AppJail-makejails/freebsd"));
}

TEST_F(VmInstall, Pkgbase) {
  Object P = basicProfile(Url);
  spit(T + "/keys/pkg/trusted/pkg.freebsd.org", "key\n");
  llvm::sys::fs::create_directories(T + "/pkgconf");
  from(P) = Object{{"type", "pkgbase"}, {"osVersion", "14"},
                   {"osArch", "amd64"},
                   {"packages", Array{"FreeBSD-runtime", "FreeBSD-kernel-generic"}},
                   {"pkgConf", T + "/pkgconf"},
                   {"fingerprints", T + "/keys/pkg"}};
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  std::string Mnt = "$T/root/appjail/jails/vm1/jail/mnt";
  EXPECT_TRUE(contains(calls(), "pkg --rootdir " + Mnt +
                                    " --repo-conf-dir $T/pkgconf install -- "
                                    "FreeBSD-runtime FreeBSD-kernel-generic"));
  std::string M = jail("vm1") + "/mnt";
  EXPECT_EQ(slurp(M + "/var/db/ajsim-pkg/FreeBSD-runtime"), "FreeBSD:14:amd64\n");
  EXPECT_EQ(slurp(M + "/usr/share/keys/pkg/trusted/pkg.freebsd.org"), "key\n");
}

TEST_F(VmInstall, IsoInstallThenInstalled) {
  Object P = basicProfile(Url);
  P.getObject("diskLayout")->erase("disk");
  P.getObject("diskLayout")->erase("fstab");
  from(P) = Object{{"type", "iso"}, {"isoFile", "disc1.iso"}};
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_TRUE(contains(calls(), "appjail cmd jexec vm1 vm install vm1 disc1.iso"));
  EXPECT_FALSE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
  EXPECT_EQ(slurp(Root + "/sim/vm/vm1/vm1"), "installing");
  // The guest installed itself and was shut down; now `installed: true`.
  spit(Root + "/sim/vm/vm1/vm1", "stopped");
  clearJournal();
  from(P)["installed"] = true;
  R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         "appjail-director check -p vm1",
                         "appjail-director describe -p vm1",
                         "appjail status -q vm1",
                         "appjail sysrc jail vm1 vm_list+=vm1",
                         "appjail cmd jexec vm1 vm start vm1"}));
  EXPECT_TRUE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
}

TEST_F(VmInstall, ImgCreatesFromTheImage) {
  Object P = basicProfile(Url);
  P.getObject("diskLayout")->erase("disk");
  P.getObject("diskLayout")->erase("fstab");
  from(P) = Object{{"type", "img"}, {"imgFile", "freebsd.img"}};
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  std::vector<std::string> C = calls();
  EXPECT_TRUE(contains(C, "appjail cmd jexec vm1 vm create -t overlord -i "
                          "freebsd.img vm1"));
  EXPECT_EQ(C.back(), "appjail cmd jexec vm1 vm start vm1");
  EXPECT_TRUE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
}

TEST_F(VmInstall, DiskLayoutFlagsFormatScriptAndSeed) {
  Object P = basicProfile(Url);
  std::string Log = T + "/phases.log";
  Object &Disk = *P.getObject("diskLayout")->getObject("disk");
  Disk["partitions"] = Array{
      Object{{"type", "freebsd-boot"}, {"alignment", "4K"}, {"start", "40"},
             {"size", "512K"}, {"label", "boot"}},
      Object{{"type", "freebsd-ufs"}, {"label", "root"},
             {"format", Object{{"script", "#!/bin/sh\necho \"$OVERLORD_PHASE "
                                          "$OVERLORD_DEVICE $OVERLORD_MNTDIR\" "
                                          ">> '" + Log + "'\n"}}}}};
  P["cloud-init"] = Object{{"meta-data", Object{{"instance-id", "vm1"}}},
                           {"user-data", Object{{"packages", Array{"git"}}}}};
  P["datastore"] = T + "/ds";
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  std::vector<std::string> C = calls();
  std::string J = "$T/root/appjail/jails/vm1/jail";
  EXPECT_TRUE(contains(C, "gpart add -t freebsd-boot -a 4K -b 40 -s 512K -l "
                          "boot -i 1 /dev/md0"));
  EXPECT_TRUE(contains(C, "gpart add -t freebsd-ufs -l root -i 2 /dev/md0"));
  EXPECT_TRUE(contains(C, "makefs -t cd9660 -o R,L=cidata -- " + J +
                              "/seed.iso " + J + "/cloud-init"));
  for (const std::string &L : C) {
    EXPECT_EQ(L.find("newfs"), std::string::npos) << L;
    EXPECT_EQ(L.find("mount "), std::string::npos) << L; // the script mounts
  }
  std::string Jp = jail("vm1");
  EXPECT_EQ(slurp(Log), "format /dev/md0p2 " + Jp + "/mnt\nmount /dev/md0p2 " +
                            Jp + "/mnt\numount /dev/md0p2 " + Jp + "/mnt\n");
  EXPECT_EQ(slurp(Jp + "/cloud-init/meta-data"), "instance-id: vm1\n");
  EXPECT_EQ(slurp(Jp + "/cloud-init/user-data"),
            "#cloud-config\npackages:\n- git\n");
  EXPECT_TRUE(llvm::sys::fs::exists(Jp + "/vm/vm1/seed.iso"));
  EXPECT_FALSE(llvm::sys::fs::exists(Jp + "/seed.iso"));
  EXPECT_NE(slurp(Jp + "/vm/vm1/vm1.conf")
                .find("disk1_type=ahci-cd\ndisk1_name=seed.iso\ndisk1_dev=file\n"
                      "disk0_type=virtio-blk\n"),
            std::string::npos);
  for (const char *D : {"", "/.img", "/.iso"})
    EXPECT_TRUE(llvm::sys::fs::is_directory(T + "/ds" + D)) << D;
}

TEST_F(VmInstall, NoFormattedPartitionFails) {
  Object P = basicProfile(Url);
  (*P.getObject("diskLayout")->getObject("disk")->getArray("partitions"))[0] =
      Object{{"type", "freebsd-ufs"}};
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_NE(R.Message.find("step 'mount' failed: no partition has 'format'"),
            std::string::npos)
      << R.Message;
  EXPECT_EQ(calls().back(), "mdconfig -du md0");
  EXPECT_FALSE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
}

TEST_F(VmInstall, ChecksumMismatchNamesBothSums) {
  Object P = basicProfile(Url);
  spit(T + "/mirror/rel/MANIFEST",
       "base.txz\t" + std::string(64, 'a') + "\t1\tbase\t\"x\"\ton\n");
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_NE(R.Message.find("step 'checksum' failed: *INVALID CHECKSUM* :: " +
                           std::string(64, 'a') + " != "),
            std::string::npos)
      << R.Message;
  std::vector<std::string> C = calls();
  ASSERT_GE(C.size(), 2u);
  EXPECT_EQ(C[C.size() - 2], "umount -- $T/root/appjail/jails/vm1/jail/mnt");
  EXPECT_EQ(C.back(), "mdconfig -du md0");
}

/// One failing command per step: the job is FAILED, names the step, writes
/// no done marker, and releases the disk when it was attached.
enum class Disk { Never, Released, Before };
struct StepFault {
  const char *Tool, *Glob, *Step;
  /// Never attached; released after the failure (the last call); or
  /// released before the failing step.
  Disk D;
};

class VmStepFailure : public VmInstall,
                      public ::testing::WithParamInterface<StepFault> {};

TEST_P(VmStepFailure, FailsNamingTheStep) {
  const StepFault &F = GetParam();
  Object P = basicProfile(Url);
  (*P.getObject("diskLayout")->getObject("disk"))["bootcode"] =
      Object{{"bootcode", "/boot/pmbr"}, {"partcode", "/boot/gptboot"},
             {"index", 1}};
  P["cloud-init"] = Object{{"meta-data", Object{{"instance-id", "vm1"}}}};
  P["script"] = "echo hi\n";
  fault(std::string(F.Tool) + " \"" + F.Glob + "\" rc=3 stderr=\"boom\"");
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Failed) << R.Stdout;
  EXPECT_NE(R.Message.find("step '" + std::string(F.Step) + "' failed"),
            std::string::npos)
      << R.Message;
  EXPECT_NE(R.Stdout.find("boom"), std::string::npos) << R.Stdout;
  EXPECT_FALSE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
  std::vector<std::string> C = calls();
  ASSERT_FALSE(C.empty());
  bool Detached = llvm::is_contained(C, "mdconfig -du md0");
  if (F.D == Disk::Released)
    EXPECT_EQ(C.back(), "mdconfig -du md0");
  else if (F.D == Disk::Before)
    EXPECT_TRUE(Detached && C.back() != "mdconfig -du md0");
  else
    EXPECT_FALSE(Detached);
}

INSTANTIATE_TEST_SUITE_P(
    Steps, VmStepFailure,
    ::testing::Values(
        StepFault{"appjail", "status *", "jail-status", Disk::Never},
        StepFault{"appjail-director", "up *", "director-up", Disk::Never},
        StepFault{"makefs", "*", "makefs", Disk::Never},
        StepFault{"appjail", "cmd jexec vm1 vm create *", "vm-create", Disk::Never},
        StepFault{"appjail", "cmd local *", "realpath", Disk::Never},
        StepFault{"mdconfig", "-at *", "mdconfig", Disk::Never},
        StepFault{"gpart", "create *", "gpart-create", Disk::Released},
        StepFault{"gpart", "add *", "gpart-add", Disk::Released},
        StepFault{"newfs", "*", "newfs", Disk::Released},
        StepFault{"gpart", "bootcode -b *", "bootcode", Disk::Released},
        StepFault{"gpart", "bootcode -p *", "partcode", Disk::Released},
        StepFault{"mount", "*", "mount", Disk::Released},
        StepFault{"fetch", "*/base.txz *", "fetch", Disk::Released},
        StepFault{"appjail", "cmd jexec vm1 /run.sh", "script", Disk::Released},
        StepFault{"umount", "*", "umount", Disk::Released},
        StepFault{"appjail", "sysrc *", "vm-list", Disk::Before},
        StepFault{"appjail", "cmd jexec vm1 vm start *", "vm-start",
                  Disk::Before}),
    [](const ::testing::TestParamInfo<StepFault> &I) {
      std::string N = I.param.Step;
      std::replace(N.begin(), N.end(), '-', '_');
      return N;
    });

TEST_F(VmInstall, DirectorFailureIsJudgedByTheSuccessRule) {
  Object P = basicProfile(Url);
  // Director's makejail fails: `up` exits 0 with errlevel 0 but a failed
  // service, which the reference would report INCOMPLETED only.
  fault("appjail \"makejail *\" rc=1 stderr=\"pkg: No packages available\"");
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_NE(R.Message.find("step 'director-up' failed"), std::string::npos)
      << R.Message << R.Stdout;
}

TEST_F(VmInstall, CancelBetweenStepsReleasesTheDisk) {
  Object P = basicProfile(Url);
  int Polls = 0;
  bool Seen = false;
  // Cancel once the disk is attached (after mdconfig ran).
  auto Cancel = [&] {
    ++Polls;
    if (!Seen)
      for (const std::string &L : calls())
        Seen |= llvm::StringRef(L).startswith("mdconfig -at");
    return Seen;
  };
  JobResult R = run(P, "vm1", Cancel);
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_EQ(R.Message, "Cancelled");
  std::vector<std::string> C = calls();
  EXPECT_EQ(C.back(), "mdconfig -du md0");
  for (const std::string &L : C)
    EXPECT_EQ(L.find("gpart"), std::string::npos) << L;
  EXPECT_FALSE(llvm::sys::fs::exists(jail("vm1") + "/vm/.done"));
}

TEST_F(VmInstall, CancelBeforeStartRunsNothing) {
  JobResult R = run(basicProfile(Url), "vm1", [] { return true; });
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_EQ(R.Message, "Cancelled");
  EXPECT_TRUE(calls().empty());
}

TEST_F(VmInstall, OutputIsCappedKeepingTheTail) {
  Cfg.Overlordd.MaxOutput = 1024;
  JobResult R = run(basicProfile(Url), "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message;
  EXPECT_TRUE(R.Truncated);
  EXPECT_LE(R.Stdout.size(), 1024u + 40);
  EXPECT_EQ(R.Stdout.rfind("[... ", 0), 0u);
  EXPECT_NE(R.Stdout.find("==> done: wrote vm/.done"), std::string::npos);
}

} // namespace
