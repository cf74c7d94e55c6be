//===- Clients.cpp - etcd and Data Plane API clients ------------*- C++ -*-===//
//
// The two HTTP services behind the label integrations, and the JSON text
// format (Python's json.dumps) the SkyDNS records are stored in so that
// records written by the reference and by overlordd compare equal.
//
//===----------------------------------------------------------------------===//
#include "Integrations.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

using namespace overlord;
using namespace overlord::engine;
using namespace overlord::engine::hooks;

//===----------------------------------------------------------------------===//
// etcd
//===----------------------------------------------------------------------===//

EtcdClient::EtcdClient(std::vector<EtcdHostConfig> Hosts)
    : Hosts(std::move(Hosts)), Failed(this->Hosts.size()) {}

std::string EtcdClient::baseUrl(const EtcdHostConfig &H) const {
  std::string Host =
      llvm::StringRef(H.Host).contains(':') ? "[" + H.Host + "]" : H.Host;
  return H.Protocol + "://" + Host + ":" + std::to_string(H.Port);
}

HttpRequest EtcdClient::baseRequest(const EtcdHostConfig &H) const {
  HttpRequest R;
  // etcd3gw passes `timeout` to requests, where None means no limit at all;
  // here an unset timeout is 10 s so a dead member cannot hang a job.
  int64_t Secs = H.Timeout && *H.Timeout > 0 ? *H.Timeout : 10;
  R.ConnectTimeout = std::chrono::seconds(Secs);
  R.Timeout = std::chrono::seconds(2 * Secs);
  if (H.CACert)
    R.CAInfo = *H.CACert;
  // `cert_key`: a PEM file holding the client certificate and its key
  // (etcd3gw is given only the key by the reference, which is never used).
  if (H.CertKey)
    R.ClientCert = R.ClientKey = *H.CertKey;
  return R;
}

llvm::Expected<std::string> EtcdClient::apiPath(size_t Index) {
  const EtcdHostConfig &H = Hosts[Index];
  if (H.ApiPath) {
    // etcd3gw appends the method to api_path verbatim: make "v3" and
    // "/v3" mean "/v3/" instead of producing "/v3kv/put".
    std::string P = *H.ApiPath;
    if (P.empty() || P.front() != '/')
      P.insert(P.begin(), '/');
    if (P.back() != '/')
      P.push_back('/');
    return P;
  }
  {
    std::lock_guard<std::mutex> G(Lock);
    auto It = Discovered.find(Index);
    if (It != Discovered.end())
      return It->second;
  }
  HttpRequest R = baseRequest(H);
  R.Url = baseUrl(H) + "/version";
  llvm::Expected<HttpResponse> Resp = httpRequest(R);
  if (!Resp)
    return Resp.takeError();
  if (Resp->Status != 200)
    return llvm::createStringError(std::errc::protocol_error,
                                   "GET %s: HTTP %ld", R.Url.c_str(),
                                   Resp->Status);
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Resp->Body);
  if (!V)
    return llvm::createStringError(std::errc::protocol_error, "GET %s: %s",
                                   R.Url.c_str(),
                                   llvm::toString(V.takeError()).c_str());
  const llvm::json::Object *O = V->getAsObject();
  llvm::Optional<llvm::StringRef> Server;
  if (O)
    Server = O->getString("etcdserver");
  if (!Server)
    return llvm::createStringError(std::errc::protocol_error,
                                   "Malformed response from version API");
  llvm::SmallVector<llvm::StringRef, 3> Parts;
  Server->split(Parts, '.', 2);
  unsigned Major = 0, Minor = 0;
  if (Parts.size() < 2 || Parts[0].getAsInteger(10, Major) ||
      Parts[1].getAsInteger(10, Minor))
    return llvm::createStringError(std::errc::protocol_error,
                                   "Failed to parse etcd cluster version: %s",
                                   Server->str().c_str());
  std::string P = (Major > 3 || (Major == 3 && Minor >= 4)) ? "/v3/"
                  : (Major == 3 && Minor >= 3)              ? "/v3beta/"
                                                            : "/v3alpha/";
  std::lock_guard<std::mutex> G(Lock);
  Discovered[Index] = P;
  return P;
}

llvm::Expected<llvm::json::Object>
EtcdClient::callHost(size_t Index, llvm::StringRef Method,
                     const std::string &Body) {
  llvm::Expected<std::string> Path = apiPath(Index);
  if (!Path)
    return Path.takeError();
  HttpRequest R = baseRequest(Hosts[Index]);
  R.Method = "POST";
  R.Url = baseUrl(Hosts[Index]) + *Path + Method.str();
  R.Body = Body;
  R.Headers.push_back("Content-Type: application/json");
  llvm::Expected<HttpResponse> Resp = httpRequest(R);
  if (!Resp)
    return Resp.takeError();
  if (Resp->Status != 200)
    return llvm::createStringError(
        std::errc::protocol_error, "POST %s: HTTP %ld %s", R.Url.c_str(),
        Resp->Status, bodyExcerpt(Resp->Body).c_str());
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Resp->Body);
  if (!V)
    return llvm::createStringError(std::errc::protocol_error, "POST %s: %s",
                                   R.Url.c_str(),
                                   llvm::toString(V.takeError()).c_str());
  if (!V->getAsObject())
    return llvm::createStringError(std::errc::protocol_error,
                                   "POST %s: the answer is not an object",
                                   R.Url.c_str());
  return std::move(*V->getAsObject());
}

