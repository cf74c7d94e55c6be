//===- Daemon.cpp - overlordd's command line and small commands -*- C++ -*-===//
//
// `overlordd [-c FILE] [--env-file F] [--log-level L] COMMAND ...`: option
// parsing, configuration loading (diagnostics through the DiagnosticEngine),
// `--check-config`, `print-config`, `gen-token`, and the structured logger.
// `serve` is in Serve.cpp.
//
//===----------------------------------------------------------------------===//
#include "DaemonImpl.h"

#include "overlord/Engine/Auth.h"
#include "overlord/Yaml/YamlParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <ctime>
#include <thread>

namespace overlord::engine {

std::optional<LogLevel> parseLogLevel(llvm::StringRef Name) {
  if (Name == "debug")
    return LogLevel::Debug;
  if (Name == "info")
    return LogLevel::Info;
  if (Name == "warn" || Name == "warning")
    return LogLevel::Warn;
  if (Name == "error")
    return LogLevel::Error;
  return std::nullopt;
}

static llvm::StringRef levelName(LogLevel L) {
  switch (L) {
  case LogLevel::Debug:
    return "debug";
  case LogLevel::Info:
    return "info";
  case LogLevel::Warn:
    return "warn";
  case LogLevel::Error:
    return "error";
  }
  return "info";
}

std::string Logger::quote(llvm::StringRef V) {
  bool Plain = !V.empty() && V.find_first_of(" \"=\t\n\r\\") == llvm::StringRef::npos;
  if (Plain)
    return V.str();
  std::string Out = "\"";
  for (char C : V) {
    if (C == '"' || C == '\\')
      Out += '\\';
    if (C == '\n') {
      Out += "\\n";
      continue;
    }
    if (C == '\r') {
      Out += "\\r";
      continue;
    }
    if (C == '\t') {
      Out += "\\t";
      continue;
    }
    Out += C;
  }
  return Out + "\"";
}

void Logger::log(LogLevel L, llvm::StringRef Msg, const KV &Fields) {
  if (!enabled(L))
    return;
  auto Now = std::chrono::system_clock::now();
  std::time_t T = std::chrono::system_clock::to_time_t(Now);
  auto Ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                Now.time_since_epoch()) %
            1000;
  std::tm Tm;
  gmtime_r(&T, &Tm);
  char Buf[32];
  std::strftime(Buf, sizeof(Buf), "%Y-%m-%dT%H:%M:%S", &Tm);
  char MsBuf[8];
  std::snprintf(MsBuf, sizeof(MsBuf), "%03d", int(Ms.count()));
  std::string Line = llvm::formatv("ts={0}.{1}Z level={2} msg={3}", Buf,
                                   MsBuf, levelName(L), quote(Msg))
                         .str();
  for (const auto &F : Fields)
    Line += " " + F.first + "=" + quote(F.second);
  Line += "\n";
  std::lock_guard<std::mutex> G(M);
  OS << Line;
  OS.flush();
}

namespace daemon {

/// Loads the env file (python-dotenv semantics, never overriding) into Env.
static bool loadEnv(const Options &O, Environment &Env, llvm::raw_ostream &Err) {
  std::string Path = O.EnvFile.value_or(".env");
  if (!llvm::sys::fs::exists(Path)) {
    if (O.EnvFile) {
      Err << "overlordd: error: cannot read env file '" << Path << "'\n";
      return false;
    }
    return true;
  }
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf) {
    Err << "overlordd: error: cannot read env file '" << Path
        << "': " << Buf.getError().message() << "\n";
    return false;
  }
  unsigned Id = SM.AddNewSourceBuffer(std::move(*Buf), llvm::SMLoc());
  bool Ok = yaml::loadEnvFile(Id, Diags, Env);
  Diags.flush(Err);
  return Ok;
}

std::optional<EngineConfig> loadConfig(const Options &O, llvm::raw_ostream &Err,
                                       std::string *PathOut) {
  Environment Env = Environment::fromProcess();
  if (!loadEnv(O, Env, Err))
    return std::nullopt;
  ConfigOptions CO;
  if (auto Home = Env.lookup("HOME"))
    CO.Home = *Home;
  unsigned N = std::thread::hardware_concurrency();
  CO.CpuCount = N ? N : 1;
  CO.Env = &Env;
  std::string Path = O.ConfigFile ? *O.ConfigFile : defaultConfigPath(Env);
  if (PathOut)
    *PathOut = Path;
  if (!O.ConfigFile && !llvm::sys::fs::exists(Path))
    return defaultConfig(CO); // the reference: no file, every default
  llvm::SourceMgr SM;
  DiagnosticEngine Diags(SM);
  auto Cfg = loadConfigFile(Path, Diags, CO);
  Diags.flush(Err);
  if (Diags.hasErrors())
    return std::nullopt;
  return Cfg;
}

static int usage(llvm::raw_ostream &Err, llvm::StringRef Why) {
  Err << "overlordd: error: " << Why << "\n"
      << "usage: overlordd [-c FILE] [--env-file FILE] [--log-level LEVEL] "
         "[serve [--port N] [--tls-port N] [--port-file FILE]]\n"
         "       overlordd [-c FILE] --check-config\n"
         "       overlordd [-c FILE] print-config [--show-secrets]\n"
         "       overlordd [-c FILE] gen-token [--metadata KEY[=VALUE]]... "
         "[--expire N] [--expire-type seconds|minutes|hours|days|weeks]\n";
  return 2;
}

