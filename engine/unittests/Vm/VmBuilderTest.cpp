//===- VmBuilderTest.cpp - The create_vm flow against ajsim ----*- C++ -*-===//
//
// The article's VM (examples/vm.yml, as the client POSTs it: Inputs/
// vm.profile.json) built end to end against the simulator: the exact argv
// sequence of the engine's own calls, and every file the flow leaves (the
// Director file in .done, the template, metadata, environment, fstab,
// run.sh). Then NOOP, restart (with and without poweroff), overwrite, and
// the payload checks.
//
//===----------------------------------------------------------------------===//
#include "VmTestSupport.h"

#include "llvm/Support/FileSystem.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::vmtest;
using llvm::json::Array;
using llvm::json::Object;

namespace {

Object articleProfile() {
  llvm::SmallString<256> P(llvm::sys::path::parent_path(__FILE__));
  llvm::sys::path::append(P, "Inputs", "vm.profile.json");
  auto V = llvm::json::parse(slurp(std::string(P)));
  EXPECT_TRUE(bool(V));
  if (!V) {
    llvm::consumeError(V.takeError());
    return Object{};
  }
  return *V->getAsObject();
}

/// The Director file create_vm writes for the article's VM, as PyYAML
/// prints it.
const char *ArticleDirectorFile = R"(services:
  vm:
    ignore_mtime: true
    makejail: gh+DtxdF/vm-makejail
    name: vmtest
    options:
    - label: overlord.vm:1
)";

class VmFlow : public VmSimTest {
protected:
  void SetUp() override {
    VmSimTest::SetUp();
    makeRelease("download.freebsd.org/releases/amd64/14.2-RELEASE",
                {"base.txz", "kernel.txz"});
    ASSERT_TRUE(bool(Meta->put("resolv.conf", "nameserver 192.168.1.107\n")));
    ASSERT_TRUE(bool(Meta->put("timezone", "America/Caracas")));
  }
};

TEST_F(VmFlow, ArticleExampleArgvAndFiles) {
  JobResult R = run(articleProfile(), "vmtest");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << "\n" << R.Stdout;
  EXPECT_EQ(R.Rc, 0);
  const std::string C = "$T/root/appjail/jails/vmtest/jail";
  const std::string Cache = "$T/components/amd64/14.2-RELEASE";
  const std::string Url =
      "https://download.freebsd.org/releases/amd64/14.2-RELEASE";
  std::vector<std::string> Want = {
      "appjail-director check -p vmtest",
      "appjail status -q vmtest",
      "appjail-director up -j -f $FILE -p vmtest",
      "appjail-director describe -p vmtest",
      "appjail cmd jexec vmtest vm create -t overlord vmtest",
      "appjail cmd local vmtest realpath .",
      "mdconfig -at vnode -f " + C + "/vm/vmtest/disk0.img",
      "gpart create -s gpt /dev/md0",
      "gpart add -t freebsd-boot -a 1M -s 512K -i 1 /dev/md0",
      "gpart add -t freebsd-swap -a 1M -s 1G -i 2 /dev/md0",
      "gpart add -t freebsd-ufs -a 1M -i 3 /dev/md0",
      "newfs -Uj /dev/md0p3",
      "gpart bootcode -b /boot/pmbr /dev/md0",
      "gpart bootcode -p /boot/gptboot -i 1 /dev/md0",
      "mount /dev/md0p3 " + C + "/mnt",
      "fetch -Rpm -o " + Cache + "/MANIFEST " + Url + "/MANIFEST",
      "fetch -Rpm -o " + Cache + "/base.txz " + Url + "/base.txz",
      "fetch -Rpm -o " + Cache + "/kernel.txz " + Url + "/kernel.txz",
      "appjail cmd jexec vmtest /run.sh",
      "umount -- " + C + "/mnt",
      "mdconfig -du md0",
      "appjail sysrc jail vmtest vm_list+=vmtest",
      "appjail cmd jexec vmtest vm start vmtest",
  };
  EXPECT_EQ(calls(), Want);

  std::string J = jail("vmtest");
  EXPECT_EQ(slurp(J + "/vm/.done"), ArticleDirectorFile);
  EXPECT_EQ(slurp(J + "/vm/.templates/overlord.conf"),
            "cpu=1\nloader=bhyveload\nmemory=256M\nnetwork0_switch=public\n"
            "network0_type=virtio-net\nwired_memory=YES\ndisk0_type=nvme\n"
            "disk0_name=disk0.img\ndisk0_dev=file\ndisk0_size=10G\n");
  EXPECT_EQ(slurp(J + "/vm/vmtest/vmtest.conf"),
            slurp(J + "/vm/.templates/overlord.conf"));
  EXPECT_EQ(slurp(J + "/metadata/environment"), "export HOSTNAME=vmtest\n\n");
  EXPECT_EQ(slurp(J + "/metadata/resolv.conf"), "nameserver 192.168.1.107\n");
  EXPECT_EQ(slurp(J + "/metadata/timezone"), "America/Caracas");
  EXPECT_FALSE(llvm::sys::fs::exists(J + "/metadata/ssh_key"));
  EXPECT_EQ(slurp(J + "/metadata/overlord.diskLayout.disk.partitions.1.size"),
            "512K");
  EXPECT_EQ(slurp(J + "/metadata/overlord.diskLayout.disk.partitions.3.format.flags"),
            "-Uj");
  EXPECT_EQ(slurp(J + "/metadata/overlord.diskLayout.disk.bootcode.index"), "1");
  EXPECT_EQ(slurp(J + "/metadata/overlord.diskLayout.disk.fstab.1.device"),
            "/dev/nda0p2");
  EXPECT_EQ(slurp(J + "/mnt/etc/fstab"),
            "/dev/nda0p3\t/\tufs\trw,sync\t1\t1\n"
            "/dev/nda0p2\tnone\tswap\tsw\t0\t0\n");
  EXPECT_EQ(slurp(J + "/mnt/etc/marker.kernel.txz"), "kernel.txz\n");
  llvm::sys::fs::file_status St;
  ASSERT_FALSE(llvm::sys::fs::status(J + "/run.sh", St));
  EXPECT_EQ(unsigned(St.permissions()) & 0777, 0555u);
  EXPECT_EQ(slurp(Root + "/sim/vm/vmtest/vmtest"), "running");
  EXPECT_NE(R.Stdout.find("==> gpart-add: "), std::string::npos) << R.Stdout;
  EXPECT_NE(R.Stdout.find("md0p3 added"), std::string::npos);
}