llvm::Expected<llvm::json::Object>
EtcdClient::call(llvm::StringRef Method, const llvm::json::Object &Body) {
  std::string Text =
      llvm::formatv("{0}", llvm::json::Value(llvm::json::Object(Body)));
  auto Now = std::chrono::steady_clock::now();
  auto Wait = std::chrono::seconds(2 * Hosts.size());
  // Hosts that failed recently go last instead of being dropped: unlike the
  // reference, a call never fails without having tried every host.
  std::vector<size_t> Order, Late;
  {
    std::lock_guard<std::mutex> G(Lock);
    for (size_t I = 0; I < Hosts.size(); ++I)
      (Failed[I] && Now - *Failed[I] < Wait ? Late : Order).push_back(I);
  }
  Order.insert(Order.end(), Late.begin(), Late.end());
  std::vector<std::string> Reasons;
  for (size_t I : Order) {
    llvm::Expected<llvm::json::Object> R = callHost(I, Method, Text);
    std::lock_guard<std::mutex> G(Lock);
    if (R) {
      Failed[I].reset();
      return R;
    }
    Reasons.push_back(Hosts[I].Host + ":" + std::to_string(Hosts[I].Port) +
                      ": " + llvm::toString(R.takeError()));
    Failed[I] = std::chrono::steady_clock::now();
  }
  std::string Msg = "All etcd instances do not seem to work correctly.";
  if (Hosts.empty())
    Msg += " (no etcd host is configured)";
  else
    Msg += " (" + llvm::join(Reasons, "; ") + ")";
  return llvm::createStringError(std::errc::io_error, "%s", Msg.c_str());
}

llvm::Expected<bool> EtcdClient::put(llvm::StringRef Key,
                                     llvm::StringRef Value) {
  llvm::Expected<llvm::json::Object> R =
      call("kv/put", llvm::json::Object{{"key", base64Encode(Key)},
                                        {"value", base64Encode(Value)}});
  if (!R)
    return R.takeError();
  return true;
}

llvm::Expected<bool> EtcdClient::remove(llvm::StringRef Key) {
  llvm::Expected<llvm::json::Object> R =
      call("kv/deleterange", llvm::json::Object{{"key", base64Encode(Key)}});
  if (!R)
    return R.takeError();
  return R->get("deleted") != nullptr;
}

namespace {

/// The `kvs` of a range answer as key -> value.
llvm::Expected<std::map<std::string, std::string>>
decodeKvs(const llvm::json::Object &R) {
  std::map<std::string, std::string> Out;
  const llvm::json::Array *Kvs = R.getArray("kvs");
  if (!Kvs)
    return Out;
  for (const llvm::json::Value &Kv : *Kvs) {
    const llvm::json::Object *O = Kv.getAsObject();
    llvm::Optional<llvm::StringRef> K, V;
    if (O) {
      K = O->getString("key");
      V = O->getString("value");
    }
    std::optional<std::string> DK;
    if (K)
      DK = base64Decode(*K);
    std::optional<std::string> DV = base64Decode(V ? *V : "");
    if (!DK || !DV)
      return llvm::createStringError(std::errc::protocol_error,
                                     "etcd range: malformed key/value");
    Out[*DK] = *DV;
  }
  return Out;
}

} // namespace

llvm::Expected<std::optional<std::string>>
EtcdClient::get(llvm::StringRef Key) {
  llvm::Expected<llvm::json::Object> R =
      call("kv/range", llvm::json::Object{{"key", base64Encode(Key)}});
  if (!R)
    return R.takeError();
  llvm::Expected<std::map<std::string, std::string>> Kvs = decodeKvs(*R);
  if (!Kvs)
    return Kvs.takeError();
  auto It = Kvs->find(Key.str());
  if (It == Kvs->end())
    return std::nullopt;
  return It->second;
}

llvm::Expected<std::map<std::string, std::string>>
EtcdClient::getPrefix(llvm::StringRef Prefix) {
  // range_end: the prefix with its last byte incremented (trailing 0xff
  // bytes dropped first); "\0" means "to the end of the key space".
  std::string End = Prefix.str();
  while (!End.empty() && static_cast<unsigned char>(End.back()) == 0xff)
    End.pop_back();
  if (End.empty())
    End = std::string(1, '\0');
  else
    End.back() = static_cast<char>(static_cast<unsigned char>(End.back()) + 1);
  llvm::Expected<llvm::json::Object> R =
      call("kv/range", llvm::json::Object{{"key", base64Encode(Prefix)},
                                          {"range_end", base64Encode(End)}});
  if (!R)
    return R.takeError();
  return decodeKvs(*R);
}