static bool takeValue(llvm::ArrayRef<std::string> Args, size_t &I,
                      llvm::StringRef Flag, std::string &Out) {
  llvm::StringRef A = Args[I];
  if (A.consume_front(Flag.str() + "=")) {
    Out = A.str();
    return true;
  }
  if (A != Flag || I + 1 >= Args.size())
    return false;
  Out = Args[++I];
  return true;
}

static bool parseInt(llvm::StringRef S, int64_t &Out, int64_t Min,
                     int64_t Max) {
  return !S.getAsInteger(10, Out) && Out >= Min && Out <= Max;
}

/// Parses the command line; returns an exit status to stop with, or -1.
static int parseArgs(llvm::ArrayRef<std::string> Args, Options &O,
                     llvm::raw_ostream &Err) {
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef A = Args[I];
    std::string V;
    if (takeValue(Args, I, "-c", V) || takeValue(Args, I, "--config", V)) {
      O.ConfigFile = V;
    } else if (takeValue(Args, I, "--env-file", V) ||
               takeValue(Args, I, "-e", V)) {
      O.EnvFile = V;
    } else if (takeValue(Args, I, "--log-level", V)) {
      auto L = parseLogLevel(V);
      if (!L)
        return usage(Err, "unknown log level '" + V + "'");
      O.Level = *L;
    } else if (A == "--check-config") {
      O.Command = "check-config";
    } else if (A == "--show-secrets") {
      O.ShowSecrets = true;
    } else if (takeValue(Args, I, "--port-file", V)) {
      O.PortFile = V;
    } else if (takeValue(Args, I, "--port", V)) {
      int64_t P;
      if (!parseInt(V, P, 0, 65535))
        return usage(Err, "'--port' must be a port number, not '" + V + "'");
      O.Port = uint16_t(P);
    } else if (takeValue(Args, I, "--tls-port", V)) {
      int64_t P;
      if (!parseInt(V, P, 0, 65535))
        return usage(Err, "'--tls-port' must be a port number, not '" + V + "'");
      O.TlsPort = uint16_t(P);
    } else if (takeValue(Args, I, "--metadata", V)) {
      O.Metadata.push_back(V);
    } else if (takeValue(Args, I, "--expire", V)) {
      if (!parseInt(V, O.Expire, 0, int64_t(1) << 40))
        return usage(Err, "'--expire' must be a non-negative integer, not '" +
                              V + "'");
    } else if (takeValue(Args, I, "--expire-type", V)) {
      auto U = parseExpireUnit(V);
      if (!U)
        return usage(Err, "'--expire-type' must be one of seconds, minutes, "
                          "hours, days, weeks, not '" +
                              V + "'");
      O.Unit = *U;
    } else if (A == "serve" || A == "print-config" || A == "gen-token") {
      if (!O.Command.empty() && O.Command != A)
        return usage(Err, "more than one command given");
      O.Command = A.str();
    } else if (A == "-h" || A == "--help") {
      usage(Err, "help requested");
      return 0;
    } else {
      return usage(Err, "unknown argument '" + A.str() + "'");
    }
  }
  if (O.Command.empty())
    O.Command = "serve";
  return -1;
}

static int printConfigCommand(const Options &O, llvm::raw_ostream &Out,
                              llvm::raw_ostream &Err) {
  auto Cfg = loadConfig(O, Err);
  if (!Cfg)
    return 1;
  Out << llvm::formatv("{0:4}", printConfig(*Cfg, O.ShowSecrets)) << "\n";
  return 0;
}

static int genTokenCommand(const Options &O, llvm::raw_ostream &Out,
                           llvm::raw_ostream &Err) {
  auto Cfg = loadConfig(O, Err);
  if (!Cfg)
    return 1;
  auto Secret = loadServerSecret(Cfg->SecretKey, Cfg->SecretKeyFile);
  if (!Secret) {
    Err << "overlordd: error: " << llvm::toString(Secret.takeError()) << "\n";
    return 1;
  }
  TokenRequest Req;
  Req.Metadata = parseMetadataArgs(O.Metadata);
  Req.Expire = O.Expire;
  Req.Unit = O.Unit;
  auto Token = genToken(Req, *Secret, systemNow());
  if (!Token) {
    Err << "overlordd: error: " << llvm::toString(Token.takeError()) << "\n";
    return 1;
  }
  Out << *Token << "\n";
  return 0;
}

} // namespace daemon

int runOverlordd(llvm::ArrayRef<std::string> Args, llvm::raw_ostream &Out,
                 llvm::raw_ostream &Err) {
  daemon::Options O;
  int Rc = daemon::parseArgs(Args, O, Err);
  if (Rc >= 0)
    return Rc;
  if (O.Command == "check-config") {
    std::string Path;
    auto Cfg = daemon::loadConfig(O, Err, &Path);
    if (!Cfg)
      return 1;
    Out << "overlordd: configuration '" << Path << "' is valid\n";
    return 0;
  }
  if (O.Command == "print-config")
    return daemon::printConfigCommand(O, Out, Err);
  if (O.Command == "gen-token")
    return daemon::genTokenCommand(O, Out, Err);
  return daemon::serve(O, Err);
}

} // namespace overlord::engine