TEST_F(VmFlow, DoneWithoutFlagsIsNoop) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  clearJournal();
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Noop) << R.Stdout;
  EXPECT_FALSE(R.Rc);
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         "appjail-director check -p vm1",
                         "appjail-director describe -p vm1",
                         "appjail status -q vm1"}));
}

TEST_F(VmFlow, RestartReusesTheDoneDirectorFile) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  std::string Done = slurp(jail("vm1") + "/vm/.done");
  clearJournal();
  // A changed makejail is ignored on restart: the cached file is used.
  P["makejail"] = "gh+other/makejail";
  P["restart"] = true;
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_EQ(R.Restarted, true);
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         "appjail-director check -p vm1",
                         "appjail-director describe -p vm1",
                         "appjail status -q vm1",
                         "appjail-director check -p vm1",
                         "appjail-director down -j -p vm1",
                         "appjail-director up -j -f $FILE -p vm1",
                         "appjail-director describe -p vm1"}));
  EXPECT_EQ(slurp(jail("vm1") + "/vm/.done"), Done);
  EXPECT_EQ(slurp(Root + "/director/projects/vm1/appjail-director.yml"), Done);
}

TEST_F(VmFlow, RestartWithPoweroff) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  clearJournal();
  P["restart"] = true;
  P["poweroff"] = true;
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  std::vector<std::string> Got = calls();
  ASSERT_GE(Got.size(), 7u);
  EXPECT_EQ(Got[4], "appjail label get -I -l overlord.vm -- vm1 value");
  EXPECT_EQ(Got[5], "appjail cmd jexec vm1 vm poweroff -f vm1");
  EXPECT_EQ(Got[6], "appjail-director down -j -p vm1");
}

TEST_F(VmFlow, OverwriteWithoutDatastoreReinstalls) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  clearJournal();
  P["overwrite"] = true;
  // `up --overwrite` destroys the jail and, with no datastore mounted on
  // its vm/ directory, the done marker with it: the VM is installed again.
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  std::vector<std::string> Got = calls();
  ASSERT_GE(Got.size(), 5u);
  EXPECT_EQ(Got[3], "appjail-director up -j -f $FILE -p vm1 --overwrite");
  EXPECT_EQ(Got[5], "appjail cmd jexec vm1 vm create -t overlord vm1");
}

TEST_F(VmFlow, OverwriteWithDatastoreOnlyStarts) {
  // The datastore mounted on the jail's vm/ (appjail fstab in the real
  // world) is emulated by a Director wrapper that links it after `up`.
  std::string Ds = T + "/ds", Wrapper = T + "/director-with-datastore";
  spit(Wrapper, "#!/bin/sh\n\"" + Tools.Director + "\" \"$@\"; rc=$?\n"
                "j='" + jail("vm1") + "'\n"
                "if [ -d \"$j\" ] && [ ! -L \"$j/vm\" ]; then\n"
                "  mkdir -p '" + Ds + "' && rm -rf \"$j/vm\" && "
                "ln -s '" + Ds + "' \"$j/vm\"\nfi\nexit $rc\n");
  llvm::sys::fs::setPermissions(Wrapper, llvm::sys::fs::perms(0755));
  Tools.Director = Wrapper;
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  ASSERT_TRUE(llvm::sys::fs::exists(Ds + "/.done"));
  clearJournal();
  P["overwrite"] = true;
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         "appjail-director check -p vm1",
                         "appjail-director describe -p vm1",
                         "appjail status -q vm1",
                         "appjail-director up -j -f $FILE -p vm1 --overwrite",
                         "appjail-director describe -p vm1",
                         "appjail sysrc jail vm1 vm_list+=vm1",
                         "appjail cmd jexec vm1 vm start vm1"}));
}