//===----------------------------------------------------------------------===//
// Data Plane API
//===----------------------------------------------------------------------===//

llvm::Expected<HttpResponse> DataPlaneClient::call(llvm::StringRef Method,
                                                   llvm::StringRef Path,
                                                   const std::string &Body) {
  HttpRequest R;
  R.Method = Method.str();
  // httpx joins base_url and the path keeping the base's own path.
  R.Url = llvm::StringRef(Cfg.Entrypoint.value_or("")).rtrim('/').str() +
          Path.str();
  R.Body = Body;
  R.BasicAuth = std::make_pair(Cfg.Username, Cfg.Password);
  if (Method == "POST" || Method == "PUT")
    R.Headers.push_back("Content-Type: application/json");
  R.Headers.push_back("Accept: application/json");
  // httpx applies connect/read/write limits separately; curl has a connect
  // limit and a whole-request limit, which is their sum.
  int64_t Connect = std::max<int64_t>(Cfg.ConnectTimeout, 0);
  int64_t Total = Connect + std::max<int64_t>(Cfg.ReadTimeout, 0) +
                  std::max<int64_t>(Cfg.WriteTimeout, 0);
  R.ConnectTimeout = std::chrono::seconds(Connect);
  R.Timeout = std::chrono::seconds(Total);
  if (Cfg.CACert)
    R.CAInfo = *Cfg.CACert;
  return httpRequest(R);
}

//===----------------------------------------------------------------------===//
// Python-compatible text
//===----------------------------------------------------------------------===//

std::string hooks::pyJsonString(llvm::StringRef S) {
  std::string Out = "\"";
  auto Escape = [&](uint32_t U) {
    Out += llvm::formatv("\\u{0:x-4}", U).str();
  };
  for (size_t I = 0; I < S.size();) {
    unsigned char C = S[I];
    if (C < 0x80) {
      ++I;
      switch (C) {
      case '"':
        Out += "\\\"";
        break;
      case '\\':
        Out += "\\\\";
        break;
      case '\n':
        Out += "\\n";
        break;
      case '\r':
        Out += "\\r";
        break;
      case '\t':
        Out += "\\t";
        break;
      case '\b':
        Out += "\\b";
        break;
      case '\f':
        Out += "\\f";
        break;
      default:
        if (C < 0x20)
          Escape(C);
        else
          Out.push_back(static_cast<char>(C));
      }
      continue;
    }
    // UTF-8 sequence; an invalid byte becomes U+FFFD.
    unsigned Len = C >= 0xf0 ? 4 : C >= 0xe0 ? 3 : C >= 0xc0 ? 2 : 0;
    uint32_t U = 0xfffd;
    if (Len && I + Len <= S.size()) {
      uint32_t V = C & (0x7f >> Len);
      bool Ok = true;
      for (unsigned K = 1; K < Len; ++K) {
        unsigned char D = S[I + K];
        Ok &= (D & 0xc0) == 0x80;
        V = (V << 6) | (D & 0x3f);
      }
      if (Ok) {
        U = V;
        I += Len;
      } else {
        ++I;
      }
    } else {
      ++I;
    }
    if (U >= 0x10000) {
      U -= 0x10000;
      Escape(0xd800 + (U >> 10));
      Escape(0xdc00 + (U & 0x3ff));
    } else {
      Escape(U);
    }
  }
  Out.push_back('"');
  return Out;
}

std::string hooks::pyJsonObject(
    const std::vector<std::pair<std::string, std::string>> &Fields) {
  std::string Out = "{";
  for (size_t I = 0; I < Fields.size(); ++I) {
    if (I)
      Out += ", ";
    Out += pyJsonString(Fields[I].first) + ": " + Fields[I].second;
  }
  return Out + "}";
}

std::optional<int64_t> hooks::parsePyInt(llvm::StringRef S) {
  S = S.trim(" \t\n\v\f\r");
  bool Neg = false;
  if (!S.empty() && (S.front() == '+' || S.front() == '-')) {
    Neg = S.front() == '-';
    S = S.drop_front();
  }
  if (S.empty() || !llvm::isDigit(S.front()) || !llvm::isDigit(S.back()))
    return std::nullopt;
  std::string Digits;
  for (size_t I = 0; I < S.size(); ++I) {
    if (S[I] == '_') {
      if (!llvm::isDigit(S[I - 1]) || !llvm::isDigit(S[I + 1]))
        return std::nullopt;
      continue;
    }
    if (!llvm::isDigit(S[I]))
      return std::nullopt;
    Digits.push_back(S[I]);
  }
  uint64_t V = 0;
  if (llvm::StringRef(Digits).getAsInteger(10, V) ||
      V > static_cast<uint64_t>(INT64_MAX))
    return std::nullopt;
  return Neg ? -static_cast<int64_t>(V) : static_cast<int64_t>(V);
}

std::string hooks::bodyExcerpt(llvm::StringRef Body) {
  Body = Body.trim();
  if (Body.size() <= 512)
    return Body.str();
  return Body.take_front(512).str() + "...";
}
