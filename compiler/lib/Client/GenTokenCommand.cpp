//===- GenTokenCommand.cpp - overlordc gen-token ----------------*- C++ -*-===//
//
// `overlordc gen-token [-c CONFIG] [--metadata KEY[=VALUE]]... [--expire N]
// [--expire-type seconds|minutes|hours|days|weeks]` mints an access token
// for the node whose configuration it reads, exactly as the reference's
// `overlord gen-token` (overlord-behaviour.md §1.9, §11.2): the secret is
// `secret_key`, else the keyfile (created with 64 random bytes when it does
// not exist yet). It runs on the node, like the reference's command.
//
// The engine's Auth and Config libraries do the work, so the token format,
// the keyfile rules and the configuration defaults are the ones overlordd
// verifies with; nothing is re-implemented here.
//
//===----------------------------------------------------------------------===//
#include "overlord/Client/ClientCommands.h"
#include "overlord/Client/Session.h"
#include "overlord/Engine/Auth.h"
#include "overlord/Engine/Config.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace overlord;
using namespace overlord::client;
namespace cl = llvm::cl;

namespace {

cl::SubCommand TokenCmd("gen-token", "Create an access token for this "
                                     "node (reads its overlord.yml)");
cl::opt<std::string> Config("c", cl::desc("Server configuration (default "
                                          "$OVERLORD_CONFIG, else "
                                          ".overlord.yml)"),
                            cl::value_desc("overlord.yml"), cl::sub(TokenCmd));
cl::alias ConfigLong("config", cl::aliasopt(Config));
cl::list<std::string> Metadata("metadata",
                               cl::desc("KEY[=VALUE] stored in the token "
                                        "(repeatable)"),
                               cl::value_desc("key=value"), cl::sub(TokenCmd));
cl::opt<int64_t> Expire("expire", cl::desc("Expire after N units (0: never)"),
                        cl::init(0), cl::sub(TokenCmd));
cl::opt<std::string> ExpireType("expire-type",
                                cl::desc("seconds, minutes, hours (default), "
                                         "days or weeks"),
                                cl::init("hours"), cl::sub(TokenCmd));
driver::DiagOptions Diag(TokenCmd);

int run() {
  std::optional<engine::ExpireUnit> Unit =
      engine::parseExpireUnit(ExpireType);
  if (!Unit) {
    llvm::errs() << "overlordc gen-token: error: unknown --expire-type '"
                 << ExpireType
                 << "'; use seconds, minutes, hours, days or weeks\n";
    return ClientUsage;
  }
  Environment Env = Environment::fromProcess();
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  if (!Diag.apply(Diags))
    return ClientUsage;
  engine::ConfigOptions CO;
  CO.Env = &Env;
  std::string Path = Config.empty() ? engine::defaultConfigPath(Env)
                                    : Config.getValue();
  std::optional<engine::EngineConfig> Cfg;
  // Like the reference, a missing default file means every default; a file
  // named with -c must exist.
  if (Config.empty() && !llvm::sys::fs::exists(Path))
    Cfg = engine::defaultConfig(CO);
  else
    Cfg = engine::loadConfigFile(Path, Diags, CO);
  Diags.flush(llvm::errs());
  if (!Cfg)
    return ClientUsage;
  llvm::Expected<std::string> Secret =
      engine::loadServerSecret(Cfg->SecretKey, Cfg->SecretKeyFile);
  if (!Secret) {
    llvm::errs() << "overlordc gen-token: error: "
                 << llvm::toString(Secret.takeError()) << "\n";
    return ClientTargetFailed;
  }
  engine::TokenRequest Req;
  Req.Metadata = engine::parseMetadataArgs(
      std::vector<std::string>(Metadata.begin(), Metadata.end()));
  Req.Expire = Expire;
  Req.Unit = *Unit;
  llvm::Expected<std::string> Token =
      engine::genToken(Req, *Secret, engine::systemNow());
  if (!Token) {
    llvm::errs() << "overlordc gen-token: error: "
                 << llvm::toString(Token.takeError()) << "\n";
    return ClientTargetFailed;
  }
  llvm::outs() << *Token << "\n";
  return ClientOk;
}

} // namespace

int overlord::client::runGenToken() {
  if (!TokenCmd)
    return -1;
  return run();
}