TEST_F(VmFlow, MakejailFromMetadataUsesTheFilePath) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  P.erase("makejail");
  P["makejailFromMetadata"] = "vm.makejail";
  JobResult Missing = run(P, "vm1");
  EXPECT_EQ(Missing.Status, JobStatus::Failed);
  EXPECT_EQ(Missing.ExceptionType, "MetadataNotFound");
  EXPECT_TRUE(calls().empty());
  ASSERT_TRUE(bool(Meta->put("vm.makejail", "OPTION virtualnet=:<random>\n")));
  JobResult R = run(P, "vm1");
  ASSERT_EQ(R.Status, JobStatus::Completed) << R.Message << R.Stdout;
  EXPECT_NE(slurp(jail("vm1") + "/vm/.done")
                .find("makejail: " + Meta->pathOf("vm.makejail")),
            std::string::npos);
}

TEST_F(VmFlow, BadPayloadsFailBeforeAnyCommand) {
  struct {
    const char *Json, *Message;
  } Cases[] = {
      {"[1]", "the payload is not a JSON object."},
      {"{", "the payload is not JSON"},
      {R"({"makejail": "m", "diskLayout": {}})",
       "'template' is required but hasn't been specified."},
      {R"({"makejail": "m", "template": {}, "diskLayout": {"driver": "nvme",
          "from": {"type": "img"}}})",
       "'diskLayout.size' is required but hasn't been specified."},
      {R"({"makejail": "m", "template": {}, "diskLayout": {"driver": "scsi",
          "size": "1G", "from": {"type": "img"}}})",
       "'diskLayout.driver' is 'scsi'"},
      {R"({"makejail": "m", "template": {"cpu": 2}, "diskLayout": {}})",
       "'template.cpu' must be a string."},
      {R"({"template": {}, "diskLayout": {}})",
       "'makejail' or 'makejailFromMetadata' is required"},
      {R"({"name": "other", "makejail": "m"})", "names VM 'other'"},
      {R"({"makejail": "m", "template": {}, "diskLayout": {"driver": "nvme",
          "size": "1G", "from": {"type": "components", "osArch": "amd64",
          "osVersion": "14.2-RELEASE"}}})",
       "'diskLayout.from.components' is required"},
      {R"({"makejail": "m", "template": {}, "restart": "yes",
          "diskLayout": {"driver": "nvme", "size": "1G", "from": {"type": "img"}}})",
       "'restart' must be a boolean."},
  };
  for (const auto &C : Cases) {
    Job J;
    J.Kind = JobKind::VmCreate;
    J.Project = "vm1";
    J.Payload = C.Json;
    VmBuilder B(Cfg, Tools, *Meta);
    JobResult R = B.create(J, [] { return false; });
    EXPECT_EQ(R.Status, JobStatus::Failed) << C.Json;
    EXPECT_EQ(R.ExceptionType, "InvalidSpec") << C.Json;
    EXPECT_NE(R.ExceptionMessage.find(C.Message), std::string::npos)
        << R.ExceptionMessage;
  }
  EXPECT_TRUE(calls().empty());
}

TEST_F(VmFlow, BusyProjectFailsWithTheReason) {
  Object P = basicProfile("file://" + T + "/mirror/rel");
  makeRelease("rel", {"base.txz"});
  {
    JobResult First = run(P, "vm1");
    ASSERT_EQ(First.Status, JobStatus::Completed) << First.Message << First.Stdout;
  }
  ProcessSpec S;
  S.Program = std::getenv("OVERLORD_AJSIM") ? std::getenv("OVERLORD_AJSIM")
                                            : selfDir() + "/ajsim";
  S.Args = {"state", "stale-lock", "vm1"};
  S.InheritEnv = true;
  auto Lock = runProcess(S);
  ASSERT_TRUE(Lock && Lock->succeeded());
  JobResult R = run(P, "vm1");
  EXPECT_EQ(R.Status, JobStatus::Failed);
  EXPECT_NE(R.Message.find("is locked by a running Director"),
            std::string::npos)
      << R.Message << R.Stdout;
}

} // namespace
