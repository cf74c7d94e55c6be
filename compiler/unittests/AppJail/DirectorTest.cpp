//===- DirectorTest.cpp - Director file checks, on built trees --*- C++ -*-===//
//
// Exercises checkDirectorFile on ast::Value trees built by hand over a source
// buffer, independent of the YAML front end: the typed model with its
// defaults and labels, and the main diagnostics with their locations.
//
//===----------------------------------------------------------------------===//
#include "overlord/AppJail/Director.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <utility>

using namespace overlord;
using namespace overlord::appjail;
using ast::Value;
using ast::ValueKind;

namespace {

/// Builds values whose ranges are the next occurrence of their text in the
/// buffer. Build them in source order (braced lists evaluate in order).
struct Tree {
  llvm::SourceMgr SM;
  DiagnosticEngine Diags{SM};
  ast::Document Doc;
  llvm::StringRef Text;
  size_t Cursor = 0;

  explicit Tree(llvm::StringRef Src) {
    unsigned B = SM.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(Src, "d.yml"), llvm::SMLoc());
    Text = SM.getMemoryBuffer(B)->getBuffer();
  }
  llvm::SMRange next(llvm::StringRef S) {
    size_t Pos = Text.find(S, Cursor);
    EXPECT_NE(Pos, size_t(-1)) << S.str();
    if (Pos == size_t(-1))
      Pos = Cursor;
    Cursor = Pos + S.size();
    return {llvm::SMLoc::getFromPointer(Text.data() + Pos),
            llvm::SMLoc::getFromPointer(Text.data() + Pos + S.size())};
  }
  const Value *str(llvm::StringRef S) {
    Value *V = Doc.create(ValueKind::String, next(S));
    V->Text = S.str();
    V->Style = ast::ScalarStyle::Plain;
    return V;
  }
  const Value *num(int64_t I) {
    Value *V = Doc.create(ValueKind::Int, next(std::to_string(I)));
    V->IntVal = I;
    V->Text = std::to_string(I);
    return V;
  }
  const Value *null() {
    llvm::SMLoc At = llvm::SMLoc::getFromPointer(Text.data() + Cursor);
    return Doc.create(ValueKind::Null, {At, At});
  }
  const Value *
  map(std::initializer_list<std::pair<const Value *, const Value *>> Entries) {
    Value *V = Doc.create(ValueKind::Map, {});
    for (auto &[K, Val] : Entries)
      V->Entries.push_back({K, Val});
    if (!V->Entries.empty() && V->Entries.back().Val->Range.End.isValid())
      V->Range = {V->Entries.front().Key->Range.Start,
                  V->Entries.back().Val->Range.End};
    return V;
  }
  const Value *list(std::initializer_list<const Value *> Items) {
    Value *V = Doc.create(ValueKind::List, {});
    V->Items.assign(Items.begin(), Items.end());
    if (!V->Items.empty())
      V->Range = {V->Items.front()->Range.Start, V->Items.back()->Range.End};
    return V;
  }
  std::optional<DirectorFile> check(const Value *Root) {
    return checkDirectorFile(Root, {}, Diags);
  }
  std::string flush() {
    std::string S;
    llvm::raw_string_ostream OS(S);
    Diags.flush(OS);
    return OS.str();
  }
};

TEST(Director, ModelWithDefaultsAndLabels) {
  Tree T("options:\n"
         "  - label: overlord.vm:1\n"
         "services:\n"
         "  web:\n"
         "    priority: 10\n"
         "    options:\n"
         "      - expose: 80\n"
         "    volumes:\n"
         "      - data: /data\n"
         "volumes:\n"
         "  data:\n"
         "    device: /srv/data\n");
  const Value *Root = T.map(
      {{T.str("options"),
        T.list({T.map({{T.str("label"), T.str("overlord.vm:1")}})})},
       {T.str("services"),
        T.map(
            {{T.str("web"),
              T.map({{T.str("priority"), T.num(10)},
                     {T.str("options"),
                      T.list({T.map({{T.str("expose"), T.num(80)}})})},
                     {T.str("volumes"),
                      T.list({T.map({{T.str("data"), T.str("/data")}})})}})}})},
       {T.str("volumes"),
        T.map({{T.str("data"),
                T.map({{T.str("device"), T.str("/srv/data")}})}})}});
  std::optional<DirectorFile> F = T.check(Root);
  std::string Out = T.flush();
  ASSERT_TRUE(F) << Out;
  EXPECT_EQ(Out, "");
  ASSERT_EQ(F->Services.size(), 1u);
  const DirectorService &S = F->Services[0];
  EXPECT_EQ(S.Name, "web");
  EXPECT_EQ(S.Priority, 10);
  EXPECT_EQ(S.Makejail, "Makejail");
  EXPECT_FALSE(S.JailName);
  ASSERT_EQ(S.Options.size(), 1u);
  EXPECT_EQ(S.Options[0].Key, "expose");
  EXPECT_EQ(S.Options[0].Value, std::optional<std::string>("80"));
  ASSERT_EQ(S.Labels.size(), 1u);
  EXPECT_EQ(S.Labels[0].Key, "overlord.vm");
  EXPECT_EQ(S.Labels[0].Value, std::optional<std::string>("1"));
  ASSERT_EQ(F->Volumes.size(), 1u);
  EXPECT_EQ(F->Volumes[0].Device, "/srv/data");
  EXPECT_EQ(F->Volumes[0].MountOptions, "rw");
  EXPECT_EQ(F->DefaultVolumeType, "<pseudofs>");
}

TEST(Director, EmptyDocument) {
  Tree T("");
  EXPECT_FALSE(T.check(nullptr));
  EXPECT_NE(T.flush().find("[DirectorEmptyFile]"), std::string::npos);
}

TEST(Director, UnknownKeySuggestsAndKeepsGoing) {
  Tree T("services:\n  web:\n    makejial: x\n    priority: 1\n");
  const Value *Root = T.map(
      {{T.str("services"),
        T.map({{T.str("web"), T.map({{T.str("makejial"), T.str("x")},
                                     {T.str("priority"), T.num(1)}})}})}});
  EXPECT_FALSE(T.check(Root));
  std::string Out = T.flush();
  EXPECT_NE(Out.find("d.yml:3:5: error: unknown key 'makejial' in service "
                     "'web'; did you mean 'makejail'? [DirectorUnknownKey]"),
            std::string::npos)
      << Out;
}

TEST(Director, KVListWrittenAsMapping) {
  Tree T("services:\n  web:\n    environment:\n      A: 1\n");
  const Value *Root = T.map(
      {{T.str("services"),
        T.map({{T.str("web"), T.map({{T.str("environment"),
                                      T.map({{T.str("A"), T.num(1)}})}})}})}});
  std::optional<DirectorFile> F = T.check(Root);
  EXPECT_FALSE(F);
  std::string Out = T.flush();
  EXPECT_NE(Out.find("d.yml:4:7: error: 'environment' of service 'web' is a "
                     "mapping; Director expects a list"),
            std::string::npos)
      << Out;
  EXPECT_NE(Out.find("^~~~\n      - \n"), std::string::npos) << Out; // fix-it
}

TEST(Director, MissingVolumeAndServices) {
  Tree T("services:\n  web:\n    volumes:\n      - dta: /x\n"
         "volumes:\n  data:\n    device: /d\n");
  const Value *Root = T.map(
      {{T.str("services"),
        T.map({{T.str("web"),
                T.map({{T.str("volumes"),
                        T.list({T.map({{T.str("dta"), T.str("/x")}})})}})}})},
       {T.str("volumes"),
        T.map({{T.str("data"), T.map({{T.str("device"), T.str("/d")}})}})}});
  EXPECT_FALSE(T.check(Root));
  std::string Out = T.flush();
  EXPECT_NE(Out.find("d.yml:4:9: error: service 'web' mounts volume 'dta', "
                     "which is not defined in the top-level 'volumes'; did "
                     "you mean 'data'? [DirectorVolumeNotFound]"),
            std::string::npos)
      << Out;
  EXPECT_NE(Out.find("d.yml:5:1: note: volumes are defined here"),
            std::string::npos)
      << Out;

  Tree U("volumes: {}\n");
  EXPECT_FALSE(U.check(U.map({{U.str("volumes"), U.map({})}})));
  EXPECT_NE(U.flush().find("[DirectorMissingServices]"), std::string::npos);
}

TEST(Director, SpecialLabelCompanions) {
  Tree T("services:\n  web:\n    options:\n"
         "      - label: overlord.load-balancer:1\n"
         "      - label: overlord.load-balancer.interface.port:http\n");
  const Value *Root = T.map(
      {{T.str("services"),
        T.map({{T.str("web"),
                T.map({{T.str("options"),
                        T.list(
                            {T.map({{T.str("label"),
                                     T.str("overlord.load-balancer:1")}}),
                             T.map({{T.str("label"),
                                     T.str("overlord.load-balancer."
                                           "interface.port:http")}})})}})}})}});
  EXPECT_FALSE(T.check(Root));
  std::string Out = T.flush();
  EXPECT_NE(Out.find("d.yml:4:16: error: service 'web' sets label "
                     "'overlord.load-balancer' but not "
                     "'overlord.load-balancer.backend', which it requires"),
            std::string::npos)
      << Out;
  EXPECT_NE(Out.find("d.yml:5:54: error: label "
                     "'overlord.load-balancer.interface.port' has value "
                     "'http'; Overlord reads it as an integer"),
            std::string::npos)
      << Out;
}

TEST(Director, NullServiceIsAWrongType) {
  Tree T("services:\n  web:\n");
  const Value *Root =
      T.map({{T.str("services"), T.map({{T.str("web"), T.null()}})}});
  EXPECT_FALSE(T.check(Root));
  std::string Out = T.flush();
  EXPECT_NE(Out.find("d.yml:2:3: error: service 'web' has type 'NoneType'"),
            std::string::npos)
      << Out;
}

} // namespace
